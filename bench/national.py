"""National scale in one run: the demo dataset at each size (by default 5,000 and
1,000,000 homes), and at each

- the load: ``odx-graph demo`` in a child process, its wall time and peak memory;
- insight: every query of ``insight_damp.py``, cold (the insight cache off) and warm (from
  the cache), median seconds;
- the dump: ``odx-graph export`` of the whole dataset as N-Triples in a child process, its
  time, size and peak memory;
- then the GraphQL comparison of ``graphql_speed.py`` over every size at once (its own
  report, with its side-by-side table), against PostGraphile v5 where it is installed;
- last (it adds a landlord's homes and repairs, which would change what the GraphQL
  bench picks): importing a repairs CSV into the loaded dataset against COPYs of the same
  rows, as ``import_speed.py`` does in an empty one.

Each measure is reported for every size side by side. The sizes load into scratch
databases, dropped afterwards unless ``--keep``; ``--database URL`` (once per size, in
order) uses an already loaded one instead, and then the load is not timed. Give only
databases loaded to be measured: the GraphQL part throws away their unpublished change
log notes (``graphql_speed.py --discard-unpublished``) and the import part adds a
landlord with homes and repairs.

    python bench/national.py                          # 5,000 and 1,000,000 homes
    python bench/national.py --homes 5000 --homes 50000 --skip graphql

A million homes takes about 25 to 30 minutes to load and about 40 GB of disk (39 GB on
2026-12-07, 9 GB of it the change log's unpublished notes); the whole run
over an hour. The GraphQL part needs PostGraphile v5 for its comparison (see
bench/README.md); without it the compiled path is measured alone.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

import asyncpg

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from _server import scratch_database  # noqa: E402
from dump_memory import export_peak  # noqa: E402
from import_speed import files  # noqa: E402
from import_speed import measure_round  # noqa: E402
from insight_damp import timings  # noqa: E402

PARTS = ("load", "insight", "dump", "graphql", "import")
COUNTED = ("home", "component", "repair", "repair_line", "repair_status_event")


@dataclass
class Size:
    """What was measured at one size."""

    homes: int
    url: str = ""
    loaded: tuple[float, float] | None = None  # seconds, peak RSS (MB)
    counts: dict[str, int] = field(default_factory=dict)
    insight: list[tuple[str, float, float]] = field(default_factory=list)
    dump: tuple[float, float, int] | None = None  # peak RSS (MB), seconds, bytes
    imported: dict[str, float] = field(default_factory=dict)


def load(url: str, homes: int, seed: int) -> tuple[float, float]:
    """Load the demo with ``odx-graph demo`` in a child process (its progress shows on
    standard error); its wall seconds and own peak RSS (MB)."""
    env = {**os.environ, "ODX_DATABASE_URL": url}
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-m", "odx_graph", "demo", "--homes", str(homes), "--seed", str(seed)],
        env=env,
        stdout=subprocess.DEVNULL,
    )
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        raise SystemExit(f"loading {homes:,} homes failed with {child.returncode}")
    return time.perf_counter() - started, usage.ru_maxrss / 1024


async def counts(url: str) -> dict[str, int]:
    """How many rows the dataset's main tables hold."""
    conn = await asyncpg.connect(url)
    try:
        return {t: await conn.fetchval(f"SELECT count(*) FROM {t}") for t in COUNTED}
    finally:
        await conn.close()


def graphql(urls: list[str], args: argparse.Namespace) -> str:
    """The report of ``graphql_speed.py`` over every size's database."""
    command = [sys.executable, str(BENCH / "graphql_speed.py"), "--discard-unpublished"]
    command += [f"--database={url}" for url in urls]
    command += [f"--server={name}" for name in args.server]
    command += ["--rounds", str(args.rounds), "--seconds", str(args.seconds)]
    command += ["--postgraphile5", args.postgraphile5]
    done = subprocess.run(command, stdout=subprocess.PIPE, text=True, check=True)
    return done.stdout


def _heading(sizes: list[Size]) -> tuple[str, str]:
    columns = " | ".join(f"{s.homes:,} homes" for s in sizes)
    return f"| | {columns} |", "| --- |" + " ---: |" * len(sizes)


def _row(label: str, values: list[str]) -> str:
    return f"| {label} | {' | '.join(values)} |"


