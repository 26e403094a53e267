"""The features predictions are made from, read from the graph as it stood on a date.

Every statement takes the day the features are read as of (``$1``): only what was known
before that day counts (certificates lodged, repairs reported, cases the landlord knew of,
components installed by then). Outcomes are counted from that day up to a second date
(``$2``), for training and back-tests; scoring passes the same day twice and ignores them.

A component's lifetime is the Decent Homes one for its home's form: a house, a flat in a
block under six storeys, or in a higher block (code list ``component_type``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from odx_graph.store.db import Database
from odx_graph.store.db import Record

# Trades whose repairs count as leak-related (HACT trade codes: plumbing, roofing).
LEAK_TRADES = ("PL", "RF")
# Component types read for a home's fabric, by the feature they feed.
FABRIC_TYPES = {
    "windows": ("windows",),
    "roof": ("roof-finish", "roof-structure"),
    "heating": ("gas-boiler", "other-heating", "heating-distribution"),
    "walls": ("wall-finish", "external-doors"),
    "ventilation": ("ventilation",),
}

# A home's form, and the lifetime of a component type for it (years).
_FORM = "CASE WHEN h.building_id IS NULL THEN 0 WHEN coalesce(b.storeys, 1) < 6 THEN 1 ELSE 2 END"
_LIFETIME = (
    "CASE {form} WHEN 0 THEN t.lifetime_house WHEN 1 THEN t.lifetime_low_rise_flat "
    "ELSE t.lifetime_high_rise_flat END"
)

_HOME_FEATURES = f"""
WITH homes AS (
    SELECT h.id, h.landlord_id, h.building_id, h.year_built, h.property_type_code,
           h.built_form_code, {_FORM} AS form
    FROM home h LEFT JOIN building b ON b.id = h.building_id
),
fabric_rows AS (
    -- years past lifetime of the home's own components and its block's communal ones
    SELECT hm.id AS home_id, c.component_type_code AS code,
           ($1::date - c.install_date) / 365.25
               - ({_LIFETIME.format(form="hm.form")}) AS years_over
    FROM homes hm
    JOIN component c ON c.home_id = hm.id
    JOIN component_type t ON t.code = c.component_type_code
    WHERE c.install_date < $1::date AND c.component_type_code = ANY($3::text[])
    UNION ALL
    SELECT hm.id, c.component_type_code,
           ($1::date - c.install_date) / 365.25 - ({_LIFETIME.format(form="hm.form")})
    FROM homes hm
    JOIN component c ON c.building_id = hm.building_id
    JOIN component_type t ON t.code = c.component_type_code
    WHERE c.install_date < $1::date AND c.component_type_code = ANY($3::text[])
),
fabric AS (
    SELECT home_id,
           (max(years_over) FILTER (WHERE code = ANY($5::text[])))::float8 AS windows_over,
           (max(years_over) FILTER (WHERE code = ANY($6::text[])))::float8 AS roof_over,
           (max(years_over) FILTER (WHERE code = ANY($7::text[])))::float8 AS heating_over,
           (max(years_over) FILTER (WHERE code = ANY($8::text[])))::float8 AS walls_over,
           (max(years_over) FILTER (WHERE code = ANY($10::text[])))::float8
               AS ventilation_over
    FROM fabric_rows
    GROUP BY home_id
),
epc AS (
    SELECT DISTINCT ON (e.home_id) e.home_id, e.sap_score
    FROM energy_performance_certificate e
    WHERE e.lodgement_date < $1::date AND e.sap_score IS NOT NULL
    ORDER BY e.home_id, e.lodgement_date DESC, e.id DESC
),
leaks AS (
    SELECT r.home_id, count(*) AS n
    FROM repair r
    WHERE r.trade_code = ANY($4::text[])
      AND r.reported_at >= $1::date - interval '12 months' AND r.reported_at < $1::date
    GROUP BY r.home_id
),
earlier AS (
    SELECT c.home_id, count(*) AS n,
           (array_agg(c.further_works_required ORDER BY c.aware_at DESC))[1] AS last_works
    FROM damp_mould_case c
    WHERE c.aware_at < $1::date
    GROUP BY c.home_id
),
outcome AS (
    SELECT DISTINCT c.home_id
    FROM damp_mould_case c
    WHERE c.aware_at >= $1::date AND c.aware_at < $2::date
)
SELECT hm.id, hm.landlord_id, hm.year_built, hm.property_type_code, hm.built_form_code,
       epc.sap_score,
       fabric.windows_over, fabric.roof_over, fabric.heating_over, fabric.walls_over,
       fabric.ventilation_over,
       coalesce(leaks.n, 0) AS leak_repairs,
       coalesce(earlier.n, 0) AS earlier_cases,
       earlier.last_works AS earlier_works,
       -- 0 none, 1 one closed without further works, 2 one that needed them, 3 two or more
       CASE WHEN earlier.n IS NULL THEN 0 WHEN earlier.n > 1 THEN 3
            WHEN earlier.last_works THEN 2 ELSE 1 END AS earlier,
       (outcome.home_id IS NOT NULL) AS outcome
