"""Repair performance by landlord, month and priority from the repair summaries
(migrations 0035 and 0038): the same rows :func:`odx_graph.store.analytics.repair_performance`
gives, read from a few thousand summary rows instead of every repair's facts.

A statement can be answered here when its groups are landlords, months and priorities
(not months and priorities together: the homes of a month and priority are not kept), its
scope names landlords at most and whole months reported (each bound, when given, is the
start of a month in UK time, as the facts' months are; not with priorities). Its counts,
its homes, the shares of repairs whose conditions are over the facts' flags and the
percentiles of working days to complete (the summaries keep a histogram of them: whole
days, so the percentile is exact, interpolated as ``percentile_cont`` interpolates) are
read from the summaries. Every other part of a measure is worked out from the facts of
the statement's landlords and months alone, in the same snapshot: hours and costs from
one range of the facts' covering indexes (migration 0042) for each landlord, never the
table; the repairs on components due for planned replacement from the planned items,
once (:func:`odx_graph.store.measure_parts.planned_replacement`)."""

from __future__ import annotations

import bisect
import datetime as dt
import math
import re
from collections.abc import Collection
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from odx_graph.core.disclosure import quantile_fractions
from odx_graph.mapping.insight import COUNTS
from odx_graph.mapping.insight import GROUPINGS
from odx_graph.mapping.insight import MEASURES
from odx_graph.mapping.insight import PLANNED_REPLACEMENT
from odx_graph.mapping.insight import Dimension
from odx_graph.mapping.insight import Percentile
from odx_graph.mapping.insight import Share
from odx_graph.store.db import Database
from odx_graph.store.measure_parts import Part
from odx_graph.store.measure_parts import count_parts
from odx_graph.store.measure_parts import measure_parts
from odx_graph.store.measure_parts import planned_replacement
from odx_graph.store.measure_parts import valued
from odx_graph.store.sql import Params

UK = ZoneInfo("Europe/London")

SUMMARY_DIMENSIONS = frozenset({Dimension.LANDLORD, Dimension.MONTH, Dimension.PRIORITY})
# The facts' flags the repair summary is counted by (its key besides landlord, month and
# priority).
FLAGS = (
    "completed",
    "is_open",
    "cancelled",
    "has_target",
    "is_emergency",
    "within_target",
    "repeat_30",
    "repeat_90",
    "fixed_first_time",
)
_WORDS = frozenset({*(f"f.{flag}" for flag in FLAGS), "AND", "OR", "NOT", "true", "(", ")"})
_TOKEN = re.compile(r"f\.\w+|\w+|\S")
# What the working days histogram counts: completed repairs (with working days).
HISTOGRAM = ("f.working_days", "f.completed")


def over_flags(condition: str) -> bool:
    """Whether ``condition`` (SQL over the facts ``f``) is made of the summary's flags
    with AND, OR, NOT and parentheses alone, so that it holds the same of a summary row
    as of each of the repairs it counts."""
    return all(token in _WORDS for token in _TOKEN.findall(condition))


def _summarised(name: str) -> bool:
    measure = {m.name: m.definition for m in MEASURES}[name]
    if isinstance(measure, Share):
        return over_flags(measure.flag) and over_flags(measure.among)
    if isinstance(measure, Percentile):
        return (measure.value, measure.among) == HISTOGRAM
    return False


# The measures read from the summaries alone; the others are worked out (in part) from
# the facts of the statement's scope.
SUMMARISED_MEASURES = frozenset(m.name for m in MEASURES if _summarised(m.name))
MEASURE_NAMES = tuple(m.name for m in MEASURES)
_COUNTS_SUMMARISED = all(over_flags(c.condition) for c in COUNTS)


def month_start(moment: Any) -> str | None:
    """The month (``'YYYY-MM'``, as the facts' ``month``) that ``moment`` (an aware
    datetime) is the first instant of in UK time; None for any other value. A repair is
    reported at or after it exactly when its month is that month or a later one."""
    if not isinstance(moment, dt.datetime) or moment.utcoffset() is None:
        return None
    local = moment.astimezone(UK)
    if (local.day, local.hour, local.minute, local.second, local.microsecond) != (1, 0, 0, 0, 0):
        return None
    return f"{local.year:04d}-{local.month:02d}"


