"""Insight into repairs and components: repair performance by any grouping, the
contractor market and the replacement forecast, published under the disclosure rules of
:mod:`odx_graph.core.disclosure` and kept per data version
(:mod:`odx_graph.services.insight.cache`)."""

from __future__ import annotations

from collections.abc import Collection
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from odx_graph.core.access import Principal
from odx_graph.core.config import Settings
from odx_graph.core.disclosure import Disclosure
from odx_graph.core.disclosure import Publisher
from odx_graph.core.disclosure import publisher_for
from odx_graph.mapping.insight import COUNTS as DECLARED_COUNTS
from odx_graph.mapping.insight import DampDimension
from odx_graph.mapping.insight import Dimension
from odx_graph.mapping.insight import Mean
from odx_graph.mapping.insight import Percentile
from odx_graph.mapping.insight import Share
from odx_graph.mapping.insight import Total
from odx_graph.services.insight import groups
from odx_graph.services.insight.cache import InsightCache
from odx_graph.services.insight.cache import cached
from odx_graph.store.analytics import MEASURES as REPAIR_MEASURES
from odx_graph.store.analytics import MarketScope
from odx_graph.store.analytics import RepairScope
from odx_graph.store.analytics import open_jobs
from odx_graph.store.analytics import repair_performance
from odx_graph.store.analytics import replacement_forecast
from odx_graph.store.analytics import sor_rates
from odx_graph.store.db import Database

COUNTS = tuple(c.name for c in DECLARED_COUNTS)
MEASURES = tuple(REPAIR_MEASURES)


# A repair or damp and mould group's coordinate.
GroupKey = groups.GroupKey[Dimension | DampDimension]


@dataclass(frozen=True, slots=True)
class PerformanceGroup:
    """Counts and measures of one group; ``suppressed`` when too few homes to publish."""

    key: tuple[GroupKey, ...]
    homes: int | None
    counts: dict[str, int | None]
    measures: dict[str, float | None]
    suppressed: bool = False
    disclosure: Disclosure = Disclosure.EXACT


def keyed(db: Database) -> Database:
    """``db`` as its own user: aggregates are worked out with the record keys, which the
    open data's reader role may not read (what leaves is published under the rules)."""
    return db.with_role(None)


def _int(row: Mapping[str, Any], column: str) -> int:
    value = row[column]  # a missing column is a bug, never a zero
    return 0 if value is None else int(value)


def _measure(name: str, row: Mapping[str, Any], publish: Publisher) -> float | None:
    """One measure of a group as published, from the parts the query gave."""
    measure = REPAIR_MEASURES[name]
    if isinstance(measure, Share):
        return publish.share(
            _int(row, f"{name}_n"),
            _int(row, f"{name}_n_key"),
            _int(row, f"{name}_d"),
            _int(row, f"{name}_d_key"),
        )
    if isinstance(measure, Mean | Total):
        key = _int(row, f"{name}_n_key")
        total = publish.total(row[f"{name}_sum"], row[f"{name}_max"], key)
        if isinstance(measure, Total):
            return None if total is None else float(total)
        return publish.ratio(total, _int(row, f"{name}_n"), key)
    assert isinstance(measure, Percentile)
    return publish.quantile(measure.fraction, row[name], _int(row, f"{name}_key"))


def performance_group(
    row: Mapping[str, Any],
    group_by: Sequence[Dimension],
    publish: Publisher,
    measures: Collection[str] = MEASURES,
) -> PerformanceGroup:
    """One group of a repair performance query as ``publish`` lets it out: suppressed
    (every value null) under the threshold, else counts and measures as published."""
    key = groups.group_key(row, group_by)
    homes = int(row["homes"])
    if publish.suppressed(homes):
        return PerformanceGroup(
            key,
            None,
            dict.fromkeys(COUNTS),
            dict.fromkeys(MEASURES),
            suppressed=True,
            disclosure=publish.disclosure,
        )
    counts: dict[str, int | None] = {
        c: publish.count(_int(row, c), _int(row, f"{c}_key")) for c in COUNTS
    }
    values = {m: _measure(m, row, publish) if m in measures else None for m in MEASURES}
    return PerformanceGroup(
        key,
        publish.count(homes, _int(row, "homes_key")),
        counts,
        values,
        disclosure=publish.disclosure,
    )


async def performance(
    db: Database,
    settings: Settings,
    principal: Principal,
    group_by: Sequence[Dimension],
    scope: RepairScope,
    measures: Collection[str] = MEASURES,
    cache: InsightCache | None = None,
) -> list[PerformanceGroup]:
    """Repair performance grouped by ``group_by`` (see ``repo.analytics`` for the
    definitions), published under the disclosure rules for ``principal``. Measures left
    out of ``measures`` are not worked out (``None``)."""
    publish = publisher_for(principal, settings)
    chosen = tuple(m for m in MEASURES if m in measures)
    dims = tuple(group_by)

    async def compute() -> list[PerformanceGroup]:
        rows = await repair_performance(keyed(db), dims, scope, chosen)
        return [performance_group(row, dims, publish, chosen) for row in rows]

    return await cached(db, cache, ("performance", dims, scope, chosen, publish), compute)


