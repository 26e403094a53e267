"""SQL of API keys: stored hashed, looked up by their public prefix."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from odx_graph.db import Connection, Database


@dataclass(frozen=True, slots=True)
class StoredKey:
    """An API key as stored: never the key itself, only its hash."""

    id: int
    tier: str
    organisation_id: int | None
    home_id: int | None
    name: str
    prefix: str
    secret_hash: str
    created_at: dt.datetime
    revoked_at: dt.datetime | None
    last_used_at: dt.datetime | None


_COLUMNS = (
    "id, tier, organisation_id, home_id, name, prefix, secret_hash, created_at, revoked_at, "
    "last_used_at"
)


async def insert_key(
    conn: Connection,
    *,
    tier: str,
    organisation_id: int | None,
    home_id: int | None,
    name: str,
    prefix: str,
    secret_hash: str,
) -> int:
    """Store a new key's hash; returns its id."""
    key: int = await conn.fetchval(
        "INSERT INTO api_key (tier, organisation_id, home_id, name, prefix, secret_hash) "
        "VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        tier,
        organisation_id,
        home_id,
        name,
        prefix,
        secret_hash,
    )
    return key


async def key_by_prefix(db: Database, prefix: str) -> StoredKey | None:
    """The key with this prefix, revoked or not."""
    row = await db.fetchrow(f"SELECT {_COLUMNS} FROM api_key WHERE prefix = $1", prefix)
    return StoredKey(**dict(row)) if row is not None else None


async def list_keys(conn: Connection) -> list[StoredKey]:
    """Every key, oldest first."""
    rows = await conn.fetch(f"SELECT {_COLUMNS} FROM api_key ORDER BY id")
    return [StoredKey(**dict(r)) for r in rows]


async def revoke_key(conn: Connection, key_id: int) -> bool:
    """Revoke a key; False when there is no such key or it was revoked already."""
    status: str = await conn.execute(
        "UPDATE api_key SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL", key_id
    )
    return status.endswith(" 1")


async def touch_key(db: Database, key_id: int) -> None:
    """Note that a key was used (at most once a minute, to keep reads cheap)."""
    await db.execute(
        "UPDATE api_key SET last_used_at = now() WHERE id = $1 AND (last_used_at IS NULL "
        "OR last_used_at < now() - interval '1 minute')",
        key_id,
    )


async def organisation_roles(conn: Connection, organisation_id: int) -> list[str] | None:
    """The roles of an organisation (its main kind first), or None when it does not exist."""
    roles: list[str] | None = await conn.fetchval(
        "SELECT ARRAY[kind_code] || array_remove(role_codes, kind_code) FROM organisation "
        "WHERE id = $1",
        organisation_id,
    )
    return roles


async def home_exists(conn: Connection, home_id: int) -> bool:
    """Whether the home exists."""
    return bool(await conn.fetchval("SELECT EXISTS (SELECT 1 FROM home WHERE id = $1)", home_id))
