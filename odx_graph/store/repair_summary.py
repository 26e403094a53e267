"""Repair performance by landlord, month and priority from the repair summaries
(migrations 0035 and 0038): the same rows :func:`odx_graph.store.analytics.repair_performance`
gives, read from a few thousand summary rows instead of every repair's facts.

A statement can be answered here when its groups are landlords, months and priorities
(not months and priorities together: the homes of a month and priority are not kept), its
scope names landlords at most and whole months reported (each bound, when given, is the
start of a month in UK time, as the facts' months are; with priorities, of a reporting
year: the homes of a priority are kept per reporting year, migration 0045). Its counts,
its homes and the shares of repairs whose conditions are over the facts' flags are read
from the summaries. Percentiles, means and totals of completed repairs' working days,
hours and costs are read from histograms of them (:data:`HISTOGRAMS`): a working day is a
whole number, so its histogram gives the percentile; hours and costs are kept by whole
hour and pound, and the values at the ranks a percentile needs (and the largest cost)
are then read from the few repairs of that hour or pound, short ranges of an index of
the facts by landlord, month and value (migration 0044). Interpolated as
``percentile_cont`` interpolates, so the values are the facts' own. Every other part of
a measure (the repairs on components due for planned replacement) is worked out from the
range of the scope's repairs with a planned item, kept with the facts (migration 0043; see
:func:`odx_graph.store.measure_parts.planned_replacement`). All of a statement's reads
see one snapshot."""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import math
import re
from collections.abc import Callable
from collections.abc import Collection
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from odx_graph.core.disclosure import quantile_fractions
from odx_graph.mapping.insight import COUNTS
from odx_graph.mapping.insight import GROUPINGS
from odx_graph.mapping.insight import MEASURES
from odx_graph.mapping.insight import PLANNED_REPLACEMENT
from odx_graph.mapping.insight import Definition
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


@dataclass(frozen=True, slots=True)
class Histogram:
    """A histogram the summaries keep of completed repairs' ``value`` (those with one):
    their count and record keys (and, with ``summed``, the sum of their values) per
    landlord, month, priority and ``bucket``, the value rounded down to a whole number.
    When the values are whole numbers (``whole``) a bucket holds one value; otherwise
    the values of a bucket are read from the facts' index by landlord, month and
    value, cast to ``cast`` to compare with a bucket."""

    value: str
    table: str
    bucket: str
    whole: bool
    cast: str
    summed: str = ""  # the column holding the sum of a bucket's values, if kept


HISTOGRAMS = (
    Histogram("f.working_days", "repair_summary_days", "working_days", True, "integer"),
    Histogram("f.hours", "repair_summary_hours", "hour", False, "float8"),
    Histogram("f.cost", "repair_summary_cost", "pound", False, "numeric", summed="cost"),
)


def over_flags(condition: str) -> bool:
    """Whether ``condition`` (SQL over the facts ``f``) is made of the summary's flags
    with AND, OR, NOT and parentheses alone, so that it holds the same of a summary row
    as of each of the repairs it counts."""
    return all(token in _WORDS for token in _TOKEN.findall(condition))


def histogram_of(measure: Definition) -> Histogram | None:
    """The histogram a percentile, mean or total is read from: the one of its value,
    when the repairs it is over are the completed ones with a value (those a histogram
    counts); None for any other."""
    if isinstance(measure, Share):
        return None
    for histogram in HISTOGRAMS:
        counted = f"{histogram.value} IS NOT NULL"
        if measure.value == histogram.value and valued(measure) in (
            f"f.completed AND {counted}",
            f"(f.completed) AND {counted}",
        ):
            return histogram
    return None


def _summarised(name: str) -> bool:
    measure = {m.name: m.definition for m in MEASURES}[name]
    if isinstance(measure, Share):
        return over_flags(measure.flag) and over_flags(measure.among)
    histogram = histogram_of(measure)
    # A mean or total adds up the values: only a histogram that sums them holds it.
    return histogram is not None and (isinstance(measure, Percentile) or bool(histogram.summed))


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
    and whole months at most (whole reporting years with priorities). Any measures: the
    parts the summaries do not hold are worked out from the scope's facts."""
    return (
        _COUNTS_SUMMARISED
        and len(set(group_by)) == len(group_by)
        and set(group_by) <= SUMMARY_DIMENSIONS
        and not {Dimension.MONTH, Dimension.PRIORITY} <= set(group_by)
        and _bound_months(scope) is not None
        and not (Dimension.PRIORITY in group_by and _dated(scope) and not _years(scope))
        and not scope.postcode_column
        and not scope.estate_ids
        and not scope.building_ids
        and set(measures) <= set(MEASURE_NAMES)
    )


