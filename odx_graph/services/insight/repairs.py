"""Insight: repair performance and damp and mould measures by any grouping, Awaab's Law
clocks, provider comparison with robust outlier flags, and the privacy rules for
publishing them."""

from __future__ import annotations

import statistics
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from odx_graph.core.access import Principal
from odx_graph.core.config import Settings
from odx_graph.store.analytics import MEASURES as REPAIR_MEASURES
from odx_graph.store.analytics import (
    Dimension,
    MarketScope,
    RepairScope,
    open_jobs,
    repair_performance,
    replacement_forecast,
    sor_rates,
)
from odx_graph.store.damp import DampDimension, DampScope
from odx_graph.store.db import Database

COUNTS = ("raised", "completed", "open")
MEASURES = tuple(REPAIR_MEASURES)
# Iglewicz and Hoaglin's modified z-score: 0.6745 (x - median) / MAD; |z| > 3.5 is an
# outlier. The constant makes the MAD comparable with a standard deviation.
MAD_SCALE = 0.6745
OUTLIER_THRESHOLD = 3.5


class Measure(StrEnum):
    """Measures a provider comparison can use."""

    MEDIAN_HOURS = "median_hours"
    MEDIAN_WORKING_DAYS = "median_working_days"
    P90_WORKING_DAYS = "p90_working_days"
    WITHIN_TARGET_EMERGENCY_PCT = "within_target_emergency_pct"
    WITHIN_TARGET_NON_EMERGENCY_PCT = "within_target_non_emergency_pct"
    COST_MEAN = "cost_mean"
    COST_MEDIAN = "cost_median"
    REPEAT_30_PCT = "repeat_30_pct"
    REPEAT_90_PCT = "repeat_90_pct"
    FIRST_TIME_FIX_PCT = "first_time_fix_pct"
    DAMP_MOULD_PER_1000_HOMES = "damp_mould_per_1000_homes"
    AWAAB_BREACH_PCT = "awaab_breach_pct"


@dataclass(frozen=True, slots=True)
class GroupKey:
    """One coordinate of a group: the dimension, its value and a readable label."""

    dimension: Dimension | DampDimension
    value: str | None
    label: str | None


@dataclass(frozen=True, slots=True)
class PerformanceGroup:
    """Counts and measures of one group; ``suppressed`` when too few homes to publish."""

    key: tuple[GroupKey, ...]
    homes: int | None
    counts: dict[str, int | None]
    measures: dict[str, float | None]
    suppressed: bool = False


@dataclass(frozen=True, slots=True)
class ProviderValue:
    """One landlord's value of a measure and how far it sits from its peers."""

    landlord_id: int
    name: str | None
    value: float | None
    robust_z: float | None
    outlier: bool
    suppressed: bool


@dataclass(frozen=True, slots=True)
class ProviderComparison:
    """A measure compared across landlords."""

    measure: Measure
    peer_median: float | None
    mad: float | None
    threshold: float = OUTLIER_THRESHOLD
    providers: tuple[ProviderValue, ...] = field(default=())


def _round_to(value: int, step: int) -> int:
    return int(step * round(value / step)) if step > 1 else value


def _group(row: Mapping[str, Any], group_by: Sequence[Dimension]) -> PerformanceGroup:
    key = tuple(GroupKey(d, row[f"key_{d.value}"], row[f"label_{d.value}"]) for d in group_by)
    measures = {m: None if row.get(m) is None else float(row[m]) for m in MEASURES}
    return PerformanceGroup(key, int(row["homes"]), {c: int(row[c]) for c in COUNTS}, measures)


def too_few_homes(homes: int, principal: Principal, settings: Settings) -> bool:
    """Whether a group covering ``homes`` homes must be suppressed for ``principal``
    (everyone but regulators and admins: a provider's key must not unlock small groups of
    other landlords' homes)."""
    return not principal.sees_small_numbers and homes < settings.suppress_below_homes


def published_count(value: int, principal: Principal, settings: Settings) -> int:
    """A count as ``principal`` may see it: rounded to ``round_counts_to`` for all but
    regulators and admins."""
    if not principal.sees_small_numbers:
        return _round_to(value, settings.round_counts_to)
    return value


def publishable(
    group: PerformanceGroup, principal: Principal, settings: Settings
) -> PerformanceGroup:
    """Apply the open-data rules: groups covering fewer than ``suppress_below_homes``
    homes are suppressed (every value null, ``suppressed`` true), and counts are rounded
    to the nearest ``round_counts_to``. Only the public tier is subject to them."""
    if group.homes is not None and too_few_homes(group.homes, principal, settings):
        return replace(
            group,
            homes=None,
            counts=dict.fromkeys(COUNTS),
            measures=dict.fromkeys(MEASURES),
            suppressed=True,
        )
    counts = {
        k: None if v is None else published_count(v, principal, settings)
        for k, v in group.counts.items()
    }
    homes = None if group.homes is None else published_count(group.homes, principal, settings)
    return replace(group, homes=homes, counts=counts)


async def performance(
    db: Database,
    settings: Settings,
    principal: Principal,
    group_by: Sequence[Dimension],
    scope: RepairScope,
    measures: Collection[str] = MEASURES,
) -> list[PerformanceGroup]:
    """Repair performance grouped by ``group_by`` (see ``store.analytics`` for the
    definitions), with the privacy rules applied for ``principal``. Measures left out of
    ``measures`` are not worked out (``None``)."""
    rows = await repair_performance(db, group_by, scope, measures)
    return [publishable(_group(row, group_by), principal, settings) for row in rows]


