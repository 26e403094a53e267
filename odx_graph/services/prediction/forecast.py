"""Scores for the people allowed them: a home's damp and mould risk and its components'
failure risk (its landlord, its resident, admins), roll-ups of failure forecasts into
expected emergency repairs and cost (anyone, under the disclosure rules), and a
landlord's proactive work list.

No tier below the landlord and the resident ever gets a home's score: the public, other
landlords, contractors and regulators get roll-ups only.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

from odx_graph.core.access import Principal
from odx_graph.core.access import Tier
from odx_graph.core.access import is_tied
from odx_graph.core.config import Settings
from odx_graph.core.disclosure import Disclosure
from odx_graph.core.disclosure import publisher_for
from odx_graph.core.errors import ForbiddenError
from odx_graph.core.errors import InputError
from odx_graph.services.prediction.features import LIFE_USED
from odx_graph.services.prediction.features import ModelKind
from odx_graph.services.prediction.models import HORIZON_MONTHS
from odx_graph.services.prediction.models import months_before
from odx_graph.services.prediction.scorecard import POINTS_TO_DOUBLE
from odx_graph.services.prediction.scorecard import Contribution
from odx_graph.services.prediction.scorecard import Scorecard
from odx_graph.store import predictions as store
from odx_graph.store.db import Database
from odx_graph.store.features import common_sor_by_type
from odx_graph.store.predictions import RollupGroup

MAX_WORK_ITEMS = 500


def may_see_score(principal: Principal, landlord_id: int | None, home_id: int | None) -> bool:
    """Whether `principal` may see a score about that landlord's record and that home: an
    admin, the landlord's provider keys, the home's resident (with the read scope)."""
    return is_tied(principal, landlord=landlord_id, home=home_id, reading=True)


@dataclass(frozen=True, slots=True)
class ExplainedScore:
    """A score with its reasons: baseline + the contributions' points = points."""

    subject_id: int
    model_version: int
    as_of: dt.date
    probability: float
    points: float
    baseline: float
    contributions: tuple[Contribution, ...]
    expected_emergency: float | None = None
    expected_cost: float | None = None


async def explained_scores(
    db: Database, principal: Principal, kind: ModelKind, ids: Sequence[int]
) -> dict[int, ExplainedScore]:
    """The newest scores of these homes (damp and mould) or components (failure) that
    `principal` may see, by id; the others are simply absent."""
    if principal.tier is Tier.PUBLIC or not ids:
        return {}
    rows = await store.latest_scores(db, kind.value, ids)
    home = "home_id" if kind is ModelKind.DAMP_MOULD else "current_home_id"
    visible = [r for r in rows if may_see_score(principal, r["current_landlord_id"], r[home])]
    if not visible:
        return {}
    model = await store.scored_model(db, kind.value)
    if model is None:
        return {}
    card = Scorecard.from_json(model["scorecard"])
    key = "home_id" if kind is ModelKind.DAMP_MOULD else "component_id"
    out = {}
    for r in visible:
        s = card.explain(r["bins"])
        out[int(r[key])] = ExplainedScore(
            int(r[key]),
            int(model["version"]),
            r["as_of"],
            s.probability,
            s.points,
            s.baseline,
            s.contributions,
            r.get("expected_emergency"),
            float(r["expected_cost"]) if r.get("expected_cost") is not None else None,
        )
    return out


@dataclass(frozen=True, slots=True)
class RollupRow:
    """Expected repairs of one group's components in one year ahead (year 1 is the 12
    months from `as_of`)."""

    key: str | None
    label: str | None
    year: int
    components: int | None
    expected_repairs: float | None
    expected_emergency_repairs: float | None
    expected_cost: float | None
    suppressed: bool


@dataclass(frozen=True, slots=True)
class Rollup:
    """A roll-up of the newest failure forecasts and how its values were published."""

    disclosure: Disclosure
    as_of: dt.date | None
    until: dt.date | None
    rows: tuple[RollupRow, ...]


# How many years ahead a roll-up reaches at most.
MAX_YEARS = 5


def year_starts(as_of: dt.date, year: int) -> dt.date:
    """The first day of year ``year`` ahead of ``as_of`` (year 1 starts on ``as_of``)."""
    return months_before(as_of, -HORIZON_MONTHS * (year - 1))


