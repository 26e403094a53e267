"""Time the insight queries (damp and mould rates, Awaab's Law clocks, breach rates,
provider comparison, criterion C ages, repair performance, contractor market, replacement
forecast) on the demo dataset, cold (worked out: the insight cache off) and warm (asked
again: from the cache, after the data version is read), against counting the cases by
landlord in plain SQL in the same run (the baseline). Then GraphQL requests over HTTP to
a real ``odx-graph serve`` on a free loopback port: cold (the first request) and warm
(the median of the repeats, each byte-identical to the first: the whole response kept,
see ``odx_graph/api/insight_responses.py``), against ``{ __typename }`` over the same
connection (the baseline).

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
from collections.abc import Awaitable
from collections.abc import Callable
from collections.abc import Collection
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _server import scratch_database

from odx_graph.core.access import PUBLIC
from odx_graph.core.config import Settings
from odx_graph.core.vocab import migrations_dir
from odx_graph.services import demo
from odx_graph.services.insight import damp as insight_damp
from odx_graph.services.insight import providers
from odx_graph.services.insight import repairs as insight
from odx_graph.services.insight.cache import InsightCache
from odx_graph.services.insight.repairs import keyed
from odx_graph.services.insight.scorecard import SCORECARD_MEASURES
from odx_graph.services.refdata import sync_reference_data
from odx_graph.store.analytics import MEASURES as REPAIR_MEASURES
from odx_graph.store.analytics import Dimension
from odx_graph.store.analytics import MarketScope
from odx_graph.store.analytics import RepairScope
from odx_graph.store.analytics import repair_performance_from_facts
from odx_graph.store.damp import ClockFilter
from odx_graph.store.damp import DampDimension
from odx_graph.store.damp import DampScope
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


def _queries(
    db: Database, district: str, landlord: int, cache: InsightCache | None
) -> list[tuple[str, Callable[[], Awaitable[Any]]]]:
    settings = SETTINGS
    everything = DampScope()
    year = DampScope(
        aware_from=dt.datetime(2025, 7, 1, tzinfo=dt.UTC),
        aware_to=dt.datetime(2026, 7, 1, tzinfo=dt.UTC),
    )

    def rates(*dims: DampDimension, scope: DampScope = everything) -> Any:
        return lambda: insight_damp.damp_rates(db, settings, PUBLIC, list(dims), scope, cache)

    def compare(measure: providers.Measure) -> Any:
        return lambda: providers.compare_providers(
            db, settings, PUBLIC, measure, RepairScope(), cache
        )

    every_repair = RepairScope()

    def performance(
        *dims: Dimension,
        scope: RepairScope = every_repair,
        measures: Collection[str] = insight.MEASURES,
    ) -> Any:
        return lambda: insight.performance(db, settings, PUBLIC, list(dims), scope, measures, cache)

    rp02 = ("within_target_emergency_pct", "within_target_non_emergency_pct")
    # The measures of a landlord's scorecard that are repair measures.
    scorecard = tuple(m.value for m in SCORECARD_MEASURES if m.value in REPAIR_MEASURES)
    # A TSM reporting year: 1 April to 31 March, UK time.
    uk = ZoneInfo("Europe/London")
    tsm_year = RepairScope(
        reported_from=dt.datetime(2025, 4, 1, tzinfo=uk),
        reported_to=dt.datetime(2026, 4, 1, tzinfo=uk),
    )
    # The same year's bounds as UTC midnights (an hour off the UK's, in summer time).
    utc_year = RepairScope(
        reported_from=dt.datetime(2025, 4, 1, tzinfo=dt.UTC),
        reported_to=dt.datetime(2026, 4, 1, tzinfo=dt.UTC),
    )
    one_landlord = RepairScope(landlord_ids=(landlord,))
    one_district = RepairScope(postcode_column="postcode_district", postcode_value=district)
    landlord_year = RepairScope(
        reported_from=tsm_year.reported_from,
        reported_to=tsm_year.reported_to,
        landlord_ids=(landlord,),
    )
    by_landlord, by_priority = Dimension.LANDLORD, Dimension.PRIORITY

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
            performance(by_landlord, scope=tsm_year, measures=rp02),
        ),
        (
            "repairPerformance(groupBy: [LANDLORD], one TSM year) { medianWorkingDays }",
            performance(by_landlord, scope=tsm_year, measures=("median_working_days",)),
        ),
        (
            "repairPerformance(groupBy: [LANDLORD], one TSM year) { scorecard measures }",
            performance(by_landlord, scope=tsm_year, measures=scorecard),
        ),
        (
            "repairPerformance(groupBy: [LANDLORD], one year from UTC midnights) { RP02 }",
            performance(by_landlord, scope=utc_year, measures=rp02),
        ),
        (
            "repairPerformance(groupBy: [LANDLORD], one TSM year), every measure",
            performance(by_landlord, scope=tsm_year),
        ),
        (
            "repairPerformance(groupBy: [PRIORITY], one landlord) { scorecard measures }",
            performance(by_priority, scope=one_landlord, measures=scorecard),
        ),
        (
            "repairPerformance(groupBy: [PRIORITY], one district) { scorecard measures }",
            performance(by_priority, scope=one_district, measures=scorecard),
        ),
        (
            "repairPerformance(groupBy: [PRIORITY], one landlord), every measure",
            performance(by_priority, scope=one_landlord),
        ),
        (
            "repairPerformance(groupBy: [PRIORITY], one district), every measure",
            performance(by_priority, scope=one_district),
        ),
        (
            "repairPerformance(groupBy: [PRIORITY], one landlord, one TSM year), every measure",
            performance(by_priority, scope=landlord_year),
        ),
        # The same statements as two of the above worked out from every fact in scope, as
        # they were before the summaries and the covering indexes answered them.
        (
            "baseline: one TSM year by landlord, every measure, from every fact in scope",
            lambda: repair_performance_from_facts(keyed(db), [by_landlord], tsm_year),
        ),
        (
            "baseline: one landlord by priority, every measure, from every fact in scope",
            lambda: repair_performance_from_facts(keyed(db), [by_priority], one_landlord),
        ),
        (
            "baseline: one landlord's TSM year by priority, every measure, from every fact",
            lambda: repair_performance_from_facts(keyed(db), [by_priority], landlord_year),
        ),
        (
            "providerComparison(measure: WITHIN_TARGET_EMERGENCY_PCT)",
            compare(providers.Measure.WITHIN_TARGET_EMERGENCY_PCT),
        ),
        (
            "providerComparison(measure: FIRST_TIME_FIX_PCT)",
            compare(providers.Measure.FIRST_TIME_FIX_PCT),
        ),
        (
            "contractorMarket(district)",
            lambda: insight.contractor_market(
                db,
                settings,
                PUBLIC,
                MarketScope(postcode_column="postcode_district", postcode_value=district),
                cache,
            ),
        ),
        (
            "replacementForecast(years: 10)",
            lambda: insight.forecast_replacements(db, settings, PUBLIC, 10, {}, cache=cache),
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
            lambda: insight_damp.case_clocks(db, settings, ClockFilter(limit=500), cache=cache),
        ),
        (
            "awaabClocks(first: 500, filter: {status: [BREACHED]})",
            lambda: insight_damp.case_clocks(
                db, settings, ClockFilter(statuses=("BREACHED",), limit=500), cache=cache
            ),
        ),
        (
            "awaabBreachRates",
            lambda: insight_damp.breach_rates(db, settings, PUBLIC, everything, cache=cache),
        ),
        (
            "providerComparison(measure: DAMP_MOULD_PER_1000_HOMES)",
            compare(providers.Measure.DAMP_MOULD_PER_1000_HOMES),
        ),
        (
            "providerComparison(measure: AWAAB_BREACH_PCT)",
            compare(providers.Measure.AWAAB_BREACH_PCT),
        ),
        (
            "modernFacilityAges(first: 500)",
            lambda: insight_damp.modern_facility_ages(db, settings, everything, (), 0, 500, cache),
        ),
        *repairs,
    ]


async def _time(run: Callable[[], Awaitable[Any]], repeat: int) -> float:
    await run()  # warm the connection's prepared statements (and the cache, when on)
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        await run()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


Row = tuple[str, float, float]


async def timings(
    url: str, repeat: int, match: str = "", on_row: Callable[[Row], None] | None = None
) -> tuple[dict[str, int], list[Row]]:
    """The table sizes, and each query's median seconds cold (the insight cache off) and
    warm (from the cache), the baseline first; each row given to ``on_row`` as soon as
    it is timed."""
    db = await Database.connect(url, max_size=2, statement_timeout_ms=120_000)
    try:
        counts = {
            t: await db.fetchval(f"SELECT count(*) FROM {t}")
            for t in ("home", "repair", "damp_mould_case", "component")
        }
        district = await db.fetchval(
            "SELECT postcode_district FROM home GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
        )
        landlord = await db.fetchval(
            "SELECT landlord_id FROM home GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
        )
        cold = _queries(db, district, landlord, None)
        warm = _queries(db, district, landlord, InsightCache(SETTINGS.insight_cache_entries))
        rows = []
        for (name, run), (_, again) in zip(cold, warm, strict=True):
            if match not in name and not name.startswith("baseline"):
                continue
            rows.append((name, await _time(run, repeat), await _time(again, repeat)))
            if on_row is not None:
                on_row(rows[-1])
        return counts, rows
    finally:
        await db.close()


async def measure(url: str, repeat: int, match: str = "") -> None:
    """Print a Markdown table of the median seconds of each query, cold and warm."""
    baseline: list[float] = []

    def row(timed: Row) -> None:
        name, seconds, cached = timed
        if not baseline:
            print("| query | cold (s) | warm (s) | cold / baseline | warm / baseline |")
            print("| --- | ---: | ---: | ---: | ---: |")
            baseline.append(seconds)
        print(
            f"| {name} | {seconds:.3f} | {cached:.4f} | {seconds / baseline[0]:.2f}x "
            f"| {cached / baseline[0]:.3f}x |",
            flush=True,
        )

    counts, _ = await timings(url, repeat, match, row)
    print("\n" + ", ".join(f"{t}: {n:,}" for t, n in counts.items()))


HTTP_QUERIES = {
    "repairPerformance(groupBy: [LANDLORD]) all measures": (
        "{ repairPerformance(groupBy: [LANDLORD]) { key { value label } disclosure suppressed "
        "homes raised completed open medianHours p90Hours medianWorkingDays p90WorkingDays "
        "withinTargetEmergencyPct withinTargetNonEmergencyPct costMean costMedian costTotal "
        "repeat30Pct repeat90Pct firstTimeFixPct } }"
    ),
    "repairPerformance(groupBy: [POSTCODE_DISTRICT, PRIORITY]) counts and RP02": (
        "{ repairPerformance(groupBy: [POSTCODE_DISTRICT, PRIORITY]) { key { value } "
        "suppressed homes raised withinTargetEmergencyPct withinTargetNonEmergencyPct } }"
    ),
    "providerComparison(measure: MEDIAN_WORKING_DAYS)": (
        "{ providerComparison(measure: MEDIAN_WORKING_DAYS) { peerMedian mad "
        "providers { landlordId value robustZ outlier } } }"
    ),
    "dampMouldRates(groupBy: [POSTCODE_DISTRICT, AGE_BAND])": (
        "{ dampMouldRates(groupBy: [POSTCODE_DISTRICT, AGE_BAND]) { key { value } "
        "suppressed homes cases casesPer1000Homes openCases } }"
    ),
    "awaabBreachRates": "{ awaabBreachRates { landlordId cases breachPct } }",
    "repairPerformance(groupBy: [POSTCODE_SECTOR, MONTH]) counts (thousands of groups)": (
        "{ repairPerformance(groupBy: [POSTCODE_SECTOR, MONTH]) { key { value } suppressed "
        "homes raised completed open } }"
    ),
    # The same with a field that is not insight: the response is not kept whole, so the
    # resolvers rebuild the kept answer each time (how every repeat was served before).
    "the same with organisations(first: 1) (answer kept, response rebuilt)": (
        "{ repairPerformance(groupBy: [POSTCODE_SECTOR, MONTH]) { key { value } suppressed "
        "homes raised completed open } organisations(first: 1) { totalCount } }"
    ),
    "contractorMarket(postcode: district)": (
        '{ contractorMarket(postcode: "$district") { openJobs { jobs } '
        "rates { sorCode jobs medianCost } } }"
    ),
}


def _longest_list(value: Any) -> int:
    """The length of the longest list in a response's data (its groups or rows)."""
    if isinstance(value, dict):
        return max((_longest_list(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return max([len(value), *(_longest_list(v) for v in value)])
    return 0


async def _median_request(
    http: Any, body: dict[str, str], times: int, expected: bytes | None = None
) -> float:
    """Median seconds of ``times`` requests of ``body`` (each checked byte-identical to
    ``expected`` when given), after one unmeasured request."""
    await http.post("/graphql", json=body)
    spent = []
    for _ in range(times):
        started = time.perf_counter()
        again = await http.post("/graphql", json=body)
        spent.append(time.perf_counter() - started)
        assert again.status_code == 200
        if expected is not None:
            assert again.content == expected
    return statistics.median(spent)


async def measure_http(url: str, repeat: int) -> None:
    """First request and median repeat of each GraphQL query against a real server."""
    import os
    import socket

    import httpx

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ODX_", "PG"))}
    env.update(
        ODX_DATABASE_URL=url, ODX_PORT=str(port), ODX_DEMO="no", ODX_LOG_LEVEL="WARNING",
        ODX_STATEMENT_TIMEOUT_MS="120000",
    )  # fmt: skip
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "odx_graph",
        "serve",
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=300) as http:
            for _ in range(300):
                try:
                    if (await http.get("/graphql?query={__typename}")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.5)
            db = await Database.connect(url, max_size=1)
            district = await db.fetchval(
                "SELECT postcode_district FROM home GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
            )
            await db.close()
            # The baseline: the smallest request the server answers, timed the same way.
            baseline = await _median_request(http, {"query": "{ __typename }"}, repeat * 4)
            print(
                "\n| GraphQL over HTTP | groups | cold: first (s) | warm: repeated, median "
                "(ms) | cold / warm | warm / baseline |"
            )
            print("| --- | ---: | ---: | ---: | ---: | ---: |")
            print(f"| baseline: {{ __typename }} | | | {baseline * 1000:.1f} | | 1.00x |")
            for name, text in HTTP_QUERIES.items():
                body = {"query": text.replace("$district", district)}
                started = time.perf_counter()
                first = await http.post("/graphql", json=body)
                cold = time.perf_counter() - started
                assert first.status_code == 200 and "errors" not in first.json(), first.text
                groups = _longest_list(first.json()["data"])
                warm = await _median_request(http, body, repeat * 4, first.content)
                print(
                    f"| {name} | {groups:,} | {cold:.3f} | {warm * 1000:.1f} | "
                    f"{cold / warm:,.0f}x | {warm / baseline:.2f}x |",
                    flush=True,
                )
    finally:
        proc.terminate()
        await asyncio.wait_for(proc.wait(), 30)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--homes", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=20251027)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--database", help="an already loaded database URL to use instead")
    parser.add_argument("--match", default="", help="only the queries whose name has this")
    parser.add_argument("--no-http", action="store_true", help="skip the GraphQL requests")
    parser.add_argument("--http-only", action="store_true", help="only the GraphQL requests")
    args = parser.parse_args()
    print(
        f"# damp and mould insight, {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, "
        f"{platform.machine()}, Python {platform.python_version()}\n"
    )
    if args.database:
        await _measure_asked(args.database, args)
        return
    async with scratch_database() as url:
        await _load(url, args.homes, args.seed)
        await _measure_asked(url, args)


async def _measure_asked(url: str, args: argparse.Namespace) -> None:
    """The measurements the options ask for, on the database at ``url``."""
    if not args.http_only:
        await measure(url, args.repeat, args.match)
    if not args.no_http:
        await measure_http(url, args.repeat)


if __name__ == "__main__":
    asyncio.run(main())
