"""Repair performance measures, computed by PostgreSQL in one statement per request.

Definitions (also in docs/insight.md):
- a repair is *completed* when its status is closed and it has a completion time, and
  *cancelled* when its status is closed without one (cancelled, superseded); cancelled
  repairs count as raised but in no other measure;
- time to complete: calendar hours, and working days in England and Wales (weekends and
  bank holidays excluded; the working calendar's day numbers), for completed repairs;
- within target (TSM RP02 method): completed repairs with a target whose completion was
  no later than the landlord's own target, split emergency / non-emergency by priority;
- a *repeat*: a repair preceded by another, not cancelled, at the same home and of the
  same trade (a repair without a trade has none), reported within the previous 720
  (2160) hours, whatever the clocks do;
- *first-time fix*: a completed repair after which no other repair, not cancelled, of
  the same trade was reported at the same home after its completion and up to 720 hours
  after it."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Collection
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from typing import Protocol

from odx_graph.core.disclosure import RECORD_KEY_RANGE
from odx_graph.core.disclosure import quantile_fractions
from odx_graph.mapping.insight import COUNTS
from odx_graph.mapping.insight import ESTATE_MEMBERS
from odx_graph.mapping.insight import GROUPINGS
from odx_graph.mapping.insight import MEASURES as DECLARED_MEASURES
from odx_graph.mapping.insight import PLANNED_REPLACEMENT
from odx_graph.mapping.insight import Definition
from odx_graph.mapping.insight import Dimension as Dimension  # named here by older imports
from odx_graph.mapping.insight import Percentile
from odx_graph.store.db import Database
from odx_graph.store.db import Record
from odx_graph.store.measure_parts import RECORD_KEY
from odx_graph.store.measure_parts import Part
from odx_graph.store.measure_parts import count_parts
from odx_graph.store.measure_parts import measure_parts
from odx_graph.store.measure_parts import planned_replacement
from odx_graph.store.repair_summary import answerable
from odx_graph.store.repair_summary import summary_performance
from odx_graph.store.sql import Params

# Groupings: value expressions over the per-repair facts ``f``, and label expressions over
# that value ``{k}``, from the declarations. Labels are looked up once per group, after
# grouping.
_DIMENSIONS: dict[Dimension, tuple[str, str]] = {
    d: (grouping.value, grouping.label) for d, grouping in GROUPINGS.items()
}

# The per-repair facts are the ``repair_fact`` table (migrations 0007 and 0008), which
# triggers keep up to date as repairs, homes and code lists change: the measures aggregate
# it directly. Every group gets its counts and homes (the privacy rules need the homes);
# the measures are named so a query works out only those it selects.


Measure = Definition  # what a measure is worked out from

MEASURES: dict[str, Measure] = {m.name: m.definition for m in DECLARED_MEASURES}
_COUNTS = {c.name: c.condition for c in COUNTS}


def _count_parts() -> list[Part]:
    return [part for name, condition in _COUNTS.items() for part in count_parts(name, condition)]


def _combined(column: str, combine: str) -> str:
    """How the per-home values of ``column`` make the group's."""
    if combine.startswith("key:"):
        return f"sum(home_key * {combine.removeprefix('key:')}) AS {column}"
    if column in _COUNTS:
        return f"coalesce(sum({column}), 0)::bigint AS {column}"
    return f"{combine}({column}) AS {column}"


# Medians sort every repair of a group: enough memory for a million repairs' sort keys to
# stay in memory (per sort, and only while the statement runs).
SORTING = {"work_mem": "192MB"}
# Summing home by home hashes, which PostgreSQL can split between parallel workers. Each
# worker passes up one row per home and group: worth it for groups of many homes (by
# landlord, or everything), where the default costs overrate starting workers and
# passing rows; for finer groups (a row per home nearly as often as per repair) the
# workers cost more than they save, and the defaults stay.
HASHING = {**SORTING, "parallel_setup_cost": "100", "parallel_tuple_cost": "0.01"}
_COARSE = frozenset({Dimension.LANDLORD})


