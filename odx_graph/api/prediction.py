"""GraphQL for predictions: ``Home.dampRisk`` and ``Component.failureRisk`` (for the
home's landlord and resident only: null for everyone else), ``proactiveWork`` for a
landlord, and ``componentFailureForecast``, roll-ups under the disclosure rules."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Annotated
from typing import Any
from typing import Optional
from typing import cast

import strawberry
from strawberry.types import Info

from odx_graph.api.context import Context
from odx_graph.api.insight_groups import Disclosure
from odx_graph.api.insight_groups import disclosure_of
from odx_graph.core.ids import decode_int_id
from odx_graph.core.ids import encode_global_id
from odx_graph.services.prediction import forecast
from odx_graph.services.prediction.features import ModelKind
from odx_graph.services.prediction.forecast import ExplainedScore
from odx_graph.services.prediction.models import HORIZON_MONTHS
from odx_graph.services.prediction.scorecard import POINTS_TO_DOUBLE
from odx_graph.store.predictions import RollupGroup


@strawberry.type(description="What one feature adds to a score, in plain words.")
class RiskContribution:
    """One feature's part of a score."""

    feature: str = strawberry.field(description="The feature's name, e.g. `roof_over`.")
    reason: str = strawberry.field(
        description="The bin the home or component falls in, in plain words, e.g. 'roof "
        "more than 10 years past its lifetime'."
    )
    points: float = strawberry.field(
        description="Points this adds to the score (negative: it lowers the risk); "
        "baseline plus every contribution's points is the score."
    )


@strawberry.type(
    description="A home's risk of a new damp and mould case within 12 months, with its "
    "reasons. It informs a person's decision and never makes one (docs/predictive.md)."
)
class DampMouldRisk:
    """A damp and mould risk score."""

    probability: float = strawberry.field(
        description=f"The probability of the event within {HORIZON_MONTHS} months of "
        "`asOf`, from 0 to 1."
    )
    points: float = strawberry.field(
        description=f"The score: {POINTS_TO_DOUBLE:g} points double the odds; "
        "`baseline` plus the contributions' points, exactly."
    )
    baseline: float = strawberry.field(description="The score of a typical home or component.")
    contributions: list[RiskContribution] = strawberry.field(
        description="Every feature's contribution, in the scorecard's order."
    )
    model_version: int = strawberry.field(description="The version of the model that scored.")
    as_of: dt.date = strawberry.field(description="The day the score was made as of.")


@strawberry.type(
    description="A component's risk of needing a repair within 12 months, with its reasons "
    "and the repairs and cost it is expected to bring."
)
class FailureRisk(DampMouldRisk):
    """A component failure risk score: the fields of a damp and mould risk, and more."""

    expected_emergency_repairs: float = strawberry.field(
        description="The probability times the share of this type's repairs that were "
        "emergencies over the last 12 months."
    )
    expected_cost: float = strawberry.field(
        description="The probability times the mean cost of this type's repairs over the "
        "last 12 months, in pounds."
    )


def _common(score: ExplainedScore) -> dict[str, Any]:
    """The fields every risk has."""
    return {
        "probability": score.probability,
        "points": score.points,
        "baseline": score.baseline,
        "contributions": [
            RiskContribution(feature=c.feature, reason=c.words, points=c.points)
            for c in score.contributions
        ],
        "model_version": score.model_version,
        "as_of": score.as_of,
    }


async def _score(info: Info[Context, None], kind: ModelKind, key: int) -> ExplainedScore | None:
    context = info.context

    async def load(keys: list[int]) -> list[ExplainedScore | None]:
        db = context.root_db or context.db
        found = await forecast.explained_scores(db, context.principal, kind, keys)
        return [found.get(k) for k in keys]

    found: ExplainedScore | None = await context.loaders.batched(
        ("prediction", kind.value), load
    ).load(key)
    return found


