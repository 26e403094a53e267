"""The repair facts table (migrations 0007 and 0008) stays equal to the facts worked out
afresh from the repairs, whatever changes them: inserts, updates, deletes, a home's
postcode, the code lists, the working calendar, and two writers at the same home at once.
Changes to repairs and lines are applied when their transaction commits."""

from __future__ import annotations

import asyncio

import asyncpg

from odx_graph.store.db import Database

DIFFERENCE = """
SELECT count(*) FROM (
    (SELECT * FROM repair_fact EXCEPT ALL SELECT * FROM repair_fact_source)
    UNION ALL
    (SELECT * FROM repair_fact_source EXCEPT ALL SELECT * FROM repair_fact)
) AS d
"""


class _Undo(Exception):
    """Raised to roll a transaction back."""


async def _written_then_undone(conn: asyncpg.Connection, home: int) -> int:
    """Insert a repair at ``home`` in a transaction that is then rolled back; its id."""
    undone = 0
    try:
        async with conn.transaction():
            undone = await _copy_repair(conn, home, 4)
            raise _Undo
    except _Undo:
        return undone


async def _differences(db: Database) -> int:
    return int(await db.fetchval(DIFFERENCE))


async def _busy_home(db: Database) -> int:
    """A home with several repairs of one trade."""
    return int(
        await db.fetchval(
            "SELECT home_id FROM repair WHERE trade_code IS NOT NULL GROUP BY home_id, trade_code "
            "ORDER BY count(*) DESC, home_id LIMIT 1"
        )
    )


async def _copy_repair(conn: asyncpg.Connection, home: int, days_later: int) -> int:
    """A new open repair at ``home``, like its latest one, reported ``days_later`` after it."""
    return int(
        await conn.fetchval(
            "INSERT INTO repair (landlord_id, home_id, contractor_id, priority_code, status_code, "
            "trade_code, reported_at, raised_at) "
            "SELECT landlord_id, home_id, contractor_id, priority_code, 'reported', trade_code, "
            "reported_at + make_interval(days => $2), reported_at + make_interval(days => $2) "
            "FROM repair WHERE home_id = $1 AND trade_code IS NOT NULL "
            "ORDER BY reported_at DESC LIMIT 1 RETURNING id",
            home,
            days_later,
        )
    )


async def test_the_demo_facts_equal_the_facts_worked_out_afresh(seeded_db: Database) -> None:
    assert await seeded_db.fetchval("SELECT count(*) FROM repair_fact") == await seeded_db.fetchval(
        "SELECT count(*) FROM repair"
    )
    assert await _differences(seeded_db) == 0


async def test_inserts_updates_and_deletes_keep_the_facts_current(fresh_db: Database) -> None:
    home = await _busy_home(fresh_db)
    async with fresh_db.connection() as conn:
        added = await _copy_repair(conn, home, 10)
    # The new repair is a repeat of the home's latest one of the same trade, which in turn
    # is no longer a first-time fix if it was completed within 30 days.
    fact = await fresh_db.fetchrow("SELECT * FROM repair_fact WHERE id = $1", added)
    assert fact is not None and fact["repeat_30"] and fact["is_open"]
    assert await _differences(fresh_db) == 0

    await fresh_db.execute(
        "UPDATE repair SET status_code = 'complete', cost = 120.50, "
        "completed_at = reported_at + interval '3 days' WHERE id = $1",
        added,
    )
    fact = await fresh_db.fetchrow("SELECT * FROM repair_fact WHERE id = $1", added)
    assert fact is not None and fact["completed"] and fact["hours"] == 72
    assert await _differences(fresh_db) == 0

    # Its lines decide which SOR schedules it counts under.
    code, schedules = await fresh_db.fetchrow(
        "SELECT code, schedules FROM sor_code WHERE cardinality(schedules) = 1 "
        "ORDER BY code LIMIT 1"
    )
    await fresh_db.execute(
        "INSERT INTO repair_line (repair_id, line_number, sor_code, quantity) "
        "VALUES ($1, 1, $2, 1)",
        added,
        code,
    )
    assert await fresh_db.fetchval(
        "SELECT schedules FROM repair_fact WHERE id = $1", added
    ) == list(schedules)
    assert await _differences(fresh_db) == 0
    await fresh_db.execute("DELETE FROM repair_line WHERE repair_id = $1", added)
    assert await fresh_db.fetchval("SELECT schedules FROM repair_fact WHERE id = $1", added) == []
    await fresh_db.execute("DELETE FROM repair_status_event WHERE repair_id = $1", added)
    await fresh_db.execute("DELETE FROM repair WHERE id = $1", added)
    assert await fresh_db.fetchval("SELECT count(*) FROM repair_fact WHERE id = $1", added) == 0
    assert await _differences(fresh_db) == 0


