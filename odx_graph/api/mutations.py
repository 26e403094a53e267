"""GraphQL mutations: each takes one ``input`` object and returns a union of its payload
and ``MutationError``.

Expected failures (not allowed, not found, bad input, a conflict with the record's state
or an earlier request) are a ``MutationError`` with ``code``, ``field`` and ``message``:
part of the schema, so clients select ``... on MutationError`` and switch on the code.
Unexpected failures are masked like any other error.

Every mutation is declared once in :data:`MUTATIONS`: its input type, its result and the
write service function it calls. The input's fields are that function's keyword
arguments (global IDs decoded, enum values turned into codes, nested inputs into the
service's own values), so no mutation has a resolver of its own.
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import inspect
from collections.abc import Awaitable
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated
from typing import Any
from typing import Optional
from typing import Union
from typing import cast

import strawberry
from strawberry.types import Info
from strawberry.types.base import get_object_definition

from odx_graph.api import entity_types as gen
from odx_graph.api.codes import MutationErrorCode
from odx_graph.api.codes import code_enums
from odx_graph.api.context import Context
from odx_graph.api.errors import RETRYABLE
from odx_graph.api.input_fields import idempotency
from odx_graph.api.input_fields import node_id
from odx_graph.api.input_fields import optional
from odx_graph.api.lookup import HomeLookupInput
from odx_graph.api.planned_work_inputs import AddPlannedWorkInput
from odx_graph.api.planned_work_inputs import CancelPlannedWorkInput
from odx_graph.api.planned_work_inputs import CompletePlannedWorkInput
from odx_graph.api.planned_work_inputs import CreateProgrammeInput
from odx_graph.api.planned_work_inputs import PlanTheseInput
from odx_graph.api.planned_work_inputs import UpdatePlannedWorkInput
from odx_graph.api.residents import ResidentScope
from odx_graph.api.residents import ResidentToken
from odx_graph.api.residents import resident_token_by_key
from odx_graph.core.errors import OdxError
from odx_graph.core.ids import decode_int_id
from odx_graph.mapping import MAPPING
from odx_graph.services import writes

PriorityCode = code_enums()["Priority"]
RepairStatusCode = code_enums()["RepairStatus"]


@strawberry.type(description="Why a mutation did not happen.")
class MutationError:
    """An expected failure, typed in the schema."""

    code: MutationErrorCode = strawberry.field(
        description="Machine-readable reason: BAD_USER_INPUT, NOT_FOUND, FORBIDDEN, CONFLICT..."
    )
    field: Optional[str] = strawberry.field(description="The input field at fault, if one is.")
    message: str = strawberry.field(description="What went wrong, for people.")


def _replayed() -> Any:
    """The ``replayed`` field every payload has."""
    return strawberry.field(
        description="True when this is the stored result of an earlier call with the same "
        "idempotency key."
    )


def _payload(name: str, entity: str, noun: str) -> Any:
    async def record(root: Any, info: Info[Context, None]) -> Any:
        return await info.context.loaders.by_key(MAPPING[entity]).load(root["key"])

    namespace = {
        # Annotations name generated types ("Repair"), which live in the entity_types module.
        "__module__": gen.__name__,
        "__annotations__": {entity[0].lower() + entity[1:]: entity, "replayed": bool},
        entity[0].lower() + entity[1:]: strawberry.field(
            resolver=gen.make_resolver(record, [], entity),
            description=f"The {noun} as it is after the mutation.",
        ),
        "replayed": _replayed(),
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
OrganisationPayload = _payload("OrganisationPayload", "Organisation", "organisation")
InvestmentProgrammePayload = _payload(
    "InvestmentProgrammePayload", "InvestmentProgramme", "investment programme"
)
PlannedWorkPayload = _payload("PlannedWorkPayload", "PlannedWork", "planned work")
EstatePayload = _payload("EstatePayload", "Estate", "estate")


@strawberry.type(description="A satisfaction answer was recorded.")
class SatisfactionPayload:
    """Answers are not readable one by one, so the payload only confirms."""

    recorded: bool = strawberry.field(description="Always true.")
    replayed: bool = _replayed()


@strawberry.type(description="A resident token was issued or revoked.")
class ResidentTokenPayload:
    """The token's record and, when just issued, the token itself."""

    token: Optional[str] = strawberry.field(
        description="The token (`odx_...`), shown this once: hand it to the resident's app, "
        "which sends it as `Authorization: Bearer <token>`. Null when revoking, and when "
        "this is a replay of an earlier call with the same idempotency key."
    )
    replayed: bool = _replayed()
    key: strawberry.Private[int]

    @strawberry.field(  # type: ignore[untyped-decorator]
        description="The token's record as it is after the mutation."
    )
    async def resident_token(self, info: Info[Context, None]) -> Optional[ResidentToken]:
        """The token's record."""
        return await resident_token_by_key(info, self.key)


