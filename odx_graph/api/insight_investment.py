"""GraphQL for investment insight: ``investmentSpend`` (planned and actual spend of planned
works by any grouping) and ``investmentImpact`` (repairs and damp and mould cases before
and after done works), under the disclosure rules like every statistic."""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING
from typing import Annotated
from typing import Optional

import strawberry
from strawberry.types import Info

from odx_graph.api import insight_groups as grouping
from odx_graph.api.context import Context
from odx_graph.api.input_fields import optional
from odx_graph.api.insight_groups import Disclosure
from odx_graph.api.insight_groups import GroupCoordinate
from odx_graph.services.insight import investment
from odx_graph.services.insight.investment import InvestmentKey
from odx_graph.store.investment import InvestmentDimension
from odx_graph.store.investment import InvestmentScope

_DESCRIPTIONS = {
    InvestmentDimension.LANDLORD: "The programme's landlord.",
    InvestmentDimension.POSTCODE_AREA: "Postcode area of the home (a building's: of its "
    "first home), e.g. 'LS'.",
    InvestmentDimension.POSTCODE_DISTRICT: "Postcode district of the home, e.g. 'LS9'.",
    InvestmentDimension.PROGRAMME_KIND: "The programme's kind (kitchens, roofs...).",
    InvestmentDimension.FINANCIAL_YEAR: "The programme's financial year, as the year it "
    "starts ('2027'; label '2027/28').",
    InvestmentDimension.ESTATE: "The estate (an Estate ID): a work counts under each estate "
    "one of its homes is in (a building's: any of its homes), and under null when none is.",
    InvestmentDimension.HOME: "The home (its key; label its UPRN); communal works of a "
    "building are in the null group. One home is below any threshold, so this grouping "
    "shows values to regulators and admins only.",
}

if TYPE_CHECKING:

    class InvestmentGrouping(enum.Enum):
        """Grouping dimensions (values are ``InvestmentDimension`` values)."""

    InvestmentGroupKey = GroupCoordinate

else:
    InvestmentGrouping = grouping.grouping_enum(
        "InvestmentGrouping",
        "What investment in planned works can be grouped by.",
        {d: _DESCRIPTIONS[d] for d in InvestmentDimension},
    )
    InvestmentGroupKey = grouping.group_key_type(
        "InvestmentGroupKey",
        "One coordinate of an investment group.",
        InvestmentGrouping,
        "The value (an Organisation or Estate ID, a code, a year, a home's key).",
    )


@strawberry.input(description="Which planned works to cover; all by default.")
class InvestmentScopeInput:
    """Filters for investment insight."""

    landlord: Optional[list[strawberry.ID]] = optional("Only these landlords (Organisation IDs).")
    kind: Optional[list[str]] = optional("Only programmes of these kinds (codes, e.g. 'kitchens').")
    financial_year: Optional[list[int]] = optional(
        "Only programmes of these financial years (2027: 2027/28)."
    )
    postcode: Optional[str] = optional(
        "Only works in this postcode area, district, sector or unit."
    )
    estate: Optional[list[strawberry.ID]] = optional(
        "Only works at homes of these estates (Estate IDs)."
    )


def scope_of(given: InvestmentScopeInput | None) -> InvestmentScope:
    """The store's scope of the input."""
    if given is None:
        return InvestmentScope()
    return InvestmentScope(
        **grouping.place_scope(given),
        kinds=tuple(sorted(set(given.kind or ()))),
        financial_years=tuple(sorted(set(given.financial_year or ()))),
    )


_NODES: dict[str, str] = {
    InvestmentDimension.LANDLORD: "Organisation",
    InvestmentDimension.ESTATE: "Estate",
}


def _keys(key: tuple[InvestmentKey, ...]) -> list[InvestmentGroupKey]:
    return grouping.group_keys(InvestmentGroupKey, InvestmentGrouping, key, _NODES)


_PROTECTED = (
    " Below the regulator tier, groups of fewer homes and buildings than the threshold "
    "are suppressed and values perturbed by the cell key method (see `disclosure`)."
)
# The description of each "after" field: the same as the "before" field above it.
_SAME_AFTER = "The same, in the window after completion."


@strawberry.type(description="An investment group and how its values are published.")
class InvestmentGroup:
    """The fields investment answers start with."""

    key: list[InvestmentGroupKey] = strawberry.field(description="The group's coordinates.")
    disclosure: Disclosure = strawberry.field(description="Exact or protected values.")
    suppressed: bool = strawberry.field(
        description="True when the group covers too few homes and buildings to publish."
    )