async def damp_risk(root: Any, info: Info[Context, None]) -> Optional[DampMouldRisk]:
    """The newest damp and mould risk of this home, with its reasons: for the home's
    landlord and resident only, null for everyone else and before any scoring."""
    score = await _score(info, ModelKind.DAMP_MOULD, int(root["_key"]))
    if score is None:
        return None
    return DampMouldRisk(**_common(score))


async def failure_risk(root: Any, info: Info[Context, None]) -> Optional[FailureRisk]:
    """The newest failure risk of this component, with its reasons: for its landlord and
    its home's resident only, null for everyone else and before any scoring."""
    score = await _score(info, ModelKind.COMPONENT_FAILURE, int(root["_key"]))
    if score is None:
        return None
    return FailureRisk(
        **_common(score),
        expected_emergency_repairs=score.expected_emergency or 0.0,
        expected_cost=score.expected_cost or 0.0,
    )


EXTRA_FIELDS: dict[str, dict[str, tuple[Any, Any]]] = {
    "Home": {"dampRisk": (damp_risk, Optional[DampMouldRisk])},
    "Component": {"failureRisk": (failure_risk, Optional[FailureRisk])},
}


@strawberry.enum(description="What a proactive work item is about.")
class ProactiveWorkKind(enum.Enum):
    """Values are ``ModelKind`` values."""

    DAMP_MOULD = strawberry.enum_value(
        "damp-mould", description="A home at risk of damp and mould."
    )
    COMPONENT_FAILURE = strawberry.enum_value(
        "component-failure", description="A component likely to need a repair."
    )


@strawberry.type(description="One proposal on a landlord's proactive work list.")
class ProactiveWorkItem:
    """A home or component worth planned work, with why and what."""

    kind: ProactiveWorkKind = strawberry.field(description="What the proposal is about.")
    home_id: Optional[strawberry.ID] = strawberry.field(
        description="The Home's global ID (null for a communal component)."
    )
    building_id: Optional[strawberry.ID] = strawberry.field(
        description="The Building's global ID, for a communal component."
    )
    component_id: Optional[strawberry.ID] = strawberry.field(
        description="The Component's global ID (null for a home's damp and mould risk)."
    )
    postcode: Optional[str] = strawberry.field(description="Where it is.")
    probability: float = strawberry.field(description="The risk within 12 months.")
    expected_avoided_cost: float = strawberry.field(
        description="The probability times what the repair (or damp and mould works) "
        "typically costs this landlord, in pounds: the ranking key."
    )
    reason: str = strawberry.field(
        description="The contributions that raise the risk most, in plain words."
    )
    suggested_sor_code: Optional[str] = strawberry.field(
        description="The SOR code this landlord most often uses for such work."
    )
    suggested_work: str = strawberry.field(description="The planned work proposed.")


def _gid(type_name: str, key: int | None) -> strawberry.ID | None:
    return None if key is None else strawberry.ID(encode_global_id(type_name, key))


async def proactive_work(
    info: Info[Context, None],
    landlord: Annotated[strawberry.ID, strawberry.argument(description="The landlord's ID.")],
    first: Annotated[int, strawberry.argument(description="How many items, at most 500.")] = 50,
) -> list[ProactiveWorkItem]:
    """A landlord's homes and components ranked by expected avoided cost, each with its
    reason and a suggested SOR-coded job, to become planned works: for the landlord's own
    provider keys and admins (others get FORBIDDEN)."""
    context = info.context
    landlord_id = decode_int_id(landlord, "Organisation", field="landlord")
    items = await forecast.proactive_work(
        context.root_db or context.db, context.principal, landlord_id, first
    )
    return [
        ProactiveWorkItem(
            kind=ProactiveWorkKind(i.kind.value),
            home_id=_gid("Home", i.home_id),
            building_id=_gid("Building", i.building_id),
            component_id=_gid("Component", i.component_id),
            postcode=i.postcode,
            probability=i.probability,
            expected_avoided_cost=round(i.expected_avoided_cost, 2),
            reason=i.reason,
            suggested_sor_code=i.suggested_sor_code,
            suggested_work=i.suggested_work,
        )
        for i in items
    ]


