"""A page of the homes in a postcode area, district or sector is read from an index in
the page's order (migration 0034), from the start or from a cursor: its cost is the
page's, not that of every home whose postcode sorts before the place."""

from __future__ import annotations

import re

import pytest

from odx_graph.core.access import PUBLIC
from odx_graph.core.ids import Cursor
from odx_graph.mapping import MAPPING
from odx_graph.mapping.query import ListRequest
from odx_graph.mapping.query import bind_filters
from odx_graph.store.db import Database
from odx_graph.store.sql import page_statement

HOME = MAPPING["Home"]


@pytest.mark.parametrize(
    ("level", "index"),
    [
        ("postcode_area", "home_area_order_idx"),
        ("postcode_district", "home_district_order_idx"),
        ("postcode_sector", "home_sector_order_idx"),
    ],
)
@pytest.mark.parametrize("paged", [False, True])
async def test_a_page_of_a_places_homes_reads_its_index_in_order(
    fresh_db: Database, level: str, index: str, paged: bool
) -> None:
    async with fresh_db.connection() as conn, conn.transaction():
        place, postcode, key = await conn.fetchrow(
            f"SELECT {level}, postcode, id FROM home ORDER BY {level} DESC, postcode, id LIMIT 1"
        )
        cursor = Cursor("POSTCODE", False, postcode, key) if paged else None
        request = ListRequest(
            filters=bind_filters(HOME, {"postcode": place}), first=10, after=cursor
        )
        sql, params = page_statement(HOME, request, PUBLIC, "http://odx.test")
        # Priced out: reading the whole table, or sorting what an index gives out of order.
        for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
            await conn.execute(f"SET LOCAL {setting} = off")
        plan = "\n".join(r[0] for r in await conn.fetch(f"EXPLAIN {sql}", *params))
        assert index in plan, plan
        assert re.search(rf"Index Cond: \(+{level} = ", plan), plan
        assert "Sort" not in plan, plan
