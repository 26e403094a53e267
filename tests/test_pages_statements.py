"""The pages' SQL statements, pinned: a page read again while nothing has changed costs
the statements below and no more (its code lists, the records it lists and, with the
insight cache on, its insight answers read from the server's caches); a scorecard's
peer comparisons read the repair facts once, not once a measure; and the records kept
are read anew after any write."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import httpx
import pytest

from odx_graph.core.access import Tier
from odx_graph.core.config import Settings
from odx_graph.services.credentials import create_key
from odx_graph.store.db import Database
from odx_graph.web.app import create_app

# Statements per page, read a second time: (insight cache off, insight cache on).
EXPECTED = {
    # key, the data version (of the records kept for pages: the home, its repairs and
    # their status changes, damp cases and their clocks, components, certificates and
    # planned works; and of the code lists), the damp risk score
    "resident's home": (3, 3),
    # key, the data version (of the records kept for pages: the repairs assigned, their
    # homes, the planned works their components are due for; and of the code lists)
    "contractor's jobs": (2, 2),
    # the data version (of the code lists, the insight answers with the insight cache on,
    # and the records kept for pages: the open jobs, their homes, the planned works their
    # components are due for); with the insight cache off, districts, and open jobs by
    # trade and SOR rates
    "a district's board": (4, 1),
    # five repair measures in one statement, damp rates, Awaab breaches, the landlords,
    # the monthly trend (or the one data version the insight cache's answers are read at)
    "a scorecard": (5, 1),
}


@pytest.fixture(scope="module")
async def facts(module_db: Database) -> dict[str, Any]:
    """A resident's and a contractor's keys, a district with open jobs and a landlord."""
    district = await module_db.fetchval(
        "SELECT h.postcode_district FROM repair r JOIN home h ON h.id = r.home_id "
        "JOIN repair_status s ON s.code = r.status_code WHERE s.is_open "
        "GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1"
    )
    home, landlord = await module_db.fetchrow(
        "SELECT home_id, landlord_id FROM repair GROUP BY 1, 2 ORDER BY count(*) DESC, 1 LIMIT 1"
    )
    contractor = await module_db.fetchval(
        "SELECT contractor_id FROM repair WHERE contractor_id IS NOT NULL "
        "GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1"
    )
    async with module_db.connection() as conn:
        _, resident = await create_key(conn, tier=Tier.RESIDENT, name="r", home_id=home)
        _, firm = await create_key(conn, tier=Tier.CONTRACTOR, name="c", organisation_id=contractor)
    return {"district": district, "landlord": landlord, "resident": resident, "firm": firm}


async def _counts(
    db: Database, settings: Settings, facts: dict[str, Any], entries: int
) -> dict[str, list[int]]:
    app = create_app(
        replace(settings, insight_cache_entries=entries, rate_limit_per_minute=0), database=db
    )
    transport = httpx.ASGITransport(app=app)
    base = "http://odx.test"
    async with httpx.AsyncClient(transport=transport, base_url=base) as http:
        await http.get("/home/sign-in", params={"token": facts["resident"]})
        resident = http.cookies
    async with httpx.AsyncClient(transport=transport, base_url=base) as http:
        form = await http.get("/contractor")
        csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', form.text)
        assert csrf is not None
        await http.post("/contractor/sign-in", data={"key": facts["firm"], "csrf": csrf[1]})
        firm = http.cookies
    pages = {
        "resident's home": ("/home", resident),
        "contractor's jobs": ("/contractor", firm),
        "a district's board": (f"/jobs?postcode={facts['district']}", None),
        "a scorecard": (f"/landlords/{facts['landlord']}", None),
    }
    sent: list[str] = []
    counts: dict[str, list[int]] = {}
    db.add_listener(sent.append)
    try:
        for label, (path, cookies) in pages.items():
            async with httpx.AsyncClient(
                transport=transport, base_url=base, cookies=cookies
            ) as http:
                for _ in range(3):
                    sent.clear()
                    response = await http.get(path)
                    assert response.status_code == 200, (label, response.text[:300])
                    counts.setdefault(label, []).append(len(sent))
    finally:
        db.remove_listener(sent.append)
    return counts


@pytest.mark.parametrize("entries", [0, 128], ids=["insight-cache-off", "insight-cache-on"])
async def test_statements_per_page(
    module_db: Database, settings: Settings, facts: dict[str, Any], entries: int
) -> None:
    """Read again, each page costs its pinned statements, the same every time; the first
    reading may cost more (the caches fill), never fewer."""
    counts = await _counts(module_db, settings, facts, entries)
    column = 0 if entries == 0 else 1
    for label, (first, second, third) in counts.items():
        assert second == third == EXPECTED[label][column], (label, counts[label])
        assert first >= second, (label, counts[label])


async def test_a_page_read_again_shows_a_change_written_elsewhere(
    module_db: Database, settings: Settings, facts: dict[str, Any]
) -> None:
    """The records a resident's and a contractor's pages list are kept per data version:
    read again after a write by anyone (here straight to the database, as another server
    process would), the page shows it."""
    app = create_app(replace(settings, rate_limit_per_minute=0), database=module_db)
    transport = httpx.ASGITransport(app=app)
    base = "http://odx.test"
    async with httpx.AsyncClient(transport=transport, base_url=base) as http:
        await http.get("/home/sign-in", params={"token": facts["resident"]})
        home = await module_db.fetchval(
            "SELECT home_id FROM api_key WHERE home_id IS NOT NULL ORDER BY id DESC LIMIT 1"
        )
        for _ in range(2):  # the second reading from the cache
            assert "Written elsewhere" not in (await http.get("/home")).text
        await module_db.execute(
            "UPDATE repair SET description = 'Written elsewhere' WHERE id = "
            "(SELECT id FROM repair WHERE home_id = $1 ORDER BY reported_at DESC LIMIT 1)",
            home,
        )
        assert "Written elsewhere" in (await http.get("/home")).text
    async with httpx.AsyncClient(transport=transport, base_url=base) as http:
        form = await http.get("/contractor")
        csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', form.text)
        assert csrf is not None
        await http.post("/contractor/sign-in", data={"key": facts["firm"], "csrf": csrf[1]})
        page = (await http.get("/contractor")).text
        job = re.search(r'<section class="job" id="job-(\d+)"', page)
        assert job is not None and "Waiting for parts" not in page
        assert "Waiting for parts" not in (await http.get("/contractor")).text
        await module_db.execute(
            "UPDATE repair SET description = 'Waiting for parts' WHERE id = $1", int(job[1])
        )
        assert "Waiting for parts" in (await http.get("/contractor")).text
