"""Damp and mould cases under Awaab's Law: seasonal reports, then investigation, written
summary, making safe and further works, each on time or late against the law's timescales."""

from __future__ import annotations

import random
from datetime import date
from datetime import timedelta
from math import cos
from math import exp
from math import pi
from typing import TYPE_CHECKING
from typing import Any

from odx_graph.services.demo.catalogue import LANDLORDS
from odx_graph.services.demo.codes import CATEGORY_ROLES
from odx_graph.services.demo.codes import HAZARD_LEVEL_ROLES
from odx_graph.services.demo.codes import HAZARD_ROLES
from odx_graph.services.demo.codes import SEVERITY_ROLES
from odx_graph.services.demo.codes import CodeLists
from odx_graph.services.demo.codes import HazardLevelCode
from odx_graph.services.demo.codes import match_roles
from odx_graph.services.demo.draws import cumulative
from odx_graph.services.demo.draws import pick
from odx_graph.services.demo.draws import poisson

if TYPE_CHECKING:
    from odx_graph.services.demo.certificates import Dwelling
    from odx_graph.services.demo.plan import Plan
    from odx_graph.services.demo.world import World

_DAY, _HOUR = 86400, 3600
# Cases a year in a home of average risk at a typical landlord (before the spread between
# homes, which adds about an eighth): with the stock's mix this gives 3-6% a year.
_BASE_RATE = 0.030
# Older homes are harder to keep dry: (built before, relative risk).
_ERA_RISK = ((1919, 1.5), (1945, 1.35), (1965, 1.15), (1981, 1.0), (2001, 0.75), (9999, 0.5))
# Flats have less room to dry washing and more condensation than houses (their better SAP
# scores take some of that back).
_KIND_RISK = {"flat": 1.5, "maisonette": 1.4, "bungalow": 0.9}
# Chance that a step runs late at a typical landlord early in the three years.
_LATE = {"investigate": 0.10, "summary": 0.12, "make-safe": 0.12, "emergency": 0.08}
_FURTHER_WORKS = {"high": 0.85, "medium": 0.6, "low": 0.25}  # by severity role
# The building fabric: each component of the envelope past its lifetime multiplies the
# rate by _OVERDUE_RISK, ventilation (extractor fans, mechanical ventilation) past its
# lifetime by _VENTILATION_RISK (as extra cases on a stream of their own), and each leak
# repair (plumbing or roofing, over the three years, counting at most _LEAKS_COUNTED) adds
# _LEAK_RISK to it; _FABRIC_NORM keeps the stock's overall rate where it was before the
# fabric counted (ventilation adds a few per cent on top).
ENVELOPE_ROLES = ("windows", "roof-finish", "roof-structure", "wall-finish", "external-doors")
VENTILATION_ROLE = "ventilation"
LEAK_TRADE_ROLES = ("plumbing", "roofing")
_OVERDUE_RISK, _LEAK_RISK, _LEAKS_COUNTED, _FABRIC_NORM = 1.4, 0.15, 4, 1.78
_VENTILATION_RISK = 1.6
_MAX_OFFSET = 60  # working days tabulated; longer delays are approximated by 7/5


