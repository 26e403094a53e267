"""Numbered plain-SQL migrations, forward only.

Files are ``NNNN_name.sql`` (``schema.sql`` beside them is the schema they add up to,
generated, not a migration). Each is applied in its own transaction under a PostgreSQL
advisory lock (so several servers starting together are safe) and recorded with its
SHA-256 in ``schema_migrations``. An applied file that changed on disk, or an applied
version missing from disk, stops everything: history is never rewritten silently.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from odx_graph.core.errors import MigrationError
from odx_graph.store.db import Connection

# Any constant unique to this application: pg_advisory_lock takes a bigint.
ADVISORY_LOCK_KEY = 0x0D_C6_A9_4E_00_01
_FILE = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
# The schema after every migration, generated (odx_graph.store.schema_sql): not a migration.
SCHEMA_FILE = "schema.sql"

_CREATE_TABLE = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version     integer PRIMARY KEY,
    name        text NOT NULL,
    checksum    text NOT NULL,
    applied_at  timestamptz NOT NULL DEFAULT now()
)
"""


@dataclass(frozen=True, slots=True)
class Migration:
    """One migration file."""

    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        """SHA-256 of the file's text."""
        return hashlib.sha256(self.sql.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class MigrationStatus:
    """What is applied and what is pending."""

    applied: tuple[int, ...]
    pending: tuple[Migration, ...]


def load_migrations(directory: Path) -> list[Migration]:
    """Read and order the migration files, rejecting bad names and duplicate versions."""
    migrations: dict[int, Migration] = {}
    for path in sorted(directory.glob("*.sql")):
        if path.name == SCHEMA_FILE:
            continue
        match = _FILE.match(path.name)
        if match is None:
            raise MigrationError(f"{path.name}: migration files are named NNNN_name.sql")
        version = int(match.group(1))
        if version in migrations:
            raise MigrationError(f"{path.name}: version {version} is used twice")
        migrations[version] = Migration(version, match.group(2), path.read_text("utf-8"))
    return [migrations[v] for v in sorted(migrations)]


async def _check_history(
    conn: Connection, migrations: list[Migration], *, create: bool = True
) -> MigrationStatus:
    if create:
        await conn.execute(_CREATE_TABLE)
    elif await conn.fetchval("SELECT to_regclass('schema_migrations')") is None:
        return MigrationStatus((), tuple(migrations))
    rows = await conn.fetch("SELECT version, name, checksum FROM schema_migrations ORDER BY 1")
    on_disk = {m.version: m for m in migrations}
    for row in rows:
        migration = on_disk.get(row["version"])
        if migration is None:
            raise MigrationError(
                f"migration {row['version']:04d}_{row['name']} is applied but its file is "
                "missing: this server is older than the database"
            )
        if migration.checksum != row["checksum"]:
            raise MigrationError(
                f"migration {row['version']:04d}_{row['name']}.sql changed after it was "
                "applied; add a new migration instead of editing an applied one"
            )
    applied = tuple(row["version"] for row in rows)
    pending = tuple(m for m in migrations if m.version not in applied)
    if applied and pending and pending[0].version < max(applied):
        raise MigrationError(
            f"migration {pending[0].version:04d}_{pending[0].name}.sql is numbered before "
            f"migrations already applied; give it a number after {max(applied):04d}"
        )
    return MigrationStatus(applied, pending)


async def migration_status(conn: Connection, directory: Path) -> MigrationStatus:
    """Compare the database's history with the files, without changing anything."""
    migrations = load_migrations(directory)
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", ADVISORY_LOCK_KEY)
        return await _check_history(conn, migrations, create=False)


async def migrate(conn: Connection, directory: Path) -> list[Migration]:
    """Apply every pending migration in order; return those applied."""
    migrations = load_migrations(directory)
    await conn.execute("SELECT pg_advisory_lock($1)", ADVISORY_LOCK_KEY)
    try:
        status = await _check_history(conn, migrations)
        for migration in status.pending:
            try:
                async with conn.transaction():
                    # A migration rebuilding an index or a table on a large database may
                    # take minutes: the server's per-statement limit is for requests.
                    await conn.execute("SET LOCAL statement_timeout = 0")
                    await conn.execute(migration.sql)
                    await conn.execute(
                        "INSERT INTO schema_migrations (version, name, checksum) "
                        "VALUES ($1, $2, $3)",
                        migration.version,
                        migration.name,
                        migration.checksum,
                    )
            except MigrationError:
                raise
            except Exception as exc:
                raise MigrationError(
                    f"migration {migration.version:04d}_{migration.name}.sql failed: {exc}"
                ) from exc
        return list(status.pending)
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", ADVISORY_LOCK_KEY)
