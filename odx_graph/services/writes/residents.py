"""Resident tokens issued, and revoked, by the landlords of their homes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from odx_graph.core.access import Principal
from odx_graph.core.access import Scope
from odx_graph.core.access import Tier
from odx_graph.core.errors import ConflictError
from odx_graph.core.errors import InputError
from odx_graph.core.errors import NotFoundError
from odx_graph.services.credentials import create_key
from odx_graph.services.writes.operation import Change
from odx_graph.services.writes.operation import Written
from odx_graph.services.writes.operation import perform
from odx_graph.store import keys as key_repo
from odx_graph.store import writes as repo
from odx_graph.store.db import Connection
from odx_graph.store.db import Database
from odx_graph.store.db import Record


@dataclass(frozen=True, slots=True)
class HomeRef:
    """A home named by exactly one of its key, its UPRN or an organisation's reference."""

    id: int | None = None
    uprn: str | None = None
    reference: str | None = None
    allocated_by: int | None = None


@dataclass(frozen=True, slots=True)
class TokenPolicy:
    """How long resident tokens last: the default and the longest allowed, in days."""

    default_days: int = 90
    max_days: int = 365


def token_expiry(
    policy: TokenPolicy,
    now: dt.datetime,
    expires_at: dt.datetime | None,
    expires_in_days: int | None,
) -> dt.datetime:
    """When a new resident token expires: at ``expires_at``, or ``expires_in_days`` (the
    policy's default when neither is given) from ``now``; never later than the policy's
    maximum from ``now``, and never at or before ``now``."""
    if expires_at is not None and expires_in_days is not None:
        raise InputError("give expiresAt or expiresInDays, not both", field="expiresAt")
    if expires_in_days is not None and expires_in_days < 1:
        raise InputError("expiresInDays must be at least 1", field="expiresInDays")
    field_name = "expiresAt" if expires_at is not None else "expiresInDays"
    when = expires_at or now + dt.timedelta(days=expires_in_days or policy.default_days)
    if when <= now:
        raise InputError("the expiry must be in the future", field=field_name)
    if when > now + dt.timedelta(days=policy.max_days):
        raise InputError(f"a resident token lasts at most {policy.max_days} days", field=field_name)
    return when


async def issue_resident_token(
    db: Database,
    principal: Principal,
    *,
    home: HomeRef,
    name: str,
    expires_at: dt.datetime | None,
    expires_in_days: int | None,
    scopes: Sequence[str] | None,
    idempotency_key: str | None,
    policy: TokenPolicy,
) -> Written:
    """A landlord issues a token for a resident of one of its homes: the token is shown
    this once (a replay with the same idempotency key does not show it again)."""
    request = {
        "home": [home.id, home.uprn, home.reference, home.allocated_by],
        "name": name,
        "expires": expires_at,
        "days": expires_in_days,
        "scopes": None if scopes is None else sorted({Scope(s).value for s in scopes}),
    }
    when = token_expiry(policy, dt.datetime.now(dt.UTC), expires_at, expires_in_days)
    if not name.strip() or len(name) > 200:
        raise InputError("give the token a name (1 to 200 characters)", field="name")
    if scopes is not None and not scopes:
        raise InputError("give at least one scope, or none for all", field="scopes")

    async def find(conn: Connection) -> int:
        return await _home_key(conn, home)

    async def act(conn: Connection, found: Record) -> Change:
        key_id, secret = await create_key(
            conn,
            tier=Tier.RESIDENT,
            name=name,
            home_id=found["id"],
            expires_at=when,
            scopes=None if scopes is None else [Scope(s) for s in scopes],
            issued_by_key_id=principal.api_key_id,
        )
        changes = {"home": found["id"], "name": name, "expires": when, "scopes": request["scopes"]}
        return Change("ResidentToken", "api_key", key_id, found["landlord_id"], changes, secret)

    return await perform(db, principal, "issueResidentToken", find, request, idempotency_key, act)


async def _home_key(conn: Connection, home: HomeRef) -> int:
    given = [x for x in (home.id, home.uprn, home.reference) if x is not None]
    if len(given) != 1:
        raise InputError("give exactly one of id, uprn or reference", field="home")
    if home.id is not None:
        return home.id
    keys = await repo.home_keys(conn, home.uprn, home.reference, home.allocated_by)
    if not keys:
        raise NotFoundError("no such home", field="home")
    if len(keys) > 1:
        raise InputError(
            "several homes carry this reference; give allocatedBy",
            field="home.reference.allocatedBy",
        )
    return keys[0]


async def revoke_resident_token(
    db: Database,
    principal: Principal,
    *,
    token_id: int,
    idempotency_key: str | None,
) -> Written:
    """A landlord revokes a resident token of one of its homes: it stops working at once,
    open subscriptions using it included."""

    async def act(conn: Connection, token: Record) -> Change:
        if token["tier"] != "resident":
            raise NotFoundError("no such resident token", field="tokenId")
        if token["revoked_at"] is not None:
            raise ConflictError("the token was revoked already", field="tokenId")
        await key_repo.revoke_key(conn, token_id)
        return Change("ResidentToken", "api_key", token_id, token["landlord_id"], {})

    return await perform(
        db, principal, "revokeResidentToken", token_id, {"token": token_id}, idempotency_key, act
    )