def report(sizes: list[Size], graphql_report: str, args: argparse.Namespace) -> str:
    """The Markdown report: every measure at every size, side by side."""
    lines = [
        f"# National scale, {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, "
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "",
        "## The dataset",
        "",
        *_heading(sizes),
    ]
    if any(s.loaded for s in sizes):
        lines.append(
            _row(
                "load: minutes", [f"{s.loaded[0] / 60:.1f}" if s.loaded else "given" for s in sizes]
            )
        )
        lines.append(
            _row("load: peak RSS (MB)", [f"{s.loaded[1]:.0f}" if s.loaded else "" for s in sizes])
        )
    for table in COUNTED:
        lines.append(_row(table, [f"{s.counts.get(table, 0):,}" for s in sizes]))
    if any(s.insight for s in sizes):
        names = [name for name, _, _ in max((s.insight for s in sizes), key=len)]
        timed = [{name: (cold, warm) for name, cold, warm in s.insight} for s in sizes]
        homes = [f"{s.homes:,}" for s in sizes]
        lines += [
            "",
            f"## Insight (median of {args.repeat} after one unmeasured run, seconds)",
            "",
            "Cold: the insight cache off, worked out from the tables; warm: from the cache.",
            "",
            "| query | " + " | ".join(f"cold, {h}" for h in homes) + " | "
            + " | ".join(f"warm, {h}" for h in homes) + " |",
            "| --- |" + " ---: |" * (2 * len(sizes)),
        ]  # fmt: skip
        for name in names:
            cold = [f"{t[name][0]:.3f}" if name in t else "" for t in timed]
            warm = [f"{t[name][1]:.4f}" if name in t else "" for t in timed]
            lines.append(_row(name, cold + warm))
    if any(s.dump for s in sizes):
        lines += ["", "## The dump (`odx-graph export --format nt`, the whole dataset)", ""]
        lines += _heading(sizes)
        dumps = [s.dump or (0.0, 0.0, 0) for s in sizes]
        lines.append(_row("seconds", [f"{d[1]:.1f}" for d in dumps]))
        lines.append(_row("size (MB)", [f"{d[2] / 1e6:,.0f}" for d in dumps]))
        lines.append(_row("MB/s", [f"{d[2] / 1e6 / d[1]:.1f}" if d[1] else "" for d in dumps]))
        lines.append(_row("peak RSS (MB)", [f"{d[0]:.0f}" for d in dumps]))
    if graphql_report:
        lines += ["", "## GraphQL (`graphql_speed.py`, every size)", "", graphql_report.strip()]
    if any(s.imported for s in sizes):
        lines += [
            "",
            f"## Import ({args.repairs:,} repair rows over {args.import_homes:,} new homes of a "
            "new landlord, into the loaded dataset, one round)",
            "",
            *_heading(sizes),
        ]
        for name, label in (
            ("copy", "raw COPY into a bare table (s)"),
            ("graph", "raw COPY into repair and repair_line (s)"),
            ("import", "odx-graph import, all new (s)"),
            ("again", "the same file again, all unchanged (s)"),
        ):
            lines.append(_row(label, [f"{s.imported.get(name, 0):.2f}" for s in sizes]))
        lines.append(
            _row(
                "import / COPY into the graph's tables",
                [f"{s.imported['import'] / s.imported['graph']:.2f}x" for s in sizes],
            )
        )
    return "\n".join(lines) + "\n"


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--homes", type=int, action="append", default=[], metavar="N")
    parser.add_argument(
        "--database", action="append", default=[], metavar="URL",
        help="an already loaded database for each size, in order (its load is not timed)",
    )  # fmt: skip
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--skip", action="append", default=[], choices=PARTS)
    parser.add_argument("--repeat", type=int, default=3, help="insight: timed runs per query")
    parser.add_argument("--repairs", type=int, default=100_000, help="import: repair rows")
    parser.add_argument("--import-homes", type=int, default=20_000, help="import: new homes")
    parser.add_argument("--server", action="append", default=[], help="graphql: servers run")
    parser.add_argument("--rounds", type=int, default=3, help="graphql: rounds")
    parser.add_argument("--seconds", type=int, default=5, help="graphql: seconds per run")
    parser.add_argument("--postgraphile5", default="/tmp/pgl5")
    parser.add_argument("--keep", action="store_true", help="keep the scratch databases")
    parser.add_argument("--out", type=Path, help="also write the report to this file")
    args = parser.parse_args()
    homes = args.homes or [5000, 1_000_000]
    if args.database and len(args.database) != len(homes):
        parser.error("give one --database per size (--homes), in the same order")
    sizes = [Size(n) for n in homes]

    def say(text: str) -> None:
        print(f"{dt.datetime.now():%H:%M:%S} {text}", file=sys.stderr, flush=True)

    async with contextlib.AsyncExitStack() as stack:
        for n, size in enumerate(sizes):
            if args.database:
                size.url = args.database[n]
            else:
                size.url = await stack.enter_async_context(scratch_database())
                if args.keep:
                    stack.pop_all()
                    say(f"keeping {size.url}")
                say(f"loading {size.homes:,} homes")
                size.loaded = await asyncio.to_thread(load, size.url, size.homes, args.seed)
            size.counts = await counts(size.url)
            if "insight" not in args.skip:
                say(f"insight at {size.homes:,} homes")
                _, size.insight = await timings(size.url, args.repeat)
            if "dump" not in args.skip:
                say(f"dump at {size.homes:,} homes")
                size.dump = await asyncio.to_thread(export_peak, size.url, "nt")
        graphql_report = ""
        if "graphql" not in args.skip:
            say("GraphQL at every size")
            graphql_report = await asyncio.to_thread(graphql, [s.url for s in sizes], args)
        if "import" not in args.skip:
            homes_csv, repairs_csv = files(args.import_homes, args.repairs, args.seed)
            for size in sizes:
                say(f"import at {size.homes:,} homes")
                code = f"BENCH{dt.datetime.now():%H%M%S}"
                size.imported = await measure_round(
                    size.url, homes_csv, repairs_csv, args.repairs, code
                )
        text = report(sizes, graphql_report, args)
    print(text)
    if args.out:
        args.out.write_text(text)


if __name__ == "__main__":
    asyncio.run(main())
