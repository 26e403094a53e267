"""Organisations registered, changed and merged by an administrator through the API.

The same rules as ``odx-graph organisation add|update|merge``
(:mod:`odx_graph.services.organisations`). Unlike the other writes these do not go
through :func:`~odx_graph.services.writes.operation.perform`: they act on no landlord's
record (a merge rewrites every landlord's records that name the organisation), so they
run as the database owner, for an admin key only, in one transaction with their audit
event, and take no idempotency key (each is naturally repeatable: a name is unique, a
merged organisation is gone).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from odx_graph.core.access import Principal
from odx_graph.services import organisations
from odx_graph.services.writes.operation import Written
from odx_graph.store.db import Connection
from odx_graph.store.db import Database
from odx_graph.store.organisations import Organisation


def _written(organisation: Organisation) -> Written:
    return Written("Organisation", organisation.id)


async def add_organisation(
    db: Database,
    principal: Principal,
    *,
    name: str,
    roles: Sequence[str],
    registration_number: str | None = None,
) -> Written:
    """Register an organisation; its first role is its main one."""

    async def act(conn: Connection) -> Organisation:
        return await organisations.add(conn, name, list(roles), registration_number)

    changes = {"name": name, "roles": list(roles)}
    return _written(await organisations.as_admin(db, principal, "addOrganisation", changes, act))


async def update_organisation(
    db: Database,
    principal: Principal,
    *,
    organisation_id: int,
    name: str | None = None,
    registration_number: str | None = None,
    website: str | None = None,
    add_roles: Sequence[str] = (),
    remove_roles: Sequence[str] = (),
    kind: str | None = None,
) -> Written:
    """Rename an organisation, or change its registration number, website or roles."""
    change = organisations.Change(
        name=name,
        registration_number=registration_number,
        website=website,
        add_roles=tuple(add_roles),
        remove_roles=tuple(remove_roles),
        kind=kind,
    )

    async def act(conn: Connection) -> Organisation:
        return await organisations.update(conn, organisation_id, change)

    changes: dict[str, Any] = {
        "organisation": organisation_id,
        **{k: v for k, v in dataclasses.asdict(change).items() if v not in (None, ())},
    }
    return _written(await organisations.as_admin(db, principal, "updateOrganisation", changes, act))


async def merge_organisations(
    db: Database, principal: Principal, *, source: int, into: int
) -> Written:
    """Merge organisation ``source`` into ``into``."""

    async def act(conn: Connection) -> Organisation:
        summary = await organisations.merge(conn, source, into)
        return summary.organisation

    changes = {"from": source, "into": into}
    return _written(await organisations.as_admin(db, principal, "mergeOrganisations", changes, act))
