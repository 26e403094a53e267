"""Inputs naming a home the ways an app may know it: global ID, UPRN or a reference."""

from __future__ import annotations

from typing import Optional

import strawberry

from odx_graph.core.ids import decode_int_id
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
