"""Who may do each write: one :class:`Rule` per operation, by the operation's name (the
name its audit events carry), read by :func:`~odx_graph.services.writes.operation.perform`."""

from __future__ import annotations

from dataclasses import dataclass

from odx_graph.core.access import Scope
from odx_graph.core.access import Tier

LANDLORD = frozenset({Tier.PROVIDER, Tier.ADMIN})
LANDLORD_OR_RESIDENT = frozenset({Tier.RESIDENT, Tier.PROVIDER, Tier.ADMIN})
LANDLORD_OR_CONTRACTOR = frozenset({Tier.PROVIDER, Tier.CONTRACTOR, Tier.ADMIN})


@dataclass(frozen=True, slots=True)
class Rule:
    """What an operation acts on and who may: one of ``tiers``, and tied to the record as
    its landlord, its assigned contractor or its home's resident (whichever of these the
    tiers include), with ``scope`` for resident tokens."""

    subject: str  # "home", "repair", "component", "damp_mould_case", "api_key"
    field: str  # the input field naming the record
    tiers: frozenset[Tier]
    refusal: str
    scope: Scope | None = None


# Adding items to a programme, one by one or from a list (planThese).
_PLAN_WORKS = Rule(
    "programme", "programmeId", LANDLORD, "only the programme's landlord may plan its works"
)
# Updating, completing and cancelling a planned item.
_CHANGE_PLANNED_WORK = Rule(
    "planned_work", "plannedWorkId", LANDLORD, "only the programme's landlord may change its works"
)

RULES: dict[str, Rule] = {
    # -- repairs
    "reportRepair": Rule(
        "home",
        "homeId",
        LANDLORD_OR_RESIDENT,
        "only the home's resident or landlord may report a repair to it",
        Scope.REPAIRS,
    ),
    "assignRepair": Rule(
        "repair", "repairId", LANDLORD, "only the repair's landlord may assign it"
    ),
    "updateRepairStatus": Rule(
        "repair",
        "repairId",
        LANDLORD_OR_CONTRACTOR,
        "only the repair's landlord or its assigned contractor may change its status",
    ),
    "completeRepair": Rule(
        "repair",
        "repairId",
        LANDLORD_OR_CONTRACTOR,
        "only the repair's landlord or its assigned contractor may complete it",
    ),
    "correctRepair": Rule(
        "repair", "repairId", LANDLORD, "only the repair's landlord may correct its completion"
    ),
    # -- homes: components, damp and mould, satisfaction
    "addComponent": Rule(
        "home", "homeId", LANDLORD, "only the home's landlord may record its components"
    ),
    "replaceComponent": Rule(
        "component", "componentId", LANDLORD, "only the home's landlord may replace its components"
    ),
    "reportDampMould": Rule(
        "home",
        "homeId",
        LANDLORD_OR_RESIDENT,
        "only the home's resident or landlord may report damp and mould in it",
        Scope.DAMP_MOULD,
    ),
    "recordInspection": Rule(
        "damp_mould_case",
        "caseId",
        LANDLORD,
        "only the case's landlord may record its investigation",
    ),
    "submitSatisfaction": Rule(
        "home",
        "homeId",
        LANDLORD_OR_RESIDENT,
        "only the home's resident or landlord may record its satisfaction answers",
        Scope.SATISFACTION,
    ),
    # -- resident tokens
    "issueResidentToken": Rule(
        "home", "home", LANDLORD, "only the home's landlord may issue resident tokens for it"
    ),
    "revokeResidentToken": Rule(
        "api_key", "tokenId", LANDLORD, "only the home's landlord may revoke its resident tokens"
    ),
    # -- estates
    "createEstate": Rule(
        "landlord", "landlordId", LANDLORD, "only a landlord may create its estates"
    ),
    "updateEstate": Rule(
        "estate", "estateId", LANDLORD, "only the estate's landlord may change it"
    ),
    # -- planned works
    "createProgramme": Rule(
        "landlord", "landlordId", LANDLORD, "only the landlord may create its programmes"
    ),
    "addPlannedWork": _PLAN_WORKS,
    "planThese": _PLAN_WORKS,
    "updatePlannedWork": _CHANGE_PLANNED_WORK,
    "completePlannedWork": _CHANGE_PLANNED_WORK,
    "cancelPlannedWork": _CHANGE_PLANNED_WORK,
}
