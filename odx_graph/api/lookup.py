"""Inputs naming a home the ways an app may know it: global ID, UPRN or a reference."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import strawberry

from odx_graph.core.errors import InputError
from odx_graph.core.ids import decode_int_id
from odx_graph.core.uprn import parse_uprn
from odx_graph.services.writes import HomeRef


@strawberry.input(description="A local identifier (HACT Reference) to look a home up by.")
class ReferenceInput:
    """Reference value plus, optionally, the organisation that allocated it."""

    value: str = strawberry.field(description="The identifier as the organisation writes it.")
    allocated_by: Optional[strawberry.ID] = strawberry.field(
        default=None,
        description="ID of the allocating Organisation; needed when two "
        "organisations use the same value.",
    )


@strawberry.input(description="A home, by exactly one of its global ID, UPRN or a reference.")
class HomeLookupInput:
    """Exactly one of ``id``, ``uprn`` and ``reference``."""

    id: Optional[strawberry.ID] = strawberry.field(
        default=None, description="Global ID of the home."
    )
    uprn: Optional[str] = strawberry.field(
        default=None, description="The home's UPRN (1-12 digits)."
    )
    reference: Optional[ReferenceInput] = strawberry.field(
        default=None, description="A landlord's own reference for the home."
    )

    def to_command(self) -> HomeRef:
        """The home as the write service takes it."""
        allocated_by = None
        if self.reference is not None and self.reference.allocated_by is not None:
            allocated_by = decode_int_id(
                self.reference.allocated_by, "Organisation", field="home.reference.allocatedBy"
            )
        return HomeRef(
            id=decode_int_id(self.id, "Home", field="home.id") if self.id is not None else None,
            uprn=self.uprn,
            reference=self.reference.value if self.reference is not None else None,
            allocated_by=allocated_by,
        )


@dataclass(frozen=True, slots=True)
class HomeLookup:
    """How ``home(...)`` names the home: by key (a global ID), UPRN or a reference (with
    the organisation that allocated it, if given)."""

    key: int | None = None
    uprn: int | None = None
    reference: str | None = None
    allocated_by: int | None = None


def home_lookup(
    id: str | None, uprn: str | None, reference: tuple[str, str | None] | None
) -> HomeLookup:
    """The arguments of ``Query.home`` checked and decoded, as both the resolver path and
    the compiled path read them: exactly one of ``id``, ``uprn`` and ``reference``
    (value, allocating organisation's global ID)."""
    given = [n for n, v in (("id", id), ("uprn", uprn), ("reference", reference)) if v is not None]
    if len(given) != 1:
        raise InputError("give exactly one of id, uprn or reference", field="home")
    if id is not None:
        return HomeLookup(key=decode_int_id(id, "Home"))
    if uprn is not None:
        return HomeLookup(uprn=parse_uprn(str(uprn)))
    assert reference is not None
    value, allocated = reference
    allocated_by = (
        decode_int_id(allocated, "Organisation", field="reference.allocatedBy")
        if allocated is not None
        else None
    )
    return HomeLookup(reference=str(value), allocated_by=allocated_by)
