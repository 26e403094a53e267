"""Time the insight queries (damp and mould rates, Awaab's Law clocks, breach rates,
provider comparison, criterion C ages, repair performance, contractor market, replacement
forecast) on the demo dataset, against counting the cases
by landlord in plain SQL in the same run (the baseline).

Loads the demo into a scratch database (``--homes``), or uses an existing, already
loaded and migrated database (``--database URL``).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import platform
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _server import scratch_database

from odx_graph.core.access import PUBLIC
from odx_graph.core.config import Settings
from odx_graph.core.vocab import migrations_dir
from odx_graph.services import demo
from odx_graph.services.insight import damp as insight_damp
from odx_graph.services.insight import repairs as insight
from odx_graph.services.refdata import sync_reference_data
from odx_graph.store.analytics import Dimension, MarketScope, RepairScope
from odx_graph.store.damp import ClockFilter, DampDimension, DampScope
from odx_graph.store.db import Database
from odx_graph.store.migrations import migrate

AS_OF = dt.date(2026, 6, 30)
SETTINGS = Settings.from_env({})


async def _load(url: str, homes: int, seed: int) -> None:
    conn = await asyncpg.connect(url)
    try:
        await migrate(conn, migrations_dir())
        await sync_reference_data(conn)
        await demo.load_demo(conn, homes=homes, seed=seed, as_of=AS_OF)
        await conn.execute("ANALYZE")
    finally:
        await conn.close()


def _queries(db: Database, district: str) -> list[tuple[str, Callable[[], Awaitable[Any]]]]:
    everything = DampScope()
    year = DampScope(
        aware_from=dt.datetime(2025, 7, 1, tzinfo=dt.UTC),
        aware_to=dt.datetime(2026, 7, 1, tzinfo=dt.UTC),
    )

    def rates(*dims: DampDimension, scope: DampScope = everything) -> Any:
        return lambda: insight_damp.damp_rates(db, SETTINGS, PUBLIC, list(dims), scope)

    def compare(measure: insight.Measure) -> Any:
        return lambda: insight.compare_providers(db, SETTINGS, PUBLIC, measure, RepairScope())

    def performance(*dims: Dimension) -> Any:
        return lambda: insight.performance(db, SETTINGS, PUBLIC, list(dims), RepairScope())

    rp02 = ("within_target_emergency_pct", "within_target_non_emergency_pct")
    tsm_year = RepairScope(
        reported_from=dt.datetime(2025, 4, 1, tzinfo=dt.UTC),
        reported_to=dt.datetime(2026, 4, 1, tzinfo=dt.UTC),
    )

    repairs = [
        ("repairPerformance(groupBy: [LANDLORD])", performance(Dimension.LANDLORD)),
        (
            "repairPerformance(groupBy: [POSTCODE_DISTRICT, PRIORITY])",
            performance(Dimension.POSTCODE_DISTRICT, Dimension.PRIORITY),
        ),
        ("repairPerformance(groupBy: [MONTH])", performance(Dimension.MONTH)),
        ("repairPerformance(groupBy: [SOR_SCHEDULE])", performance(Dimension.SOR_SCHEDULE)),
        (
            "repairPerformance(groupBy: [CONTRACTOR, TRADE])",
            performance(Dimension.CONTRACTOR, Dimension.TRADE),
        ),
        (
            "repairPerformance(groupBy: [LANDLORD], one TSM year) { RP02 percentages }",
            lambda: insight.performance(db, SETTINGS, PUBLIC, [Dimension.LANDLORD], tsm_year, rp02),
        ),
        (
            "repairPerformance(groupBy: [LANDLORD], one TSM year) { medianWorkingDays }",
            lambda: insight.performance(
                db, SETTINGS, PUBLIC, [Dimension.LANDLORD], tsm_year, ("median_working_days",)
            ),
        ),
        (
            "providerComparison(measure: WITHIN_TARGET_EMERGENCY_PCT)",
            compare(insight.Measure.WITHIN_TARGET_EMERGENCY_PCT),
        ),
        (
            "providerComparison(measure: FIRST_TIME_FIX_PCT)",
            compare(insight.Measure.FIRST_TIME_FIX_PCT),
        ),
        (
            "contractorMarket(district)",
            lambda: insight.contractor_market(
                db,
                SETTINGS,
                PUBLIC,
                MarketScope(postcode_column="postcode_district", postcode_value=district),
            ),
        ),
        (
            "replacementForecast(years: 10)",
            lambda: insight.forecast_replacements(db, SETTINGS, PUBLIC, 10, {}),
        ),
    ]
    return [
        (
            "baseline: cases counted by the home's landlord, plain SQL",
            lambda: db.fetch(
                "SELECT h.landlord_id, count(*) FROM damp_mould_case c "
                "JOIN home h ON h.id = c.home_id GROUP BY 1"
            ),
        ),
        ("dampMouldRates(groupBy: [])", rates()),
        ("dampMouldRates(groupBy: [LANDLORD])", rates(DampDimension.LANDLORD)),
        ("dampMouldRates(groupBy: [POSTCODE_DISTRICT])", rates(DampDimension.POSTCODE_DISTRICT)),
        (
            "dampMouldRates(groupBy: [AGE_BAND, PROPERTY_TYPE])",
            rates(DampDimension.AGE_BAND, DampDimension.PROPERTY_TYPE),
        ),
        ("dampMouldRates(groupBy: [EPC_BAND])", rates(DampDimension.EPC_BAND)),
        (
            "dampMouldRates(groupBy: [LANDLORD, MONTH]), one year",
            rates(DampDimension.LANDLORD, DampDimension.MONTH, scope=year),
        ),
        ("dampMouldRates(groupBy: [MONTH_OF_YEAR])", rates(DampDimension.MONTH_OF_YEAR)),
        (
            "awaabClocks(first: 500)",
            lambda: insight_damp.case_clocks(db, ClockFilter(limit=500)),
        ),
        (
            "awaabClocks(first: 500, filter: {status: [BREACHED]})",
            lambda: insight_damp.case_clocks(db, ClockFilter(statuses=("BREACHED",), limit=500)),
        ),
        (
            "awaabBreachRates",
            lambda: insight_damp.breach_rates(db, SETTINGS, PUBLIC, everything),
        ),
        (
            "providerComparison(measure: DAMP_MOULD_PER_1000_HOMES)",
            compare(insight.Measure.DAMP_MOULD_PER_1000_HOMES),
        ),
        (
            "providerComparison(measure: AWAAB_BREACH_PCT)",
            compare(insight.Measure.AWAAB_BREACH_PCT),
        ),
        (
            "modernFacilityAges(first: 500)",
            lambda: insight_damp.modern_facility_ages(db, everything, (), 0, 500),
        ),
        *repairs,
    ]


async def _time(run: Callable[[], Awaitable[Any]], repeat: int) -> float:
    await run()  # warm the cache and the connection's prepared statements
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        await run()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


async def measure(url: str, repeat: int) -> None:
    """Print a Markdown table of the median seconds of each query."""
    db = await Database.connect(url, max_size=2, statement_timeout_ms=120_000)
    try:
        counts = {
            t: await db.fetchval(f"SELECT count(*) FROM {t}")
            for t in ("home", "damp_mould_case", "energy_performance_certificate", "component")
        }
        print(", ".join(f"{t}: {n:,}" for t, n in counts.items()) + "\n")
        print("| query | median (s) | / baseline |")
        print("| --- | ---: | ---: |")
        baseline = None
        district = await db.fetchval(
            "SELECT postcode_district FROM home GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
        )
        for name, run in _queries(db, district):
            seconds = await _time(run, repeat)
            baseline = baseline or seconds
            print(f"| {name} | {seconds:.3f} | {seconds / baseline:.2f}x |", flush=True)
    finally:
        await db.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--homes", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=20251027)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--database", help="an already loaded database URL to use instead")
    args = parser.parse_args()
    print(
        f"# damp and mould insight, {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, "
        f"{platform.machine()}, Python {platform.python_version()}\n"
    )
    if args.database:
        await measure(args.database, args.repeat)
        return
    async with scratch_database() as url:
        await _load(url, args.homes, args.seed)
        await measure(url, args.repeat)


if __name__ == "__main__":
    asyncio.run(main())