def _union(name: str, payload: Any, description: str) -> Any:
    return Annotated[
        cast(Any, Union)[payload, MutationError],
        strawberry.union(name, description=description),
    ]


RepairResult: Any = _union("RepairResult", RepairPayload, "The repair, or why not.")
ComponentResult: Any = _union("ComponentResult", ComponentPayload, "The component, or why not.")
DampMouldCaseResult: Any = _union(
    "DampMouldCaseResult", DampMouldCasePayload, "The case, or why not."
)
SatisfactionResult: Any = _union("SatisfactionResult", SatisfactionPayload, "Recorded, or why not.")
ResidentTokenResult: Any = _union(
    "ResidentTokenResult", ResidentTokenPayload, "The token, or why not."
)
OrganisationResult: Any = _union(
    "OrganisationResult", OrganisationPayload, "The organisation, or why not."
)
InvestmentProgrammeResult: Any = _union(
    "InvestmentProgrammeResult", InvestmentProgrammePayload, "The programme, or why not."
)
PlannedWorkResult: Any = _union(
    "PlannedWorkResult", PlannedWorkPayload, "The planned work, or why not."
)

EstateResult: Any = _union("EstateResult", EstatePayload, "The estate, or why not.")


# -- inputs -----------------------------------------------------------------------------


def _home_id() -> Any:
    """The field naming the home a mutation writes to."""
    return node_id("Home", "Global ID of the home.")


def _repair_id() -> Any:
    """The field naming the repair a mutation changes."""
    return node_id("Repair", "Global ID of the repair.")


@strawberry.input(description="A repair reported by a resident or the landlord.")
class ReportRepairInput:
    """What is wrong, where."""

    home_id: strawberry.ID = _home_id()
    description: Optional[str] = optional("What is wrong, in the reporter's words (private).")
    priority: Optional[PriorityCode] = optional(  # type: ignore[valid-type]
        "Priority (landlords only; default P4, routine)."
    )
    trade: Optional[str] = optional("Trade code, if known.")
    idempotency_key: Optional[str] = idempotency()


@strawberry.input(description="A contractor assigned to a repair (the work order raised).")
class AssignRepairInput:
    """Who does the work, and optionally a new priority or target."""

    repair_id: strawberry.ID = _repair_id()
    contractor_id: strawberry.ID = node_id("Organisation", "The contractor organisation.")
    priority: Optional[PriorityCode] = optional(  # type: ignore[valid-type]
        "New priority: the target becomes the new priority's, counted from when the repair "
        "was reported, unless `targetAt` is given."
    )
    target_at: Optional[dt.datetime] = optional("New target time.")
    idempotency_key: Optional[str] = idempotency()


@strawberry.input(description="A repair's new status.")
class UpdateRepairStatusInput:
    """Any status but complete (see `completeRepair`)."""

    repair_id: strawberry.ID = _repair_id()
    status: RepairStatusCode = strawberry.field(  # type: ignore[valid-type]
        description="The new status."
    )
    note: Optional[str] = optional("A note (private).")
    idempotency_key: Optional[str] = idempotency()


@strawberry.input(description="A Schedule of Rates line of a completed repair.")
class RepairLineInput:
    """Code, quantity and costs."""

    sor_code: str = strawberry.field(description="NHF SOR v7 code or the landlord's own.")
    quantity: decimal.Decimal = strawberry.field(description="Quantity of the item.")
    unit_cost: Optional[decimal.Decimal] = optional("Cost per unit in GBP.")
    cost: Optional[decimal.Decimal] = optional(
        "Line cost in GBP; worked out as quantity x unit cost (rounded half up to the penny) "
        "when left out, and must equal it when both are given."
    )

    def to_command(self) -> writes.Line:
        """The line as the write service takes it."""
        return writes.Line(self.sor_code, self.quantity, self.unit_cost, self.cost)


