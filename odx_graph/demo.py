"""Deterministic demo dataset: invented landlords, contractors, homes, components and repairs.

`generate` yields rows in foreign-key order, chunked by homes so memory stays bounded, from
nothing but its arguments: the same arguments always give the same rows. Code values come from
the code lists in the database (`CodeLists`), matched to the roles the generator needs by code
and label, so the generator follows whatever the ontology names them. `load_demo` copies the
rows into an empty database in one transaction.
"""

from __future__ import annotations

import asyncio
import random
import re
from bisect import bisect
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from itertools import accumulate
from math import cos, exp, pi
from typing import TYPE_CHECKING, Any, NamedTuple

from odx_graph import demo_places as places

if TYPE_CHECKING:
    import asyncpg

TABLES: tuple[str, ...] = (
    "organisation", "building", "home", "reference", "component",
    "repair", "repair_line", "repair_status_event",
)
COLUMNS: Mapping[str, tuple[str, ...]] = {
    "organisation": ("id", "kind_code", "name", "registration_number", "trade_codes",
                     "postcode_districts", "website"),
    "building": ("id", "uprn", "toid", "name", "landlord_id", "storeys", "construction_type",
                 "year_built", "postcode"),
    "home": ("id", "uprn", "landlord_id", "building_id", "address_line_1", "address_line_2",
             "town", "postcode", "local_authority_code", "latitude", "longitude",
             "property_type_code", "built_form_code", "bedrooms", "floor_level", "year_built"),
    "reference": ("id", "subject_type", "subject_id", "value", "allocated_by_id", "description"),
    "component": ("id", "home_id", "building_id", "component_type_code", "install_date",
                  "condition_code", "make", "model", "last_serviced_date"),
    "repair": ("id", "landlord_id", "home_id", "component_id", "contractor_id", "priority_code",
               "status_code", "trade_code", "description", "reported_at", "raised_at",
               "target_at", "completed_at", "cost"),
    "repair_line": ("id", "repair_id", "line_number", "sor_code", "quantity", "unit_cost",
                    "cost"),
    "repair_status_event": ("id", "repair_id", "status_code", "occurred_at", "note"),
}


class Code(NamedTuple):
    """A code from a code list with its label."""

    code: str
    label: str


class ComponentTypeCode(NamedTuple):
    """A component type with its Decent Homes lifetimes in years."""

    code: str
    label: str
    is_key_component: bool
    lifetime_house: int | None
    lifetime_low_rise_flat: int | None
    lifetime_high_rise_flat: int | None


class PriorityCode(NamedTuple):
    """A repair priority with its response time (calendar hours or working days)."""

    code: str
    label: str
    response_hours: int | None
    response_working_days: int | None
    is_emergency: bool


class RepairStatusCode(NamedTuple):
    """A repair (work) status."""

    code: str
    label: str
    is_open: bool


@dataclass(frozen=True)
class CodeLists:
    """The code lists the generator draws from, as stored in the database."""

    component_types: tuple[ComponentTypeCode, ...]
    trades: tuple[Code, ...]
    priorities: tuple[PriorityCode, ...]
    repair_statuses: tuple[RepairStatusCode, ...]
    sor_codes: tuple[tuple[str, str], ...]  # (code, schedule)
    conditions: tuple[Code, ...]
    property_types: tuple[Code, ...]
    built_forms: tuple[Code, ...]
    organisation_kinds: tuple[Code, ...] = ()


@dataclass(frozen=True)
class Batch:
    """Rows for one table, ready for COPY."""

    table: str
    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]


@dataclass(frozen=True)
class DemoSummary:
    """How many rows the demo load wrote to each table."""

    organisation: int = 0
    building: int = 0
    home: int = 0
    reference: int = 0
    component: int = 0
    repair: int = 0
    repair_line: int = 0
    repair_status_event: int = 0

    @property
    def counts(self) -> dict[str, int]:
        """Rows written per table, in load order."""
        return {table: getattr(self, table) for table in TABLES}

    @property
    def total(self) -> int:
        """All rows written."""
        return sum(self.counts.values())


