"""A landlord's scorecard: its repair and damp measures each next to the peer median with
the outlier flag, and its monthly trends, from the same services as the GraphQL insight
queries and under the same disclosure rules."""

from __future__ import annotations

from dataclasses import dataclass

from odx_graph.core.access import Principal
from odx_graph.core.config import Settings
from odx_graph.core.disclosure import Disclosure
from odx_graph.core.disclosure import publisher_for
from odx_graph.services.insight.cache import InsightCache
from odx_graph.services.insight.providers import Measure
from odx_graph.services.insight.providers import ProviderValue
from odx_graph.services.insight.providers import compare_measures
from odx_graph.services.insight.repairs import performance
from odx_graph.store.analytics import Dimension
from odx_graph.store.analytics import RepairScope
from odx_graph.store.db import Database

# The scorecard's measures, in the order shown: RP02 split emergency and non-emergency,
# time, repeats, first-time fix, damp and mould, Awaab's Law.
SCORECARD_MEASURES = (
    Measure("within_target_emergency_pct"),
    Measure("within_target_non_emergency_pct"),
    Measure("median_working_days"),
    Measure("repeat_30_pct"),
    Measure("first_time_fix_pct"),
    Measure("damp_mould_per_1000_homes"),
    Measure("awaab_breach_pct"),
)
# The monthly trends drawn as charts.
TREND_MEASURES = (
    Measure("within_target_emergency_pct"),
    Measure("within_target_non_emergency_pct"),
    Measure("median_working_days"),
)
TREND_MONTHS = 12


@dataclass(frozen=True, slots=True)
class ScoreLine:
    """One measure of the landlord beside its peers."""

    measure: Measure
    value: float | None
    suppressed: bool
    peer_median: float | None
    robust_z: float | None
    outlier: bool
    threshold: float


@dataclass(frozen=True, slots=True)
class TrendPoint:
    """One month of a landlord's repairs (reported in that month)."""

    month: str
    values: dict[Measure, float | None]
    suppressed: bool


@dataclass(frozen=True, slots=True)
class Scorecard:
    """A landlord's scorecard as one caller may see it."""

    landlord_id: int
    name: str | None
    lines: tuple[ScoreLine, ...]
    trend: tuple[TrendPoint, ...]
    disclosure: Disclosure


def _line(measure: Measure, mine: ProviderValue, median: float | None, z: float) -> ScoreLine:
    return ScoreLine(measure, mine.value, mine.suppressed, median, mine.robust_z, mine.outlier, z)


async def landlord_scorecard(
    db: Database,
    settings: Settings,
    principal: Principal,
    landlord_id: int,
    cache: InsightCache | None = None,
) -> Scorecard | None:
    """The scorecard of one landlord; ``None`` when there is no such landlord. Its
    answers are kept in ``cache`` as the GraphQL insight queries' are, so a scorecard
    asked again while nothing has changed is read from there; the repair measures
    compared with the peers are worked out together."""
    lines = []
    name: str | None = None
    comparisons = await compare_measures(
        db, settings, principal, SCORECARD_MEASURES, RepairScope(), cache
    )
    for measure, comparison in comparisons.items():
        mine = next((p for p in comparison.providers if p.landlord_id == landlord_id), None)
        if mine is None:
            return None
        name = mine.name
        lines.append(_line(measure, mine, comparison.peer_median, comparison.threshold))
    groups = await performance(
        db,
        settings,
        principal,
        [Dimension.MONTH],
        RepairScope(landlord_ids=(landlord_id,)),
        tuple(m.value for m in TREND_MEASURES),
        cache,
    )
    months = sorted(
        (g for g in groups if g.key[0].value is not None), key=lambda g: str(g.key[0].value)
    )[-TREND_MONTHS:]
    trend = tuple(
        TrendPoint(
            str(g.key[0].value),
            {m: g.measures.get(m.value) for m in TREND_MEASURES},
            g.suppressed,
        )
        for g in months
    )
    disclosure = publisher_for(principal, settings).disclosure
    return Scorecard(landlord_id, name, tuple(lines), trend, disclosure)
