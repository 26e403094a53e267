"""Investment insight statements (docs/insight.md, "Investment"): planned and actual spend
of planned works by any grouping, and the impact of done works on repairs and damp and
mould cases in equal windows before and after their completion. Every count comes with
the sum of the record keys of its units (a home, or a building for communal work), and
every total with its largest contribution, for the cell key method."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from odx_graph.store.db import Database
from odx_graph.store.db import Record
from odx_graph.store.sql import Params


class InvestmentDimension(StrEnum):
    """What investment can be grouped by."""

    LANDLORD = "landlord"
    POSTCODE_AREA = "postcode_area"
    POSTCODE_DISTRICT = "postcode_district"
    PROGRAMME_KIND = "programme_kind"
    FINANCIAL_YEAR = "financial_year"
    HOME = "home"
    ESTATE = "estate"


# Value and label of each grouping over the items ``i`` (see _ITEMS).
_GROUPINGS: dict[InvestmentDimension, tuple[str, str]] = {
    InvestmentDimension.LANDLORD: (
        "i.landlord_id::text",
        "(SELECT o.name FROM organisation o WHERE o.id = i.landlord_id)",
    ),
    InvestmentDimension.POSTCODE_AREA: ("i.postcode_area", "i.postcode_area"),
    InvestmentDimension.POSTCODE_DISTRICT: ("i.postcode_district", "i.postcode_district"),
    InvestmentDimension.PROGRAMME_KIND: (
        "i.kind_code",
        "(SELECT k.label FROM programme_kind k WHERE k.code = i.kind_code)",
    ),
    InvestmentDimension.FINANCIAL_YEAR: (
        "i.financial_year::text",
        "i.financial_year || '/' || lpad(((i.financial_year + 1) % 100)::text, 2, '0')",
    ),
    InvestmentDimension.ESTATE: (
        "i.estate_id::text",
        "(SELECT e.name FROM estate e WHERE e.id = i.estate_id)",
    ),
    InvestmentDimension.HOME: (
        "i.home_id::text",
        "(SELECT h.uprn::text FROM home h WHERE h.id = i.home_id)",
    ),
}

# Kinds of programme whose impact on damp and mould is counted.
DAMP_KINDS = ("damp-remediation", "energy-retrofit")


@dataclass(frozen=True, slots=True)
class InvestmentScope:
    """Which planned items count (all by default)."""

    landlord_ids: tuple[int, ...] = ()
    kinds: tuple[str, ...] = ()
    financial_years: tuple[int, ...] = ()
    postcode_column: str = ""  # postcode_area / _district / _sector / postcode
    postcode_value: str = ""
    estate_ids: tuple[int, ...] = ()


# One row per planned item with where it is (a building's items take the postcode of its
# first home) and its unit's record key.
_ITEMS = """
SELECT w.id, w.landlord_id, w.home_id, w.building_id, w.component_id,
       w.component_type_code, w.status_code, w.completed_on, w.estimated_cost,
       w.actual_cost, p.kind_code, p.financial_year,
       coalesce(h.postcode_area, bh.postcode_area) AS postcode_area,
       coalesce(h.postcode_district, bh.postcode_district) AS postcode_district,
       coalesce(h.postcode_sector, bh.postcode_sector) AS postcode_sector,
       coalesce(h.postcode, bh.postcode) AS postcode,
       CASE WHEN w.home_id IS NOT NULL THEN 'h' || w.home_id ELSE 'b' || w.building_id END
           AS unit,
       coalesce(hk.record_key, bk.record_key, 0)::bigint AS unit_key
FROM planned_work w
JOIN investment_programme p ON p.id = w.programme_id
LEFT JOIN home h ON h.id = w.home_id
LEFT JOIN LATERAL (SELECT x.postcode_area, x.postcode_district, x.postcode_sector,
                          x.postcode FROM home x
                   WHERE x.building_id = w.building_id ORDER BY x.id LIMIT 1) AS bh
       ON w.building_id IS NOT NULL
