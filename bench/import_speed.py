"""Time importing a repairs CSV (read, validate, match, write) against a raw COPY of the
same rows into a bare table (the baseline, same run, same database).

The file has one row per repair, each with one SOR line, naming homes by reference;
the homes are imported first (not timed). Rounds alternate: import, COPY, import, COPY...
and the medians are compared. A second import of the same file (every record unchanged)
is timed too.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import io
import platform
import random
import statistics
import sys
import time
from pathlib import Path

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _server import scratch_database

from odx_graph.db import Database
from odx_graph.importing.service import run_import
from odx_graph.migrations import migrate
from odx_graph.refdata import sync_reference_data
from odx_graph.repo import imports as repo
from odx_graph.vocab import migrations_dir

SOR = ("601101", "601103", "631335", "001105")
HEADER = (
    "repair_ref,home_ref,priority,status,trade,reported_at,completed_at,repair_cost,"
    "line_number,sor_code,quantity,unit_cost,line_cost"
)


def files(homes: int, repairs: int, seed: int) -> tuple[bytes, bytes]:
    """A homes CSV and a repairs CSV naming those homes."""
    draw = random.Random(seed)
    home_rows = ["home_ref,uprn,address_line_1,town,postcode,bedrooms,year_built"]
    for n in range(1, homes + 1):
        home_rows.append(f"H-{n},{900000000000 + n},{n} Bench Street,Leeds,LS9 8AB,2,1960")
    repair_rows = [HEADER]
    start = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    for n in range(1, repairs + 1):
        reported = start + dt.timedelta(minutes=draw.randrange(0, 500_000))
        completed = reported + dt.timedelta(hours=draw.randrange(2, 400))
        cost = draw.randrange(2000, 90000) / 100
        repair_rows.append(
            f"R-{n},H-{draw.randrange(1, homes + 1)},{draw.choice('1234')},complete,PL,"
            f"{reported:%Y-%m-%dT%H:%M:%SZ},{completed:%Y-%m-%dT%H:%M:%SZ},{cost:.2f},1,"
            f"{draw.choice(SOR)},1,{cost:.2f},{cost:.2f}"
        )
    return ("\n".join(home_rows) + "\n").encode(), ("\n".join(repair_rows) + "\n").encode()


async def raw_copy(conn: asyncpg.Connection, data: bytes) -> float:
    """Seconds to COPY the file's rows, as text, into a fresh bare table."""
    columns = [c.strip() for c in HEADER.split(",")]
    await conn.execute("DROP TABLE IF EXISTS raw_repairs")
    await conn.execute(
        "CREATE TABLE raw_repairs ("
        "repair_ref text, home_ref text, priority text, status text, trade text, "
        "reported_at timestamptz, completed_at timestamptz, repair_cost numeric(12,2), "
        "line_number integer, sor_code text, quantity numeric(12,3), unit_cost numeric(12,2), "
        "line_cost numeric(12,2))"
    )
    started = time.perf_counter()
    await conn.copy_to_table(
        "raw_repairs", source=io.BytesIO(data), columns=columns, format="csv", header=True
    )
    return time.perf_counter() - started


async def timed_import(db: Database, data: bytes, organisation: str) -> tuple[float, int, int]:
    """Seconds, records created and records unchanged of one import."""
    started = time.perf_counter()
    report = await run_import(
        db, data, fmt="repairs", file_name="bench.csv", organisation=organisation
    )
    elapsed = time.perf_counter() - started
    assert report.written and report.ok, report.as_text()[:2000]
    return elapsed, report.created, report.unchanged


async def measure(homes: int, repairs: int, rounds: int, seed: int) -> dict[str, list[float]]:
    homes_csv, repairs_csv = files(homes, repairs, seed)
    times: dict[str, list[float]] = {"import": [], "again": [], "copy": []}
    for _ in range(rounds):
        async with scratch_database() as url:
            conn = await asyncpg.connect(url)
            try:
                await migrate(conn, migrations_dir())
                await sync_reference_data(conn)
                await repo.create_organisation(conn, "Bench Homes", "landlord", "L0001")
            finally:
                await conn.close()
            db = await Database.connect(url, max_size=2)
            try:
                report = await run_import(
                    db, homes_csv, fmt="homes", file_name="homes.csv", organisation="L0001"
                )
                assert report.written, report.as_text()[:2000]
                elapsed, created, _ = await timed_import(db, repairs_csv, "L0001")
                assert created == repairs
                times["import"].append(elapsed)
                elapsed, _, unchanged = await timed_import(db, repairs_csv, "L0001")
                assert unchanged == repairs
                times["again"].append(elapsed)
                async with db.connection() as conn:
                    times["copy"].append(await raw_copy(conn, repairs_csv))
            finally:
                await db.close()
    return times


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repairs", type=int, default=100_000)
    parser.add_argument("--homes", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    times = await measure(args.homes, args.repairs, args.rounds, args.seed)
    median = {name: statistics.median(values) for name, values in times.items()}
    print(
        f"# import speed, {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, "
        f"{platform.machine()}, Python {platform.python_version()}\n"
    )
    print(f"{args.repairs:,} repair rows (one SOR line each) over {args.homes:,} homes, "
          f"{args.rounds} rounds, medians:\n")  # fmt: skip
    print("| run | seconds | rows/s | / raw COPY |")
    print("| --- | ---: | ---: | ---: |")
    for name, label in (
        ("copy", "raw COPY into a bare table (baseline)"),
        ("import", "odx-graph import, all new"),
        ("again", "odx-graph import of the same file again, all unchanged"),
    ):
        seconds = median[name]
        print(
            f"| {label} | {seconds:.2f} | {args.repairs / seconds:,.0f} | "
            f"{seconds / median['copy']:.1f}x |"
        )


if __name__ == "__main__":
    asyncio.run(main())