@strawberry.enum(description="What component failure forecasts are rolled up by.")
class FailureForecastGroup(enum.Enum):
    """Values are ``RollupGroup`` values."""

    LANDLORD = strawberry.enum_value("landlord", description="The landlord (global ID).")
    POSTCODE_AREA = strawberry.enum_value("postcode_area", description="e.g. 'LS'.")
    POSTCODE_DISTRICT = strawberry.enum_value("postcode_district", description="e.g. 'LS9'.")
    ALL = strawberry.enum_value("all", description="Every component together (key null).")


@strawberry.type(description="Expected repairs of one group's components over the forecast.")
class FailureForecastRow:
    """One group of a roll-up."""

    key: Optional[str] = strawberry.field(
        description="The group: a landlord's global ID, or a postcode area or district."
    )
    label: Optional[str] = strawberry.field(description="The landlord's name, when by landlord.")
    year: int = strawberry.field(
        description="The year ahead: 1 is the 12 months from asOf, 2 the 12 after, and so on."
    )
    year_starts: dt.date = strawberry.field(description="The first day of the year.")
    components: Optional[int] = strawberry.field(description="Components scored.")
    expected_repairs: Optional[float] = strawberry.field(
        description="The sum of their probabilities: the repairs expected."
    )
    expected_emergency_repairs: Optional[float] = strawberry.field(
        description="The emergency repairs expected."
    )
    expected_cost: Optional[float] = strawberry.field(
        description="The expected cost of those repairs, in pounds."
    )
    suppressed: bool = strawberry.field(
        description="Whether the group covers too few homes to publish (values null)."
    )


@strawberry.type(description="Component failure forecasts rolled up, with how they were published.")
class FailureForecast:
    """A roll-up of the newest component failure scores."""

    disclosure: Disclosure = strawberry.field(description="Exact, or protected values.")
    as_of: Optional[dt.date] = strawberry.field(description="The day the forecast starts.")
    until: Optional[dt.date] = strawberry.field(
        description="The day its last year ends (excluded)."
    )
    rows: list[FailureForecastRow] = strawberry.field(
        description="One per group and year, by group then year."
    )


async def component_failure_forecast(
    info: Info[Context, None],
    group_by: Annotated[FailureForecastGroup, strawberry.argument(description="What to group by.")],
    landlord: Annotated[
        Optional[strawberry.ID], strawberry.argument(description="Only this landlord's.")
    ] = None,
    years: Annotated[
        int,
        strawberry.argument(
            description="How many years ahead, 1 to 5: one row per group and year."
        ),
    ] = 1,
) -> FailureForecast:
    """Expected repairs, emergency repairs and cost of components in each of the next
    1 to 5 years, by landlord, postcode area or district, or all together: open to every
    tier, under the disclosure rules (exact for regulators and admins). Year 1 sums the
    scores; later years score each component again with its age moved on, nothing
    replaced (docs/predictive.md)."""
    context = info.context
    landlord_id = decode_int_id(landlord, "Organisation", field="landlord") if landlord else None
    group = RollupGroup(cast(str, group_by.value))
    rollup = await forecast.failure_rollup(
        context.root_db or context.db,
        context.principal,
        context.settings,
        group,
        landlord_id,
        years,
    )
    rows = [
        FailureForecastRow(
            key=(
                encode_global_id("Organisation", int(r.key))
                if group is RollupGroup.LANDLORD and r.key is not None
                else r.key
            ),
            label=r.label,
            year=r.year,
            year_starts=forecast.year_starts(rollup.as_of, r.year) if rollup.as_of else dt.date.min,
            components=r.components,
            expected_repairs=r.expected_repairs,
            expected_emergency_repairs=r.expected_emergency_repairs,
            expected_cost=r.expected_cost,
            suppressed=r.suppressed,
        )
        for r in rollup.rows
    ]
    return FailureForecast(
        disclosure=disclosure_of(rollup.disclosure),
        as_of=rollup.as_of,
        until=rollup.until,
        rows=rows,
    )
