"""GraphQL for damp and mould insight: rates by any grouping, Awaab's Law breach rates
per landlord, and the age tests of Decent Homes criterion C (the clocks per case are in
:mod:`odx_graph.api.awaab`)."""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING
from typing import Annotated
from typing import Any
from typing import Optional

import strawberry
from strawberry.types import Info

from odx_graph.api import insight_groups as grouping
from odx_graph.api.context import Context
from odx_graph.api.input_fields import optional
from odx_graph.api.insight_groups import Disclosure
from odx_graph.api.insight_groups import GroupCoordinate
from odx_graph.core.errors import InputError
from odx_graph.core.ids import decode_int_id
from odx_graph.core.ids import encode_global_id
from odx_graph.mapping.insight import DAMP_GROUPINGS
from odx_graph.mapping.insight import DampDimension
from odx_graph.services.insight import damp
from odx_graph.store.damp import DampScope

MAX_PAGE = 500


if TYPE_CHECKING:

    class DampMouldDimension(enum.Enum):
        """Grouping dimensions (values are ``mapping.insight.DampDimension`` values)."""

    DampGroupKey = GroupCoordinate

else:
    DampMouldDimension = grouping.grouping_enum(
        "DampMouldDimension", "What damp and mould rates can be grouped by.", DAMP_GROUPINGS
    )
    DampGroupKey = grouping.group_key_type(
        "DampGroupKey",
        "One coordinate of a damp and mould group.",
        DampMouldDimension,
        "The value (an organisation's key, a code, a band, 'YYYY-MM', '1'-'12').",
    )


@strawberry.input(description="Which homes and damp and mould cases to cover; all by default.")
class DampScopeInput:
    """Filters for damp and mould insight."""

    aware_from: Optional[dt.datetime] = optional("Cases the landlord became aware of at or after.")
    aware_to: Optional[dt.datetime] = optional("Cases the landlord became aware of before.")
    landlord: Optional[list[strawberry.ID]] = optional(
        "Only these landlords (Organisation IDs): the homes' landlord for "
        "rates, the landlord handling the case for clocks and breach rates."
    )
    postcode: Optional[str] = optional("Homes in this postcode area, district, sector or unit.")
    estate: Optional[list[strawberry.ID]] = optional(
        "Only homes that are members of any of these estates."
    )
    building: Optional[list[strawberry.ID]] = optional("Only homes in any of these buildings.")


@strawberry.type(
    description="Damp and mould cases of one group of homes." + grouping.SMALL_GROUPS_PROTECTED
)
class DampMouldRates(grouping.ProtectedGroup[DampGroupKey]):
    """See docs/insight.md for every definition."""

    homes: Optional[int] = strawberry.field(
        description="Homes in the group (for month groups: every home in scope of the "
        "group's other dimensions)."
    )
    cases: Optional[int] = strawberry.field(description="Cases the landlord became aware of.")
    cases_per_1000_homes: Optional[float] = strawberry.field(
        description="Cases per 1,000 homes, from the counts as published (exact for "
        "regulators and admins)."
    )
    open_cases: Optional[int] = strawberry.field(
        description="Cases not yet closed: the home not yet made safe, or further works "
        "needed and not completed, unless the investigation found no hazard."
    )
    emergency_cases: Optional[int] = strawberry.field(
        description="Cases with the emergency hazard level."
    )


def _breached(clock: str) -> Any:
    """The field of the share of one kind of clock that breached."""
    return strawberry.field(description=f"% of {clock} clocks on time or breached that breached.")


@strawberry.type(description="Awaab's Law breaches of one landlord's cases.")
class AwaabBreachRates:
    """Clocks on time or breached, per landlord handling the cases."""

    landlord_id: strawberry.ID = strawberry.field(description="The landlord's Organisation ID.")
    name: Optional[str] = strawberry.field(description="The landlord's name.")
    disclosure: Disclosure = strawberry.field(description=grouping.EXACT_OR_PROTECTED)
    suppressed: bool = strawberry.field(description=grouping.TOO_FEW_HOMES)
    homes: Optional[int] = strawberry.field(description="Homes with a case in scope.")
    cases: Optional[int] = strawberry.field(description="Cases in scope.")
    cases_with_breach: Optional[int] = strawberry.field(
        description="Cases with at least one clock breached."
    )
    breach_pct: Optional[float] = strawberry.field(
        description="% of cases with a clock on time or breached that have any breach."
    )
    investigation_breach_pct: Optional[float] = _breached("investigation")
    written_summary_breach_pct: Optional[float] = _breached("written-summary")
    make_safe_breach_pct: Optional[float] = _breached("make-safe")


# The three fields of each facility's age test, described alike.
def _installed(facility: str) -> Any:
    return strawberry.field(
        description=f"Install date of the home's newest {facility} (null when none is dated)."
    )


def _age_in_years(facility: str) -> Any:
    return strawberry.field(description=f"Whole years since the {facility} was installed, today.")


def _over(facility: str, years: int) -> Any:
    return strawberry.field(
        description=f"True when the {facility} is more than {years} years old (fails that test)."
    )


