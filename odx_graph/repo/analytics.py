"""Repair performance measures, computed by PostgreSQL in one statement per request.

Definitions (also in docs/insight.md):
- a repair is *completed* when its status is closed and it has a completion time, and
  *cancelled* when its status is closed without one (cancelled, superseded); cancelled
  repairs count as raised but in no other measure;
- time to complete: calendar hours, and working days in England and Wales (weekends and
  bank holidays excluded; ``working_days_between``), for completed repairs;
- within target (TSM RP02 method): completed repairs with a target whose completion was
  no later than the landlord's own target, split emergency / non-emergency by priority;
- a *repeat*: a repair preceded by another, not cancelled, at the same home and of the
  same trade, reported within the previous 30 (or 90) days;
- *first-time fix*: a completed repair after which no other repair, not cancelled, of
  the same trade was reported at the same home within 30 days of its completion.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from odx_graph.db import Database, Record


class Dimension(StrEnum):
    """What repair performance can be grouped by."""

    LANDLORD = "landlord"
    CONTRACTOR = "contractor"
    POSTCODE_AREA = "postcode_area"
    POSTCODE_DISTRICT = "postcode_district"
    POSTCODE_SECTOR = "postcode_sector"
    MONTH = "month"
    PRIORITY = "priority"
    TRADE = "trade"
    SOR_SCHEDULE = "sor_schedule"


# (value expression, label expression) over the per-repair facts ``f``.
_DIMENSIONS: dict[Dimension, tuple[str, str]] = {
    Dimension.LANDLORD: (
        "f.landlord_id::text",
        "(SELECT name FROM organisation o WHERE o.id = f.landlord_id)",
    ),
    Dimension.CONTRACTOR: (
        "f.contractor_id::text",
        "(SELECT name FROM organisation o WHERE o.id = f.contractor_id)",
    ),
    Dimension.POSTCODE_AREA: ("f.postcode_area", "f.postcode_area"),
    Dimension.POSTCODE_DISTRICT: ("f.postcode_district", "f.postcode_district"),
    Dimension.POSTCODE_SECTOR: ("f.postcode_sector", "f.postcode_sector"),
    Dimension.MONTH: ("f.month", "f.month"),
    Dimension.PRIORITY: (
        "f.priority_code",
        "(SELECT label FROM priority p WHERE p.code = f.priority_code)",
    ),
    Dimension.TRADE: ("f.trade_code", "(SELECT label FROM trade t WHERE t.code = f.trade_code)"),
    Dimension.SOR_SCHEDULE: ("s.schedule", "s.schedule"),
}

_SAME_WORK = (
    "q.home_id = r.home_id AND q.trade_code IS NOT DISTINCT FROM r.trade_code "
    "AND q.id <> r.id AND (qs.is_open OR q.completed_at IS NOT NULL)"
)

_FACTS = f"""
SELECT r.id, r.home_id, r.landlord_id, r.contractor_id, r.priority_code, r.trade_code,
       h.postcode_area, h.postcode_district, h.postcode_sector,
       to_char(r.reported_at AT TIME ZONE 'Europe/London', 'YYYY-MM') AS month,
       p.is_emergency,
       st.is_open,
       (NOT st.is_open AND r.completed_at IS NOT NULL) AS completed,
       (NOT st.is_open AND r.completed_at IS NULL) AS cancelled,
       extract(epoch FROM r.completed_at - r.reported_at) / 3600.0 AS hours,
       we.working_day_number - ws.working_day_number AS working_days,
       r.target_at IS NOT NULL AND r.completed_at <= r.target_at AS within_target,
       r.target_at IS NOT NULL AS has_target,
       r.cost,
       EXISTS (SELECT 1 FROM repair q JOIN repair_status qs ON qs.code = q.status_code
               WHERE {_SAME_WORK} AND q.reported_at < r.reported_at
                 AND q.reported_at >= r.reported_at - interval '30 days') AS repeat_30,
       EXISTS (SELECT 1 FROM repair q JOIN repair_status qs ON qs.code = q.status_code
               WHERE {_SAME_WORK} AND q.reported_at < r.reported_at
                 AND q.reported_at >= r.reported_at - interval '90 days') AS repeat_90,
       NOT EXISTS (SELECT 1 FROM repair q JOIN repair_status qs ON qs.code = q.status_code
                   WHERE {_SAME_WORK} AND q.reported_at > r.completed_at
                     AND q.reported_at <= r.completed_at + interval '30 days') AS fixed_first_time
