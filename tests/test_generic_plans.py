"""A list's statement plans as well without its values as with them.

asyncpg prepares every statement, and after five runs PostgreSQL may keep a generic plan,
made without the parameters' values. A range filter's values and a page's size are
therefore written into the statement (from their parsed values), so that plan knows them:
bound, a range of bedrooms and one of years built were guessed to keep hardly any home,
and the generic plan read every home to sort the few it expected (2.5 ms on 5,000 homes,
a whole-table sort on a million); a first page's size bound was guessed as a tenth of
the table, and PostgreSQL kept planning every run afresh. A page after a cursor binds its
size: its generic plan reads the index from the cursor (see ``store.sql.row_limit``).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from odx_graph.core.access import PUBLIC
from odx_graph.core.ids import Cursor
from odx_graph.mapping import MAPPING
from odx_graph.mapping.query import ListRequest
from odx_graph.mapping.query import bind_filters
from odx_graph.store.db import Database
from odx_graph.store.sql import children_statement
from odx_graph.store.sql import page_statement

HOME = MAPPING["Home"]
REPAIR = MAPPING["Repair"]
BASE = "http://odx.test"


def _sql_literal(value: Any) -> str:
    if isinstance(value, list):
        return "ARRAY[" + ", ".join(_sql_literal(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


async def _scan_rows(db: Database, sql: str, params: list[Any], mode: str, table: str) -> float:
    """The rows the plan (generic or custom) expects from its scan of ``table``."""
    async with db.connection() as conn, conn.transaction():
        await conn.execute(f"SET LOCAL plan_cache_mode = force_{mode}_plan")
        await conn.execute(f"PREPARE listed AS {sql}")
        args = f"({', '.join(_sql_literal(p) for p in params)})" if params else ""
        (plan,) = await conn.fetchrow(f"EXPLAIN (FORMAT JSON) EXECUTE listed{args}")
        await conn.execute("DEALLOCATE listed")

    def scans(node: dict[str, Any]) -> list[float]:
        found = [node["Plan Rows"]] if node.get("Relation Name") == table else []
        for child in node.get("Plans", []):
            found += scans(child)
        return found

    rows = scans(json.loads(plan)[0]["Plan"])
    assert rows, plan
    return float(rows[0])


@pytest.mark.parametrize(
    "filters",
    [
        {"bedroomsMin": 2, "bedroomsMax": 3, "yearBuiltFrom": 1950, "yearBuiltTo": 1989},
        {"yearBuiltFrom": 1919, "yearBuiltTo": 1944},
    ],
)
async def test_a_generic_plan_knows_a_range_of_homes(
    fresh_db: Database, filters: dict[str, int]
) -> None:
    await fresh_db.execute("ANALYZE home")
    request = ListRequest(filters=bind_filters(HOME, filters), first=20)
    sql, params = page_statement(HOME, request, PUBLIC, BASE)
    custom = await _scan_rows(fresh_db, sql, params, "custom", "home")
    generic = await _scan_rows(fresh_db, sql, params, "generic", "home")
    # The demo has homes in these ranges; a guess of "hardly any" is one row.
    assert custom > 1
    assert generic == custom


async def test_a_generic_plan_knows_a_range_of_repair_dates(fresh_db: Database) -> None:
    await fresh_db.execute("ANALYZE repair")
    earliest, latest = await fresh_db.fetchrow(
        "SELECT min(reported_at), max(reported_at) FROM repair"
    )
    middle = earliest + (latest - earliest) / 2
    request = ListRequest(
        filters=bind_filters(REPAIR, {"reportedFrom": middle, "reportedTo": latest}), first=20
    )
    sql, params = page_statement(REPAIR, request, PUBLIC, BASE)
    custom = await _scan_rows(fresh_db, sql, params, "custom", "repair")
    generic = await _scan_rows(fresh_db, sql, params, "generic", "repair")
    assert custom > 1
    assert generic == custom


def test_range_values_and_page_sizes_are_written_not_bound() -> None:
    when = dt.datetime(2026, 3, 29, 0, 30, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    request = ListRequest(
        filters=bind_filters(REPAIR, {"reportedFrom": when, "postcode": "LS9"}), first=7
    )
    sql, params = page_statement(REPAIR, request, PUBLIC, BASE)
    # The time keeps its offset (the instant, not the wall clock); the postcode, a
    # client's text, stays a parameter.
    assert "TIMESTAMPTZ '2026-03-29T00:30:00+01:00'" in sql
    assert sql.endswith("LIMIT 8")
    assert params == ["LS9"]
    children, child_params = children_statement(
        HOME, HOME.relation("repairs"), ListRequest(first=3), PUBLIC, BASE
    )
    assert "LIMIT 4" in children and child_params == [None]
    # From a cursor, the limit is bound: the generic plan then reads the index from the
    # cursor, rather than each page being planned afresh for the cursor's values.
    after = Cursor("REPORTED_AT", True, when, 41)
    paged = ListRequest(filters=request.filters, first=7, after=after)
    sql, params = page_statement(REPAIR, paged, PUBLIC, BASE)
    assert sql.endswith("LIMIT $1") and params[0] == 8
    # A time without an offset says no instant: it stays a parameter.
    naive = ListRequest(filters=bind_filters(REPAIR, {"reportedFrom": when.replace(tzinfo=None)}))
    assert page_statement(REPAIR, naive, PUBLIC, BASE)[1][0] == when.replace(tzinfo=None)


@pytest.mark.parametrize(
    ("name", "value", "literal"),
    [
        ("bedroomsMin", 0, "0"),
        ("yearBuiltTo", 2100, "2100"),
    ],
)
def test_an_int_range_is_written_at_its_bounds(name: str, value: int, literal: str) -> None:
    (bound,) = bind_filters(HOME, {name: value})
    assert bound.literal == literal


async def test_a_range_filter_answers_as_before(fresh_db: Database) -> None:
    """The written values select what the bound ones did, at the edges of each range."""
    request = ListRequest(
        filters=bind_filters(HOME, {"bedroomsMin": 2, "bedroomsMax": 3, "yearBuiltFrom": 1950}),
        first=100,
    )
    sql, params = page_statement(HOME, request, PUBLIC, BASE)
    got = {r["_key"] for r in await fresh_db.fetch(sql, *params)}
    want = {
        r["id"]
        for r in await fresh_db.fetch(
            "SELECT id FROM home WHERE bedrooms BETWEEN 2 AND 3 AND year_built >= 1950 "
            "ORDER BY postcode, id LIMIT 101"
        )
    }
    assert got == want and got
