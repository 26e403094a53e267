"""GraphQL for insight: repair performance by any grouping and provider comparison."""

from __future__ import annotations

import datetime as dt
import enum
import types
from collections.abc import Sequence
from typing import TYPE_CHECKING
from typing import Annotated
from typing import Any
from typing import Optional
from typing import cast

import strawberry
from strawberry.types import Info
from strawberry.types.nodes import SelectedField
from strawberry.types.nodes import Selection
from strawberry.utils.str_converters import to_camel_case

from odx_graph.api import insight_groups as grouping
from odx_graph.api.codes import declared_enum
from odx_graph.api.context import Context
from odx_graph.api.input_fields import optional
from odx_graph.api.insight_groups import Disclosure
from odx_graph.api.insight_groups import GroupCoordinate
from odx_graph.core.errors import InputError
from odx_graph.core.ids import encode_global_id
from odx_graph.mapping.insight import COMPARED
from odx_graph.mapping.insight import COUNTS
from odx_graph.mapping.insight import GROUPINGS
from odx_graph.mapping.insight import MEASURES
from odx_graph.mapping.insight import Count
from odx_graph.mapping.insight import Dimension
from odx_graph.mapping.insight import Measure
from odx_graph.services.insight import providers
from odx_graph.services.insight import repairs
from odx_graph.store.analytics import MarketScope
from odx_graph.store.analytics import RepairScope

if TYPE_CHECKING:

    class RepairDimension(enum.Enum):
        """Grouping dimensions (values are ``mapping.insight.Dimension`` values)."""

    class PerformanceMeasure(enum.Enum):
        """Measures (values are ``providers.Measure`` values)."""

    GroupKey = GroupCoordinate

else:
    RepairDimension = grouping.grouping_enum(
        "RepairDimension",
        "What repair performance can be grouped by.",
        {d: g.description for d, g in GROUPINGS.items()},
    )
    PerformanceMeasure = declared_enum(
        "PerformanceMeasure",
        "A repair performance measure landlords can be compared on.",
        [(m.name.upper(), m.name, m.compared) for m in COMPARED],
    )
    GroupKey = grouping.group_key_type(
        "GroupKey",
        "One coordinate of a group.",
        RepairDimension,
        "The value (an organisation's key, a code, a postcode, 'YYYY-MM').",
    )


@strawberry.input(description="Which repairs a measure covers; all of them by default.")
class RepairScopeInput:
    """Filters for insight queries."""

    reported_from: Optional[dt.datetime] = optional("Repairs reported at or after.")
    reported_to: Optional[dt.datetime] = optional("Repairs reported before.")
    landlord: Optional[list[strawberry.ID]] = optional("Only these landlords (Organisation IDs).")
    postcode: Optional[str] = optional("Homes in this postcode area, district, sector or unit.")
    estate: Optional[list[strawberry.ID]] = optional(
        "Only repairs to homes that are members of these estates."
    )
    building: Optional[list[strawberry.ID]] = optional("Only repairs to homes in these buildings.")


def performance_type(
    counts: Sequence[Count] = COUNTS, measures: Sequence[Measure] = MEASURES
) -> Any:
    """``RepairPerformance``: a group's key and disclosure (a ``ProtectedGroup``), its
    homes, then its ``counts`` and ``measures`` as declared in ``mapping.insight`` (each
    field named as its count or measure)."""
    annotations: dict[str, Any] = {"homes": Optional[int]}
    namespace: dict[str, Any] = {
        "__module__": __name__,
        "__doc__": "See docs/insight.md for every definition.",
        "homes": strawberry.field(description="Homes with repairs in the group."),
    }
    for count in counts:
        annotations[count.name] = Optional[int]
        namespace[count.name] = strawberry.field(description=count.description)
    for measure in measures:
        annotations[measure.name] = Optional[float]
        namespace[measure.name] = strawberry.field(description=measure.description)
    namespace["__annotations__"] = annotations
    return strawberry.type(
        types.new_class(
            "RepairPerformance",
            (grouping.ProtectedGroup[GroupKey],),
            exec_body=lambda body: body.update(namespace),
        ),
        description="Repair counts and measures of one group." + grouping.SMALL_GROUPS_PROTECTED,
    )


if TYPE_CHECKING:

    class RepairPerformance:
        """See docs/insight.md for every definition."""

        def __init__(self, **values: Any) -> None: ...

else:
    RepairPerformance = performance_type()


@strawberry.type(description="One landlord's value of a measure against its peers.")
class ProviderScore:
    """A landlord's value, robust z-score and outlier flag."""

    landlord_id: strawberry.ID = strawberry.field(description="The landlord's global ID.")
    name: Optional[str] = strawberry.field(description="The landlord's name.")
    value: Optional[float] = strawberry.field(description="The landlord's value.")
    robust_z: Optional[float] = strawberry.field(
        description="Modified z-score 0.6745 (value - peer median) / MAD; null when the "
        "MAD is 0 or the value is missing."
    )
    outlier: bool = strawberry.field(description="True when |robustZ| exceeds the threshold.")
    suppressed: bool = strawberry.field(description=grouping.TOO_FEW_HOMES)