async def failure_rollup(
    db: Database,
    principal: Principal,
    settings: Settings,
    group: RollupGroup,
    landlord_id: int | None = None,
    years: int = 1,
) -> Rollup:
    """Expected repairs, emergency repairs and cost per group and year ahead (1 to
    ``years``, at most five): exact for regulators and admins, under the disclosure
    rules for everyone else (groups of fewer homes than the threshold suppressed, counts
    and totals perturbed). Year 1 sums the scores; a later year scores each component
    again with its age moved on (the model's life-used points), everything else as it
    is: what the components would need if none were replaced."""
    if not 1 <= years <= MAX_YEARS:
        raise InputError(f"years: give 1 to {MAX_YEARS}", field="years")
    publisher = publisher_for(principal, settings)
    model = await store.scored_model(db, ModelKind.COMPONENT_FAILURE.value)
    edges: tuple[float, ...] = (math.inf,)
    tenths: tuple[int, ...] = (0, 0, 0)
    if model is not None:
        card = Scorecard.from_json(model["scorecard"])
        for feature, points in zip(card.features, card.tenths, strict=True):
            if feature.name == LIFE_USED.name:
                edges, tenths = feature.edges, points
    rows = await store.failure_rollup(
        db, group, landlord_id, years, edges, tenths, POINTS_TO_DOUBLE / math.log(2.0)
    )
    out = []
    as_of = None
    for r in rows:
        as_of = r["as_of"]
        if publisher.suppressed(int(r["homes"])):
            out.append(RollupRow(r["key"], r["label"], r["year"], None, None, None, None, True))
            continue
        key = int(r["key_sum"])
        out.append(
            RollupRow(
                r["key"],
                r["label"],
                r["year"],
                publisher.count(int(r["components"]), key % 256),
                publisher.total(r["expected_repairs"], r["largest_repairs"], key),
                publisher.total(r["expected_emergency"], r["largest_emergency"], key),
                publisher.total(r["expected_cost"], r["largest_cost"], key),
                False,
            )
        )
    until = year_starts(as_of, years + 1) if as_of else None
    return Rollup(publisher.disclosure, as_of, until, tuple(out))


@dataclass(frozen=True, slots=True)
class WorkItem:
    """One proposal on a proactive work list."""

    kind: ModelKind
    home_id: int | None
    building_id: int | None
    component_id: int | None
    postcode: str | None
    probability: float
    expected_avoided_cost: float
    reason: str
    suggested_sor_code: str | None
    suggested_work: str


async def proactive_work(
    db: Database, principal: Principal, landlord_id: int, limit: int = 50
) -> list[WorkItem]:
    """A landlord's homes and components ranked by expected avoided cost: the chance of
    the repair (case) times what such a repair (damp and mould works) costs the landlord,
    each with its main reason and a suggested SOR-coded job. For the landlord's own keys
    and admins only."""
    if not (
        principal.tier is Tier.ADMIN
        or (principal.tier is Tier.PROVIDER and principal.organisation_id == landlord_id)
    ):
        raise ForbiddenError("a proactive work list is for the landlord's own keys")
    limit = max(1, min(limit, MAX_WORK_ITEMS))
    items: list[WorkItem] = []
    sor = await common_sor_by_type(db, landlord_id)
    failure = await store.scored_model(db, ModelKind.COMPONENT_FAILURE.value)
    if failure is not None:
        card = Scorecard.from_json(failure["scorecard"])
        for r in await store.riskiest_components(db, landlord_id, limit):
            items.append(
                WorkItem(
                    ModelKind.COMPONENT_FAILURE,
                    r["home_id"],
                    r["building_id"],
                    r["component_id"],
                    r["postcode"],
                    r["probability"],
                    float(r["expected_cost"]),
                    _reason(card, r["bins"]),
                    sor.get(r["code"]),
                    f"inspect and repair or replace the {r['type_label'].lower()}",
                )
            )
    damp = await store.scored_model(db, ModelKind.DAMP_MOULD.value)
    if damp is not None:
        card = Scorecard.from_json(damp["scorecard"])
        rows = await store.riskiest_homes(db, landlord_id, limit)
        if rows:
            since = months_before(rows[0]["as_of"], HORIZON_MONTHS)
            cost = await store.damp_work_cost(db, landlord_id, since)
            for r in rows:
                items.append(
                    WorkItem(
                        ModelKind.DAMP_MOULD,
                        r["home_id"],
                        None,
                        None,
                        r["postcode"],
                        r["probability"],
                        r["probability"] * cost,
                        _reason(card, r["bins"]),
                        sor.get("wall-finish"),
                        "damp and mould survey: ventilation, insulation and leaks",
                    )
                )
    items.sort(key=lambda i: (-i.expected_avoided_cost, -i.probability))
    return items[:limit]


def _reason(card: Scorecard, bins: Sequence[int]) -> str:
    """The contributions that raise the score most, in plain words (at most three)."""
    score = card.explain(bins)
    raising = sorted((c for c in score.contributions if c.points > 0), key=lambda c: -c.points)
    if not raising:
        return "no single reason: a typical risk"
    return "; ".join(f"{c.words}: +{c.points:.1f} points" for c in raising[:3])