async def test_a_home_moving_postcode_moves_its_repairs_facts(fresh_db: Database) -> None:
    home = await _busy_home(fresh_db)
    await fresh_db.execute(
        "UPDATE home SET postcode = 'ZZ9 9ZZ' WHERE id = $1",
        home,
    )
    districts = await fresh_db.fetch(
        "SELECT DISTINCT postcode_district FROM repair_fact WHERE home_id = $1", home
    )
    assert [r[0] for r in districts] == ["ZZ9"]
    assert await _differences(fresh_db) == 0


async def test_code_list_and_calendar_changes_rebuild_the_facts(fresh_db: Database) -> None:
    await fresh_db.execute(
        "UPDATE priority SET is_emergency = NOT is_emergency WHERE code = "
        "(SELECT priority_code FROM repair GROUP BY 1 ORDER BY count(*) DESC LIMIT 1)"
    )
    assert await _differences(fresh_db) == 0
    await fresh_db.execute("UPDATE repair_status SET is_open = NOT is_open WHERE code = 'hold'")
    assert await _differences(fresh_db) == 0
    # A new bank holiday on a working day many repairs span.
    day = await fresh_db.fetchval(
        "SELECT c.day FROM working_calendar c WHERE c.is_working_day AND c.day BETWEEN "
        "(SELECT min(reported_at)::date + 30 FROM repair) AND "
        "(SELECT max(reported_at)::date FROM repair) "
        "ORDER BY c.day LIMIT 1"
    )
    before = await fresh_db.fetchval("SELECT sum(working_days) FROM repair_fact")
    await fresh_db.execute("INSERT INTO bank_holiday (day, name) VALUES ($1, 'Test day')", day)
    await fresh_db.execute("SELECT rebuild_working_calendar()")
    assert await fresh_db.fetchval("SELECT sum(working_days) FROM repair_fact") < before
    assert await _differences(fresh_db) == 0


async def test_two_writers_at_one_home_leave_the_facts_exact(fresh_db: Database) -> None:
    home = await _busy_home(fresh_db)
    first_inserted = asyncio.Event()

    async def writer(days_later: int, wait: bool) -> None:
        async with fresh_db.connection() as conn, conn.transaction():
            if wait:
                await first_inserted.wait()
            await _copy_repair(conn, home, days_later)
            if not wait:
                first_inserted.set()
                await asyncio.sleep(0.3)  # the second writer now waits for this one

    # Without the home lock the second writer would compute the home's facts without the
    # first one's repair (and clash with the facts it inserted).
    await asyncio.gather(writer(5, False), writer(8, True))
    added = await fresh_db.fetch(
        "SELECT id, repeat_30 FROM repair_fact WHERE home_id = $1 ORDER BY reported_at DESC "
        "LIMIT 2",
        home,
    )
    assert all(r["repeat_30"] for r in added)
    assert await _differences(fresh_db) == 0


async def test_a_repair_and_its_lines_in_one_transaction_get_their_facts_at_commit(
    fresh_db: Database,
) -> None:
    home = await _busy_home(fresh_db)
    code, schedules = await fresh_db.fetchrow(
        "SELECT code, schedules FROM sor_code WHERE cardinality(schedules) = 1 "
        "ORDER BY code LIMIT 1"
    )
    async with fresh_db.connection() as conn:
        async with conn.transaction():
            added = await _copy_repair(conn, home, 3)
            await conn.execute(
                "INSERT INTO repair_line (repair_id, line_number, sor_code, quantity) "
                "VALUES ($1, 1, $2, 1)",
                added,
                code,
            )
            # Until the commit the facts are those from before the transaction.
            assert await conn.fetchval("SELECT count(*) FROM repair_fact WHERE id = $1", added) == 0
        assert await conn.fetchval("SELECT count(*) FROM repair_fact_pending") == 0
        assert await conn.fetchval(
            "SELECT schedules FROM repair_fact WHERE id = $1", added
        ) == list(schedules)
        # A transaction rolled back leaves neither facts nor anything noted.
        undone = await _written_then_undone(conn, home)
        assert await conn.fetchval("SELECT count(*) FROM repair_fact_pending") == 0
        assert await conn.fetchval("SELECT count(*) FROM repair WHERE id = $1", undone) == 0
    assert await _differences(fresh_db) == 0


async def test_the_open_data_reader_reads_the_facts_but_cannot_rewrite_them(
    seeded_db: Database,
) -> None:
    reader = seeded_db.with_role("odx_reader")
    assert await reader.fetchval("SELECT count(*) FROM repair_fact") > 0
    for sql in (
        "SELECT refresh_repair_facts(ARRAY[1::bigint])",
        "SELECT rebuild_repair_facts()",
        "DELETE FROM repair_fact",
    ):
        try:
            await reader.fetch(sql)
        except asyncpg.InsufficientPrivilegeError:
            continue
        raise AssertionError(f"odx_reader ran {sql}")
