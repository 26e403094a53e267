"""GraphQL mutations: each returns a union of its payload and ``MutationError``.

Expected failures (not allowed, not found, bad input, a reused idempotency key) are a
``MutationError`` with ``code``, ``field`` and ``message``: part of the schema, so clients
switch on them. Unexpected failures are masked like any other error.
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Optional, Union, cast

import strawberry
from strawberry.types import Info

from odx_graph import writes
from odx_graph.api import types as gen
from odx_graph.api.context import Context
from odx_graph.api.errors import RETRYABLE
from odx_graph.errors import OdxError
from odx_graph.ids import decode_int_id
from odx_graph.mapping import MAPPING

IDEMPOTENCY = (
    "A key of your choosing (up to 200 characters): retrying the mutation with the same key "
    "returns the first result and changes nothing."
)


@strawberry.type(description="Why a mutation did not happen.")
class MutationError:
    """An expected failure, typed in the schema."""

    code: str = strawberry.field(
        description="Machine-readable reason: FORBIDDEN, NOT_FOUND, BAD_USER_INPUT..."
    )
    field: Optional[str] = strawberry.field(description="The input field at fault, if one is.")
    message: str = strawberry.field(description="What went wrong, for people.")


def _payload(name: str, entity: str, noun: str) -> Any:
    async def record(root: Any, info: Info[Context, None]) -> Any:
        return await info.context.loaders.by_key(MAPPING[entity]).load(root["key"])

    namespace = {
        # Annotations name generated types ("Repair"), which live in the types module.
        "__module__": gen.__name__,
        "__annotations__": {entity[0].lower() + entity[1:]: entity, "replayed": bool},
        entity[0].lower() + entity[1:]: strawberry.field(
            resolver=gen._make_resolver(record, [], entity),
            description=f"The {noun} as it is after the mutation.",
        ),
        "replayed": strawberry.field(
            description="True when this is the stored result of an earlier call with the "
            "same idempotency key."
        ),
    }
    namespace["is_type_of"] = classmethod(
        lambda cls, obj, info: isinstance(obj, dict) and obj.get("__typename") == name
    )
    return strawberry.type(
        type(name, (), namespace), name=name, description=f"The {noun} a mutation wrote."
    )


RepairPayload = _payload("RepairPayload", "Repair", "repair")
ComponentPayload = _payload("ComponentPayload", "Component", "component")
DampMouldCasePayload = _payload("DampMouldCasePayload", "DampMouldCase", "damp and mould case")


@strawberry.type(description="A satisfaction answer was recorded.")
class SatisfactionPayload:
    """Answers are not readable one by one, so the payload only confirms."""

    recorded: bool = strawberry.field(description="Always true.")
    replayed: bool = strawberry.field(
        description="True when this is the stored result of an earlier call with the same "
        "idempotency key."
    )


RepairResult: Any = Annotated[
    cast(Any, Union)[RepairPayload, MutationError],
    strawberry.union("RepairResult", description="The repair, or why not."),
]
ComponentResult: Any = Annotated[
    cast(Any, Union)[ComponentPayload, MutationError],
    strawberry.union("ComponentResult", description="The component, or why not."),
]
DampMouldCaseResult: Any = Annotated[
    cast(Any, Union)[DampMouldCasePayload, MutationError],
    strawberry.union("DampMouldCaseResult", description="The case, or why not."),
]


SatisfactionResult: Any = Annotated[
    cast(Any, Union)[SatisfactionPayload, MutationError],
    strawberry.union("SatisfactionResult", description="Recorded, or why not."),
]


async def _result(payload: Any, call: Callable[[], Awaitable[writes.Written]]) -> Any:
    """Run ``call``; its expected failures become a :class:`MutationError`."""
    try:
        written = await call()
    except OdxError as exc:
        if exc.code in RETRYABLE:
            raise  # not about the request: a top-level, retryable error like any read's
        return MutationError(code=exc.code.value, field=exc.field, message=exc.message)
    if payload is SatisfactionPayload:
        return SatisfactionPayload(recorded=True, replayed=written.replayed)
    return {"__typename": payload.__name__, "key": written.key, "replayed": written.replayed}


def _id(value: strawberry.ID, type_name: str, field: str) -> int:
    return decode_int_id(value, type_name, field=field)


@strawberry.input(description="A repair reported by a resident or the landlord.")
class ReportRepairInput:
    """What is wrong, where."""

    home_id: strawberry.ID = strawberry.field(description="Global ID of the home.")
    description: Optional[str] = strawberry.field(
        default=None, description="What is wrong, in the reporter's words (private)."
    )
    priority: Optional[str] = strawberry.field(
        default=None, description="Priority code (landlords only; default 4, routine)."
    )
    trade: Optional[str] = strawberry.field(default=None, description="Trade code, if known.")
    idempotency_key: Optional[str] = strawberry.field(default=None, description=IDEMPOTENCY)


@strawberry.input(description="A Schedule of Rates line of a completed repair.")
class RepairLineInput:
    """Code, quantity and costs."""

    sor_code: str = strawberry.field(description="NHF SOR v7 code or the landlord's own.")
    quantity: decimal.Decimal = strawberry.field(description="Quantity of the item.")
    unit_cost: Optional[decimal.Decimal] = strawberry.field(
        default=None, description="Cost per unit in GBP."
    )
    cost: Optional[decimal.Decimal] = strawberry.field(
        default=None, description="Line cost in GBP."
    )


@strawberry.input(description="The dates and findings of a damp and mould investigation.")
class InspectionInput:
    """Only the fields given are set."""

    case_id: strawberry.ID = strawberry.field(description="Global ID of the case.")
    investigation_started_at: Optional[dt.datetime] = strawberry.field(
        default=None, description="When the investigation started."
    )
    investigation_completed_at: Optional[dt.datetime] = strawberry.field(
        default=None, description="When it was completed."
    )
    written_summary_sent_at: Optional[dt.datetime] = strawberry.field(
        default=None, description="When the written summary was sent to the resident."
    )
    made_safe_at: Optional[dt.datetime] = strawberry.field(
        default=None, description="When the home was made safe."
    )
    hazard_level: Optional[str] = strawberry.field(
        default=None, description="Awaab's Law hazard level: emergency or significant."
    )
    hhsrs_category: Optional[str] = strawberry.field(
        default=None, description="HHSRS category found: 1 or 2."
    )
    severity: Optional[str] = strawberry.field(default=None, description="Severity code.")
    further_works_required: Optional[bool] = strawberry.field(
        default=None, description="Whether further works are needed."
    )
    idempotency_key: Optional[str] = strawberry.field(default=None, description=IDEMPOTENCY)


async def report_repair(
    info: Info[Context, None],
    input: Annotated[ReportRepairInput, strawberry.argument(description="The report.")],
) -> Any:
    """Report a repair; it starts as 'reported' with the priority's target."""
    c = info.context
    return await _result(
        RepairPayload,
        lambda: writes.report_repair(
            c.db,
            c.principal,
            home_id=_id(input.home_id, "Home", "homeId"),
            description=input.description,
            priority=input.priority,
            trade=input.trade,
            idempotency_key=input.idempotency_key,
        ),
    )