# Roles the generator needs, matched in order against "code label" (lower case, - and _ as
# spaces); the first pattern that matches claims the code (see _match_roles).
_COMPONENT_ROLES = (
    ("door-entry", r"door entry|entry ?phone|intercom|access control"),
    ("smoke-alarm", r"smoke|heat (alarm|detector)"),
    ("fire-detection", r"fire"),
    ("lift", r"\blifts?\b"),
    ("gas-boiler", r"boiler"),
    ("other-heating", r"other heat|storage heat|heat pump|heater"),
    ("heating-distribution", r"distribution|radiator"),
    ("external-doors", r"door"),
    ("windows", r"window"),
    ("electrics", r"electric|wiring"),
    ("roof-finish", r"roof (finish|cover)"),
    ("roof-structure", r"roof"),
    ("wall-finish", r"wall finish|render"),
    ("wall-structure", r"wall"),
    ("chimney", r"chimney"),
    ("lintels", r"lintel"),
    ("brickwork", r"brick|pointing"),
    ("kitchen", r"kitchen"),
    ("bathroom", r"bathroom"),
)
# HACT trade "HE" (heating engineer) is the nearest to a gas trade when none is labelled gas.
_TRADE_ROLES = (
    ("gas", r"\bgas\b"), ("lifts", r"\blifts?\b"), ("door-entry", r"door entry|access control"),
    ("fire", r"fire"), ("electrical", r"electric"), ("plumbing", r"plumb"),
    ("heating", r"heat|^he\b"), ("drainage", r"drain"), ("roofing", r"roof"),
    ("glazing", r"glaz"), ("carpentry", r"carpent|joiner"), ("plastering", r"plaster"),
    ("decorating", r"decorat|paint"), ("bricklaying", r"brick"),
    ("general", r"multi ?(skilled|trade)|general|handy"),
)
_TRADE_FALLBACK = {
    "gas": ("heating", "plumbing"), "heating": ("plumbing", "gas"),
    "door-entry": ("electrical",), "fire": ("electrical",),
    "drainage": ("plumbing",), "damp": ("decorating", "plastering"),
    "glazing": ("carpentry",), "roofing": ("bricklaying",),
}
_STATUS_ROLES = (
    ("cancelled", r"cancel"), ("complete", r"complet|closed|finish"),
    ("hold", r"hold|await|pending"), ("in-progress", r"progress|started|on site|attend"),
    ("scheduled", r"schedul|appoint|assign|issued"),
    ("reported", r"report|logged|new|raised|received|open"),
)
_CONDITION_ROLES = (
    ("failed", r"fail|very poor|unservice|critical"), ("good", r"good"),
    ("fair", r"fair|satisf|average|moderate"), ("poor", r"poor|bad"),
)
_PROPERTY_ROLES = (
    ("maisonette", r"maisonette"), ("bungalow", r"bungalow"), ("flat", r"flat|apartment"),
    ("house", r"house"),
)
_FORM_ROLES = (
    ("enclosed", r"enclosed"), ("semi-detached", r"semi"), ("end-terrace", r"\bend"),
    ("mid-terrace", r"mid|terrace"), ("detached", r"detached"),
)
_KIND_ROLES = (
    ("contractor", r"contractor|supplier"), ("local-authority", r"local|council|authority"),
    ("landlord", r"landlord|provider|housing"),
)
_PRIORITY_MIX = {"1": 3.0, "2": 17.0, "3": 20.0, "4": 55.0, "5": 5.0}


def _match_roles(items: Iterable[tuple[str, str]],
                 roles: Sequence[tuple[str, str]]) -> dict[str, str]:
    """Map each role to the code that fits it best.

    A code belongs to the first role whose pattern matches its code or label. Among a role's
    codes, a single trade beats a gang, a main code beats a sub-code ("PL" before "PL-DR"), a
    match at the start beats one later in the label, then the lowest code wins.
    """
    best: dict[str, tuple[tuple[bool, bool, bool, str], str]] = {}
    for code, label in items:
        text = re.sub(r"[-_/]", " ", f"{code} {label}".lower())
        for role, pattern in roles:
            found = re.search(pattern, text)
            if found:
                rank = ("gang" in text, "-" in code,
                        found.start() not in (0, len(code) + 1), code)
                if role not in best or rank < best[role][0]:
                    best[role] = (rank, code)
                break
    return {role: code for role, (_, code) in best.items()}


def _rng(key: str) -> random.Random:
    """A generator seeded from a string (hashed with SHA-512, so stable across runs)."""
    return random.Random(key)  # noqa: S311 - reproducible demo data, not secrets


def _cumulative(weights: Iterable[float]) -> list[float]:
    return list(accumulate(weights))


def _pick(rng: random.Random, cum: list[float]) -> int:
    return bisect(cum, rng.random() * cum[-1])


