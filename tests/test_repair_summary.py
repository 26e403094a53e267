"""The repair summaries (migrations 0035 and 0038) stay equal to the summaries worked out afresh
from the repair facts, whatever changes the repairs; and the repair performance read from
them is, group by group and under every disclosure rule, what the facts give."""

from __future__ import annotations

import asyncio
import datetime as dt
import random

import asyncpg

from odx_graph.core.disclosure import Publisher
from odx_graph.core.disclosure import quantile_fractions
from odx_graph.mapping.insight import MEASURES as DECLARED_MEASURES
from odx_graph.services.insight.repairs import performance_group
from odx_graph.services.insight.scorecard import SCORECARD_MEASURES
from odx_graph.services.insight.scorecard import TREND_MEASURES
from odx_graph.store.analytics import SORTING
from odx_graph.store.analytics import Dimension
from odx_graph.store.analytics import RepairScope
from odx_graph.store.analytics import repair_performance_from_facts
from odx_graph.store.db import Database
from odx_graph.store.measure_parts import measure_parts
from odx_graph.store.repair_summary import HISTOGRAMS
from odx_graph.store.repair_summary import MEASURE_NAMES
from odx_graph.store.repair_summary import SUMMARISED_MEASURES
from odx_graph.store.repair_summary import answerable
from odx_graph.store.repair_summary import histogram_of
from odx_graph.store.repair_summary import month_start
from odx_graph.store.repair_summary import over_flags
from odx_graph.store.repair_summary import percentile_cont
from odx_graph.store.repair_summary import summary_performance
from odx_graph.store.repair_summary import values_statement
from tests.support import PLANNED_DUE_AFRESH
from tests.support import plan_nodes

