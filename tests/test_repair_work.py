"""The work of completed repairs by SOR code (migration 0036) stays equal to the work
worked out afresh from the facts and the lines, whatever changes the repairs, their lines
or their homes; and the going rates read from it are those the lines give."""

from __future__ import annotations

from typing import Any

from odx_graph.core.disclosure import quantile_fractions
from odx_graph.store.analytics import MarketScope
from odx_graph.store.analytics import sor_rates
from odx_graph.store.db import Database
from tests.support import SentStatements
from tests.support import one_row

# The work worked out afresh, without the table's view or triggers.
AFRESH = (
    "SELECT f.id, l.sor_code, f.landlord_id, f.home_id, f.postcode, f.postcode_area, "
    "f.postcode_district, f.postcode_sector, f.trade_code, f.working_days, "
    "coalesce(f.record_key, 0), sum(l.cost), sum(l.quantity) "
    "FROM repair_fact f JOIN repair_line l ON l.repair_id = f.id WHERE f.completed "
    "GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11"
)
WORK = (
    "SELECT repair_id, sor_code, landlord_id, home_id, postcode, postcode_area, "
    "postcode_district, postcode_sector, trade_code, working_days, record_key, cost, "
    "quantity FROM repair_work"
)


async def _differences(db: Database) -> int:
    """Rows in the work or in the work worked out afresh but not in both."""
    return int(
        await db.fetchval(
            f"SELECT count(*) FROM (({AFRESH} EXCEPT ALL {WORK}) "
            f"UNION ALL ({WORK} EXCEPT ALL {AFRESH})) AS d"
        )
    )


def _rates_from_lines(scope_sql: str) -> str:
    """The going rates as they were worked out before the work was kept: every line
    joined to the facts."""
    fractions = "ARRAY[" + ", ".join(repr(f) for f in quantile_fractions(0.5)) + "]::float8[]"
    return f"""
        WITH work AS (
            SELECT f.postcode_district, l.sor_code, f.id, f.home_id, f.working_days,
                   coalesce(f.record_key, 0) AS record_key, sum(l.cost) AS cost,
                   sum(l.quantity) AS quantity
            FROM repair_line l JOIN repair_fact f ON f.id = l.repair_id
            WHERE f.completed AND {scope_sql}
            GROUP BY f.id, l.sor_code
        )
        SELECT postcode_district, sor_code, count(*) AS jobs, sum(record_key) AS jobs_key,
               count(DISTINCT home_id) AS homes,
               percentile_cont({fractions}) WITHIN GROUP (ORDER BY working_days)
                   AS median_working_days,
               sum(record_key) FILTER (WHERE working_days IS NOT NULL)
                   AS median_working_days_key,
               percentile_cont({fractions}) WITHIN GROUP (ORDER BY cost) AS median_cost,
               sum(record_key) FILTER (WHERE cost IS NOT NULL) AS median_cost_key,
               percentile_cont({fractions}) WITHIN GROUP (ORDER BY cost / quantity)
                   FILTER (WHERE quantity > 0) AS median_unit_cost,
               sum(record_key) FILTER (WHERE quantity > 0 AND cost IS NOT NULL)
                   AS median_unit_cost_key
        FROM work GROUP BY 1, 2 ORDER BY 1, 2
    """


async def test_the_demo_work_equals_the_work_worked_out_afresh(seeded_db: Database) -> None:
    assert await seeded_db.fetchval("SELECT count(*) FROM repair_work") > 0
    assert await _differences(seeded_db) == 0