def ranks(total: int, fraction: float) -> tuple[int, int, float]:
    """Where ``percentile_cont(fraction)`` of ``total`` values reads: the ranks (from 0,
    ascending) of the two values it interpolates between, and how far between them."""
    position = fraction * (total - 1)
    first = math.floor(position)
    return first, math.ceil(position), position - first


def interpolated(value_at: Callable[[int], float], total: int, fraction: float) -> float:
    """``percentile_cont(fraction)`` of ``total`` values, the value of each rank given by
    ``value_at``: the same floating point steps as PostgreSQL's, so the same value."""
    first, second, between = ranks(total, fraction)
    low = float(value_at(first))
    if second <= first:
        return low
    high = float(value_at(second))
    return low + (high - low) * between


def percentile_cont(days: Sequence[int], repairs: Sequence[int], fraction: float) -> float:
    """``percentile_cont(fraction)`` of the values ``days`` (ascending, distinct), each
    ``repairs`` times: read as a histogram of whole values is (:class:`Counts`)."""
    counts = Counts(list(days), list(repairs), None, None)
    return interpolated(counts.whole_value, counts.total, fraction)


def _years(scope: Any) -> bool:
    """Whether every bound a scope gives is the start of a reporting year."""
    return _reporting_years(scope) is not None


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
    kept per ``period`` ("month", "year", "priority", "priority_year", or "" for over
    every month) with the conditions ``where``. When each group is one landlord's homes
    of one kept period (``summed``), the summaries count them; across landlords, or over
    several periods, a home with repairs in two counts once, so the distinct homes are
    counted."""
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
    whether a group's homes are one summary row's (see :func:`_homes_sql`). By priority
    the scope's dates are whole reporting years, if any (see :func:`answerable`)."""
    if Dimension.PRIORITY in group_by and not _dated(scope):
        return "priority", " AND ".join(landlords), True
    if Dimension.MONTH in group_by or not _dated(scope):
        period = "month" if Dimension.MONTH in group_by else ""
        return period, " AND ".join(landlords + months), True
    years = _reporting_years(scope)
    if years is None:
        return "month", " AND ".join(landlords + months), False
    period = "priority_year" if Dimension.PRIORITY in group_by else "year"
    start, end = years
    conditions = list(landlords)
    if start is not None:
        conditions.append(f"f.year >= {bind(start)}")
    if end is not None:
        conditions.append(f"f.year < {bind(end)}")
    one = start is not None and end == start + 1
    return period, " AND ".join(conditions), one


