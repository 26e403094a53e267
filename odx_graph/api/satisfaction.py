"""GraphQL for Tenant Satisfaction Measures results: ``tenantSatisfaction`` by landlord,
postcode area or district and estate for a financial year, and ``Estate.tenantSatisfaction``
(added to the generated type), both under the disclosure rules."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from decimal import ROUND_HALF_UP
from decimal import Decimal
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
from odx_graph.core.ids import encode_global_id
from odx_graph.mapping.satisfaction import PERCEPTION_MEASURES
from odx_graph.mapping.satisfaction import SATISFACTION_GROUPINGS
from odx_graph.mapping.satisfaction import TENURE_GROUPS
from odx_graph.mapping.satisfaction import SatisfactionDimension
from odx_graph.services.insight import satisfaction
from odx_graph.store.satisfaction import SatisfactionScope

if TYPE_CHECKING:

    class SatisfactionGrouping(enum.Enum):
        """Grouping dimensions (values are ``SatisfactionDimension`` values)."""

    SatisfactionGroupKey = GroupCoordinate

else:
    SatisfactionGrouping = grouping.grouping_enum(
        "SatisfactionGrouping",
        "What Tenant Satisfaction Measures results can be grouped by.",
        SATISFACTION_GROUPINGS,
    )
    SatisfactionGroupKey = grouping.group_key_type(
        "SatisfactionGroupKey",
        "One coordinate of a satisfaction group.",
        SatisfactionGrouping,
        "The value (an Organisation or Estate ID, a postcode area or district, or a tenure "
        "group, LCRA or LCHO).",
    )


@strawberry.enum(description="Where a satisfaction result comes from.")
class SatisfactionSource(enum.Enum):
    """Values are ``satisfaction.Source`` values."""

    ANSWERS = strawberry.enum_value(
        "answers", description="The survey answers held one by one (submitSatisfaction)."
    )
    RETURN = strawberry.enum_value(
        "return",
        description="The landlord's own aggregate return (counts per answer, imported "
        "with the tsm-returns template).",
    )


@strawberry.enum(
    description="The Regulator of Social Housing's tenure groups, which Tenant Satisfaction "
    "Measures are reported for separately."
)
class TenureGroup(enum.Enum):
    """Values are the tenure code list's ``tenureGroup``."""

    LCRA = strawberry.enum_value("LCRA", description=TENURE_GROUPS["LCRA"] + " (LCRA).")
    LCHO = strawberry.enum_value("LCHO", description=TENURE_GROUPS["LCHO"] + " (LCHO).")


@strawberry.input(description="Which answers and returns to cover; all of the year's by default.")
class SatisfactionScopeInput:
    """Filters for satisfaction results."""

    landlord: Optional[list[strawberry.ID]] = optional(
        "Only answers rating these landlords (Organisation IDs)."
    )
    postcode: Optional[str] = optional(
        "Only answers from homes in this postcode area, district, sector or "
        "unit (returns are then left out: they are not by postcode)."
    )
    estate: Optional[list[strawberry.ID]] = optional(
        "Only answers from homes in these estates, and these estates' returns."
    )
    measure: Optional[list[str]] = optional("Only these measures, TP01 to TP12 (default all).")
    tenure_group: Optional[list[TenureGroup]] = optional(
        "Only answers from homes of these tenure groups (returns are then left "
        "out: they are not by tenure)."
    )


@strawberry.type(
    description="One Tenant Satisfaction Measure (TP01-TP12) of one group for a financial "
    "year: the percentage of valid responses that were satisfied (agree, for TP08), as the "
    "Regulator of Social Housing's technical requirements define it (docs/insight.md)."
)
class TenantSatisfactionResult:
    """A measure of a group, from answers or a return."""

    key: list[SatisfactionGroupKey] = strawberry.field(description="The group.")
    measure: str = strawberry.field(description="The measure's code, TP01 to TP12.")
    source: SatisfactionSource = strawberry.field(
        description="Whether it comes from the answers held or the landlord's return."
    )
    disclosure: Disclosure = strawberry.field(description=grouping.PERTURBED_OR_SUPPRESSED)
    suppressed: bool = strawberry.field(
        description="True when the group has too few respondents to publish: every value "
        "is then null."
    )
    respondents: Optional[int] = strawberry.field(
        description="Valid responses: answers other than don't know and not applicable, "
        "one per home (its latest in the year), from the tenants the measure is asked of."
    )
    satisfied: Optional[int] = strawberry.field(
        description="Of those, very or fairly satisfied (strongly agree or agree for TP08)."
    )
    percent_satisfied: Optional[float] = strawberry.field(
        description="100 × satisfied / respondents, from the published counts, rounded to "
        "one decimal place (halves away from zero), as the Regulator publishes the results."
    )


