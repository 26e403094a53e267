"""Time importing a repairs CSV (read, validate, match, write) against raw COPYs of the
same rows, in the same run and database:

- into a bare table of typed columns, no keys, indexes or triggers (the cheapest way
  to get the rows into PostgreSQL at all);
- into the graph's own ``repair`` and ``repair_line`` tables, with home ids looked up
  beforehand (untimed): the same rows stored where the import stores them, paying the
  same foreign keys, indexes and triggers (repair facts, live notifications), but with
  none of the import's reading, checking, matching, references or provenance.

The file has one row per repair, each with one SOR line, naming homes by reference;
the homes are imported first (not timed). Each round uses a fresh database: import,
import again (every record unchanged), then the two COPYs; medians are compared.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import datetime as dt
import io
import platform
import random
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _server import scratch_database

from odx_graph.core.vocab import migrations_dir
from odx_graph.services.importing.service import run_import
from odx_graph.services.refdata import sync_reference_data
from odx_graph.store import imports as repo
from odx_graph.store.db import Database
from odx_graph.store.migrations import migrate

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


async def graph_copy(conn: asyncpg.Connection, data: bytes, landlord: int) -> float:
    """Seconds to COPY the file's repairs and lines into ``repair`` and ``repair_line``.

    Runs before the imports, on the same database state (homes only), and is rolled
    back afterwards, after running what its commit would (deferred checks, repair
    facts); home ids are looked up from the references before the clock starts."""
    homes = {
        r["value"]: r["subject_id"]
        for r in await conn.fetch(
            "SELECT value, subject_id FROM reference "
            "WHERE subject_type = 'home' AND allocated_by_id = $1",
            landlord,
        )
    }
    rows = list(csv.DictReader(io.StringIO(data.decode())))
    first = await conn.fetchval(
        "SELECT setval(pg_get_serial_sequence('repair', 'id'), coalesce(max(id), 0) + $1)"
        " - $1 + 1 FROM repair",
        len(rows),
    )
    repairs, lines = [], []
    for n, row in enumerate(rows):
        key = first + n
        reported = dt.datetime.fromisoformat(row["reported_at"])
        completed = dt.datetime.fromisoformat(row["completed_at"])
        repairs.append(
            (key, landlord, homes[row["home_ref"]], row["priority"], row["status"],
             row["trade"], reported, reported, completed, Decimal(row["repair_cost"]))
        )  # fmt: skip
        lines.append(
            (key, int(row["line_number"]), row["sor_code"], Decimal(row["quantity"]),
             Decimal(row["unit_cost"]), Decimal(row["line_cost"]))
        )  # fmt: skip
    transaction = conn.transaction()
    await transaction.start()
    try:
        await conn.execute("SET LOCAL statement_timeout = 0")  # as the import does
        started = time.perf_counter()
        await conn.copy_records_to_table(
            "repair",
            records=repairs,
            columns=["id", "landlord_id", "home_id", "priority_code", "status_code",
                     "trade_code", "reported_at", "raised_at", "completed_at", "cost"],
        )  # fmt: skip
        await conn.copy_records_to_table(
            "repair_line",
            records=lines,
            columns=["repair_id", "line_number", "sor_code", "quantity", "unit_cost", "cost"],
        )
        # What a commit would run first: the deferred checks and the repair facts.
        await conn.execute("SET CONSTRAINTS ALL IMMEDIATE")
        return time.perf_counter() - started
    finally:
        await transaction.rollback()


async def timed_import(db: Database, data: bytes, organisation: str) -> tuple[float, int, int]:
    """Seconds, records created and records unchanged of one import."""
    started = time.perf_counter()
    report = await run_import(
        db, data, fmt="repairs", file_name="bench.csv", organisation=organisation
    )
    elapsed = time.perf_counter() - started
    assert report.written and report.ok, report.as_text()[:2000]
    return elapsed, report.created, report.unchanged


async def measure_round(
    url: str, homes_csv: bytes, repairs_csv: bytes, repairs: int, code: str = "L0001"
) -> dict[str, float]:
    """One round in the migrated database at ``url`` (empty, or a loaded demo): a landlord
    ``code`` and its homes (untimed), then the COPY into the graph's tables (rolled
    back), the import, the same import again, and the COPY into a bare table (dropped)."""
    conn = await asyncpg.connect(url)
    try:
        landlord = await repo.create_organisation(conn, "Bench Homes", "landlord", code)
    finally:
        await conn.close()
    times: dict[str, float] = {}
    db = await Database.connect(url, max_size=2)
    try:
        report = await run_import(
            db, homes_csv, fmt="homes", file_name="homes.csv", organisation=code
        )
        assert report.written, report.as_text()[:2000]
        async with db.connection() as conn:
            times["graph"] = await graph_copy(conn, repairs_csv, landlord)
        elapsed, created, _ = await timed_import(db, repairs_csv, code)
        assert created == repairs
        times["import"] = elapsed
        elapsed, _, unchanged = await timed_import(db, repairs_csv, code)
        assert unchanged == repairs
        times["again"] = elapsed
        async with db.connection() as conn:
            times["copy"] = await raw_copy(conn, repairs_csv)
            await conn.execute("DROP TABLE raw_repairs")
    finally:
        await db.close()
    return times


async def measure(homes: int, repairs: int, rounds: int, seed: int) -> dict[str, list[float]]:
    """Each round's seconds, per run, each round in a fresh database."""
    homes_csv, repairs_csv = files(homes, repairs, seed)
    times: dict[str, list[float]] = {"import": [], "again": [], "copy": [], "graph": []}
    for _ in range(rounds):
        async with scratch_database() as url:
            conn = await asyncpg.connect(url)
            try:
                await migrate(conn, migrations_dir())
                await sync_reference_data(conn)
            finally:
                await conn.close()
            for name, seconds in (
                await measure_round(url, homes_csv, repairs_csv, repairs)
            ).items():
                times[name].append(seconds)
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
    print("| run | seconds | rows/s | / COPY, bare table | / COPY, graph tables |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, label in (
        ("copy", "raw COPY into a bare table"),
        ("graph", "raw COPY into repair and repair_line"),
        ("import", "odx-graph import, all new"),
        ("again", "odx-graph import of the same file again, all unchanged"),
    ):
        seconds = median[name]
        print(
            f"| {label} | {seconds:.2f} | {args.repairs / seconds:,.0f} | "
            f"{seconds / median['copy']:.1f}x | {seconds / median['graph']:.2f}x |"
        )


if __name__ == "__main__":
    asyncio.run(main())