# Each summary and the statement that works it out afresh from the facts.
AFRESH = {
    "repair_summary": (
        "SELECT landlord_id, month, priority_code, completed, is_open, cancelled, has_target, "
        "is_emergency, within_target, repeat_30, repeat_90, fixed_first_time, "
        "count(*)::bigint, sum(coalesce(record_key, 0))::bigint FROM repair_fact "
        "GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12"
    ),
    "repair_summary_days": (
        "SELECT landlord_id, month, priority_code, working_days, count(*)::bigint, "
        "sum(coalesce(record_key, 0))::bigint FROM repair_fact "
        "WHERE completed AND working_days IS NOT NULL GROUP BY 1, 2, 3, 4"
    ),
    "repair_summary_home_priority": (
        "SELECT landlord_id, priority_code, home_id, coalesce(record_key, 0), count(*)::bigint "
        "FROM repair_fact GROUP BY 1, 2, 3, 4"
    ),
    # The reporting year (from 1 April, UK time) is the year of the month three months before.
    "repair_summary_home_year": (
        "SELECT landlord_id, extract(year FROM to_date(month, 'YYYY-MM') - interval "
        "'3 months')::integer, home_id, coalesce(record_key, 0), count(*)::bigint "
        "FROM repair_fact GROUP BY 1, 2, 3, 4"
    ),
    "repair_summary_year": (
        "SELECT landlord_id, y, count(*)::bigint, sum(k)::bigint FROM "
        "(SELECT DISTINCT landlord_id, extract(year FROM to_date(month, 'YYYY-MM') - "
        "interval '3 months')::integer AS y, home_id, coalesce(record_key, 0) AS k "
        "FROM repair_fact) AS h GROUP BY 1, 2"
    ),
    "repair_summary_home_priority_year": (
        "SELECT landlord_id, extract(year FROM to_date(month, 'YYYY-MM') - interval "
        "'3 months')::integer, priority_code, home_id, coalesce(record_key, 0), count(*)::bigint "
        "FROM repair_fact GROUP BY 1, 2, 3, 4, 5"
    ),
    "repair_summary_priority_year": (
        "SELECT landlord_id, y, priority_code, count(*)::bigint, sum(k)::bigint FROM "
        "(SELECT DISTINCT landlord_id, extract(year FROM to_date(month, 'YYYY-MM') - "
        "interval '3 months')::integer AS y, priority_code, home_id, coalesce(record_key, 0) AS k "
        "FROM repair_fact) AS h GROUP BY 1, 2, 3"
    ),
    "repair_summary_priority": (
        "SELECT landlord_id, priority_code, count(*)::bigint, sum(k)::bigint FROM "
        "(SELECT DISTINCT landlord_id, priority_code, home_id, coalesce(record_key, 0) AS k "
        "FROM repair_fact) AS h GROUP BY 1, 2"
    ),
    "repair_summary_home_month": (
        "SELECT landlord_id, month, home_id, coalesce(record_key, 0), count(*)::bigint "
        "FROM repair_fact GROUP BY 1, 2, 3, 4"
    ),
    "repair_summary_home": (
        "SELECT landlord_id, home_id, coalesce(record_key, 0), count(*)::bigint "
        "FROM repair_fact GROUP BY 1, 2, 3"
    ),
    "repair_summary_month": (
        "SELECT landlord_id, month, count(*)::bigint, sum(k)::bigint FROM "
        "(SELECT DISTINCT landlord_id, month, home_id, coalesce(record_key, 0) AS k "
        "FROM repair_fact) AS h GROUP BY 1, 2"
    ),
    "repair_summary_landlord": (
        "SELECT landlord_id, count(*)::bigint, sum(k)::bigint FROM "
        "(SELECT DISTINCT landlord_id, home_id, coalesce(record_key, 0) AS k "
        "FROM repair_fact) AS h GROUP BY 1"
    ),
    "repair_summary_hours": (
        "SELECT landlord_id, month, priority_code, floor(hours)::bigint, count(*)::bigint, "
        "sum(coalesce(record_key, 0))::bigint FROM repair_fact "
        "WHERE completed AND hours IS NOT NULL GROUP BY 1, 2, 3, 4"
    ),
    "repair_summary_cost": (
        "SELECT landlord_id, month, priority_code, floor(cost)::bigint, count(*)::bigint, "
        "sum(coalesce(record_key, 0))::bigint, sum(cost) FROM repair_fact "
        "WHERE completed AND cost IS NOT NULL GROUP BY 1, 2, 3, 4"
    ),
    # Not a summary, but kept with the facts alike (migration 0043).
    "repair_planned_due": PLANNED_DUE_AFRESH,
}
GROUPINGS = (
    (),
    (Dimension.LANDLORD,),
    (Dimension.MONTH,),
    (Dimension.LANDLORD, Dimension.MONTH),
    (Dimension.MONTH, Dimension.LANDLORD),
    (Dimension.PRIORITY,),
    (Dimension.LANDLORD, Dimension.PRIORITY),
    (Dimension.PRIORITY, Dimension.LANDLORD),
)
# First instants of months in UK time: summer time (UTC+1) and winter time (UTC).
APRIL_2024 = dt.datetime(2024, 3, 31, 23, tzinfo=dt.UTC)
APRIL_2025 = dt.datetime(2025, 3, 31, 23, tzinfo=dt.UTC)
OCTOBER_2025 = dt.datetime(2025, 10, 1, tzinfo=dt.timezone(dt.timedelta(hours=1)))
JAN_2026 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
APRIL_2026 = dt.datetime(2026, 4, 1, tzinfo=dt.timezone(dt.timedelta(hours=1)))
# Exact; the server's defaults for the public; and small thresholds, so that values of
# small groups are published (perturbed) too.
PUBLISHERS = (Publisher(True, 10, 5), Publisher(False, 10, 5), Publisher(False, 1, 3))
SCORECARD = tuple(m.value for m in SCORECARD_MEASURES if m.value in MEASURE_NAMES)
# The measures worked out in part from the facts: planned replacement.
FROM_FACTS = tuple(sorted(set(MEASURE_NAMES) - SUMMARISED_MEASURES))
# The measures whose values are read from the facts' index at the ranks a histogram of
# whole hours or pounds points to: hours and costs.
LOOKED_UP = tuple(
    sorted(
        m.name
        for m in DECLARED_MEASURES
        if (h := histogram_of(m.definition)) is not None and not h.whole
    )
)
TREND = tuple(m.value for m in TREND_MEASURES)