FROM repair r
JOIN home h ON h.id = r.home_id
JOIN priority p ON p.code = r.priority_code
JOIN repair_status st ON st.code = r.status_code
-- working_days_between(), as joins: a per-row function call costs far more.
LEFT JOIN working_calendar ws ON ws.day = (r.reported_at AT TIME ZONE 'Europe/London')::date
LEFT JOIN working_calendar we ON we.day = (r.completed_at AT TIME ZONE 'Europe/London')::date
WHERE {{where}}
"""

_MEASURES = """
count(*) AS raised,
count(*) FILTER (WHERE f.completed) AS completed,
count(*) FILTER (WHERE f.is_open) AS open,
count(DISTINCT f.home_id) AS homes,
percentile_cont(0.5) WITHIN GROUP (ORDER BY f.hours) FILTER (WHERE f.completed) AS median_hours,
percentile_cont(0.9) WITHIN GROUP (ORDER BY f.hours) FILTER (WHERE f.completed) AS p90_hours,
percentile_cont(0.5) WITHIN GROUP (ORDER BY f.working_days) FILTER (WHERE f.completed)
    AS median_working_days,
percentile_cont(0.9) WITHIN GROUP (ORDER BY f.working_days) FILTER (WHERE f.completed)
    AS p90_working_days,
100.0 * avg(f.within_target::int) FILTER (WHERE f.completed AND f.has_target AND f.is_emergency)
    AS within_target_emergency_pct,
100.0 * avg(f.within_target::int)
    FILTER (WHERE f.completed AND f.has_target AND NOT f.is_emergency)
    AS within_target_non_emergency_pct,
avg(f.cost) FILTER (WHERE f.completed AND f.cost IS NOT NULL) AS cost_mean,
percentile_cont(0.5) WITHIN GROUP (ORDER BY f.cost)
    FILTER (WHERE f.completed AND f.cost IS NOT NULL) AS cost_median,
sum(f.cost) FILTER (WHERE f.completed) AS cost_total,
100.0 * avg(f.repeat_30::int) FILTER (WHERE NOT f.cancelled) AS repeat_30_pct,
100.0 * avg(f.repeat_90::int) FILTER (WHERE NOT f.cancelled) AS repeat_90_pct,
100.0 * avg(f.fixed_first_time::int) FILTER (WHERE f.completed) AS first_time_fix_pct
"""


@dataclass(frozen=True, slots=True)
class RepairScope:
    """Which repairs a measure covers (all of them by default)."""

    reported_from: Any = None
    reported_to: Any = None
    landlord_ids: tuple[int, ...] = ()
    postcode_column: str = ""  # postcode_area / _district / _sector / postcode
    postcode_value: str = ""


def _scope_sql(scope: RepairScope, args: list[Any]) -> str:
    conditions = ["true"]

    def bind(value: Any) -> str:
        args.append(value)
        return f"${len(args)}"

    if scope.reported_from is not None:
        conditions.append(f"r.reported_at >= {bind(scope.reported_from)}")
    if scope.reported_to is not None:
        conditions.append(f"r.reported_at < {bind(scope.reported_to)}")
    if scope.landlord_ids:
        conditions.append(f"r.landlord_id = ANY({bind(list(scope.landlord_ids))}::bigint[])")
    if scope.postcode_column:
        conditions.append(
            postcode_condition("h", scope.postcode_column, bind(scope.postcode_value))
        )
    return " AND ".join(conditions)


_POSTCODE_COLUMNS = frozenset({"postcode_area", "postcode_district", "postcode_sector", "postcode"})


def postcode_condition(home_alias: str, column: str, placeholder: str) -> str:
    """``{home}.{column} = $n`` for one of the home's postcode columns (never user text)."""
    if column not in _POSTCODE_COLUMNS:
        raise ValueError(f"not a postcode column: {column!r}")
    return f"{home_alias}.{column} = {placeholder}"


async def repair_performance(
    db: Database, group_by: Sequence[Dimension], scope: RepairScope
) -> list[Record]:
    """One row per group: ``key_<dimension>``/``label_<dimension>`` columns, then the
    measures of ``_MEASURES``. An empty ``group_by`` gives one row for everything."""
    args: list[Any] = []
    facts = _FACTS.format(where=_scope_sql(scope, args))
    keys = [
        f"{_DIMENSIONS[d][0]} AS key_{d.value}, {_DIMENSIONS[d][1]} AS label_{d.value}"
        for d in group_by
    ]
    schedules = ""
    if Dimension.SOR_SCHEDULE in group_by:
        # A repair counts once under every schedule that lists one of its lines' codes.
        schedules = (
            "CROSS JOIN LATERAL (SELECT DISTINCT unnest(c.schedules) AS schedule "
            "FROM repair_line l JOIN sor_code c ON c.code = l.sor_code "
            "WHERE l.repair_id = f.id) s"
        )
    group = ", ".join(str(i + 1) for i in range(2 * len(group_by)))
    sql = (
        f"WITH f AS MATERIALIZED ({facts}) SELECT {', '.join([*keys, _MEASURES])} "
        f"FROM f {schedules}" + (f" GROUP BY {group} ORDER BY {group}" if group_by else "")
    )
    return await db.fetch(sql, *args)


@dataclass(frozen=True, slots=True)
class MarketScope:
    """Which part of the contractor market to look at."""

    postcode_column: str = ""
    postcode_value: str = ""
    trade_codes: tuple[str, ...] = ()
    sor_codes: tuple[str, ...] = ()


