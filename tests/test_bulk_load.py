"""Bulk loading sets foreign keys aside and checks every row when it puts them back, and
sets secondary indexes aside and builds them again."""

from __future__ import annotations

import asyncpg
import pytest

from odx_graph.core.vocab import migrations_dir
from odx_graph.services.demo import TABLES
from odx_graph.services.demo import load_demo
from odx_graph.services.refdata import sync_reference_data
from odx_graph.store import bulk
from odx_graph.store.migrations import migrate
from tests.conftest import Server
from tests.test_demo_generator import AS_OF

KEYS = (
    "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)"
    " FROM pg_constraint WHERE contype = 'f' ORDER BY 1, 2"
)

INDEXES = (
    "SELECT tablename, indexname, indexdef FROM pg_indexes"
    " WHERE schemaname = 'public' ORDER BY 1, 2"
)


async def _migrated(dsn: str) -> asyncpg.Connection:
    conn = await asyncpg.connect(dsn)
    await migrate(conn, migrations_dir())
    await sync_reference_data(conn)
    return conn


async def test_a_demo_load_leaves_every_foreign_key_as_it_was(empty_db: str) -> None:
    conn = await _migrated(empty_db)
    try:
        before = await conn.fetch(KEYS)
        assert len([k for k in before if k[0] in TABLES]) >= 20
        await load_demo(conn, homes=60, seed=3, as_of=AS_OF)
        assert await conn.fetch(KEYS) == before
        assert not await conn.fetchval(
            "SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND NOT convalidated"
        )
    finally:
        await conn.close()


async def test_a_row_breaking_a_set_aside_key_fails_the_load_and_keeps_the_keys(
    empty_db: str,
) -> None:
    conn = await _migrated(empty_db)
    try:
        before = await conn.fetch(KEYS)
        transaction = conn.transaction()
        await transaction.start()
        kept = await bulk.set_aside_foreign_keys(conn, ["home"])
        assert {k.name for k in kept} >= {"home_landlord_id_fkey"}
        assert not await conn.fetchval(
            "SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND conrelid = 'home'::regclass"
        )
        # a home whose landlord does not exist goes in while its keys are aside...
        await conn.execute(
            "INSERT INTO home (landlord_id, address_line_1, postcode)"
            " VALUES (999999, '1 Nowhere Road', 'E1 6AN')"
        )
        # ...and putting them back finds it
        with pytest.raises(asyncpg.ForeignKeyViolationError, match="home_landlord_id_fkey"):
            await bulk.restore_foreign_keys(conn, kept)
        await transaction.rollback()
        assert await conn.fetch(KEYS) == before
        assert not await conn.fetchval("SELECT count(*) FROM home")
    finally:
        await conn.close()


async def test_only_plain_table_names_reach_sql(empty_db: str) -> None:
    conn = await _migrated(empty_db)
    try:
        with pytest.raises(ValueError, match="plain table"):
            await bulk.set_aside_foreign_keys(conn, ["home; DROP TABLE home"])
    finally:
        await conn.close()


async def _nothing_set_aside(conn: asyncpg.Connection, tables: object) -> list[str]:
    return []


async def _noted_already(conn: asyncpg.Connection, segments: object) -> None:
    return None


