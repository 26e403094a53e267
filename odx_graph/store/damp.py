"""Damp and mould measures, Awaab's Law clocks and the age tests of Decent Homes
criterion C, computed by PostgreSQL.

The clocks themselves are defined once, in SQL (``awaab_clocks(as_of)``, migration
``0004``); every query here reads them from there. Definitions are in docs/insight.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from odx_graph.core.disclosure import RECORD_KEY_RANGE
from odx_graph.mapping.insight import ESTATE_MEMBERS
from odx_graph.mapping.insight import DampDimension as DampDimension  # named here by older imports
from odx_graph.store.analytics import home_conditions
from odx_graph.store.db import Database
from odx_graph.store.db import Record
from odx_graph.store.sql import Params

# Building age bands by year built, oldest first; a home without one is 'unknown'.
AGE_BANDS = (
    ("pre-1919", 1919),
    ("1919-1944", 1945),
    ("1945-1964", 1965),
    ("1965-1980", 1981),
    ("1981-2000", 2001),
    ("2001+", None),
)
_AGE_BAND_SQL = (
    "CASE WHEN h.year_built IS NULL THEN 'unknown' "
    + " ".join(f"WHEN h.year_built < {end} THEN '{band}'" for band, end in AGE_BANDS if end)
    + " ELSE '2001+' END"
)
_AGE_ORDER = "ARRAY[" + ", ".join(f"'{b}'" for b, _ in AGE_BANDS) + ", 'unknown']"
_MONTH_NAMES = (
    "ARRAY['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', "
    "'September', 'October', 'November', 'December']"
)
_UK_AWARE = "(c.aware_at AT TIME ZONE 'Europe/London')"

# Per dimension: the key in its CTE (native type, so it sorts right), how the output
# orders by it, the output value (text) and its label. ``{k}`` is the key column.
_HOME_DIMENSIONS: dict[DampDimension, tuple[str, str, str, str]] = {
    DampDimension.LANDLORD: (
        "h.landlord_id",
        "{k}",
        "{k}::text",
        "(SELECT name FROM organisation o WHERE o.id = {k})",
    ),
    DampDimension.POSTCODE_DISTRICT: ("h.postcode_district", "{k}", "{k}", "{k}"),
    DampDimension.AGE_BAND: (_AGE_BAND_SQL, f"array_position({_AGE_ORDER}, {{k}})", "{k}", "{k}"),
    DampDimension.PROPERTY_TYPE: (
        "h.property_type_code",
        "{k}",
        "{k}",
        "(SELECT label FROM property_type p WHERE p.code = {k})",
    ),
    DampDimension.EPC_BAND: (
        "coalesce(epc.epc_band_code, 'none')",
        "{k}",
        "{k}",
        "coalesce((SELECT label FROM epc_band b WHERE b.code = {k}), {k})",
    ),
    DampDimension.ESTATE: (
        "em.estate_id",
        "{k}",
        "{k}::text",
        "(SELECT name FROM estate e WHERE e.id = {k})",
    ),
    DampDimension.BUILDING: (
        "h.building_id",
        "{k}",
        "{k}::text",
        "(SELECT name FROM building b WHERE b.id = {k})",
    ),
}
# A home counts under each estate it is a member of (and under null when in none).
_ESTATES = f"LEFT JOIN {ESTATE_MEMBERS} em ON em.home_id = h.id"
_CASE_DIMENSIONS: dict[DampDimension, tuple[str, str, str, str]] = {
    DampDimension.MONTH: (f"to_char({_UK_AWARE}, 'YYYY-MM')", "{k}", "{k}", "{k}"),
    DampDimension.MONTH_OF_YEAR: (
        f"extract(month FROM {_UK_AWARE})::integer",
        "{k}",
        "{k}::text",
        f"({_MONTH_NAMES})[{{k}}]",
    ),
}

# A case is open until the home has been made safe and any further works found needed
# are done, or an investigation has found no emergency or significant hazard.
# (A case with no hazard level recorded is open until made safe: coalesce, or the NULL
# of the comparison would make the whole test NULL and drop the case.)
OPEN_CASE_SQL = (
    "NOT (coalesce(c.hazard_level_code = 'none' AND c.investigation_completed_at IS NOT NULL, "
    "false) "
    "OR (c.made_safe_at IS NOT NULL AND (c.further_works_required IS NOT TRUE "
    "OR c.further_works_completed_at IS NOT NULL)))"
)


@dataclass(frozen=True, slots=True)
class DampScope:
    """Which homes and cases a measure covers (all of them by default). Landlords and
    postcodes select homes (their landlord and postcode); the dates select cases."""

    aware_from: dt.datetime | None = None
    aware_to: dt.datetime | None = None
    landlord_ids: tuple[int, ...] = ()
    postcode_column: str = ""  # postcode_area / _district / _sector / postcode
    postcode_value: str = ""
    estate_ids: tuple[int, ...] = ()
    building_ids: tuple[int, ...] = ()


def _home_scope(
    scope: DampScope, bind: Params, landlord_column: str = "h.landlord_id", home: str = "h.id"
) -> str:
    return " AND ".join(["true", *home_conditions(scope, bind, landlord_column, "h", home)])


def _aware_scope(scope: DampScope, bind: Params, column: str = "c.aware_at") -> str:
    conditions = ["true"]
    if scope.aware_from is not None:
        conditions.append(f"{column} >= {bind(scope.aware_from)}")
    if scope.aware_to is not None:
        conditions.append(f"{column} < {bind(scope.aware_to)}")
    return " AND ".join(conditions)


# One pass over the certificates (a lookup per home costs far more over every home).
_RECORD_KEY = "LEFT JOIN home_record_key hk ON hk.home_id = h.id"
_LATEST_EPC = (
    "LEFT JOIN (SELECT DISTINCT ON (e.home_id) e.home_id, e.epc_band_code "
    "FROM energy_performance_certificate e "
    "ORDER BY e.home_id, e.lodgement_date DESC, e.id DESC) epc ON epc.home_id = h.id"
)


async def damp_mould_rates(
    db: Database, group_by: Sequence[DampDimension], scope: DampScope
) -> list[Record]:
    """One row per group: ``key_<dimension>``/``label_<dimension>``, ``homes`` (homes in
    scope in the group; with month dimensions, in the group of the other dimensions),
    ``cases``, ``open_cases`` and ``emergency_cases`` (cases of those homes in scope),
    each with the sum of the record keys of the homes (of the cases' homes) as
    ``<count>_key``. Groups of homes without cases are listed with zero cases; month
    values are those of any case in scope."""
    bind = Params()
    home_dims = [d for d in group_by if d in _HOME_DIMENSIONS]
    case_dims = [d for d in group_by if d in _CASE_DIMENSIONS]
    home_keys = [f"{_HOME_DIMENSIONS[d][0]} AS k_{d.value}" for d in home_dims]
    case_keys = [f"{_CASE_DIMENSIONS[d][0]} AS k_{d.value}" for d in case_dims]
    home_cols = [f"k_{d.value}" for d in home_dims]
    case_cols = [f"k_{d.value}" for d in case_dims]
    epc = _LATEST_EPC if DampDimension.EPC_BAND in home_dims else ""
    if DampDimension.ESTATE in home_dims:
        epc += " " + _ESTATES
    home_where = _home_scope(scope, bind)
    aware_where = _aware_scope(scope, bind)
    open_case = f"{OPEN_CASE_SQL} AS is_open"
    every = {**_HOME_DIMENSIONS, **_CASE_DIMENSIONS}
    out_cols = []
    order = []
    for d in group_by:
        _, sort, value, label = every[d]
        k = f"k_{d.value}"
        source = "g" if d in _HOME_DIMENSIONS else "m"
        col = f"{source}.{k}"
        out_cols.append(
            f"{value.format(k=col)} AS key_{d.value}, {label.format(k=col)} AS label_{d.value}"
        )
        order.append(f"{sort.format(k=col)} NULLS LAST")
    # Keys may be null; a JSON array of them compares nulls as equal and, unlike IS NOT
    # DISTINCT FROM, can be hash-joined (which keeps the estimates, and JIT, out of it).
    group_key = ", ".join([*(f"g.{k}" for k in home_cols), *(f"m.{k}" for k in case_cols)])
    join_on = f"x.group_key = jsonb_build_array({group_key})" if group_by else ""
    sql = f"""
        WITH h AS MATERIALIZED (
            SELECT {", ".join(["h.id", "coalesce(hk.record_key, 0) AS record_key", *home_keys])}
            FROM home h {_RECORD_KEY} {epc}
            WHERE {home_where}
        ), c AS MATERIALIZED (
            SELECT {", ".join([*(f"h.{k}" for k in home_cols), *case_keys, open_case])},
                   c.hazard_level_code = 'emergency' AS is_emergency, h.record_key
            FROM damp_mould_case c JOIN h ON h.id = c.home_id
            WHERE {aware_where}
        ), g AS (
            SELECT {", ".join([*home_cols, "count(*) AS homes", "sum(record_key) AS homes_key"])}
            FROM h
            {"GROUP BY " + ", ".join(home_cols) if home_cols else ""}
        ), m AS (
            SELECT DISTINCT {", ".join(case_cols) or "true AS everything"} FROM c
        ), x AS (
            SELECT {", ".join([*home_cols, *case_cols])}{"," if group_by else ""}
                   jsonb_build_array({", ".join([*home_cols, *case_cols])}) AS group_key,
                   count(*) AS cases, sum(record_key) AS cases_key,
                   count(*) FILTER (WHERE is_open) AS open_cases,
                   sum(record_key) FILTER (WHERE is_open) AS open_cases_key,
                   count(*) FILTER (WHERE is_emergency) AS emergency_cases,
                   sum(record_key) FILTER (WHERE is_emergency) AS emergency_cases_key
            FROM c {"GROUP BY " + ", ".join([*home_cols, *case_cols]) if group_by else ""}
        )
        SELECT {", ".join([*out_cols, "g.homes", "g.homes_key"])},
               coalesce(x.cases, 0) AS cases, coalesce(x.cases_key, 0) AS cases_key,
               coalesce(x.open_cases, 0) AS open_cases,
               coalesce(x.open_cases_key, 0) AS open_cases_key,
               coalesce(x.emergency_cases, 0) AS emergency_cases,
               coalesce(x.emergency_cases_key, 0) AS emergency_cases_key
        FROM g {"CROSS JOIN m" if case_cols else ""}
        LEFT JOIN x ON {join_on or "true"}
        {"ORDER BY " + ", ".join(order) if order else ""}
    """
    return await db.fetch(sql, *bind.values)


_CLOCKS = ("investigation", "written_summary", "make_safe")
_STATUS = {  # the clock's status column in awaab_clocks()
    "investigation": "k.investigate_status",
    "written_summary": "k.summary_status",
    "make_safe": "k.make_safe_status",
}
_DUE = {
    "investigation": "k.investigate_due_at",
    "written_summary": "k.summary_due_at",
    "make_safe": "k.make_safe_due_at",
}
_BREACH = "'BREACHED' IN (k.investigate_status, k.summary_status, k.make_safe_status)"
_DECIDED = "('ON_TIME', 'BREACHED')"
_ANY_DECIDED = " OR ".join(f"{_STATUS[c]} IN {_DECIDED}" for c in _CLOCKS)
_KEY = "coalesce(hk.record_key, 0)"


def _clock_counts(clock: str) -> str:
    status = _STATUS[clock]
    return (
        f"count(*) FILTER (WHERE {status} = 'BREACHED') AS {clock}_breached, "
        f"sum({_KEY}) FILTER (WHERE {status} = 'BREACHED') AS {clock}_breached_key, "
        f"count(*) FILTER (WHERE {status} IN {_DECIDED}) AS {clock}_decided, "
        f"sum({_KEY}) FILTER (WHERE {status} IN {_DECIDED}) AS {clock}_decided_key"
    )


async def awaab_breach_rates(
    db: Database, scope: DampScope, as_of: dt.datetime | None
) -> list[Record]:
    """Per landlord handling the cases (cases in scope), as at ``as_of`` (now when
    ``None``): ``cases``, ``homes`` (with a case), ``cases_with_breach``, ``decided``
    (cases with a clock on time or breached), and per clock ``<clock>_breached`` and
    ``<clock>_decided`` (clocks breached; on time or breached), each count with the sum
    of its cases' homes' record keys (``_key``); and ``next_due_at``, the earliest
    deadline of a clock still due (until then the answer stays the same)."""
    bind = Params()
    clocks = f"awaab_clocks(coalesce({bind(as_of)}::timestamptz, now()))"
    where = (
        f"{_home_scope(scope, bind, 'k.landlord_id', 'k.home_id')} AND "
        f"{_aware_scope(scope, bind, 'k.aware_at')}"
    )
    # The home is read for its postcode alone: every case has one (a key), so without a
    # postcode in scope the join would only cost a pass over every home.
    homes = "JOIN home h ON h.id = k.home_id" if scope.postcode_column else ""
    next_due = ", ".join(f"min({_DUE[c]}) FILTER (WHERE {_STATUS[c]} = 'DUE')" for c in _CLOCKS)
    sql = f"""
        SELECT k.landlord_id, (SELECT name FROM organisation o WHERE o.id = k.landlord_id)
                   AS name,
               count(*) AS cases, sum({_KEY}) AS cases_key,
               count(DISTINCT k.home_id) AS homes,
               -- a home's id and key in one number: summed once per home
               sum(DISTINCT k.home_id * {RECORD_KEY_RANGE}::bigint + {_KEY}) AS homes_key,
               count(*) FILTER (WHERE {_BREACH}) AS cases_with_breach,
               sum({_KEY}) FILTER (WHERE {_BREACH}) AS cases_with_breach_key,
               count(*) FILTER (WHERE {_ANY_DECIDED}) AS decided,
               sum({_KEY}) FILTER (WHERE {_ANY_DECIDED}) AS decided_key,
               {", ".join(_clock_counts(c) for c in _CLOCKS)},
               least({next_due}) AS next_due_at
        FROM {clocks} k {homes}
        LEFT JOIN home_record_key hk ON hk.home_id = k.home_id
        WHERE {where}
        GROUP BY k.landlord_id ORDER BY k.landlord_id
    """
    return await db.fetch(sql, *bind.values)


@dataclass(frozen=True, slots=True)
class ClockFilter:
    """Which cases' clocks to list, a page at a time in case order: ``limit`` cases
    after ``after_case_id`` or, ``backward``, the ``limit`` just before
    ``before_case_id`` (the last cases without it)."""

    scope: DampScope = DampScope()
    home_ids: tuple[int, ...] = ()
    hazard_levels: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()  # cases with any clock in one of these statuses
    after_case_id: int = 0
    limit: int = 50
    before_case_id: int | None = None
    backward: bool = False


def _clocks_from(where: ClockFilter, as_of: dt.datetime | None, bind: Params) -> str:
    """``FROM ... WHERE ...`` of the cases ``where`` selects, whatever the page."""
    clocks = f"awaab_clocks(coalesce({bind(as_of)}::timestamptz, now()))"
    conditions = [
        _home_scope(where.scope, bind),
        _aware_scope(where.scope, bind, "k.aware_at"),
        *bind.any_of(
            ("k.home_id", where.home_ids, "bigint"),
            ("k.hazard_level_code", where.hazard_levels, "text"),
        ),
    ]
    if where.statuses:
        conditions.append(
            "ARRAY[k.investigate_status, k.summary_status, k.make_safe_status] && "
            f"{bind(list(where.statuses))}::text[]"
        )
    return f"FROM {clocks} k JOIN home h ON h.id = k.home_id WHERE {' AND '.join(conditions)}"


async def awaab_clocks(db: Database, where: ClockFilter, as_of: dt.datetime | None) -> list[Record]:
    """Each case's clocks (``awaab_clocks(as_of)`` columns) with its hazard level's
    timescales, in case order, as at ``as_of`` (now when ``None``)."""
    bind = Params()
    cases = _clocks_from(where, as_of, bind)
    page = f"k.case_id > {bind(where.after_case_id)}"
    if where.before_case_id is not None:
        page += f" AND k.case_id < {bind(where.before_case_id)}"
    # Paging backward reads the cases just before the cursor, newest first, then turns
    # them round.
    direction = "DESC" if where.backward else "ASC"
    sql = f"""
        SELECT k.*, l.investigate_within_hours, l.investigate_within_working_days,
               l.summary_within_working_days, l.make_safe_within_hours,
               l.make_safe_within_working_days
        FROM (
            SELECT k.* {cases} AND {page}
            ORDER BY k.case_id {direction} LIMIT {bind(where.limit)}
        ) k
        LEFT JOIN awaab_hazard_level l ON l.code = k.hazard_level_code
        ORDER BY k.case_id
    """
    return await db.fetch(sql, *bind.values)


async def count_awaab_clocks(
    db: Database, where: ClockFilter, as_of: dt.datetime | None
) -> tuple[int, dt.datetime | None]:
    """How many cases ``where`` selects over all pages, and the earliest deadline of a
    clock of theirs still due (until then the count stays the same)."""
    bind = Params()
    due = ", ".join(
        f"CASE WHEN k.{clock}_status = 'DUE' THEN k.{clock}_due_at END"
        for clock in ("investigate", "summary", "make_safe")
    )
    row = await db.fetchrow(
        f"SELECT count(*) AS cases, min(least({due})) AS next_due_at "
        f"{_clocks_from(where, as_of, bind)}",
        *bind.values,
    )
    assert row is not None  # an aggregate always gives a row
    return int(row["cases"]), row["next_due_at"]


def _newest(type_code: str, alias: str) -> str:
    return (
        f"LEFT JOIN LATERAL (SELECT c.install_date FROM component c WHERE c.home_id = h.id "
        f"AND c.component_type_code = '{type_code}' AND c.install_date IS NOT NULL "
        f"ORDER BY c.install_date DESC LIMIT 1) {alias} ON true"
    )


_WHOLE_YEARS = "extract(year FROM age(current_date, {d}))::integer"


async def facility_ages(
    db: Database, scope: DampScope, home_ids: Sequence[int], after_home_id: int, limit: int
) -> list[Record]:
    """Per home (in home order): the install date and age in whole years, today, of its
    newest kitchen and newest bathroom with an install date (null when none)."""
    bind = Params()
    conditions = [
        _home_scope(scope, bind),
        f"h.id > {bind(after_home_id)}",
        *bind.any_of(("h.id", home_ids, "bigint")),
    ]
    sql = f"""
        SELECT h.id AS home_id,
               kitchen.install_date AS kitchen_installed,
               {_WHOLE_YEARS.format(d="kitchen.install_date")} AS kitchen_age,
               bathroom.install_date AS bathroom_installed,
               {_WHOLE_YEARS.format(d="bathroom.install_date")} AS bathroom_age
        FROM home h {_newest("kitchen", "kitchen")} {_newest("bathroom", "bathroom")}
        WHERE {" AND ".join(conditions)}
        ORDER BY h.id LIMIT {bind(limit)}
    """
    return await db.fetch(sql, *bind.values)