async def _differences(db: Database) -> dict[str, int]:
    """Rows of each summary that differ from the summary worked out afresh, and the
    notes left behind (none once a transaction has committed)."""
    found = {}
    for table, afresh in AFRESH.items():
        found[table] = int(
            await db.fetchval(
                f"SELECT count(*) FROM (({afresh} EXCEPT ALL SELECT * FROM {table}) "
                f"UNION ALL (SELECT * FROM {table} EXCEPT ALL {afresh})) AS d"
            )
        )
    found["notes"] = int(
        await db.fetchval(
            "SELECT (SELECT count(*) FROM repair_summary_delta) "
            "+ (SELECT count(*) FROM repair_summary_pending) "
            "+ (SELECT count(*) FROM repair_value_delta) "
            "+ (SELECT count(*) FROM repair_value_pending)"
        )
    )
    return {name: count for name, count in found.items() if count}


async def _landlords(db: Database) -> list[int]:
    return [int(r[0]) for r in await db.fetch("SELECT DISTINCT landlord_id FROM repair ORDER BY 1")]


async def _published_differences(db: Database) -> list[str]:
    """Every statement the summaries answer whose published groups differ from the ones
    worked out from the facts."""
    landlords = await _landlords(db)
    scopes = (
        RepairScope(),
        RepairScope(landlord_ids=(landlords[0],)),
        RepairScope(landlord_ids=tuple(landlords[:2])),
        RepairScope(landlord_ids=(-1,)),
        # A TSM year, April to March in UK time (from in summer time, to in winter).
        RepairScope(reported_from=APRIL_2025, reported_to=APRIL_2026),
        RepairScope(landlord_ids=(landlords[0],), reported_from=APRIL_2025, reported_to=JAN_2026),
        RepairScope(landlord_ids=tuple(landlords[:2]), reported_to=OCTOBER_2025),
        RepairScope(reported_from=JAN_2026),
    )
    # Whole reporting years: one landlord's one, two, and open-ended; everyone's one.
    years = (
        RepairScope(landlord_ids=(landlords[1],), reported_from=APRIL_2025, reported_to=APRIL_2026),
        RepairScope(reported_from=APRIL_2024, reported_to=APRIL_2026),
        RepairScope(landlord_ids=tuple(landlords[:2]), reported_to=APRIL_2025),
        RepairScope(landlord_ids=(landlords[0],), reported_from=APRIL_2025),
        RepairScope(landlord_ids=(landlords[0],), reported_from=APRIL_2024, reported_to=APRIL_2025),
        RepairScope(reported_from=APRIL_2025, reported_to=APRIL_2026),
    )
    scopes += years
    differing = []
    had_values: set[str] = set()  # the measures not from counts with a value somewhere
    for group_by in GROUPINGS:
        for scope in scopes:
            dated = scope.reported_from is not None or scope.reported_to is not None
            for measures in (
                tuple(sorted(SUMMARISED_MEASURES)),
                SCORECARD,
                TREND,
                MEASURE_NAMES,
                FROM_FACTS,
                LOOKED_UP,
            ):
                # The homes of a priority are kept by reporting year, not by month.
                if dated and Dimension.PRIORITY in group_by and scope not in years:
                    assert not answerable(group_by, scope, measures)
                    continue
                assert answerable(group_by, scope, measures)
                facts = await repair_performance_from_facts(db, group_by, scope, measures)
                summed = await summary_performance(db, group_by, scope, measures, SORTING)
                for publish in PUBLISHERS:
                    expected = [performance_group(r, group_by, publish, measures) for r in facts]
                    got = [performance_group(r, group_by, publish, measures) for r in summed]
                    if expected != got:
                        differing.append(f"{group_by} {scope} {measures} {publish}")
                    had_values |= {m for g in got for m, v in g.measures.items() if v}
    # Else the comparison of those measures could not fail.
    assert {*FROM_FACTS, *LOOKED_UP} <= had_values, {*FROM_FACTS, *LOOKED_UP} - had_values
    return differing


async def test_the_demo_summaries_equal_the_summaries_worked_out_afresh(
    seeded_db: Database,
) -> None:
    assert await seeded_db.fetchval("SELECT count(*) FROM repair_summary") > 0
    assert await _differences(seeded_db) == {}


async def test_the_summaries_publish_what_the_facts_publish(seeded_db: Database) -> None:
    assert await _published_differences(seeded_db) == []