@strawberry.input(description="A repair completed, with what was done.")
class CompleteRepairInput:
    """Lines, cost and when."""

    repair_id: strawberry.ID = _repair_id()
    lines: list[RepairLineInput] = strawberry.field(description="What was done.")
    cost: Optional[decimal.Decimal] = optional(
        "Total cost in GBP. When every line has a cost it is their sum: worked out when left "
        "out, refused when different. Otherwise it may not be less than the known line costs."
    )
    completed_at: Optional[dt.datetime] = optional("When (default now).")
    note: Optional[str] = optional("A note (private).")
    idempotency_key: Optional[str] = idempotency()


@strawberry.input(description="A correction of a completed repair, with its reason.")
class CorrectRepairInput:
    """Only what is given changes; the values replaced are kept in the audit trail."""

    repair_id: strawberry.ID = node_id("Repair", "Global ID of the completed repair.")
    reason: str = strawberry.field(description="Why it is corrected (1-1000 characters).")
    cost: Optional[decimal.Decimal] = optional(
        "The corrected total cost, checked against the lines as on completion."
    )
    lines: Optional[list[RepairLineInput]] = optional("The corrected lines, replacing all.")
    completed_at: Optional[dt.datetime] = optional("The corrected completion time.")
    idempotency_key: Optional[str] = idempotency()


@strawberry.input(description="A new component of a home.")
class AddComponentInput:
    """Its type, and what is known of it."""

    home_id: strawberry.ID = _home_id()
    component_type: str = strawberry.field(description="Component type code.")
    install_date: Optional[dt.date] = optional("When installed.")
    condition: Optional[str] = optional("Condition code.")
    make: Optional[str] = optional("Manufacturer.")
    model: Optional[str] = optional("Model.")
    idempotency_key: Optional[str] = idempotency()


@strawberry.input(description="A component replaced by a new one of its type.")
class ReplaceComponentInput:
    """The new one's facts; the component's history stays."""

    component_id: strawberry.ID = node_id("Component", "Global ID of the component.")
    install_date: dt.date = strawberry.field(description="When the new one was installed.")
    condition: Optional[str] = optional("Its condition code.")
    make: Optional[str] = optional("Manufacturer.")
    model: Optional[str] = optional("Model.")
    idempotency_key: Optional[str] = idempotency()


@strawberry.input(description="Damp and mould reported in a home.")
class ReportDampMouldInput:
    """The Awaab's Law clocks start when it is reported (or at `awareAt`)."""

    home_id: strawberry.ID = _home_id()
    hazard_level: Optional[str] = optional("emergency or significant (landlord).")
    severity: Optional[str] = optional("Severity code.")
    aware_at: Optional[dt.datetime] = optional(
        "When the landlord became aware (landlord; default now)."
    )
    idempotency_key: Optional[str] = idempotency()


@strawberry.input(description="The dates and findings of a damp and mould investigation.")
class InspectionInput:
    """Only the fields given are set."""

    case_id: strawberry.ID = node_id("DampMouldCase", "Global ID of the case.")
    investigation_started_at: Optional[dt.datetime] = optional("When the investigation started.")
    investigation_completed_at: Optional[dt.datetime] = optional("When it was completed.")
    written_summary_sent_at: Optional[dt.datetime] = optional(
        "When the written summary was sent to the resident."
    )
    made_safe_at: Optional[dt.datetime] = optional("When the home was made safe.")
    hazard_level: Optional[str] = optional("Awaab's Law hazard level: emergency or significant.")
    hhsrs_category: Optional[str] = optional("HHSRS category found: 1 or 2.")
    severity: Optional[str] = optional("Severity code.")
    further_works_required: Optional[bool] = optional("Whether further works are needed.")
    idempotency_key: Optional[str] = idempotency()


@strawberry.input(description="An answer to a Tenant Satisfaction Measures question.")
class SubmitSatisfactionInput:
    """About the home's landlord."""

    home_id: strawberry.ID = _home_id()
    measure: str = strawberry.field(description="TSM perception measure, TP01-TP12.")
    answer: str = strawberry.field(description="TSM answer code, e.g. 'fairly-satisfied'.")
    survey_date: Optional[dt.date] = optional("When answered (default today).")
    idempotency_key: Optional[str] = idempotency()