LEFT JOIN home_record_key hk ON hk.home_id = w.home_id
LEFT JOIN building_record_key bk ON bk.building_id = w.building_id
"""
# The homes an item is at: its home, or every home of its building.
_AT_ITEM_HOMES = (
    "(m.home_id = {i}.home_id OR m.home_id IN "
    "(SELECT x.id FROM home x WHERE x.building_id = {i}.building_id))"
)
# Grouped by estate, an item counts under each estate one of its homes is in (and under
# the null estate when none is).
_ESTATES = (
    "LEFT JOIN LATERAL (SELECT DISTINCT m.estate_id FROM estate_home_member m WHERE "
    + _AT_ITEM_HOMES.format(i="w")
    + ") AS est ON true"
)


# The homes and buildings of a group's items (each counted once) and its items, with the
# sums of their record keys (each unit's key once for the units).
_UNITS_AND_ITEMS = """count(DISTINCT i.unit) AS units,
               (SELECT coalesce(sum(u.unit_key), 0) FROM (SELECT DISTINCT x.unit, x.unit_key
                 FROM unnest(array_agg(i.unit), array_agg(i.unit_key)) AS x(unit, unit_key)) u)
                   AS units_key,
               count(*) AS items, coalesce(sum(i.unit_key), 0) AS items_key"""


def _items(dims: Sequence[InvestmentDimension]) -> str:
    """The items, with their estates when grouped by estate."""
    if InvestmentDimension.ESTATE not in dims:
        return _ITEMS.replace("SELECT w.id,", "SELECT NULL::bigint AS estate_id, w.id,", 1)
    return _ITEMS.replace("SELECT w.id,", "SELECT est.estate_id, w.id,", 1) + _ESTATES


def _where(scope: InvestmentScope, bind: Params, alias: str = "i") -> str:
    conditions = [
        "true",
        *bind.any_of(
            (f"{alias}.landlord_id", scope.landlord_ids, "bigint"),
            (f"{alias}.kind_code", scope.kinds, "text"),
            (f"{alias}.financial_year", scope.financial_years, "integer"),
        ),
    ]
    if scope.estate_ids:
        estates = bind(list(scope.estate_ids))
        conditions.append(
            "EXISTS (SELECT 1 FROM estate_home_member m "
            f"WHERE m.estate_id = ANY({estates}::bigint[]) AND {_AT_ITEM_HOMES.format(i=alias)})"
        )
    if scope.postcode_column in (
        "postcode_area",
        "postcode_district",
        "postcode_sector",
        "postcode",
    ):
        conditions.append(f"{alias}.{scope.postcode_column} = {bind(scope.postcode_value)}")
    return " AND ".join(conditions)


def _group(dims: Sequence[InvestmentDimension]) -> tuple[str, str]:
    """The key and label columns, and the GROUP BY list, of ``dims``."""
    columns = []
    for d in dims:
        value, label = _GROUPINGS[d]
        columns.append(f"{value} AS key_{d.value}, min({label}) AS label_{d.value}")
    group = ", ".join(_GROUPINGS[d][0] for d in dims) or "()"
    return ", ".join(columns), group


async def investment_spend(
    db: Database, group_by: Sequence[InvestmentDimension], scope: InvestmentScope
) -> list[Record]:
    """One row per group of planned items: ``units`` (homes and buildings with an item,
    cancelled ones left out) and ``units_key``; ``items``, ``done_items`` and their
    ``_key``s (each item brings its unit's record key); ``planned`` (estimated cost of the
    items not cancelled) and ``actual`` (actual cost recorded), each with ``_largest``."""
    bind = Params()
    columns, group = _group(group_by)
    select = f"{columns}," if columns else ""
    sql = f"""
        WITH i AS ({_items(group_by)}), s AS (SELECT * FROM i WHERE i.status_code <> 'cancelled'
                                    AND {_where(scope, bind)})
        SELECT {select}
               {_UNITS_AND_ITEMS},
               count(*) FILTER (WHERE i.status_code = 'done') AS done_items,
               coalesce(sum(i.unit_key) FILTER (WHERE i.status_code = 'done'), 0)
                   AS done_items_key,
               sum(i.estimated_cost) AS planned, max(i.estimated_cost) AS planned_largest,
               sum(i.actual_cost) AS actual, max(i.actual_cost) AS actual_largest
        FROM s AS i
        GROUP BY {group}
        HAVING count(*) > 0
        ORDER BY {", ".join(f"key_{d.value}" for d in group_by) or "1"}
    """
    return await db.fetch(sql, *bind.values)


async def investment_impact(
    db: Database,
    group_by: Sequence[InvestmentDimension],
    scope: InvestmentScope,
    window_months: int,
    as_of: dt.date,
) -> list[Record]:
    """One row per group of done items whose after-window has ended by ``as_of`` (see
    docs/insight.md for the windows): ``units``/``items`` with keys as in
    :func:`investment_spend`; repairs (not cancelled) on the same components before and
    after (``component_repairs_before``... with ``_key``, ``_cost`` and
    ``_cost_largest``), repairs at the same homes (``home_repairs_...``), and damp and
    mould cases at the same homes for items of damp remediation and energy retrofit
    programmes (``damp_items`` and ``damp_cases_before``/``_after``)."""
    bind = Params()
    window = bind(window_months)
    cutoff = bind(as_of)
    kinds = bind(list(DAMP_KINDS))
    columns, group = _group(group_by)
    select = f"{columns}," if columns else ""

    def side(name: str, flag: str, before: bool) -> str:
        cond = f"t.{flag} AND t.before" if before else f"t.{flag} AND NOT t.before"
        return (
            f"count(*) FILTER (WHERE {cond}) AS {name}, "
            f"coalesce(sum(t.key) FILTER (WHERE {cond}), 0) AS {name}_key, "
            f"coalesce(sum(t.cost) FILTER (WHERE {cond}), 0) AS {name}_cost, "
            f"max(t.cost) FILTER (WHERE {cond}) AS {name}_cost_largest"
        )

    def in_windows(moment: str) -> str:
        # In the window before or after the item's completion day, not on it.
        day = f"({moment} AT TIME ZONE 'Europe/London')::date"
        return (
            f"{day} >= i.completed_on - make_interval(months => {window}) "
            f"AND {day} <= i.completed_on + make_interval(months => {window}) "
            f"AND {day} <> i.completed_on"
        )

    sql = f"""
        WITH i AS MATERIALIZED (
            SELECT * FROM ({_items(group_by)}) AS i
            WHERE i.status_code = 'done' AND {_where(scope, bind)}
              AND i.completed_on + make_interval(months => {window}) <= {cutoff}::date),
        one AS (  -- each item once (grouped by estate, an item has a row per estate)
            SELECT DISTINCT ON (i.id) i.* FROM i ORDER BY i.id),
        homes AS (  -- the homes an item is at: its home, or its building's homes
            SELECT i.id AS item, i.home_id FROM one AS i WHERE i.home_id IS NOT NULL
            UNION ALL
            SELECT i.id, h.id FROM one AS i JOIN home h ON h.building_id = i.building_id),
        touched AS (  -- repairs at those homes in either window, once per item
            SELECT i.id AS item, r.cost, coalesce(rk.record_key, 0)::bigint AS key,
                   (r.reported_at AT TIME ZONE 'Europe/London')::date < i.completed_on
                       AS before,
                   coalesce(c.component_type_code = i.component_type_code
                            AND (c.id = i.component_id OR (i.component_id IS NULL
                                 AND (c.home_id = i.home_id OR c.building_id = i.building_id))),
                            false) AS on_component,
                   true AS at_home
            FROM one AS i JOIN homes m ON m.item = i.id
            JOIN repair r ON r.home_id = m.home_id
            JOIN repair_status st ON st.code = r.status_code
            LEFT JOIN component c ON c.id = r.component_id
            LEFT JOIN home_record_key rk ON rk.home_id = r.home_id
            WHERE (st.is_open OR r.completed_at IS NOT NULL)
              AND {in_windows("r.reported_at")}),
        cases AS (
            SELECT i.id AS item, coalesce(ck.record_key, 0)::bigint AS key,
                   (d.aware_at AT TIME ZONE 'Europe/London')::date < i.completed_on AS before
            FROM one AS i JOIN homes m ON m.item = i.id
            JOIN damp_mould_case d ON d.home_id = m.home_id
            LEFT JOIN home_record_key ck ON ck.home_id = d.home_id
            WHERE i.kind_code = ANY({kinds}::text[])
              AND {in_windows("d.aware_at")}),
        per_item AS (
            SELECT i.id,
                   {side("component_repairs_before", "on_component", True)},
                   {side("component_repairs_after", "on_component", False)},
                   {side("home_repairs_before", "at_home", True)},
                   {side("home_repairs_after", "at_home", False)}
            FROM one AS i LEFT JOIN touched t ON t.item = i.id
            GROUP BY i.id),
        per_item_cases AS (
            SELECT i.id,
                   count(*) FILTER (WHERE c.before) AS damp_cases_before,
                   coalesce(sum(c.key) FILTER (WHERE c.before), 0) AS damp_cases_before_key,
                   count(*) FILTER (WHERE NOT c.before) AS damp_cases_after,
                   coalesce(sum(c.key) FILTER (WHERE NOT c.before), 0) AS damp_cases_after_key
            FROM one AS i JOIN cases c ON c.item = i.id
            GROUP BY i.id)
        SELECT {select}
               {_UNITS_AND_ITEMS},
               count(*) FILTER (WHERE i.kind_code = ANY({kinds}::text[])) AS damp_items,
               coalesce(sum(i.unit_key) FILTER (WHERE i.kind_code = ANY({kinds}::text[])), 0)
                   AS damp_items_key,
               {", ".join(f"sum(p.{c}) AS {c}" for c in _IMPACT_SUMS)},
               {", ".join(f"max(p.{c}) AS {c}" for c in _IMPACT_MAXES)},
               {", ".join(f"coalesce(sum(q.{c}), 0) AS {c}" for c in _CASE_SUMS)}
        FROM i JOIN per_item p ON p.id = i.id LEFT JOIN per_item_cases q ON q.id = i.id
        GROUP BY {group}
        HAVING count(*) > 0
        ORDER BY {", ".join(f"key_{d.value}" for d in group_by) or "1"}
    """
    return await db.fetch(sql, *bind.values)


_SIDES = ("component_repairs_before", "component_repairs_after", "home_repairs_before",
          "home_repairs_after")  # fmt: skip
_IMPACT_SUMS = tuple(c for s in _SIDES for c in (s, f"{s}_key", f"{s}_cost"))
_IMPACT_MAXES = tuple(f"{s}_cost_largest" for s in _SIDES)
_CASE_SUMS = ("damp_cases_before", "damp_cases_before_key", "damp_cases_after",
              "damp_cases_after_key")  # fmt: skip
