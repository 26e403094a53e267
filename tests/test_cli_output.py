"""What the command line prints: human lines and a progress bar for a person at a
terminal (a pseudo-terminal here), JSON log lines for anything else or when asked, and
the truth about the embedded database it shares with a running server."""

from __future__ import annotations

import json
import logging
import os
import pty
import select
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from odx_graph.store import imports as repo
from odx_graph.store.db import Database
from odx_graph.store.embedded import HANDLES
from odx_graph.store.embedded import EmbeddedServer
from tests.support import clean_environment

ORG = "Terminal Homes"
CONTRACTORS = "contractor_ref,name\nTT-1,Terminal Trades Ltd\n"


@pytest.fixture(scope="module")
async def db(module_db: Database) -> Database:
    async with module_db.connection() as conn:
        await repo.create_organisation(conn, ORG, "landlord", None)
    return module_db


def _command(path: Path, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "odx_graph",
        *extra,
        "import",
        str(path),
        "--format",
        "contractors",
        "--as",
        ORG,
        "--dry-run",
    ]


def _on_a_terminal(args: list[str], env: dict[str, str]) -> tuple[int, str]:
    """Run ``args`` with a pseudo-terminal as standard input, output and error."""
    main, child = pty.openpty()
    process = subprocess.Popen(args, stdin=child, stdout=child, stderr=child, env=env)
    os.close(child)
    chunks = []
    while True:
        ready, _, _ = select.select([main], [], [], 60)
        if not ready:
            process.kill()
            break
        try:
            chunk = os.read(main, 65536)
        except OSError:  # the child side closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(main)
    return process.wait(timeout=60), b"".join(chunks).decode("utf-8", "replace")


def _env(db: Database) -> dict[str, str]:
    return clean_environment(ODX_DATABASE_URL=db.dsn)


def test_a_person_at_a_terminal_gets_text_and_a_progress_bar(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "contractors.csv"
    path.write_text(CONTRACTORS)
    status, shown = _on_a_terminal(_command(path), _env(db))
    assert status == 0, shown
    lines = [line.strip() for line in shown.replace("\r", "\n").splitlines() if line.strip()]
    assert not [line for line in lines if line.startswith("{")], shown  # no JSON
    assert any(" info " in line and "reference data in sync" in line for line in lines), shown
    assert any("%" in line and "[" in line for line in lines), shown  # the bar was drawn
    assert lines[-1].endswith(
        "dry run, nothing written: 1 read; a real run would create 1, update 0 and leave 0 "
        "unchanged"
    ), shown


def test_anything_else_gets_json_log_lines(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "contractors.csv"
    path.write_text(CONTRACTORS)
    piped = subprocess.run(
        _command(path), env=_env(db), capture_output=True, text=True, timeout=120, check=False
    )
    assert piped.returncode == 0, piped.stderr
    logged = [json.loads(line) for line in piped.stderr.splitlines() if line.strip()]
    assert {entry["message"] for entry in logged} >= {"reference data in sync"}
    assert "\r" not in piped.stderr  # no progress bar off a terminal
    status, shown = _on_a_terminal(_command(path, "--log-format", "json"), _env(db))
    assert status == 0, shown
    entries = [line for line in shown.splitlines() if line.startswith("{")]
    assert entries and json.loads(entries[0])["level"] == "INFO"


def test_template_help_lists_the_templates(capsys: pytest.CaptureFixture[str]) -> None:
    from odx_graph.cli import main

    with pytest.raises(SystemExit):
        main(["template", "--help"])
    shown = " ".join(capsys.readouterr().out.split())
    for name in ("homes", "components", "repairs", "contractors", "damp-mould-cases"):
        assert name in shown


def test_template_describe_prints_the_columns_from_the_mapping(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from odx_graph.cli import main
    from odx_graph.services.importing.templates import template_markdown

    assert main(["template", "homes", "--describe"]) == 0
    shown = capsys.readouterr().out
    assert shown == template_markdown("homes")
    assert "| `bedrooms` | whole number, 0 to 30 |" in shown
    assert "| `floor_level` | whole number, -5 to 200 |" in shown
    assert main(["template", "homes"]) == 0
    assert capsys.readouterr().out.startswith("\ufeffhome_ref,uprn,")  # the BOM Excel reads


class _Handle:
    """Stands in for the embedded server's package: records that it was let go."""

    released = False

    def cleanup(self) -> None:
        self.released = True


def test_the_embedded_server_says_whether_it_stops_or_stays(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    server = EmbeddedServer(tmp_path, str(tmp_path), _Handle())
    caplog.set_level(logging.INFO, logger="odx_graph.store.embedded")
    (tmp_path / HANDLES).write_text(json.dumps([os.getpid(), os.getppid()]))
    server.stop()
    assert caplog.records[-1].getMessage().startswith("leaving the embedded PostgreSQL running")
    assert caplog.records[-1].__dict__["pids"] == [os.getppid()]
    dead: Any = 2**22 + 12345  # above any pid this system hands out
    (tmp_path / HANDLES).write_text(json.dumps([os.getpid(), dead]))
    server.stop()
    assert caplog.records[-1].getMessage() == "stopping embedded PostgreSQL"
    assert server._server.released