@strawberry.input(description="A new estate of yours: a named group of your homes.")
class CreateEstateInput:
    """Its name and reference, and its members by any of three routes."""

    landlord_id: strawberry.ID = node_id("Organisation", "The landlord (your organisation).")
    reference: str = strawberry.field(description="Your reference of the estate (1-100).")
    name: str = strawberry.field(description="The estate's name (1-200 characters).")
    building_ids: Optional[list[strawberry.ID]] = node_id(
        "Building", "Buildings of yours: every home in them is a member.", required=False
    )
    home_ids: Optional[list[strawberry.ID]] = node_id(
        "Home", "Homes of yours, listed one by one.", required=False
    )
    postcodes: Optional[list[str]] = optional(
        "Full postcodes ('SW1A 2AA') and postcode sectors ('SW1A 2'): your homes there are members."
    )
    idempotency_key: Optional[str] = idempotency()


@strawberry.input(description="A change to one of your estates.")
class UpdateEstateInput:
    """Only what is given changes; a list given replaces the list it names."""

    estate_id: strawberry.ID = node_id("Estate", "Global ID of the estate.")
    reference: Optional[str] = optional("A new reference.")
    name: Optional[str] = optional("A new name.")
    building_ids: Optional[list[strawberry.ID]] = node_id(
        "Building", "The listed buildings, replacing all.", required=False
    )
    home_ids: Optional[list[strawberry.ID]] = node_id(
        "Home", "The listed homes, replacing all.", required=False
    )
    postcodes: Optional[list[str]] = optional("The postcodes and sectors, replacing all.")
    idempotency_key: Optional[str] = idempotency()


@strawberry.input(description="A resident token for one of your homes.")
class IssueResidentTokenInput:
    """The home, and how long and for what the token works."""

    home: HomeLookupInput = strawberry.field(
        description="The home, by global ID, UPRN or your own reference."
    )
    name: str = strawberry.field(description="What it is for, e.g. 'Flat 3 repairs app'.")
    expires_at: Optional[dt.datetime] = optional(
        "When it stops working (at most ODX_RESIDENT_TOKEN_MAX_DAYS ahead)."
    )
    expires_in_days: Optional[int] = optional(
        "Or: days until it stops working (default ODX_RESIDENT_TOKEN_DAYS)."
    )
    scopes: Optional[list[ResidentScope]] = optional(
        "What it may do; leave out for everything a resident may."
    )
    idempotency_key: Optional[str] = idempotency()


@strawberry.input(description="A resident token to revoke.")
class RevokeResidentTokenInput:
    """It stops working at once, open subscriptions included."""

    token_id: strawberry.ID = node_id("ResidentToken", "Global ID of the token's record.")
    idempotency_key: Optional[str] = idempotency()


ROLES = "Role codes (organisation kinds): landlord, contractor, local-authority."


@strawberry.input(description="An organisation to register.")
class AddOrganisationInput:
    """Its name (new, in any case) and roles."""

    name: str = strawberry.field(description="The organisation's name; names are unique.")
    roles: list[str] = strawberry.field(description=ROLES + " The first is its main kind.")
    registration_number: Optional[str] = optional(
        "Regulator of Social Housing registration number."
    )


@strawberry.input(description="What to change about an organisation.")
class UpdateOrganisationInput:
    """Fields left out stay as they are."""

    organisation_id: strawberry.ID = node_id(
        "Organisation", "Global ID of the organisation.", name="id"
    )
    name: Optional[str] = optional("A new, unused name.")
    registration_number: Optional[str] = optional("A new registration number ('' clears it).")
    website: Optional[str] = optional("'' clears it.")
    add_roles: list[str] = strawberry.field(default_factory=list, description=ROLES)
    remove_roles: list[str] = strawberry.field(
        default_factory=list,
        description="Roles to take away (not one it still uses: landlord of homes or "
        "repairs, contractor of jobs).",
    )
    kind: Optional[str] = optional("Its main role (becomes one of its roles).")


@strawberry.input(description="Two organisations that are one.")
class MergeOrganisationsInput:
    """``from`` is merged into ``into`` and removed."""

    source: strawberry.ID = node_id(
        "Organisation", "Global ID of the organisation that goes.", name="from"
    )
    into: strawberry.ID = node_id("Organisation", "Global ID of the one that stays.")


# -- the one mechanism ------------------------------------------------------------------


def arguments(value: Any, prefix: str = "") -> dict[str, Any]:
    """An input object's fields as the write service's keyword arguments: global IDs
    decoded to keys (an ``InputError`` names the field), enum values as their codes,
    nested inputs as the service's values (their ``to_command``)."""
    definition = get_object_definition(value, strict=True)
    found = {}
    for item in definition.fields:
        name = f"{prefix}{item.graphql_name or _camel(item.python_name)}"
        found[item.python_name] = _argument(getattr(value, item.python_name), item, name)
    return found