@strawberry.type(
    description="The two age tests of Decent Homes criterion C (modern facilities) for "
    "one home. The other four facilities are not recorded, so no pass or fail of the "
    "criterion is given."
)
class ModernFacilityAges:
    """Newest kitchen and bathroom with an install date."""

    home_id: strawberry.ID = strawberry.field(description="The Home ID.")
    kitchen_installed: Optional[dt.date] = _installed("kitchen")
    kitchen_age_in_years: Optional[int] = _age_in_years("kitchen")
    kitchen_over_20_years: Optional[bool] = _over("kitchen", 20)
    bathroom_installed: Optional[dt.date] = _installed("bathroom")
    bathroom_age_in_years: Optional[int] = _age_in_years("bathroom")
    bathroom_over_30_years: Optional[bool] = _over("bathroom", 30)


def scope_of(given: DampScopeInput | None, field: str = "scope") -> DampScope:
    """The store's scope of the input ``given`` (at ``field``)."""
    if given is None:
        return DampScope()
    return DampScope(
        aware_from=given.aware_from,
        aware_to=given.aware_to,
        **grouping.place_scope(given, field),
        building_ids=grouping.id_list(given.building, "Building", f"{field}.building"),
    )


# Groups naming a node give its global ID.
_NODE_DIMENSIONS: dict[str, str] = {
    DampDimension.LANDLORD: "Organisation",
    DampDimension.ESTATE: "Estate",
    DampDimension.BUILDING: "Building",
}


# The moment open clocks are judged at, in every answer about clocks.
ClocksAsOf = Annotated[
    Optional[dt.datetime],
    strawberry.argument(description="When to judge open clocks at; now by default."),
]


def first_argument(items: str) -> Any:
    """The ``first`` argument of a page of ``items`` (checked by :func:`page_start`)."""
    return strawberry.argument(description=f"{items} per page (1-{MAX_PAGE}).")


def after_argument(key: str) -> Any:
    """The ``after`` argument of a page: the ``key`` of the previous page's last item."""
    return strawberry.argument(description=f"The last {key} of the previous page.")


def page_start(first: int, after: strawberry.ID | None, type_name: str) -> int:
    """The key after which a page of ``first`` (1 to ``MAX_PAGE``) starts."""
    if not 1 <= first <= MAX_PAGE:
        raise InputError(f"first must be between 1 and {MAX_PAGE}", field="first")
    return 0 if after is None else decode_int_id(after, type_name, field="after")


async def damp_mould_rates(
    info: Info[Context, None],
    group_by: Annotated[list[DampMouldDimension], grouping.group_by_argument(3)],
    scope: Annotated[
        Optional[DampScopeInput], strawberry.argument(description="Which homes and cases.")
    ] = None,
) -> list[DampMouldRates]:
    """Damp and mould cases per 1,000 homes, open and emergency cases, grouped by any of
    landlord, postcode district, building age band, property type, EPC band, month and
    month of the year."""
    grouping.check_group_by(group_by, 3)
    dimensions = [DampDimension[d.name] for d in group_by]
    groups = await grouping.ask(info, damp.damp_rates, dimensions, scope_of(scope))
    return [
        grouping.from_result(
            DampMouldRates,
            g,
            key=grouping.group_keys(DampGroupKey, DampMouldDimension, g.key, _NODE_DIMENSIONS),
            cases_per_1000_homes=g.per_1000_homes,
        )
        for g in groups
    ]


async def awaab_breach_rates(
    info: Info[Context, None],
    scope: Annotated[
        Optional[DampScopeInput], strawberry.argument(description="Which cases.")
    ] = None,
    as_of: ClocksAsOf = None,
) -> list[AwaabBreachRates]:
    """Per landlord handling the cases: cases, cases with any Awaab's Law breach, and the
    % breached of each clock."""
    rates = await grouping.ask(info, damp.breach_rates, scope_of(scope), as_of)
    return [
        grouping.from_result(
            AwaabBreachRates, r, landlord_id=encode_global_id("Organisation", r.landlord_id)
        )
        for r in rates
    ]


async def modern_facility_ages(
    info: Info[Context, None],
    scope: Annotated[
        Optional[DampScopeInput],
        strawberry.argument(description="Homes of these landlords and postcode (dates unused)."),
    ] = None,
    home: Annotated[
        Optional[list[strawberry.ID]], strawberry.argument(description="Only these homes.")
    ] = None,
    first: Annotated[int, first_argument("Homes")] = 50,
    after: Annotated[Optional[strawberry.ID], after_argument("homeId")] = None,
) -> list[ModernFacilityAges]:
    """The two age tests of Decent Homes criterion C per home: kitchen more than 20 and
    bathroom more than 30 years old. The other four facilities (kitchen space, bathroom
    and WC placement, noise insulation, common areas) are not recorded: no pass or fail
    of the criterion is given."""
    after_id = page_start(first, after, "Home")
    rows = await damp.modern_facility_ages(
        info.context.db,
        info.context.settings,
        scope_of(scope),
        grouping.id_list(home, "Home", "home"),
        after_id,
        first,
        info.context.insight_cache,
    )
    return [
        grouping.from_result(
            ModernFacilityAges,
            r,
            home_id=encode_global_id("Home", r.home_id),
            kitchen_age_in_years=r.kitchen_age,
            kitchen_over_20_years=r.kitchen_too_old,
            bathroom_age_in_years=r.bathroom_age,
            bathroom_over_30_years=r.bathroom_too_old,
        )
        for r in rows
    ]