@dataclass(frozen=True, slots=True)
class OpenJobs:
    """Open repairs in one postcode district for one trade."""

    postcode_district: str
    trade_code: str | None
    trade_label: str | None
    jobs: int | None
    unassigned: int | None
    suppressed: bool
    disclosure: Disclosure = Disclosure.EXACT


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
    disclosure: Disclosure = Disclosure.EXACT


def _open_jobs(row: Mapping[str, Any], publish: Publisher) -> OpenJobs:
    hidden = publish.suppressed(int(row["homes"]))
    return OpenJobs(
        row["postcode_district"],
        row["trade_code"],
        row["trade_label"],
        None if hidden else publish.count(int(row["jobs"]), _int(row, "jobs_key")),
        None if hidden else publish.count(int(row["unassigned"]), _int(row, "unassigned_key")),
        hidden,
        publish.disclosure,
    )


def _sor_rate(row: Mapping[str, Any], publish: Publisher) -> SorRate:
    hidden = publish.suppressed(int(row["homes"]))

    def median(name: str) -> float | None:
        return None if hidden else publish.quantile(0.5, row[name], _int(row, f"{name}_key"))

    return SorRate(
        row["postcode_district"],
        row["sor_code"],
        None if hidden else publish.count(int(row["jobs"]), _int(row, "jobs_key")),
        median("median_working_days"),
        median("median_cost"),
        median("median_unit_cost"),
        hidden,
        publish.disclosure,
    )


async def contractor_market(
    db: Database,
    settings: Settings,
    principal: Principal,
    scope: MarketScope,
    cache: InsightCache | None = None,
) -> tuple[list[OpenJobs], list[SorRate]]:
    """Open jobs by district and trade, and median duration and cost per SOR code per
    district, for quoting; published under the disclosure rules for ``principal``."""
    publish = publisher_for(principal, settings)

    async def compute() -> tuple[list[OpenJobs], list[SorRate]]:
        jobs = await _market_open_jobs(db, scope, publish)
        rates = [_sor_rate(row, publish) for row in await sor_rates(keyed(db), scope)]
        return jobs, rates

    return await cached(db, cache, ("market", scope, publish), compute)


async def _market_open_jobs(db: Database, scope: MarketScope, publish: Publisher) -> list[OpenJobs]:
    return [_open_jobs(row, publish) for row in await open_jobs(keyed(db), scope)]


async def market_open_jobs(
    db: Database,
    settings: Settings,
    principal: Principal,
    scope: MarketScope,
    cache: InsightCache | None = None,
) -> list[OpenJobs]:
    """The open jobs of :func:`contractor_market` alone, the same numbers, for a caller
    that shows no SOR rates (whose medians cost far more to work out)."""
    publish = publisher_for(principal, settings)

    async def compute() -> list[OpenJobs]:
        return await _market_open_jobs(db, scope, publish)

    return await cached(db, cache, ("market open jobs", scope, publish), compute)


@dataclass(frozen=True, slots=True)
class ForecastRow:
    """Components of one type due for replacement in one year, and their cost."""

    year: int
    component_type: str
    label: str | None
    components: int | None
    estimated_cost: float | None
    suppressed: bool
    disclosure: Disclosure = Disclosure.EXACT


async def forecast_replacements(
    db: Database,
    settings: Settings,
    principal: Principal,
    years: int,
    unit_costs: Mapping[str, float],
    postcode_column: str = "",
    postcode_value: str = "",
    cache: InsightCache | None = None,
) -> list[ForecastRow]:
    """Replacement forecast by year and component type for the next ``years`` years;
    costs are the (published) count times the given cost per component (null without
    one)."""
    publish = publisher_for(principal, settings)

    async def compute() -> list[ForecastRow]:
        rows = await replacement_forecast(keyed(db), years, postcode_column, postcode_value)
        forecast = []
        for row in rows:
            hidden = publish.suppressed(int(row["places"]))
            count = publish.count(int(row["components"]), _int(row, "components_key"))
            cost = unit_costs.get(row["component_type_code"])
            forecast.append(
                ForecastRow(
                    year=int(row["year"]),
                    component_type=row["component_type_code"],
                    label=row["label"],
                    components=None if hidden else count,
                    estimated_cost=None if hidden or cost is None else count * cost,
                    suppressed=hidden,
                    disclosure=publish.disclosure,
                )
            )
        return forecast

    costs = tuple(sorted(unit_costs.items()))
    key = ("forecast", years, costs, postcode_column, postcode_value, publish)
    return await cached(db, cache, key, compute)
