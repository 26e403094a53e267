"""Time loading the demo dataset: generate + COPY in one transaction, per size, against
generating the same rows without writing them (the baseline, same run).

With `--rounds N` each size is also loaded the way the loader did before it set foreign keys
and change-log triggers aside (keys checked row by row as COPY inserts, changes noted by
each statement's triggers), alternating with the loader as it is, N times each, and the
medians compared."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import platform
import resource
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _server import scratch_database

from odx_graph.core.vocab import migrations_dir
from odx_graph.services import demo
from odx_graph.services.refdata import sync_reference_data
from odx_graph.store import bulk
from odx_graph.store.migrations import migrate

AS_OF = dt.date(2026, 6, 30)


async def _nothing_set_aside(conn: asyncpg.Connection, tables: object) -> list[Any]:
    return []  # the baseline: keys checked row by row, changes noted statement by statement


async def _noted_already(conn: asyncpg.Connection, segments: object) -> None:
    return None  # the baseline's triggers noted every row as it went in


async def measure(homes: int, seed: int, *, set_aside: bool = True) -> tuple[float, float, int]:
    """Seconds to generate only, seconds to load, rows loaded."""
    async with scratch_database() as url:
        conn = await asyncpg.connect(url)
        try:
            await migrate(conn, migrations_dir())
            await sync_reference_data(conn)
            codes = demo.code_lists_from_tables(await bulk.read_code_tables(conn))
            started = time.perf_counter()
            rows = sum(
                len(b.rows) for b in demo.generate(homes=homes, seed=seed, as_of=AS_OF, codes=codes)
            )
            generated = time.perf_counter() - started
            keys, notes, note_all = (
                bulk.set_aside_foreign_keys,
                bulk.set_aside_change_notes,
                bulk.note_all_rows,
            )
            if not set_aside:
                bulk.set_aside_foreign_keys = _nothing_set_aside
                bulk.set_aside_change_notes = _nothing_set_aside
                bulk.note_all_rows = _noted_already
            try:
                started = time.perf_counter()
                summary = await demo.load_demo(conn, homes=homes, seed=seed, as_of=AS_OF)
                loaded = time.perf_counter() - started
            finally:
                bulk.set_aside_foreign_keys = keys
                bulk.set_aside_change_notes = notes
                bulk.note_all_rows = note_all
            assert summary.total == rows
        finally:
            await conn.close()
    return generated, loaded, rows


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--homes", type=int, nargs="+", default=[5000, 20000])
    parser.add_argument("--seed", type=int, default=20251027)
    parser.add_argument(
        "--rounds", type=int, default=0, help="compare with row-by-row key checks, N times each"
    )
    args = parser.parse_args()
    print(
        f"# demo load, {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, "
        f"{platform.machine()}, Python {platform.python_version()}\n"
    )
    print("| homes | rows | generate only (s) | load (s) | rows/s loaded | load / generate |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: |")
    for homes in args.homes:
        generated, loaded, rows = await measure(homes, args.seed)
        print(
            f"| {homes:,} | {rows:,} | {generated:.1f} | {loaded:.1f} | "
            f"{rows / loaded:,.0f} | {loaded / generated:.1f}x |",
            flush=True,
        )
    if args.rounds:
        print(
            "\n| homes | keys and notes as rows go in: median load (s) | set aside (s) | speed-up |"
        )
        print("| ---: | ---: | ---: | ---: |")
        for homes in args.homes:
            times: dict[bool, list[float]] = {False: [], True: []}
            for _ in range(args.rounds):
                for aside in (False, True):
                    times[aside].append((await measure(homes, args.seed, set_aside=aside))[1])
            old, new = statistics.median(times[False]), statistics.median(times[True])
            print(f"| {homes:,} | {old:.1f} | {new:.1f} | {old / new:.2f}x |", flush=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak RSS of this process: {peak:.0f} MB")


if __name__ == "__main__":
    asyncio.run(main())