def _month_conditions(scope: Any, bind: Params, alias: str = "f") -> list[str]:
    """SQL keeping the facts (or summary rows) ``alias`` of the whole months a scope's
    bounds give (see :func:`_bound_months`)."""
    first, after = _bound_months(scope) or (None, None)
    conditions = []
    if first is not None:
        conditions.append(f"{alias}.month >= {bind(first)}")
    if after is not None:
        conditions.append(f"{alias}.month < {bind(after)}")
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
    # The measures read from a histogram, and the histograms they need.
    valued_measures = {
        n: h
        for n in chosen
        if n in SUMMARISED_MEASURES and (h := histogram_of(definitions[n])) is not None
    }
    histograms = [h for h in HISTOGRAMS if h in valued_measures.values()]
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
    for i, histogram in enumerate(histograms):
        sources += f" LEFT JOIN ({_histogram_sql(histogram, names, groups, where)}) AS v{i} ON true"
        sources += "".join(f" AND v{i}.{n} = c.{n}" for n in names)
        select += [f"v{i}.{histogram.bucket}_{c}" for c in HISTOGRAM_COLUMNS]
    keys = [
        f"g.{n}::text AS key_{d.value}, {GROUPINGS[d].label.format(k=f'g.{n}')} AS label_{d.value}"
        for d, n in zip(group_by, names, strict=True)
    ]
    order = f" ORDER BY {', '.join(f'g.{n}' for n in names)}" if group_by else ""
    sql = (
        f"SELECT {', '.join([*keys, 'g.*'])} FROM "
        f"(SELECT {', '.join(select)} FROM {sources}) AS g{order}"
    )
    # Each row's histograms, and the values of the ranks its measures read, by histogram.
    counts: list[dict[Histogram, Counts]] = []
    wanted: dict[Histogram, dict[tuple[int, int], set[int]]] = {}

    def lookups(found: list[list[Any]]) -> list[tuple[str, list[Any]]]:
        """The statements reading the values at the ranks the measures need, from the
        rows of the summaries (run in the same snapshot)."""
        for record in found[0]:
            counts.append(
                {
                    h: Counts(*(record[f"{h.bucket}_{c}"] for c in HISTOGRAM_COLUMNS))
                    for h in histograms
                }
            )
        statements = []
        for histogram in histograms:
            if histogram.whole:
                continue
            needed = wanted[histogram] = {}
            for row, by_histogram in enumerate(counts):
                histogram_counts = by_histogram[histogram]
                for name, used in valued_measures.items():
                    if used == histogram:
                        for rank in _ranks_read(definitions[name], histogram_counts.total):
                            bucket, offset = histogram_counts.locate(rank)
                            needed.setdefault((row, bucket), set()).add(offset)
            if needed:
                statements.append(values_statement(histogram, scope, group_by, found[0], needed))
        return statements

    # The summaries and the facts read in one snapshot: a write committed in between
    # cannot pair one moment's counts with another's values or shares.
    statements = [(sql, args)] + [
        facts_statement(group_by, scope, condition, columns)
        for condition, columns in from_facts.items()
    ]
    summary_rows, *rest = await db.fetch_together(settings, statements, lookups)
    from_the_facts, read_values = rest[: len(from_facts)], rest[len(from_facts) :]
    values: dict[Histogram, dict[tuple[int, int], dict[int, Any]]] = {}
    read = iter(read_values)
    for histogram in histograms:
        if wanted.get(histogram):
            values[histogram] = {
                key: dict(zip(sorted(offsets), r["found"], strict=True))
                for (key, offsets), r in zip(wanted[histogram].items(), next(read), strict=True)
            }
    facts = [_by_group(found, names) for found in from_the_facts]
    rows = []
    for index, record in enumerate(summary_rows):
        row = dict(record)
        group = tuple(row[n] for n in names)
        for found, columns in zip(facts, from_facts.values(), strict=True):
            row.update(found.get(group) or _none_found(columns))
        for histogram in histograms:
            for column in HISTOGRAM_COLUMNS:
                del row[f"{histogram.bucket}_{column}"]
        for name, histogram in valued_measures.items():
            histogram_counts = counts[index][histogram]
            value_at: Callable[[int], Any] = (
                histogram_counts.whole_value
                if histogram.whole
                else _reader(histogram_counts, values.get(histogram, {}), index)
            )
            row.update(_valued_parts(name, definitions[name], histogram_counts, value_at))
        rows.append(row)
    return rows


# The columns each histogram read gives a group (each named after its bucket).
HISTOGRAM_COLUMNS = ("buckets", "repairs", "key", "total")


class Counts:
    """One group's histogram, from a row of :func:`_histogram_sql`: its buckets
    (ascending), the repairs in each, their record keys and (for a summed value) their
    sum."""

    def __init__(
        self, buckets: list[int] | None, repairs: list[int] | None, key: int | None, total: Any
    ) -> None:
        self.buckets: list[int] = list(buckets or [])
        self.ends = list(itertools.accumulate(repairs or []))
        self.total = self.ends[-1] if self.ends else 0
        self.key = key
        self.sum = total

    def locate(self, rank: int) -> tuple[int, int]:
        """The bucket holding the value of ``rank`` (from 0, ascending), and the value's
        place among the bucket's values (from 0, ascending)."""
        i = bisect.bisect_right(self.ends, rank)
        return self.buckets[i], rank - (self.ends[i - 1] if i else 0)

    def whole_value(self, rank: int) -> float:
        """The value of ``rank`` when each bucket holds one value."""
        return float(self.locate(rank)[0])