async def test_a_scorecard_reads_the_summaries() -> None:
    landlord = RepairScope(landlord_ids=(1,))
    assert answerable([Dimension.LANDLORD], RepairScope(), SCORECARD)
    assert answerable([Dimension.MONTH], landlord, TREND)
    assert answerable([Dimension.PRIORITY], landlord, SCORECARD)
    assert answerable([Dimension.LANDLORD, Dimension.PRIORITY], RepairScope(), SCORECARD)
    # What they do not hold is worked out from the facts: the homes of a month and a
    # priority are not kept, nor anything by trade.
    assert not answerable([Dimension.MONTH, Dimension.PRIORITY], landlord, SCORECARD)
    assert not answerable([Dimension.PRIORITY, Dimension.MONTH], RepairScope(), SCORECARD)
    assert not answerable([Dimension.TRADE], RepairScope(), SCORECARD)
    assert not answerable([Dimension.PRIORITY, Dimension.PRIORITY], landlord, SCORECARD)
    assert answerable([Dimension.LANDLORD], RepairScope(reported_from=APRIL_2025), TREND)
    assert answerable([Dimension.MONTH], RepairScope(reported_to=JAN_2026), TREND)
    assert not answerable([Dimension.PRIORITY], RepairScope(reported_to=JAN_2026), TREND)
    # By priority the homes are kept by reporting year (from 1 April, UK time).
    tsm_year = RepairScope(landlord_ids=(1,), reported_from=APRIL_2025, reported_to=APRIL_2026)
    assert answerable([Dimension.PRIORITY], tsm_year, SCORECARD)
    assert answerable([Dimension.LANDLORD, Dimension.PRIORITY], tsm_year, SCORECARD)
    assert answerable([Dimension.PRIORITY], RepairScope(reported_to=APRIL_2026), SCORECARD)
    assert not answerable([Dimension.MONTH, Dimension.PRIORITY], tsm_year, SCORECARD)
    march = dt.datetime(2025, 3, 1, tzinfo=dt.UTC)
    assert not answerable([Dimension.PRIORITY], RepairScope(reported_from=march), SCORECARD)
    # Not the start of a UK month: 1 April 2025 at 01:00 in UK summer time.
    utc_april = dt.datetime(2025, 4, 1, tzinfo=dt.UTC)
    assert not answerable([Dimension.PRIORITY], RepairScope(reported_from=utc_april), SCORECARD)
    assert not answerable([Dimension.LANDLORD], RepairScope(reported_from=utc_april), TREND)
    assert not answerable([Dimension.LANDLORD], RepairScope(reported_to=utc_april), TREND)
    assert not answerable([Dimension.LANDLORD], RepairScope(reported_from="2026-01-01"), TREND)
    assert not answerable([Dimension.LANDLORD], RepairScope(postcode_column="postcode_area"), TREND)
    # Every measure: hours, costs and planned replacement from the scope's facts.
    for name in FROM_FACTS:
        assert answerable([Dimension.LANDLORD], RepairScope(), (name,))
        assert answerable([Dimension.PRIORITY], landlord, (name,))
        assert answerable([Dimension.LANDLORD], RepairScope(reported_from=APRIL_2025), (name,))
    assert not answerable([Dimension.LANDLORD], RepairScope(), ("no_such_measure",))


def test_a_month_starts_at_midnight_uk_time() -> None:
    assert month_start(APRIL_2025) == "2025-04"
    assert month_start(OCTOBER_2025) == "2025-10"
    assert month_start(JAN_2026) == "2026-01"
    assert month_start(APRIL_2026) == "2026-04"
    # In winter UK time is UTC; in summer an hour ahead.
    assert month_start(dt.datetime(2025, 3, 1, tzinfo=dt.UTC)) == "2025-03"
    assert month_start(dt.datetime(2025, 11, 1, tzinfo=dt.UTC)) == "2025-11"
    assert month_start(dt.datetime(2025, 10, 31, 23, tzinfo=dt.UTC)) is None
    assert month_start(dt.datetime(2025, 4, 1, tzinfo=dt.UTC)) is None
    assert month_start(dt.datetime(2025, 3, 1, tzinfo=dt.timezone(dt.timedelta(hours=1)))) is None
    # A moment after the first instant, a naive time, a date, a day that is not the 1st.
    assert month_start(APRIL_2025 + dt.timedelta(microseconds=1)) is None
    assert month_start(APRIL_2025 - dt.timedelta(microseconds=1)) is None
    assert month_start(dt.datetime(2026, 1, 1)) is None
    assert month_start(dt.date(2026, 1, 1)) is None
    assert month_start(dt.datetime(2026, 1, 2, tzinfo=dt.UTC)) is None


