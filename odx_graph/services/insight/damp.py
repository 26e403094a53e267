"""Insight into damp and mould: case rates by any grouping, Awaab's Law clocks per case
and breach rates per landlord, and the age tests of Decent Homes criterion C; aggregates
published under the disclosure rules of :mod:`odx_graph.core.disclosure`, every answer kept
per data version (:mod:`odx_graph.services.insight.cache`)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from odx_graph.core.access import Principal
from odx_graph.core.config import Settings
from odx_graph.core.disclosure import Disclosure
from odx_graph.core.disclosure import publisher_for
from odx_graph.services.insight.cache import InsightCache
from odx_graph.services.insight.cache import cached
from odx_graph.services.insight.groups import counted
from odx_graph.services.insight.groups import group_key
from odx_graph.services.insight.repairs import GroupKey
from odx_graph.services.insight.repairs import keyed
from odx_graph.store.damp import ClockFilter
from odx_graph.store.damp import DampDimension
from odx_graph.store.damp import DampScope
from odx_graph.store.damp import awaab_breach_rates
from odx_graph.store.damp import awaab_clocks
from odx_graph.store.damp import count_awaab_clocks
from odx_graph.store.damp import damp_mould_rates
from odx_graph.store.damp import facility_ages
from odx_graph.store.db import Database


@dataclass(frozen=True, slots=True)
class DampRates:
    """Damp and mould cases of one group of homes; ``suppressed`` when too few homes."""

    key: tuple[GroupKey, ...]
    homes: int | None
    cases: int | None
    open_cases: int | None
    emergency_cases: int | None
    per_1000_homes: float | None
    suppressed: bool
    disclosure: Disclosure = Disclosure.EXACT


async def damp_rates(
    db: Database,
    settings: Settings,
    principal: Principal,
    group_by: Sequence[DampDimension],
    scope: DampScope,
    cache: InsightCache | None = None,
) -> list[DampRates]:
    """Damp and mould cases per 1,000 homes grouped by ``group_by``, published under the
    disclosure rules for ``principal`` (the rate from the published counts)."""
    publish = publisher_for(principal, settings)
    dims = tuple(group_by)

    async def compute() -> list[DampRates]:
        out = []
        for row in await damp_mould_rates(keyed(db), dims, scope):
            key = group_key(row, dims)
            homes, homes_key = counted(row, "homes")
            if publish.suppressed(homes):
                out.append(DampRates(key, None, None, None, None, None, True, publish.disclosure))
                continue
            cases = publish.count(*counted(row, "cases"))
            out.append(
                DampRates(
                    key,
                    publish.count(homes, homes_key),
                    cases,
                    publish.count(*counted(row, "open_cases")),
                    publish.count(*counted(row, "emergency_cases")),
                    publish.ratio(cases, homes, homes_key, 1000.0),
                    False,
                    publish.disclosure,
                )
            )
        return out

    return await cached(db, cache, ("damp_rates", dims, scope, publish), compute)


@dataclass(frozen=True, slots=True)
class BreachRates:
    """Awaab's Law breaches of one landlord's cases."""

    landlord_id: int
    name: str | None
    homes: int | None
    cases: int | None
    cases_with_breach: int | None
    breach_pct: float | None
    investigation_breach_pct: float | None
    written_summary_breach_pct: float | None
    make_safe_breach_pct: float | None
    suppressed: bool
    disclosure: Disclosure = Disclosure.EXACT
    # The earliest deadline of a clock still due: until then the answer stands.
    next_due_at: dt.datetime | None = None


async def breach_rates(
    db: Database,
    settings: Settings,
    principal: Principal,
    scope: DampScope,
    as_of: dt.datetime | None = None,
    cache: InsightCache | None = None,
) -> list[BreachRates]:
    """Per landlord handling the cases: cases, cases with any breach and the % breached
    per clock, as at ``as_of`` (now by default), published under the disclosure rules."""
    publish = publisher_for(principal, settings)

    async def compute() -> list[BreachRates]:
        out = []
        for row in await awaab_breach_rates(keyed(db), scope, as_of):
            homes, homes_key = counted(row, "homes")
            landlord, name = int(row["landlord_id"]), row["name"]
            due = row["next_due_at"]
            if publish.suppressed(homes):
                out.append(
                    BreachRates(
                        landlord, name, None, None, None, None, None, None, None, True,
                        publish.disclosure, due,
                    )
                )  # fmt: skip
                continue

            def pct(part: str, whole: str, row: Any = row) -> float | None:
                return publish.share(*counted(row, part), *counted(row, whole))

            out.append(
                BreachRates(
                    landlord,
                    name,
                    publish.count(homes, homes_key),
                    publish.count(*counted(row, "cases")),
                    publish.count(*counted(row, "cases_with_breach")),
                    pct("cases_with_breach", "decided"),
                    pct("investigation_breached", "investigation_decided"),
                    pct("written_summary_breached", "written_summary_decided"),
                    pct("make_safe_breached", "make_safe_decided"),
                    False,
                    publish.disclosure,
                    due,
                )
            )
        return out

    def until(rates: list[BreachRates]) -> dt.datetime | None:
        return min((r.next_due_at for r in rates if r.next_due_at is not None), default=None)

    return await cached(
        db, cache, ("breach_rates", scope, as_of, publish), compute,
        until if as_of is None else None,
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class Clock:
    """One Awaab's Law clock of a case: its deadline, when it was met, and its status."""

    due_at: dt.datetime | None
    done_at: dt.datetime | None
    status: str  # ON_TIME, BREACHED, DUE or NOT_APPLICABLE
    within_hours: int | None
    within_working_days: int | None


