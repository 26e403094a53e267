"""Investment insight: how much planned work costs, planned and actual, by landlord, area,
programme kind, financial year or home; and its impact on repairs and on damp and mould
in equal windows before and after each done work. Published under the disclosure rules
of :mod:`odx_graph.core.disclosure` (groups of fewer than the threshold's homes and
buildings suppressed, counts and totals perturbed below the regulator tier), every
answer kept per data version."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from typing import TypeVar

from odx_graph.core.access import Principal
from odx_graph.core.config import Settings
from odx_graph.core.disclosure import Disclosure
from odx_graph.core.disclosure import Publisher
from odx_graph.core.disclosure import publisher_for
from odx_graph.core.errors import InputError
from odx_graph.services.insight.cache import InsightCache
from odx_graph.services.insight.cache import cached
from odx_graph.services.insight.groups import GroupKey
from odx_graph.services.insight.groups import group_key
from odx_graph.services.insight.repairs import keyed
from odx_graph.store.db import Database
from odx_graph.store.investment import InvestmentDimension
from odx_graph.store.investment import InvestmentScope
from odx_graph.store.investment import investment_impact
from odx_graph.store.investment import investment_spend

DEFAULT_WINDOW_MONTHS = 12
MAX_WINDOW_MONTHS = 60
# The before-and-after windows of an impact, named alike in the service and GraphQL.
WINDOWS = (
    "component_repairs_before",
    "component_repairs_after",
    "home_repairs_before",
    "home_repairs_after",
)

T = TypeVar("T")


# One coordinate of a group.
InvestmentKey = GroupKey[InvestmentDimension]


@dataclass(frozen=True, slots=True)
class InvestmentSpend:
    """Planned works of one group; ``suppressed`` when too few homes and buildings."""

    key: tuple[InvestmentKey, ...]
    units: int | None
    items: int | None
    done_items: int | None
    planned_spend: float | None
    actual_spend: float | None
    suppressed: bool
    disclosure: Disclosure


@dataclass(frozen=True, slots=True)
class Side:
    """Repairs (or cases) in one window: how many and what they cost."""

    count: int | None
    cost: float | None


@dataclass(frozen=True, slots=True)
class InvestmentImpact:
    """Done works of one group, and what happened before and after them."""

    key: tuple[InvestmentKey, ...]
    units: int | None
    items: int | None
    component_repairs_before: Side
    component_repairs_after: Side
    home_repairs_before: Side
    home_repairs_after: Side
    damp_items: int | None
    damp_cases_before: int | None
    damp_cases_after: int | None
    suppressed: bool
    disclosure: Disclosure


def _count(publish: Publisher, row: Mapping[str, Any], column: str) -> int:
    return publish.count(int(row[column] or 0), int(row[f"{column}_key"] or 0))


def _total(
    publish: Publisher, row: Mapping[str, Any], column: str, largest: str, key: str
) -> float | None:
    value = row[column]
    return publish.total(None if value is None else float(value), row[largest], int(row[key] or 0))


def _check(group_by: Sequence[InvestmentDimension]) -> tuple[InvestmentDimension, ...]:
    dims = tuple(group_by)
    if len(dims) > 3 or len(set(dims)) != len(dims):
        raise InputError("group by up to 3 different dimensions", field="groupBy")
    return dims


def _published(
    type_: Callable[..., T],
    rows: Iterable[Mapping[str, Any]],
    dims: tuple[InvestmentDimension, ...],
    publish: Publisher,
    values: Callable[[Publisher, Mapping[str, Any]], tuple[Any, ...]],
    withheld: tuple[Any, ...],
) -> list[T]:
    """A ``type_`` per row: its group's key, then its ``values`` as published, or the
    ``withheld`` ones when the group has too few homes and buildings to publish."""
    out = []
    for row in rows:
        key = group_key(row, dims)
        if publish.suppressed(int(row["units"])):
            out.append(type_(key, *withheld, True, publish.disclosure))
        else:
            out.append(type_(key, *values(publish, row), False, publish.disclosure))
    return out


def _spend(publish: Publisher, row: Mapping[str, Any]) -> tuple[Any, ...]:
    return (
        _count(publish, row, "units"),
        _count(publish, row, "items"),
        _count(publish, row, "done_items"),
        _total(publish, row, "planned", "planned_largest", "items_key"),
        _total(publish, row, "actual", "actual_largest", "done_items_key"),
    )


async def spend(
    db: Database,
    settings: Settings,
    principal: Principal,
    group_by: Sequence[InvestmentDimension],
    scope: InvestmentScope,
    cache: InsightCache | None = None,
) -> list[InvestmentSpend]:
    """Planned works (not cancelled) by ``group_by``: homes and buildings, items, done
    items, planned spend (estimated cost) and actual spend, for ``principal``."""
    publish = publisher_for(principal, settings)
    dims = _check(group_by)

    async def compute() -> list[InvestmentSpend]:
        rows = await investment_spend(keyed(db), dims, scope)
        return _published(InvestmentSpend, rows, dims, publish, _spend, (None,) * 5)

    return await cached(db, cache, ("investment_spend", dims, scope, publish), compute)


def _side(publish: Publisher, row: Mapping[str, Any], name: str) -> Side:
    return Side(
        _count(publish, row, name),
        _total(publish, row, f"{name}_cost", f"{name}_cost_largest", f"{name}_key"),
    )


def _impact(publish: Publisher, row: Mapping[str, Any]) -> tuple[Any, ...]:
    return (
        _count(publish, row, "units"),
        _count(publish, row, "items"),
        *(_side(publish, row, window) for window in WINDOWS),
        _count(publish, row, "damp_items"),
        _count(publish, row, "damp_cases_before"),
        _count(publish, row, "damp_cases_after"),
    )


async def impact(
    db: Database,
    settings: Settings,
    principal: Principal,
    group_by: Sequence[InvestmentDimension],
    scope: InvestmentScope,
    window_months: int = DEFAULT_WINDOW_MONTHS,
    as_of: dt.date | None = None,
    cache: InsightCache | None = None,
) -> list[InvestmentImpact]:
    """Done works whose after-window has ended by ``as_of`` (today), by ``group_by``, with
    the repairs and damp and mould cases in the windows of ``window_months`` before and
    after their completion (docs/insight.md states the edges)."""
    if not 1 <= window_months <= MAX_WINDOW_MONTHS:
        raise InputError(
            f"the window must be 1 to {MAX_WINDOW_MONTHS} months", field="windowMonths"
        )
    publish = publisher_for(principal, settings)
    dims = _check(group_by)
    day = as_of or dt.date.today()

    async def compute() -> list[InvestmentImpact]:
        rows = await investment_impact(keyed(db), dims, scope, window_months, day)
        empty = Side(None, None)
        withheld = (None, None, empty, empty, empty, empty, None, None, None)
        return _published(InvestmentImpact, rows, dims, publish, _impact, withheld)

    cache_key = ("investment_impact", dims, scope, window_months, day, publish)
    return await cached(db, cache, cache_key, compute)
