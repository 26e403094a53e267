"""Who is calling (``viewer``), and the resident tokens landlords issue for their homes."""

from __future__ import annotations

import datetime as dt
from typing import Annotated
from typing import Any
from typing import Optional

import strawberry
from strawberry.types import Info

from odx_graph.api.codes import described_enum
from odx_graph.api.context import Context
from odx_graph.api.paging import PageAfter
from odx_graph.api.paging import PageBefore
from odx_graph.api.paging import PageFirst
from odx_graph.api.paging import PageLast
from odx_graph.api.paging import Slice
from odx_graph.api.paging import connection_type
from odx_graph.api.paging import paging_window
from odx_graph.core.access import Scope
from odx_graph.core.access import Tier
from odx_graph.core.access import is_expired
from odx_graph.core.errors import ForbiddenError
from odx_graph.core.ids import decode_int_id
from odx_graph.core.ids import encode_global_id
from odx_graph.mapping import MAPPING
from odx_graph.store import keys as repo
from odx_graph.store.keys import StoredKey

_TIERS = {
    Tier.PUBLIC: "No key: the open data.",
    Tier.RESIDENT: "A resident token, bound to one home.",
    Tier.CONTRACTOR: "A contractor's key.",
    Tier.PROVIDER: "A landlord's (registered provider's) key.",
    Tier.REGULATOR: "A regulator's key: aggregates without suppression.",
    Tier.ADMIN: "An administrator's key.",
}
AccessTier: Any = described_enum(
    "AccessTier", "What a key lets its holder see and do (see the access guide).", _TIERS
)

_SCOPES = {
    Scope.READ: "See the private fields of the home's records (descriptions, notes).",
    Scope.REPAIRS: "Report repairs.",
    Scope.DAMP_MOULD: "Report damp and mould.",
    Scope.SATISFACTION: "Answer satisfaction questions.",
}
ResidentScope: Any = described_enum(
    "ResidentScope",
    "What a resident token may do; a token issued without scopes may do all.",
    _SCOPES,
)


async def _load(info: Info[Context, None], entity: str, key: int | None) -> Any:
    if key is None:
        return None
    return await info.context.loaders.by_key(MAPPING[entity]).load(key)


def _node_field(entity: str, key: str, description: str, *, nullable: bool = True) -> Any:
    """A field of the mapped ``entity`` (its type made by ``api.entity_types``, imported
    when the schema is built) whose key the object holds in ``key``."""
    node: Any = Annotated[entity, strawberry.lazy("odx_graph.api.entity_types")]

    async def resolve(root: Any, info: Info[Context, None]) -> Any:
        return await _load(info, entity, getattr(root, key))

    resolve.__annotations__["return"] = Optional[node] if nullable else node
    return strawberry.field(resolver=resolve, description=description)


@strawberry.type(description="The caller: what its key is and what it is tied to.")
class Viewer:
    """Everything an app needs to know about the key it holds."""

    tier: AccessTier = strawberry.field(description="The key's tier (PUBLIC without one).")
    expires_at: Optional[dt.datetime] = strawberry.field(
        description="When the key stops working; null when it does not expire."
    )
    scopes: Optional[list[ResidentScope]] = strawberry.field(
        description="A resident token's scopes; null when it may do all its tier may."
    )
    organisation_key: strawberry.Private[int | None]
    home_key: strawberry.Private[int | None]

    organisation = _node_field(
        "Organisation",
        "organisation_key",
        "The key's organisation (landlord or contractor), if any.",
    )
    home = _node_field("Home", "home_key", "A resident token's home.")


async def viewer(info: Info[Context, None]) -> Viewer:
    """Who you are: your key's tier, organisation or home, expiry and scopes. An app
    holding a resident token needs to store nothing else."""
    p = info.context.principal
    return Viewer(
        tier=p.tier.value,
        expires_at=p.expires_at,
        scopes=sorted(s.value for s in p.scopes) if p.scopes is not None else None,
        organisation_key=p.organisation_id,
        home_key=p.home_id,
    )


@strawberry.type(description="A token a landlord issued for a resident of one of its homes.")
class ResidentToken:
    """The token's record (never the token itself, which is shown once, when issued)."""

    id: strawberry.ID = strawberry.field(description="Global ID of the token's record.")
    name: str = strawberry.field(description="What it is for, e.g. 'Flat 3 repairs app'.")
    created_at: dt.datetime = strawberry.field(description="When it was issued.")
    expires_at: Optional[dt.datetime] = strawberry.field(description="When it stops working.")
    revoked_at: Optional[dt.datetime] = strawberry.field(description="When it was revoked.")
    last_used_at: Optional[dt.datetime] = strawberry.field(
        description="When it was last used (to the minute, per server process)."
    )
    scopes: Optional[list[ResidentScope]] = strawberry.field(
        description="What it may do; null: everything a resident may."
    )
    active: bool = strawberry.field(description="Neither revoked nor expired.")
    home_key: strawberry.Private[int]

    home = _node_field("Home", "home_key", "The home it is bound to.", nullable=False)


def resident_token(stored: StoredKey) -> ResidentToken:
    """The GraphQL view of a stored resident token."""
    assert stored.home_id is not None
    now = dt.datetime.now(dt.UTC)
    return ResidentToken(
        id=strawberry.ID(encode_global_id("ResidentToken", stored.id)),
        name=stored.name,
        created_at=stored.created_at,
        expires_at=stored.expires_at,
        revoked_at=stored.revoked_at,
        last_used_at=stored.last_used_at,
        scopes=list(stored.scopes) if stored.scopes is not None else None,
        active=stored.revoked_at is None and not is_expired(stored.expires_at, now),
        home_key=stored.home_id,
    )


ResidentTokenConnection = connection_type(ResidentToken, "ResidentToken", "resident token")


async def resident_tokens(
    info: Info[Context, None],
    home_id: Annotated[
        Optional[strawberry.ID], strawberry.argument(description="Only this home's tokens.")
    ] = None,
    active: Annotated[
        bool, strawberry.argument(description="Only tokens neither revoked nor expired.")
    ] = False,
    first: PageFirst = None,
    after: PageAfter = None,
    last: PageLast = None,
    before: PageBefore = None,
) -> ResidentTokenConnection:  # type: ignore[valid-type]
    """Resident tokens of your homes, newest first (provider keys; admins see all)."""
    p = info.context.principal
    if p.tier is Tier.PROVIDER:
        landlord = p.organisation_id
    elif p.tier is Tier.ADMIN:
        landlord = None
    else:
        raise ForbiddenError("resident tokens are listed for provider and admin keys")
    home = decode_int_id(home_id, "Home", field="homeId") if home_id is not None else None
    win = paging_window(info, first, after, last, before)
    db = info.context.db
    rows = await repo.resident_tokens(
        db, landlord, home, active, win.after, win.before, win.size + 1, win.backward
    )

    async def total() -> int:
        return await repo.count_resident_tokens(db, landlord, home, active)

    return Slice.of(rows, lambda r: r.id, resident_token, win, total)


async def resident_token_by_key(info: Info[Context, None], key: int) -> ResidentToken | None:
    """A resident token's record by key (for a mutation's payload)."""
    stored = await repo.key_state(info.context.db, key)
    return resident_token(stored) if stored is not None and stored.home_id else None
