"""``repair.is_open``: whether a repair still needs work, copied from its status's
``is_open`` so that a contractor's open jobs are read through an index (migration 0022)."""

from __future__ import annotations

import re

from odx_graph.store.db import Database


async def _mismatches(conn: object) -> int:
    return await conn.fetchval(  # type: ignore[attr-defined, no-any-return]
        "SELECT count(*) FROM repair r JOIN repair_status s ON s.code = r.status_code "
        "WHERE r.is_open <> s.is_open"
    )


async def test_every_demo_repair_is_open_exactly_when_its_status_is(fresh_db: Database) -> None:
    async with fresh_db.connection() as conn:
        assert await _mismatches(conn) == 0
        assert await conn.fetchval("SELECT count(*) FROM repair WHERE is_open") > 0
        assert await conn.fetchval("SELECT count(*) FROM repair WHERE NOT is_open") > 0


async def test_a_status_change_moves_the_repair_in_and_out_of_the_open_jobs(
    fresh_db: Database,
) -> None:
    async with fresh_db.connection() as conn:
        repair = await conn.fetchval(
            "SELECT id FROM repair WHERE status_code = 'scheduled' LIMIT 1"
        )
        await conn.execute("UPDATE repair SET status_code = 'cancelled' WHERE id = $1", repair)
        assert await conn.fetchval("SELECT is_open FROM repair WHERE id = $1", repair) is False
        await conn.execute("UPDATE repair SET status_code = 'hold' WHERE id = $1", repair)
        assert await conn.fetchval("SELECT is_open FROM repair WHERE id = $1", repair) is True
        # Whatever a writer says of is_open itself, the status decides.
        await conn.execute("UPDATE repair SET is_open = false WHERE id = $1", repair)
        await conn.execute(
            "UPDATE repair SET status_code = 'in-progress', is_open = false WHERE id = $1", repair
        )
        assert await conn.fetchval("SELECT is_open FROM repair WHERE id = $1", repair) is True


async def test_a_status_that_changes_its_openness_carries_its_repairs(fresh_db: Database) -> None:
    async with fresh_db.connection() as conn, conn.transaction():
        held = await conn.fetchval("SELECT count(*) FROM repair WHERE status_code = 'hold'")
        assert held > 0
        await conn.execute("UPDATE repair_status SET is_open = false WHERE code = 'hold'")
        assert (
            await conn.fetchval(
                "SELECT count(*) FROM repair WHERE status_code = 'hold' AND is_open"
            )
            == 0
        )
        assert await _mismatches(conn) == 0
        await conn.execute("UPDATE repair_status SET is_open = true WHERE code = 'hold'")
        assert (
            await conn.fetchval(
                "SELECT count(*) FROM repair WHERE status_code = 'hold' AND is_open"
            )
            == held
        )


async def test_a_contractors_open_jobs_can_be_read_through_their_index(
    fresh_db: Database,
) -> None:
    # The job board's statement (the "open" filter's SQL from the mapping, with the home's
    # district): the planner must be able to answer it from the contractor's open rows
    # alone. With sequential scans priced out, any plan left reads through an index; it
    # must be the one made for this, whatever the demo's size makes cheapest by default.
    from odx_graph.mapping.repairs import REPAIR

    open_sql = next(f.sql for f in REPAIR.filters if f.name == "open")
    where = open_sql.format(t="t", p="$2")
    async with fresh_db.connection() as conn, conn.transaction():
        contractor = await conn.fetchval(
            "SELECT contractor_id FROM repair WHERE contractor_id IS NOT NULL LIMIT 1"
        )
        await conn.execute("SET LOCAL enable_seqscan = off")
        await conn.execute("SET LOCAL enable_bitmapscan = off")
        for statement in (
            f"SELECT count(*) FROM repair t WHERE t.contractor_id = $1 AND {where}",
            f"SELECT t.id FROM repair t WHERE t.contractor_id = $1 AND {where} "
            "ORDER BY t.reported_at DESC, t.id DESC LIMIT 11",
        ):
            plan = "\n".join(
                r[0] for r in await conn.fetch(f"EXPLAIN {statement}", contractor, True)
            )
            assert "repair_contractor_open_idx" in plan, plan
            # Both columns are index conditions: no open row is fetched only to be dropped.
            assert re.search(r"Index Cond: \(\(contractor_id = .+\) AND \(is_open = true\)\)", plan)