async def assign_repair(
    info: Info[Context, None],
    repair_id: Annotated[strawberry.ID, strawberry.argument(description="The repair.")],
    contractor_id: Annotated[
        strawberry.ID, strawberry.argument(description="The contractor organisation.")
    ],
    priority: Annotated[
        Optional[str], strawberry.argument(description="New priority code.")
    ] = None,
    target_at: Annotated[
        Optional[dt.datetime], strawberry.argument(description="New target time.")
    ] = None,
    idempotency_key: Annotated[Optional[str], strawberry.argument(description=IDEMPOTENCY)] = None,
) -> Any:
    """Assign a contractor; a reported repair becomes scheduled."""
    c = info.context
    return await _result(
        RepairPayload,
        lambda: writes.assign_repair(
            c.db,
            c.principal,
            repair_id=_id(repair_id, "Repair", "repairId"),
            contractor_id=_id(contractor_id, "Organisation", "contractorId"),
            priority=priority,
            target_at=target_at,
            idempotency_key=idempotency_key,
        ),
    )


async def update_repair_status(
    info: Info[Context, None],
    repair_id: Annotated[strawberry.ID, strawberry.argument(description="The repair.")],
    status: Annotated[str, strawberry.argument(description="New status code.")],
    note: Annotated[Optional[str], strawberry.argument(description="A note (private).")] = None,
    idempotency_key: Annotated[Optional[str], strawberry.argument(description=IDEMPOTENCY)] = None,
) -> Any:
    """Move a repair to another open or closing status (not complete)."""
    c = info.context
    return await _result(
        RepairPayload,
        lambda: writes.update_repair_status(
            c.db,
            c.principal,
            repair_id=_id(repair_id, "Repair", "repairId"),
            status=status,
            note=note,
            idempotency_key=idempotency_key,
        ),
    )


