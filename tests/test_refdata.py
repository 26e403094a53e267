"""Code lists load from the ontology and the packaged SOR list, idempotently."""

from __future__ import annotations

import asyncpg

from odx_graph.core.vocab import migrations_dir
from odx_graph.services.refdata import load_ontology
from odx_graph.services.refdata import ontology_code_lists
from odx_graph.services.refdata import sor_codes
from odx_graph.services.refdata import sync_reference_data
from odx_graph.store.migrations import migrate


def test_every_code_list_has_concepts_with_labels() -> None:
    for codes in ontology_code_lists(load_ontology()):
        assert codes.rows, codes.table
        code, label = codes.columns.index("code"), codes.columns.index("label")
        assert all(row[code] and row[label] for row in codes.rows), codes.table


def test_packaged_sor_list_is_complete() -> None:
    codes, schedules = sor_codes()
    assert len(codes) == len(set(codes)) == 17_747
    assert len({s for joined in schedules for s in joined.split("|")}) == 25


async def test_sync_is_idempotent(empty_db: str) -> None:
    conn = await asyncpg.connect(empty_db)
    try:
        await migrate(conn, migrations_dir())
        first = await sync_reference_data(conn)
        assert first["trade"] == 61 and first["sor_code"] == 17_747
        again = await sync_reference_data(conn)
        assert set(again.values()) == {0}
        lifetimes = await conn.fetchrow(
            "SELECT lifetime_house, lifetime_low_rise_flat, lifetime_high_rise_flat, "
            "is_key_component FROM component_type WHERE code = 'roof-structure'"
        )
        assert tuple(lifetimes) == (50, 30, 30, True)
    finally:
        await conn.close()


async def test_sync_waits_for_the_publisher_before_writing_a_row(empty_db: str) -> None:
    """A server starting while another publishes the change log waits for it holding
    nothing: writing code rows first and then waiting could deadlock with the publisher."""
    import asyncio

    from odx_graph.store.changes import PUBLISH_LOCK_KEY

    conn = await asyncpg.connect(empty_db)
    publisher = await asyncpg.connect(empty_db)
    try:
        await migrate(conn, migrations_dir())
        await sync_reference_data(conn)
        await conn.execute("UPDATE priority SET label = 'changed' WHERE code = '1'")
        await publisher.execute("SELECT pg_advisory_lock($1)", PUBLISH_LOCK_KEY)
        pid = await conn.fetchval("SELECT pg_backend_pid()")
        syncing = asyncio.create_task(sync_reference_data(conn))
        # until it waits on the lock
        for _ in range(200):
            waiting = await publisher.fetchval(
                "SELECT count(*) FROM pg_locks WHERE pid = $1 AND NOT granted", pid
            )
            if waiting:
                break
            await asyncio.sleep(0.05)
        assert waiting
        held = await publisher.fetch(
            "SELECT c.relname FROM pg_locks l JOIN pg_class c ON c.oid = l.relation"
            " WHERE l.pid = $1 AND l.granted AND l.mode = 'RowExclusiveLock'",
            pid,
        )
        assert [r["relname"] for r in held] == []
        await publisher.execute("SELECT pg_advisory_unlock($1)", PUBLISH_LOCK_KEY)
        await asyncio.wait_for(syncing, 60)
        assert await conn.fetchval("SELECT label FROM priority WHERE code = '1'") != "changed"
    finally:
        await publisher.close()
        await conn.close()


async def _data_version(conn: asyncpg.Connection) -> int:
    return int(await conn.fetchval("SELECT coalesce(sum(changes), 0) FROM data_version"))


async def test_a_sync_with_nothing_to_change_writes_nothing(empty_db: str) -> None:
    """Every server start syncs the code lists. A statement that writes no row still runs
    its table's statement triggers: the data version (every process's insight cache) and
    work worked out again from a code list (every case's Awaab's Law deadlines). With
    nothing to change no statement touches a code list; a change writes only its row."""
    conn = await asyncpg.connect(empty_db)
    try:
        await migrate(conn, migrations_dir())
        await sync_reference_data(conn)
        before = await _data_version(conn)
        again = await sync_reference_data(conn)
        assert set(again.values()) == {0}
        assert await _data_version(conn) == before

        await conn.execute("UPDATE priority SET label = 'changed' WHERE code = '1'")
        await conn.execute("UPDATE sor_code SET schedules = '{x}' WHERE code = $1", "AS000002")
        holiday = await conn.fetchval("SELECT min(day) FROM bank_holiday")
        await conn.execute("DELETE FROM bank_holiday WHERE day = $1", holiday)
        edited = await _data_version(conn)
        mended = await sync_reference_data(conn)
        assert {k: v for k, v in mended.items() if v} == {
            "priority": 1,
            "sor_code": 1,
            "bank_holiday": 1,
        }
        assert await _data_version(conn) > edited
        assert await conn.fetchval("SELECT label FROM priority WHERE code = '1'") != "changed"
        assert await conn.fetchval("SELECT schedules FROM sor_code WHERE code = 'AS000002'") != [
            "x"
        ]
        assert await conn.fetchval("SELECT count(*) FROM bank_holiday WHERE day = $1", holiday)
    finally:
        await conn.close()