async def test_the_going_rates_are_what_the_lines_give(seeded_db: Database) -> None:
    db = seeded_db
    district, sector, area, trade, sor = await one_row(
        db,
        "SELECT f.postcode_district, f.postcode_sector, f.postcode_area, f.trade_code, "
        "l.sor_code FROM repair_fact f JOIN repair_line l ON l.repair_id = f.id "
        "WHERE f.completed GROUP BY 1, 2, 3, 4, 5 ORDER BY count(*) DESC LIMIT 1",
    )
    scopes: list[tuple[MarketScope, str, list[Any]]] = [
        (MarketScope(), "true", []),
        (MarketScope("postcode_district", district), "f.postcode_district = $1", [district]),
        (MarketScope("postcode_sector", sector), "f.postcode_sector = $1", [sector]),
        (MarketScope("postcode_area", area), "f.postcode_area = $1", [area]),
        (
            MarketScope("postcode_district", district, trade_codes=(trade,)),
            "f.postcode_district = $1 AND f.trade_code = ANY($2::text[])",
            [district, [trade]],
        ),
        (
            MarketScope(sor_codes=(sor,)),
            "l.sor_code = ANY($1::text[])",
            [[sor]],
        ),
        (MarketScope("postcode_district", "ZZ99"), "f.postcode_district = $1", ["ZZ99"]),
    ]
    for scope, scope_sql, args in scopes:
        expected = [dict(r) for r in await db.fetch(_rates_from_lines(scope_sql), *args)]
        got = [dict(r) for r in await sor_rates(db, scope)]
        assert got == expected, scope
        assert got or scope.postcode_value == "ZZ99"


async def test_a_district_s_going_rates_read_no_repair_line(seeded_db: Database) -> None:
    district = await seeded_db.fetchval("SELECT postcode_district FROM repair_work LIMIT 1")
    sent = SentStatements()
    await sor_rates(sent, MarketScope("postcode_district", district))  # type: ignore[arg-type]
    ((sql, args),) = sent.sql
    plan = "\n".join(r[0] for r in await seeded_db.fetch(f"EXPLAIN {sql}", *args))
    assert "repair_line" not in plan
    # One ordered range of the index, the table not visited: the demo load leaves the
    # visibility map set.
    assert "Index Only Scan using repair_work_district_idx" in plan
    assert await seeded_db.fetchval(
        "SELECT relallvisible = relpages FROM pg_class WHERE relname = 'repair_work'"
    )


async def test_writes_keep_the_work_exact(fresh_db: Database) -> None:
    db = fresh_db
    repair, home = await one_row(
        db,
        "SELECT f.id, f.home_id FROM repair_fact f JOIN repair_line l ON l.repair_id = f.id "
        "WHERE f.completed GROUP BY 1, 2 HAVING count(*) >= 2 ORDER BY 1 LIMIT 1",
    )
    line, code = await one_row(
        db,
        "SELECT id, sor_code FROM repair_line WHERE repair_id = $1 ORDER BY line_number LIMIT 1",
        repair,
    )
    other_code = await db.fetchval(
        "SELECT code FROM sor_code WHERE code <> ALL(SELECT sor_code FROM repair_line "
        "WHERE repair_id = $1) ORDER BY code LIMIT 1",
        repair,
    )
    # A second line of a code the repair already has: the code's lines are added up.
    await db.execute(
        "INSERT INTO repair_line (repair_id, line_number, sor_code, quantity, unit_cost, cost) "
        "SELECT $1, max(line_number) + 1, $2, 2, 10.50, 21.00 FROM repair_line "
        "WHERE repair_id = $1",
        repair,
        code,
    )
    assert await _differences(db) == 0
    # A line of a new code, then its cost changed, then it is taken away.
    new_line = await db.fetchval(
        "INSERT INTO repair_line (repair_id, line_number, sor_code, quantity, unit_cost, cost) "
        "SELECT $1, max(line_number) + 1, $2, 1, 99.00, 99.00 FROM repair_line "
        "WHERE repair_id = $1 RETURNING id",
        repair,
        other_code,
    )
    assert (
        await db.fetchval(
            "SELECT cost FROM repair_work WHERE repair_id = $1 AND sor_code = $2",
            repair,
            other_code,
        )
        == 99
    )
    await db.execute("UPDATE repair_line SET cost = 12.34 WHERE id = $1", new_line)
    assert await _differences(db) == 0
    await db.execute("DELETE FROM repair_line WHERE id = $1", new_line)
    assert await _differences(db) == 0
    assert not await db.fetchval(
        "SELECT count(*) FROM repair_work WHERE repair_id = $1 AND sor_code = $2",
        repair,
        other_code,
    )
    # The first line's code changed.
    await db.execute("UPDATE repair_line SET sor_code = $2 WHERE id = $1", line, other_code)
    assert await _differences(db) == 0
    # The repair reopened: its work goes; completed again, it comes back.
    await db.execute(
        "UPDATE repair SET status_code = 'reported', completed_at = NULL WHERE id = $1", repair
    )
    assert not await db.fetchval("SELECT count(*) FROM repair_work WHERE repair_id = $1", repair)
    assert await _differences(db) == 0
    await db.execute(
        "UPDATE repair SET status_code = 'complete', completed_at = reported_at + "
        "interval '3 days' WHERE id = $1",
        repair,
    )
    assert await db.fetchval("SELECT count(*) FROM repair_work WHERE repair_id = $1", repair)
    assert await _differences(db) == 0
    # A fact rewritten in place (its work follows it, as when it is rewritten whole).
    await db.execute(
        "UPDATE repair_fact SET working_days = coalesce(working_days, 0) + 7 WHERE id = $1",
        repair,
    )
    assert await db.fetchval(
        "SELECT DISTINCT working_days FROM repair_work WHERE repair_id = $1", repair
    ) == await db.fetchval("SELECT working_days FROM repair_fact WHERE id = $1", repair)
    assert await _differences(db) == 0
    # The home moves district, and its record key changes.
    await db.execute(
        "UPDATE home SET postcode = 'ZZ9 9ZZ' WHERE id = $1",
        home,
    )
    assert await db.fetchval(
        "SELECT DISTINCT postcode_district FROM repair_work WHERE home_id = $1", home
    ) == await db.fetchval("SELECT postcode_district FROM home WHERE id = $1", home)
    await db.execute("UPDATE home_record_key SET record_key = 4242 WHERE home_id = $1", home)
    assert await _differences(db) == 0
    # A repair of another home deleted with its lines and events.
    gone = await db.fetchval(
        "SELECT repair_id FROM repair_work WHERE home_id <> $1 ORDER BY repair_id LIMIT 1", home
    )
    async with db.connection() as conn, conn.transaction():
        await conn.execute("DELETE FROM repair_line WHERE repair_id = $1", gone)
        await conn.execute("DELETE FROM repair_status_event WHERE repair_id = $1", gone)
        await conn.execute("DELETE FROM repair WHERE id = $1", gone)
    assert not await db.fetchval("SELECT count(*) FROM repair_work WHERE repair_id = $1", gone)
    assert await _differences(db) == 0