async def complete_repair(
    info: Info[Context, None],
    repair_id: Annotated[strawberry.ID, strawberry.argument(description="The repair.")],
    lines: Annotated[list[RepairLineInput], strawberry.argument(description="What was done.")],
    cost: Annotated[
        Optional[decimal.Decimal], strawberry.argument(description="Total cost in GBP.")
    ] = None,
    completed_at: Annotated[
        Optional[dt.datetime], strawberry.argument(description="When (default now).")
    ] = None,
    note: Annotated[Optional[str], strawberry.argument(description="A note (private).")] = None,
    idempotency_key: Annotated[Optional[str], strawberry.argument(description=IDEMPOTENCY)] = None,
) -> Any:
    """Complete a repair (its contractor or landlord)."""
    c = info.context
    parsed = [writes.Line(x.sor_code, x.quantity, x.unit_cost, x.cost) for x in lines]
    return await _result(
        RepairPayload,
        lambda: writes.complete_repair(
            c.db,
            c.principal,
            repair_id=_id(repair_id, "Repair", "repairId"),
            completed_at=completed_at,
            cost=cost,
            lines=parsed,
            note=note,
            idempotency_key=idempotency_key,
        ),
    )


async def add_component(
    info: Info[Context, None],
    home_id: Annotated[strawberry.ID, strawberry.argument(description="The home.")],
    component_type: Annotated[str, strawberry.argument(description="Component type code.")],
    install_date: Annotated[
        Optional[dt.date], strawberry.argument(description="When installed.")
    ] = None,
    condition: Annotated[Optional[str], strawberry.argument(description="Condition code.")] = None,
    make: Annotated[Optional[str], strawberry.argument(description="Manufacturer.")] = None,
    model: Annotated[Optional[str], strawberry.argument(description="Model.")] = None,
    idempotency_key: Annotated[Optional[str], strawberry.argument(description=IDEMPOTENCY)] = None,
) -> Any:
    """Add a component to a home."""
    c = info.context
    return await _result(
        ComponentPayload,
        lambda: writes.add_component(
            c.db,
            c.principal,
            home_id=_id(home_id, "Home", "homeId"),
            component_type=component_type,
            install_date=install_date,
            condition=condition,
            make=make,
            model=model,
            idempotency_key=idempotency_key,
        ),
    )


async def replace_component(
    info: Info[Context, None],
    component_id: Annotated[strawberry.ID, strawberry.argument(description="Component.")],
    install_date: Annotated[
        dt.date, strawberry.argument(description="When the new one was installed.")
    ],
    condition: Annotated[
        Optional[str], strawberry.argument(description="Its condition code.")
    ] = None,
    make: Annotated[Optional[str], strawberry.argument(description="Manufacturer.")] = None,
    model: Annotated[Optional[str], strawberry.argument(description="Model.")] = None,
    idempotency_key: Annotated[Optional[str], strawberry.argument(description=IDEMPOTENCY)] = None,
) -> Any:
    """Replace a component by a new one of its type (its history stays)."""
    c = info.context
    return await _result(
        ComponentPayload,
        lambda: writes.replace_component(
            c.db,
            c.principal,
            component_id=_id(component_id, "Component", "componentId"),
            install_date=install_date,
            condition=condition,
            make=make,
            model=model,
            idempotency_key=idempotency_key,
        ),
    )


async def report_damp_mould(
    info: Info[Context, None],
    home_id: Annotated[strawberry.ID, strawberry.argument(description="The home.")],
    hazard_level: Annotated[
        Optional[str], strawberry.argument(description="emergency or significant (landlord).")
    ] = None,
    severity: Annotated[Optional[str], strawberry.argument(description="Severity code.")] = None,
    aware_at: Annotated[
        Optional[dt.datetime],
        strawberry.argument(description="When the landlord became aware (landlord; default now)."),
    ] = None,
    idempotency_key: Annotated[Optional[str], strawberry.argument(description=IDEMPOTENCY)] = None,
) -> Any:
    """Open a damp and mould case for a home."""
    c = info.context
    return await _result(
        DampMouldCasePayload,
        lambda: writes.report_damp_mould(
            c.db,
            c.principal,
            home_id=_id(home_id, "Home", "homeId"),
            hazard_level=hazard_level,
            severity=severity,
            aware_at=aware_at,
            idempotency_key=idempotency_key,
        ),
    )