def _bound_months(scope: Any) -> tuple[str | None, str | None] | None:
    """The months (``'YYYY-MM'``) a scope's ``reported_from`` and ``reported_to`` start,
    each None when not given; None unless every bound given starts a UK month."""
    first, after = month_start(scope.reported_from), month_start(scope.reported_to)
    if (first is None) != (scope.reported_from is None):
        return None
    if (after is None) != (scope.reported_to is None):
        return None
    return first, after


def _dated(scope: Any) -> bool:
    return scope.reported_from is not None or scope.reported_to is not None


def answerable(group_by: Sequence[Dimension], scope: Any, measures: Collection[str]) -> bool:
    """Whether :func:`summary_performance` gives the rows of this statement: grouped by
    landlord, month and priority (not month and priority together), scoped to landlords
    and whole months at most (not with priorities). Any measures: the parts the
    summaries do not hold are worked out from the scope's facts."""
    return (
        _COUNTS_SUMMARISED
        and len(set(group_by)) == len(group_by)
        and set(group_by) <= SUMMARY_DIMENSIONS
        and not {Dimension.MONTH, Dimension.PRIORITY} <= set(group_by)
        and _bound_months(scope) is not None
        and not (_dated(scope) and Dimension.PRIORITY in group_by)
        and not scope.postcode_column
        and not scope.estate_ids
        and not scope.building_ids
        and set(measures) <= set(MEASURE_NAMES)
    )


def percentile_cont(days: Sequence[int], repairs: Sequence[int], fraction: float) -> float:
    """``percentile_cont(fraction)`` of the values ``days`` (ascending, distinct), each
    ``repairs`` times: the same floating point steps as PostgreSQL's, so the same value."""
    total = sum(repairs)
    ends = []  # the rank after each value's last repair
    running = 0
    for count in repairs:
        running += count
        ends.append(running)

    def at(rank: int) -> float:
        return float(days[bisect.bisect_right(ends, rank)])

    position = fraction * (total - 1)
    first = math.floor(position)
    second = math.ceil(position)
    low = at(first)
    if second <= first:
        return low
    high = at(second)
    return low + (high - low) * (position - first)


def _reporting_years(scope: Any) -> tuple[int | None, int | None] | None:
    """The reporting years (1 April to 31 March, UK time; named by the year they start
    in) a scope's dates cover, each bound None when not given; None unless every bound
    given is the start of one."""
    bounds = _bound_months(scope)
    if bounds is None or any(m is not None and not m.endswith("-04") for m in bounds):
        return None
    start, end = (None if m is None else int(m[:4]) for m in bounds)
    return start, end


def _homes_sql(
    group_by: Sequence[Dimension],
    scope: Any,
    names: list[str],
    groups: str,
    where: str,
    period: str,
    summed: bool,
) -> str:
    """The homes of each group and the sum of their record keys, read from the homes
    kept per ``period`` ("month", "year", "priority", or "" for over every month) with
    the conditions ``where``. When each group is one landlord's homes of one kept period
    (``summed``), the summaries count them; across landlords, or over several periods, a
    home with repairs in two counts once, so the distinct homes are counted."""
    by = f" GROUP BY {', '.join(names)}" if group_by else ""
    if summed and (Dimension.LANDLORD in group_by or len(scope.landlord_ids) == 1):
        table = f"repair_summary_{period or 'landlord'}"
        return (
            f"SELECT {''.join(n + ', ' for n in names)}coalesce(sum(f.homes), 0)::bigint AS homes, "
            f"sum(f.homes_key)::bigint AS homes_key FROM (SELECT {groups}f.homes, f.homes_key "
            f"FROM {table} f WHERE {where}) AS f{by}"
        )
    table = f"repair_summary_home_{period}" if period else "repair_summary_home"
    return (
        f"SELECT {''.join(n + ', ' for n in names)}count(*) AS homes, "
        f"sum(record_key)::bigint AS homes_key FROM (SELECT DISTINCT {groups}"
        f"f.home_id, f.record_key FROM {table} f WHERE {where}) AS f{by}"
    )