@strawberry.type(description="Planned works of one group." + _PROTECTED)
class InvestmentSpend(InvestmentGroup):
    """See docs/insight.md ("Investment") for every definition."""

    homes_and_buildings: Optional[int] = strawberry.field(
        description="Homes and buildings (for communal works) with a work not cancelled."
    )
    items: Optional[int] = strawberry.field(description="Planned works, cancelled ones left out.")
    done_items: Optional[int] = strawberry.field(description="Of those, the ones done.")
    planned_spend: Optional[float] = strawberry.field(
        description="Estimated cost of the works not cancelled, in GBP."
    )
    actual_spend: Optional[float] = strawberry.field(
        description="Actual cost recorded (works in progress and done), in GBP."
    )


@strawberry.type(description="Repairs (or cases) in one window and what they cost.")
class ImpactWindow:
    """One side of a before-and-after comparison."""

    count: Optional[int] = strawberry.field(description="How many.")
    cost: Optional[float] = strawberry.field(description="Their cost in GBP (repairs only).")


@strawberry.type(description="Done works of one group and what followed them." + _PROTECTED)
class InvestmentImpact(InvestmentGroup):
    """See docs/insight.md ("Investment") for the windows and their edges."""

    homes_and_buildings: Optional[int] = strawberry.field(
        description="Homes and buildings with a done work whose after-window has ended."
    )
    items: Optional[int] = strawberry.field(description="Those done works.")
    component_repairs_before: ImpactWindow = strawberry.field(
        description="Repairs (not cancelled) on the replaced components (or the work's "
        "component type at its home or building) in the window before completion."
    )
    component_repairs_after: ImpactWindow = strawberry.field(description=_SAME_AFTER)
    home_repairs_before: ImpactWindow = strawberry.field(
        description="Every repair (not cancelled) at the works' homes (a building's: all "
        "its homes) in the window before completion."
    )
    home_repairs_after: ImpactWindow = strawberry.field(description=_SAME_AFTER)
    damp_items: Optional[int] = strawberry.field(
        description="Done works of damp remediation and energy retrofit programmes."
    )
    damp_cases_before: Optional[int] = strawberry.field(
        description="Damp and mould cases at those works' homes, by awareness date, in the "
        "window before completion."
    )
    damp_cases_after: Optional[int] = strawberry.field(description=_SAME_AFTER)


# The arguments both investment answers take.
GroupBy = Annotated[list[InvestmentGrouping], grouping.group_by_argument(3)]
Scope = Annotated[Optional[InvestmentScopeInput], strawberry.argument(description="Which works.")]


def _dims(group_by: list[InvestmentGrouping]) -> list[InvestmentDimension]:
    return [InvestmentDimension[d.name] for d in group_by]


async def investment_spend(
    info: Info[Context, None],
    group_by: GroupBy,
    scope: Scope = None,
) -> list[InvestmentSpend]:
    """Investment in planned works: homes and buildings, works, works done, planned and
    actual spend, grouped by any of landlord, postcode area and district, programme kind,
    financial year, estate and home."""
    groups = await grouping.ask(info, investment.spend, _dims(group_by), scope_of(scope))
    return [
        grouping.from_result(InvestmentSpend, g, key=_keys(g.key), homes_and_buildings=g.units)
        for g in groups
    ]


async def investment_impact(
    info: Info[Context, None],
    group_by: GroupBy,
    scope: Scope = None,
    window_months: Annotated[
        int,
        strawberry.argument(
            description="Months in each window before and after a work's completion (1-60)."
        ),
    ] = investment.DEFAULT_WINDOW_MONTHS,
    as_of: Annotated[
        Optional[dt.date],
        strawberry.argument(
            description="Only works whose after-window has ended by this day (today)."
        ),
    ] = None,
) -> list[InvestmentImpact]:
    """The impact of done planned works: repairs and their cost on the same components and
    homes, and damp and mould cases after damp remediation and energy retrofit, in equal
    windows before and after each work's completion (the completion day in neither)."""
    groups = await grouping.ask(
        info, investment.impact, _dims(group_by), scope_of(scope), window_months, as_of
    )
    return [
        grouping.from_result(
            InvestmentImpact,
            g,
            key=_keys(g.key),
            homes_and_buildings=g.units,
            **{w: grouping.from_result(ImpactWindow, getattr(g, w)) for w in investment.WINDOWS},
        )
        for g in groups
    ]