FROM homes hm
LEFT JOIN fabric ON fabric.home_id = hm.id
LEFT JOIN epc ON epc.home_id = hm.id
LEFT JOIN leaks ON leaks.home_id = hm.id
LEFT JOIN earlier ON earlier.home_id = hm.id
LEFT JOIN outcome ON outcome.home_id = hm.id
WHERE ($9::bigint IS NULL OR hm.landlord_id = $9)
"""


async def features_as_of(
    db: Database, kind: str, as_of: dt.date, until: dt.date, landlord_id: int | None = None
) -> list[Record]:
    """The rows of model ``kind`` with their features as of `as_of`, and whether what it
    predicts happened from then until `until` (``outcome``); only `landlord_id`'s when
    given. ``damp-mould``: every home's damp and mould features, and whether a case was
    reported. ``component-failure``: every component's failure features (components
    installed later are left out), and whether a repair of it was reported."""
    sql, args = feature_query(kind, as_of, until, landlord_id)
    return await db.fetch(sql, *args)


def feature_query(
    kind: str,
    as_of: dt.date,
    until: dt.date,
    landlord_id: int | None = None,
    ordered: bool = True,
) -> tuple[str, list[object]]:
    """The statement reading the features of model ``kind`` (``damp-mould``: one row a
    home; ``component-failure``: one a component, by id unless not ``ordered``) and its
    arguments."""
    if kind == "component-failure":
        order = "ORDER BY p.id" if ordered else ""
        return _COMPONENT_FEATURES + order, [as_of, until, landlord_id]
    fabric = [*FABRIC_TYPES["windows"], *FABRIC_TYPES["roof"], *FABRIC_TYPES["heating"]]
    fabric += [*FABRIC_TYPES["walls"], *FABRIC_TYPES["ventilation"]]
    args: list[object] = [
        as_of,
        until,
        fabric,
        list(LEAK_TRADES),
        list(FABRIC_TYPES["windows"]),
        list(FABRIC_TYPES["roof"]),
        list(FABRIC_TYPES["heating"]),
        list(FABRIC_TYPES["walls"]),
        landlord_id,
        list(FABRIC_TYPES["ventilation"]),
    ]
    return _HOME_FEATURES + ("ORDER BY hm.id" if ordered else ""), args


def component_lifetime(home_building: str = "b", own_building: str = "bb") -> str:
    """SQL for a component's Decent Homes lifetime (years), with ``c`` the component,
    ``t`` its type, ``h`` its home and the aliases given for the home's building and the
    component's own (communal) building."""
    form = _FORM.replace("b.storeys", f"{home_building}.storeys")
    return (
        "CASE WHEN c.building_id IS NOT NULL "
        f"THEN CASE WHEN coalesce({own_building}.storeys, 1) < 6 THEN t.lifetime_low_rise_flat "
        "ELSE t.lifetime_high_rise_flat END "
        f"ELSE ({_LIFETIME.format(form=form)}) END"
    )


