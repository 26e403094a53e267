"""``repair.postcode_district``: a repair's home's district, copied onto the repair so that
a contractor's open jobs in a district are read through one index whatever the country's
size (migration 0033); and the repairs' postcode filter, which reads it."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest

from odx_graph.mapping import MAPPING
from odx_graph.mapping.query import bind_filters
from odx_graph.mapping.repairs import REPAIR
from odx_graph.store import sql
from odx_graph.store.db import Database
from tests.conftest import GraphQLClient


async def _mismatches(conn: Any) -> int:
    """Rows whose copy of a linked row's value differs from it, for every copy the mapping
    declares (``Relation.copies``: readers such as SPARQL take the copy for the value)."""
    found = 0
    copies = [(e, r) for e in MAPPING.entities for r in e.relations if r.copies]
    assert copies, "the mapping declares no copy"
    for entity, relation in copies:
        target = MAPPING[relation.target]
        for name, column in relation.copies:
            value = sql.expr(target.field(name).sql, "t")
            found += await conn.fetchval(
                f"SELECT count(*) FROM {entity.table} s JOIN {target.table} t "
                f"ON t.{relation.target_column} = s.{relation.source_column} "
                f"WHERE s.{column} IS DISTINCT FROM {value}"
            )
    return found


async def test_every_demo_repair_carries_its_homes_district(fresh_db: Database) -> None:
    async with fresh_db.connection() as conn:
        assert await _mismatches(conn) == 0
        assert (
            await conn.fetchval("SELECT count(*) FROM repair WHERE postcode_district IS NULL") == 0
        )


async def test_the_district_follows_the_home_and_a_writer_cannot_set_it(
    fresh_db: Database,
) -> None:
    async with fresh_db.connection() as conn, conn.transaction():
        repair, home = await conn.fetchrow("SELECT id, home_id FROM repair ORDER BY id LIMIT 1")
        other = await conn.fetchrow(
            "SELECT id, postcode_district FROM home WHERE postcode_district <> "
            "(SELECT postcode_district FROM home WHERE id = $1) ORDER BY id LIMIT 1",
            home,
        )
        # Moved to another home: the other home's district.
        await conn.execute("UPDATE repair SET home_id = $2 WHERE id = $1", repair, other["id"])
        district = await conn.fetchval("SELECT postcode_district FROM repair WHERE id = $1", repair)
        assert district == other["postcode_district"]
        # Whatever a writer says of the district itself, the home decides.
        await conn.execute("UPDATE repair SET postcode_district = 'ZZ99' WHERE id = $1", repair)
        district = await conn.fetchval("SELECT postcode_district FROM repair WHERE id = $1", repair)
        assert district == other["postcode_district"]
        new = await conn.fetchval(
            "INSERT INTO repair (landlord_id, home_id, status_code, priority_code, reported_at,"
            " raised_at, postcode_district) SELECT landlord_id, $1, status_code, priority_code,"
            " reported_at, raised_at, 'ZZ99' FROM repair WHERE id = $2"
            " RETURNING postcode_district",
            home,
            repair,
        )
        assert new == await conn.fetchval("SELECT postcode_district FROM home WHERE id = $1", home)
        assert await _mismatches(conn) == 0


async def test_a_homes_new_postcode_carries_its_repairs(fresh_db: Database) -> None:
    async with fresh_db.connection() as conn, conn.transaction():
        home = await conn.fetchval(
            "SELECT home_id FROM repair GROUP BY home_id HAVING count(*) > 1 ORDER BY 1 LIMIT 1"
        )
        # A postcode in another district, then one in the same district (no write needed).
        await conn.execute("UPDATE home SET postcode = 'ZE2 9QQ' WHERE id = $1", home)
        districts = await conn.fetch(
            "SELECT DISTINCT postcode_district FROM repair WHERE home_id = $1", home
        )
        assert [r[0] for r in districts] == ["ZE2"]
        updated = "SELECT n_tup_upd FROM pg_stat_xact_user_tables WHERE relname = 'repair'"
        before = await conn.fetchval(updated)
        await conn.execute("UPDATE home SET postcode = 'ZE2 9QR' WHERE id = $1", home)
        assert await conn.fetchval(updated) == before
        assert await _mismatches(conn) == 0


def _where(postcode: str) -> str:
    (bound,) = bind_filters(REPAIR, {"postcode": postcode})
    return bound.sql.replace("{t}", "t").replace("{p}", "$2")


@pytest.mark.parametrize("level", ["postcode_district", "postcode_sector", "postcode"])
async def test_a_contractors_open_jobs_in_a_place_are_read_through_the_district_index(
    fresh_db: Database, level: str
) -> None:
    # The job board's statements as the mapping writes them. With sequential and bitmap
    # scans priced out, the plan must use the index made for this, with the district, the
    # openness and the contractor all as index conditions: no open job elsewhere in the
    # country is fetched only to be dropped.
    open_sql = next(f.sql for f in REPAIR.filters if f.name == "open")
    async with fresh_db.connection() as conn, conn.transaction():
        contractor, place = await conn.fetchrow(
            f"SELECT r.contractor_id, h.{level} FROM repair r JOIN home h ON h.id = r.home_id "
            "WHERE r.contractor_id IS NOT NULL AND r.is_open ORDER BY r.id LIMIT 1"
        )
        where = f"t.contractor_id = $1 AND {_where(place)} AND {open_sql.format(t='t', p='$3')}"
        await conn.execute("SET LOCAL enable_seqscan = off")
        await conn.execute("SET LOCAL enable_bitmapscan = off")
        for statement in (
            f"SELECT count(*) FROM repair t WHERE {where}",
            f"SELECT t.id FROM repair t WHERE {where} ORDER BY t.reported_at DESC, t.id DESC "
            "LIMIT 11",
        ):
            plan = "\n".join(
                r[0] for r in await conn.fetch(f"EXPLAIN {statement}", contractor, place, True)
            )
            assert "repair_district_open_idx" in plan, plan
            assert re.search(
                r"Index Cond: \(\(postcode_district = .+\) AND \(is_open = true\) AND "
                r"\(contractor_id = .+\)\)",
                plan,
            ), plan
            if level == "postcode_district":  # the district alone needs no home
                assert " home " not in plan, plan


def _place(level: str, postcode: str) -> str:
    if level == "postcode_area":
        return postcode[: len(postcode) - len(postcode.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))]
    if level == "postcode_district":
        return postcode.split(" ")[0]
    return postcode[:-2] if level == "postcode_sector" else postcode


REPAIRS_BY_POSTCODE = """query($p: String!, $after: String) {
  repairs(filter: {postcode: $p}, first: 100, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } nodes { id home { postcode } } } }"""


@pytest.mark.parametrize(
    "level", ["postcode_area", "postcode_district", "postcode_sector", "postcode"]
)
async def test_repairs_by_postcode_at_every_level_are_those_of_the_homes_there(
    gql: GraphQLClient, seeded_db: Database, level: str
) -> None:
    # The busiest place at each level: every repair listed is one of a home there (by the
    # home's own postcode, not the repair's copy of its district), and all are counted.
    place = await seeded_db.fetchval(
        f"SELECT h.{level} FROM home h JOIN repair r ON r.home_id = h.id "
        f"GROUP BY h.{level} ORDER BY count(*) DESC, 1 LIMIT 1"
    )
    expected = await seeded_db.fetchval(
        f"SELECT count(*) FROM repair r JOIN home h ON h.id = r.home_id WHERE h.{level} = $1",
        place,
    )
    body = await gql(REPAIRS_BY_POSTCODE, {"p": place})
    page = body["data"]["repairs"]
    assert page["totalCount"] == expected > 0
    assert {_place(level, n["home"]["postcode"]) for n in page["nodes"]} == {place}


async def asyncpg_connect(db: Database) -> Any:
    """A connection of its own, outside the pool, to watch the others' locks."""
    import asyncpg

    return await asyncpg.connect(db.dsn)