def test_only_conditions_over_the_flags_are_summed() -> None:
    assert over_flags("f.completed AND f.has_target AND NOT f.is_emergency")
    assert over_flags("true")
    assert not over_flags("f.completed AND f.cost IS NOT NULL")
    assert not over_flags("f.id IN (SELECT d.repair_id FROM repair_planned_replacement d)")
    assert not over_flags("f.completed OR 1 = 1")


async def test_a_percentile_from_a_histogram_is_postgresql_s(seeded_db: Database) -> None:
    rng = random.Random(35)
    fractions = sorted({f for p in (0.5, 0.9) for f in quantile_fractions(p)} | {0.0, 1.0})
    for size in (1, 2, 3, 4, 7, 10, 101, 1000):
        values = sorted(rng.choice([0, 1, 1, 2, 3, 5, 8, 40, 120]) for _ in range(size))
        days = sorted(set(values))
        repairs = [values.count(d) for d in days]
        expected = await seeded_db.fetchval(
            "SELECT percentile_cont($1::float8[]) WITHIN GROUP (ORDER BY v) "
            "FROM unnest($2::int[]) AS v",
            fractions,
            values,
        )
        assert [percentile_cont(days, repairs, f) for f in fractions] == list(expected)
        for fraction in fractions:
            single = await seeded_db.fetchval(
                "SELECT percentile_cont($1::float8) WITHIN GROUP (ORDER BY v) "
                "FROM unnest($2::int[]) AS v",
                fraction,
                values,
            )
            assert percentile_cont(days, repairs, fraction) == single


async def _copy_repair(conn: asyncpg.Connection, home: int, days_later: int) -> int:
    """A new open repair at ``home``, like its latest one, reported ``days_later`` after it."""
    return int(
        await conn.fetchval(
            "INSERT INTO repair (landlord_id, home_id, contractor_id, priority_code, status_code, "
            "trade_code, reported_at, raised_at) "
            "SELECT landlord_id, home_id, contractor_id, priority_code, 'reported', trade_code, "
            "reported_at + make_interval(days => $2), reported_at + make_interval(days => $2) "
            "FROM repair WHERE home_id = $1 ORDER BY reported_at DESC LIMIT 1 RETURNING id",
            home,
            days_later,
        )
    )


async def _exact(db: Database) -> None:
    assert await _differences(db) == {}
    assert await _published_differences(db) == []