@strawberry.type(description="A measure compared across landlords.")
class ProviderComparison:
    """Peer median, median absolute deviation and each landlord's score."""

    measure: PerformanceMeasure = strawberry.field(description="The measure compared.")
    peer_median: Optional[float] = strawberry.field(
        description="Median over the peers: the landlords with a value covering at least "
        "the threshold of homes, as this caller sees their values."
    )
    mad: Optional[float] = strawberry.field(description="Median absolute deviation over the peers.")
    threshold: float = strawberry.field(
        description="|robustZ| above this is an outlier (3.5, Iglewicz and Hoaglin)."
    )
    providers: list[ProviderScore] = strawberry.field(
        description="Every landlord in scope, with a null value when it has nothing to measure."
    )
    disclosure: Disclosure = strawberry.field(description=grouping.EXACT_OR_PROTECTED)


def _scope(given: RepairScopeInput | None) -> RepairScope:
    if given is None:
        return RepairScope()
    return RepairScope(
        reported_from=given.reported_from,
        reported_to=given.reported_to,
        **grouping.place_scope(given, landlords="landlords"),
        building_ids=grouping.id_list(given.building, "Building", "scope.building"),
    )


# Groups naming a node give its global ID.
_NODE_DIMENSIONS: dict[str, str] = {
    Dimension.LANDLORD: "Organisation",
    Dimension.CONTRACTOR: "Organisation",
    Dimension.ESTATE: "Estate",
    Dimension.BUILDING: "Building",
}


def _performance_of(group: repairs.PerformanceGroup) -> RepairPerformance:
    # The measure fields are named as the measures are (a test holds the two to it).
    return RepairPerformance(
        key=grouping.group_keys(GroupKey, RepairDimension, group.key, _NODE_DIMENSIONS),
        disclosure=grouping.disclosure_of(group.disclosure),
        suppressed=group.suppressed,
        homes=group.homes,
        **cast(dict[str, Any], {**group.counts, **group.measures}),
    )


async def repair_performance(
    info: Info[Context, None],
    group_by: Annotated[list[RepairDimension], grouping.group_by_argument(3, " repairs")],
    scope: Annotated[
        Optional[RepairScopeInput], strawberry.argument(description="Which repairs to cover.")
    ] = None,
) -> list[RepairPerformance]:
    """Repair performance grouped by any of landlord, contractor, postcode level, month,
    priority, trade and SOR schedule."""
    grouping.check_group_by(group_by, 3)
    dimensions = [Dimension[d.name] for d in group_by]
    groups = await grouping.ask(
        info, repairs.performance, dimensions, _scope(scope), _selected_measures(info)
    )
    return [_performance_of(g) for g in groups]


_MEASURE_OF_FIELD = {to_camel_case(m): m for m in repairs.MEASURES}


def _selected_measures(info: Info[Context, None]) -> tuple[str, ...]:
    """The measures the query selects (through fragments too): each one asked for costs
    a sort of every repair covered, so those not asked for are not worked out."""
    names: set[str] = set()

    def walk(selections: list[Selection]) -> None:
        for selection in selections:
            if isinstance(selection, SelectedField):
                names.add(selection.name)
            else:
                walk(selection.selections)

    for field in info.selected_fields:
        walk(field.selections)
    return tuple(m for name, m in _MEASURE_OF_FIELD.items() if name in names)


async def provider_comparison(
    info: Info[Context, None],
    measure: Annotated[
        PerformanceMeasure,
        strawberry.argument(description="The measure to compare."),
    ],
    scope: Annotated[
        Optional[RepairScopeInput], strawberry.argument(description="Which repairs to cover.")
    ] = None,
) -> ProviderComparison:
    """Each landlord's value of a measure, the peer median, a robust z-score (median and
    MAD) and an outlier flag with the threshold stated."""
    result = await grouping.ask(
        info, providers.compare_providers, providers.Measure[measure.name], _scope(scope)
    )
    scores = [
        grouping.from_result(
            ProviderScore, p, landlord_id=encode_global_id("Organisation", p.landlord_id)
        )
        for p in result.providers
    ]
    return grouping.from_result(ProviderComparison, result, measure=measure, providers=scores)


@strawberry.type(description="Open repairs in one postcode district for one trade.")
class OpenJobs:
    """Demand a contractor can quote for."""

    postcode_district: str = strawberry.field(description="Postcode district, e.g. 'M14'.")
    trade_code: Optional[str] = strawberry.field(description="Trade code (null when none).")
    trade_label: Optional[str] = strawberry.field(description="Trade name.")
    jobs: Optional[int] = strawberry.field(description="Open repairs.")
    unassigned: Optional[int] = strawberry.field(description="Open repairs with no contractor.")
    suppressed: bool = strawberry.field(description=grouping.TOO_FEW_HOMES)
    disclosure: Disclosure = strawberry.field(description=grouping.EXACT_OR_PROTECTED)


