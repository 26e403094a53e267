"""Closed code lists and error codes as GraphQL enums, so typed clients get them as types.

A code list with an ``enum`` in the mapping (priorities, repair statuses) becomes an enum
whose values are its codes as names (``in-progress`` is ``IN_PROGRESS``, priority ``1`` is
``P1``), read from the ontology's concept scheme when the schema is built, so a new code
in the ontology is a new value. Each value's Python value is the code itself, so inputs
arrive as codes and rows holding codes serialise as names. Open lists (trades, SOR codes)
stay strings, checked against the database in filters as in mutations.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from functools import cache
from typing import Any
from typing import TypeVar

import strawberry

from odx_graph.core.errors import ErrorCode
from odx_graph.mapping import MAPPING
from odx_graph.mapping import Entity
from odx_graph.services.refdata import code_list
from odx_graph.services.refdata import load_ontology

_Member = TypeVar("_Member", bound=enum.Enum)


@cache
def _concepts() -> dict[str, list[tuple[str, str, str | None]]]:
    """``(code, label, definition)`` of each closed code list, by entity name."""
    graph = load_ontology()
    found = {}
    for entity in MAPPING.entities:
        if entity.enum:
            rows = code_list(graph, entity).rows
            found[entity.name] = [(str(r[0]), str(r[1]), r[2]) for r in rows]
    return found


def _code_enum(entity: Entity) -> Any:
    concepts = _concepts()[entity.name]
    members = {
        entity.enum_name(code): strawberry.enum_value(
            code, description=f"{label} (code {code!r}). {definition or ''}".strip()
        )
        for code, label, definition in concepts
    }
    if len(members) != len(concepts):
        raise ValueError(f"two codes of {entity.name} share an enum name")
    python_enum = enum.Enum(entity.enum, members)  # type: ignore[misc]
    make_enum: Any = strawberry.enum
    return make_enum(
        python_enum,
        name=entity.enum,
        description=f"{entity.description} A closed list: these are all its codes.",
    )


@cache
def code_enums() -> dict[str, Any]:
    """The enum type of every closed code list, by the code list's entity name."""
    return {e.name: _code_enum(e) for e in MAPPING.entities if e.enum}


_ERROR_MEANINGS = {
    ErrorCode.BAD_USER_INPUT: "A value is malformed or out of range; `field` names it.",
    ErrorCode.INVALID_ID: "A global ID is malformed or of the wrong type.",
    ErrorCode.INVALID_CURSOR: "A cursor is not one of this list and ordering.",
    ErrorCode.INVALID_POSTCODE: "A postcode is not a postcode at any level.",
    ErrorCode.INVALID_UPRN: "A UPRN is not 1 to 12 digits.",
    ErrorCode.NOT_FOUND: "The record named does not exist.",
    ErrorCode.UNAUTHENTICATED: "The key is malformed, unknown, revoked or expired.",
    ErrorCode.FORBIDDEN: "The key's tier, organisation, home or scopes do not allow it.",
    ErrorCode.CONFLICT: "The record's state forbids it (a closed repair, a token revoked "
    "already), or the idempotency key was used for a different request.",
    ErrorCode.RATE_LIMITED: "Too many requests; not returned by mutations (HTTP 429).",
    ErrorCode.DATABASE_UNAVAILABLE: "Not returned by mutations: a top-level, retryable error.",
    ErrorCode.QUERY_TIMEOUT: "Not returned by mutations: a top-level, retryable error.",
    ErrorCode.INTERNAL_ERROR: "Not returned by mutations: unexpected errors are masked.",
}


def declared_enum(name: str, description: str, values: list[tuple[str, str, str]]) -> Any:
    """A GraphQL enum ``name`` of (member, value, description), as declared."""
    members = [(m, strawberry.enum_value(v, description=d)) for m, v, d in values]
    declared: Any = enum.Enum(name, members)  # type: ignore[misc]
    return strawberry.enum(declared, description=description)


def described_enum(name: str, description: str, meanings: Mapping[_Member, str]) -> Any:
    """A GraphQL enum ``name`` mirroring the Python enum members ``meanings`` describes,
    each with its description, in the order given."""
    return declared_enum(name, description, [(m.name, m.value, d) for m, d in meanings.items()])


MutationErrorCode: Any = declared_enum(
    "MutationErrorCode",
    "Why a mutation did not happen, for clients to switch on.",
    [(c.name, c.value, _ERROR_MEANINGS[c]) for c in ErrorCode],
)
