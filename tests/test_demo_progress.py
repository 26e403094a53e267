"""`odx-graph demo` shows how far the load has got: a bar with the time left at a terminal
(a pseudo-terminal here), a JSON log line at every tenth of the homes otherwise; then each
step after the rows (indexes, keys, facts, summaries...) with its time."""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys

from tests.conftest import Server
from tests.support import clean_environment
from tests.test_cli_output import _on_a_terminal

# Some of the steps after the rows, in the order they come.
STEPS = (
    "indexes built",
    "foreign keys checked",
    "rows noted for the change log",
    "rebuild_repair_facts()",
    "rebuild_repair_summaries()",
    "rebuild_repair_value_histograms()",
    "indexes of the repair facts built",
    "planned works",
    "repairs due for planned replacement",
    "VACUUM (ANALYZE)",
)
# Chunks of 2,000 homes: a chunk counts as loaded when the next one's homes arrive.
HOMES = 4_500


async def _run(pg_server: Server, terminal: bool) -> tuple[int, str]:
    name = await pg_server.create_database()
    try:
        env = clean_environment(ODX_DATABASE_URL=pg_server.dsn(name))
        args = [sys.executable, "-m", "odx_graph", "demo", "--homes", str(HOMES)]
        if terminal:
            return await asyncio.to_thread(_on_a_terminal, args, env)
        done = await asyncio.to_thread(
            subprocess.run, args, env=env, capture_output=True, text=True, timeout=600
        )
        return done.returncode, done.stderr
    finally:
        await pg_server.drop_database(name)


async def test_off_a_terminal_the_load_logs_homes_at_each_tenth(pg_server: Server) -> None:
    status, err = await _run(pg_server, terminal=False)
    assert status == 0, err
    assert "\r" not in err
    entries = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    progress = [e for e in entries if e["message"] == "loading the demo"]
    # 2,000 and 4,000 of 4,500 homes loaded: the fourth and the eighth tenth
    assert [(e["homes"], e["of"]) for e in progress] == [(2_000, HOMES), (4_000, HOMES)]
    assert all(e["seconds_left"] >= 0 for e in progress)
    # Then each step after the rows, in order, with its time.
    steps = [e for e in entries if e["message"] == "demo step done"]
    names = [e["step"] for e in steps]
    for step in STEPS:
        assert step in names, (step, names)
    assert [n for n in names if n in STEPS] == list(STEPS)
    assert all(e["seconds"] >= 0 for e in steps)


async def test_at_a_terminal_the_load_draws_a_bar_with_the_time_left(pg_server: Server) -> None:
    status, shown = await _run(pg_server, terminal=True)
    assert status == 0, shown
    bars = re.findall(
        r"loading the demo \[[#.]+\] +(\d+)% ([\d,]+)/([\d,]+) homes, about \d+:\d\d left", shown
    )
    # redrawn after every batch, moving on when a chunk of homes is done
    assert list(dict.fromkeys((share, done) for share, done, _ in bars)) == [
        ("44", "2,000"),
        ("88", "4,000"),
    ]
    assert {total for _, _, total in bars} == {"4,500"}
    assert re.search(r"\nrebuild_repair_summaries\(\): \d+\.\d s", shown), shown[-2000:]
