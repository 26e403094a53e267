"""Repair performance and provider comparison, checked against independent computations:
hand-checkable cases in a small database, and a plain-Python recomputation of the demo."""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections import defaultdict
from collections.abc import AsyncIterator
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import pytest

from odx_graph.core.access import Principal
from odx_graph.core.access import Tier
from odx_graph.core.config import Settings
from odx_graph.core.disclosure import RECORD_KEY_RANGE
from odx_graph.core.vocab import migrations_dir
from odx_graph.services.insight.providers import Measure
from odx_graph.services.insight.providers import compare_providers
from odx_graph.services.insight.providers import robust_z_scores
from odx_graph.services.insight.repairs import COUNTS
from odx_graph.services.insight.repairs import MEASURES
from odx_graph.services.insight.repairs import PerformanceGroup
from odx_graph.services.insight.repairs import performance
from odx_graph.services.refdata import sync_reference_data
from odx_graph.store.analytics import MEASURES as ANALYTIC_MEASURES
from odx_graph.store.analytics import Dimension
from odx_graph.store.analytics import Percentile
from odx_graph.store.analytics import RepairScope
from odx_graph.store.analytics import landlords
from odx_graph.store.analytics import repair_performance_from_facts
from odx_graph.store.db import Database
from odx_graph.store.measure_parts import measure_parts
from odx_graph.store.migrations import migrate
from tests.conftest import GraphQLClient

ADMIN = Principal(Tier.ADMIN)
SETTINGS = Settings.from_env({})
LONDON = ZoneInfo("Europe/London")
UTC = dt.UTC


