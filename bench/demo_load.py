"""Time loading the demo dataset: generate + COPY in one transaction, per size, against
generating the same rows without writing them (the baseline, same run)."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import platform
import resource
import sys
import time
from pathlib import Path

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _server import scratch_database

from odx_graph.core.vocab import migrations_dir
from odx_graph.services import demo
from odx_graph.services.refdata import sync_reference_data
from odx_graph.store import bulk
from odx_graph.store.migrations import migrate

AS_OF = dt.date(2026, 6, 30)


async def measure(homes: int, seed: int) -> tuple[float, float, int]:
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
            started = time.perf_counter()
            summary = await demo.load_demo(conn, homes=homes, seed=seed, as_of=AS_OF)
            loaded = time.perf_counter() - started
            assert summary.total == rows
        finally:
            await conn.close()
    return generated, loaded, rows


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--homes", type=int, nargs="+", default=[5000, 20000])
    parser.add_argument("--seed", type=int, default=20251027)
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
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak RSS of this process: {peak:.0f} MB")


if __name__ == "__main__":
    asyncio.run(main())
