"""The repair summaries (migration 0035) stay equal to the summaries worked out afresh
from the repair facts, whatever changes the repairs; and the repair performance read from
them is, group by group and under every disclosure rule, what the facts give."""

from __future__ import annotations

import asyncio
import random

import asyncpg

from odx_graph.core.disclosure import Publisher
from odx_graph.core.disclosure import quantile_fractions
from odx_graph.services.insight.repairs import performance_group
from odx_graph.services.insight.scorecard import SCORECARD_MEASURES
from odx_graph.services.insight.scorecard import TREND_MEASURES
from odx_graph.store.analytics import SORTING
from odx_graph.store.analytics import Dimension
from odx_graph.store.analytics import RepairScope
from odx_graph.store.analytics import repair_performance_from_facts
from odx_graph.store.db import Database
from odx_graph.store.repair_summary import SUMMARISED_MEASURES
from odx_graph.store.repair_summary import answerable
from odx_graph.store.repair_summary import over_flags
from odx_graph.store.repair_summary import percentile_cont
from odx_graph.store.repair_summary import summary_performance

# Each summary and the statement that works it out afresh from the facts.
AFRESH = {
    "repair_summary": (
        "SELECT landlord_id, month, completed, is_open, cancelled, has_target, is_emergency, "
        "within_target, repeat_30, repeat_90, fixed_first_time, count(*)::bigint, "
        "sum(coalesce(record_key, 0))::bigint FROM repair_fact "
        "GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11"
    ),
    "repair_summary_days": (
        "SELECT landlord_id, month, working_days, count(*)::bigint, "
        "sum(coalesce(record_key, 0))::bigint FROM repair_fact "
        "WHERE completed AND working_days IS NOT NULL GROUP BY 1, 2, 3"
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
}
GROUPINGS = (
    (),
    (Dimension.LANDLORD,),
    (Dimension.MONTH,),
    (Dimension.LANDLORD, Dimension.MONTH),
    (Dimension.MONTH, Dimension.LANDLORD),
)
# Exact; the server's defaults for the public; and small thresholds, so that values of
# small groups are published (perturbed) too.
PUBLISHERS = (Publisher(True, 10, 5), Publisher(False, 10, 5), Publisher(False, 1, 3))
SCORECARD = tuple(m.value for m in SCORECARD_MEASURES if m.value in SUMMARISED_MEASURES)
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
            "+ (SELECT count(*) FROM repair_summary_pending)"
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
    )
    differing = []
    for group_by in GROUPINGS:
        for scope in scopes:
            for measures in (tuple(sorted(SUMMARISED_MEASURES)), SCORECARD, TREND):
                assert answerable(group_by, scope, measures)
                facts = await repair_performance_from_facts(db, group_by, scope, measures)
                summed = await summary_performance(db, group_by, scope, measures, SORTING)
                for publish in PUBLISHERS:
                    expected = [performance_group(r, group_by, publish, measures) for r in facts]
                    got = [performance_group(r, group_by, publish, measures) for r in summed]
                    if expected != got:
                        differing.append(f"{group_by} {scope} {measures} {publish}")
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
    # What they do not hold is worked out from the facts.
    assert not answerable([Dimension.PRIORITY], RepairScope(), SCORECARD)
    assert not answerable([Dimension.LANDLORD], RepairScope(reported_from="2026-01-01"), TREND)
    assert not answerable([Dimension.LANDLORD], RepairScope(postcode_column="postcode_area"), TREND)
    assert not answerable([Dimension.LANDLORD], RepairScope(), ("median_hours",))
    assert not answerable([Dimension.LANDLORD], RepairScope(), ("on_planned_replacement_pct",))
    assert not answerable([Dimension.LANDLORD], RepairScope(), ("cost_mean",))


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