async def test_a_demo_load_notes_the_same_changes_as_the_triggers_would(
    empty_db: str, pg_server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every row once, and nothing else: the same things the statement triggers note."""
    # Each note's keys: the one it names, or each of its run's.
    notes = (
        "SELECT DISTINCT segment, k AS key FROM change_pending,"
        " generate_series(key, coalesce(last_key, key)) AS k ORDER BY 1, 2"
    )
    conn = await _migrated(empty_db)
    try:
        await conn.execute("DELETE FROM change_pending")
        await load_demo(conn, homes=60, seed=3, as_of=AS_OF)
        set_aside = await conn.fetch(notes)
        triggers_on = await conn.fetchval(
            "SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'changes\\_%' AND tgenabled = 'D'"
        )
    finally:
        await conn.close()
    assert triggers_on == 0
    other = await pg_server.create_database()
    try:
        conn = await _migrated(pg_server.dsn(other))
        try:
            monkeypatch.setattr(bulk, "set_aside_change_notes", _nothing_set_aside)
            monkeypatch.setattr(bulk, "note_all_rows", _noted_already)
            await conn.execute("DELETE FROM change_pending")
            await load_demo(conn, homes=60, seed=3, as_of=AS_OF)
            by_triggers = await conn.fetch(notes)
        finally:
            await conn.close()
    finally:
        await pg_server.drop_database(other)
    assert len(set_aside) > 1000
    assert set_aside == by_triggers


async def test_a_demo_load_leaves_every_index_as_it_was(empty_db: str) -> None:
    """Every index of the migrated schema is there after a load, defined as before (the
    secondary ones built again, the constraints' never dropped), and valid."""
    conn = await _migrated(empty_db)
    try:
        before = await conn.fetch(INDEXES)
        await load_demo(conn, homes=60, seed=3, as_of=AS_OF)
        assert await conn.fetch(INDEXES) == before
        assert not await conn.fetchval("SELECT count(*) FROM pg_index WHERE NOT indisvalid")
    finally:
        await conn.close()


async def test_indexes_set_aside_are_the_secondary_ones_and_come_back(empty_db: str) -> None:
    """Indexes no constraint stands on are dropped for the load, and the primary and
    unique keys stay and keep checking rows; a load that fails puts every index back."""
    conn = await _migrated(empty_db)
    try:
        before = await conn.fetch(INDEXES)
        transaction = conn.transaction()
        await transaction.start()
        kept = await bulk.set_aside_indexes(conn, ["repair", "home"])
        names = {i.name for i in kept}
        assert {"repair_district_open_idx", "repair_home_idx"} <= names
        assert not names & {"repair_pkey", "home_pkey"}
        left = {r[1] for r in await conn.fetch(INDEXES) if r[0] in ("repair", "home")}
        assert "repair_pkey" in left and not left & names
        constraints = await conn.fetchval(
            "SELECT count(*) FROM pg_constraint WHERE conrelid = ANY('{repair,home}'::regclass[])"
            " AND contype IN ('p', 'u', 'x')"
        )
        assert constraints == await conn.fetchval(
            "SELECT count(*) FROM pg_index WHERE indrelid = ANY('{repair,home}'::regclass[])"
        )
        await bulk.restore_indexes(conn, kept)
        assert await conn.fetch(INDEXES) == before
        await transaction.rollback()
        # and a load that fails half-way leaves them as they were
        transaction = conn.transaction()
        await transaction.start()
        await bulk.set_aside_indexes(conn, ["repair"])
        await transaction.rollback()
        assert await conn.fetch(INDEXES) == before
    finally:
        await conn.close()


ROW_COPY_TRIGGERS = (
    "SELECT tgname, tgenabled::text FROM pg_trigger WHERE tgrelid = 'repair'::regclass"
    " AND tgname IN ('repair_district', 'repair_is_open') ORDER BY 1"
)


async def test_a_demo_load_writes_what_the_row_triggers_would(empty_db: str) -> None:
    """A demo load's repairs carry their home's district and their status's open flag
    themselves (nothing to correct), and the triggers that copy them are on again."""
    conn = await _migrated(empty_db)
    try:
        await load_demo(conn, homes=60, seed=3, as_of=AS_OF)
        assert [tuple(r) for r in await conn.fetch(ROW_COPY_TRIGGERS)] == [
            ("repair_district", "O"),
            ("repair_is_open", "O"),
        ]
        wrong = await conn.fetchval(
            "SELECT count(*) FROM repair r JOIN home h ON h.id = r.home_id"
            " JOIN repair_status s ON s.code = r.status_code"
            " WHERE r.postcode_district IS DISTINCT FROM h.postcode_district"
            " OR r.is_open IS DISTINCT FROM s.is_open"
        )
        assert wrong == 0
        assert await conn.fetchval("SELECT count(DISTINCT is_open) FROM repair") == 2
        transaction = conn.transaction()
        await transaction.start()
        kept = await bulk.set_aside_row_copies(conn, ["repair"])
        assert await bulk.restore_row_copies(conn, kept) == 0
        await transaction.rollback()
    finally:
        await conn.close()


async def test_rows_that_do_not_carry_the_copied_values_are_corrected(empty_db: str) -> None:
    """With the triggers aside a row may go in with another district and the wrong open
    flag; putting the triggers back writes both from the home and the status."""
    conn = await _migrated(empty_db)
    try:
        await load_demo(conn, homes=20, seed=3, as_of=AS_OF)
        transaction = conn.transaction()
        await transaction.start()
        kept = await bulk.set_aside_row_copies(conn, ["repair", "home"])
        assert [c.trigger for c in kept.copies] == ["repair_district", "repair_is_open"]
        assert {r[1] for r in await conn.fetch(ROW_COPY_TRIGGERS)} == {"D"}
        home, district = await conn.fetchrow("SELECT id, postcode_district FROM home LIMIT 1")
        repair = await conn.fetchval(
            "INSERT INTO repair (landlord_id, home_id, status_code, priority_code,"
            " reported_at, raised_at, postcode_district, is_open)"
            " SELECT landlord_id, id, 'reported', '3', now(), now(), 'ZZ99', false"
            " FROM home WHERE id = $1 RETURNING id",
            home,
        )
        closed = await conn.fetchval(
            "UPDATE repair SET is_open = true WHERE id = (SELECT min(id) FROM repair"
            " WHERE status_code = 'complete') RETURNING id"
        )
        assert await bulk.restore_row_copies(conn, kept) == 3  # two values of one, one of another
        assert tuple(
            await conn.fetchrow(
                "SELECT postcode_district, is_open FROM repair WHERE id = $1", repair
            )
        ) == (district, True)
        assert await conn.fetchval("SELECT is_open FROM repair WHERE id = $1", closed) is False
        assert {r[1] for r in await conn.fetch(ROW_COPY_TRIGGERS)} == {"O"}
        await transaction.rollback()
    finally:
        await conn.close()


async def test_a_demo_load_works_out_every_repairs_facts_once(empty_db: str) -> None:
    """The facts after a load are exactly what the facts' source gives for every repair,
    nothing is left noted for commit, and the facts' indexes are built again."""
    conn = await _migrated(empty_db)
    try:
        indexes = await conn.fetch(INDEXES)
        await load_demo(conn, homes=60, seed=3, as_of=AS_OF)
        facts = await conn.fetchval("SELECT count(*) FROM repair_fact")
        assert facts == await conn.fetchval("SELECT count(*) FROM repair") > 100
        differ = await conn.fetchval(
            "SELECT count(*) FROM ((SELECT * FROM repair_fact EXCEPT ALL"
            " SELECT * FROM repair_fact_source) UNION ALL (SELECT * FROM repair_fact_source"
            " EXCEPT ALL SELECT * FROM repair_fact)) AS d"
        )
        assert differ == 0
        assert await conn.fetchval("SELECT count(*) FROM repair_fact_pending") == 0
        assert await conn.fetch(INDEXES) == indexes
    finally:
        await conn.close()


async def test_a_demo_load_notifies_no_subscriber_and_leaves_its_triggers_on(
    empty_db: str,
) -> None:
    """A load is no news: a listener to new repairs hears nothing of the demo's repairs;
    the triggers set aside for it are on afterwards, so the next repair is heard."""
    conn = await _migrated(empty_db)
    listener = await asyncpg.connect(empty_db)
    heard: list[str] = []
    await listener.add_listener("odx_repair", lambda *args: heard.append(args[3]))
    try:
        await load_demo(conn, homes=60, seed=3, as_of=AS_OF)
        await listener.execute("SELECT 1")  # notices are delivered between statements
        assert heard == []
        names = [t for _, t in bulk.LOAD_TRIGGERS]
        states = await conn.fetch(
            "SELECT tgname, tgenabled::text FROM pg_trigger WHERE tgname = ANY($1::text[])",
            names,
        )
        assert sorted(tuple(r) for r in states) == sorted((n, "O") for n in names)
        await conn.execute(
            "INSERT INTO repair (landlord_id, home_id, status_code, priority_code,"
            " reported_at, raised_at) SELECT landlord_id, id, 'reported', '3', now(), now()"
            " FROM home ORDER BY id LIMIT 1"
        )
        for _ in range(50):
            if heard:
                break
            await listener.execute("SELECT pg_sleep(0.05)")
        assert len(heard) == 1
    finally:
        await listener.close()
        await conn.close()


async def test_triggers_set_aside_come_back_as_they_were(empty_db: str) -> None:
    """A trigger an operator set to fire always keeps that; one switched off stays off
    (and is not switched on by the load); and the load never lowers the memory the
    server gives index builds."""
    conn = await _migrated(empty_db)
    try:
        await conn.execute("ALTER TABLE repair ENABLE ALWAYS TRIGGER repair_district")
        await conn.execute("ALTER TABLE repair DISABLE TRIGGER repair_updated_notify")
        await conn.execute("ALTER TABLE home ENABLE REPLICA TRIGGER changes_self_insert")
        await load_demo(conn, homes=20, seed=3, as_of=AS_OF)
        rows = await conn.fetch(
            "SELECT tgrelid::regclass::text, tgname, tgenabled::text FROM pg_trigger"
            " WHERE tgrelid = ANY('{repair,home}'::regclass[]) AND tgname = ANY($1::text[])",
            ["repair_district", "repair_updated_notify", "repair_is_open", "changes_self_insert"],
        )
        assert {(r[0], r[1]): r[2] for r in rows} == {
            ("repair", "repair_district"): "A",  # always, as it was
            ("repair", "repair_updated_notify"): "D",  # off, as it was
            ("repair", "repair_is_open"): "O",
            ("repair", "changes_self_insert"): "O",
            ("home", "changes_self_insert"): "R",  # replica, as it was
        }
        async with conn.transaction():
            await conn.execute("SET LOCAL maintenance_work_mem = '1GB'")
            await bulk.restore_indexes(conn, [])
            assert await conn.fetchval("SHOW maintenance_work_mem") == "1GB"
        async with conn.transaction():
            await conn.execute("SET LOCAL maintenance_work_mem = '64MB'")
            await bulk.restore_indexes(conn, [])
            assert await conn.fetchval("SHOW maintenance_work_mem") == bulk.INDEX_BUILD_MEMORY
    finally:
        await conn.close()