@dataclass(frozen=True, slots=True)
class RepairScope:
    """Which repairs a measure covers (all of them by default)."""

    reported_from: Any = None
    reported_to: Any = None
    landlord_ids: tuple[int, ...] = ()
    postcode_column: str = ""  # postcode_area / _district / _sector / postcode
    postcode_value: str = ""
    estate_ids: tuple[int, ...] = ()
    building_ids: tuple[int, ...] = ()


def _scope_sql(scope: RepairScope, args: list[Any]) -> str:
    conditions = ["true"]
    bind = Params(args)
    if scope.reported_from is not None:
        conditions.append(f"f.reported_at >= {bind(scope.reported_from)}")
    if scope.reported_to is not None:
        conditions.append(f"f.reported_at < {bind(scope.reported_to)}")
    conditions += home_conditions(scope, bind, "f.landlord_id", "f", "f.home_id")
    return " AND ".join(conditions)


class HomeScope(Protocol):
    """What narrows the homes a statement covers: their landlords, a postcode (area,
    district, sector or unit), estates and buildings (each left out when empty)."""

    @property
    def landlord_ids(self) -> tuple[int, ...]:
        """The landlords."""

    @property
    def postcode_column(self) -> str:
        """postcode_area / _district / _sector / postcode, or none."""

    @property
    def postcode_value(self) -> str:
        """The postcode area, district, sector or unit."""

    @property
    def estate_ids(self) -> tuple[int, ...]:
        """The estates."""

    @property
    def building_ids(self) -> tuple[int, ...]:
        """The buildings."""


def home_conditions(
    scope: HomeScope, bind: Callable[[Any], str], landlord: str, alias: str, home: str
) -> list[str]:
    """SQL keeping the homes in ``scope``: ``landlord`` the landlord's column, ``alias``
    the table with the home's postcode columns and ``home`` the home's key."""
    conditions = []
    if scope.landlord_ids:
        conditions.append(f"{landlord} = ANY({bind(list(scope.landlord_ids))}::bigint[])")
    if scope.postcode_column:
        conditions.append(
            postcode_condition(alias, scope.postcode_column, bind(scope.postcode_value))
        )
    return conditions + place_conditions(home, scope.estate_ids, scope.building_ids, bind)


def place_conditions(
    home: str,
    estate_ids: Sequence[int],
    building_ids: Sequence[int],
    bind: Callable[[Any], str],
) -> list[str]:
    """SQL keeping the homes (key ``home``) in any of ``estate_ids`` and in any of
    ``building_ids`` (either left out when empty)."""
    conditions = []
    if estate_ids:
        conditions.append(
            f"{home} IN (SELECT m.home_id FROM {ESTATE_MEMBERS} m "
            f"WHERE m.estate_id = ANY({bind(list(estate_ids))}::bigint[]))"
        )
    if building_ids:
        conditions.append(
            f"{home} IN (SELECT b.id FROM home b "
            f"WHERE b.building_id = ANY({bind(list(building_ids))}::bigint[]))"
        )
    return conditions


_POSTCODE_COLUMNS = frozenset({"postcode_area", "postcode_district", "postcode_sector", "postcode"})


def postcode_condition(home_alias: str, column: str, placeholder: str) -> str:
    """``{home}.{column} = $n`` for one of the home's postcode columns (never user text)."""
    if column not in _POSTCODE_COLUMNS:
        raise ValueError(f"not a postcode column: {column!r}")
    return f"{home_alias}.{column} = {placeholder}"


async def repair_performance(
    db: Database,
    group_by: Sequence[Dimension],
    scope: RepairScope,
    measures: Collection[str] = tuple(MEASURES),
) -> Sequence[Mapping[str, Any]]:
    """One row per group: ``key_<dimension>``/``label_<dimension>`` columns, ``homes``,
    the counts, then the parts of the ``measures`` asked for (names of ``MEASURES``; see
    :func:`_parts`), each count with the sum of its units' record keys (``_key``). An
    empty ``group_by`` gives one row for everything. Read from the repair summaries
    (:mod:`odx_graph.store.repair_summary`) when they hold the answer, else from the
    facts (:func:`repair_performance_from_facts`): the same rows either way."""
    chosen = [name for name in MEASURES if name in measures]
    if answerable(group_by, scope, chosen):
        return await summary_performance(db, group_by, scope, chosen, SORTING)
    return await repair_performance_from_facts(db, group_by, scope, chosen)