_COMPONENT_FEATURES = f"""
WITH parts AS (
    SELECT c.id, c.home_id, c.building_id, c.component_type_code AS code, c.condition_code,
           coalesce(h.landlord_id, bb.landlord_id) AS landlord_id,
           ($1::date - c.install_date) / 365.25 AS age,
           {component_lifetime()} AS lifetime
    FROM component c
    JOIN component_type t ON t.code = c.component_type_code
    LEFT JOIN home h ON h.id = c.home_id
    LEFT JOIN building b ON b.id = h.building_id
    LEFT JOIN building bb ON bb.id = c.building_id
    WHERE (c.install_date IS NULL OR c.install_date < $1::date)
),
before AS (
    SELECT r.component_id, count(*) AS n
    FROM repair r
    WHERE r.component_id IS NOT NULL
      AND r.reported_at >= $1::date - interval '12 months' AND r.reported_at < $1::date
    GROUP BY r.component_id
),
home_before AS (
    SELECT r.home_id, count(*) AS n
    FROM repair r
    WHERE r.reported_at >= $1::date - interval '12 months' AND r.reported_at < $1::date
    GROUP BY r.home_id
),
outcome AS (
    SELECT DISTINCT r.component_id
    FROM repair r
    WHERE r.component_id IS NOT NULL
      AND r.reported_at >= $1::date AND r.reported_at < $2::date
)
SELECT p.id, p.home_id, p.building_id, p.landlord_id, p.code, p.condition_code,
       p.age::float8 AS age,
       p.lifetime, (p.age / nullif(p.lifetime, 0))::float8 AS life_used,
       coalesce(before.n, 0) AS earlier_repairs,
       CASE WHEN p.home_id IS NOT NULL THEN coalesce(home_before.n, 0) END AS home_repairs,
       (outcome.component_id IS NOT NULL) AS outcome
FROM parts p
LEFT JOIN before ON before.component_id = p.id
LEFT JOIN home_before ON home_before.home_id = p.home_id
LEFT JOIN outcome ON outcome.component_id = p.id
WHERE ($3::bigint IS NULL OR p.landlord_id = $3)
"""


async def repair_costs_by_type(db: Database, since: dt.date, until: dt.date) -> list[Record]:
    """Per component type, over repairs of components reported in [since, until): how
    many, the share that were emergencies, and their mean cost (completed ones)."""
    return await db.fetch(
        """
        SELECT c.component_type_code AS code, count(*) AS repairs,
               avg(CASE WHEN p.is_emergency THEN 1.0 ELSE 0.0 END)::float8 AS emergency_share,
               coalesce(avg(r.cost), 0)::float8 AS mean_cost,
               coalesce(avg(r.cost) FILTER (WHERE p.is_emergency), 0)::float8
                   AS emergency_cost,
               coalesce(avg(r.cost) FILTER (WHERE NOT p.is_emergency), 0)::float8
                   AS planned_cost
        FROM repair r
        JOIN component c ON c.id = r.component_id
        JOIN priority p ON p.code = r.priority_code
        WHERE r.reported_at >= $1::date AND r.reported_at < $2::date
        GROUP BY c.component_type_code
        ORDER BY c.component_type_code
        """,
        since,
        until,
    )


async def common_sor_by_type(db: Database, landlord_id: int | None) -> dict[str, str]:
    """Per component type, the SOR code most often on its repairs (the landlord's own
    when given): the job a proactive work list suggests."""
    rows: Sequence[Record] = await db.fetch(
        """
        SELECT DISTINCT ON (code) code, sor_code
        FROM (SELECT c.component_type_code AS code, l.sor_code, count(*) AS n
              FROM repair r
              JOIN component c ON c.id = r.component_id
              JOIN repair_line l ON l.repair_id = r.id
              WHERE $1::bigint IS NULL OR r.landlord_id = $1
              GROUP BY 1, 2) counted
        ORDER BY code, n DESC, sor_code
        """,
        landlord_id,
    )
    return {r["code"]: r["sor_code"] for r in rows}
