"""The insight definitions at their edges: repairs of no trade, "within 30 days" as 720
hours across clock changes, the first-time-fix window, open damp and mould cases with no
hazard level, organisations named by their global IDs, every landlord in a provider
comparison, the median unit cost, and Awaab's Law clocks at their deadlines, at the
law's commencement and on weekends."""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest

from odx_graph.core.access import PUBLIC
from odx_graph.core.access import Principal
from odx_graph.core.access import Tier
from odx_graph.core.config import Settings
from odx_graph.core.vocab import migrations_dir
from odx_graph.services.insight.damp import case_clocks
from odx_graph.services.insight.damp import damp_rates
from odx_graph.services.insight.providers import Measure
from odx_graph.services.insight.providers import compare_providers
from odx_graph.services.insight.repairs import contractor_market
from odx_graph.services.insight.repairs import performance
from odx_graph.services.refdata import sync_reference_data
from odx_graph.store.analytics import Dimension
from odx_graph.store.analytics import MarketScope
from odx_graph.store.analytics import RepairScope
from odx_graph.store.damp import ClockFilter
from odx_graph.store.damp import DampDimension
from odx_graph.store.damp import DampScope
from odx_graph.store.db import Database
from odx_graph.store.migrations import migrate
from tests.conftest import GraphQLClient
from tests.conftest import Server

ADMIN = Principal(Tier.ADMIN)
SETTINGS = Settings.from_env({}, insight_cache_entries=0)
UTC = dt.UTC