async def repair_performance_from_facts(
    db: Database,
    group_by: Sequence[Dimension],
    scope: RepairScope,
    measures: Collection[str] = tuple(MEASURES),
) -> list[Record]:
    """:func:`repair_performance` worked out from every repair's facts in scope."""
    chosen = [name for name in MEASURES if name in measures]
    args: list[Any] = []
    where = _scope_sql(scope, args)
    schedules = ""
    if Dimension.SOR_SCHEDULE in group_by:
        # A repair counts once under every schedule that lists one of its lines' codes,
        # and a repair with no such line under none (a null schedule).
        schedules = (
            "CROSS JOIN LATERAL unnest(CASE WHEN cardinality(f.schedules) = 0 "
            "THEN ARRAY[NULL::text] ELSE f.schedules END) AS s(schedule)"
        )
    joins = " ".join(GROUPINGS[d].join for d in group_by if GROUPINGS[d].join)
    source = f"FROM repair_fact f {schedules} {joins} WHERE {where}"
    defined = _planned_replacement(scope, where, [MEASURES[name] for name in chosen])
    groups = [f"{_DIMENSIONS[d][0]} AS group_{d.value}" for d in group_by]
    names = [f"group_{d.value}" for d in group_by]
    parts = _count_parts() + [p for name in chosen for p in measure_parts(name, MEASURES[name])]
    settings = SORTING
    if any(isinstance(MEASURES[name], Percentile) for name in chosen):
        # Homes are counted once each: a home's id and key in one number, so that the
        # distinct values are the distinct homes and their sum, modulo the keys' range,
        # is the sum of their keys.
        home = f"f.home_id * {RECORD_KEY_RANGE}::bigint + {RECORD_KEY}"
        grouped = (
            f"SELECT {''.join(g + ', ' for g in groups)}"
            + f"count(DISTINCT {home}) AS homes, sum(DISTINCT {home}) AS homes_key"
            + "".join(f", {aggregate} AS {column}" for column, aggregate, _ in parts)
            + f" {source}"
        )
        if group_by:
            grouped += f" GROUP BY {', '.join(str(i + 1) for i in range(len(group_by)))}"
    else:
        # No percentile: sum each home's repairs in a group first, then the homes, so
        # that both steps hash instead of sorting (counting the homes is then a count).
        settings = HASHING if set(group_by) <= _COARSE else SORTING
        per_home = (
            f"SELECT {''.join(g + ', ' for g in groups)}f.home_id, max({RECORD_KEY}) AS home_key"
            + "".join(
                f", {aggregate} AS {column}"
                for column, aggregate, combine in parts
                if not combine.startswith("key:")
            )
            + f" {source} GROUP BY {', '.join(str(i + 1) for i in range(len(group_by) + 1))}"
        )
        grouped = (
            f"SELECT {''.join(n + ', ' for n in names)}"
            + "count(*) AS homes, sum(home_key) AS homes_key"
            + "".join(f", {_combined(column, combine)}" for column, _, combine in parts)
            + f" FROM ({per_home}) AS h"
            + (f" GROUP BY {', '.join(names)}" if group_by else "")
        )
    keys = [
        f"g.{n}::text AS key_{d.value}, {_DIMENSIONS[d][1].format(k=f'g.{n}')} AS label_{d.value}"
        for d, n in zip(group_by, names, strict=True)
    ]
    order = ", ".join(f"g.{n}" for n in names)
    sql = f"{defined}SELECT {', '.join([*keys, 'g.*'])} FROM ({grouped}) AS g" + (
        f" ORDER BY {order}" if group_by else ""
    )
    return await db.fetch_with(settings, sql, *args)