def _market_sql(scope: MarketScope, args: list[Any]) -> str:
    conditions = ["true"]
    if scope.postcode_column:
        args.append(scope.postcode_value)
        conditions.append(postcode_condition("h", scope.postcode_column, f"${len(args)}"))
    if scope.trade_codes:
        args.append(list(scope.trade_codes))
        conditions.append(f"r.trade_code = ANY(${len(args)}::text[])")
    return " AND ".join(conditions)


async def open_jobs(db: Database, scope: MarketScope) -> list[Record]:
    """Open repairs by postcode district and trade, with the homes they are at."""
    args: list[Any] = []
    sql = (
        "SELECT h.postcode_district, r.trade_code, (SELECT label FROM trade t WHERE "
        "t.code = r.trade_code) AS trade_label, count(*) AS jobs, "
        "count(*) FILTER (WHERE r.contractor_id IS NULL) AS unassigned, "
        "count(DISTINCT r.home_id) AS homes "
        "FROM repair r JOIN home h ON h.id = r.home_id "
        "JOIN repair_status s ON s.code = r.status_code "
        f"WHERE s.is_open AND {_market_sql(scope, args)} GROUP BY 1, 2 ORDER BY 1, 2"
    )
    return await db.fetch(sql, *args)


async def sor_rates(db: Database, scope: MarketScope) -> list[Record]:
    """Per postcode district and SOR code, over completed repairs: jobs, homes, median
    working days to complete, and median cost and unit cost of the code's lines (a
    repair's lines of one code are added up first)."""
    args: list[Any] = []
    where = _market_sql(scope, args)
    if scope.sor_codes:
        args.append(list(scope.sor_codes))
        where += f" AND l.sor_code = ANY(${len(args)}::text[])"
    sql = f"""
        WITH work AS (
            SELECT h.postcode_district, l.sor_code, r.id, r.home_id,
                   we.working_day_number - ws.working_day_number AS working_days,
                   sum(l.cost) AS cost, sum(l.quantity) AS quantity
            FROM repair_line l
            JOIN repair r ON r.id = l.repair_id
            JOIN repair_status s ON s.code = r.status_code
            JOIN home h ON h.id = r.home_id
            LEFT JOIN working_calendar ws
                ON ws.day = (r.reported_at AT TIME ZONE 'Europe/London')::date
            LEFT JOIN working_calendar we
                ON we.day = (r.completed_at AT TIME ZONE 'Europe/London')::date
            WHERE NOT s.is_open AND r.completed_at IS NOT NULL AND {where}
            GROUP BY 1, 2, 3, 4, 5
        )
        SELECT postcode_district, sor_code, count(*) AS jobs,
               count(DISTINCT home_id) AS homes,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY working_days)
                   AS median_working_days,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY cost) AS median_cost,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY cost / quantity)
                   FILTER (WHERE quantity > 0) AS median_unit_cost
        FROM work GROUP BY 1, 2 ORDER BY 1, 2
    """
    return await db.fetch(sql, *args)


async def replacement_forecast(
    db: Database, years: int, postcode_column: str = "", postcode_value: str = ""
) -> list[Record]:
    """Components due for replacement in each of the next ``years`` calendar years, by
    type: due in the year they reach their Decent Homes lifetime, or this year when already
    past it. Components without an install date or a lifetime are left out."""
    from odx_graph.mapping.graph import COMPONENT_LIFETIME

    args: list[Any] = [years]
    where = "true"
    if postcode_column:
        args.append(postcode_value)
        located = postcode_condition("ph", postcode_column, "$2")
        where = (
            f"EXISTS (SELECT 1 FROM home ph WHERE {located} AND "
            "(ph.id = c.home_id OR ph.building_id = c.building_id))"
        )
    lifetime = COMPONENT_LIFETIME.replace("{t}", "c")
    sql = f"""
        WITH life AS (
            SELECT c.component_type_code, c.home_id, c.building_id, c.install_date,
                   {lifetime} AS lifetime
            FROM component c
            WHERE c.install_date IS NOT NULL AND {where}
        ), due AS (
            -- greatest() ignores nulls, so components without a lifetime are dropped first
            SELECT component_type_code, home_id, building_id,
                   greatest(extract(year FROM current_date)::integer,
                            extract(year FROM install_date)::integer + lifetime) AS year
            FROM life WHERE lifetime IS NOT NULL
        )
        SELECT year, component_type_code,
               (SELECT label FROM component_type t WHERE t.code = component_type_code) AS label,
               count(*) AS components,
               count(DISTINCT coalesce('h' || home_id, 'b' || building_id)) AS places
        FROM due
        WHERE year IS NOT NULL AND year < extract(year FROM current_date)::integer + $1
        GROUP BY 1, 2 ORDER BY 1, 2
    """
    return await db.fetch(sql, *args)
