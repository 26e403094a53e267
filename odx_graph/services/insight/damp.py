"""Insight into damp and mould: case rates by any grouping, Awaab's Law clocks per case
and breach rates per landlord, and the age tests of Decent Homes criterion C; with the
open-data rules of :mod:`odx_graph.services.insight.repairs` applied."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from odx_graph.core.access import Principal
from odx_graph.core.config import Settings
from odx_graph.services.insight.repairs import GroupKey, published_count, too_few_homes
from odx_graph.store.damp import (
    ClockFilter,
    DampDimension,
    DampScope,
    awaab_breach_rates,
    awaab_clocks,
    damp_mould_rates,
    facility_ages,
)
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


async def damp_rates(
    db: Database,
    settings: Settings,
    principal: Principal,
    group_by: Sequence[DampDimension],
    scope: DampScope,
) -> list[DampRates]:
    """Damp and mould cases per 1,000 homes grouped by ``group_by``, with the open-data
    rules applied for ``principal`` (the rate is computed before counts are rounded)."""
    out = []
    for row in await damp_mould_rates(db, group_by, scope):
        key = tuple(GroupKey(d, row[f"key_{d.value}"], row[f"label_{d.value}"]) for d in group_by)
        homes, cases = int(row["homes"]), int(row["cases"])
        if too_few_homes(homes, principal, settings):
            out.append(DampRates(key, None, None, None, None, None, True))
            continue
        out.append(
            DampRates(
                key,
                published_count(homes, principal, settings),
                published_count(cases, principal, settings),
                published_count(int(row["open_cases"]), principal, settings),
                published_count(int(row["emergency_cases"]), principal, settings),
                1000.0 * cases / homes if homes else None,
                False,
            )
        )
    return out


@dataclass(frozen=True, slots=True)
class BreachRates:
    """Awaab's Law breaches of one landlord's cases."""

    landlord_id: int
    name: str | None
    homes: int | None
    cases: int | None
    cases_with_breach: int | None
    breach_pct: float | None
    investigate_breach_pct: float | None
    summary_breach_pct: float | None
    make_safe_breach_pct: float | None
    suppressed: bool


async def breach_rates(
    db: Database,
    settings: Settings,
    principal: Principal,
    scope: DampScope,
    as_of: dt.datetime | None = None,
) -> list[BreachRates]:
    """Per landlord handling the cases: cases, cases with any breach and the % breached
    per clock, as at ``as_of`` (now by default), with the open-data rules applied."""
    out = []
    for row in await awaab_breach_rates(db, scope, as_of):
        homes = int(row["homes"])
        landlord, name = int(row["landlord_id"]), row["name"]
        if too_few_homes(homes, principal, settings):
            out.append(BreachRates(landlord, name, None, None, None, None, None, None, None, True))
            continue

        def pct(column: str, row: Any = row) -> float | None:
            return None if row[column] is None else float(row[column])

        out.append(
            BreachRates(
                landlord,
                name,
                published_count(homes, principal, settings),
                published_count(int(row["cases"]), principal, settings),
                published_count(int(row["cases_with_breach"]), principal, settings),
                pct("breach_pct"),
                pct("investigate_breach_pct"),
                pct("summary_breach_pct"),
                pct("make_safe_breach_pct"),
                False,
            )
        )
    return out


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


async def case_clocks(
    db: Database, where: ClockFilter, as_of: dt.datetime | None = None
) -> list[CaseClocks]:
    """Each case's clocks as at ``as_of`` (now by default). Dates about a home's condition
    are physical facts, public like repairs' dates; cases carry no free text here."""
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
    db: Database, scope: DampScope, home_ids: Sequence[int], after_home_id: int, limit: int
) -> list[FacilityAges]:
    """Per home: its newest kitchen's and bathroom's age in whole years today and whether
    it is over 20 (kitchen) or 30 (bathroom) years; null without a dated component."""
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
