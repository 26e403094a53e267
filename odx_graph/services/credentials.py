"""API keys and resident tokens: made random, shown once, stored hashed, checked in
constant time, revocable.

A key reads ``odx_<prefix>_<secret>``: the 10-character prefix finds the stored row, the
SHA-256 of the whole key must match its hash. Keys carry 256 bits of randomness, so a
fast hash is enough (there is nothing to guess by brute force); nothing that could
recreate a key is stored.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
import string
import time
from collections.abc import Iterable

from odx_graph.core.access import Principal
from odx_graph.core.access import Scope
from odx_graph.core.access import Tier
from odx_graph.core.access import is_expired
from odx_graph.core.errors import InputError
from odx_graph.core.errors import UnauthenticatedError
from odx_graph.store import keys as repo
from odx_graph.store.db import Connection
from odx_graph.store.db import Database

_KEY = re.compile(r"^odx_([a-z0-9]{10})_([A-Za-z0-9_-]{43})$")
_PREFIX_ALPHABET = string.ascii_lowercase + string.digits
_ORGANISATION_KINDS = {Tier.PROVIDER: "landlord", Tier.CONTRACTOR: "contractor"}


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_key() -> tuple[str, str, str]:
    """A fresh key with its prefix and hash: ``(key, prefix, secret_hash)``."""
    prefix = "".join(secrets.choice(_PREFIX_ALPHABET) for _ in range(10))
    key = f"odx_{prefix}_{secrets.token_urlsafe(32)}"
    return key, prefix, _hash(key)


async def create_key(
    conn: Connection,
    *,
    tier: Tier,
    name: str,
    organisation_id: int | None = None,
    home_id: int | None = None,
    expires_at: dt.datetime | None = None,
    scopes: Iterable[Scope] | None = None,
    issued_by_key_id: int | None = None,
) -> tuple[int, str]:
    """Store a new key for ``tier``; returns ``(id, key)``: the key is never shown again.

    Provider keys belong to a landlord, contractor keys to a contractor, resident tokens
    to one home; regulator and admin keys may name an organisation. A key with
    ``expires_at`` stops working at that moment; ``scopes`` limit a resident token."""
    if tier is Tier.PUBLIC:
        raise InputError("the public tier needs no key", field="tier")
    if expires_at is not None and expires_at <= dt.datetime.now(dt.UTC):
        raise InputError("the expiry must be in the future", field="expiresAt")
    if scopes is not None and tier is not Tier.RESIDENT:
        raise InputError("only resident tokens have scopes", field="scopes")
    if tier is Tier.RESIDENT:
        if home_id is None or not await repo.home_exists(conn, home_id):
            raise InputError("a resident token needs the id of an existing home", field="home")
    elif home_id is not None:
        raise InputError("only resident tokens are bound to a home", field="home")
    wanted_kind = _ORGANISATION_KINDS.get(tier)
    if wanted_kind is not None and organisation_id is None:
        raise InputError(f"a {tier.value} key needs an organisation", field="organisation")
    if organisation_id is not None:
        roles = await repo.organisation_roles(conn, organisation_id)
        if roles is None:
            raise InputError(f"no organisation {organisation_id}", field="organisation")
        if wanted_kind is not None and wanted_kind not in roles:
            raise InputError(
                f"a {tier.value} key needs a {wanted_kind} organisation; "
                f"organisation {organisation_id} is a {' and '.join(roles)}",
                field="organisation",
            )
    key, prefix, secret_hash = new_key()
    key_id = await repo.insert_key(
        conn,
        tier=tier.value,
        organisation_id=organisation_id,
        home_id=home_id,
        name=name,
        prefix=prefix,
        secret_hash=secret_hash,
        expires_at=expires_at,
        scopes=tuple(sorted({Scope(s).value for s in scopes})) if scopes is not None else None,
        issued_by_key_id=issued_by_key_id,
    )
    return key_id, key


def looks_like_key(authorization: str) -> bool:
    """Whether an ``Authorization`` header has the shape of an API key (and so would be
    looked up in the database)."""
    scheme, _, token = authorization.partition(" ")
    return scheme.lower() == "bearer" and _KEY.match(token.strip()) is not None


async def authenticate(db: Database, authorization: str | None) -> Principal:
    """The caller named by an ``Authorization`` header: the public tier without one.

    Raises :class:`UnauthenticatedError` for a malformed, unknown or revoked key, so a
    mistyped key fails loudly rather than silently reading as the public."""
    if not authorization:
        return Principal()
    scheme, _, token = authorization.partition(" ")
    match = _KEY.match(token.strip()) if scheme.lower() == "bearer" else None
    if match is None:
        raise UnauthenticatedError("the Authorization header is not 'Bearer <odx API key>'")
    stored = await repo.key_by_prefix(db, match.group(1))
    if stored is None or not hmac.compare_digest(stored.secret_hash, _hash(token.strip())):
        raise UnauthenticatedError("unknown API key")
    if stored.revoked_at is not None:
        raise UnauthenticatedError("this API key has been revoked")
    if is_expired(stored.expires_at, dt.datetime.now(dt.UTC)):
        raise UnauthenticatedError("this API key has expired")
    await _note_use(db, stored.id)
    return Principal(
        Tier(stored.tier),
        stored.organisation_id,
        stored.home_id,
        stored.id,
        stored.expires_at,
        frozenset(Scope(s) for s in stored.scopes) if stored.scopes is not None else None,
    )


def bearer(value: str) -> str:
    """An ``Authorization`` value for a key given bare or as ``Bearer <key>``."""
    text = value.strip()
    return text if text.lower().startswith("bearer ") else f"Bearer {text}"


# When each key was last recorded as used, by this process: the database is told at most
# once a minute per key, not on every request.
_RECORDED: dict[tuple[str, int], float] = {}
RECORD_USE_EVERY = 60.0


async def _note_use(db: Database, key_id: int) -> None:
    now = time.monotonic()
    seen = (db.dsn, key_id)
    if now - _RECORDED.get(seen, -RECORD_USE_EVERY) < RECORD_USE_EVERY:
        return
    await repo.touch_key(db, key_id)
    if len(_RECORDED) >= 10_000:
        _RECORDED.clear()  # bounded; the worst case is one more UPDATE per key
    _RECORDED[seen] = now