def _histogram_sql(histogram: Histogram, names: list[str], groups: str, where: str) -> str:
    """Each group's histogram of ``histogram``'s value over the summary rows meeting
    ``where`` (see :data:`HISTOGRAM_COLUMNS`): its buckets (ascending), the repairs in
    each, the sum of their record keys and, for a summed value, the sum of the values."""
    summed = f", sum(f.{histogram.summed}) AS total" if histogram.summed else ""
    total = "sum(f.total)" if histogram.summed else "NULL::numeric"
    by = ", ".join(str(i + 1) for i in range(len(names) + 1))
    return (
        f"SELECT {''.join(n + ', ' for n in names)}"
        f"array_agg(f.bucket ORDER BY f.bucket) AS {histogram.bucket}_buckets, "
        f"array_agg(f.repairs ORDER BY f.bucket) AS {histogram.bucket}_repairs, "
        f"sum(f.record_keys)::bigint AS {histogram.bucket}_key, "
        f"{total} AS {histogram.bucket}_total FROM ("
        f"SELECT {groups}f.{histogram.bucket} AS bucket, sum(f.repairs)::bigint AS repairs, "
        f"sum(f.record_keys) AS record_keys{summed} FROM {histogram.table} f "
        f"WHERE {where} GROUP BY {by}) AS f" + (f" GROUP BY {', '.join(names)}" if names else "")
    )


def _ranks_read(measure: Definition, total: int) -> list[int]:
    """The ranks (from 0, ascending) of the values a measure over ``total`` values
    reads: a percentile's at each of its fractions, a mean's or total's largest."""
    if total == 0:
        return []
    if isinstance(measure, Percentile):
        return sorted(
            {r for f in quantile_fractions(measure.fraction) for r in ranks(total, f)[:2]}
        )
    return [total - 1]


def _valued_parts(
    name: str, measure: Definition, counts: Counts, value_at: Callable[[int], Any]
) -> dict[str, Any]:
    """The parts of a measure (:func:`odx_graph.store.measure_parts.measure_parts`) read
    from one group's histogram, as the facts give them: no value (and no key) when the
    group has no repair with one."""
    total = counts.total
    key = counts.key if total else None
    if isinstance(measure, Percentile):
        return {
            name: [interpolated(value_at, total, f) for f in quantile_fractions(measure.fraction)]
            if total
            else None,
            f"{name}_key": key,
        }
    return {
        f"{name}_sum": counts.sum if total else None,
        f"{name}_n": total,
        f"{name}_n_key": key,
        f"{name}_max": value_at(total - 1) if total else None,
    }