def _homes_source(
    group_by: Sequence[Dimension], scope: Any, landlords: list[str], months: list[str], bind: Params
) -> tuple[str, str, bool]:
    """Where the homes of a statement are read: the period kept, its conditions, and
    whether a group's homes are one summary row's (see :func:`_homes_sql`)."""
    if Dimension.PRIORITY in group_by:  # never with dates (see answerable)
        return "priority", " AND ".join(landlords), True
    if Dimension.MONTH in group_by or not _dated(scope):
        period = "month" if Dimension.MONTH in group_by else ""
        return period, " AND ".join(landlords + months), True
    years = _reporting_years(scope)
    if years is None:
        return "month", " AND ".join(landlords + months), False
    start, end = years
    conditions = list(landlords)
    if start is not None:
        conditions.append(f"f.year >= {bind(start)}")
    if end is not None:
        conditions.append(f"f.year < {bind(end)}")
    one = start is not None and end == start + 1
    return "year", " AND ".join(conditions), one


def _month_conditions(scope: Any, bind: Params) -> list[str]:
    """SQL keeping the facts (or summary rows) ``f`` of the whole months a scope's
    bounds give (see :func:`_bound_months`)."""
    first, after = _bound_months(scope) or (None, None)
    conditions = []
    if first is not None:
        conditions.append(f"f.month >= {bind(first)}")
    if after is not None:
        conditions.append(f"f.month < {bind(after)}")
    return conditions


def _grouped(group_by: Sequence[Dimension]) -> tuple[list[str], str, str]:
    """A statement's group columns over ``f``: their names, the select list that gives
    them (each followed by a comma) and the GROUP BY (empty without groups)."""
    names = [f"group_{d.value}" for d in group_by]
    groups = "".join(f"{GROUPINGS[d].value} AS {n}, " for d, n in zip(group_by, names, strict=True))
    by = f" GROUP BY {', '.join(str(i + 1) for i in range(len(group_by)))}" if group_by else ""
    return names, groups, by


def _sums(column: str, condition: str) -> list[str]:
    return [
        f"coalesce(sum(f.repairs) FILTER (WHERE {condition}), 0)::bigint AS {column}",
        f"coalesce(sum(f.record_keys) FILTER (WHERE {condition}), 0)::bigint AS {column}_key",
    ]


async def summary_performance(
    db: Database,
    group_by: Sequence[Dimension],
    scope: Any,
    measures: Collection[str],
    settings: dict[str, str],
) -> list[dict[str, Any]]:
    """The rows of ``repair_performance`` for a statement :func:`answerable` says the
    summaries hold, in its order, with the same columns (a home's key stands for its
    record key summed once, as the cell keys need)."""
    args: list[Any] = []
    bind = Params(args)
    landlords = ["true"]
    if scope.landlord_ids:
        landlords.append(f"f.landlord_id = ANY({bind(list(scope.landlord_ids))}::bigint[])")
    months = _month_conditions(scope, bind)
    where = " AND ".join(landlords + months)
    names, groups, by = _grouped(group_by)
    parts = [p for c in COUNTS for p in _sums(c.name, c.condition)]
    definitions = {m.name: m.definition for m in MEASURES}
    chosen = [m.name for m in MEASURES if m.name in measures]
    percentiles = [
        n for n in chosen if n in SUMMARISED_MEASURES and isinstance(definitions[n], Percentile)
    ]
    # The parts worked out from the facts, by the condition on the repairs they cover.
    from_facts: dict[str, list[Part]] = {}
    for name in chosen:
        measure = definitions[name]
        if isinstance(measure, Share):
            for column, condition in (
                (f"{name}_n", f"{measure.among} AND {measure.flag}"),
                (f"{name}_d", measure.among),
            ):
                if over_flags(condition):
                    parts += _sums(column, condition)
                else:
                    from_facts.setdefault(condition, []).extend(count_parts(column, "true"))
        elif name not in SUMMARISED_MEASURES:
            from_facts.setdefault(valued(measure), []).extend(measure_parts(name, measure))
    period, homes_where, summed = _homes_source(group_by, scope, landlords, months, bind)
    homes = _homes_sql(group_by, scope, names, groups, homes_where, period, summed)
    counted = f"SELECT {groups}{', '.join(parts)} FROM repair_summary f WHERE {where}{by}"
    joined = "".join(f" AND h.{n} = c.{n}" for n in names)
    select = ["c.*", "h.homes", "h.homes_key"]
    sources = f"({counted}) AS c JOIN ({homes}) AS h ON true{joined}"
    if percentiles:
        histogram = (
            f"SELECT {''.join(n + ', ' for n in names)}"
            "array_agg(working_days ORDER BY working_days) AS days, "
            "array_agg(repairs ORDER BY working_days) AS days_repairs, "
            "sum(record_keys)::bigint AS days_key FROM ("
            f"SELECT {groups}f.working_days, sum(f.repairs)::bigint AS repairs, "
            f"sum(f.record_keys) AS record_keys FROM repair_summary_days f WHERE {where} "
            f"GROUP BY {', '.join(str(i + 1) for i in range(len(group_by) + 1))}) AS f"
            + (f" GROUP BY {', '.join(names)}" if group_by else "")
        )
        joined_days = "".join(f" AND d.{n} = c.{n}" for n in names)
        sources += f" LEFT JOIN ({histogram}) AS d ON true{joined_days}"
        select += ["d.days", "d.days_repairs", "d.days_key"]
    keys = [
        f"g.{n}::text AS key_{d.value}, {GROUPINGS[d].label.format(k=f'g.{n}')} AS label_{d.value}"
        for d, n in zip(group_by, names, strict=True)
    ]
    order = f" ORDER BY {', '.join(f'g.{n}' for n in names)}" if group_by else ""
    sql = (
        f"SELECT {', '.join([*keys, 'g.*'])} FROM "
        f"(SELECT {', '.join(select)} FROM {sources}) AS g{order}"
    )
    rows = []
    # The summaries and the facts read in one snapshot: a write committed in between
    # cannot pair one moment's counts with another's hours, costs or shares.
    statements = [(sql, args)] + [
        facts_statement(group_by, scope, condition, columns)
        for condition, columns in from_facts.items()
    ]
    summary_rows, *from_the_facts = await db.fetch_together(settings, statements)
    facts = [_by_group(found, names) for found in from_the_facts]
    for record in summary_rows:
        row = dict(record)
        group = tuple(row[n] for n in names)
        for found, columns in zip(facts, from_facts.values(), strict=True):
            row.update(found.get(group) or _none_found(columns))
        days, repairs = row.pop("days", None), row.pop("days_repairs", None)
        key = row.pop("days_key", None)
        for name in percentiles:
            measure = definitions[name]
            assert isinstance(measure, Percentile)
            row[name] = (
                None
                if not days
                else [
                    percentile_cont(days, repairs, p) for p in quantile_fractions(measure.fraction)
                ]
            )
            row[f"{name}_key"] = key
        rows.append(row)
    return rows


