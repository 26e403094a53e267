"""Insight, declared once: what repair performance can be grouped by, its counts and
its measures, each with its SQL over the per-repair facts ``f`` (the ``repair_fact``
table) and the words GraphQL shows for it; what damp and mould rates can be grouped by.

The statements (``store.analytics``), the services (``services.insight``) and the
GraphQL enums and types (``api.insight``: ``RepairDimension``, ``RepairPerformance``,
``PerformanceMeasure``; ``api.insight_damp``: ``DampMouldDimension``) are all derived
from these declarations, so adding a measure means adding one ``Measure`` here. The
definitions in words are in docs/insight.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from enum import auto


class Dimension(StrEnum):
    """What repair performance can be grouped by (each declared in ``GROUPINGS``)."""

    LANDLORD = auto()
    CONTRACTOR = auto()
    POSTCODE_AREA = auto()
    POSTCODE_DISTRICT = auto()
    POSTCODE_SECTOR = auto()
    MONTH = auto()
    PRIORITY = auto()
    TRADE = auto()
    SOR_SCHEDULE = auto()
    ESTATE = auto()
    BUILDING = auto()


@dataclass(frozen=True, slots=True)
class Grouping:
    """A grouping's value (SQL over ``f``; ``s.schedule`` for SOR schedules), its label
    (SQL over the value ``{k}``, looked up once per group), its description, and the join
    its value needs, if any (over ``f``)."""

    value: str
    label: str
    description: str
    join: str = ""


_ORGANISATION = "(SELECT name FROM organisation o WHERE o.id = {k})"
_ESTATE = "(SELECT name FROM estate e WHERE e.id = {k})"
_BUILDING = "(SELECT name FROM building b WHERE b.id = {k})"
# Every (estate, home) membership, however the estate lists it (migration 0023).
ESTATE_MEMBERS = "estate_home_member"

GROUPINGS: dict[Dimension, Grouping] = {
    Dimension.LANDLORD: Grouping("f.landlord_id", _ORGANISATION, "The landlord that raised it."),
    Dimension.CONTRACTOR: Grouping(
        "f.contractor_id", _ORGANISATION, "The contractor assigned (null when none)."
    ),
    Dimension.POSTCODE_AREA: Grouping(
        "f.postcode_area", "{k}", "Postcode area of the home, e.g. 'LS'."
    ),
    Dimension.POSTCODE_DISTRICT: Grouping(
        "f.postcode_district", "{k}", "Postcode district of the home, e.g. 'LS9'."
    ),
    Dimension.POSTCODE_SECTOR: Grouping(
        "f.postcode_sector", "{k}", "Postcode sector of the home, e.g. 'LS9 8'."
    ),
    Dimension.MONTH: Grouping("f.month", "{k}", "Month reported, UK time, 'YYYY-MM'."),
    Dimension.PRIORITY: Grouping(
        "f.priority_code", "(SELECT label FROM priority p WHERE p.code = {k})", "Priority code."
    ),
    Dimension.TRADE: Grouping(
        "f.trade_code", "(SELECT label FROM trade t WHERE t.code = {k})", "Trade code."
    ),
    Dimension.SOR_SCHEDULE: Grouping(
        "s.schedule",
        "{k}",
        "NHF SOR schedule of the repair's lines (a repair counts under each schedule its "
        "lines belong to).",
    ),
    Dimension.ESTATE: Grouping(
        "em.estate_id",
        _ESTATE,
        "The estate of the home (an Estate ID): a repair counts under each estate its home "
        "is a member of, and under null when it is in none.",
        join=f"LEFT JOIN {ESTATE_MEMBERS} em ON em.home_id = f.home_id",
    ),
    Dimension.BUILDING: Grouping(
        "fb.building_id",
        _BUILDING,
        "The building the home is in (a Building ID; null when none is recorded).",
        join="JOIN home fb ON fb.id = f.home_id",
    ),
}


@dataclass(frozen=True, slots=True)
class Share:
    """100 × the share of the repairs meeting ``among`` that also meet ``flag``."""

    flag: str
    among: str


@dataclass(frozen=True, slots=True)
class Mean:
    """The mean of ``value`` over the repairs meeting ``among`` (nulls left out)."""

    value: str
    among: str


@dataclass(frozen=True, slots=True)
class Total:
    """The sum of ``value`` over the repairs meeting ``among``."""

    value: str
    among: str


@dataclass(frozen=True, slots=True)
class Percentile:
    """The ``fraction`` percentile of ``value`` (interpolated, as ``percentile_cont``) over
    the repairs meeting ``among``. Each sorts its group's values."""

    fraction: float
    value: str
    among: str


Definition = Share | Mean | Total | Percentile


@dataclass(frozen=True, slots=True)
class Count:
    """A count of a group's repairs: those meeting ``condition``."""

    name: str
    condition: str
    description: str


@dataclass(frozen=True, slots=True)
class Measure:
    """A repair measure: its name (snake case; the GraphQL field is its camel case),
    definition, description, and, when landlords can be compared on it, how
    ``PerformanceMeasure`` describes it."""

    name: str
    definition: Definition
    description: str
    compared: str | None = None


@dataclass(frozen=True, slots=True)
class ComparedMeasure:
    """A measure of another insight that landlords can be compared on too."""

    name: str
    compared: str


# The repairs raised on a component due for planned replacement (the view
# repair_planned_replacement, migration 0025): a statement over the facts that uses it
# defines it once, over the repairs of its scope when that is a place (store.analytics).
PLANNED_REPLACEMENT = "planned_replacement"

_COMPLETED = "f.completed"
_COSTED = "f.completed AND f.cost IS NOT NULL"
_NOT_CANCELLED = "NOT f.cancelled"