async def test_writes_to_repairs_keep_the_summaries_exact(fresh_db: Database) -> None:
    db = fresh_db
    home = int(await db.fetchval("SELECT home_id FROM repair GROUP BY 1 ORDER BY count(*) DESC"))
    # A new repair.
    async with db.connection() as conn:
        added = await _copy_repair(conn, home, 6)
    await _exact(db)
    # Completed, with a target it met.
    await db.execute(
        "UPDATE repair SET status_code = 'complete', completed_at = reported_at + "
        "interval '2 days', target_at = reported_at + interval '5 days' WHERE id = $1",
        added,
    )
    await _exact(db)
    # An open repair's status changes, then it is cancelled.
    open_one = int(await db.fetchval("SELECT min(id) FROM repair WHERE is_open"))
    await db.execute("UPDATE repair SET status_code = 'hold' WHERE id = $1", open_one)
    await db.execute("UPDATE repair SET status_code = 'cancelled' WHERE id = $1", open_one)
    await _exact(db)
    # A repair moved to a home of another landlord, with the landlord: the first's home
    # may lose its last repair of a month, the second's gain one.
    mover, from_landlord = await db.fetchrow(
        "SELECT id, landlord_id FROM repair ORDER BY id DESC LIMIT 1 OFFSET 3"
    )
    to_home, to_landlord = await db.fetchrow(
        "SELECT id, landlord_id FROM home WHERE landlord_id <> $1 ORDER BY id LIMIT 1",
        from_landlord,
    )
    await db.execute(
        "UPDATE repair SET home_id = $2, landlord_id = $3 WHERE id = $1",
        mover,
        to_home,
        to_landlord,
    )
    await _exact(db)
    # Repairs reported at the first instant of a UK month and just before it.
    async with db.connection() as conn:
        for moment in (APRIL_2025, APRIL_2025 - dt.timedelta(microseconds=1), JAN_2026, APRIL_2026):
            edge = await _copy_repair(conn, home, 0)
            await conn.execute(
                "UPDATE repair SET reported_at = $2, raised_at = $2 WHERE id = $1", edge, moment
            )
    await _exact(db)
    # A repair's priority changed: its home may lose its last repair of the old
    # priority, and gain its first of the new.
    changed = int(
        await db.fetchval(
            "SELECT r.id FROM repair r WHERE NOT EXISTS (SELECT 1 FROM repair q WHERE "
            "q.home_id = r.home_id AND q.id <> r.id AND q.priority_code = r.priority_code) "
            "AND EXISTS (SELECT 1 FROM priority p WHERE p.code <> r.priority_code AND NOT EXISTS "
            "(SELECT 1 FROM repair q WHERE q.home_id = r.home_id AND q.priority_code = p.code)) "
            "ORDER BY r.id LIMIT 1"
        )
    )
    await db.execute(
        "UPDATE repair SET priority_code = (SELECT min(p.code) FROM priority p WHERE NOT EXISTS "
        "(SELECT 1 FROM repair q WHERE q.home_id = repair.home_id AND q.priority_code = p.code)) "
        "WHERE id = $1",
        changed,
    )
    await _exact(db)
    # A repair deleted.
    await db.execute("DELETE FROM repair_line WHERE repair_id = $1", added)
    await db.execute("DELETE FROM repair_status_event WHERE repair_id = $1", added)
    await db.execute("DELETE FROM repair WHERE id = $1", added)
    await _exact(db)
    # Every repair of one home in one statement, and its record key changed.
    await db.execute(
        "UPDATE repair SET completed_at = reported_at + interval '9 days', "
        "status_code = 'complete' WHERE home_id = $1 AND is_open",
        home,
    )
    await db.execute("UPDATE home_record_key SET record_key = 12345 WHERE home_id = $1", home)
    await _exact(db)


async def test_code_list_changes_keep_the_summaries_exact(fresh_db: Database) -> None:
    await fresh_db.execute(
        "UPDATE priority SET is_emergency = NOT is_emergency WHERE code = "
        "(SELECT priority_code FROM repair GROUP BY 1 ORDER BY count(*) DESC LIMIT 1)"
    )
    await _exact(fresh_db)


class _Undo(Exception):
    """Raised to roll a transaction back."""


async def test_a_transaction_rolled_back_leaves_the_summaries_as_they_were(
    fresh_db: Database,
) -> None:
    home = int(await fresh_db.fetchval("SELECT min(home_id) FROM repair"))
    total = "SELECT sum(repairs) FROM repair_summary"
    before = await fresh_db.fetch("SELECT * FROM repair_summary ORDER BY 1, 2, 3, 4, 5, 6")
    async with fresh_db.connection() as conn:
        try:
            async with conn.transaction():
                await _copy_repair(conn, home, 1)
                # The facts, and so the summaries, change at commit, or when asked.
                await conn.execute("SET CONSTRAINTS ALL IMMEDIATE")
                assert await conn.fetchval(total) == await conn.fetchval(
                    "SELECT count(*) FROM repair"
                )
                assert await conn.fetchval("SELECT count(*) FROM repair_summary_delta") == 0
                raise _Undo
        except _Undo:
            pass
    assert await fresh_db.fetch("SELECT * FROM repair_summary ORDER BY 1, 2, 3, 4, 5, 6") == before
    await _exact(fresh_db)


