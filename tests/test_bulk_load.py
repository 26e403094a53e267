"""Bulk loading sets foreign keys aside and checks every row when it puts them back."""

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
    notes = "SELECT DISTINCT segment, key FROM change_pending ORDER BY 1, 2"
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
