"""The migration runner against a real PostgreSQL."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from odx_graph.core.errors import MigrationError
from odx_graph.core.vocab import migrations_dir
from odx_graph.services.refdata import sync_reference_data
from odx_graph.store.migrations import SCHEMA_FILE
from odx_graph.store.migrations import load_migrations
from odx_graph.store.migrations import migrate
from odx_graph.store.migrations import migration_status


@pytest.fixture
async def conn(empty_db: str) -> AsyncIterator[asyncpg.Connection]:
    connection = await asyncpg.connect(empty_db)
    try:
        yield connection
    finally:
        await connection.close()


def _copy(tmp_path: Path, upto: int | None = None) -> Path:
    target = tmp_path / "migrations"
    target.mkdir()
    for migration in sorted(migrations_dir().glob("*.sql")):
        if migration.name == SCHEMA_FILE:
            continue
        if upto is None or int(migration.name[:4]) <= upto:
            shutil.copy(migration, target)
    return target


async def test_applies_everything_once_then_nothing(conn: asyncpg.Connection) -> None:
    applied = await migrate(conn, migrations_dir())
    assert [m.version for m in applied] == [m.version for m in load_migrations(migrations_dir())]
    assert await migrate(conn, migrations_dir()) == []
    status = await migration_status(conn, migrations_dir())
    assert status.pending == () and len(status.applied) == len(applied)


async def test_data_seeded_at_the_first_migration_survives_the_whole_history(
    conn: asyncpg.Connection, tmp_path: Path
) -> None:
    first = load_migrations(migrations_dir())[0].version
    await migrate(conn, _copy(tmp_path, upto=first))
    # Only the codes the seed uses: the full code lists need tables of later migrations.
    await conn.execute("""
        INSERT INTO organisation_kind (code, label) VALUES ('landlord', 'Landlord');
        INSERT INTO priority (code, label) VALUES ('2', 'Emergency');
        INSERT INTO repair_status (code, label, is_open) VALUES ('reported', 'Reported', true);
    """)
    await conn.execute("""
        INSERT INTO organisation (id, kind_code, name) VALUES (1, 'landlord', 'Seed Homes');
        INSERT INTO home (id, uprn, landlord_id, address_line_1, postcode)
            VALUES (1, 10001, 1, '1 Seed Row', 'LS9 8AB');
        INSERT INTO repair (id, landlord_id, home_id, priority_code, status_code,
                            reported_at, raised_at)
            VALUES (1, 1, 1, '2', 'reported', '2024-01-01', '2024-01-01');
        INSERT INTO reference (subject_type, subject_id, value, allocated_by_id)
            VALUES ('home', 1, 'SEED-1', 1);
    """)
    await migrate(conn, migrations_dir())
    row = await conn.fetchrow(
        "SELECT h.uprn, h.postcode_district, r.status_code, x.value FROM home h "
        "JOIN repair r ON r.home_id = h.id JOIN reference x ON x.subject_id = h.id"
    )
    assert tuple(row) == (10001, "LS9", "reported", "SEED-1")
    await sync_reference_data(conn)  # the code lists of the whole history load on top
    assert await conn.fetchval("SELECT count(*) FROM hhsrs_hazard") == 29


async def test_an_edited_applied_migration_is_refused(
    conn: asyncpg.Connection, tmp_path: Path
) -> None:
    directory = _copy(tmp_path)
    await migrate(conn, directory)
    first = sorted(directory.glob("*.sql"))[0]
    first.write_text(first.read_text() + "\n-- edited\n")
    with pytest.raises(MigrationError, match=r"changed after it was applied"):
        await migrate(conn, directory)
    with pytest.raises(MigrationError, match=r"changed after it was applied"):
        await migration_status(conn, directory)


async def test_a_missing_applied_migration_is_refused(
    conn: asyncpg.Connection, tmp_path: Path
) -> None:
    directory = _copy(tmp_path)
    await migrate(conn, directory)
    (directory / "9999_later.sql").write_text("CREATE TABLE later (id int);")
    await migrate(conn, directory)
    (directory / "9999_later.sql").unlink()
    with pytest.raises(MigrationError, match="file is missing"):
        await migrate(conn, directory)


async def test_a_failing_migration_changes_nothing(
    conn: asyncpg.Connection, tmp_path: Path
) -> None:
    directory = _copy(tmp_path)
    await migrate(conn, directory)
    (directory / "9998_broken.sql").write_text(
        "CREATE TABLE half_done (id int);\nSELECT no_such_function();"
    )
    with pytest.raises(MigrationError, match=r"9998_broken\.sql failed"):
        await migrate(conn, directory)
    assert await conn.fetchval("SELECT to_regclass('half_done')") is None
    assert await conn.fetchval("SELECT count(*) FROM schema_migrations WHERE version = 9998") == 0


async def test_badly_named_files_are_rejected(tmp_path: Path) -> None:
    (tmp_path / "1_init.sql").write_text("SELECT 1;")
    with pytest.raises(MigrationError, match=r"NNNN_name\.sql"):
        load_migrations(tmp_path)


@pytest.mark.parametrize("name", ["schema2.sql", "Schema.sql", "0009_schema.sql.sql"])
async def test_only_the_generated_schema_file_is_not_a_migration(tmp_path: Path, name: str) -> None:
    (tmp_path / "0001_first.sql").write_text("SELECT 1;")
    (tmp_path / SCHEMA_FILE).write_text("CREATE TABLE not_applied (id int);")
    assert [m.name for m in load_migrations(tmp_path)] == ["first"]
    (tmp_path / name).write_text("SELECT 1;")
    with pytest.raises(MigrationError, match=r"NNNN_name\.sql"):
        load_migrations(tmp_path)


async def test_concurrent_servers_apply_each_migration_once(empty_db: str) -> None:
    conns = [await asyncpg.connect(empty_db) for _ in range(3)]
    try:
        results = await asyncio.gather(*(migrate(c, migrations_dir()) for c in conns))
        assert sorted(len(r) for r in results)[:-1] == [0, 0]
        count = await conns[0].fetchval("SELECT count(*) FROM schema_migrations")
        assert count == len(load_migrations(migrations_dir()))
    finally:
        for c in conns:
            await c.close()


async def test_a_new_migration_numbered_before_applied_ones_is_refused(
    conn: asyncpg.Connection, tmp_path: Path
) -> None:
    directory = _copy(tmp_path)
    (directory / "9000_later.sql").write_text("CREATE TABLE later (id int);")
    await migrate(conn, directory)
    (directory / "8999_sneaked_in.sql").write_text("CREATE TABLE sneaked (id int);")
    with pytest.raises(MigrationError, match="numbered before"):
        await migrate(conn, directory)
    assert await conn.fetchval("SELECT to_regclass('sneaked')") is None


async def test_checking_migrations_changes_nothing(conn: asyncpg.Connection) -> None:
    status = await migration_status(conn, migrations_dir())
    assert status.applied == () and status.pending
    assert await conn.fetchval("SELECT to_regclass('schema_migrations')") is None


async def test_a_migration_may_outlast_the_servers_statement_timeout(
    empty_db: str, tmp_path: Path
) -> None:
    # The server's connections carry a short statement timeout for requests; a migration
    # rebuilding a large table must not be cancelled by it (and leave the server unstartable).
    directory = _copy(tmp_path)
    slow = directory / "9000_slow.sql"
    slow.write_text("SELECT pg_sleep(0.5);\n")
    connection = await asyncpg.connect(empty_db, server_settings={"statement_timeout": "200"})
    try:
        applied = await migrate(connection, directory)
        assert applied[-1].name == "slow"
        assert await connection.fetchval("SHOW statement_timeout") == "200ms"
    finally:
        await connection.close()