async def test_writers_of_one_landlord_at_once_leave_the_summaries_exact(
    fresh_db: Database,
) -> None:
    landlord = (await _landlords(fresh_db))[0]
    homes = [
        int(r[0])
        for r in await fresh_db.fetch(
            "SELECT DISTINCT home_id FROM repair WHERE landlord_id = $1 ORDER BY 1 LIMIT 4",
            landlord,
        )
    ]
    started = asyncio.Barrier(len(homes))

    async def writer(home: int) -> None:
        conn = await asyncpg.connect(fresh_db.dsn)
        try:
            async with conn.transaction():
                await _copy_repair(conn, home, 2)
                await conn.execute(
                    "UPDATE repair SET status_code = 'complete', completed_at = reported_at "
                    "+ interval '1 day' WHERE id = (SELECT min(id) FROM repair "
                    "WHERE home_id = $1 AND is_open)",
                    home,
                )
                await started.wait()
        finally:
            await conn.close()

    # Each commits its summaries in one pass in key order: none waits for another in a
    # circle (a deadlock would raise here).
    await asyncio.wait_for(asyncio.gather(*(writer(h) for h in homes)), 60)
    await _exact(fresh_db)


async def test_hours_and_costs_are_read_from_short_ranges_of_an_index(
    fresh_db: Database,
) -> None:
    """The values a percentile or a largest cost needs are read from the facts' index by
    landlord, month and value (migration 0044), from the index alone: a range of one whole
    hour or pound for each landlord and month of the group (the group's own, or the
    scope's), never the table."""
    await fresh_db.execute("VACUUM ANALYZE repair_fact")
    landlords = await _landlords(fresh_db)
    cases = (
        ((Dimension.PRIORITY,), RepairScope(landlord_ids=(landlords[0],)), "group_priority", "1"),
        (
            (Dimension.LANDLORD,),
            RepairScope(reported_from=APRIL_2025, reported_to=APRIL_2026),
            "group_landlord",
            landlords[1],
        ),
        (
            (Dimension.MONTH,),
            RepairScope(landlord_ids=(landlords[1],), reported_from=APRIL_2025),
            "group_month",
            "2025-06",
        ),
        ((), RepairScope(), "", None),
    )
    for histogram, index in zip(
        [h for h in HISTOGRAMS if not h.whole],
        ("repair_fact_hours_idx", "repair_fact_cost_idx"),
        strict=True,
    ):
        for group_by, scope, column, value in cases:
            rows = [{column: value}] if column else [{}]
            sql, args = values_statement(histogram, scope, group_by, rows, {(0, 12): {3, 7}})
            plan = await fresh_db.fetchval(f"EXPLAIN (FORMAT JSON) {sql}", *args)
            scans = [n for n in plan_nodes(plan) if n.get("Relation Name") == "repair_fact"]
            found = [(n["Node Type"], n.get("Index Name")) for n in scans]
            assert found == [("Index Only Scan", index)], found
            condition = scans[0].get("Index Cond", "")
            assert "landlord_id = ANY" in condition, condition
            assert f"{histogram.value[2:]} >=" in condition, condition
            assert f"{histogram.value[2:]} <" in condition, condition


async def test_values_at_the_edges_of_a_whole_hour_or_pound_are_read_exactly(
    fresh_db: Database,
) -> None:
    """Hours and costs that are whole numbers belong to the bucket they start (an hour
    of exactly 5 is in the fifth, not the fourth), and the ones just below; percentiles,
    the largest cost and the sums read from the histograms equal the facts' after the
    values are moved onto and beside the edges, the largest value in a bucket of its own."""
    db = fresh_db
    landlord = (await _landlords(db))[0]
    repairs = [
        r["id"]
        for r in await db.fetch(
            "SELECT f.id FROM repair_fact f JOIN repair r ON r.id = f.id "
            "WHERE f.landlord_id = $1 AND f.completed AND f.cost IS NOT NULL "
            "ORDER BY f.id LIMIT 40",
            landlord,
        )
    ]
    assert len(repairs) == 40
    for i, repair in enumerate(repairs):
        hours = [5.0, 4.999999, 5.000001, 6.0][i % 4] + (1000 if i == 39 else 0)
        cost = ["12.00", "11.99", "12.01", "13.00"][i % 4]
        await db.execute(
            "UPDATE repair SET completed_at = reported_at + make_interval(secs => $2), "
            "cost = $3::numeric + CASE WHEN $4 THEN 5000 ELSE 0 END WHERE id = $1",
            repair,
            hours * 3600,
            cost,
            i == 39,
        )
    assert await _differences(db) == {}
    scope = RepairScope(landlord_ids=(landlord,))
    for group_by in ((), (Dimension.PRIORITY,), (Dimension.MONTH,)):
        facts = await repair_performance_from_facts(db, group_by, scope, LOOKED_UP)
        summed = await summary_performance(db, group_by, scope, LOOKED_UP, SORTING)
        columns = [
            c
            for m in DECLARED_MEASURES
            if m.name in LOOKED_UP
            for c, _, _ in measure_parts(m.name, m.definition)
        ]
        assert [[r[c] for c in columns] for r in facts] == [[r[c] for c in columns] for r in summed]
        for publish in PUBLISHERS:
            assert [performance_group(r, group_by, publish, LOOKED_UP) for r in facts] == [
                performance_group(r, group_by, publish, LOOKED_UP) for r in summed
            ]