def _planned_replacement(scope: RepairScope, where: str, measures: Sequence[Measure]) -> str:
    """The ``WITH`` that defines ``PLANNED_REPLACEMENT`` for measures that use it
    (:func:`odx_graph.store.measure_parts.planned_replacement`): for a scope of one place
    (a postcode, estates or buildings) only for the place's repairs, through their keys,
    rather than for every repair; empty when no measure uses it."""
    used = any(
        PLANNED_REPLACEMENT in getattr(measure, part, "")
        for measure in measures
        for part in ("flag", "among", "value")
    )
    if not used:
        return ""
    place = scope.postcode_column or scope.estate_ids or scope.building_ids
    return planned_replacement(where if place else "")


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
        conditions.append(postcode_condition("f", scope.postcode_column, f"${len(args)}"))
    if scope.trade_codes:
        args.append(list(scope.trade_codes))
        conditions.append(f"f.trade_code = ANY(${len(args)}::text[])")
    return " AND ".join(conditions)


async def open_jobs(db: Database, scope: MarketScope) -> list[Record]:
    """Open repairs by postcode district and trade, with the homes they are at (and the
    sums of the repairs' record keys)."""
    args: list[Any] = []
    sql = (
        "SELECT f.postcode_district, f.trade_code, (SELECT label FROM trade t WHERE "
        "t.code = f.trade_code) AS trade_label, count(*) AS jobs, "
        f"sum({RECORD_KEY}) AS jobs_key, "
        "count(*) FILTER (WHERE f.contractor_id IS NULL) AS unassigned, "
        f"sum({RECORD_KEY}) FILTER (WHERE f.contractor_id IS NULL) AS unassigned_key, "
        "count(DISTINCT f.home_id) AS homes "
        f"FROM repair_fact f WHERE f.is_open AND {_market_sql(scope, args)} "
        "GROUP BY 1, 2 ORDER BY 1, 2"
    )
    return await db.fetch_with(SORTING, sql, *args)


# The postcode districts with an open repair: a loose scan of the repairs' (district,
# open) index, one probe to the next district and one for an open repair in it.
DISTRICTS_WITH_OPEN_REPAIRS = (
    "WITH RECURSIVE d(district) AS ("
    "(SELECT r.postcode_district FROM repair r ORDER BY r.postcode_district LIMIT 1) "
    "UNION ALL SELECT (SELECT r.postcode_district FROM repair r "
    "WHERE r.postcode_district > d.district ORDER BY r.postcode_district LIMIT 1) "
    "FROM d WHERE d.district IS NOT NULL) "
    "SELECT d.district FROM d WHERE d.district IS NOT NULL AND "
    # a subquery (not EXISTS, which may become a join reading every repair): a probe
    "(SELECT true FROM repair r WHERE r.postcode_district = d.district AND r.is_open LIMIT 1) "
    "ORDER BY d.district"
)


async def districts_with_open_repairs(db: Database) -> list[str]:
    """The postcode districts where at least one repair is open, in order. Two index
    probes a district (:data:`DISTRICTS_WITH_OPEN_REPAIRS`), never a read of every
    repair, so the cost follows the number of districts, not of repairs."""
    return [str(r["district"]) for r in await db.fetch(DISTRICTS_WITH_OPEN_REPAIRS)]


async def sor_rates(db: Database, scope: MarketScope) -> list[Record]:
    """Per postcode district and SOR code, over completed repairs: jobs, homes, and the
    working days to complete, the cost of the code's lines in a repair and that cost per
    unit of their quantity (a repair's lines of one code are added up first; unit costs
    of repairs with a positive quantity), each at every fraction of
    :func:`odx_graph.core.disclosure.quantile_fractions` around the median; with the sums of
    the repairs' record keys."""
    args: list[Any] = []
    where = _market_sql(scope, args)
    if scope.sor_codes:
        args.append(list(scope.sor_codes))
        where += f" AND f.sor_code = ANY(${len(args)}::text[])"
    fractions = "ARRAY[" + ", ".join(repr(f) for f in quantile_fractions(0.5)) + "]::float8[]"
    # repair_work (migration 0036) holds a row per completed repair and code, its lines of
    # the code added up, kept as the facts change: a district's rows are one index range.
    sql = f"""
        SELECT postcode_district, sor_code, count(*) AS jobs,
               sum(record_key) AS jobs_key,
               count(DISTINCT home_id) AS homes,
               percentile_cont({fractions}) WITHIN GROUP (ORDER BY working_days)
                   AS median_working_days,
               sum(record_key) FILTER (WHERE working_days IS NOT NULL)
                   AS median_working_days_key,
               percentile_cont({fractions}) WITHIN GROUP (ORDER BY cost) AS median_cost,
               sum(record_key) FILTER (WHERE cost IS NOT NULL) AS median_cost_key,
               percentile_cont({fractions}) WITHIN GROUP (ORDER BY cost / quantity)
                   FILTER (WHERE quantity > 0) AS median_unit_cost,
               sum(record_key) FILTER (WHERE quantity > 0 AND cost IS NOT NULL)
                   AS median_unit_cost_key
        FROM repair_work f WHERE {where} GROUP BY 1, 2 ORDER BY 1, 2
    """
    return await db.fetch_with(SORTING, sql, *args)


