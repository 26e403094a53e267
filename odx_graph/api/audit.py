"""The audit trail of writes, for the landlord whose records they are (and admins)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated
from typing import Optional

import strawberry
from strawberry.types import Info

from odx_graph.api.context import Context
from odx_graph.api.paging import PageAfter
from odx_graph.api.paging import PageBefore
from odx_graph.api.paging import PageFirst
from odx_graph.api.paging import PageLast
from odx_graph.api.paging import Slice
from odx_graph.api.paging import connection_type
from odx_graph.api.paging import paging_window
from odx_graph.core.access import Tier
from odx_graph.core.errors import ForbiddenError
from odx_graph.core.errors import InputError
from odx_graph.core.ids import encode_global_id
from odx_graph.store import writes as repo
from odx_graph.store.db import Record

_SUBJECT_TYPES = {
    "repair": "Repair",
    "component": "Component",
    "damp_mould_case": "DampMouldCase",
    "satisfaction_response": "SatisfactionResponse",
    "api_key": "ResidentToken",
}


@strawberry.type(description="One write made through the API.")
class AuditEvent:
    """Who changed what, when."""

    sequence: int = strawberry.field(description="Order of the event.")
    occurred_at: dt.datetime = strawberry.field(description="When the write committed.")
    operation: str = strawberry.field(description="The mutation, e.g. 'completeRepair'.")
    tier: str = strawberry.field(description="The tier of the key that made it.")
    organisation_id: Optional[strawberry.ID] = strawberry.field(
        description="Global ID of the key's organisation, if it has one."
    )
    subject_type: str = strawberry.field(description="What kind of record was written.")
    subject_id: strawberry.ID = strawberry.field(
        description="Global ID of the record (satisfaction answers are not readable singly)."
    )
    changes: str = strawberry.field(description="What the write set, as a JSON object.")


def _landlord(info: Info[Context, None]) -> int | None:
    principal = info.context.principal
    if principal.tier is Tier.PROVIDER:
        return principal.organisation_id
    if principal.tier is Tier.ADMIN:
        return None
    raise ForbiddenError("the audit trail is for provider and admin keys")


def _event(r: Record) -> AuditEvent:
    return AuditEvent(
        sequence=r["id"],
        occurred_at=r["occurred_at"],
        operation=r["operation"],
        tier=r["tier"],
        organisation_id=strawberry.ID(encode_global_id("Organisation", r["organisation_id"]))
        if r["organisation_id"] is not None
        else None,
        subject_type=_SUBJECT_TYPES.get(r["subject_type"], r["subject_type"]),
        subject_id=strawberry.ID(
            encode_global_id(_SUBJECT_TYPES.get(r["subject_type"], "Record"), r["subject_id"])
        ),
        changes=r["changes"],
    )


async def audit_trail(
    info: Info[Context, None],
    first: Annotated[int, strawberry.argument(description="At most this many (1-100).")] = 50,
    before: Annotated[
        Optional[int], strawberry.argument(description="Only events older than this sequence.")
    ] = None,
) -> list[AuditEvent]:
    """Writes to your organisation's records, newest first (provider keys; admins see all).
    Deprecated: `auditEvents` pages the same events as a connection."""
    landlord = _landlord(info)
    if not 1 <= first <= 100:
        raise InputError("first must be between 1 and 100", field="first")
    rows = await repo.audit_events(info.context.db, landlord, before, None, first)
    return [_event(r) for r in rows]


AuditEventConnection = connection_type(AuditEvent, "AuditEvent", "audit event")


async def audit_events(
    info: Info[Context, None],
    first: PageFirst = None,
    after: PageAfter = None,
    last: PageLast = None,
    before: PageBefore = None,
) -> AuditEventConnection:  # type: ignore[valid-type]
    """Writes to your organisation's records, newest first, as a connection (provider
    keys; admins see all)."""
    landlord = _landlord(info)
    win = paging_window(info, first, after, last, before)
    db = info.context.db
    rows = await repo.audit_events(db, landlord, win.after, win.before, win.size + 1, win.backward)

    async def total() -> int:
        return await repo.count_audit_events(db, landlord)

    return Slice.of(rows, lambda r: int(r["id"]), _event, win, total)