class DampPlan:
    """The damp and mould codes, Awaab's Law timescales and seasonal calendar of a run."""

    def __init__(self, codes: CodeLists, as_of: date, days: int) -> None:
        self.hazard = match_roles(
            ((c.code, c.label) for c in codes.hhsrs_hazards), HAZARD_ROLES
        ).get("damp-mould")
        level = match_roles(((c.code, c.label) for c in codes.hazard_levels), HAZARD_LEVEL_ROLES)
        self.level = level
        by_code = {c.code: c for c in codes.hazard_levels}
        none = HazardLevelCode("", "", None, None, None, None, None)
        emergency = by_code.get(level.get("emergency", ""), none)
        significant = by_code.get(level.get("significant", ""), none)
        # The law's timescales where the code list gives none.
        self.emergency_hours = emergency.investigate_within_hours or 24
        self.emergency_safe_hours = emergency.make_safe_within_hours or 24
        self.investigate_days = significant.investigate_within_working_days or 10
        self.summary_days = significant.summary_within_working_days or 3
        self.safe_days = significant.make_safe_within_working_days or 5
        self.severity = match_roles(
            ((c.code, c.label) for c in codes.damp_severities), SEVERITY_ROLES
        )
        self.category = match_roles(
            ((c.code, c.label) for c in codes.hhsrs_categories), CATEGORY_ROLES
        )
        start = as_of - timedelta(days=days)
        self.first_weekday = start.weekday()
        self.years = days / 365.25
        # Reports peak in January and are rare in summer; they also rise over the three
        # years as residents and landlords grow more aware of the risk.
        since_peak = [(start + timedelta(days=d)).timetuple().tm_yday - 15 for d in range(days)]
        self.day_cum = cumulative(
            (1.0 + 0.85 * cos(2 * pi * since_peak[d] / 365)) * (0.75 + 0.5 * d / days)
            for d in range(days)
        )
        self.offsets = [_working_day_offsets(weekday) for weekday in range(7)]

    def working_days(self, t: int, n: int) -> int:
        """Seconds `t` (from the calendar's start) moved on `n` working days (weekends skipped,
        bank holidays not: demo data need not be exact)."""
        weekday = (self.first_weekday + t // _DAY) % 7
        if n <= _MAX_OFFSET:
            return t + _DAY * self.offsets[weekday][n]
        return t + _DAY * (self.offsets[weekday][_MAX_OFFSET] + (n - _MAX_OFFSET) * 7 // 5)


def _working_day_offsets(weekday: int) -> list[int]:
    """Calendar days to add to a day of this weekday to move n working days on (n = index)."""
    offsets, day = [0], 0
    while len(offsets) <= _MAX_OFFSET:
        day += 1
        if (weekday + day) % 7 < 5:
            offsets.append(day)
    return offsets


def add_damp_cases(
    plan: Plan,
    world: World,
    rng: random.Random,
    rows: dict[str, list[tuple[Any, ...]]],
    homes: list[Dwelling],
    sap: list[int],
    side: random.Random | None = None,
) -> None:
    """Append damp and mould cases of `homes` and their landlords' references to `rows`.

    A home's chance of cases grows with its age, in flats and with a low SAP score (`sap`,
    one per home), and with its landlord's `damp_factor`; then with its fabric
    (:func:`fabric_factor`: envelope components and ventilation past their lifetime and
    leak repairs, read from the chunk's `rows`). Cases cover the same three years as the
    repairs; dates after `as_of` are left empty, so recent cases are still open.
    """
    dp = plan.damp
    if dp.hazard is None:
        return
    overdue, leaks, stale_air = _fabric(plan, rows)
    cases = 0
    extra: list[tuple[Dwelling, float]] = []
    for home, score in zip(homes, sap, strict=True):
        fabric = fabric_factor(overdue.get(home.home_id, 0), leaks.get(home.home_id, 0))
        # homes alike on paper still differ (ventilation, household, habits)
        mean = dp.years * yearly_rate(home, score) * fabric * exp(rng.gauss(0.0, 0.5))
        for _ in range(poisson(rng, mean)):
            _case(plan, world, rng, rows, home)
            cases += 1
        if home.home_id in stale_air:
            extra.append((home, mean * (_VENTILATION_RISK - 1)))
    if not cases and homes:  # so that even a tiny demo has a case to show
        riskiest = max(range(len(homes)), key=lambda i: yearly_rate(homes[i], sap[i]))
        _case(plan, world, rng, rows, homes[riskiest])
    # Ventilation past its lifetime: the extra cases that make the home's rate 1.6 times
    # as high, drawn on the side stream after all others (the rest stays as it was).
    if side is not None:
        for home, more in extra:
            for _ in range(poisson(side, more)):
                _case(plan, world, side, rows, home)


def yearly_rate(home: Dwelling, sap: int) -> float:
    """The expected damp and mould cases a year in `home` with SAP score `sap`, before the
    spread between homes: higher in older homes, flats and cold (low-scoring) homes, and at
    landlords with a high `damp_factor`."""
    era = next(risk for before, risk in _ERA_RISK if home.year_built < before)
    return (
        _BASE_RATE
        * LANDLORDS[home.li].damp_factor
        * era
        * _KIND_RISK.get(home.kind, 1.0)
        * exp((65 - sap) / 30)
    )


def fabric_factor(overdue: int, leaks: int, *, ventilation_overdue: bool = False) -> float:
    """How a home's fabric multiplies its damp and mould rate: by 1.4 for each envelope
    component (windows, roof, wall finish, external doors) past its lifetime, by 1.6 when
    its ventilation (extractor fans, mechanical ventilation) is past its lifetime, and by
    1.15, 1.3 ... for each leak repair (at most four counted), over the stock's average
    (of the homes before ventilation counted)."""
    ventilation = _VENTILATION_RISK if ventilation_overdue else 1.0
    leak = 1 + _LEAK_RISK * min(leaks, _LEAKS_COUNTED)
    return _OVERDUE_RISK**overdue * ventilation * leak / _FABRIC_NORM


def _fabric(
    plan: Plan, rows: dict[str, list[tuple[Any, ...]]]
) -> tuple[dict[int, int], dict[int, int], set[int]]:
    """Per home id: envelope components past their lifetime at `as_of` (a block's roof
    counts for each of its flats), and leak repairs; and the homes whose ventilation is
    past its lifetime."""
    counted = (*ENVELOPE_ROLES, VENTILATION_ROLE)
    role_of = {code: role for role, code in plan.component.items() if role in counted}
    leak_trades = {plan.trade.get(role) for role in LEAK_TRADE_ROLES} - {None}
    form_of_building: dict[int, int] = {}
    building_of: dict[int, int] = {}
    form_of_home: dict[int, int] = {}
    for row in rows["building"]:
        form_of_building[row[0]] = 1 if (row[5] or 1) < 6 else 2
    for row in rows["home"]:
        building = row[3]
        form_of_home[row[0]] = 0 if building is None else form_of_building.get(building, 1)
        if building is not None:
            building_of[row[0]] = building
    overdue_home: dict[int, int] = {}
    overdue_building: dict[int, int] = {}
    stale_air: set[int] = set()
    for _, home_id, building_id, code, installed, *_rest in rows["component"]:
        role = role_of.get(code)
        if role is None:
            continue
        form = form_of_home.get(home_id, 0) if home_id else form_of_building.get(building_id, 1)
        if (plan.today - installed).days > plan.lifetime[role][form] * 365.25:
            if role == VENTILATION_ROLE:
                if home_id is not None:
                    stale_air.add(home_id)
            elif home_id is not None:
                overdue_home[home_id] = overdue_home.get(home_id, 0) + 1
            else:
                overdue_building[building_id] = overdue_building.get(building_id, 0) + 1
    for home_id, building in building_of.items():
        if building in overdue_building:
            overdue_home[home_id] = overdue_home.get(home_id, 0) + overdue_building[building]
    leaks: dict[int, int] = {}
    for row in rows["repair"]:
        if row[7] in leak_trades:
            leaks[row[2]] = leaks.get(row[2], 0) + 1
    return overdue_home, leaks, stale_air


def _case(
    plan: Plan,
    world: World,
    rng: random.Random,
    rows: dict[str, list[tuple[Any, ...]]],
    home: Dwelling,
) -> None:
    """One case: its timeline drawn step by step, then cut off at `as_of`."""
    dp, rnd, expo = plan.damp, rng.random, rng.expovariate
    spec = LANDLORDS[home.li]
    day = pick(rng, dp.day_cum)
    # Worse landlords run later; everyone gets quicker over the three years.
    slack = spec.late_factor * (0.5 + 0.5 * spec.damp_factor) * (1.5 - 0.8 * day / plan.days)

    def office(t: int) -> int:  # a time in working hours on the day of t
        return t - t % _DAY + 9 * _HOUR + int(rnd() * 8 * _HOUR)

    def after(t: int, working_days: int) -> int:  # later that day, or n working days on
        if working_days == 0:
            return t + 600 + int(rnd() * 3 * _HOUR)
        return office(dp.working_days(t, working_days))

    def late(step: str) -> bool:
        return rnd() < _LATE[step] * slack

    x = rnd()
    level = "emergency" if x < 0.10 else "none" if x > 0.96 else "significant"
    if level == "emergency":
        aware = day * _DAY + int(rnd() * _DAY)  # reported any time, day or night
        limit = dp.emergency_hours * _HOUR
        if late("emergency"):
            started = aware + limit + int(expo(1 / (1.5 * _DAY)))
        else:
            started = aware + 1800 + int(rnd() ** 2 * max(0, limit - 3 * _HOUR))
        completed = started + 1800 + int(rnd() * 5400)
        safe_by = aware + dp.emergency_safe_hours * _HOUR
        if completed > safe_by or late("emergency"):
            safe: int | None = max(completed, safe_by) + _HOUR + int(expo(1 / (2 * _DAY)))
        else:
            safe = completed + int(rnd() * (safe_by - completed))
        x = rnd()
        severity = "high" if x < 0.8 else "medium"
    else:
        aware = day * _DAY + 8 * _HOUR + int(rnd() * 10 * _HOUR)
        if late("investigate"):
            k = dp.investigate_days + 1 + int(expo(1 / 5))
        else:
            k = 1 + int(rnd() ** 1.5 * (dp.investigate_days - 1))
        started = office(dp.working_days(aware, k))
        if rnd() < 0.85:  # found on the visit; otherwise after a survey or damp readings
            completed = started + _HOUR + int(rnd() * 2 * _HOUR)
        else:
            completed = office(dp.working_days(started, 1 + int(rnd() * 4)))
        x = rnd()
        severity = "high" if x < 0.2 else "medium" if x < 0.7 else "low"
        safe = None
        if level == "none":
            severity = "low"
        else:
            if late("make-safe"):
                j = dp.safe_days + 1 + int(expo(1 / 6))
                if rnd() < 0.15:  # no access, or works that need the home empty
                    j += 20 + int(rnd() * 120)
            else:
                j = int(rnd() * (dp.safe_days + 1))
            safe = after(completed, j)
    if late("summary"):
        j = dp.summary_days + 1 + int(expo(1 / 4))
    else:
        j = int(rnd() * (dp.summary_days + 1))
    summary: int | None = after(completed, j)

    found = level != "none"
    category = None
    if found:
        serious = {"high": 0.65, "medium": 0.2, "low": 0.03}[severity]
        category = dp.category.get("category-1" if rnd() < serious else "category-2")
    works = found and rnd() < _FURTHER_WORKS[severity]
    works_started: int | None = None
    works_done: int | None = None
    if works and safe is not None:
        weeks = 1 + rnd() * 11 if rnd() < 0.85 else 12 + expo(1 / 6)
        works_started = office(safe + int(weeks * 7 * _DAY))
        works_done = office(works_started + int((1 + expo(1 / 8)) * _DAY))
    breached = (
        started - aware > (dp.emergency_hours * _HOUR if level == "emergency" else 14 * _DAY)
        or safe is None
        or safe - aware > 21 * _DAY
    )
    escalated: int | None = None
    if rnd() < (0.2 if breached and found else 0.03):
        escalated = office(aware + int((5 + rnd() * 90) * _DAY))
    rehoused = found and severity == "high" and category == dp.category.get("category-1")
    rehoused = rehoused and rnd() < 0.12

    # Cut the timeline at as_of: nothing that has not happened yet is recorded.
    now, origin, td = plan.now_s, plan.origin, timedelta
    if completed >= now:  # not investigated yet: only the triage level is known
        level = "significant" if level == "none" else level
        severity_code = category = None
        summary = safe = None
        required: bool | None = None
        rehoused_flag: bool | None = None
    else:
        severity_code = dp.severity.get(severity)
        required, rehoused_flag = works, rehoused
    if safe is None or safe >= now or not required:
        works_started = works_done = None
    if works_started is None or works_started >= now:
        works_done = None

    def at(t: int | None) -> Any:
        return None if t is None or t >= now else origin + td(0, t)

    case_id = world.next_id["damp_mould_case"]
    world.next_id["damp_mould_case"] = case_id + 1
    landlord_id = plan.landlord_ids[home.li]
    rows["damp_mould_case"].append(
        (
            case_id,
            landlord_id,
            home.home_id,
            dp.level.get(level),
            dp.hazard,
            category,
            severity_code,
            origin + td(0, aware),
            at(started),
            at(completed),
            at(summary),
            at(safe),
            required,
            at(works_started),
            at(works_done),
            at(escalated),
            rehoused_flag,
        )
    )
    world.case_ref[home.li] += 1
    rows["reference"].append(
        (
            world.next_id["reference"],
            "damp_mould_case",
            case_id,
            f"DM-{world.case_ref[home.li]:06d}",
            landlord_id,
            None,
        )
    )
    world.next_id["reference"] += 1
