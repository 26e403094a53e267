"""An attacker on the public tier: for every grouping and scope the insight queries offer,
the differencing routes that rebuilt suppressed groups exactly before (a total minus its
visible parts, a total over a mean, a rate times a count, a landlord within an area),
checked against the exact values regulators see. Plus consistency (the same cell, the
same answer, whatever the query, grouping order or process) and utility (the noise on a
group of 100 or more homes stays within the stated bounds)."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from odx_graph.core.access import PUBLIC
from odx_graph.core.access import Principal
from odx_graph.core.access import Tier
from odx_graph.core.config import Settings
from odx_graph.core.disclosure import MAGNITUDE_MULTIPLIER
from odx_graph.core.disclosure import publisher_for
from odx_graph.services.insight.damp import breach_rates
from odx_graph.services.insight.damp import damp_rates
from odx_graph.services.insight.repairs import contractor_market
from odx_graph.services.insight.repairs import forecast_replacements
from odx_graph.services.insight.repairs import performance
from odx_graph.services.insight.repairs import performance_group
from odx_graph.store.analytics import Dimension
from odx_graph.store.analytics import MarketScope
from odx_graph.store.analytics import RepairScope
from odx_graph.store.analytics import repair_performance
from odx_graph.store.damp import DampDimension
from odx_graph.store.damp import DampScope
from odx_graph.store.db import Database
from tests.conftest import DEMO_AS_OF

ADMIN = Principal(Tier.ADMIN)
SETTINGS = Settings.from_env({}, insight_cache_entries=0)
PUBLISH = publisher_for(PUBLIC, SETTINGS)
EXACT = publisher_for(ADMIN, SETTINGS)
# A repair counts under every schedule of its lines, so SOR_SCHEDULE parts overlap and
# do not add up; a home is in every month it has a case, so months split cases, not
# homes.
OVERLAPPING = {Dimension.SOR_SCHEDULE}
CASES_ONLY = {DampDimension.MONTH, DampDimension.MONTH_OF_YEAR}
ADDITIVE_COUNTS = ("raised", "completed", "open")


def _groupings(dimensions: list[Any]) -> Iterator[tuple[Any, ...]]:
    for size in range(1, 4):
        yield from itertools.combinations(dimensions, size)


async def _repair_scopes(db: Database) -> list[RepairScope]:
    landlord = await db.fetchval("SELECT min(id) FROM organisation WHERE kind_code = 'landlord'")
    district = await db.fetchval(
        "SELECT postcode_district FROM home GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
    )
    year = DEMO_AS_OF.year
    return [
        RepairScope(),
        RepairScope(landlord_ids=(landlord,)),
        RepairScope(postcode_column="postcode_district", postcode_value=district),
        RepairScope(
            reported_from=dt.datetime(year - 1, 4, 1, tzinfo=dt.UTC),
            reported_to=dt.datetime(year, 4, 1, tzinfo=dt.UTC),
        ),
    ]


@dataclass
class Ledger:
    """What the attacker tried and how close each try came."""

    count_errors: list[int] = field(default_factory=list)
    total_errors: list[float] = field(default_factory=list)
    recovered: list[str] = field(default_factory=list)

    def count(self, estimate: float, exact: int, what: str) -> None:
        # A held-back part that counts nothing leaves its whole the same cell as the
        # visible parts (the same units: the same noise), so its zero shows through;
        # any count above zero must not.
        if exact == 0:
            return
        error = round(estimate) - exact
        self.count_errors.append(error)
        if error == 0:
            self.recovered.append(what)

    def total(self, estimate: float, exact: float) -> None:
        # A hidden part with no cost at all sits in the same cell as the visible parts
        # (the same repairs: the same noise), so a zero shows through, as every
        # consistent perturbation lets it; anything above zero must not.
        if exact > 0:
            self.total_errors.append(estimate - exact)


async def test_differencing_recovers_no_protected_group(seeded_db: Database) -> None:
    ledger = Ledger()
    totals_over_means = 0
    for scope in await _repair_scopes(seeded_db):
        cells: dict[tuple[Any, ...], dict[tuple[Any, ...], tuple[Any, Any]]] = {}
        for grouping in [(), *_groupings(list(Dimension))]:
            # one query, published both ways (as the service does for each tier)
            rows = await repair_performance(seeded_db, grouping, scope)
            public = [performance_group(r, grouping, PUBLISH) for r in rows]
            exact = [performance_group(r, grouping, EXACT) for r in rows]
            cells[grouping] = {
                tuple(k.value for k in p.key): (p, e) for p, e in zip(public, exact, strict=True)
            }
            for p, e in zip(public, exact, strict=True):
                # a total over a mean: the number of costed repairs
                if p.measures["cost_mean"] and p.measures["cost_total"] is not None:
                    totals_over_means += 1
                    n = round((e.measures["cost_total"] or 0) / (e.measures["cost_mean"] or 1))
                    ledger.count(p.measures["cost_total"] / p.measures["cost_mean"], n, "t/m")
                # a rate times a count: first-time fixes out of the completed repairs
                if p.measures["first_time_fix_pct"] is not None and p.counts["completed"]:
                    fixed = round(e.measures["first_time_fix_pct"] * e.counts["completed"] / 100)
                    ledger.count(
                        p.measures["first_time_fix_pct"] * p.counts["completed"] / 100,
                        fixed,
                        "rate x count",
                    )
        # a whole minus its visible parts, for every grouping and every dimension it adds
        # to a coarser one (landlord within area among them)
        for grouping, groups in cells.items():
            for d in grouping:
                if d in OVERLAPPING:
                    continue
                parent = tuple(x for x in grouping if x is not d)
                at = grouping.index(d)
                children: dict[tuple[Any, ...], list[tuple[Any, Any]]] = defaultdict(list)
                for values, pair in groups.items():
                    children[values[:at] + values[at + 1 :]].append(pair)
                for values, parts in children.items():
                    whole_public, whole_exact = cells[parent][values]
                    hidden = [(p, e) for p, e in parts if p.suppressed]
                    if whole_public.suppressed or len(hidden) != 1:
                        continue
                    shown = [p for p, _ in parts if not p.suppressed]
                    exact_hidden = hidden[0][1]
                    for c in ADDITIVE_COUNTS:
                        if whole_exact.counts[c]:
                            guess = whole_public.counts[c] - sum(p.counts[c] for p in shown)
                            ledger.count(guess, exact_hidden.counts[c], f"{c} {grouping}")
                    if whole_exact.measures["cost_total"]:
                        ledger.total(
                            whole_public.measures["cost_total"]
                            - sum(p.measures["cost_total"] or 0 for p in shown),
                            exact_hidden.measures["cost_total"] or 0.0,
                        )
    assert totals_over_means > 100 and len(ledger.total_errors) > 100
    assert len(ledger.count_errors) > 1000
    # Never to the penny, and typically off by far more.
    assert min(abs(e) for e in ledger.total_errors) > 0.01
    assert sorted(abs(e) for e in ledger.total_errors)[len(ledger.total_errors) // 2] > 10
    # Counts: exact only by chance, about as often as random rounding leaves a count
    # alone, and the attacker cannot tell when.
    exact_share = len(ledger.recovered) / len(ledger.count_errors)
    assert exact_share < 0.4, exact_share
    mean_error = sum(abs(e) for e in ledger.count_errors) / len(ledger.count_errors)
    assert mean_error > 1.0, mean_error


async def test_damp_rates_and_breach_rates_cannot_be_undone(seeded_db: Database) -> None:
    ledger = Ledger()
    landlord = await seeded_db.fetchval(
        "SELECT min(id) FROM organisation WHERE kind_code = 'landlord'"
    )
    district = await seeded_db.fetchval(
        "SELECT postcode_district FROM home GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
    )
    scopes = (
        DampScope(),
        DampScope(landlord_ids=(landlord,)),
        DampScope(postcode_column="postcode_district", postcode_value=district),
        DampScope(
            aware_from=dt.datetime(DEMO_AS_OF.year - 1, 4, 1, tzinfo=dt.UTC),
            aware_to=dt.datetime(DEMO_AS_OF.year, 4, 1, tzinfo=dt.UTC),
        ),
    )
    for scope in scopes:
        cells = {}
        for grouping in [(), *_groupings(list(DampDimension))]:
            public = await damp_rates(seeded_db, SETTINGS, PUBLIC, grouping, scope)
            exact = await damp_rates(seeded_db, SETTINGS, ADMIN, grouping, scope)
            cells[grouping] = {
                tuple(k.value for k in p.key): (p, e) for p, e in zip(public, exact, strict=True)
            }
            for p, e in zip(public, exact, strict=True):
                if p.per_1000_homes is not None and p.homes:
                    # a rate times the published homes gives back the published cases
                    ledger.count(p.per_1000_homes * p.homes / 1000, e.cases or 0, "rate x homes")
        for grouping, groups in cells.items():
            for d in grouping:
                parent = tuple(x for x in grouping if x is not d)
                at = grouping.index(d)
                children: dict[tuple[Any, ...], list[Any]] = defaultdict(list)
                for values, pair in groups.items():
                    children[values[:at] + values[at + 1 :]].append(pair)
                for values, parts in children.items():
                    whole_public, whole_exact = cells[parent][values]
                    hidden = [e for p, e in parts if p.suppressed]
                    if whole_public.suppressed or len(hidden) != 1:
                        continue
                    shown = [p for p, _ in parts if not p.suppressed]
                    for name in ("cases",) if d in CASES_ONLY else ("homes", "cases"):
                        if getattr(whole_exact, name):
                            guess = getattr(whole_public, name) - sum(
                                getattr(p, name) for p in shown
                            )
                            ledger.count(guess, getattr(hidden[0], name), name)
        public_breach = await breach_rates(seeded_db, SETTINGS, PUBLIC, scope)
        exact_breach = {
            r.landlord_id: r for r in await breach_rates(seeded_db, SETTINGS, ADMIN, scope)
        }
        for r in public_breach:
            if r.breach_pct is not None and r.cases:
                e = exact_breach[r.landlord_id]
                ledger.count(r.breach_pct * r.cases / 100, e.cases_with_breach or 0, "breach")
    assert len(ledger.count_errors) > 200
    exact_share = len(ledger.recovered) / len(ledger.count_errors)
    assert exact_share < 0.4, exact_share


async def test_contractor_market_and_forecast_are_protected(seeded_db: Database) -> None:
    district = await seeded_db.fetchval(
        "SELECT postcode_district FROM home GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
    )
    compared = exact_hits = 0
    for scope in (
        MarketScope(),
        MarketScope("postcode_district", district),
        MarketScope(trade_codes=("PL",)),
    ):
        jobs, rates = await contractor_market(seeded_db, SETTINGS, PUBLIC, scope)
        ejobs, erates = await contractor_market(seeded_db, SETTINGS, ADMIN, scope)
        for p, e in zip([*jobs, *rates], [*ejobs, *erates], strict=True):
            if p.suppressed:
                assert p.jobs is None
                continue
            assert p.jobs is not None and e.jobs is not None and p.jobs % 5 == 0
            compared += 1
            exact_hits += p.jobs == e.jobs
    for postcode in ("", district):
        column = "postcode_district" if postcode else ""
        public = await forecast_replacements(
            seeded_db, SETTINGS, PUBLIC, 10, {"kitchen": 100.0}, column, postcode
        )
        exact = await forecast_replacements(
            seeded_db, SETTINGS, ADMIN, 10, {"kitchen": 100.0}, column, postcode
        )
        for p, e in zip(public, exact, strict=True):
            if not p.suppressed:
                assert p.components is not None and p.components % 5 == 0
                compared += 1
                exact_hits += p.components == e.components
    assert compared > 10 and exact_hits / compared < 0.4


async def test_the_same_cell_gets_the_same_answer(seeded_db: Database, pg_server: Any) -> None:
    landlord = await seeded_db.fetchval(
        "SELECT min(id) FROM organisation WHERE kind_code = 'landlord'"
    )
    one = RepairScope(landlord_ids=(landlord,))
    [alone] = await performance(seeded_db, SETTINGS, PUBLIC, [], one)
    by_landlord = await performance(
        seeded_db, SETTINGS, PUBLIC, [Dimension.LANDLORD], RepairScope()
    )
    [same] = [g for g in by_landlord if g.key[0].value == str(landlord)]
    assert (alone.homes, alone.counts) == (same.homes, same.counts)
    assert alone.measures["cost_total"] == same.measures["cost_total"]
    a = await performance(
        seeded_db, SETTINGS, PUBLIC, [Dimension.LANDLORD, Dimension.PRIORITY], RepairScope()
    )
    b = await performance(
        seeded_db, SETTINGS, PUBLIC, [Dimension.PRIORITY, Dimension.LANDLORD], RepairScope()
    )
    swapped = {(g.key[1].value, g.key[0].value): g for g in b}
    for g in a:
        other = swapped[(g.key[0].value, g.key[1].value)]
        assert (g.homes, g.counts, g.measures) == (other.homes, other.counts, other.measures)
    # another pool, as another server process or a restart would have
    again = await Database.connect(seeded_db.dsn, max_size=1)
    try:
        assert (
            await performance(
                again, SETTINGS, PUBLIC, [Dimension.LANDLORD, Dimension.PRIORITY], RepairScope()
            )
            == a
        )
    finally:
        await again.close()


async def test_the_noise_on_a_group_of_100_homes_is_bounded(seeded_db: Database) -> None:
    """Counts within 4, totals within 1.5 × the multiplier × the largest repair, and a
    percentage of a denominator d >= 100 within 800 / (d - 4) points."""
    checked = 0
    for grouping in [(), (Dimension.LANDLORD,), (Dimension.PRIORITY,), (Dimension.TRADE,)]:
        public = await performance(seeded_db, SETTINGS, PUBLIC, grouping, RepairScope())
        exact = await performance(seeded_db, SETTINGS, ADMIN, grouping, RepairScope())
        for p, e in zip(public, exact, strict=True):
            if (e.homes or 0) < 100:
                continue
            checked += 1
            assert abs((p.homes or 0) - (e.homes or 0)) <= 4
            for c in ADDITIVE_COUNTS:
                assert abs((p.counts[c] or 0) - (e.counts[c] or 0)) <= 4
            largest = await seeded_db.fetchval("SELECT max(cost) FROM repair_fact WHERE completed")
            bound = 1.5 * MAGNITUDE_MULTIPLIER * float(largest)
            assert abs((p.measures["cost_total"] or 0) - (e.measures["cost_total"] or 0)) <= bound
            d = e.counts["completed"] or 0
            if d >= 100 and e.measures["first_time_fix_pct"] is not None:
                drift = abs(
                    (p.measures["first_time_fix_pct"] or 0) - e.measures["first_time_fix_pct"]
                )
                assert drift <= 800 / (d - 4)
    assert checked >= 2
