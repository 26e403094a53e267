"""The plan of one generator run: everything fixed before the first chunk is built.

That is the codes resolved to the roles the generator needs, the organisations, the calendar
of the three years the repairs cover, the SOR pools and prices of each kind of repair, and
the codes and calendars of the EPC and damp and mould models.
"""

from __future__ import annotations

from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta
from math import cos
from math import exp
from math import pi
from typing import Any

from odx_graph.services.demo.catalogue import CONTRACTORS
from odx_graph.services.demo.catalogue import DISTRICTS
from odx_graph.services.demo.catalogue import LANDLORDS
from odx_graph.services.demo.catalogue import REGIONS
from odx_graph.services.demo.certificates import CertificatePlan
from odx_graph.services.demo.codes import COMPONENT_ROLES
from odx_graph.services.demo.codes import CONDITION_ROLES
from odx_graph.services.demo.codes import FORM_ROLES
from odx_graph.services.demo.codes import KIND_ROLES
from odx_graph.services.demo.codes import PROPERTY_ROLES
from odx_graph.services.demo.codes import STATUS_ROLES
from odx_graph.services.demo.codes import TRADE_FALLBACK
from odx_graph.services.demo.codes import TRADE_ROLES
from odx_graph.services.demo.codes import CodeLists
from odx_graph.services.demo.codes import match_roles
from odx_graph.services.demo.components import DEFAULT_LIFETIME
from odx_graph.services.demo.damp import DampPlan
from odx_graph.services.demo.draws import cumulative
from odx_graph.services.demo.draws import seeded_random
from odx_graph.services.demo.geography import generated_district_count
from odx_graph.services.demo.geography import generated_districts
from odx_graph.services.demo.works import DAMP_WORK
from odx_graph.services.demo.works import WORKS

# Share of routine repairs at each priority code; codes not listed get 5.
PRIORITY_MIX = {"1": 3.0, "2": 17.0, "3": 20.0, "4": 55.0, "5": 5.0}


