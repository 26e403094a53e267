"""Code-list records the generator draws from, and matching codes to the roles it needs.

The generator works in roles ("gas-boiler", "complete", "semi-detached"); `match_roles` finds
the code in the database's code lists that fits each role by its code and label, so the
generator follows whatever the ontology names them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from typing import NamedTuple


class Code(NamedTuple):
    """A code from a code list with its label."""

    code: str
    label: str


class ComponentTypeCode(NamedTuple):
    """A component type with its Decent Homes lifetimes in years."""

    code: str
    label: str
    is_key_component: bool
    lifetime_house: int | None
    lifetime_low_rise_flat: int | None
    lifetime_high_rise_flat: int | None


class PriorityCode(NamedTuple):
    """A repair priority with its response time (calendar hours or working days)."""

    code: str
    label: str
    response_hours: int | None
    response_working_days: int | None
    is_emergency: bool


class RepairStatusCode(NamedTuple):
    """A repair (work) status."""

    code: str
    label: str
    is_open: bool


class HazardLevelCode(NamedTuple):
    """An Awaab's Law hazard level with its timescales (calendar hours or working days)."""

    code: str
    label: str
    investigate_within_hours: int | None
    investigate_within_working_days: int | None
    summary_within_working_days: int | None
    make_safe_within_hours: int | None
    make_safe_within_working_days: int | None


class EpcBandCode(NamedTuple):
    """An EPC band with the SAP scores it covers (no maximum for the top band)."""

    code: str
    label: str
    sap_score_min: int | None
    sap_score_max: int | None


@dataclass(frozen=True)
class CodeLists:
    """The code lists the generator draws from, as stored in the database."""

    component_types: tuple[ComponentTypeCode, ...]
    trades: tuple[Code, ...]
    priorities: tuple[PriorityCode, ...]
    repair_statuses: tuple[RepairStatusCode, ...]
    sor_codes: tuple[tuple[str, str], ...]  # (code, schedule)
    conditions: tuple[Code, ...]
    property_types: tuple[Code, ...]
    built_forms: tuple[Code, ...]
    organisation_kinds: tuple[Code, ...] = ()
    # Damp and mould cases and EPCs; without these lists the demo has none of either.
    hhsrs_hazards: tuple[Code, ...] = ()
    hhsrs_categories: tuple[Code, ...] = ()
    hazard_levels: tuple[HazardLevelCode, ...] = ()
    damp_severities: tuple[Code, ...] = ()
    epc_bands: tuple[EpcBandCode, ...] = ()
    certificate_types: tuple[Code, ...] = ()