async def _waiting(conn: Any, pid: int) -> None:
    """Return once the backend ``pid`` waits for a lock (bounded: 10 s)."""
    for _ in range(200):
        if await conn.fetchval("SELECT count(*) FROM pg_locks WHERE pid = $1 AND NOT granted", pid):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"backend {pid} never waited for a lock")


_NEW_REPAIR = (
    "INSERT INTO repair (landlord_id, home_id, status_code, priority_code, reported_at,"
    " raised_at) SELECT landlord_id, $1, status_code, priority_code, reported_at, raised_at"
    " FROM repair ORDER BY id LIMIT 1 RETURNING id"
)


@pytest.mark.parametrize("first", ["postcode change", "repair"])
async def test_a_repair_written_while_its_homes_postcode_changes_gets_the_new_district(
    fresh_db: Database, first: str
) -> None:
    # Two transactions at once, either one first: the repair must end in the home's new
    # district. Before, the repair's trigger read the home's old, committed postcode while
    # the change was under way, and the home's trigger could not see the uncommitted
    # repair: the repair kept the old district for good.
    home = await fresh_db.fetchval("SELECT id FROM home WHERE postcode_district <> 'ZE2' LIMIT 1")
    async with fresh_db.connection() as mover, fresh_db.connection() as writer:
        watcher = await asyncpg_connect(fresh_db)
        try:
            mover_tx, writer_tx = mover.transaction(), writer.transaction()
            await mover_tx.start()
            await writer_tx.start()
            change = "UPDATE home SET postcode = 'ZE2 9QQ' WHERE id = $1"
            if first == "postcode change":
                await mover.execute(change, home)
                second = asyncio.ensure_future(writer.fetchval(_NEW_REPAIR, home))
                await _waiting(watcher, writer.get_server_pid())
                await mover_tx.commit()
                repair = await asyncio.wait_for(second, 10)
                await writer_tx.commit()
            else:
                repair = await writer.fetchval(_NEW_REPAIR, home)
                second = asyncio.ensure_future(mover.execute(change, home))
                await _waiting(watcher, mover.get_server_pid())
                await writer_tx.commit()
                await asyncio.wait_for(second, 10)
                await mover_tx.commit()
            district = await watcher.fetchval(
                "SELECT postcode_district FROM repair WHERE id = $1", repair
            )
            assert district == "ZE2"
        finally:
            await watcher.close()