def _t(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
async def hand_db(empty_db: str) -> AsyncIterator[Database]:
    """One landlord, two homes, repairs whose measures can be worked out by hand."""
    conn = await asyncpg.connect(empty_db)
    try:
        await migrate(conn, migrations_dir())
        await sync_reference_data(conn)
        await conn.execute("""
            INSERT INTO organisation (id, kind_code, name) VALUES (1, 'landlord', 'Hand Homes');
            INSERT INTO home (id, landlord_id, address_line_1, postcode) VALUES
                (1, 1, '1 Test Row', 'LS9 8AB'), (2, 1, '2 Test Row', 'LS9 8AB');
        """)
        rows = [  # id, home, priority, status, trade, reported, completed, target, cost
            # Christmas 2026: Thu 24 -> Tue 29 is 1 working day (25th and 28th are holidays)
            (
                1,
                1,
                "2",
                "complete",
                "PL",
                "2026-12-24 10:00",
                "2026-12-29 09:00",
                "2026-12-25 10:00",
                "100.00",
            ),
            # across the year end: Wed 31 Dec 2025 -> Fri 2 Jan 2026, 1 working day, in target
            (
                2,
                1,
                "4",
                "complete",
                "EL",
                "2025-12-31 12:00",
                "2026-01-02 12:00",
                "2026-01-30 12:00",
                "0.00",
            ),
            # a repeat of repair 1's trade at the same home within 30 days; completed late
            (
                3,
                1,
                "4",
                "complete",
                "PL",
                "2027-01-10 09:00",
                "2027-02-20 09:00",
                "2027-02-08 09:00",
                "250.00",
            ),
            (4, 2, "3", "cancelled", "PL", "2026-06-01 09:00", None, "2026-06-08 09:00", None),
            (5, 2, "4", "in-progress", "CL", "2026-06-02 09:00", None, "2026-07-01 09:00", None),
        ]
        for r in rows:
            await conn.execute(
                "INSERT INTO repair (id, landlord_id, home_id, priority_code, status_code, "
                "trade_code, reported_at, raised_at, completed_at, target_at, cost) VALUES "
                "($1, 1, $2, $3, $4, $5, $6, $6, $7, $8, $9::numeric)",
                r[0],
                r[1],
                r[2],
                r[3],
                r[4],
                _t(r[5]),
                _t(r[6]) if r[6] else None,
                _t(r[7]),
                r[8],
            )
    finally:
        await conn.close()
    db = await Database.connect(empty_db, max_size=2)
    try:
        yield db
    finally:
        await db.close()


async def test_hand_checkable_cases(hand_db: Database) -> None:
    [all_] = await performance(hand_db, SETTINGS, ADMIN, [], RepairScope())
    assert all_.counts == {"raised": 5, "completed": 3, "open": 1}
    assert all_.homes == 2
    m = all_.measures
    hours = sorted([119.0, 48.0, 984.0])  # completion minus report, in hours
    assert m["median_hours"] == pytest.approx(119.0)
    assert m["p90_hours"] == pytest.approx(hours[1] + 0.8 * (hours[2] - hours[1]))
    # working days 1, 1 and Sun 10 Jan -> Sat 20 Feb 2027: six whole weeks, 30
    assert m["median_working_days"] == pytest.approx(1.0)
    assert m["p90_working_days"] == pytest.approx(1 + 0.8 * 29)
    assert m["within_target_emergency_pct"] == pytest.approx(0.0)  # repair 1 missed 25 Dec
    assert m["within_target_non_emergency_pct"] == pytest.approx(50.0)  # 2 in, 3 late
    assert m["cost_mean"] == pytest.approx(350 / 3)  # the zero-cost repair counts
    assert m["cost_median"] == pytest.approx(100.0)
    assert m["cost_total"] == pytest.approx(350.0)
    # 4 repairs not cancelled; repair 3 follows repair 1 (PL, home 1) within 30 days.
    assert m["repeat_30_pct"] == pytest.approx(25.0)
    assert m["repeat_90_pct"] == pytest.approx(25.0)
    # Repair 1 was followed by repair 3 within 30 days of completion: not fixed first time.
    assert m["first_time_fix_pct"] == pytest.approx(200 / 3)


async def test_grouping_by_month_uses_uk_dates(hand_db: Database) -> None:
    groups = await performance(hand_db, SETTINGS, ADMIN, [Dimension.MONTH], RepairScope())
    assert [(g.key[0].value, g.counts["raised"]) for g in groups] == [
        ("2025-12", 1),
        ("2026-06", 2),
        ("2026-12", 1),
        ("2027-01", 1),
    ]


def _working_days(start: dt.datetime, end: dt.datetime, holidays: set[dt.date]) -> int:
    a, b = start.astimezone(LONDON).date(), end.astimezone(LONDON).date()
    days = (a + dt.timedelta(days=i) for i in range(1, (b - a).days + 1))
    return sum(1 for d in days if d.weekday() < 5 and d not in holidays)


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p
    low, high = math.floor(k), math.ceil(k)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def _recompute(rows: list[Any], holidays: set[dt.date]) -> dict[tuple[Any, ...], dict[str, Any]]:
    """Every measure in plain Python, grouped by (landlord, priority)."""
    live = [r for r in rows if r["is_open"] or r["completed_at"] is not None]
    by_work: dict[tuple[Any, Any], list[Any]] = defaultdict(list)
    for r in live:
        by_work[(r["home_id"], r["trade_code"])].append(r)
    groups: dict[tuple[Any, ...], list[Any]] = defaultdict(list)
    for r in rows:
        groups[(str(r["landlord_id"]), r["priority_code"])].append(r)
    out = {}
    for key, members in groups.items():
        done = [r for r in members if not r["is_open"] and r["completed_at"] is not None]
        not_cancelled = [r for r in members if r["is_open"] or r["completed_at"] is not None]
        hours = [(r["completed_at"] - r["reported_at"]).total_seconds() / 3600 for r in done]
        wdays = [float(_working_days(r["reported_at"], r["completed_at"], holidays)) for r in done]

        def pct(flags: list[bool]) -> float | None:
            return 100.0 * sum(flags) / len(flags) if flags else None

        def repeat(r: Any, days: int) -> bool:
            return any(
                q["id"] != r["id"]
                and r["reported_at"] - dt.timedelta(days=days)
                <= q["reported_at"]
                < r["reported_at"]
                for q in by_work[(r["home_id"], r["trade_code"])]
            )

        def fixed(r: Any) -> bool:
            end = r["completed_at"] + dt.timedelta(days=30)
            return not any(
                q["id"] != r["id"] and r["completed_at"] < q["reported_at"] <= end
                for q in by_work[(r["home_id"], r["trade_code"])]
            )

        costs = [float(r["cost"]) for r in done if r["cost"] is not None]
        out[key] = {
            "raised": len(members),
            "completed": len(done),
            "open": sum(r["is_open"] for r in members),
            "homes": len({r["home_id"] for r in members}),
            "median_hours": statistics.median(hours) if hours else None,
            "p90_hours": _percentile(hours, 0.9) if hours else None,
            "median_working_days": statistics.median(wdays) if wdays else None,
            "p90_working_days": _percentile(wdays, 0.9) if wdays else None,
            "within_target_emergency_pct": pct(
                [
                    r["completed_at"] <= r["target_at"]
                    for r in done
                    if r["target_at"] and r["is_emergency"]
                ]
            ),
            "within_target_non_emergency_pct": pct(
                [
                    r["completed_at"] <= r["target_at"]
                    for r in done
                    if r["target_at"] and not r["is_emergency"]
                ]
            ),
            "cost_mean": statistics.mean(costs) if costs else None,
            "cost_median": statistics.median(costs) if costs else None,
            "repeat_30_pct": pct([repeat(r, 30) for r in not_cancelled]),
            "repeat_90_pct": pct([repeat(r, 90) for r in not_cancelled]),
            "first_time_fix_pct": pct([fixed(r) for r in done]),
        }
    return out


async def test_demo_measures_match_a_plain_python_recomputation(seeded_db: Database) -> None:
    rows = await seeded_db.fetch(
        "SELECT r.id, r.home_id, r.landlord_id, r.priority_code, r.trade_code, r.reported_at,"
        " r.completed_at, r.target_at, r.cost, s.is_open, p.is_emergency FROM repair r"
        " JOIN repair_status s ON s.code = r.status_code"
        " JOIN priority p ON p.code = r.priority_code"
    )
    holidays = {r["day"] for r in await seeded_db.fetch("SELECT day FROM bank_holiday")}
    expected = _recompute(list(rows), holidays)
    groups = await performance(
        seeded_db, SETTINGS, ADMIN, [Dimension.LANDLORD, Dimension.PRIORITY], RepairScope()
    )
    assert {tuple(k.value for k in g.key) for g in groups} == set(expected)
    for group in groups:
        want = expected[tuple(k.value for k in group.key)]
        got: dict[str, Any] = {**group.counts, "homes": group.homes, **group.measures}
        for name, value in want.items():
            if value is None:
                assert got[name] is None, name
            else:
                assert got[name] == pytest.approx(value, rel=1e-9, abs=1e-9), (group.key, name)


def _parts(row: Any, columns: list[str]) -> dict[str, Any]:
    """A row's ``columns`` as published from: a sum of record keys counts modulo their
    range (the one-step statement sums a home's key with its id, shifted past the range),
    and a sum of none is none."""
    return {
        c: int(row[c] or 0) % RECORD_KEY_RANGE if c.endswith("_key") else row[c] for c in columns
    }


async def test_measures_without_percentiles_sum_home_by_home_to_the_same_values(
    seeded_db: Database,
) -> None:
    """Without a percentile the statement over the facts sums each home's repairs first
    (no sorting); it must give exactly what the one-step statement gives, for every
    grouping (those the repair summaries answer too, asked of the facts directly)."""
    plain = [m for m in MEASURES if not isinstance(ANALYTIC_MEASURES[m], Percentile)]
    assert len(plain) == 8
    columns = ["homes", "homes_key", *(f"{c}{k}" for c in COUNTS for k in ("", "_key"))]
    columns += [c for m in plain for c, _, _ in measure_parts(m, ANALYTIC_MEASURES[m])]
    sent: list[str] = []
    seeded_db.add_listener(sent.append)
    groupings = (
        [Dimension.LANDLORD, Dimension.PRIORITY],
        [Dimension.SOR_SCHEDULE],
        [Dimension.MONTH, Dimension.TRADE],
        [],
    )
    try:
        for group_by in groupings:
            whole = await repair_performance_from_facts(seeded_db, group_by, RepairScope())
            summed = await repair_performance_from_facts(seeded_db, group_by, RepairScope(), plain)
            assert len(summed) == len(whole) > 0
            for one_step, by_home in zip(whole, summed, strict=True):
                keys = [f"key_{d.value}" for d in group_by]
                assert [by_home[k] for k in keys] == [one_step[k] for k in keys]
                assert _parts(by_home, columns) == _parts(one_step, columns)
    finally:
        seeded_db.remove_listener(sent.append)
    # One one-step statement (counting distinct homes) and one summed home by home each.
    assert len(sent) == 2 * len(groupings)
    assert sum("count(DISTINCT" in sql for sql in sent) == len(groupings)
    # Nothing in scope: one empty group, not a missing one.
    settings = Settings.from_env({}, insight_cache_entries=0)  # every answer from SQL
    nothing = RepairScope(reported_from=dt.datetime(1990, 1, 1, tzinfo=dt.UTC),
                          reported_to=dt.datetime(1990, 1, 2, tzinfo=dt.UTC))  # fmt: skip
    [empty] = await performance(seeded_db, settings, ADMIN, [], nothing, plain)
    assert empty.homes == 0 and empty.counts == {"raised": 0, "completed": 0, "open": 0}
    assert all(empty.measures[m] is None for m in ("cost_mean", "repeat_30_pct"))


async def test_public_results_suppress_small_groups_and_round_counts(
    gql: GraphQLClient, seeded_db: Database
) -> None:
    body = await gql("""{ repairPerformance(groupBy: [POSTCODE_SECTOR, PRIORITY]) {
        key { value } suppressed homes raised completed open medianHours } }""")
    groups = body["data"]["repairPerformance"]
    raw = {
        (r["postcode_sector"], r["priority_code"]): r["homes"]
        for r in await seeded_db.fetch(
            "SELECT h.postcode_sector, r.priority_code, count(DISTINCT r.home_id) AS homes"
            " FROM repair r JOIN home h ON h.id = r.home_id GROUP BY 1, 2"
        )
    }
    assert any(g["suppressed"] for g in groups) and any(not g["suppressed"] for g in groups)
    for g in groups:
        homes = raw[tuple(k["value"] for k in g["key"])]
        if homes < SETTINGS.suppress_below_homes:
            assert g["suppressed"] and g["raised"] is None and g["medianHours"] is None
        else:
            assert not g["suppressed"]
            assert all(g[c] % 5 == 0 for c in ("homes", "raised", "completed", "open"))


async def test_only_the_measures_a_query_selects_are_worked_out(
    gql: GraphQLClient, seeded_db: Database
) -> None:
    # By trade: worked out from the facts (the summaries do not hold trades).
    everything = await gql("""{ repairPerformance(groupBy: [TRADE]) {
        key { value } raised medianHours p90Hours medianWorkingDays costMedian repeat30Pct } }""")
    sent: list[str] = []
    seeded_db.add_listener(sent.append)
    try:
        some = await gql("""{ repairPerformance(groupBy: [TRADE]) { key { value } raised
            ... on RepairPerformance { medianWorkingDays } ...more } }
            fragment more on RepairPerformance { repeat30Pct }""")
    finally:
        seeded_db.remove_listener(sent.append)
    [sql] = [s for s in sent if "repair_fact" in s]
    assert "f.working_days" in sql and "f.repeat_30" in sql
    assert "f.hours" not in sql and "f.cost" not in sql
    for full, part in zip(
        everything["data"]["repairPerformance"], some["data"]["repairPerformance"], strict=True
    ):
        assert part == {k: full[k] for k in part}


async def test_the_landlords_are_the_landlord_kind_and_every_home_s(seeded_db: Database) -> None:
    # Read through the homes' landlord index, the same organisations as asking each one.
    asked = "SELECT o.id, o.name FROM organisation o WHERE (o.kind_code = 'landlord' OR EXISTS "
    asked += "(SELECT 1 FROM home h WHERE h.landlord_id = o.id)) "
    everyone = await seeded_db.fetch(asked + "ORDER BY o.id")
    reader = seeded_db.with_role("odx_reader")
    assert [tuple(r) for r in await landlords(reader)] == [tuple(r) for r in everyone]
    some = [int(everyone[-1]["id"]), -1]
    assert [tuple(r) for r in await landlords(reader, some)] == [tuple(everyone[-1])]
    contractor = await seeded_db.fetchval(
        "SELECT id FROM organisation WHERE kind_code <> 'landlord' AND NOT EXISTS "
        "(SELECT 1 FROM home h WHERE h.landlord_id = organisation.id) ORDER BY id LIMIT 1"
    )
    assert contractor is not None and await landlords(reader, [contractor]) == []


def test_robust_z_scores() -> None:
    median, mad, scores = robust_z_scores([10.0, 11.0, 12.0, 13.0, 40.0])
    assert (median, mad) == (12.0, 1.0)
    assert scores == pytest.approx([-1.349, -0.6745, 0.0, 0.6745, 18.886])
    assert robust_z_scores([5.0, 5.0, 5.0])[2] == [None, None, None]


async def test_provider_comparison(seeded_db: Database, gql: GraphQLClient) -> None:
    result = await compare_providers(
        seeded_db, SETTINGS, ADMIN, Measure.MEDIAN_WORKING_DAYS, RepairScope()
    )
    values = [p.value for p in result.providers if p.value is not None]
    assert result.peer_median == pytest.approx(statistics.median(values))
    body = await gql("""{ providerComparison(measure: WITHIN_TARGET_EMERGENCY_PCT) {
        measure threshold peerMedian providers { landlordId name value robustZ outlier } } }""")
    data = body["data"]["providerComparison"]
    assert data["threshold"] == 3.5 and data["measure"] == "WITHIN_TARGET_EMERGENCY_PCT"
    for p in data["providers"]:
        assert p["outlier"] is (p["robustZ"] is not None and abs(p["robustZ"]) > 3.5)


async def test_bad_insight_arguments(gql: GraphQLClient) -> None:
    body = await gql(
        """{ repairPerformance(groupBy: [MONTH, MONTH]) { raised } }""", expect_errors=True
    )
    assert body["errors"][0]["extensions"]["field"] == "groupBy"
    body = await gql(
        """{ repairPerformance(groupBy: [], scope: {postcode: "nope"}) {
        raised } }""",
        expect_errors=True,
    )
    assert body["errors"][0]["extensions"]["code"] == "INVALID_POSTCODE"


async def test_groups_are_typed_as_dimensions(hand_db: Database) -> None:
    groups: list[PerformanceGroup] = await performance(
        hand_db, SETTINGS, ADMIN, [Dimension.TRADE, Dimension.SOR_SCHEDULE], RepairScope()
    )
    # The hand-made repairs have no SOR lines: each is under no schedule (a null one),
    # not left out, so the schedules' groups still cover every repair.
    assert [tuple(k.value for k in g.key) for g in groups] == [
        ("CL", None),
        ("EL", None),
        ("PL", None),
    ]
    assert sum(g.counts["raised"] or 0 for g in groups) == 5
    assert all(isinstance(k.dimension, Dimension) for g in groups for k in g.key)


async def test_contractor_market_matches_a_recomputation(seeded_db: Database) -> None:
    from odx_graph.services.insight.repairs import contractor_market
    from odx_graph.store.analytics import MarketScope

    district = await seeded_db.fetchval(
        "SELECT postcode_district FROM home GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
    )
    jobs, rates = await contractor_market(
        seeded_db, SETTINGS, ADMIN, MarketScope("postcode_district", district)
    )
    rows = await seeded_db.fetch(
        "SELECT r.id, r.trade_code, r.contractor_id, r.reported_at, r.completed_at, s.is_open,"
        " l.sor_code, l.cost, l.quantity FROM repair r JOIN home h ON h.id = r.home_id"
        " JOIN repair_status s ON s.code = r.status_code"
        " LEFT JOIN repair_line l ON l.repair_id = r.id WHERE h.postcode_district = $1",
        district,
    )
    holidays = {r["day"] for r in await seeded_db.fetch("SELECT day FROM bank_holiday")}
    open_by_trade: dict[Any, set[int]] = defaultdict(set)
    for r in rows:
        if r["is_open"]:
            open_by_trade[r["trade_code"]].add(r["id"])
    assert {(j.trade_code, j.jobs) for j in jobs} == {
        (t, len(ids)) for t, ids in open_by_trade.items()
    }
    per_code: dict[str, dict[int, list[Any]]] = defaultdict(lambda: defaultdict(list))
    for r in rows:
        if not r["is_open"] and r["completed_at"] is not None and r["sor_code"]:
            per_code[r["sor_code"]][r["id"]].append(r)
    assert {r.sor_code for r in rates} == set(per_code)
    for rate in rates:
        repairs = per_code[rate.sor_code]
        costs = [sum(float(x["cost"] or 0) for x in lines) for lines in repairs.values()]
        days = [
            float(_working_days(lines[0]["reported_at"], lines[0]["completed_at"], holidays))
            for lines in repairs.values()
        ]
        assert rate.jobs == len(repairs)
        assert rate.median_cost == pytest.approx(statistics.median(costs))
        assert rate.median_working_days == pytest.approx(statistics.median(days))


async def test_public_contractor_market_hides_small_groups(gql: GraphQLClient) -> None:
    body = await gql("""{ contractorMarket { openJobs { jobs suppressed }
        rates { jobs medianCost suppressed } } }""")
    market = body["data"]["contractorMarket"]
    rates = market["rates"]
    assert rates and any(r["suppressed"] for r in rates)
    for item in (*market["openJobs"], *rates):
        if item["suppressed"]:
            assert item["jobs"] is None
        else:
            assert item["jobs"] % 5 == 0


def _lifetime(row: Any) -> int | None:
    """Decent Homes lifetime by where the component is, recomputed in Python."""
    storeys, in_building = row["storeys"], row["building_id"] is not None
    if storeys is not None and storeys >= 6:
        return row["lifetime_high_rise_flat"]  # type: ignore[no-any-return]
    if in_building or row["property_type_code"] in ("flat", "maisonette", "bedsit"):
        return row["lifetime_low_rise_flat"]  # type: ignore[no-any-return]
    return row["lifetime_house"]  # type: ignore[no-any-return]


def _age(installed: dt.date, today: dt.date) -> int:
    return (
        today.year - installed.year - ((today.month, today.day) < (installed.month, installed.day))
    )


_COMPONENTS = """
SELECT c.id, c.home_id, c.condition_code, c.install_date, c.component_type_code,
       coalesce(c.building_id, h.building_id) AS building_id, b.storeys, h.property_type_code,
       ct.lifetime_house, ct.lifetime_low_rise_flat, ct.lifetime_high_rise_flat,
       ct.is_key_component, c.building_id AS own_building
FROM component c JOIN component_type ct ON ct.code = c.component_type_code
LEFT JOIN home h ON h.id = c.home_id
LEFT JOIN building b ON b.id = coalesce(c.building_id, h.building_id)"""


async def test_component_life_fields_match_a_recomputation(
    gql: GraphQLClient, seeded_db: Database
) -> None:
    today = await seeded_db.fetchval("SELECT current_date")
    rows = {r["id"]: r for r in await seeded_db.fetch(_COMPONENTS)}
    body = await gql("""{ components(first: 100, orderBy: ID) { nodes { id installDate
        expectedLifetime ageInYears remainingLifetime isPastLifetime } } }""")
    nodes = body["data"]["components"]["nodes"]
    assert len(nodes) == 100
    for node in nodes:
        import base64

        row = rows[int(base64.b64decode(node["id"]).decode().split(":")[1])]
        lifetime = _lifetime(row)
        age = _age(row["install_date"], today) if row["install_date"] else None
        assert node["expectedLifetime"] == lifetime
        assert node["ageInYears"] == age
        if lifetime is not None and age is not None:
            assert node["remainingLifetime"] == lifetime - age
            assert node["isPastLifetime"] is (age >= lifetime)


async def test_decent_homes_disrepair_matches_a_recomputation(
    gql: GraphQLClient, seeded_db: Database
) -> None:
    today = await seeded_db.fetchval("SELECT current_date")
    components = await seeded_db.fetch(_COMPONENTS)
    homes = await seeded_db.fetch("SELECT id, building_id FROM home")
    expected = {}
    for home in homes:
        mine = [
            c
            for c in components
            if c["home_id"] == home["id"]
            or (c["own_building"] is not None and c["own_building"] == home["building_id"])
        ]
        if not mine:
            expected[home["id"]] = None
            continue

        def bad(c: Any) -> bool:
            lifetime = _lifetime(c)
            return (
                c["condition_code"] in ("poor", "failed")
                and c["install_date"] is not None
                and lifetime is not None
                and _age(c["install_date"], today) >= lifetime
            )

        key_bad = sum(1 for c in mine if bad(c) and c["is_key_component"])
        other_bad = sum(1 for c in mine if bad(c) and not c["is_key_component"])
        expected[home["id"]] = key_bad >= 1 or other_bad >= 2
    body = await gql("""{ homes(first: 100, orderBy: ID) { nodes { id failsDisrepairCriterion }
        } }""")
    import base64

    got = {
        int(base64.b64decode(n["id"]).decode().split(":")[1]): n["failsDisrepairCriterion"]
        for n in body["data"]["homes"]["nodes"]
    }
    assert got == {k: v for k, v in expected.items() if k in got}
    assert any(got.values()) and not all(got.values())


async def test_replacement_forecast_matches_a_recomputation(
    gql: GraphQLClient, seeded_db: Database
) -> None:
    from odx_graph.services.insight.repairs import forecast_replacements

    today = await seeded_db.fetchval("SELECT current_date")
    expected: dict[tuple[int, str], int] = defaultdict(int)
    for c in await seeded_db.fetch(_COMPONENTS):
        lifetime = _lifetime(c)
        if c["install_date"] is None or lifetime is None:
            continue
        year = max(today.year, c["install_date"].year + lifetime)
        if year < today.year + 10:
            expected[(year, c["component_type_code"])] += 1
    rows = await forecast_replacements(seeded_db, SETTINGS, ADMIN, 10, {"kitchen": 5000.0})
    assert {(r.year, r.component_type): r.components for r in rows} == dict(expected)
    for r in rows:
        cost = 5000.0 * (r.components or 0) if r.component_type == "kitchen" else None
        assert r.estimated_cost == cost
    body = await gql("""{ replacementForecast(years: 3, costs: [{componentType: "gas-boiler",
        cost: 3000}]) { year componentType components estimatedCost suppressed } }""")
    public = body["data"]["replacementForecast"]
    assert {r["year"] for r in public} <= {today.year, today.year + 1, today.year + 2}
    for r in public:
        if not r["suppressed"]:
            assert r["components"] % 5 == 0
    bad = await gql("{ replacementForecast(years: 99) { year } }", expect_errors=True)
    assert bad["errors"][0]["extensions"]["field"] == "years"


async def test_replacement_forecast_by_postcode(seeded_db: Database) -> None:
    from odx_graph.services.insight.repairs import forecast_replacements

    district = await seeded_db.fetchval(
        "SELECT postcode_district FROM home WHERE building_id IS NOT NULL LIMIT 1"
    )
    everywhere = await forecast_replacements(seeded_db, SETTINGS, ADMIN, 10, {})
    local = await forecast_replacements(
        seeded_db, SETTINGS, ADMIN, 10, {}, "postcode_district", district
    )
    total = {(r.year, r.component_type): r.components or 0 for r in everywhere}
    assert local and all(
        0 < (r.components or 0) <= total[(r.year, r.component_type)] for r in local
    )
    assert sum(r.components or 0 for r in local) < sum(total.values())


def test_measures_are_named_alike_in_every_layer() -> None:
    """Each measure is declared once (``mapping.insight.MEASURES``); the layers above use
    its name, so they cannot drift apart."""
    from odx_graph.api.insight import PerformanceMeasure
    from odx_graph.api.insight import RepairPerformance
    from odx_graph.api.insight_damp import AwaabBreachRates
    from odx_graph.services.insight.damp import BreachRates
    from odx_graph.services.insight.repairs import COUNTS

    fields = set(RepairPerformance.__annotations__)
    assert set(ANALYTIC_MEASURES) | set(COUNTS) <= fields
    assert {m.value for m in PerformanceMeasure} == {m.value for m in Measure}
    assert {m.value for m in Measure} - set(ANALYTIC_MEASURES) == {
        "damp_mould_per_1000_homes",
        "awaab_breach_pct",
    }
    breach = {f for f in BreachRates.__dataclass_fields__ if f.endswith("_pct")}
    assert breach <= set(AwaabBreachRates.__annotations__)


def test_groupings_counts_and_measures_come_from_their_declarations() -> None:
    """The SQL, the services' lists and the GraphQL enums and fields are all derived from
    ``mapping.insight``: a measure declared there appears everywhere, with its words."""
    from odx_graph.api import insight as api
    from odx_graph.mapping import insight as declared
    from odx_graph.services.insight import repairs

    assert set(declared.GROUPINGS) == set(declared.Dimension)
    assert {m.name: m.definition for m in declared.MEASURES} == ANALYTIC_MEASURES
    assert tuple(m.name for m in declared.MEASURES) == repairs.MEASURES
    assert tuple(c.name for c in declared.COUNTS) == repairs.COUNTS
    fields = {f.python_name: f for f in api.RepairPerformance.__strawberry_definition__.fields}
    for item in (*declared.COUNTS, *declared.MEASURES):
        assert fields[item.name].description == item.description
    assert [(m.name, m.value) for m in api.RepairDimension] == [
        (d.name, d.value) for d in declared.GROUPINGS
    ]
    assert [m.value for m in api.PerformanceMeasure] == [m.name for m in declared.COMPARED]
    from odx_graph.api.insight_damp import DampMouldDimension

    assert set(declared.DAMP_GROUPINGS) == set(declared.DampDimension)
    assert [(m.name, m.value) for m in DampMouldDimension] == [
        (d.name, d.value) for d in declared.DAMP_GROUPINGS
    ]
    assert [m.value for m in Measure] == [m.name for m in declared.COMPARED]
    compared = {m.name for m in declared.MEASURES if m.compared}
    assert compared == {m.name for m in declared.COMPARED} - {
        "damp_mould_per_1000_homes",
        "awaab_breach_pct",
    }
    # a measure added to the declaration is a field of the generated type
    extra = declared.Measure("median_days", declared.Percentile(0.5, "f.days", "true"), "Days.")
    made = api.performance_type(declared.COUNTS, (*declared.MEASURES, extra))
    added = {f.python_name: f for f in made.__strawberry_definition__.fields}["median_days"]
    assert (added.graphql_name or "medianDays", added.description) == ("medianDays", "Days.")


async def test_the_open_jobs_alone_are_the_contractor_markets(seeded_db: Database) -> None:
    """An area page asks for the market's open jobs without its SOR rates: the same
    numbers, suppressions and disclosure, without working the medians out."""
    from odx_graph.services.insight.repairs import contractor_market
    from odx_graph.services.insight.repairs import market_open_jobs
    from odx_graph.store.analytics import MarketScope

    district = await seeded_db.fetchval(
        "SELECT postcode_district FROM repair_fact WHERE is_open GROUP BY 1 "
        "ORDER BY count(*) DESC, 1 LIMIT 1"
    )
    sent: list[str] = []
    seeded_db.add_listener(sent.append)
    try:
        for principal in (Principal(), Principal(Tier.REGULATOR)):
            for scope in (
                MarketScope(),
                MarketScope("postcode_district", district),
                MarketScope("postcode_district", district, ("PL",)),
            ):
                jobs, _rates = await contractor_market(seeded_db, SETTINGS, principal, scope)
                sent.clear()
                assert await market_open_jobs(seeded_db, SETTINGS, principal, scope) == jobs
                assert len(sent) == 1 and "percentile_cont" not in sent[0]
    finally:
        seeded_db.remove_listener(sent.append)