@strawberry.type(description="Typical duration and cost of one SOR code in one district.")
class SorRate:
    """Medians over completed repairs with lines of this code."""

    postcode_district: str = strawberry.field(description="Postcode district.")
    sor_code: str = strawberry.field(description="The SOR code.")
    jobs: Optional[int] = strawberry.field(description="Completed repairs with the code.")
    median_working_days: Optional[float] = strawberry.field(
        description="Median working days from report to completion."
    )
    median_cost: Optional[float] = strawberry.field(
        description="Median cost (GBP) of the code's lines in one repair."
    )
    median_unit_cost: Optional[float] = strawberry.field(
        description="Median over repairs of the cost of the code's lines in a repair "
        "divided by their quantity (GBP per unit; repairs with a positive quantity)."
    )
    suppressed: bool = strawberry.field(description=grouping.TOO_FEW_HOMES)
    disclosure: Disclosure = strawberry.field(description=grouping.EXACT_OR_PROTECTED)


@strawberry.type(description="Open jobs and going rates, for contractors quoting.")
class ContractorMarket:
    """Both halves of the market view."""

    open_jobs: list[OpenJobs] = strawberry.field(
        description="Open repairs by postcode district and trade."
    )
    rates: list[SorRate] = strawberry.field(
        description="Median duration and cost per SOR code per postcode district."
    )


async def contractor_market(
    info: Info[Context, None],
    postcode: Annotated[
        Optional[str], strawberry.argument(description="Postcode area, district, sector or unit.")
    ] = None,
    trade: Annotated[
        Optional[list[str]], strawberry.argument(description="Trade codes, e.g. ['PL'].")
    ] = None,
    sor_code: Annotated[
        Optional[list[str]],
        strawberry.argument(description="SOR codes to give rates for (all when omitted)."),
    ] = None,
) -> ContractorMarket:
    """Open jobs by postcode district and trade, and median duration and cost per SOR code
    per district, for quoting."""
    trades = grouping.value_list(trade, "trade")
    sor_codes = grouping.value_list(sor_code, "sorCode")
    column, value = grouping.postcode_scope(postcode, "postcode")
    scope = MarketScope(column, value, trades, sor_codes)
    jobs, rates = await grouping.ask(info, repairs.contractor_market, scope)
    return ContractorMarket(
        open_jobs=[grouping.from_result(OpenJobs, j) for j in jobs],
        rates=[grouping.from_result(SorRate, r) for r in rates],
    )


@strawberry.input(description="A cost to assume for replacing one component of a type.")
class ComponentCostInput:
    """Replacement cost per component."""

    component_type: str = strawberry.field(description="Component type code, e.g. 'kitchen'.")
    cost: float = strawberry.field(description="Cost in GBP of replacing one.")


@strawberry.type(description="Components of one type due for replacement in one year.")
class ReplacementForecast:
    """One row of the forecast."""

    year: int = strawberry.field(description="Calendar year.")
    component_type: str = strawberry.field(description="Component type code.")
    label: Optional[str] = strawberry.field(description="Component type name.")
    components: Optional[int] = strawberry.field(description="Components due that year.")
    estimated_cost: Optional[float] = strawberry.field(
        description="Components times the cost given for the type (null without one)."
    )
    suppressed: bool = strawberry.field(description=grouping.TOO_FEW_HOMES)
    disclosure: Disclosure = strawberry.field(description=grouping.EXACT_OR_PROTECTED)


async def replacement_forecast(
    info: Info[Context, None],
    years: Annotated[int, strawberry.argument(description="How many years ahead (1-30).")] = 10,
    costs: Annotated[
        Optional[list[ComponentCostInput]],
        strawberry.argument(
            description="Replacement cost per component type; no cost, no estimate."
        ),
    ] = None,
    postcode: Annotated[
        Optional[str],
        strawberry.argument(
            description="Homes (and their buildings) in this postcode area, district, sector "
            "or unit."
        ),
    ] = None,
) -> list[ReplacementForecast]:
    """Components due for replacement by year and type: each is due when it reaches its
    Decent Homes lifetime, or this year when already past it."""
    if not 1 <= years <= 30:
        raise InputError("years must be between 1 and 30", field="years")
    unit_costs: dict[str, float] = {}
    for item in costs or []:
        if item.cost < 0 or item.cost != item.cost:
            raise InputError("costs must not be negative", field="costs")
        unit_costs[item.component_type] = item.cost
    column, value = grouping.postcode_scope(postcode, "postcode")
    rows = await grouping.ask(info, repairs.forecast_replacements, years, unit_costs, column, value)
    return [grouping.from_result(ReplacementForecast, r) for r in rows]