async def test_the_summaries_and_the_facts_are_read_in_one_snapshot(fresh_db: Database) -> None:
    """The statements of one answer see one moment: a write committed while they run
    (here, during the first) is seen by none of them, not by the later ones alone."""
    await fresh_db.execute("CREATE TABLE snapshot_probe (n integer)")
    await fresh_db.execute("INSERT INTO snapshot_probe VALUES (1)")

    async def write_meanwhile() -> None:
        # Once the first statement runs (its snapshot taken), while it sleeps.
        for _ in range(200):
            running = await fresh_db.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' "
                "AND query LIKE '%FROM snapshot_probe, pg_sleep%' AND pid <> pg_backend_pid()"
            )
            if running:
                break
            await asyncio.sleep(0.02)
        await fresh_db.execute("INSERT INTO snapshot_probe VALUES (2)")

    writer = asyncio.create_task(write_meanwhile())
    first, second, then = await fresh_db.fetch_together(
        {},
        [
            ("SELECT count(*) AS n FROM snapshot_probe, pg_sleep(1.5)", ()),
            ("SELECT count(*) AS n FROM snapshot_probe", ()),
        ],
        # The statements worked out from the first ones' rows (the values a histogram
        # points to) read the same moment too.
        lambda found: [("SELECT count(*) + $1 AS n FROM snapshot_probe", (found[1][0]["n"],))],
    )
    await writer
    assert (first[0]["n"], second[0]["n"], then[0]["n"]) == (1, 1, 2)
    assert await fresh_db.fetchval("SELECT count(*) FROM snapshot_probe") == 2


# The tables rebuild_repair_summaries() fills, from the facts or from each other.
REBUILT = tuple(
    t
    for t in AFRESH
    if t not in {"repair_summary_hours", "repair_summary_cost", "repair_planned_due"}
)


async def test_a_rebuild_writes_each_summary_in_the_order_of_its_key(fresh_db: Database) -> None:
    """Into empty tables, row after row in key order (migration 0047): grouped by a hash,
    they came in no order, each to a random page of the key (97 s against 48 s for the
    homes by month at a million homes). Physical order is read from each row's place."""
    async with fresh_db.connection() as conn, conn.transaction():
        await conn.execute(f"TRUNCATE {', '.join(REBUILT)}")
        await conn.execute("SELECT rebuild_repair_summaries()")
        out_of_order = {}
        for table in REBUILT:
            key = await conn.fetchval(
                "SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY k.n) FROM pg_index i"
                " CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k (attnum, n)"
                " JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum"
                " WHERE i.indrelid = $1::regclass AND i.indisunique",
                table,
            )
            assert key, table
            rows, wrong = await conn.fetchrow(
                f"SELECT count(*), count(*) FILTER (WHERE placed <> keyed) FROM ("
                f"SELECT row_number() OVER (ORDER BY ctid) AS placed,"
                f" row_number() OVER (ORDER BY {key}) AS keyed FROM {table}) AS t"
            )
            assert rows > 0, table
            if wrong:
                out_of_order[table] = wrong
    assert out_of_order == {}
