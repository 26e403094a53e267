"""The demo's planned works are written in a few statements a year for all landlords at
once, by the rules of ``odx_graph.services.demo.planned``, the same for the same seed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from odx_graph.services.demo.planned import DAMP
from odx_graph.services.demo.planned import HOMES_PER_ITEM
from odx_graph.services.demo.planned import PROGRAMMES
from odx_graph.services.demo.planned import plan_demo_works
from odx_graph.store.db import Connection
from odx_graph.store.db import Database
from tests.test_demo_generator import AS_OF

WORKS = """
SELECT p.landlord_id, p.name, p.financial_year, p.kind_code, p.budget, w.home_id,
       w.building_id, w.component_id, w.component_type_code, w.planned_date,
       w.estimated_cost, w.actual_cost, w.status_code, w.completed_on, c.install_date,
       c.condition_code
FROM planned_work w JOIN investment_programme p ON p.id = w.programme_id
LEFT JOIN component c ON c.id = w.component_id
ORDER BY p.landlord_id, p.financial_year, p.name, w.planned_date, w.component_id, w.home_id
"""


class _Counting:
    """A connection that counts the statements sent through it."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.sent = 0

    def __getattr__(self, name: str) -> Any:
        found = getattr(self.conn, name)
        if name in {"execute", "executemany", "fetch", "fetchrow", "fetchval"}:
            self.sent += 1
        return found


async def _plan_afresh(conn: Connection, seed: int) -> tuple[int, int, list[Any]]:
    """(works written, statements sent, the works) on the demo with its works removed,
    in a transaction rolled back afterwards."""
    transaction = conn.transaction()
    await transaction.start()
    try:
        await conn.execute("DELETE FROM planned_work")
        await conn.execute("DELETE FROM investment_programme")
        counting = _Counting(conn)
        written = await plan_demo_works(counting, seed, AS_OF)  # type: ignore[arg-type]
        return written, counting.sent, await conn.fetch(WORKS)
    finally:
        await transaction.rollback()


async def test_planned_works_take_a_few_statements_whatever_the_size(seeded_db: Database) -> None:
    async with seeded_db.connection() as conn:
        written, sent, works = await _plan_afresh(conn, 11)
        landlords = await conn.fetchval("SELECT count(DISTINCT landlord_id) FROM home")
    assert written == len(works) > 4 * landlords
    # Before, three statements an item (thousands here, 450,000 at a million homes).
    # Now: the landlords, then per year the due components, the programmes, the items
    # and the replaced components, then the same for damp remediation.
    assert sent <= 1 + 4 * 4


async def test_the_same_seed_plans_the_same_works(seeded_db: Database) -> None:
    async with seeded_db.connection() as conn:
        first = await _plan_afresh(conn, 11)
        again = await _plan_afresh(conn, 11)
        other = await _plan_afresh(conn, 12)
    assert first == again
    assert first[2] != other[2]


async def test_planned_works_follow_their_rules(seeded_db: Database) -> None:
    async with seeded_db.connection() as conn:
        _, _, works = await _plan_afresh(conn, 11)
        homes = dict(
            await conn.fetch("SELECT landlord_id, count(*) FROM home GROUP BY landlord_id")
        )
    this_year = AS_OF.year if AS_OF.month >= 4 else AS_OF.year - 1
    costs = {kind: cost for kind, _, cost in (*PROGRAMMES, DAMP)}
    by_programme: dict[tuple[int, str, int], list[Any]] = {}
    for w in works:
        by_programme.setdefault((w["landlord_id"], w["name"], w["financial_year"]), []).append(w)
    years = {key[2] for key in by_programme}
    assert years == {this_year - 1, this_year, this_year + 1}
    for (landlord, name, year), items in by_programme.items():
        kind = items[0]["kind_code"]
        label = f"{year}/{(year + 1) % 100:02d}"
        assert len(items) <= max(2, homes[landlord] // HOMES_PER_ITEM)
        if kind == DAMP[0]:
            assert name == f"Damp remediation {label}" and year == this_year - 1
            assert items[0]["budget"] == Decimal(costs[kind] * len(items))
            assert all(w["component_id"] is None and w["home_id"] for w in items)
        else:
            assert name == f"{kind.title()} {label}"
            assert items[0]["budget"] == Decimal(costs[kind] * len(items) * 11 // 10)
        for w in items:
            assert dt.date(year, 4, 1) <= w["planned_date"] <= dt.date(year + 1, 3, 31)
            if year < this_year:
                assert w["status_code"] == "done"
            if year > this_year:
                assert w["status_code"] == "planned"
            if w["status_code"] == "done":
                done = min(w["planned_date"], AS_OF - dt.timedelta(days=1))
                assert w["completed_on"] == done and w["actual_cost"] is not None
                if w["component_id"] is not None:  # replaced: installed anew that day
                    assert w["install_date"] == done and w["condition_code"] == "good"
            else:
                assert w["completed_on"] is None
                assert w["actual_cost"] is None
