"""Admin GraphQL mutations for organisations: register, change and merge them.

Each takes one ``input`` object and returns ``OrganisationPayload`` or ``MutationError``,
like the command line's ``odx-graph organisation add|update|merge`` (the same rules, in
:mod:`odx_graph.organisations`). Only an admin key may call them; each leaves an audit
event.
"""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any, Optional, Union, cast

import strawberry
from strawberry.types import Info

from odx_graph import organisations
from odx_graph.api.context import Context
from odx_graph.api.errors import RETRYABLE
from odx_graph.api.mutations import MutationError, _payload
from odx_graph.errors import OdxError
from odx_graph.ids import decode_int_id
from odx_graph.repo.organisations import Organisation

OrganisationPayload = _payload("OrganisationPayload", "Organisation", "organisation")
OrganisationResult: Any = Annotated[
    cast(Any, Union)[OrganisationPayload, MutationError],
    strawberry.union("OrganisationResult", description="The organisation, or why not."),
]
ROLES = "Role codes (organisation kinds): landlord, contractor, local-authority."


@strawberry.input(description="An organisation to register.")
class AddOrganisationInput:
    """Its name (new, in any case) and roles."""

    name: str = strawberry.field(description="The organisation's name; names are unique.")
    roles: list[str] = strawberry.field(description=ROLES + " The first is its main kind.")
    registration_number: Optional[str] = strawberry.field(
        default=None, description="Regulator of Social Housing registration number."
    )


@strawberry.input(description="What to change about an organisation.")
class UpdateOrganisationInput:
    """Fields left out stay as they are."""

    id: strawberry.ID = strawberry.field(description="Global ID of the organisation.")
    name: Optional[str] = strawberry.field(default=None, description="A new, unused name.")
    registration_number: Optional[str] = strawberry.field(
        default=None, description="A new registration number ('' clears it)."
    )
    website: Optional[str] = strawberry.field(default=None, description="'' clears it.")
    add_roles: list[str] = strawberry.field(default_factory=list, description=ROLES)
    remove_roles: list[str] = strawberry.field(
        default_factory=list,
        description="Roles to take away (not one it still uses: landlord of homes or "
        "repairs, contractor of jobs).",
    )
    kind: Optional[str] = strawberry.field(
        default=None, description="Its main role (becomes one of its roles)."
    )


@strawberry.input(description="Two organisations that are one.")
class MergeOrganisationsInput:
    """``from`` is merged into ``into`` and removed."""

    from_: strawberry.ID = strawberry.field(
        name="from", description="Global ID of the organisation that goes."
    )
    into: strawberry.ID = strawberry.field(description="Global ID of the one that stays.")


def _key(value: strawberry.ID, field: str) -> int:
    return decode_int_id(value, "Organisation", field=field)


async def _run(info: Info[Context, None], operation: str, changes: dict[str, Any], act: Any) -> Any:
    c = info.context
    try:
        organisation: Organisation = await organisations.as_admin(
            c.db, c.principal, operation, changes, act
        )
    except OdxError as exc:
        if exc.code in RETRYABLE:
            raise
        return MutationError(code=exc.code.value, field=exc.field, message=exc.message)
    return {"__typename": "OrganisationPayload", "key": organisation.id, "replayed": False}


async def add_organisation(
    info: Info[Context, None],
    input: Annotated[AddOrganisationInput, strawberry.argument(description="The organisation.")],
) -> Any:
    """Register an organisation."""

    async def act(conn: Any) -> Organisation:
        return await organisations.add(conn, input.name, input.roles, input.registration_number)

    changes = {"name": input.name, "roles": input.roles}
    return await _run(info, "addOrganisation", changes, act)


async def update_organisation(
    info: Info[Context, None],
    input: Annotated[UpdateOrganisationInput, strawberry.argument(description="The change.")],
) -> Any:
    """Change an organisation."""
    change = organisations.Change(
        name=input.name,
        registration_number=input.registration_number,
        website=input.website,
        add_roles=tuple(input.add_roles),
        remove_roles=tuple(input.remove_roles),
        kind=input.kind,
    )

    async def act(conn: Any) -> Organisation:
        return await organisations.update(conn, _key(input.id, "id"), change)

    changes = {k: v for k, v in dataclasses.asdict(change).items() if v not in (None, ())}
    return await _run(info, "updateOrganisation", changes, act)


async def merge_organisations(
    info: Info[Context, None],
    input: Annotated[MergeOrganisationsInput, strawberry.argument(description="The two.")],
) -> Any:
    """Merge one organisation into another."""

    async def act(conn: Any) -> Organisation:
        source, target = _key(input.from_, "from"), _key(input.into, "into")
        summary = await organisations.merge(conn, source, target)
        return summary.organisation

    changes = {"from": str(input.from_), "into": str(input.into)}
    return await _run(info, "mergeOrganisations", changes, act)


ORGANISATION_MUTATIONS: dict[str, Any] = {
    "add_organisation": strawberry.mutation(
        resolver=add_organisation,
        graphql_type=OrganisationResult,
        description="Register an organisation with one or more roles (admin).",
    ),
    "update_organisation": strawberry.mutation(
        resolver=update_organisation,
        graphql_type=OrganisationResult,
        description="Rename an organisation, or change its registration number, website or "
        "roles (admin).",
    ),
    "merge_organisations": strawberry.mutation(
        resolver=merge_organisations,
        graphql_type=OrganisationResult,
        description="Merge one organisation into another: its references, homes, repairs, "
        "imports and keys move, records both knew by one reference become one (admin).",
    ),
}
