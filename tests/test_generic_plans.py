"""A list's statement plans as well without its values as with them.

asyncpg prepares every statement, and after five runs PostgreSQL may keep a generic plan,
made without the parameters' values. A range filter's numbers and days and a first
page's size are therefore written into the statement (from their parsed values), so that
plan knows them:
bound, a range of bedrooms and one of years built were guessed to keep hardly any home,
and the generic plan read every home to sort the few it expected (2.5 ms on 5,000 homes,
a whole-table sort on a million); a first page's size bound was guessed as a tenth of
the table, and PostgreSQL kept planning every run afresh. A page after a cursor binds its
size: its generic plan reads the index from the cursor (see ``store.sql.row_limit``).
"""

from __future__ import annotations

import datetime as dt
import uuid
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
from tests.support import plan_nodes

HOME = MAPPING["Home"]
REPAIR = MAPPING["Repair"]
COMPONENT = MAPPING["Component"]
EPC = MAPPING["EnergyPerformanceCertificate"]
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
        # A name of its own: a statement prepared outlives a transaction rolled back.
        name = f"listed_{uuid.uuid4().hex}"
        await conn.execute(f"PREPARE {name} AS {sql}")
        args = f"({', '.join(_sql_literal(p) for p in params)})" if params else ""
        (plan,) = await conn.fetchrow(f"EXPLAIN (FORMAT JSON) EXECUTE {name}{args}")
        await conn.execute(f"DEALLOCATE {name}")

    rows = [n["Plan Rows"] for n in plan_nodes(plan) if n.get("Relation Name") == table]
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


async def test_a_generic_plan_knows_a_range_of_lodgement_days(fresh_db: Database) -> None:
    await fresh_db.execute("ANALYZE energy_performance_certificate")
    earliest, latest = await fresh_db.fetchrow(
        "SELECT min(lodgement_date), max(lodgement_date) FROM energy_performance_certificate"
    )
    middle = earliest + (latest - earliest) / 2
    request = ListRequest(
        filters=bind_filters(EPC, {"lodgedFrom": middle, "lodgedTo": latest}), first=20
    )
    sql, params = page_statement(EPC, request, PUBLIC, BASE)
    custom = await _scan_rows(fresh_db, sql, params, "custom", EPC.table)
    generic = await _scan_rows(fresh_db, sql, params, "generic", EPC.table)
    assert custom > 1
    assert generic == custom


def test_range_numbers_days_and_first_page_sizes_are_written_not_bound() -> None:
    request = ListRequest(
        filters=bind_filters(
            COMPONENT, {"installedFrom": dt.date(1, 1, 1), "ageMinYears": 0, "postcode": "LS9"}
        ),
        first=7,
    )
    sql, params = page_statement(COMPONENT, request, PUBLIC, BASE)
    # Written from the parsed values (a number in parentheses: after a minus sign it
    # stays a number); the postcode, a client's text, stays a parameter.
    assert "install_date >= DATE '0001-01-01'" in sql
    assert "make_interval(years => (0))" in sql
    assert sql.endswith("LIMIT 8")
    assert params == ["LS9"]
    children, child_params = children_statement(
        HOME, HOME.relation("repairs"), ListRequest(first=3), PUBLIC, BASE
    )
    assert "LIMIT 4" in children and child_params == [None]


def test_times_and_pages_after_a_cursor_stay_bound() -> None:
    when = dt.datetime(2026, 3, 29, 0, 30, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    filters = bind_filters(REPAIR, {"reportedFrom": when})
    # A time (to the second, stepped through windows) would make every request a
    # statement of its own to prepare and plan.
    sql, params = page_statement(REPAIR, ListRequest(filters=filters, first=7), PUBLIC, BASE)
    assert params == [when] and "2026" not in sql
    # From a cursor, the limit is bound with the cursor's values: the generic plan then
    # reads the index from the cursor, rather than each page being planned afresh.
    order = REPAIR.orders[0]
    after = Cursor(order.name, True, when, 41)
    paged = ListRequest(filters=filters, order=order, descending=True, first=7, after=after)
    sql, params = page_statement(REPAIR, paged, PUBLIC, BASE)
    assert sql.endswith("LIMIT $1") and params[0] == 8
    assert params[1:] == [when, when, 41] and ") < ($3" in sql


@pytest.mark.parametrize(
    ("name", "value", "literal"),
    [
        ("bedroomsMin", 0, "(0)"),
        ("bedroomsMax", 30, "(30)"),
        ("yearBuiltFrom", 1000, "(1000)"),
        ("yearBuiltTo", 2100, "(2100)"),
    ],
)
def test_an_int_range_is_written_at_its_bounds(name: str, value: int, literal: str) -> None:
    (bound,) = bind_filters(HOME, {name: value})
    assert bound.literal == literal


def test_values_not_plain_numbers_or_days_are_bound() -> None:
    class Day(dt.date):
        def isoformat(self) -> str:
            return "1999-01-01' OR true --"

    (day,) = bind_filters(COMPONENT, {"installedFrom": Day(2020, 1, 1)})
    (when,) = bind_filters(REPAIR, {"reportedFrom": dt.datetime(2020, 1, 1, tzinfo=dt.UTC)})
    assert day.literal == "" and when.literal == ""


@pytest.mark.parametrize(
    ("low", "high"),
    [((2, 2), (1950, 1950)), ((0, 30), (1000, 2100)), ((3, 2), (1950, 1989))],
)
async def test_a_range_filter_answers_as_before(
    fresh_db: Database, low: tuple[int, int], high: tuple[int, int]
) -> None:
    """The written values select what the bound ones did: a range of one value, the
    widest, and an empty one."""
    filters = {
        "bedroomsMin": low[0],
        "bedroomsMax": low[1],
        "yearBuiltFrom": high[0],
        "yearBuiltTo": high[1],
    }
    request = ListRequest(filters=bind_filters(HOME, filters), first=100)
    sql, params = page_statement(HOME, request, PUBLIC, BASE)
    got = [r["_key"] for r in await fresh_db.fetch(sql, *params)]
    want = [
        r["id"]
        for r in await fresh_db.fetch(
            "SELECT id FROM home WHERE bedrooms BETWEEN $1 AND $2 AND year_built BETWEEN $3"
            " AND $4 ORDER BY postcode, id LIMIT 101",
            *low,
            *high,
        )
    ]
    assert got == want
    if low == (0, 30):
        assert got
