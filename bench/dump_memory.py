"""Peak memory of ``odx-graph export`` (a separate process) at several dataset sizes: the
dump streams through a server-side cursor, so its peak must not grow with the data. The
baseline in the same run is the smallest size."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _server import scratch_database

from odx_graph.core.vocab import migrations_dir
from odx_graph.services import demo
from odx_graph.services.refdata import sync_reference_data
from odx_graph.store.migrations import migrate


def export_peak(url: str, fmt: str) -> tuple[float, float, int]:
    """Run the export in a child process; its own peak RSS (MB), seconds and output bytes
    (counted as they stream through a pipe: a million homes' dump is larger than a
    disk may hold)."""
    env = {**os.environ, "ODX_DATABASE_URL": url, "ODX_LOG_LEVEL": "WARNING"}
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-m", "odx_graph", "export", "--format", fmt],
        env=env,
        stdout=subprocess.PIPE,
    )
    assert child.stdout is not None
    size = 0
    while chunk := child.stdout.read(1 << 20):
        size += len(chunk)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        raise SystemExit(f"export failed with {child.returncode}")
    return usage.ru_maxrss / 1024, seconds, size


async def measure(homes: int, fmt: str) -> tuple[float, float, int]:
    """Load ``homes`` demo homes into a scratch database and export them."""
    async with scratch_database() as url:
        conn = await asyncpg.connect(url)
        try:
            await migrate(conn, migrations_dir())
            await sync_reference_data(conn)
            await demo.load_demo(conn, homes=homes, seed=20251027, as_of=dt.date(2026, 6, 30))
        finally:
            await conn.close()
        return await asyncio.to_thread(export_peak, url, fmt)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--homes", type=int, nargs="+", default=[1000, 5000, 20000])
    parser.add_argument("--format", default="nt", choices=["nt", "ttl", "jsonld"])
    args = parser.parse_args()
    print(
        f"# dump memory ({args.format}), {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, "
        f"{platform.machine()}, Python {platform.python_version()}\n"
    )
    print("| homes | output (MB) | seconds | peak RSS of the export process (MB) | vs smallest |")
    print("| ---: | ---: | ---: | ---: | ---: |")
    baseline = None
    for homes in sorted(args.homes):
        peak, seconds, size = await measure(homes, args.format)
        baseline = baseline or peak
        print(
            f"| {homes:,} | {size / 1e6:,.1f} | {seconds:.1f} | {peak:.0f} | "
            f"{peak / baseline:.2f}x |",
            flush=True,
        )


if __name__ == "__main__":
    asyncio.run(main())