# Roles the generator needs, matched in order against "code label" (lower case, - and _ as
# spaces); the first pattern that matches claims the code (see match_roles).
COMPONENT_ROLES = (
    ("ventilation", r"ventilat|extract"),
    ("door-entry", r"door entry|entry ?phone|intercom|access control"),
    ("smoke-alarm", r"smoke|heat (alarm|detector)"),
    ("fire-detection", r"fire"),
    ("lift", r"\blifts?\b"),
    ("gas-boiler", r"boiler"),
    ("other-heating", r"other heat|storage heat|heat pump|heater"),
    ("heating-distribution", r"distribution|radiator"),
    ("external-doors", r"door"),
    ("windows", r"window"),
    ("electrics", r"electric|wiring"),
    ("roof-finish", r"roof (finish|cover)"),
    ("roof-structure", r"roof"),
    ("wall-finish", r"wall finish|render"),
    ("wall-structure", r"wall"),
    ("chimney", r"chimney"),
    ("lintels", r"lintel"),
    ("brickwork", r"brick|pointing"),
    ("kitchen", r"kitchen"),
    ("bathroom", r"bathroom"),
)
# HACT trade "HE" (heating engineer) is the nearest to a gas trade when none is labelled gas.
TRADE_ROLES = (
    ("gas", r"\bgas\b"),
    ("lifts", r"\blifts?\b"),
    ("door-entry", r"door entry|access control"),
    ("fire", r"fire"),
    ("electrical", r"electric"),
    ("plumbing", r"plumb"),
    ("heating", r"heat|^he\b"),
    ("drainage", r"drain"),
    ("roofing", r"roof"),
    ("glazing", r"glaz"),
    ("carpentry", r"carpent|joiner"),
    ("plastering", r"plaster"),
    ("decorating", r"decorat|paint"),
    ("bricklaying", r"brick"),
    ("general", r"multi ?(skilled|trade)|general|handy"),
)
# Trades to try, in order, when a role has no trade code of its own (before "general").
TRADE_FALLBACK = {
    "gas": ("heating", "plumbing"),
    "heating": ("plumbing", "gas"),
    "door-entry": ("electrical",),
    "fire": ("electrical",),
    "drainage": ("plumbing",),
    "damp": ("decorating", "plastering"),
    "glazing": ("carpentry",),
    "roofing": ("bricklaying",),
}
STATUS_ROLES = (
    ("cancelled", r"cancel"),
    ("complete", r"complet|closed|finish"),
    ("hold", r"hold|await|pending"),
    ("in-progress", r"progress|started|on site|attend"),
    ("scheduled", r"schedul|appoint|assign|issued"),
    ("reported", r"report|logged|new|raised|received|open"),
)
CONDITION_ROLES = (
    ("failed", r"fail|very poor|unservice|critical"),
    ("good", r"good"),
    ("fair", r"fair|satisf|average|moderate"),
    ("poor", r"poor|bad"),
)
PROPERTY_ROLES = (
    ("maisonette", r"maisonette"),
    ("bungalow", r"bungalow"),
    ("flat", r"flat|apartment"),
    ("house", r"house"),
)
FORM_ROLES = (
    ("enclosed", r"enclosed"),
    ("semi-detached", r"semi"),
    ("end-terrace", r"\bend"),
    ("mid-terrace", r"mid|terrace"),
    ("detached", r"detached"),
)
HAZARD_ROLES = (("damp-mould", r"damp|mould"),)
# "none" comes first: its label ("No emergency or significant hazard") names the others.
HAZARD_LEVEL_ROLES = (
    ("none", r"^none\b|\bno (emergency|significant|hazard)"),
    ("emergency", r"emergenc"),
    ("significant", r"significant"),
)
CATEGORY_ROLES = (("category-1", r"\b1\b|serious"), ("category-2", r"\b2\b"))
SEVERITY_ROLES = (("high", r"high|severe"), ("medium", r"medium|moderate"), ("low", r"low|minor"))
CERTIFICATE_ROLES = (("epc", r"\bepc\b|energy performance"),)
KIND_ROLES = (
    ("contractor", r"contractor|supplier"),
    ("local-authority", r"local|council|authority"),
    ("landlord", r"landlord|provider|housing"),
)


def match_roles(
    items: Iterable[tuple[str, str]], roles: Sequence[tuple[str, str]]
) -> dict[str, str]:
    """Map each role to the code that fits it best.

    A code belongs to the first role whose pattern matches its code or label. Among a role's
    codes, a single trade beats a gang, a main code beats a sub-code ("PL" before "PL-DR"), a
    match at the start beats one later in the label, then the lowest code wins.
    """
    best: dict[str, tuple[tuple[bool, bool, bool, str], str]] = {}
    for code, label in items:
        text = re.sub(r"[-_/]", " ", f"{code} {label}".lower())
        for role, pattern in roles:
            found = re.search(pattern, text)
            if found:
                rank = ("gang" in text, "-" in code, found.start() not in (0, len(code) + 1), code)
                if role not in best or rank < best[role][0]:
                    best[role] = (rank, code)
                break
    return {role: code for role, (_, code) in best.items()}


def code_lists_from_tables(tables: Mapping[str, Sequence[Mapping[str, Any]]]) -> CodeLists:
    """Build :class:`CodeLists` from the code-list tables' rows (see ``store.bulk``)."""

    def pairs(table: str) -> tuple[Code, ...]:
        return tuple(Code(r["code"], r["label"]) for r in tables.get(table, ()))

    return CodeLists(
        component_types=tuple(ComponentTypeCode(*r.values()) for r in tables["component_type"]),
        trades=pairs("trade"),
        priorities=tuple(PriorityCode(*r.values()) for r in tables["priority"]),
        repair_statuses=tuple(RepairStatusCode(*r.values()) for r in tables["repair_status"]),
        sor_codes=tuple((r["code"], r["schedule"]) for r in tables["sor_code"]),
        conditions=pairs("condition"),
        property_types=pairs("property_type"),
        built_forms=pairs("built_form"),
        organisation_kinds=pairs("organisation_kind"),
        hhsrs_hazards=pairs("hhsrs_hazard"),
        hhsrs_categories=pairs("hhsrs_category"),
        hazard_levels=tuple(
            HazardLevelCode(*r.values()) for r in tables.get("awaab_hazard_level", ())
        ),
        damp_severities=pairs("damp_mould_severity"),
        epc_bands=tuple(EpcBandCode(*r.values()) for r in tables.get("epc_band", ())),
        certificate_types=pairs("certificate_type"),
    )