@dataclass(frozen=True, slots=True)
class CaseClocks:
    """The three clocks of one damp and mould case."""

    case_id: int
    home_id: int
    landlord_id: int
    hazard_level: str | None
    aware_at: dt.datetime
    investigation: Clock
    written_summary: Clock
    make_safe: Clock


def earliest_due(cases: list[CaseClocks]) -> dt.datetime | None:
    """The earliest deadline of a clock still due: when the first status may change."""
    dues = [
        clock.due_at
        for case in cases
        for clock in (case.investigation, case.written_summary, case.make_safe)
        if clock.status == "DUE" and clock.due_at is not None
    ]
    return min(dues, default=None)


async def case_clocks(
    db: Database,
    settings: Settings,
    where: ClockFilter,
    as_of: dt.datetime | None = None,
    cache: InsightCache | None = None,
) -> list[CaseClocks]:
    """Each case's clocks as at ``as_of`` (now by default). Dates about a home's condition
    are physical facts, public like repairs' dates; cases carry no free text here. As at
    now, an answer is kept until the earliest deadline of a clock still due."""

    async def compute() -> list[CaseClocks]:
        return await _case_clocks(db, where, as_of)

    until = earliest_due if as_of is None else None
    return await cached(db, cache, ("clocks", where, as_of), compute, until)


async def count_case_clocks(
    db: Database,
    settings: Settings,
    where: ClockFilter,
    as_of: dt.datetime | None = None,
    cache: InsightCache | None = None,
) -> int:
    """How many cases ``where`` selects over all its pages, as at ``as_of`` (now by
    default; then kept until the earliest deadline of their clocks still due)."""
    whole = dataclasses.replace(
        where, after_case_id=0, before_case_id=None, backward=False, limit=0
    )

    async def compute() -> tuple[int, dt.datetime | None]:
        return await count_awaab_clocks(db, whole, as_of)

    def until(answer: tuple[int, dt.datetime | None]) -> dt.datetime | None:
        return answer[1]

    counted = await cached(
        db, cache, ("clock_count", whole, as_of), compute, until if as_of is None else None
    )
    return counted[0]


async def _case_clocks(
    db: Database, where: ClockFilter, as_of: dt.datetime | None
) -> list[CaseClocks]:
    out = []
    for r in await awaab_clocks(db, where, as_of):
        out.append(
            CaseClocks(
                r["case_id"],
                r["home_id"],
                r["landlord_id"],
                r["hazard_level_code"],
                r["aware_at"],
                Clock(
                    r["investigate_due_at"],
                    r["investigate_done_at"],
                    r["investigate_status"],
                    r["investigate_within_hours"],
                    r["investigate_within_working_days"],
                ),
                Clock(
                    r["summary_due_at"],
                    r["summary_done_at"],
                    r["summary_status"],
                    None,
                    r["summary_within_working_days"],
                ),
                Clock(
                    r["make_safe_due_at"],
                    r["make_safe_done_at"],
                    r["make_safe_status"],
                    r["make_safe_within_hours"],
                    r["make_safe_within_working_days"],
                ),
            )
        )
    return out


# Decent Homes criterion C: a kitchen more than 20, a bathroom more than 30 years old.
KITCHEN_MAX_AGE = 20
BATHROOM_MAX_AGE = 30


@dataclass(frozen=True, slots=True)
class FacilityAges:
    """The two age tests of Decent Homes criterion C for one home (the other four
    facilities are not recorded, so no pass or fail of the criterion is given)."""

    home_id: int
    kitchen_installed: dt.date | None
    kitchen_age: int | None
    kitchen_too_old: bool | None
    bathroom_installed: dt.date | None
    bathroom_age: int | None
    bathroom_too_old: bool | None


async def modern_facility_ages(
    db: Database,
    settings: Settings,
    scope: DampScope,
    home_ids: Sequence[int],
    after_home_id: int,
    limit: int,
    cache: InsightCache | None = None,
) -> list[FacilityAges]:
    """Per home: its newest kitchen's and bathroom's age in whole years today and whether
    it is over 20 (kitchen) or 30 (bathroom) years; null without a dated component."""

    async def compute() -> list[FacilityAges]:
        return await _facility_ages(db, scope, home_ids, after_home_id, limit)

    key = ("facility_ages", scope, tuple(home_ids), after_home_id, limit)
    return await cached(db, cache, key, compute)


async def _facility_ages(
    db: Database, scope: DampScope, home_ids: Sequence[int], after_home_id: int, limit: int
) -> list[FacilityAges]:
    out = []
    for r in await facility_ages(db, scope, home_ids, after_home_id, limit):
        kitchen, bathroom = r["kitchen_age"], r["bathroom_age"]
        out.append(
            FacilityAges(
                r["home_id"],
                r["kitchen_installed"],
                kitchen,
                None if kitchen is None else kitchen > KITCHEN_MAX_AGE,
                r["bathroom_installed"],
                bathroom,
                None if bathroom is None else bathroom > BATHROOM_MAX_AGE,
            )
        )
    return out