def _t(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


HOUR = dt.timedelta(hours=1)
SECOND = dt.timedelta(seconds=1)
# id: home, trade, reported, completed (UTC)
REPAIRS: dict[int, tuple[int, str | None, dt.datetime, dt.datetime | None]] = {
    # home 1: two repairs of no trade, five days apart
    101: (1, None, _t("2026-01-05 09:00"), _t("2026-01-05 12:00")),
    102: (1, None, _t("2026-01-10 09:00"), _t("2026-01-10 12:00")),
    # home 2: across the start of British Summer Time (29 March 2026): 719.5 hours
    # apart, which is 30 local days and half an hour
    201: (2, "PL", _t("2026-03-10 12:00"), _t("2026-03-11 12:00")),
    202: (2, "PL", _t("2026-04-09 11:30"), None),
    # homes 3 and 4: exactly 720 hours apart, and one second more
    301: (3, "PL", _t("2026-05-01 09:00"), _t("2026-05-01 10:00")),
    302: (3, "PL", _t("2026-05-01 09:00") + 720 * HOUR, None),
    401: (4, "PL", _t("2026-05-01 09:00"), _t("2026-05-01 10:00")),
    402: (4, "PL", _t("2026-05-01 09:00") + 720 * HOUR + SECOND, None),
    # homes 5, 6, 7: the first-time-fix window runs from just after the completion to
    # exactly 720 hours after it
    501: (5, "EL", _t("2026-06-01 09:00"), _t("2026-06-02 09:00")),
    502: (5, "EL", _t("2026-06-02 09:00") + 720 * HOUR, None),
    601: (6, "EL", _t("2026-06-01 09:00"), _t("2026-06-02 09:00")),
    602: (6, "EL", _t("2026-06-02 09:00") + 720 * HOUR + SECOND, None),
    701: (7, "EL", _t("2026-06-01 09:00"), _t("2026-06-02 09:00")),
    702: (7, "EL", _t("2026-06-02 09:00"), None),
    # home 8: across the end of British Summer Time (25 October 2026): 720.5 hours
    # after the completion, which is less than 30 local days
    801: (8, "CL", _t("2026-09-30 09:00"), _t("2026-10-01 11:00")),
    802: (8, "CL", _t("2026-10-01 11:00") + 720 * HOUR + 30 * 60 * SECOND, None),
    # homes 9 to 12: one repair each, so that the first landlord has 12 homes with repairs
    **{900 + h: (h, "CL", _t("2026-02-02 09:00"), _t("2026-02-03 09:00")) for h in range(9, 13)},
    # the small landlord's home 13: a repeat (two repairs of one trade a day apart)
    1301: (13, "PL", _t("2026-02-02 09:00"), _t("2026-02-02 12:00")),
    1302: (13, "PL", _t("2026-02-03 09:00"), _t("2026-02-03 12:00")),
}
LANDLORD_OF_HOME = dict.fromkeys(range(1, 13), 1) | {13: 4, 14: 4}


@pytest.fixture(scope="module")
async def edges_template(pg_server: Server) -> AsyncIterator[str]:
    """Two landlords (the second with no homes), a contractor and the repairs above,
    written from a session in UK time, as a server whose sessions run in Europe/London
    would."""
    name = await pg_server.create_database()
    try:
        await _build(pg_server.dsn(name))
        yield name
    finally:
        await pg_server.drop_database(name)


@pytest.fixture
async def edges_db(pg_server: Server, edges_template: str) -> AsyncIterator[Database]:
    """A private copy of the edge cases' database."""
    name = await pg_server.create_database(edges_template)
    db = await Database.connect(pg_server.dsn(name), max_size=2)
    try:
        yield db
    finally:
        await db.close()
        await pg_server.drop_database(name)


async def _build(dsn: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await migrate(conn, migrations_dir())
        await sync_reference_data(conn)
        await conn.execute("SET TimeZone = 'Europe/London'")
        await conn.execute("""
            INSERT INTO organisation (id, kind_code, name) VALUES
                (1, 'landlord', 'Edge Homes'), (2, 'landlord', 'Empty Homes'),
                (3, 'contractor', 'Edge Repairs'), (4, 'landlord', 'Tiny Homes');
            INSERT INTO home (id, landlord_id, address_line_1, postcode)
            SELECT g, CASE WHEN g <= 12 THEN 1 ELSE 4 END, g || ' Edge Row', 'LS9 8AB'
            FROM generate_series(1, 14) AS g;
        """)
        async with conn.transaction():
            for repair_id, (home, trade, reported, completed) in REPAIRS.items():
                await conn.execute(
                    "INSERT INTO repair (id, landlord_id, contractor_id, home_id, "
                    "priority_code, status_code, trade_code, reported_at, raised_at, "
                    "completed_at, cost) VALUES ($1, $7, 3, $2, '4', $3, $4, $5, $5, $6, 10)",
                    repair_id,
                    home,
                    "complete" if completed else "in-progress",
                    trade,
                    reported,
                    completed,
                    LANDLORD_OF_HOME[home],
                )
            # one repair, two lines of one code: 10 for 1 unit and 50 for 3
            await conn.execute(
                "INSERT INTO repair_line (repair_id, line_number, sor_code, quantity, cost) "
                "VALUES (301, 1, '001101', 1, 10), (301, 2, '001101', 3, 50)"
            )
    finally:
        await conn.close()


async def _facts(db: Database) -> dict[int, Any]:
    rows = await db.fetch("SELECT id, repeat_30, repeat_90, fixed_first_time FROM repair_fact")
    return {r["id"]: r for r in rows}


async def test_repairs_of_no_trade_are_never_repeats_of_each_other(edges_db: Database) -> None:
    facts = await _facts(edges_db)
    assert facts[102]["repeat_30"] is False and facts[102]["repeat_90"] is False
    assert facts[101]["fixed_first_time"] is True
    groups = await performance(edges_db, SETTINGS, ADMIN, [Dimension.TRADE], RepairScope())
    [none] = [g for g in groups if g.key[0].value is None]
    assert none.measures["repeat_30_pct"] == 0.0
    assert none.measures["first_time_fix_pct"] == 100.0


async def test_within_30_days_is_720_hours_whatever_the_clocks_do(edges_db: Database) -> None:
    facts = await _facts(edges_db)
    assert facts[202]["repeat_30"] is True  # 719.5 hours, 30 UK days and 30 minutes
    assert facts[302]["repeat_30"] is True  # exactly 720 hours
    assert facts[402]["repeat_30"] is False  # 720 hours and a second
    assert facts[402]["repeat_90"] is True


async def test_the_first_time_fix_window(edges_db: Database) -> None:
    facts = await _facts(edges_db)
    assert facts[501]["fixed_first_time"] is False  # follow-up exactly 720 hours after
    assert facts[601]["fixed_first_time"] is True  # a second later
    assert facts[701]["fixed_first_time"] is True  # at the completion itself: not after
    assert facts[801]["fixed_first_time"] is True  # 720.5 hours, under 30 UK days


async def test_median_unit_cost_is_per_repair(edges_db: Database) -> None:
    _, rates = await contractor_market(edges_db, SETTINGS, ADMIN, MarketScope())
    [rate] = [r for r in rates if r.sor_code == "001101"]
    # one repair: its lines of the code add up to 60 for 4 units; per line it would be
    # 10 or 16.67
    assert rate.jobs == 1 and rate.median_cost == 60.0 and rate.median_unit_cost == 15.0


async def test_provider_comparison_lists_every_landlord(edges_db: Database) -> None:
    for principal in (ADMIN, PUBLIC):
        result = await compare_providers(
            edges_db, SETTINGS, principal, Measure.REPEAT_30_PCT, RepairScope()
        )
        by_id = {p.landlord_id: p for p in result.providers}
        assert set(by_id) == {1, 2, 4}
        assert by_id[2].value is None and by_id[2].robust_z is None
        assert by_id[2].suppressed is (principal is PUBLIC)


async def test_the_peers_are_the_landlords_large_enough_to_publish(edges_db: Database) -> None:
    """The small landlord (one home with repairs) is listed, with its exact value for a
    regulator, but is no peer for anyone: the peer median is the large landlord's."""
    result = await compare_providers(
        edges_db, SETTINGS, ADMIN, Measure.REPEAT_30_PCT, RepairScope()
    )
    by_id = {p.landlord_id: p for p in result.providers}
    assert by_id[4].value == 50.0 and not by_id[4].suppressed and by_id[4].robust_z is None
    assert by_id[1].value is not None and by_id[1].value < 50.0
    assert result.peer_median == by_id[1].value and result.mad == 0.0


async def test_organisations_are_named_by_their_ids(gql: GraphQLClient) -> None:
    body = await gql("""{ repairPerformance(groupBy: [LANDLORD, CONTRACTOR]) {
        key { dimension value } raised } }""")
    groups = body["data"]["repairPerformance"]
    values = {k["value"] for g in groups for k in g["key"] if k["value"] is not None}
    assert values and all(base64.b64decode(v).decode().startswith("Organisation:") for v in values)
    landlord = groups[0]["key"][0]["value"]
    again = await gql(
        """query($l: [ID!]) { repairPerformance(groupBy: [LANDLORD], scope: {landlord: $l}) {
            key { value } } }""",
        {"l": [landlord]},
    )
    assert [g["key"][0]["value"] for g in again["data"]["repairPerformance"]] == [landlord]


async def test_public_peers_are_the_regulators_peers(gql: GraphQLClient) -> None:
    """The same landlords are peers for every caller; the public's peer median comes
    from the values the public sees."""
    body = await gql("""{ providerComparison(measure: REPEAT_30_PCT) {
        peerMedian disclosure providers { value suppressed } } }""")
    data = body["data"]["providerComparison"]
    assert data["disclosure"] == "PERTURBED"
    shown = sorted(p["value"] for p in data["providers"] if not p["suppressed"])
    if shown:
        n = len(shown)
        median = shown[n // 2] if n % 2 else (shown[n // 2 - 1] + shown[n // 2]) / 2
        assert data["peerMedian"] == pytest.approx(median)


# -- damp and mould ---------------------------------------------------------------------


async def _add_cases(db: Database, rows: list[tuple[Any, ...]]) -> None:
    for case_id, home, level, aware, investigated, made_safe in rows:
        await db.execute(
            "INSERT INTO damp_mould_case (id, landlord_id, home_id, hazard_level_code, "
            "aware_at, investigation_completed_at, made_safe_at) "
            "VALUES ($1, 1, $2, $3, $4, $5, $6)",
            case_id,
            home,
            level,
            aware,
            investigated,
            made_safe,
        )


async def test_a_case_with_no_hazard_level_is_open_until_made_safe(edges_db: Database) -> None:
    await _add_cases(
        edges_db,
        [
            (1, 1, None, _t("2026-02-02 09:00"), None, None),  # open
            (2, 2, None, _t("2026-02-02 09:00"), _t("2026-02-03 09:00"), None),  # open
            (3, 3, None, _t("2026-02-02 09:00"), None, _t("2026-02-04 09:00")),  # closed
            (4, 4, "none", _t("2026-02-02 09:00"), _t("2026-02-03 09:00"), None),  # closed
            (5, 5, "significant", _t("2026-02-02 09:00"), None, None),  # open
        ],
    )
    groups = await damp_rates(edges_db, SETTINGS, ADMIN, [DampDimension.LANDLORD], DampScope())
    [group] = [g for g in groups if g.key[0].value == "1"]
    assert (group.cases, group.open_cases) == (5, 3)


async def _clocks(db: Database, as_of: dt.datetime) -> dict[int, Any]:
    return {c.case_id: c for c in await case_clocks(db, SETTINGS, ClockFilter(limit=100), as_of)}


async def test_awaab_clocks_at_their_deadlines(edges_db: Database) -> None:
    aware = _t("2026-03-02 10:00")
    due = aware + 24 * HOUR
    await _add_cases(
        edges_db,
        [
            (1, 1, "emergency", aware, due, due),  # done exactly at the deadline
            (2, 2, "emergency", aware, due + SECOND, due + SECOND),  # a second late
            (3, 3, "emergency", aware, None, None),  # not done
        ],
    )
    clocks = await _clocks(edges_db, due)
    assert clocks[1].investigation.status == "ON_TIME"
    assert clocks[1].make_safe.status == "ON_TIME"
    assert clocks[2].make_safe.status == "BREACHED"
    assert clocks[3].make_safe.status == "DUE"  # judged exactly at the deadline
    later = await _clocks(edges_db, due + dt.timedelta(microseconds=1))
    assert later[3].make_safe.status == "BREACHED"


async def test_awaab_clocks_start_with_the_law(edges_db: Database) -> None:
    """Awaab's Law took effect at 00:00 UK time on 27 October 2025 (GMT that day)."""
    start = _t("2025-10-27 00:00")
    await _add_cases(
        edges_db,
        [
            (1, 1, "emergency", start - dt.timedelta(microseconds=1), None, None),
            (2, 2, "emergency", start, None, None),
            (3, 3, "significant", start - HOUR, None, None),
        ],
    )
    clocks = await _clocks(edges_db, _t("2026-01-01 00:00"))
    assert clocks[1].investigation.status == "NOT_APPLICABLE"
    assert clocks[1].investigation.due_at is None
    assert clocks[3].investigation.status == "NOT_APPLICABLE"
    assert clocks[2].investigation.status == "BREACHED"
    assert clocks[2].investigation.due_at == start + 24 * HOUR


async def test_working_day_clocks_count_from_the_uk_day(edges_db: Database) -> None:
    await _add_cases(
        edges_db,
        [
            # Friday 3 July 2026, 17:00 UK; Saturday 4 July; Sunday 5 July
            (1, 1, "significant", _t("2026-07-03 16:00"), None, None),
            (2, 2, "significant", _t("2026-07-04 10:00"), None, None),
            (3, 3, "significant", _t("2026-07-05 10:00"), None, None),
            # 23:30 UTC on Thursday 2 July is 00:30 on Friday in the UK
            (4, 4, "significant", _t("2026-07-02 23:30"), None, None),
            # 22:59 UTC on Thursday 2 July is still Thursday in the UK
            (5, 5, "significant", _t("2026-07-02 22:59"), None, None),
        ],
    )
    clocks = await _clocks(edges_db, _t("2026-07-06 00:00"))
    friday = _t("2026-07-17 23:00")  # the end of Fri 17 July UK time: 10 working days
    assert clocks[1].investigation.due_at == friday
    assert clocks[4].investigation.due_at == friday
    # a start on a weekend counts from the next working day: the same deadline as Friday
    assert clocks[2].investigation.due_at == friday
    assert clocks[3].investigation.due_at == friday
    assert clocks[5].investigation.due_at == _t("2026-07-16 23:00")


async def test_an_open_summary_clock_is_judged_at_as_of(edges_db: Database) -> None:
    """Investigated on Monday 2 February 2026, no summary sent: 3 working days end with
    Thursday 5 February (00:00 UK time on the 6th, GMT)."""
    await _add_cases(
        edges_db, [(1, 1, "significant", _t("2026-02-02 09:00"), _t("2026-02-02 15:00"), None)]
    )
    due = _t("2026-02-06 00:00")
    before = await _clocks(edges_db, due - SECOND)
    assert before[1].written_summary.due_at == due
    assert before[1].written_summary.status == "DUE"
    after = await _clocks(edges_db, due + SECOND)
    assert after[1].written_summary.status == "BREACHED"