class Plan:
    """Everything fixed for one run: resolved codes, organisations, calendars, price lists."""

    def __init__(self, codes: CodeLists, seed: int, as_of: date, homes: int = 0) -> None:
        self.seed = seed
        self._resolve_codes(codes)
        self._plan_organisations(homes)
        self._plan_calendar(as_of)
        self._plan_works(codes)
        self.certificates = CertificatePlan(codes, seed, as_of)
        self.damp = DampPlan(codes, as_of, self.days)

    # -- code lists ---------------------------------------------------------------------
    def _resolve_codes(self, codes: CodeLists) -> None:
        if not codes.priorities:
            raise ValueError("the priority code list is empty; load the code lists first")
        statuses = match_roles(((s.code, s.label) for s in codes.repair_statuses), STATUS_ROLES)
        open_codes = [s.code for s in codes.repair_statuses if s.is_open]
        closed = [s.code for s in codes.repair_statuses if not s.is_open]
        if "complete" not in statuses and closed:
            statuses["complete"] = closed[0]
        if "complete" not in statuses or not open_codes:
            raise ValueError("the repair status code list needs an open and a complete status")
        statuses.setdefault("reported", open_codes[0])
        for role, fallback in (
            ("scheduled", "reported"),
            ("in-progress", "scheduled"),
            ("hold", "in-progress"),
        ):
            statuses.setdefault(role, statuses[fallback])
        self.status = statuses
        # A repair's open flag and district are written with it (the row triggers that
        # would copy them are set aside during a bulk load; see `store.bulk`).
        self.open_statuses = frozenset(open_codes)
        self.can_cancel = "cancelled" in statuses

        ranked = sorted(codes.priorities, key=lambda p: (len(p.code), p.code))
        self.priorities = ranked
        self.priority_cum = cumulative(PRIORITY_MIX.get(p.code, 5.0) for p in ranked)
        self.priority_slot = [min(i, 4) for i in range(len(ranked))]
        self.urgent = [bool(p.response_hours) or p.is_emergency for p in ranked]
        self.slot_priority = [min(slot, len(ranked) - 1) for slot in range(5)]
        self.damp_slot_cum = cumulative(DAMP_WORK.weights)
        max_days = max([p.response_working_days or 0 for p in ranked] + [1])
        self.working_day_offset = [_working_day_offsets(weekday, max_days) for weekday in range(7)]

        pairs = [(c.code, c.label) for c in codes.conditions]
        found = match_roles(pairs, CONDITION_ROLES)
        order = ("good", "fair", "poor", "failed")
        if found:
            ladder = [found.get(r) for r in order]
            for i, value in enumerate(ladder):  # fill gaps from the nearest known grade
                if value is None:
                    near = [v for v in ladder[i::-1] + ladder[i:] if v is not None]
                    ladder[i] = near[0]
            self.conditions: list[str | None] = list(ladder)
        else:
            self.conditions = [
                pairs[min(i, len(pairs) - 1)][0] if pairs else None for i in range(4)
            ]
        self.property_type = match_roles(
            ((c.code, c.label) for c in codes.property_types), PROPERTY_ROLES
        )
        self.built_form = match_roles(((c.code, c.label) for c in codes.built_forms), FORM_ROLES)
        self.trade = match_roles(((t.code, t.label) for t in codes.trades), TRADE_ROLES)
        self.first_trade = codes.trades[0].code if codes.trades else None
        self.component = match_roles(
            ((c.code, c.label) for c in codes.component_types), COMPONENT_ROLES
        )
        by_code = {c.code: c for c in codes.component_types}
        self.lifetime: dict[str, tuple[int, int, int]] = {}
        for role, code in self.component.items():
            c = by_code[code]
            known = [
                v
                for v in (c.lifetime_house, c.lifetime_low_rise_flat, c.lifetime_high_rise_flat)
                if v
            ]
            default = known[0] if known else DEFAULT_LIFETIME.get(role, 30)
            self.lifetime[role] = (
                c.lifetime_house or default,
                c.lifetime_low_rise_flat or default,
                c.lifetime_high_rise_flat or default,
            )
        kinds = match_roles(((k.code, k.label) for k in codes.organisation_kinds), KIND_ROLES)
        self.landlord_kind = kinds.get("landlord", "landlord")
        self.contractor_kind = kinds.get("contractor", "contractor")

    def trade_for(self, role: str) -> str | None:
        """The trade code for a trade role, falling back to related trades, then general."""
        for candidate in (role, *TRADE_FALLBACK.get(role, ()), "general"):
            if candidate in self.trade:
                return self.trade[candidate]
        return self.first_trade

    # -- organisations --------------------------------------------------------------------
    def _plan_organisations(self, homes: int) -> None:
        # The sixteen fixed districts, then those a demo of this size adds (see `geography`).
        added = generated_districts(
            generated_district_count(homes), frozenset(d.code for d in DISTRICTS)
        )
        self.districts = DISTRICTS + tuple(g.district for g in added)
        district_index = {d.code: i for i, d in enumerate(self.districts)}
        landlord_districts = [
            list(spec.districts)
            + [(g.district.code, g.weight) for g in added if g.region == spec.region]
            for spec in LANDLORDS
        ]
        rows: list[tuple[Any, ...]] = []
        for i, landlord in enumerate(LANDLORDS, start=1):
            served = sorted({d for d, _ in landlord_districts[i - 1]})
            rows.append(
                (
                    i,
                    self.landlord_kind,
                    landlord.name,
                    landlord.registration_number,
                    [],
                    served,
                    landlord.website,
                )
            )
        self.landlord_ids = list(range(1, len(LANDLORDS) + 1))
        # Blocks add many homes at once, so landlords are drawn per placement in proportion
        # to their share of houses; their share of homes then comes out as specified.
        self.landlord_step_cum = cumulative(
            spec.home_share * (1 - spec.flat_share) for spec in LANDLORDS
        )
        self.landlord_district_cum = [cumulative(w for _, w in ds) for ds in landlord_districts]
        self.landlord_districts = [[district_index[d] for d, _ in ds] for ds in landlord_districts]
        # (district, trade role) -> contractors serving it: (id, late rate, price factor)
        self.contractors: dict[tuple[int, str], list[tuple[int, float, float]]] = {}
        self.contractor_districts: dict[int, set[int]] = {}
        for j, spec in enumerate(CONTRACTORS, start=len(rows) + 1):
            # A contractor working in at least half of a region's fixed districts works in
            # the districts a large demo adds there too.
            regions = {
                region
                for region, fixed in REGIONS.items()
                if 2 * len(set(fixed) & set(spec.districts)) >= len(fixed)
            }
            districts = (*spec.districts, *(g.district.code for g in added if g.region in regions))
            trade_codes = sorted(
                {c for r in spec.trade_roles if (c := self.trade_for(r)) is not None}
            )
            rows.append(
                (
                    j,
                    self.contractor_kind,
                    spec.name,
                    None,
                    trade_codes,
                    sorted(districts),
                    spec.website,
                )
            )
            self.contractor_districts[j] = {district_index[d] for d in districts}
            for district in districts:
                for role in spec.trade_roles:
                    self.contractors.setdefault((district_index[district], role), []).append(
                        (j, spec.late_rate, spec.price_factor)
                    )
        self.organisation_rows = rows
        self._contractors_for: dict[tuple[int, str], list[tuple[int, float, float]]] = {}

    def contractors_for(self, district: int, role: str) -> list[tuple[int, float, float]]:
        """Contractors that can take a job of this trade role in this district."""
        key = (district, role)
        cached = self._contractors_for.get(key)
        if cached is None:
            cached = []
            for candidate in (role, *TRADE_FALLBACK.get(role, ()), "general"):
                cached = self.contractors.get((district, candidate), [])
                if cached:
                    break
            self._contractors_for[key] = cached
        return cached

    # -- calendar ---------------------------------------------------------------------------
    def _plan_calendar(self, as_of: date) -> None:
        self.today = as_of
        self.days = 3 * 365 + 1
        start = as_of - timedelta(days=self.days)
        self.origin = datetime(start.year, start.month, start.day, tzinfo=UTC)
        self.now_s = self.days * 86400
        self.weekday = [(start + timedelta(days=d)).weekday() for d in range(self.days)]
        season = [
            cos(2 * pi * ((start + timedelta(days=d)).timetuple().tm_yday - 15) / 365)
            for d in range(self.days)
        ]
        months = [(start + timedelta(days=d)).month for d in range(self.days)]
        self.day_cum = cumulative(1.0 + 0.25 * s for s in season)
        self.damp_day_cum = cumulative(
            0.2 + max(s, 0.0) if m in (10, 11, 12, 1, 2, 3) else 0.0
            for s, m in zip(season, months, strict=True)
        )

    # -- repair kinds and prices ---------------------------------------------------------
    def _plan_works(self, codes: CodeLists) -> None:
        by_schedule: dict[str, list[str]] = {}
        for code, schedule in codes.sor_codes:
            by_schedule.setdefault(schedule.lower(), []).append(code)
        everything = sorted(c for c, _ in codes.sor_codes)
        self.works = [w for w in WORKS if w.requires is None or w.requires in self.component]
        self.pools: list[tuple[list[str], list[float]]] = []
        self.price: dict[str, int] = {}
        for k, work in enumerate([*self.works, DAMP_WORK]):
            source = sorted(
                by_schedule.get(work.schedule.lower())
                or by_schedule.get("responsive")
                or everything
                or [f"DEMO{n:03d}" for n in range(1, 41)]
            )
            pick = seeded_random(f"{self.seed}:pool:{k}")
            pool = pick.sample(source, min(len(source), 8 + k % 4 * 6))
            self.pools.append((pool, cumulative(1 / (n + 1) ** 1.1 for n in range(len(pool)))))
            median = {"gas": 9000, "lifts": 25000, "electrical": 6000}.get(
                work.schedule.lower(), 4500
            )
            for code in pool:
                if code not in self.price:
                    draw = seeded_random(f"price:{code}")
                    self.price[code] = max(
                        50, min(500_000, int(median * exp(draw.gauss(0.0, 0.8)))) // 5 * 5
                    )
        self.work_trade = [self.trade_for(w.trade_role) for w in [*self.works, DAMP_WORK]]
        self._eligible: dict[frozenset[str], list[tuple[list[float], list[int]]]] = {}

    def eligible(self, roles: frozenset[str]) -> list[tuple[list[float], list[int]]]:
        """Per priority slot: cumulative weights and indexes of works a home can have."""
        cached = self._eligible.get(roles)
        if cached is None:
            cached = []
            for slot in range(5):
                idx = [
                    k
                    for k, w in enumerate(self.works)
                    if w.weights[slot] > 0 and (w.requires is None or w.requires in roles)
                ]
                if not idx:
                    idx = [k for k, w in enumerate(self.works) if w.requires is None]
                cached.append((cumulative(max(self.works[k].weights[slot], 0.1) for k in idx), idx))
            self._eligible[roles] = cached
        return cached


def _working_day_offsets(weekday: int, max_days: int) -> list[int]:
    """Calendar days to add to a day of this weekday to move n working days on (n = index)."""
    offsets = [0]
    day, counted = 0, 0
    while counted < max_days:
        day += 1
        if (weekday + day) % 7 < 5:
            counted += 1
            offsets.append(day)
    return offsets