def _argument(value: Any, item: Any, name: str) -> Any:
    node = (item.metadata or {}).get("node")
    if value is None:
        return None
    if isinstance(value, list):
        return [_argument(v, item, f"{name}[{n}]") for n, v in enumerate(value)]
    if node is not None:
        return decode_int_id(value, node, field=name)
    if isinstance(value, enum.Enum):
        return value.value
    if hasattr(value, "to_command"):
        return value.to_command()
    return value


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p.title() for p in rest)


async def _result(payload: Any, call: Callable[[], Awaitable[writes.Written]]) -> Any:
    """Run ``call``; its expected failures become a :class:`MutationError`."""
    try:
        written = await call()
    except OdxError as exc:
        if exc.code in RETRYABLE:
            raise  # not about the request: a top-level, retryable error like any read's
        return MutationError(
            code=MutationErrorCode[exc.code.value], field=exc.field, message=exc.message
        )
    if payload is SatisfactionPayload:
        return SatisfactionPayload(recorded=True, replayed=written.replayed)
    if payload is ResidentTokenPayload:
        return ResidentTokenPayload(
            token=written.secret, replayed=written.replayed, key=written.key
        )
    return {"__typename": payload.__name__, "key": written.key, "replayed": written.replayed}


@dataclass(frozen=True, slots=True)
class Declared:
    """One mutation: its input, the service it calls, what it returns."""

    name: str
    input: type
    service: Callable[..., Awaitable[writes.Written]]
    result: Any
    payload: Any
    description: str
    # Values the service takes from the context rather than the input.
    context: Callable[[Context], dict[str, Any]] | None = None


def _token_policy(context: Context) -> dict[str, Any]:
    settings = context.settings
    return {
        "policy": writes.TokenPolicy(settings.resident_token_days, settings.resident_token_max_days)
    }


