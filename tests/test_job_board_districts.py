"""The job board's districts to choose from: exactly the postcode districts with an open
repair, read by index probes rather than by reading every repair, and current after any
write that opens, closes or moves a repair."""

from __future__ import annotations

from odx_graph.services.job_board import districts_with_open_jobs
from odx_graph.store.analytics import DISTRICTS_WITH_OPEN_REPAIRS
from odx_graph.store.db import Database
from tests.support import plan_nodes

# Worked out independently: each repair's district from its home, open from its status.
EXPECTED = (
    "SELECT DISTINCT h.postcode_district FROM repair r JOIN home h ON h.id = r.home_id "
    "JOIN repair_status s ON s.code = r.status_code WHERE s.is_open ORDER BY 1"
)


async def _listed(db: Database) -> list[str]:
    return await districts_with_open_jobs(db)


async def _expected(db: Database) -> list[str]:
    return [str(r[0]) for r in await db.fetch(EXPECTED)]


async def test_the_districts_are_those_with_an_open_repair(
    fresh_db: Database,
) -> None:
    """On the demo, then at the edges: a district keeps its place while one open repair
    is left and loses it when the last one closes (the first and the last district in
    order both); a repair reopened, or moved to a home elsewhere, brings its district."""
    listed = await _listed(fresh_db)
    assert listed == await _expected(fresh_db) and len(listed) > 2
    first, last = listed[0], listed[-1]
    for district in (first, last):
        # every open repair there but one closed: still listed
        await fresh_db.execute(
            "UPDATE repair SET status_code = 'cancelled' WHERE is_open AND id IN "
            "(SELECT id FROM repair WHERE postcode_district = $1 AND is_open "
            "ORDER BY id OFFSET 1)",
            district,
        )
        assert district in await _listed(fresh_db)
        await fresh_db.execute(
            "UPDATE repair SET status_code = 'cancelled' WHERE postcode_district = $1 AND is_open",
            district,
        )
        now = await _listed(fresh_db)
        assert district not in now and now == await _expected(fresh_db)
    # reopened: back
    await fresh_db.execute(
        "UPDATE repair SET status_code = 'reported' WHERE id = "
        "(SELECT min(id) FROM repair WHERE postcode_district = $1)",
        last,
    )
    assert (await _listed(fresh_db))[-1] == last
    # a closed district's repair moved to a home in the first district, reopened: back
    home = await fresh_db.fetchval("SELECT min(id) FROM home WHERE postcode_district = $1", first)
    await fresh_db.execute(
        "UPDATE repair SET home_id = $1, status_code = 'reported' WHERE id = "
        "(SELECT min(id) FROM repair WHERE postcode_district = $2 AND NOT is_open)",
        home,
        listed[1],
    )
    now = await _listed(fresh_db)
    assert now[0] == first and now == await _expected(fresh_db)


async def test_no_district_at_all(fresh_db: Database) -> None:
    """With no open repair anywhere the list is empty (the scan's end)."""
    await fresh_db.execute("UPDATE repair SET status_code = 'cancelled' WHERE is_open")
    assert await _listed(fresh_db) == []


async def test_the_repairs_are_probed_not_read(seeded_db: Database) -> None:
    """The plan walks the (district, open) index: no scan of the repair table, and the
    rows the index scans read are about a district's worth, not the repairs'."""
    plan = await seeded_db.fetchval(
        f"EXPLAIN (ANALYZE, FORMAT JSON, TIMING OFF) {DISTRICTS_WITH_OPEN_REPAIRS}"
    )
    on_repair = [n for n in plan_nodes(plan) if n.get("Relation Name") == "repair"]
    assert on_repair and all(n["Node Type"] == "Index Only Scan" for n in on_repair)
    repairs = await seeded_db.fetchval("SELECT count(*) FROM repair")
    districts = await seeded_db.fetchval("SELECT count(DISTINCT postcode_district) FROM repair")
    # each probe returns one row a loop: the rows read follow the districts
    read = sum(int(n["Actual Rows"]) * int(n["Actual Loops"]) for n in on_repair)  # type: ignore[call-overload]
    assert read <= 2 * districts + 2 < repairs