async def record_inspection(
    info: Info[Context, None],
    input: Annotated[InspectionInput, strawberry.argument(description="The findings.")],
) -> Any:
    """Set an investigation's dates and findings on a case."""
    c = info.context
    columns = {
        "investigation_started_at": input.investigation_started_at,
        "investigation_completed_at": input.investigation_completed_at,
        "written_summary_sent_at": input.written_summary_sent_at,
        "made_safe_at": input.made_safe_at,
        "hazard_level_code": input.hazard_level,
        "hhsrs_category_code": input.hhsrs_category,
        "severity_code": input.severity,
        "further_works_required": input.further_works_required,
    }
    values = {k: v for k, v in columns.items() if v is not None}
    return await _result(
        DampMouldCasePayload,
        lambda: writes.record_inspection(
            c.db,
            c.principal,
            case_id=_id(input.case_id, "DampMouldCase", "caseId"),
            values=values,
            idempotency_key=input.idempotency_key,
        ),
    )


async def submit_satisfaction(
    info: Info[Context, None],
    home_id: Annotated[strawberry.ID, strawberry.argument(description="The home.")],
    measure: Annotated[str, strawberry.argument(description="TSM perception measure, TP01-TP12.")],
    answer: Annotated[
        str, strawberry.argument(description="TSM answer code, e.g. 'fairly-satisfied'.")
    ],
    survey_date: Annotated[
        Optional[dt.date], strawberry.argument(description="When answered (default today).")
    ] = None,
    idempotency_key: Annotated[Optional[str], strawberry.argument(description=IDEMPOTENCY)] = None,
) -> Any:
    """Record a satisfaction answer."""
    c = info.context
    return await _result(
        SatisfactionPayload,
        lambda: writes.submit_satisfaction(
            c.db,
            c.principal,
            home_id=_id(home_id, "Home", "homeId"),
            measure=measure,
            answer=answer,
            survey_date=survey_date,
            idempotency_key=idempotency_key,
        ),
    )


def _mutation_type() -> Any:
    namespace: dict[str, Any] = {"__module__": __name__}
    namespace["report_repair"] = strawberry.mutation(
        resolver=report_repair,
        graphql_type=RepairResult,
        description="Report a repair to a home (its resident or landlord).",
    )
    namespace["assign_repair"] = strawberry.mutation(
        resolver=assign_repair,
        graphql_type=RepairResult,
        description="Raise the work order: assign a contractor (landlord).",
    )
    namespace["update_repair_status"] = strawberry.mutation(
        resolver=update_repair_status,
        graphql_type=RepairResult,
        description="Change a repair's status (landlord or its contractor).",
    )
    namespace["complete_repair"] = strawberry.mutation(
        resolver=complete_repair,
        graphql_type=RepairResult,
        description="Complete a repair with its lines and cost.",
    )
    namespace["add_component"] = strawberry.mutation(
        resolver=add_component,
        graphql_type=ComponentResult,
        description="Record a new component of a home (landlord).",
    )
    namespace["replace_component"] = strawberry.mutation(
        resolver=replace_component,
        graphql_type=ComponentResult,
        description="Record that a component was replaced (landlord).",
    )
    namespace["record_inspection"] = strawberry.mutation(
        resolver=record_inspection,
        graphql_type=DampMouldCaseResult,
        description="Record a damp and mould investigation (landlord).",
    )
    namespace["report_damp_mould"] = strawberry.mutation(
        resolver=report_damp_mould,
        graphql_type=DampMouldCaseResult,
        description="Report damp and mould in a home: the Awaab's Law clock starts.",
    )
    namespace["submit_satisfaction"] = strawberry.mutation(
        resolver=submit_satisfaction,
        graphql_type=SatisfactionResult,
        description="Answer a Tenant Satisfaction Measures perception question about the home's "
        "landlord (its resident, or the landlord entering a survey); never published singly.",
    )
    from odx_graph.api.organisation_mutations import ORGANISATION_MUTATIONS

    namespace.update(ORGANISATION_MUTATIONS)
    cls = type("Mutation", (), namespace)
    return strawberry.type(cls, name="Mutation", description="Change the graph (needs an API key).")


Mutation = _mutation_type()