MUTATIONS = (
    Declared(
        "report_repair",
        ReportRepairInput,
        writes.report_repair,
        RepairResult,
        RepairPayload,
        "Report a repair to a home (its resident or landlord).",
    ),
    Declared(
        "assign_repair",
        AssignRepairInput,
        writes.assign_repair,
        RepairResult,
        RepairPayload,
        "Raise the work order: assign a contractor (landlord). A new priority sets the "
        "target from its timescale unless a target is given.",
    ),
    Declared(
        "update_repair_status",
        UpdateRepairStatusInput,
        writes.update_repair_status,
        RepairResult,
        RepairPayload,
        "Change a repair's status (landlord or its contractor).",
    ),
    Declared(
        "complete_repair",
        CompleteRepairInput,
        writes.complete_repair,
        RepairResult,
        RepairPayload,
        "Complete a repair with its lines and cost (checked against each other).",
    ),
    Declared(
        "correct_repair",
        CorrectRepairInput,
        writes.correct_repair,
        RepairResult,
        RepairPayload,
        "Correct a completed repair's cost, lines or completion time (landlord); the audit "
        "trail keeps what it replaced and why.",
    ),
    Declared(
        "add_component",
        AddComponentInput,
        writes.add_component,
        ComponentResult,
        ComponentPayload,
        "Record a new component of a home (landlord).",
    ),
    Declared(
        "replace_component",
        ReplaceComponentInput,
        writes.replace_component,
        ComponentResult,
        ComponentPayload,
        "Record that a component was replaced (landlord).",
    ),
    Declared(
        "record_inspection",
        InspectionInput,
        writes.record_inspection,
        DampMouldCaseResult,
        DampMouldCasePayload,
        "Record a damp and mould investigation (landlord).",
    ),
    Declared(
        "report_damp_mould",
        ReportDampMouldInput,
        writes.report_damp_mould,
        DampMouldCaseResult,
        DampMouldCasePayload,
        "Report damp and mould in a home: the Awaab's Law clock starts.",
    ),
    Declared(
        "submit_satisfaction",
        SubmitSatisfactionInput,
        writes.submit_satisfaction,
        SatisfactionResult,
        SatisfactionPayload,
        "Answer a Tenant Satisfaction Measures perception question about the home's "
        "landlord (its resident, or the landlord entering a survey); never published singly.",
    ),
    Declared(
        "issue_resident_token",
        IssueResidentTokenInput,
        writes.issue_resident_token,
        ResidentTokenResult,
        ResidentTokenPayload,
        "Issue a token for a resident of one of your homes (landlord): it expires, may be "
        "limited to scopes, and is shown once.",
        _token_policy,
    ),
    Declared(
        "revoke_resident_token",
        RevokeResidentTokenInput,
        writes.revoke_resident_token,
        ResidentTokenResult,
        ResidentTokenPayload,
        "Revoke a resident token of one of your homes (landlord): it stops working at once, "
        "open subscriptions included.",
    ),
    Declared(
        "create_estate",
        CreateEstateInput,
        writes.create_estate,
        EstateResult,
        EstatePayload,
        "Create an estate of yours (landlord): listed homes, listed buildings and postcodes "
        "or sectors; only your own homes are ever members.",
    ),
    Declared(
        "update_estate",
        UpdateEstateInput,
        writes.update_estate,
        EstateResult,
        EstatePayload,
        "Rename an estate of yours or replace a list of its members (landlord).",
    ),
    Declared(
        "add_organisation",
        AddOrganisationInput,
        writes.add_organisation,
        OrganisationResult,
        OrganisationPayload,
        "Register an organisation with one or more roles (admin).",
    ),
    Declared(
        "update_organisation",
        UpdateOrganisationInput,
        writes.update_organisation,
        OrganisationResult,
        OrganisationPayload,
        "Rename an organisation, or change its registration number, website or roles (admin).",
    ),
    Declared(
        "merge_organisations",
        MergeOrganisationsInput,
        writes.merge_organisations,
        OrganisationResult,
        OrganisationPayload,
        "Merge one organisation into another: its references, homes, repairs, imports and "
        "keys move, records both knew by one reference become one (admin).",
    ),
    Declared(
        "create_programme",
        CreateProgrammeInput,
        writes.create_programme,
        InvestmentProgrammeResult,
        InvestmentProgrammePayload,
        "Create an investment programme for a financial year (landlord).",
    ),
    Declared(
        "add_planned_work",
        AddPlannedWorkInput,
        writes.add_planned_work,
        PlannedWorkResult,
        PlannedWorkPayload,
        "Add a planned item to a programme: a component, or a component type in a home or "
        "building, by a date (landlord).",
    ),
    Declared(
        "update_planned_work",
        UpdatePlannedWorkInput,
        writes.update_planned_work,
        PlannedWorkResult,
        PlannedWorkPayload,
        "Move a planned item's date, change its estimate or cost so far, start it, or "
        "change the repairs it replaces (landlord).",
    ),
    Declared(
        "complete_planned_work",
        CompletePlannedWorkInput,
        writes.complete_planned_work,
        PlannedWorkResult,
        PlannedWorkPayload,
        "Record a planned item done, with its actual cost; a named component is recorded "
        "as replaced that day (landlord).",
    ),
    Declared(
        "cancel_planned_work",
        CancelPlannedWorkInput,
        writes.cancel_planned_work,
        PlannedWorkResult,
        PlannedWorkPayload,
        "Cancel a planned item that is not done (landlord).",
    ),
    Declared(
        "plan_these",
        PlanTheseInput,
        writes.plan_these,
        InvestmentProgrammeResult,
        InvestmentProgrammePayload,
        "Turn the proactive work list, or the components of a type the replacement "
        "forecast has due by the end of the programme's year, into planned items of the "
        "programme; components already planned are left out (landlord).",
    ),
)


def _resolver(declared: Declared) -> Callable[..., Any]:
    async def resolve(root: Any, info: Info[Context, None], input: Any) -> Any:
        context = info.context

        async def call() -> writes.Written:
            # Inside the call, so a malformed ID is a MutationError like any bad input.
            values = arguments(input)
            if declared.context is not None:
                values.update(declared.context(context))
            return await declared.service(context.db, context.principal, **values)

        return await _result(declared.payload, call)

    parameter = inspect.Parameter(
        "input",
        inspect.Parameter.KEYWORD_ONLY,
        annotation=Annotated[
            declared.input, strawberry.argument(description="The mutation's input.")
        ],
    )
    return gen.make_resolver(resolve, [parameter], declared.result)


def _mutation_type() -> Any:
    namespace: dict[str, Any] = {"__module__": __name__}
    for declared in MUTATIONS:
        namespace[declared.name] = strawberry.mutation(
            resolver=_resolver(declared),
            graphql_type=declared.result,
            description=declared.description + " Select `... on MutationError { code field "
            "message }` to learn why it did not happen.",
        )
    cls = type("Mutation", (), namespace)
    return strawberry.type(cls, name="Mutation", description="Change the graph (needs an API key).")


Mutation = _mutation_type()