def _literal(value: Any) -> str:
    if isinstance(value, list):
        return "ARRAY[" + ",".join(_literal(v) for v in value) + "]"
    if isinstance(value, bool | int):
        return str(value).lower()
    return "'" + str(value).replace("'", "''") + "'"


@pytest.mark.parametrize("kind", ["custom", "generic"])
async def test_one_contractors_jobs_in_a_district_use_the_index_in_a_generic_plan_too(
    fresh_db: Database, kind: str
) -> None:
    # The statement as the mapping writes it for repairs(filter: {contractor: [one],
    # postcode: district, open: true}), prepared as asyncpg prepares it. After five runs
    # PostgreSQL may keep a generic plan, made without the values: with `= ANY($1)` that
    # plan walked every repair in reported order (59,927 rows thrown away on 5,000 homes).
    from odx_graph.core.ids import encode_global_id

    async with fresh_db.connection() as conn, conn.transaction():
        contractor, district = await conn.fetchrow(
            "SELECT contractor_id, postcode_district FROM repair WHERE is_open "
            "AND contractor_id IS NOT NULL ORDER BY id LIMIT 1"
        )
        bound = bind_filters(
            REPAIR,
            {
                "contractor": [encode_global_id("Organisation", contractor)],
                "postcode": district,
                "open": True,
            },
        )
        where = " AND ".join(
            b.sql.replace("{t}", "t").replace("{p}", f"${n}") for n, b in enumerate(bound, 1)
        )
        await conn.execute(f"SET LOCAL plan_cache_mode = force_{kind}_plan")
        # The question is whether the plan can read the page in order from the index, as
        # it must on a large table; on the small test database a sort of every match is
        # cheaper, so sorting (and the bitmap scans that need one) are priced out.
        await conn.execute("SET LOCAL enable_sort = off")
        await conn.execute("SET LOCAL enable_bitmapscan = off")
        await conn.execute(
            f"PREPARE jobs AS SELECT t.id FROM repair t WHERE {where} "
            "ORDER BY t.reported_at DESC, t.id DESC LIMIT 11"
        )
        values = ", ".join(_literal(b.value) for b in bound)
        plan = "\n".join(r[0] for r in await conn.fetch(f"EXPLAIN EXECUTE jobs({values})"))
        await conn.execute("DEALLOCATE jobs")
        assert "repair_district_open_idx" in plan, plan
        assert "contractor_id = " in plan.split("Index Cond:")[1], plan
        # Every condition is the index's: only the page's jobs are read, in order.
        assert "Filter:" not in plan and "Sort" not in plan, plan