class _Plan:
    """Everything fixed for one run: resolved codes, organisations, calendars, price lists."""

    def __init__(self, codes: CodeLists, seed: int, as_of: date) -> None:
        self.seed = seed
        self._resolve_codes(codes)
        self._plan_organisations()
        self._plan_calendar(as_of)
        self._plan_works(codes)

    # -- code lists ---------------------------------------------------------------------
    def _resolve_codes(self, codes: CodeLists) -> None:
        if not codes.priorities:
            raise ValueError("the priority code list is empty; load the code lists first")
        statuses = _match_roles(((s.code, s.label) for s in codes.repair_statuses),
                                _STATUS_ROLES)
        open_codes = [s.code for s in codes.repair_statuses if s.is_open]
        closed = [s.code for s in codes.repair_statuses if not s.is_open]
        if "complete" not in statuses and closed:
            statuses["complete"] = closed[0]
        if "complete" not in statuses or not open_codes:
            raise ValueError("the repair status code list needs an open and a complete status")
        statuses.setdefault("reported", open_codes[0])
        for role, fallback in (("scheduled", "reported"), ("in-progress", "scheduled"),
                               ("hold", "in-progress")):
            statuses.setdefault(role, statuses[fallback])
        self.status = statuses
        self.can_cancel = "cancelled" in statuses

        ranked = sorted(codes.priorities, key=lambda p: (len(p.code), p.code))
        self.priorities = ranked
        self.priority_cum = _cumulative(_PRIORITY_MIX.get(p.code, 5.0) for p in ranked)
        self.priority_slot = [min(i, 4) for i in range(len(ranked))]
        self.urgent = [bool(p.response_hours) or p.is_emergency for p in ranked]
        self.slot_priority = [min(slot, len(ranked) - 1) for slot in range(5)]
        self.damp_slot_cum = _cumulative(places.DAMP_WORK.weights)
        max_days = max([p.response_working_days or 0 for p in ranked] + [1])
        self.working_day_offset = [_working_day_offsets(weekday, max_days)
                                   for weekday in range(7)]

        pairs = [(c.code, c.label) for c in codes.conditions]
        found = _match_roles(pairs, _CONDITION_ROLES)
        order = ("good", "fair", "poor", "failed")
        if found:
            ladder = [found.get(r) for r in order]
            for i, value in enumerate(ladder):  # fill gaps from the nearest known grade
                if value is None:
                    near = [v for v in ladder[i::-1] + ladder[i:] if v is not None]
                    ladder[i] = near[0]
            self.conditions: list[str | None] = list(ladder)
        else:
            self.conditions = [pairs[min(i, len(pairs) - 1)][0] if pairs else None
                               for i in range(4)]
        self.property_type = _match_roles(((c.code, c.label) for c in codes.property_types),
                                          _PROPERTY_ROLES)
        self.built_form = _match_roles(((c.code, c.label) for c in codes.built_forms),
                                       _FORM_ROLES)
        self.trade = _match_roles(((t.code, t.label) for t in codes.trades), _TRADE_ROLES)
        self.first_trade = codes.trades[0].code if codes.trades else None
        self.component = _match_roles(((c.code, c.label) for c in codes.component_types),
                                      _COMPONENT_ROLES)
        by_code = {c.code: c for c in codes.component_types}
        self.lifetime: dict[str, tuple[int, int, int]] = {}
        for role, code in self.component.items():
            c = by_code[code]
            known = [v for v in (c.lifetime_house, c.lifetime_low_rise_flat,
                                 c.lifetime_high_rise_flat) if v]
            default = known[0] if known else places.DEFAULT_LIFETIME.get(role, 30)
            self.lifetime[role] = (c.lifetime_house or default,
                                   c.lifetime_low_rise_flat or default,
                                   c.lifetime_high_rise_flat or default)
        kinds = _match_roles(((k.code, k.label) for k in codes.organisation_kinds), _KIND_ROLES)
        self.landlord_kind = kinds.get("landlord", "landlord")
        self.contractor_kind = kinds.get("contractor", "contractor")

    def trade_for(self, role: str) -> str | None:
        """The trade code for a trade role, falling back to related trades, then general."""
        for candidate in (role, *_TRADE_FALLBACK.get(role, ()), "general"):
            if candidate in self.trade:
                return self.trade[candidate]
        return self.first_trade

    # -- organisations --------------------------------------------------------------------
    def _plan_organisations(self) -> None:
        self.districts = places.DISTRICTS
        district_index = {d.code: i for i, d in enumerate(self.districts)}
        rows: list[tuple[Any, ...]] = []
        for i, landlord in enumerate(places.LANDLORDS, start=1):
            served = sorted({d for d, _ in landlord.districts})
            rows.append((i, self.landlord_kind, landlord.name, landlord.registration_number,
                         [], served, landlord.website))
        self.landlord_ids = list(range(1, len(places.LANDLORDS) + 1))
        # Blocks add many homes at once, so landlords are drawn per placement in proportion
        # to their share of houses; their share of homes then comes out as specified.
        self.landlord_step_cum = _cumulative(spec.home_share * (1 - spec.flat_share)
                                             for spec in places.LANDLORDS)
        self.landlord_district_cum = [_cumulative(w for _, w in spec.districts)
                                      for spec in places.LANDLORDS]
        self.landlord_districts = [[district_index[d] for d, _ in spec.districts]
                                   for spec in places.LANDLORDS]
        # (district, trade role) -> contractors serving it: (id, late rate, price factor)
        self.contractors: dict[tuple[int, str], list[tuple[int, float, float]]] = {}
        self.contractor_districts: dict[int, set[int]] = {}
        for j, spec in enumerate(places.CONTRACTORS, start=len(rows) + 1):
            trade_codes = sorted({c for r in spec.trade_roles
                                  if (c := self.trade_for(r)) is not None})
            rows.append((j, self.contractor_kind, spec.name, None, trade_codes,
                         sorted(spec.districts), spec.website))
            self.contractor_districts[j] = {district_index[d] for d in spec.districts}
            for district in spec.districts:
                for role in spec.trade_roles:
                    self.contractors.setdefault((district_index[district], role), []).append(
                        (j, spec.late_rate, spec.price_factor))
        self.organisation_rows = rows
        self._contractors_for: dict[tuple[int, str], list[tuple[int, float, float]]] = {}

    def contractors_for(self, district: int, role: str) -> list[tuple[int, float, float]]:
        """Contractors that can take a job of this trade role in this district."""
        key = (district, role)
        cached = self._contractors_for.get(key)
        if cached is None:
            cached = []
            for candidate in (role, *_TRADE_FALLBACK.get(role, ()), "general"):
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
        season = [cos(2 * pi * ((start + timedelta(days=d)).timetuple().tm_yday - 15) / 365)
                  for d in range(self.days)]
        months = [(start + timedelta(days=d)).month for d in range(self.days)]
        self.day_cum = _cumulative(1.0 + 0.25 * s for s in season)
        self.damp_day_cum = _cumulative(0.2 + max(s, 0.0) if m in (10, 11, 12, 1, 2, 3) else 0.0
                                        for s, m in zip(season, months, strict=True))

    # -- repair kinds and prices ---------------------------------------------------------
    def _plan_works(self, codes: CodeLists) -> None:
        by_schedule: dict[str, list[str]] = {}
        for code, schedule in codes.sor_codes:
            by_schedule.setdefault(schedule.lower(), []).append(code)
        everything = sorted(c for c, _ in codes.sor_codes)
        self.works = [w for w in places.WORKS
                      if w.requires is None or w.requires in self.component]
        self.pools: list[tuple[list[str], list[float]]] = []
        self.price: dict[str, int] = {}
        for k, work in enumerate([*self.works, places.DAMP_WORK]):
            source = sorted(by_schedule.get(work.schedule.lower())
                            or by_schedule.get("responsive") or everything
                            or [f"DEMO{n:03d}" for n in range(1, 41)])
            pick = _rng(f"{self.seed}:pool:{k}")
            pool = pick.sample(source, min(len(source), 8 + k % 4 * 6))
            self.pools.append((pool, _cumulative(1 / (n + 1) ** 1.1 for n in range(len(pool)))))
            median = {"gas": 9000, "lifts": 25000, "electrical": 6000}.get(
                work.schedule.lower(), 4500)
            for code in pool:
                if code not in self.price:
                    draw = _rng(f"price:{code}")
                    self.price[code] = max(50, min(500_000, int(
                        median * exp(draw.gauss(0.0, 0.8)))) // 5 * 5)
        self.work_trade = [self.trade_for(w.trade_role) for w in [*self.works, places.DAMP_WORK]]
        self._eligible: dict[frozenset[str], list[tuple[list[float], list[int]]]] = {}

    def eligible(self, roles: frozenset[str]) -> list[tuple[list[float], list[int]]]:
        """Per priority slot: cumulative weights and indexes of works a home can have."""
        cached = self._eligible.get(roles)
        if cached is None:
            cached = []
            for slot in range(5):
                idx = [k for k, w in enumerate(self.works)
                       if w.weights[slot] > 0 and (w.requires is None or w.requires in roles)]
                if not idx:
                    idx = [k for k, w in enumerate(self.works) if w.requires is None]
                cached.append((_cumulative(max(self.works[k].weights[slot], 0.1) for k in idx),
                               idx))
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


_LINES_CUM = [0.55, 0.83, 0.95]  # 1 to 4 lines per repair
_QUANTITIES = [(m, Decimal(m) / 1000) for m in
               (1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000,
                1000, 1000, 2000, 2000, 3000, 4000, 500, 1500, 2500, 3250, 4800, 6000)]


class _World:
    """State carried from chunk to chunk: ids, places handed out, reference counters."""

    def __init__(self, plan: _Plan) -> None:
        self.next_id = dict.fromkeys(TABLES, 1)
        self.next_id["organisation"] = len(plan.organisation_rows) + 1
        self.places = places.Places(plan.today.year)
        self.home_ref = [1000] * len(plan.landlord_ids)
        self.job_ref = [0] * len(plan.landlord_ids)
        self.landlord_homes = [0] * len(plan.landlord_ids)
        self.landlord_flats = [0] * len(plan.landlord_ids)


def generate(*, homes: int, seed: int, as_of: date, codes: CodeLists,
             chunk_homes: int = 2000) -> Iterator[Batch]:
    """Yield the demo dataset as batches of rows in foreign-key order, chunked by homes.

    Ids are explicit and start at 1. The same arguments always give the same rows: all
    randomness comes from generators seeded by `seed` (and the chunk number), never from the
    clock. Repairs cover the three years before `as_of` (midnight UTC).
    """
    if homes < 0 or chunk_homes < 1:
        raise ValueError("homes must be >= 0 and chunk_homes >= 1")
    plan = _Plan(codes, seed, as_of)
    world = _World(plan)
    yield Batch("organisation", COLUMNS["organisation"], list(plan.organisation_rows))
    yield Batch("reference", COLUMNS["reference"], _contractor_references(plan, world))
    done, chunk = 0, 0
    while done < homes:
        size = min(chunk_homes, homes - done)
        builder = _Chunk(plan, world, _rng(f"{seed}:chunk:{chunk}"))
        builder.build(size)
        for table in TABLES[1:]:
            rows = builder.rows[table]
            if rows:
                yield Batch(table, COLUMNS[table], rows)
        done += size
        chunk += 1


def _contractor_references(plan: _Plan, world: _World) -> list[tuple[Any, ...]]:
    """Each landlord's supplier code for every contractor working in its districts."""
    rows: list[tuple[Any, ...]] = []
    for li, landlord_id in enumerate(plan.landlord_ids):
        mine = set(plan.landlord_districts[li])
        serving = [c for c, served in plan.contractor_districts.items() if served & mine]
        for n, contractor_id in enumerate(serving, start=1):
            rows.append((world.next_id["reference"], "organisation", contractor_id,
                         f"SUP-{li + 1}{n:03d}", landlord_id, "supplier code"))
            world.next_id["reference"] += 1
    return rows


class _Chunk:
    """Rows for one chunk of homes with their blocks, components and repairs."""

    def __init__(self, plan: _Plan, world: _World, rng: random.Random) -> None:
        self.plan, self.world, self.rng = plan, world, rng
        self.rows: dict[str, list[tuple[Any, ...]]] = {t: [] for t in TABLES}

    def _id(self, table: str) -> int:
        value = self.world.next_id[table]
        self.world.next_id[table] = value + 1
        return value

    def build(self, homes: int) -> None:
        """Place `homes` homes (houses one by one, flats a block at a time)."""
        plan, world = self.plan, self.world
        placed = 0
        while placed < homes:
            li = _pick(self.rng, plan.landlord_step_cum)
            spec = places.LANDLORDS[li]
            district = plan.landlord_districts[li][_pick(self.rng,
                                                         plan.landlord_district_cum[li])]
            if world.landlord_flats[li] < spec.flat_share * world.landlord_homes[li]:
                made = self._block(li, district, homes - placed)
                world.landlord_flats[li] += made
            else:
                self._house(li, district)
                made = 1
            world.landlord_homes[li] += made
            placed += made

    def _house(self, li: int, district: int) -> None:
        self._home(li, district, None, self.world.places.house(self.rng, district), 0, {})

    def _block(self, li: int, district: int, most_flats: int) -> int:
        block = self.world.places.block(self.rng, district, most_flats)
        building_id = self._id("building")
        self.rows["building"].append((
            building_id, block.uprn, block.toid, block.name, self.plan.landlord_ids[li],
            block.storeys, block.construction_type, block.year_built, block.postcode))
        form = 1 if block.storeys < 6 else 2
        communal: dict[str, int] = {}
        lifts = 0 if block.storeys < 6 else 1 if block.storeys < 12 else 2
        for role in (*places.COMMUNAL_COMPONENTS, *("lift",) * lifts):
            comp = self._component(None, building_id, role, form, block.year_built)
            if comp is not None:
                communal.setdefault(role, comp)
        for flat in block.flats:
            self._home(li, district, building_id, flat, form, communal)
        return len(block.flats)

    # -- homes and components -------------------------------------------------------------
    def _home(self, li: int, district: int, building_id: int | None, spec: places.HomeSpec,
              form: int, communal: dict[str, int]) -> None:
        plan, world, rnd = self.plan, self.world, self.rng.random
        home_id = self._id("home")
        landlord_id = plan.landlord_ids[li]
        d = plan.districts[district]
        year = spec.year_built
        self.rows["home"].append((
            home_id, spec.uprn, landlord_id, building_id, spec.address_line_1,
            spec.address_line_2, d.town, spec.postcode, d.local_authority_code, spec.latitude,
            spec.longitude, plan.property_type.get(spec.kind),
            plan.built_form.get(spec.built_form) if spec.built_form else None, spec.bedrooms,
            spec.floor_level, year))
        world.home_ref[li] += 1 if rnd() < 0.8 else 2
        refs = self.rows["reference"]
        refs.append((self._id("reference"), "home", home_id,
                     f"{places.LANDLORDS[li].reference_prefix}-{world.home_ref[li]:06d}",
                     landlord_id, None))
        if rnd() < 0.05 and len(plan.landlord_ids) > 1:
            other = (li + 1 + int(rnd() * (len(plan.landlord_ids) - 1))) % len(plan.landlord_ids)
            world.home_ref[other] += 1
            refs.append((self._id("reference"), "home", home_id,
                         f"{places.LANDLORDS[other].reference_prefix}-{world.home_ref[other]:06d}",
                         plan.landlord_ids[other],
                         "managing agent" if rnd() < 0.6 else "previous owner"))
        owned = dict(communal)
        heating = "gas-boiler" if rnd() < (0.55 if form == 2 else 0.87) else "other-heating"
        for role in (*places.HOME_COMPONENTS, heating):
            comp = self._component(home_id, None, role, form, year)
            if comp is not None:
                owned[role] = comp
        for role, share in places.HOUSE_EXTRAS if form == 0 else places.FLAT_EXTRAS:
            if rnd() < share and (comp := self._component(home_id, None, role, form, year)):
                owned[role] = comp
        if form == 0 and year < 1950 and rnd() < 0.7:
            self._component(home_id, None, "chimney", form, year)
        damp_share = 0.2 + (0.12 if form else 0.0) + (
            0.1 if year < 1945 else 0.05 if year < 1980 else 0.0)
        self._repairs(home_id, li, district, owned,
                      _poisson(self.rng, 11.6 * exp(self.rng.gauss(0.0, 0.55)) / 1.163),
                      _poisson(self.rng, 1.5) if rnd() < damp_share else 0)

    def _component(self, home_id: int | None, building_id: int | None, role: str, form: int,
                   year: int) -> int | None:
        plan, rnd = self.plan, self.rng.random
        code = plan.component.get(role)
        if code is None:
            return None
        lifetime_days = plan.lifetime[role][form] * 365.25
        share = 0.03 + 0.97 * rnd() if rnd() < 0.84 else 1.0 + 0.6 * rnd()
        age = min(int(share * lifetime_days), max(30, (plan.today.year - year) * 365 + 180))
        ratio, x = age / lifetime_days, rnd()
        if ratio < 0.5:
            grade = 0 if x < 0.8 else 1
        elif ratio < 0.9:
            grade = 0 if x < 0.3 else 1 if x < 0.85 else 2
        elif ratio < 1.1:
            grade = 1 if x < 0.45 else 2 if x < 0.9 else 3
        else:
            grade = 1 if x < 0.2 else 2 if x < 0.75 else 3
        make = model = serviced = None
        if role in places.MAKES:
            options = places.MAKES[role]
            make, model = options[int(rnd() * len(options))]
        if role in places.SERVICE_DAYS:
            period = places.SERVICE_DAYS[role]
            days = int(rnd() * period) if rnd() < 0.97 else period + int(rnd() * 60)
            serviced = plan.today - timedelta(days=min(days, age))
        comp_id = self._id("component")
        self.rows["component"].append((
            comp_id, home_id, building_id, code, plan.today - timedelta(days=age),
            plan.conditions[grade], make, model, serviced))
        return comp_id

    # -- repairs ------------------------------------------------------------------------------
    def _repairs(self, home_id: int, li: int, district: int, owned: dict[str, int],
                 routine: int, damp: int) -> None:
        plan, world, rng = self.plan, self.world, self.rng
        rnd, expo = rng.random, rng.expovariate
        origin, td, now_s = plan.origin, timedelta, plan.now_s
        status, priorities, works = plan.status, plan.priorities, plan.works
        notes, qualifiers = places.NOTES, places.QUALIFIERS
        repairs, lines, events, refs = (self.rows["repair"], self.rows["repair_line"],
                                        self.rows["repair_status_event"], self.rows["reference"])
        eligible = plan.eligible(frozenset(owned))
        landlord_id = plan.landlord_ids[li]
        spec = places.LANDLORDS[li]
        next_id = world.next_id
        for k in range(routine + damp):
            if k < routine:
                pi = bisect(plan.priority_cum, rnd() * plan.priority_cum[-1])
                cum, idx = eligible[plan.priority_slot[pi]]
                wi = idx[bisect(cum, rnd() * cum[-1])]
                work = works[wi]
                comp_id = next((owned[r] for r in work.component_roles if r in owned), None)
                day = bisect(plan.day_cum, rnd() * plan.day_cum[-1])
            else:
                pi = plan.slot_priority[bisect(plan.damp_slot_cum, rnd() * 100.0)]
                wi, work = len(works), places.DAMP_WORK
                comp_id = owned.get("wall-finish" if rnd() < 0.65 else "windows")
                day = bisect(plan.damp_day_cum, rnd() * plan.damp_day_cum[-1])
            priority = priorities[pi]
            urgent = plan.urgent[pi]
            reported = day * 86400 + (int(rnd() * 86400) if urgent
                                      else 25200 + int(rnd() * 46800))
            raised = reported + (60 + int(rnd() * 1800) if urgent
                                 else 120 + int(rnd() ** 3 * 86400))
            raised = min(raised, max(reported, now_s - 1))
            if priority.response_hours:
                target: int | None = reported + priority.response_hours * 3600
            elif priority.response_working_days:
                target = reported + 86400 * plan.working_day_offset[plan.weekday[day]][
                    priority.response_working_days]
            else:
                target = None
            found = plan.contractors_for(district, work.trade_role)
            contractor, late_rate, factor = (found[int(rnd() * len(found))] if found
                                             else (None, 0.12, 1.0))
            late = rnd() < late_rate * spec.late_factor * (0.7 if urgent else 1.0)
            if target is not None:
                span = target - reported
                duration = span * (1.0 + expo(1.6)) if late else span * (
                    0.05 + 0.95 * rnd() ** 1.6)
            else:
                duration = 86400 * (2 + expo(0.1))
            done = reported + int(duration)
            visit = 1800 + int(rnd() * 7200)
            if not urgent:  # routine visits start in working hours
                done = done - done % 86400 + 28800 + int(rnd() * 28800) + visit
            done = max(done, raised + 600)
            repair_id = next_id["repair"]
            next_id["repair"] = repair_id + 1
            r = rnd()
            cancel_at = raised + int(rnd() * 432000)
            if plan.can_cancel and r < 0.03 and cancel_at < now_s:
                state = "cancelled"
            elif done < now_s and not (r > 0.996 and now_s - reported < 120 * 86400):
                state = "complete"
            else:
                state = "open"
                if now_s - reported < 3 * 86400 and rnd() < 0.5:
                    contractor = None

            # status history, in time order
            history = [(status["reported"], reported)]
            if state == "cancelled":
                if rnd() < 0.5:
                    history.append((status["scheduled"], min(raised, cancel_at)))
                history.append((status["cancelled"], cancel_at))
                code = status["cancelled"]
            elif state == "complete":
                scheduled = raised + int(rnd() * min(14400, (done - raised) // 3))
                history.append((status["scheduled"], scheduled))
                last = scheduled
                if rnd() < 0.06:
                    last = scheduled + (done - scheduled) // 3
                    history.append((status["hold"], last))
                start = max(last, done - visit)
                history.append((status["in-progress"], start))
                history.append((status["complete"], done))
                code = status["complete"]
            elif contractor is None:
                code = status["reported"]
            else:
                scheduled = raised + int(rnd() * min(14400, now_s - raised))
                history.append((status["scheduled"], scheduled))
                x = rnd()
                code = status["scheduled"]
                if x < 0.4:
                    started = scheduled + int(rnd() * (now_s - scheduled))
                    history.append((status["in-progress"], started))
                    code = status["in-progress"]
                    if x < 0.12:
                        history.append((status["hold"], started + int(rnd() * (now_s - started))))
                        code = status["hold"]
            event_id = next_id["repair_status_event"]
            for event_code, at in history:
                note = notes[int(rnd() * len(notes))] if rnd() < 0.04 else None
                events.append((event_id, repair_id, event_code, origin + td(0, at), note))
                event_id += 1
            next_id["repair_status_event"] = event_id

            # lines: the SOR items ordered, priced at the contractor's rates
            total = 0
            if state != "cancelled":
                pool, pool_cum = plan.pools[wi]
                line_id = next_id["repair_line"]
                used: list[str] = []
                for number in range(1, 2 + bisect(_LINES_CUM, rnd())):
                    sor = pool[bisect(pool_cum, rnd() * pool_cum[-1])]
                    for _ in range(3):  # a job seldom lists the same item twice
                        if sor not in used:
                            break
                        sor = pool[bisect(pool_cum, rnd() * pool_cum[-1])]
                    used.append(sor)
                    unit = 0 if rnd() < 0.04 else int(plan.price[sor] * factor + 0.5)
                    milli, quantity = _QUANTITIES[int(rnd() * len(_QUANTITIES))]
                    cost = (milli * unit + 500) // 1000
                    total += cost
                    unit_cost = Decimal(unit) / 100
                    lines.append((line_id, repair_id, number, sor, quantity, unit_cost,
                                  unit_cost if milli == 1000 else Decimal(cost) / 100))
                    line_id += 1
                next_id["repair_line"] = line_id
            world.job_ref[li] += 1
            refs.append((next_id["reference"], "repair", repair_id,
                         f"{spec.reference_prefix}-J{world.job_ref[li]:07d}", landlord_id, None))
            next_id["reference"] += 1
            repairs.append((
                repair_id, landlord_id, home_id, comp_id, contractor, priority.code, code,
                plan.work_trade[wi], work.texts[int(rnd() * len(work.texts))]
                + qualifiers[int(rnd() * len(qualifiers))],
                origin + td(0, reported), origin + td(0, raised),
                None if target is None else origin + td(0, target),
                origin + td(0, done) if state == "complete" else None,
                Decimal(total) / 100 if state == "complete" else None))


def _poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw (Knuth's method; means here stay small)."""
    limit, count, product = exp(-min(mean, 80.0)), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


async def load_demo(conn: asyncpg.Connection, *, homes: int = 5000, seed: int = 20251027,
                    as_of: date,
                    progress: Callable[[str, int], None] | None = None) -> DemoSummary:
    """Load the demo dataset into an empty database in one transaction.

    Refuses with `ValueError` when the database already holds organisations, homes or repairs.
    Reads the code lists, COPYs every batch from `generate`, then moves each table's identity
    sequence past the ids used. `progress(table, rows_so_far)` is called after each batch.
    """
    from odx_graph.repo import bulk  # the only place asyncpg is needed

    counts = dict.fromkeys(TABLES, 0)
    async with conn.transaction():
        if not await bulk.database_is_empty(conn):
            raise ValueError("the database already holds organisations, homes or repairs; "
                             "the demo dataset loads only into an empty database")
        codes = await bulk.read_code_lists(conn)
        batches = generate(homes=homes, seed=seed, as_of=as_of, codes=codes)
        # The next batch is generated in a worker thread while PostgreSQL ingests this one,
        # which also keeps the event loop free during a start-up load.
        loop = asyncio.get_running_loop()
        pending = loop.run_in_executor(None, next, batches, None)
        try:
            while (batch := await pending) is not None:
                pending = loop.run_in_executor(None, next, batches, None)
                counts[batch.table] += await bulk.copy_rows(conn, batch.table, batch.columns,
                                                            batch.rows)
                if progress is not None:
                    progress(batch.table, counts[batch.table])
        finally:
            pending.cancel()
        await bulk.reset_identities(conn, TABLES)
    return DemoSummary(**counts)