COUNTS = (
    Count("raised", "true", "Repairs raised."),
    Count("completed", _COMPLETED, "Repairs completed."),
    Count("open", "f.is_open", "Repairs still open."),
)

MEASURES = (
    Measure(
        "median_hours",
        Percentile(0.5, "f.hours", _COMPLETED),
        "Median calendar hours from report to completion.",
        "Median hours.",
    ),
    Measure(
        "p90_hours",
        Percentile(0.9, "f.hours", _COMPLETED),
        "90th percentile of calendar hours to completion.",
    ),
    Measure(
        "median_working_days",
        Percentile(0.5, "f.working_days", _COMPLETED),
        "Median working days to completion (England and Wales bank holidays excluded).",
        "Median working days to complete.",
    ),
    Measure(
        "p90_working_days",
        Percentile(0.9, "f.working_days", _COMPLETED),
        "90th percentile of working days to completion.",
        "90th percentile of working days to complete.",
    ),
    Measure(
        "within_target_emergency_pct",
        Share("f.within_target", "f.completed AND f.has_target AND f.is_emergency"),
        "% of completed emergency repairs done within the landlord's own target (TSM RP02).",
        "RP02: % emergency repairs in target.",
    ),
    Measure(
        "within_target_non_emergency_pct",
        Share("f.within_target", "f.completed AND f.has_target AND NOT f.is_emergency"),
        "% of completed non-emergency repairs done within the landlord's own target (TSM RP02).",
        "RP02: % non-emergency repairs in target.",
    ),
    Measure(
        "cost_mean",
        Mean("f.cost", _COSTED),
        "Mean cost (GBP) of completed repairs with a cost.",
        "Mean cost of a repair.",
    ),
    Measure(
        "cost_median",
        Percentile(0.5, "f.cost", _COSTED),
        "Median cost (GBP).",
        "Median cost of a repair.",
    ),
    Measure("cost_total", Total("f.cost", _COMPLETED), "Total cost (GBP)."),
    Measure(
        "repeat_30_pct",
        Share("f.repeat_30", _NOT_CANCELLED),
        "% of repairs following another at the same home and trade within 30 days.",
        "% repeats in 30 days.",
    ),
    Measure(
        "repeat_90_pct",
        Share("f.repeat_90", _NOT_CANCELLED),
        "% of repairs following another at the same home and trade within 90 days.",
        "% repeats in 90 days.",
    ),
    Measure(
        "on_planned_replacement_pct",
        Share(f"f.id IN (SELECT p.repair_id FROM {PLANNED_REPLACEMENT} p)", _NOT_CANCELLED),
        "% of repairs (not cancelled) raised on a component due for planned replacement: "
        "a planned work for it, not cancelled nor done by the day the repair was reported, "
        "planned by that day plus the server's window (ODX_PLANNED_REPLACEMENT_MONTHS).",
        "% repairs on components due for planned replacement.",
    ),
    Measure(
        "first_time_fix_pct",
        Share("f.fixed_first_time", _COMPLETED),
        "% of completed repairs with no further repair of the same trade at the home "
        "within 30 days.",
        "% fixed first time.",
    ),
)

# Damp and mould measures (services.insight.damp) landlords can be compared on.
DAMP_MOULD_PER_1000_HOMES = ComparedMeasure(
    "damp_mould_per_1000_homes",
    "Damp and mould cases per 1,000 homes (the scope's dates are awareness dates).",
)
AWAAB_BREACH_PCT = ComparedMeasure(
    "awaab_breach_pct",
    "% of damp and mould cases with any Awaab's Law clock breached (the scope's dates are "
    "awareness dates).",
)

# What a provider comparison can use, in the order GraphQL lists them.
COMPARED: tuple[ComparedMeasure, ...] = (
    *(ComparedMeasure(m.name, m.compared) for m in MEASURES if m.compared is not None),
    DAMP_MOULD_PER_1000_HOMES,
    AWAAB_BREACH_PCT,
)


class DampDimension(StrEnum):
    """What damp and mould rates can be grouped by (each described in
    ``DAMP_GROUPINGS``; their SQL, split between homes and months, is in
    ``store.damp``)."""

    LANDLORD = auto()
    POSTCODE_DISTRICT = auto()
    AGE_BAND = auto()
    PROPERTY_TYPE = auto()
    EPC_BAND = auto()
    MONTH = auto()
    MONTH_OF_YEAR = auto()
    ESTATE = auto()
    BUILDING = auto()


DAMP_GROUPINGS: dict[DampDimension, str] = {
    DampDimension.LANDLORD: "The home's landlord.",
    DampDimension.POSTCODE_DISTRICT: "Postcode district of the home, e.g. 'LS9'.",
    DampDimension.AGE_BAND: "Building age band from the home's year built: 'pre-1919', "
    "'1919-1944', '1945-1964', '1965-1980', '1981-2000', '2001+' or 'unknown'.",
    DampDimension.PROPERTY_TYPE: "Property type code (null when not recorded).",
    DampDimension.EPC_BAND: "Band of the home's latest EPC (by lodgement date); 'none' "
    "without an EPC or when the latest has no band.",
    DampDimension.MONTH: "Month the landlord became aware of the case, UK time, 'YYYY-MM'.",
    DampDimension.MONTH_OF_YEAR: "Month of the year of awareness, '1'-'12', for a "
    "seasonal profile.",
    DampDimension.ESTATE: "The estate of the home (an Estate ID): a home counts under each "
    "estate it is a member of, and under null when it is in none.",
    DampDimension.BUILDING: "The building the home is in (a Building ID; null when none "
    "is recorded).",
}
