"""Provider comparison: each landlord's value of a measure against its peers, with robust
outlier flags.

Every landlord is listed (in scope), with a null value when it has nothing to measure.
The peers are the same for every caller: the landlords with a value that cover at least
``suppress_below_homes`` homes in scope. The peer median, the MAD and the scores are
worked out from the values the caller sees (exact for regulators and admins, protected
for everyone else), so a public answer never holds an exact value that the disclosure
rules would have protected.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from enum import StrEnum

from odx_graph.core.access import Principal
from odx_graph.core.config import Settings
from odx_graph.core.disclosure import Disclosure
from odx_graph.core.disclosure import Publisher
from odx_graph.core.disclosure import publisher_for
from odx_graph.mapping.insight import AWAAB_BREACH_PCT
from odx_graph.mapping.insight import COMPARED
from odx_graph.mapping.insight import DAMP_MOULD_PER_1000_HOMES
from odx_graph.mapping.insight import DampDimension
from odx_graph.mapping.insight import Dimension
from odx_graph.services.insight.cache import InsightCache
from odx_graph.services.insight.cache import cached
from odx_graph.services.insight.damp import breach_rates
from odx_graph.services.insight.damp import damp_rates
from odx_graph.services.insight.repairs import performance
from odx_graph.store.analytics import RepairScope
from odx_graph.store.analytics import landlords
from odx_graph.store.damp import DampScope
from odx_graph.store.db import Database

# Iglewicz and Hoaglin's modified z-score: 0.6745 (x - median) / MAD; |z| > 3.5 is an
# outlier. The constant makes the MAD comparable with a standard deviation.
MAD_SCALE = 0.6745
OUTLIER_THRESHOLD = 3.5


# The measures a provider comparison can use, as declared in ``mapping.insight``.
Measure = StrEnum("Measure", [(m.name.upper(), m.name) for m in COMPARED])  # type: ignore[misc]
_DAMP = (DAMP_MOULD_PER_1000_HOMES.name, AWAAB_BREACH_PCT.name)


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
    disclosure: Disclosure = Disclosure.EXACT


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


@dataclass(frozen=True, slots=True)
class _Value:
    value: float | None
    homes: int  # homes in scope, exact (0 when unknown to this caller: suppressed)
    suppressed: bool


async def _values(
    db: Database,
    settings: Settings,
    principal: Principal,
    measure: Measure,
    scope: RepairScope,
    cache: InsightCache | None,
) -> dict[int, _Value]:
    """Each measured landlord's value as ``principal`` sees it. The damp and mould
    measures read the scope's dates as awareness dates."""
    if measure.value in _DAMP:
        damp = DampScope(
            scope.reported_from,
            scope.reported_to,
            scope.landlord_ids,
            scope.postcode_column,
            scope.postcode_value,
        )
        if measure.value == AWAAB_BREACH_PCT.name:
            rates = await breach_rates(db, settings, principal, damp, cache=cache)
            return {r.landlord_id: _Value(r.breach_pct, r.homes or 0, r.suppressed) for r in rates}
        groups = await damp_rates(
            db, settings, principal, [DampDimension.LANDLORD], damp, cache=cache
        )
        return {
            int(g.key[0].value): _Value(g.per_1000_homes, g.homes or 0, g.suppressed)
            for g in groups
            if g.key[0].value is not None
        }
    repair_groups = await performance(
        db, settings, principal, [Dimension.LANDLORD], scope, (measure.value,), cache
    )
    return {
        int(g.key[0].value): _Value(g.measures[measure.value], g.homes or 0, g.suppressed)
        for g in repair_groups
        if g.key[0].value is not None
    }


async def compare_providers(
    db: Database,
    settings: Settings,
    principal: Principal,
    measure: Measure,
    scope: RepairScope,
    cache: InsightCache | None = None,
) -> ProviderComparison:
    """Every landlord's value of ``measure``, the peer median, robust z-score and flag."""
    [comparison] = (
        await compare_measures(db, settings, principal, (measure,), scope, cache)
    ).values()
    return comparison


async def compare_measures(
    db: Database,
    settings: Settings,
    principal: Principal,
    measures: Sequence[Measure],
    scope: RepairScope,
    cache: InsightCache | None = None,
) -> dict[Measure, ProviderComparison]:
    """:func:`compare_providers` for each of ``measures``, the repair measures worked
    out together (one reading of the repair facts, not one a measure)."""
    publish = publisher_for(principal, settings)
    values: dict[str, dict[int, _Value]] = {}
    repair = tuple(m.value for m in measures if m.value not in _DAMP)
    if repair:
        groups = await performance(
            db, settings, principal, [Dimension.LANDLORD], scope, repair, cache
        )
        for name in repair:
            values[name] = {
                int(g.key[0].value): _Value(g.measures[name], g.homes or 0, g.suppressed)
                for g in groups
                if g.key[0].value is not None
            }
    for measure in measures:
        if measure.value in _DAMP:
            values[measure.value] = await _values(db, settings, principal, measure, scope, cache)

    async def every_landlord() -> list[tuple[int, str | None]]:
        return [(int(r["id"]), r["name"]) for r in await landlords(db, scope.landlord_ids)]

    listed = await cached(db, cache, ("landlords", scope.landlord_ids), every_landlord)
    return {m: _compared(m, values[m.value], listed, publish) for m in measures}


def _compared(
    measure: Measure,
    values: dict[int, _Value],
    listed: list[tuple[int, str | None]],
    publish: Publisher,
) -> ProviderComparison:
    nothing = _Value(None, 0, not publish.exact)
    rows = [(landlord, name, values.get(landlord, nothing)) for landlord, name in listed]

    def is_peer(v: _Value) -> bool:
        return v.value is not None and not v.suppressed and v.homes >= publish.threshold

    peers = [r for r in rows if is_peer(r[2])]
    median, mad, scores = robust_z_scores([float(r[2].value or 0.0) for r in peers])
    score_of = {r[0]: s for r, s in zip(peers, scores, strict=True)}
    providers = []
    for landlord, name, v in rows:
        z = score_of.get(landlord)
        providers.append(
            ProviderValue(
                landlord_id=landlord,
                name=name,
                value=v.value,
                robust_z=z,
                outlier=z is not None and abs(z) > OUTLIER_THRESHOLD,
                suppressed=v.suppressed,
            )
        )
    return ProviderComparison(
        measure, median, mad, OUTLIER_THRESHOLD, tuple(providers), publish.disclosure
    )
