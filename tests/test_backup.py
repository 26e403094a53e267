"""``odx-graph backup`` and ``restore`` as real processes on real PostgreSQL: a round trip
keeps every row and every triple, and every refusal or failure leaves things as they were."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import urllib.parse
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from odx_graph.core.access import PUBLIC
from odx_graph.core.config import Settings
from odx_graph.services.linked_data.dataset import DUMP_FORMATS
from odx_graph.services.linked_data.dataset import dump
from odx_graph.store.backup import without_password
from odx_graph.store.db import Database
from odx_graph.store.db import quote_ident
from tests.conftest import Server
from tests.support import clean_environment
from tests.support import postgres_running

Snapshot = dict[str, tuple[int, str | None]]


def _environment(**settings: str) -> dict[str, str]:
    return clean_environment(ODX_LOG_LEVEL="WARNING", **settings)


def _odx_sync(*args: str, **settings: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "odx_graph", *args],
        env=_environment(**settings),
        capture_output=True,
        text=True,
        timeout=300,
    )


async def _odx(*args: str, **settings: str) -> subprocess.CompletedProcess[str]:
    return await asyncio.to_thread(_odx_sync, *args, **settings)


def _files(directory: Path) -> list[Path]:
    return sorted(directory.iterdir())


async def _execute(dsn: str, sql: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def _snapshot(dsn: str) -> Snapshot:
    """Row count and digest of every table in ``public``, and every sequence's position."""
    conn = await asyncpg.connect(dsn)
    try:
        snapshot: Snapshot = {}
        tables = await conn.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
        )
        for (table,) in tables:
            snapshot[table] = tuple(
                await conn.fetchrow(
                    "SELECT count(*), md5(string_agg(t::text, ',' ORDER BY t::text))"
                    f" FROM public.{quote_ident(table)} t"
                )
            )
        sequences = "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'"
        for name, last_value in await conn.fetch(sequences):
            snapshot[f"sequence {name}"] = (last_value, None)
    finally:
        await conn.close()
    return snapshot


async def _triples(dsn: str) -> set[bytes]:
    """The open dataset as a set of N-Triples lines."""
    db = await Database.connect(dsn, max_size=2)
    try:
        settings = Settings.from_env({}, base_iri="http://odx.test")
        chunks = [chunk async for chunk in dump(db, settings, PUBLIC, DUMP_FORMATS["nt"])]
    finally:
        await db.close()
    return set(b"".join(chunks).splitlines()) - {b""}


async def test_a_restored_backup_has_every_row_and_every_triple(
    fresh_db: Database, tmp_path: Path
) -> None:
    dsn = fresh_db.dsn
    rows, triples = await _snapshot(dsn), await _triples(dsn)
    assert rows["home"][0] > 0 and rows["schema_migrations"][0] > 0
    assert len(triples) > 10_000
    archive = tmp_path / "odx.dump"

    backup = await _odx("backup", str(archive), ODX_DATABASE_URL=dsn)
    assert backup.returncode == 0, backup.stderr
    assert archive.read_bytes().startswith(b"PGDMP")
    assert archive.stat().st_mode & 0o077 == 0, "the backup is readable by other users"
    assert _files(tmp_path) == [archive], "a temporary file was left behind"

    await _execute(dsn, "DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    assert await _snapshot(dsn) == {}

    restore = await _odx("restore", str(archive), ODX_DATABASE_URL=dsn)
    assert restore.returncode == 0, restore.stderr
    assert "no migrations pending" in restore.stdout
    assert await _snapshot(dsn) == rows
    assert await _triples(dsn) == triples


async def test_restore_replaces_a_database_with_tables_only_when_forced(
    fresh_db: Database, tmp_path: Path
) -> None:
    dsn = fresh_db.dsn
    archive = tmp_path / "odx.dump"
    backup = await _odx("backup", str(archive), ODX_DATABASE_URL=dsn)
    assert backup.returncode == 0, backup.stderr
    rows = await _snapshot(dsn)
    await _execute(
        dsn, "UPDATE home SET town = 'Elsewhere'; DELETE FROM repair_status_event WHERE id % 2 = 0"
    )
    changed = await _snapshot(dsn)
    assert changed != rows

    refused = await _odx("restore", str(archive), ODX_DATABASE_URL=dsn)
    assert refused.returncode == 2
    assert "odx-graph: the database already holds" in refused.stderr
    assert "--force" in refused.stderr
    assert await _snapshot(dsn) == changed

    forced = await _odx("restore", "--force", str(archive), ODX_DATABASE_URL=dsn)
    assert forced.returncode == 0, forced.stderr
    assert await _snapshot(dsn) == rows


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x00\x01 not a backup at all", "is not a custom-format pg_dump archive"),
        (b"--\n-- PostgreSQL database dump\n--\n\nSELECT 1;\n", "is not a custom-format"),
        (b"", "is not a custom-format pg_dump archive"),
        (None, "does not exist"),
    ],
    ids=["garbage", "plain-sql", "empty", "missing"],
)
async def test_restore_refuses_what_is_not_an_archive(
    fresh_db: Database, tmp_path: Path, content: bytes | None, message: str
) -> None:
    dsn = fresh_db.dsn
    rows = await _snapshot(dsn)
    path = tmp_path / "odx.dump"
    if content is not None:
        path.write_bytes(content)
    result = await _odx("restore", "--force", str(path), ODX_DATABASE_URL=dsn)
    assert result.returncode == 2
    assert result.stderr.startswith(f"odx-graph: {path} "), result.stderr
    assert message in result.stderr
    assert await _snapshot(dsn) == rows