async def test_a_rolled_back_write_leaves_the_work_as_it_was(fresh_db: Database) -> None:
    db = fresh_db
    before = await db.fetchval("SELECT count(*) FROM repair_work")
    repair = await db.fetchval("SELECT min(repair_id) FROM repair_work")

    class Undo(Exception):
        pass

    try:
        async with db.connection() as conn, conn.transaction():
            await conn.execute("DELETE FROM repair_line WHERE repair_id = $1", repair)
            raise Undo
    except Undo:
        pass
    assert await db.fetchval("SELECT count(*) FROM repair_work") == before
    assert await _differences(db) == 0


async def test_a_contractor_s_open_jobs_are_counted_from_the_index(seeded_db: Database) -> None:
    """The job board counts a contractor's open jobs in a district. The demo load leaves
    every table's visibility map set, so the count reads the index alone; before, only
    ``repair_work`` was vacuumed and the count visited each repair it counted."""
    contractor, district = await one_row(
        seeded_db,
        "SELECT contractor_id, postcode_district FROM repair WHERE is_open "
        "AND contractor_id IS NOT NULL GROUP BY 1, 2 ORDER BY count(*) DESC LIMIT 1",
    )
    plan = "\n".join(
        r[0]
        for r in await seeded_db.fetch(
            "EXPLAIN SELECT count(*) FROM repair t WHERE t.contractor_id = $1 "
            "AND t.is_open AND t.postcode_district = $2",
            contractor,
            district,
        )
    )
    assert "Index Only Scan using repair_district_open_idx" in plan
    unvisited = await seeded_db.fetch(
        "SELECT relname FROM pg_class WHERE relname = ANY($1::text[]) AND relallvisible < relpages",
        ["repair", "home", "component", "repair_line", "organisation"],
    )
    assert [r["relname"] for r in unvisited] == []
