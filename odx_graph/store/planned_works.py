"""Statements about planned works (migration 0025): programmes and their items as writes
change them, what a repair's component is due for, and components to plan."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from collections.abc import Sequence
from decimal import Decimal
from typing import Any
from typing import NamedTuple

from odx_graph.mapping.components import LIFETIME_JOINS
from odx_graph.mapping.components import LIFETIME_RULE
from odx_graph.store.db import Connection
from odx_graph.store.db import Database
from odx_graph.store.db import Record

# What a planned item is shown with wherever a repair says it is due for it.
_DUE = """
SELECT d.repair_id, w.id, w.planned_date, w.status_code, w.component_type_code,
       ct.label AS component_type_label, p.name AS programme_name,
       p.financial_year, p.kind_code
FROM (SELECT r AS repair_id, repair_planned_work(r) AS planned_work_id
      FROM unnest($1::bigint[]) AS r) AS d
JOIN planned_work w ON w.id = d.planned_work_id
JOIN investment_programme p ON p.id = w.programme_id
JOIN component_type ct ON ct.code = w.component_type_code
"""


async def due_for_repairs(
    db: Database | Connection, repair_ids: Sequence[int]
) -> dict[int, Record]:
    """For each repair whose component is due for planned replacement (the rule of
    ``repair_planned_work`` in migration 0025, within the connection's window), the
    planned item: its key, date, status, component type and programme."""
    if not repair_ids:
        return {}
    rows = await db.fetch(_DUE, list(repair_ids))
    return {r["repair_id"]: r for r in rows}


async def insert_programme(
    conn: Connection,
    landlord_id: int,
    name: str,
    financial_year: int,
    kind: str,
    budget: Decimal | None,
) -> int:
    """A new programme."""
    key: int = await conn.fetchval(
        "INSERT INTO investment_programme (landlord_id, name, financial_year, kind_code, budget) "
        "VALUES ($1, $2, $3, $4, $5) RETURNING id",
        landlord_id,
        name,
        financial_year,
        kind,
        budget,
    )
    return key


async def programme_exists(
    conn: Connection, landlord_id: int, financial_year: int, name: str
) -> bool:
    """Whether the landlord has a programme of this name in this year."""
    return bool(
        await conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM investment_programme WHERE landlord_id = $1 "
            "AND financial_year = $2 AND name = $3)",
            landlord_id,
            financial_year,
            name,
        )
    )


async def place_of(
    conn: Connection, home_id: int | None, building_id: int | None, component_id: int | None
) -> Record | None:
    """The landlord, home, building and component type the place of a planned item
    resolves to (a component names its own home or building), or None when not found."""
    if component_id is not None:
        return await conn.fetchrow(
            "SELECT c.home_id, c.building_id, c.component_type_code, "
            "coalesce(h.landlord_id, b.landlord_id) AS landlord_id "
            "FROM component c LEFT JOIN home h ON h.id = c.home_id "
            "LEFT JOIN building b ON b.id = c.building_id WHERE c.id = $1",
            component_id,
        )
    if home_id is not None:
        return await conn.fetchrow(
            "SELECT id AS home_id, NULL::bigint AS building_id, NULL::text AS "
            "component_type_code, landlord_id FROM home WHERE id = $1",
            home_id,
        )
    return await conn.fetchrow(
        "SELECT NULL::bigint AS home_id, id AS building_id, NULL::text AS component_type_code, "
        "landlord_id FROM building WHERE id = $1",
        building_id,
    )


async def foreign_repairs(
    conn: Connection, repair_ids: Sequence[int], home_id: int | None, building_id: int | None
) -> list[int]:
    """The repairs of ``repair_ids`` that are not at the home (or in the building's
    homes), unknown ones included."""
    rows = await conn.fetch(
        "SELECT k FROM unnest($1::bigint[]) AS k WHERE NOT EXISTS (SELECT 1 FROM repair r "
        "LEFT JOIN home h ON h.id = r.home_id WHERE r.id = k "
        "AND (r.home_id = $2 OR h.building_id = $3))",
        list(repair_ids),
        home_id,
        building_id,
    )
    return [r["k"] for r in rows]


async def insert_planned_work(
    conn: Connection,
    programme_id: int,
    place: Mapping[str, Any],
    component_id: int | None,
    component_type: str,
    planned_date: dt.date,
    estimated_cost: Decimal | None,
    replaces: Sequence[int],
) -> int:
    """A new planned item of a programme (its landlord is the programme's)."""
    key: int = await conn.fetchval(
        "INSERT INTO planned_work (programme_id, landlord_id, home_id, building_id, "
        "component_id, component_type_code, planned_date, estimated_cost, replaces_repair_ids) "
        "VALUES ($1, (SELECT landlord_id FROM investment_programme WHERE id = $1), $2, $3, $4, "
        "$5, $6, $7, $8) RETURNING id",
        programme_id,
        place["home_id"],
        place["building_id"],
        component_id,
        component_type,
        planned_date,
        estimated_cost,
        list(replaces),
    )
    return key


async def update_planned_work(
    conn: Connection,
    key: int,
    *,
    planned_date: dt.date,
    estimated_cost: Decimal | None,
    actual_cost: Decimal | None,
    status: str,
    completed_on: dt.date | None,
    replaces: Sequence[int],
) -> None:
    """Set a planned item's changeable values."""
    await conn.execute(
        "UPDATE planned_work SET planned_date = $2, estimated_cost = $3, actual_cost = $4, "
        "status_code = $5, completed_on = $6, replaces_repair_ids = $7, updated_at = now() "
        "WHERE id = $1",
        key,
        planned_date,
        estimated_cost,
        actual_cost,
        status,
        completed_on,
        list(replaces),
    )


async def mark_component_replaced(conn: Connection, component_id: int, on: dt.date) -> None:
    """A component replaced by planned work: installed anew on ``on`` (condition good;
    make, model and last service unknown until recorded); its repair history stays."""
    await mark_components_replaced(conn, [(component_id, on)])


async def planned_component_ids(conn: Connection, component_ids: Sequence[int]) -> set[int]:
    """Those of ``component_ids`` with a planned item not done or cancelled."""
    rows = await conn.fetch(
        "SELECT DISTINCT component_id FROM planned_work WHERE component_id = ANY($1::bigint[]) "
        "AND status_code IN ('planned', 'in-progress')",
        list(component_ids),
    )
    return {r["component_id"] for r in rows}


# Components whose Decent Homes lifetime ends on or before $1 (the replacement forecast's
# rule: install year plus lifetime) and that no planned item not yet done is for, with
# their landlord and when they are due; of the types in $2.
_DUE_COMPONENTS = f"""
SELECT c.id, c.home_id, c.building_id, c.component_type_code,
       coalesce(ch.landlord_id, b.landlord_id) AS landlord_id,
       make_date(extract(year FROM c.install_date)::integer + {LIFETIME_RULE}, 1, 1) AS due
FROM component c {LIFETIME_JOINS.replace("{t}", "c")}
WHERE c.component_type_code = ANY($2::text[])
  AND c.install_date IS NOT NULL AND {LIFETIME_RULE} IS NOT NULL
  AND make_date(extract(year FROM c.install_date)::integer + {LIFETIME_RULE}, 1, 1) <= $1
  AND NOT EXISTS (SELECT 1 FROM planned_work w WHERE w.component_id = c.id
                  AND w.status_code IN ('planned', 'in-progress'))
"""


async def components_due_by(
    conn: Connection, landlord_id: int, component_type: str, by: dt.date, limit: int
) -> list[Record]:
    """The landlord's components of a type whose Decent Homes lifetime ends on or before
    ``by`` (the replacement forecast's rule: install year plus lifetime), soonest due
    first, leaving out those already planned."""
    rows: list[Record] = await conn.fetch(
        f"{_DUE_COMPONENTS} AND coalesce(ch.landlord_id, b.landlord_id) = $3 "
        "ORDER BY due, c.id LIMIT $4",
        by,
        [component_type],
        landlord_id,
        limit,
    )
    return rows


async def components_due_for_landlords(
    conn: Connection, limits: Mapping[int, int], component_types: Sequence[str], by: dt.date
) -> list[Record]:
    """For each landlord of ``limits`` and each of ``component_types``, the first
    ``limits[landlord]`` components :func:`components_due_by` gives, in one statement:
    by landlord, type, then soonest due."""
    rows: list[Record] = await conn.fetch(
        f"""
        SELECT d.id, d.home_id, d.building_id, d.component_type_code, d.landlord_id, d.due
        FROM (SELECT due.*, row_number() OVER (PARTITION BY due.landlord_id,
                     due.component_type_code ORDER BY due.due, due.id) AS n
              FROM ({_DUE_COMPONENTS}) AS due) AS d
        JOIN unnest($3::bigint[], $4::integer[]) AS l(landlord_id, n) USING (landlord_id)
        WHERE d.n <= l.n
        ORDER BY d.landlord_id, d.component_type_code, d.due, d.id
        """,
        by,
        list(component_types),
        list(limits),
        list(limits.values()),
    )
    return rows


async def components_by_keys(conn: Connection, keys: Sequence[int]) -> dict[int, Record]:
    """Components' home, building and type by key."""
    rows = await conn.fetch(
        "SELECT id, home_id, building_id, component_type_code FROM component "
        "WHERE id = ANY($1::bigint[])",
        list(keys),
    )
    return {r["id"]: r for r in rows}


async def landlords_with_homes(conn: Connection) -> list[Record]:
    """Every landlord with homes, and how many, by key."""
    rows: list[Record] = await conn.fetch(
        "SELECT landlord_id, count(*) AS homes FROM home WHERE landlord_id IS NOT NULL "
        "GROUP BY landlord_id ORDER BY landlord_id"
    )
    return rows


async def homes_with_most_damp_cases(
    conn: Connection, limits: Mapping[int, int], before: dt.date
) -> list[Record]:
    """For each landlord of ``limits``, its first ``limits[landlord]`` homes with a damp
    and mould case the landlord became aware of before ``before``, most cases first (then
    by key): ``landlord_id`` and ``home_id``, by landlord and rank."""
    rows: list[Record] = await conn.fetch(
        """
        SELECT d.landlord_id, d.home_id
        FROM (SELECT h.landlord_id, d.home_id, row_number() OVER (PARTITION BY h.landlord_id
                     ORDER BY count(*) DESC, d.home_id) AS n
              FROM damp_mould_case d JOIN home h ON h.id = d.home_id
              WHERE d.aware_at < $1
              GROUP BY h.landlord_id, d.home_id) AS d
        JOIN unnest($2::bigint[], $3::integer[]) AS l(landlord_id, n) USING (landlord_id)
        WHERE d.n <= l.n
        ORDER BY d.landlord_id, d.n
        """,
        dt.datetime(before.year, before.month, before.day, tzinfo=dt.UTC),
        list(limits),
        list(limits.values()),
    )
    return rows


async def insert_programmes(
    conn: Connection, programmes: Sequence[tuple[int, str, int, str, Decimal | None]]
) -> dict[tuple[int, int, str], int]:
    """New programmes, each (landlord, name, financial year, kind, budget), in one
    statement; their keys by (landlord, financial year, name)."""
    rows = await conn.fetch(
        "INSERT INTO investment_programme (landlord_id, name, financial_year, kind_code, budget) "
        "SELECT * FROM unnest($1::bigint[], $2::text[], $3::integer[], $4::text[], "
        "$5::numeric[]) RETURNING id, landlord_id, financial_year, name",
        *(list(column) for column in zip(*programmes, strict=True)),
    )
    return {(r["landlord_id"], r["financial_year"], r["name"]): r["id"] for r in rows}


class NewWork(NamedTuple):
    """A planned item as first written, whatever its status."""

    programme_id: int
    home_id: int | None
    building_id: int | None
    component_id: int | None
    component_type: str
    planned_date: dt.date
    estimated_cost: Decimal | None
    actual_cost: Decimal | None
    status: str
    completed_on: dt.date | None


async def insert_planned_works(conn: Connection, works: Sequence[NewWork]) -> None:
    """New planned items (their landlords are their programmes'), in one statement."""
    if not works:
        return
    await conn.execute(
        "INSERT INTO planned_work (programme_id, landlord_id, home_id, building_id, "
        "component_id, component_type_code, planned_date, estimated_cost, actual_cost, "
        "status_code, completed_on) "
        "SELECT w.p, p.landlord_id, w.h, w.b, w.c, w.t, w.d, w.e, w.a, w.s, w.o "
        "FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[], $5::text[], "
        "$6::date[], $7::numeric[], $8::numeric[], $9::text[], $10::date[]) "
        "WITH ORDINALITY AS w(p, h, b, c, t, d, e, a, s, o, n) "
        "JOIN investment_programme p ON p.id = w.p ORDER BY w.n",
        *(list(column) for column in zip(*works, strict=True)),
    )


async def mark_components_replaced(
    conn: Connection, replaced: Sequence[tuple[int, dt.date]]
) -> None:
    """Components replaced by planned work, each (key, day), in one statement: see
    :func:`mark_component_replaced`."""
    if not replaced:
        return
    await conn.execute(
        "UPDATE component c SET install_date = u.d, condition_code = 'good', make = NULL, "
        "model = NULL, last_serviced_date = NULL, updated_at = now() "
        "FROM unnest($1::bigint[], $2::date[]) AS u(k, d) WHERE c.id = u.k",
        *(list(column) for column in zip(*replaced, strict=True)),
    )


async def upsert_programmes(
    conn: Connection,
    landlord_id: int,
    import_id: int,
    programmes: Sequence[tuple[str, int, str, Decimal | None]],
) -> dict[tuple[str, int], int]:
    """Programmes of a landlord named by (name, year), made when new, their kind and
    budget (when given) set otherwise; their keys by (name, year)."""
    rows = await conn.fetch(
        "INSERT INTO investment_programme (landlord_id, name, financial_year, kind_code, "
        "budget, import_id) SELECT $1, n, y, k, b, $2 "
        "FROM unnest($3::text[], $4::integer[], $5::text[], $6::numeric[]) AS u(n, y, k, b) "
        "ON CONFLICT (landlord_id, financial_year, name) DO UPDATE "
        "SET kind_code = EXCLUDED.kind_code, "
        "budget = coalesce(EXCLUDED.budget, investment_programme.budget), "
        "import_id = EXCLUDED.import_id, updated_at = now() "
        "WHERE investment_programme.kind_code IS DISTINCT FROM EXCLUDED.kind_code "
        "OR investment_programme.budget IS DISTINCT FROM "
        "coalesce(EXCLUDED.budget, investment_programme.budget)",
        landlord_id,
        import_id,
        [p[0] for p in programmes],
        [p[1] for p in programmes],
        [p[2] for p in programmes],
        [p[3] for p in programmes],
    )
    del rows  # unchanged programmes return nothing: read every key back
    found = await conn.fetch(
        "SELECT id, name, financial_year FROM investment_programme WHERE landlord_id = $1 "
        "AND (name, financial_year) IN (SELECT * FROM unnest($2::text[], $3::integer[]))",
        landlord_id,
        [p[0] for p in programmes],
        [p[1] for p in programmes],
    )
    return {(r["name"], r["financial_year"]): r["id"] for r in found}


async def home_landlords(conn: Connection, home_ids: Sequence[int]) -> dict[int, int | None]:
    """Homes' landlords by home key."""
    rows = await conn.fetch(
        "SELECT id, landlord_id FROM home WHERE id = ANY($1::bigint[])", list(home_ids)
    )
    return {r["id"]: r["landlord_id"] for r in rows}


async def works_in_programme(db: Database | Connection, programme_id: int) -> int:
    """How many planned works a programme has, whatever their status."""
    count: int = await db.fetchval(
        "SELECT count(*) FROM planned_work WHERE programme_id = $1", programme_id
    )
    return count
