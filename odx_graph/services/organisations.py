"""Organisations as they are: registered once by name, playing one or more roles, changed
and merged by an administrator (the command line, or the admin GraphQL mutations).

Rules: a name names one organisation (any case); an organisation has at least one role
and its main role (``kind``) is one of them; a role it still uses (landlord of homes,
repairs or cases; contractor of jobs) cannot be taken away; merging ``from`` into ``into``
keeps ``into``'s values, fills its gaps from ``from``, joins their roles and moves every
reference, home, repair, import and key of ``from`` to ``into``. Records the two knew by
the same reference become one record, so nothing is duplicated.
"""

from __future__ import annotations

from collections.abc import Awaitable
from collections.abc import Callable
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from odx_graph.core.access import Principal
from odx_graph.core.access import Tier
from odx_graph.core.errors import ForbiddenError
from odx_graph.core.errors import InputError
from odx_graph.core.errors import NotFoundError
from odx_graph.store import imports as imports_repo
from odx_graph.store import organisations as repo
from odx_graph.store import repair_events
from odx_graph.store.db import Connection
from odx_graph.store.db import Database
from odx_graph.store.organisations import Organisation
from odx_graph.store.writes import audit


@dataclass(frozen=True, slots=True)
class Change:
    """What to change about an organisation; ``None`` leaves a value as it is."""

    name: str | None = None
    registration_number: str | None = None
    website: str | None = None
    add_roles: tuple[str, ...] = ()
    remove_roles: tuple[str, ...] = ()
    kind: str | None = None  # the main role; must be (or become) one of its roles


@dataclass(slots=True)
class MergeSummary:
    """What a merge did."""

    organisation: Organisation
    merged_records: dict[str, int] = field(default_factory=dict)

    def as_text(self) -> str:
        """One line for a person."""
        moved = ", ".join(f"{n} {kind}" for kind, n in sorted(self.merged_records.items()))
        return (
            f"merged into organisation {self.organisation.id}: {self.organisation.name} "
            f"({', '.join(self.organisation.roles)})"
            + (f"; records known to both made one: {moved}" if moved else "")
        )


async def resolve(conn: Connection, name_or_key: str, field_name: str) -> Organisation:
    """The one organisation ``name_or_key`` names (its id, registration number or name)."""
    found = await repo.find_organisation(conn, name_or_key)
    if not found:
        raise NotFoundError(f"no organisation {name_or_key!r}", field=field_name)
    if len(found) > 1:
        raise InputError(
            f"{len(found)} organisations match {name_or_key!r}; give its id", field=field_name
        )
    return found[0]


async def _check_roles(conn: Connection, roles: Sequence[str], field_name: str) -> None:
    known = await repo.role_codes(conn)
    for role in roles:
        if role not in known:
            raise InputError(
                f"unknown role {role!r}; use one of: {', '.join(sorted(known))}",
                field=field_name,
            )


async def add(
    conn: Connection, name: str, roles: Sequence[str], registration_number: str | None = None
) -> Organisation:
    """Register an organisation; its first role is its main one."""
    if not roles:
        raise InputError("an organisation needs at least one role", field="roles")
    await _check_roles(conn, roles, "roles")
    key = await repo.create_organisation(
        conn, name, roles[0], (registration_number or "").strip() or None, roles[1:]
    )
    created = await repo.get_organisation(conn, key)
    assert created is not None
    return created


async def update(conn: Connection, key: int, change: Change) -> Organisation:
    """Apply ``change`` to organisation ``key`` (in the caller's transaction)."""
    current = await repo.get_organisation(conn, key, lock=True)
    if current is None:
        raise NotFoundError(f"no organisation {key}", field="organisation")
    await _check_roles(conn, [*change.add_roles, *change.remove_roles], "roles")
    if change.kind is not None:
        await _check_roles(conn, [change.kind], "kind")
    roles = [r for r in current.roles if r not in change.remove_roles]
    roles += [r for r in change.add_roles if r not in roles]
    if change.kind is not None and change.kind not in roles:
        roles.insert(0, change.kind)
    if not roles:
        raise InputError("an organisation keeps at least one role", field="roles")
    held = await repo.role_holdings(conn, key)
    for role in set(current.roles) - set(roles):
        if held.get(role):
            raise InputError(
                f"{current.name} still holds {held[role]} record(s) as {role}; move them or "
                f"merge the organisation before taking the role away",
                field="roles",
            )
    kind = change.kind or (current.kind if current.kind in roles else roles[0])
    name = current.name if change.name is None else change.name.strip()
    if not name:
        raise InputError("an organisation needs a name", field="name")
    number = current.registration_number
    if change.registration_number is not None:
        number = change.registration_number.strip() or None
    website = await conn.fetchval("SELECT website FROM organisation WHERE id = $1", key)
    if change.website is not None:
        website = change.website.strip() or None
    ordered = [kind, *[r for r in roles if r != kind]]
    await repo.update_organisation(
        conn,
        key,
        name=name,
        kind=kind,
        roles=ordered,
        registration_number=number,
        website=website,
    )
    updated = await repo.get_organisation(conn, key)
    assert updated is not None
    return updated


async def merge(conn: Connection, source: int, target: int) -> MergeSummary:
    """Merge organisation ``source`` into ``target`` (in the caller's transaction)."""
    if source == target:
        raise InputError("an organisation cannot be merged into itself", field="from")
    # No import while a merge runs: imports look records up by reference, and a merge
    # changes who allocated them (imports hold this lock shared, a merge alone).
    await imports_repo.lock_out_imports(conn)
    for key, field_name in ((source, "from"), (target, "into")):
        if await repo.get_organisation(conn, key, lock=True) is None:
            raise NotFoundError(f"no organisation {key}", field=field_name)
    merged = repo.Merged()
    await repo.merge_organisations(conn, source, target, merged)
    await repair_events.settle_statuses(conn, sorted(merged.repairs), None)
    organisation = await repo.get_organisation(conn, target)
    assert organisation is not None
    records = {k: v for k, v in merged.records.items() if k != "organisation" or v > 1}
    if "organisation" in records:
        records["organisation"] -= 1  # the one merged on purpose is not a surprise
    return MergeSummary(organisation, records)


async def as_admin(
    db: Database,
    principal: Principal,
    operation: str,
    changes: dict[str, Any],
    act: Callable[[Connection], Awaitable[Organisation]],
) -> Organisation:
    """Run ``act`` in one transaction for an admin key, leaving an audit event."""
    if principal.tier is not Tier.ADMIN or principal.api_key_id is None:
        raise ForbiddenError("only an admin key may register, change or merge organisations")
    async with db.connection() as conn, conn.transaction():
        organisation = await act(conn)
        await audit(conn, principal, operation, "organisation", organisation.id, None, changes)
    return organisation
