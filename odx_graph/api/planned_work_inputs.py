"""Inputs of the planned works mutations (declared in ``api.mutations.MUTATIONS``):
programmes, their planned items, and "plan these"."""

from __future__ import annotations

import datetime as dt
import decimal
import enum
from typing import Any
from typing import Optional

import strawberry

from odx_graph.api.codes import code_enums
from odx_graph.api.input_fields import idempotency
from odx_graph.api.input_fields import node_id
from odx_graph.api.input_fields import optional
from odx_graph.services.writes import PlanSource

ProgrammeKindCode = code_enums()["ProgrammeKind"]


def _planned_work_id() -> Any:
    """The field naming the planned item a mutation changes."""
    return node_id("PlannedWork", "Global ID of the planned work.")


@strawberry.enum(description="Where `planThese` takes the works it plans from.")
class PlanSourceValue(enum.Enum):
    """Values are ``PlanSource`` values."""

    PROACTIVE_WORK = strawberry.enum_value(
        PlanSource.PROACTIVE_WORK.value,
        description="The landlord's proactive work list (`proactiveWork`), best first.",
    )
    REPLACEMENT_FORECAST = strawberry.enum_value(
        PlanSource.REPLACEMENT_FORECAST.value,
        description="Components of one type whose Decent Homes lifetime ends by the end of "
        "the programme's financial year, soonest due first.",
    )


@strawberry.input(description="A new investment programme of a landlord.")
class CreateProgrammeInput:
    """Whose, what, which year."""

    landlord_id: strawberry.ID = node_id("Organisation", "Global ID of the landlord.")
    name: str = strawberry.field(description="The programme's name, e.g. '2027/28 kitchens'.")
    financial_year: int = strawberry.field(
        description="The financial year as the year it starts: 2027 for 2027/28."
    )
    kind: ProgrammeKindCode = strawberry.field(  # type: ignore[valid-type]
        description="What kind of work it does."
    )
    budget: Optional[decimal.Decimal] = optional("What it has to spend, in GBP.")
    idempotency_key: Optional[str] = idempotency()


@strawberry.input(description="A planned item added to a programme.")
class AddPlannedWorkInput:
    """Where (exactly one of a component, a home or a building), what and when."""

    programme_id: strawberry.ID = node_id("InvestmentProgramme", "Global ID of the programme.")
    planned_date: dt.date = strawberry.field(description="The day by which it is due.")
    component_id: Optional[strawberry.ID] = node_id(
        "Component",
        "The component it replaces (its home or building and type follow).",
        required=False,
    )
    home_id: Optional[strawberry.ID] = node_id(
        "Home", "The home, when no component is named.", required=False
    )
    building_id: Optional[strawberry.ID] = node_id(
        "Building",
        "The building, for communal work, when no component is named.",
        required=False,
    )
    component_type: Optional[str] = optional(
        "Component type code (needed when no component is named), e.g. 'kitchen'."
    )
    estimated_cost: Optional[decimal.Decimal] = optional("Estimated cost in GBP.")
    replaces_repair_ids: Optional[list[strawberry.ID]] = node_id(
        "Repair", "Repairs at the same place that this work makes unnecessary.", required=False
    )
    idempotency_key: Optional[str] = idempotency()


@strawberry.input(description="Changes to a planned item that is planned or in progress.")
class UpdatePlannedWorkInput:
    """Only the values given change."""

    planned_work_id: strawberry.ID = _planned_work_id()
    planned_date: Optional[dt.date] = optional("A new planned date.")
    estimated_cost: Optional[decimal.Decimal] = optional("A new estimate in GBP.")
    actual_cost: Optional[decimal.Decimal] = optional(
        "The cost so far in GBP (the work must be in progress)."
    )
    started: Optional[bool] = optional("true: in progress; false: back to planned.")
    replaces_repair_ids: Optional[list[strawberry.ID]] = node_id(
        "Repair", "The repairs it replaces, instead of those recorded.", required=False
    )
    idempotency_key: Optional[str] = idempotency()


@strawberry.input(description="A planned item done.")
class CompletePlannedWorkInput:
    """When and at what cost."""

    planned_work_id: strawberry.ID = _planned_work_id()
    completion_date: dt.date = strawberry.field(description="The day it was done.")
    actual_cost: decimal.Decimal = strawberry.field(description="What it cost, in GBP.")
    idempotency_key: Optional[str] = idempotency()


@strawberry.input(description="A planned item that will not be done.")
class CancelPlannedWorkInput:
    """Which."""

    planned_work_id: strawberry.ID = _planned_work_id()
    idempotency_key: Optional[str] = idempotency()


@strawberry.input(description="Plan the proactive work list or the replacement forecast.")
class PlanTheseInput:
    """From where, how many, for when."""

    programme_id: strawberry.ID = node_id("InvestmentProgramme", "Global ID of the programme.")
    source: PlanSourceValue = strawberry.field(description="Where the works come from.")
    planned_date: dt.date = strawberry.field(description="The planned date of every item.")
    component_type: Optional[str] = optional(
        "Only components of this type (needed for the replacement forecast)."
    )
    limit: int = strawberry.field(default=50, description="The most items to plan (1-500).")
    estimated_cost_each: Optional[decimal.Decimal] = optional("Estimated cost of each item in GBP.")
    idempotency_key: Optional[str] = idempotency()