def _none_found(columns: Sequence[Part]) -> dict[str, Any]:
    """The parts of a group none of whose repairs meet their condition: counts of none,
    and no value."""
    return {c: 0 if aggregate.startswith("count(") else None for c, aggregate, _ in columns}


def facts_statement(
    group_by: Sequence[Dimension], scope: Any, condition: str, columns: Sequence[Part]
) -> tuple[str, list[Any]]:
    """The statement (and its arguments) giving the ``columns`` of each group over the
    facts of the scope's landlords (every landlord with repairs when it names none) and
    months that meet ``condition``. For hours and costs (completed repairs with one), a
    range of the facts' covering indexes (landlord, month; migration 0042) for each
    landlord, so neither the other landlords' repairs nor the table are read."""
    args: list[Any] = []
    bind = Params(args)
    if scope.landlord_ids:
        where = [f"f.landlord_id = ANY({bind(list(scope.landlord_ids))}::bigint[])"]
    else:
        where = ["f.landlord_id = ANY(ARRAY(SELECT l.landlord_id FROM repair_summary_landlord l))"]
    where += _month_conditions(scope, bind)
    # The repairs due for planned replacement, worked out once from the planned items
    # (narrowing them to the scope's repairs costs as much as it saves: about 4 s either
    # way at a million homes, for a landlord, a reporting year or both).
    defined = planned_replacement() if PLANNED_REPLACEMENT in condition else ""
    where.append(f"({condition})")
    _, groups, by = _grouped(group_by)
    sql = (
        f"{defined}SELECT {groups}{', '.join(f'{a} AS {c}' for c, a, _ in columns)} "
        f"FROM repair_fact f WHERE {' AND '.join(where)}{by}"
    )
    return sql, args


def _by_group(found: Sequence[Any], names: Sequence[str]) -> dict[tuple[Any, ...], dict[str, Any]]:
    """The rows of a :func:`facts_statement` by their groups' values (the ``names``
    columns, taken out of the rows)."""
    grouped = {}
    for record in found:
        row = dict(record)
        grouped[tuple(row.pop(n) for n in names)] = row
    return grouped