def robust_z_scores(
    values: Sequence[float],
) -> tuple[float | None, float | None, list[float | None]]:
    """Median, MAD and the modified z-score of each value (``None`` when MAD is 0)."""
    if not values:
        return None, None, []
    median = statistics.median(values)
    mad = statistics.median(abs(v - median) for v in values)
    if mad == 0:
        return median, mad, [None for _ in values]
    return median, mad, [MAD_SCALE * (v - median) / mad for v in values]


async def _landlord_values(
    db: Database, settings: Settings, principal: Principal, measure: Measure, scope: RepairScope
) -> list[tuple[int, str | None, float | None, bool]]:
    """(landlord, name, value, suppressed) of ``measure`` for every landlord. The damp and
    mould measures read the scope's dates as awareness dates."""
    if measure in (Measure.DAMP_MOULD_PER_1000_HOMES, Measure.AWAAB_BREACH_PCT):
        damp = DampScope(
            scope.reported_from,
            scope.reported_to,
            scope.landlord_ids,
            scope.postcode_column,
            scope.postcode_value,
        )
        from odx_graph.services.insight.damp import breach_rates, damp_rates  # imports this module

        if measure is Measure.AWAAB_BREACH_PCT:
            rates = await breach_rates(db, settings, principal, damp)
            return [(r.landlord_id, r.name, r.breach_pct, r.suppressed) for r in rates]
        groups = await damp_rates(db, settings, principal, [DampDimension.LANDLORD], damp)
        return [
            (int(g.key[0].value), g.key[0].label, g.per_1000_homes, g.suppressed)
            for g in groups
            if g.key[0].value is not None
        ]
    repair_groups = await performance(
        db, settings, principal, [Dimension.LANDLORD], scope, (measure.value,)
    )
    return [
        (int(g.key[0].value or 0), g.key[0].label, g.measures[measure.value], g.suppressed)
        for g in repair_groups
    ]


async def compare_providers(
    db: Database, settings: Settings, principal: Principal, measure: Measure, scope: RepairScope
) -> ProviderComparison:
    """Each landlord's value of ``measure``, the peer median, robust z-score and flag."""
    values = await _landlord_values(db, settings, principal, measure, scope)
    present = [v for v in values if v[2] is not None]
    median, mad, scores = robust_z_scores([v[2] or 0.0 for v in present])
    score_of = {id(v): s for v, s in zip(present, scores, strict=True)}
    providers = []
    for v in values:
        z = score_of.get(id(v))
        providers.append(
            ProviderValue(
                landlord_id=v[0],
                name=v[1],
                value=v[2],
                robust_z=z,
                outlier=z is not None and abs(z) > OUTLIER_THRESHOLD,
                suppressed=v[3],
            )
        )
    return ProviderComparison(measure, median, mad, OUTLIER_THRESHOLD, tuple(providers))


@dataclass(frozen=True, slots=True)
class OpenJobs:
    """Open repairs in one postcode district for one trade."""

    postcode_district: str
    trade_code: str | None
    trade_label: str | None
    jobs: int | None
    unassigned: int | None
    suppressed: bool


@dataclass(frozen=True, slots=True)
class SorRate:
    """Typical duration and cost of one SOR code in one postcode district."""

    postcode_district: str
    sor_code: str
    jobs: int | None
    median_working_days: float | None
    median_cost: float | None
    median_unit_cost: float | None
    suppressed: bool


async def contractor_market(
    db: Database, settings: Settings, principal: Principal, scope: MarketScope
) -> tuple[list[OpenJobs], list[SorRate]]:
    """Open jobs by district and trade, and median duration and cost per SOR code per
    district, for quoting; with the open-data rules applied for ``principal``."""
    jobs = []
    for row in await open_jobs(db, scope):
        hidden = too_few_homes(row["homes"], principal, settings)
        jobs.append(
            OpenJobs(
                row["postcode_district"],
                row["trade_code"],
                row["trade_label"],
                None if hidden else published_count(row["jobs"], principal, settings),
                None if hidden else published_count(row["unassigned"], principal, settings),
                hidden,
            )
        )
    rates = []
    for row in await sor_rates(db, scope):
        hidden = too_few_homes(row["homes"], principal, settings)

        def value(name: str, row: Any = row, hidden: bool = hidden) -> float | None:
            return None if hidden or row[name] is None else float(row[name])

        rates.append(
            SorRate(
                row["postcode_district"],
                row["sor_code"],
                None if hidden else published_count(row["jobs"], principal, settings),
                value("median_working_days"),
                value("median_cost"),
                value("median_unit_cost"),
                hidden,
            )
        )
    return jobs, rates


@dataclass(frozen=True, slots=True)
class ForecastRow:
    """Components of one type due for replacement in one year, and their cost."""

    year: int
    component_type: str
    label: str | None
    components: int | None
    estimated_cost: float | None
    suppressed: bool


async def forecast_replacements(
    db: Database,
    settings: Settings,
    principal: Principal,
    years: int,
    unit_costs: Mapping[str, float],
    postcode_column: str = "",
    postcode_value: str = "",
) -> list[ForecastRow]:
    """Replacement forecast by year and component type for the next ``years`` years;
    costs are the count times the given cost per component (null without one)."""
    rows = await replacement_forecast(db, years, postcode_column, postcode_value)
    forecast = []
    for row in rows:
        hidden = too_few_homes(row["places"], principal, settings)
        count = int(row["components"])
        cost = unit_costs.get(row["component_type_code"])
        forecast.append(
            ForecastRow(
                year=int(row["year"]),
                component_type=row["component_type_code"],
                label=row["label"],
                components=None if hidden else published_count(count, principal, settings),
                estimated_cost=None if hidden or cost is None else count * cost,
                suppressed=hidden,
            )
        )
    return forecast
