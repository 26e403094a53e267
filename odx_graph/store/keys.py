"""SQL of API keys: stored hashed, looked up by their public prefix."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from odx_graph.store.db import Connection
from odx_graph.store.db import Database
from odx_graph.store.db import Record


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
    expires_at: dt.datetime | None = None
    scopes: tuple[str, ...] | None = None
    issued_by_key_id: int | None = None


_COLUMNS = (
    "id, tier, organisation_id, home_id, name, prefix, secret_hash, created_at, revoked_at, "
    "last_used_at, expires_at, scopes, issued_by_key_id"
)


def _stored(row: Record) -> StoredKey:
    values = dict(row)
    if values["scopes"] is not None:
        values["scopes"] = tuple(values["scopes"])
    return StoredKey(**values)


async def insert_key(
    conn: Connection,
    *,
    tier: str,
    organisation_id: int | None,
    home_id: int | None,
    name: str,
    prefix: str,
    secret_hash: str,
    expires_at: dt.datetime | None = None,
    scopes: tuple[str, ...] | None = None,
    issued_by_key_id: int | None = None,
) -> int:
    """Store a new key's hash; returns its id."""
    key: int = await conn.fetchval(
        "INSERT INTO api_key (tier, organisation_id, home_id, name, prefix, secret_hash, "
        "expires_at, scopes, issued_by_key_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) "
        "RETURNING id",
        tier,
        organisation_id,
        home_id,
        name,
        prefix,
        secret_hash,
        expires_at,
        list(scopes) if scopes is not None else None,
        issued_by_key_id,
    )
    return key


async def key_by_prefix(db: Database, prefix: str) -> StoredKey | None:
    """The key with this prefix, revoked or not."""
    row = await db.fetchrow(f"SELECT {_COLUMNS} FROM api_key WHERE prefix = $1", prefix)
    return _stored(row) if row is not None else None


async def list_keys(conn: Connection) -> list[StoredKey]:
    """Every key, oldest first."""
    rows = await conn.fetch(f"SELECT {_COLUMNS} FROM api_key ORDER BY id")
    return [_stored(r) for r in rows]


async def key_state(db: Database, key_id: int) -> StoredKey | None:
    """A key as stored now (revoked or not), by id."""
    row = await db.fetchrow(f"SELECT {_COLUMNS} FROM api_key WHERE id = $1", key_id)
    return _stored(row) if row is not None else None


async def resident_tokens(
    db: Database,
    landlord_id: int | None,
    home_id: int | None,
    active_only: bool,
    after: int | None,
    before: int | None,
    limit: int,
    backward: bool,
) -> list[StoredKey]:
    """Resident tokens of one landlord's homes (every landlord's with ``None``), newest
    first, paged by id: up to ``limit`` after (older than) ``after`` or, ``backward``,
    the ``limit`` nearest before (newer than) ``before``, still newest first."""
    rows = await db.fetch(
        f"SELECT * FROM (SELECT {', '.join('k.' + c for c in _COLUMNS.split(', '))} "
        "FROM api_key k JOIN home h ON h.id = k.home_id WHERE k.tier = 'resident' "
        "AND ($1::bigint IS NULL OR h.landlord_id = $1) AND ($2::bigint IS NULL OR "
        "k.home_id = $2) AND (NOT $3 OR (k.revoked_at IS NULL AND (k.expires_at IS NULL "
        "OR k.expires_at > now()))) AND ($4::bigint IS NULL OR k.id < $4) "
        "AND ($5::bigint IS NULL OR k.id > $5) "
        "ORDER BY CASE WHEN $7 THEN k.id END ASC, k.id DESC LIMIT $6) t ORDER BY id DESC",
        landlord_id,
        home_id,
        active_only,
        after,
        before,
        limit,
        backward,
    )
    return [_stored(r) for r in rows]


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


async def count_resident_tokens(
    db: Database, landlord_id: int | None, home_id: int | None, active_only: bool
) -> int:
    """How many resident tokens :func:`resident_tokens` pages through."""
    return int(
        await db.fetchval(
            "SELECT count(*) FROM api_key k JOIN home h ON h.id = k.home_id "
            "WHERE k.tier = 'resident' AND ($1::bigint IS NULL OR h.landlord_id = $1) "
            "AND ($2::bigint IS NULL OR k.home_id = $2) AND (NOT $3 OR (k.revoked_at IS NULL "
            "AND (k.expires_at IS NULL OR k.expires_at > now())))",
            landlord_id,
            home_id,
            active_only,
        )
    )