def values_statement(
    histogram: Histogram,
    scope: Any,
    group_by: Sequence[Dimension],
    rows: Sequence[Any],
    needed: dict[tuple[int, int], set[int]],
) -> tuple[str, list[Any]]:
    """The statement reading, for each (row, bucket) of ``needed``, the values of the
    row's group in that bucket at the places asked (from 0, ascending; the values in
    the places' order), in ``needed``'s order: the bucket's values up to the last place
    asked, from one short range of the facts' index by landlord, month and value
    (migration 0044) for each landlord and month of the group, sorted once."""
    args: list[Any] = []
    bind = Params(args)
    if scope.landlord_ids:
        scoped = f"{bind(list(scope.landlord_ids))}::bigint[]"
    else:
        scoped = "ARRAY(SELECT l.landlord_id FROM repair_summary_landlord l)"
    # The months of the group (its own, or those of its landlords in scope), each read
    # as a range of its own.
    in_scope = " AND ".join(["m.landlord_id = ANY(l.ids)", *_month_conditions(scope, bind, "m")])
    dimensions = (Dimension.LANDLORD, Dimension.MONTH, Dimension.PRIORITY)
    columns: dict[Dimension, list[Any]] = {d: [] for d in dimensions}
    buckets, lasts, asked_of, places = [], [], [], []
    for i, ((row, bucket), offsets) in enumerate(needed.items(), start=1):
        for d in dimensions:
            columns[d].append(rows[row][f"group_{d.value}"] if d in group_by else None)
        buckets.append(bucket)
        lasts.append(max(offsets))
        asked_of += [i] * len(offsets)
        places += sorted(offsets)
    asked = (
        f"unnest({bind(columns[Dimension.LANDLORD])}::bigint[], "
        f"{bind(columns[Dimension.MONTH])}::text[], {bind(columns[Dimension.PRIORITY])}::text[], "
        f"{bind(buckets)}::bigint[], {bind(lasts)}::integer[]) "
        "WITH ORDINALITY AS q(landlord, month, priority, bucket, last, i)"
    )
    value = histogram.value
    conditions = [
        "f.completed",
        f"{value} IS NOT NULL",
        "f.landlord_id = ANY(l.ids)",
        "f.month = ANY(CASE WHEN q.month IS NULL THEN ARRAY(SELECT m.month "
        f"FROM repair_summary_month m WHERE {in_scope}) ELSE ARRAY[q.month] END)",
        f"{value} >= q.bucket::{histogram.cast}",
        f"{value} < (q.bucket + 1)::{histogram.cast}",
        "(q.priority IS NULL OR f.priority_code = q.priority)",
    ]
    first = (
        f"SELECT {value} AS v FROM repair_fact f WHERE {' AND '.join(conditions)} "
        f"ORDER BY {value} LIMIT q.last + 1"
    )
    wanted = (
        f"SELECT p.place FROM unnest({bind(asked_of)}::integer[], {bind(places)}::integer[]) "
        "AS p(i, place) WHERE p.i = q.i"
    )
    sql = (
        "SELECT ARRAY(SELECT s.v FROM (SELECT t.v, row_number() OVER (ORDER BY t.v) - 1 AS k "
        f"FROM ({first}) AS t) AS s WHERE s.k = ANY(ARRAY({wanted})) ORDER BY s.k) AS found "
        f"FROM {asked} CROSS JOIN LATERAL (SELECT CASE WHEN q.landlord IS NULL THEN {scoped} "
        "ELSE ARRAY[q.landlord] END AS ids) AS l ORDER BY q.i"
    )
    return sql, args


def _reader(
    counts: Counts, read: dict[tuple[int, int], dict[int, Any]], row: int
) -> Callable[[int], Any]:
    """The value of each rank of one row's histogram, from the values read of its buckets
    (by row and bucket: the values by their place in the bucket)."""

    def value_at(rank: int) -> Any:
        bucket, offset = counts.locate(rank)
        return read[(row, bucket)][offset]

    return value_at


def _none_found(columns: Sequence[Part]) -> dict[str, Any]:
    """The parts of a group none of whose repairs meet their condition: counts of none,
    and no value."""
    return {c: 0 if aggregate.startswith("count(") else None for c, aggregate, _ in columns}


def facts_statement(
    group_by: Sequence[Dimension], scope: Any, condition: str, columns: Sequence[Part]
) -> tuple[str, list[Any]]:
    """The statement (and its arguments) giving the ``columns`` of each group over the
    facts of the scope's landlords (every landlord with repairs when it names none) and
    months that meet ``condition``. For the repairs due for planned replacement, a range
    of the rows kept of repairs with a planned item (migration 0043) for each landlord,
    not the facts."""
    args: list[Any] = []
    bind = Params(args)
    if scope.landlord_ids:
        where = [f"f.landlord_id = ANY({bind(list(scope.landlord_ids))}::bigint[])"]
    else:
        where = ["f.landlord_id = ANY(ARRAY(SELECT l.landlord_id FROM repair_summary_landlord l))"]
    where += _month_conditions(scope, bind)
    table, defined = "repair_fact", ""
    if PLANNED_REPLACEMENT in condition:
        # Only a repair with a planned item live on its report day can be due for
        # planned replacement: such repairs are read from the rows kept of them
        # (migration 0043), the scope's range of their index, never the facts.
        table = "repair_planned_due"
        defined = planned_replacement(" AND ".join(where), over_facts=False)
    where.append(f"({condition})")
    _, groups, by = _grouped(group_by)
    sql = (
        f"{defined}SELECT {groups}{', '.join(f'{a} AS {c}' for c, a, _ in columns)} "
        f"FROM {table} f WHERE {' AND '.join(where)}{by}"
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