def scope_of(
    year: int, given: SatisfactionScopeInput | None, estates: Sequence[int] = ()
) -> SatisfactionScope:
    """The store's scope for financial ``year`` (2000 to 2100) and the input ``given``."""
    if not 2000 <= year <= 2100:
        raise InputError("year is a financial year's first year, 2000 to 2100", field="year")
    if given is None:
        return SatisfactionScope(year, estate_ids=tuple(estates))
    places = grouping.place_scope(given)
    places["estate_ids"] = (*estates, *places["estate_ids"])
    measures = tuple(given.measure or ())
    for n, code in enumerate(measures):
        if code not in PERCEPTION_MEASURES:
            raise InputError("a perception measure is TP01 to TP12", field=f"scope.measure[{n}]")
    return SatisfactionScope(
        year,
        **places,
        measures=measures,
        tenure_groups=tuple(g.name for g in given.tenure_group or ()),
    )


def one_decimal_place(percent: float | None) -> float | None:
    """``percent`` rounded to one decimal place, halves away from zero, as the Regulator
    publishes Tenant Satisfaction Measures: 31.25 is 31.3 (``round`` would give 31.2)."""
    if percent is None:
        return None
    # The shortest decimal that is the float, so 72.65 is a half however it is stored.
    return float(Decimal(repr(percent)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


_NODES: dict[str, str] = {
    SatisfactionDimension.LANDLORD: "Organisation",
    SatisfactionDimension.ESTATE: "Estate",
}


def _result(r: satisfaction.SatisfactionResult) -> TenantSatisfactionResult:
    return grouping.from_result(
        TenantSatisfactionResult,
        r,
        key=grouping.group_keys(SatisfactionGroupKey, SatisfactionGrouping, r.key, _NODES),
        source=SatisfactionSource(r.source.value),
        percent_satisfied=one_decimal_place(r.percent_satisfied),
    )


async def _results(
    info: Info[Context, None], dims: Sequence[SatisfactionDimension], scope: SatisfactionScope
) -> list[TenantSatisfactionResult]:
    return [
        _result(r) for r in await grouping.ask(info, satisfaction.tenant_satisfaction, dims, scope)
    ]


async def tenant_satisfaction(
    info: Info[Context, None],
    year: Annotated[
        int,
        strawberry.argument(
            description="The financial year by its first year: 2024 is 1 April 2024 to "
            "31 March 2025 (survey dates for answers, the year of a return)."
        ),
    ],
    group_by: Annotated[list[SatisfactionGrouping], grouping.group_by_argument(2)],
    scope: Annotated[
        Optional[SatisfactionScopeInput],
        strawberry.argument(description="Which answers and returns."),
    ] = None,
) -> list[TenantSatisfactionResult]:
    """Tenant Satisfaction Measures TP01-TP12 for a financial year, grouped by landlord,
    postcode area or district, estate and tenure group (LCRA, LCHO): the percentage of
    valid responses satisfied, from the answers held and from landlords' returns, each
    result saying which."""
    grouping.check_group_by(group_by, 2)
    dims = [SatisfactionDimension(d.value) for d in group_by]
    return await _results(info, dims, scope_of(year, scope))


async def estate_satisfaction(
    root: Any,
    info: Info[Context, None],
    year: Annotated[
        int,
        strawberry.argument(description="The financial year by its first year (2024: 2024/25)."),
    ],
) -> list[TenantSatisfactionResult]:
    """The estate's Tenant Satisfaction Measures for a financial year, from its homes'
    answers and its landlord's return for it, under the same disclosure rules as every
    open statistic."""
    scope_of(year, None)  # the year checked before any batch

    async def load(keys: list[int]) -> list[list[TenantSatisfactionResult]]:
        # One batch for every estate of the page: their results read together.
        found = await _results(info, [SatisfactionDimension.ESTATE], scope_of(year, None, keys))
        by_estate: dict[str | None, list[TenantSatisfactionResult]] = {}
        for r in found:
            by_estate.setdefault(r.key[0].value, []).append(r)
        return [by_estate.get(encode_global_id("Estate", k), []) for k in keys]

    loader = info.context.loaders.batched(("estate-satisfaction", year), load)
    results: list[TenantSatisfactionResult] = await loader.load(int(root["_key"]))
    return results


EXTRA_FIELDS: dict[str, dict[str, tuple[Any, Any]]] = {
    "Estate": {"tenantSatisfaction": (estate_satisfaction, list[TenantSatisfactionResult])},
}