async def replacement_forecast(
    db: Database, years: int, postcode_column: str = "", postcode_value: str = ""
) -> list[Record]:
    """Components due for replacement in each of the next ``years`` calendar years, by
    type: due in the year they reach their Decent Homes lifetime, or this year when already
    past it. Components without an install date or a lifetime are left out."""
    from odx_graph.mapping.components import LIFETIME_JOINS
    from odx_graph.mapping.components import LIFETIME_RULE

    args: list[Any] = [years]
    where = "true"
    if postcode_column:
        args.append(postcode_value)
        located = postcode_condition("ph", postcode_column, "$2")
        where = (
            f"EXISTS (SELECT 1 FROM home ph WHERE {located} AND "
            "(ph.id = c.home_id OR ph.building_id = c.building_id))"
        )
    joins = LIFETIME_JOINS.replace("{t}", "c")
    sql = f"""
        WITH due AS (
            -- greatest() ignores nulls, so components without a lifetime are dropped first
            SELECT c.component_type_code, c.home_id, c.building_id,
                   coalesce(hk.record_key, bk.record_key, 0) AS record_key,
                   greatest(extract(year FROM current_date)::integer,
                            extract(year FROM c.install_date)::integer + {LIFETIME_RULE})
                       AS year
            FROM component c {joins}
            LEFT JOIN home_record_key hk ON hk.home_id = c.home_id
            LEFT JOIN building_record_key bk ON bk.building_id = c.building_id
            WHERE c.install_date IS NOT NULL AND {LIFETIME_RULE} IS NOT NULL AND {where}
        )
        SELECT year, component_type_code,
               (SELECT label FROM component_type t WHERE t.code = component_type_code) AS label,
               count(*) AS components, sum(record_key) AS components_key,
               -- a component is in a home or (communal) in a building, never both
               count(DISTINCT home_id) + count(DISTINCT building_id) AS places
        FROM due
        WHERE year < extract(year FROM current_date)::integer + $1
        GROUP BY 1, 2 ORDER BY 1, 2
    """
    return await db.fetch_with(SORTING, sql, *args)


async def landlords(db: Database, landlord_ids: Sequence[int] = ()) -> list[Record]:
    """Every landlord (``id``, ``name``): organisations of the landlord kind and any
    organisation that is the landlord of a home; only ``landlord_ids`` when given."""
    only = "AND o.id = ANY($1::bigint[])" if landlord_ids else "AND $1::bigint[] IS NOT NULL"
    return await db.fetch(
        f"{HOME_LANDLORDS} SELECT o.id, o.name FROM organisation o "
        "WHERE (o.kind_code = 'landlord' OR o.id IN (SELECT l.id FROM l)) "
        f"{only} ORDER BY o.id",
        list(landlord_ids),
    )


# The landlords of homes, ``l(id)``: a loose scan of the homes' landlord index, one probe
# per landlord. (Asked of each organisation, "is it a home's landlord?" read every home
# for each that is not: the planner expects a landlord's share of the homes to match.)
HOME_LANDLORDS = (
    "WITH RECURSIVE l(id) AS ("
    "(SELECT h.landlord_id FROM home h WHERE h.landlord_id IS NOT NULL "
    "ORDER BY h.landlord_id LIMIT 1) "
    "UNION ALL SELECT (SELECT h.landlord_id FROM home h WHERE h.landlord_id > l.id "
    "ORDER BY h.landlord_id LIMIT 1) FROM l WHERE l.id IS NOT NULL)"
)