async def test_restoring_an_older_backup_reports_pending_migrations(
    empty_db: str, tmp_path: Path
) -> None:
    archive = tmp_path / "empty.dump"
    backup = await _odx("backup", str(archive), ODX_DATABASE_URL=empty_db)
    assert backup.returncode == 0, backup.stderr
    restore = await _odx("restore", str(archive), ODX_DATABASE_URL=empty_db)
    assert restore.returncode == 0, restore.stderr
    assert "pending: 0001_core" in restore.stdout
    assert "odx-graph migrate" in restore.stdout


async def test_backup_replaces_a_file_only_when_forced(seeded_db: Database, tmp_path: Path) -> None:
    archive = tmp_path / "odx.dump"
    archive.write_bytes(b"an older backup")
    refused = await _odx("backup", str(archive), ODX_DATABASE_URL=seeded_db.dsn)
    assert refused.returncode == 2
    assert refused.stderr.strip() == f"odx-graph: {archive} exists; use --force to replace it"
    assert archive.read_bytes() == b"an older backup"

    forced = await _odx("backup", "--force", str(archive), ODX_DATABASE_URL=seeded_db.dsn)
    assert forced.returncode == 0, forced.stderr
    assert archive.read_bytes().startswith(b"PGDMP")
    assert _files(tmp_path) == [archive]


async def test_a_backup_of_an_unreachable_database_writes_nothing(tmp_path: Path) -> None:
    archive = tmp_path / "odx.dump"
    result = await _odx("backup", str(archive), ODX_DATABASE_URL="postgresql://odx@127.0.0.1:1/odx")
    assert result.returncode == 2
    assert "odx-graph: the database is unavailable" in result.stderr
    assert _files(tmp_path) == []


@pytest.fixture
async def role_without_privileges(pg_server: Server, fresh_db: Database) -> AsyncIterator[str]:
    """A URL for ``fresh_db`` as a role that may connect but read no table."""
    role = f"odx_test_{uuid.uuid4().hex[:12]}"
    await pg_server.admin(f"CREATE ROLE {role} LOGIN PASSWORD 'secret'")
    parts = urllib.parse.urlsplit(fresh_db.dsn)
    host = parts.netloc.rpartition("@")[2]
    try:
        yield urllib.parse.urlunsplit(parts._replace(netloc=f"{role}:secret@{host}"))
    finally:
        await pg_server.admin(f"DROP ROLE IF EXISTS {role}")


async def test_a_failed_dump_leaves_the_previous_file_alone(
    role_without_privileges: str, tmp_path: Path
) -> None:
    archive = tmp_path / "odx.dump"
    archive.write_bytes(b"an older backup")
    result = await _odx("backup", "--force", str(archive), ODX_DATABASE_URL=role_without_privileges)
    assert result.returncode == 2
    assert "odx-graph: the backup failed: pg_dump: error:" in result.stderr
    assert "permission denied" in result.stderr
    assert archive.read_bytes() == b"an older backup"
    assert _files(tmp_path) == [archive], "a temporary file was left behind"


def test_the_password_is_kept_off_the_command_line() -> None:
    url = "postgresql://odx:s%40cret@db.example.org:5433/odx?sslmode=require"
    assert without_password(url) == (
        "postgresql://odx@db.example.org:5433/odx?sslmode=require",
        "s@cret",
    )
    embedded = "postgresql://postgres@/odx?host=%2Fvar%2Flib%2Fodx-graph%2Fpgdata"
    assert without_password(embedded) == (embedded, None)


def test_backup_and_restore_on_the_embedded_database(tmp_path: Path) -> None:
    data = tmp_path / "data"
    archive = str(tmp_path / "odx.dump")
    steps = [
        (["migrate"], 0, "migration(s) applied"),
        (["backup", archive], 0, "backed up the database"),
        (["restore", archive], 2, "use --force"),
        (["restore", "--force", archive], 0, "no migrations pending"),
    ]
    for args, status, output in steps:
        result = _odx_sync(*args, ODX_DATA_DIR=str(data))
        assert result.returncode == status, (args, result.stdout, result.stderr)
        assert output in result.stdout + result.stderr, (args, result.stdout, result.stderr)
        assert not postgres_running(data / "pgdata"), f"{args}: embedded PostgreSQL left running"
