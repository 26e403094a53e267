"""Uploads in a lane of their own: a storm of them leaves reads their slots and their pool,
each import runs in a worker process bounded in memory and time, and a report lists its
problems up to a limit and counts the rest."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import httpx
import pytest

from odx_graph.store.db import Database
from tests.support import served_app

TOKEN = "t" * 40
AUTH = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "text/csv"}
QUERY = {"query": "{ homes(first: 3) { totalCount nodes { uprn } } }"}


async def _landlord(db: Database) -> str:
    key = await db.fetchval("SELECT id FROM organisation WHERE kind_code = 'landlord' LIMIT 1")
    return str(key)


def _homes(count: int, postcode: str = "LS9 8AB", prefix: str = "UP") -> str:
    lines = ["home_ref,address_line_1,postcode"]
    lines += [f"{prefix}-{n},{n} Upload Street,{postcode}" for n in range(count)]
    return "\n".join(lines) + "\n"


async def _upload(
    http: httpx.AsyncClient, organisation: str, body: str | bytes, fmt: str = "homes"
) -> httpx.Response:
    return await http.post(
        "/import", params={"format": fmt, "as": organisation}, content=body, headers=AUTH
    )


async def test_an_upload_storm_leaves_reads_their_slots_and_pool(fresh_db: Database) -> None:
    organisation = await _landlord(fresh_db)
    statements: list[str] = []
    fresh_db.add_listener(statements.append)
    try:
        async with (
            served_app(
                fresh_db,
                import_token=TOKEN,
                max_concurrent_requests=4,
                max_queued_requests=4,
                queue_timeout_ms=500,
                rate_limit_per_minute=0,
            ) as (address, _),
            httpx.AsyncClient(base_url=f"http://{address}", timeout=60) as http,
        ):
            uploads = [
                asyncio.ensure_future(_upload(http, organisation, _homes(3, prefix=f"S{n}")))
                for n in range(20)
            ]
            reads: list[int] = []
            while not all(upload.done() for upload in uploads):
                reads.append((await http.post("/graphql", json=QUERY)).status_code)
            answers = await asyncio.gather(*uploads)
    finally:
        fresh_db.remove_listener(statements.append)
    # Before, the uploads took the request slots and the pool's two connections while they
    # parsed: reads got 503 and DATABASE_UNAVAILABLE.
    assert reads and set(reads) == {200}, Counter(reads)
    outcomes = Counter(a.status_code for a in answers)
    assert set(outcomes) <= {200, 503} and outcomes[200] >= 2, outcomes
    assert all(a.headers["retry-after"] for a in answers if a.status_code == 503)
    # No import statement ran on the request pool: the imports had connections of their own.
    assert not [s for s in statements if "pg_advisory_xact_lock" in s or "data_import" in s]
    imported = await fresh_db.fetchval(
        "SELECT count(*) FROM reference WHERE value LIKE 'S%-_' AND subject_type = 'home'"
    )
    assert imported == 3 * outcomes[200]


@pytest.mark.parametrize(("bad", "listed"), [(10, 10), (11, 10)])
async def test_a_report_lists_problems_up_to_the_limit_and_counts_the_rest(
    fresh_db: Database, bad: int, listed: int
) -> None:
    organisation = await _landlord(fresh_db)
    async with (
        served_app(fresh_db, import_token=TOKEN, import_max_problems=10) as (address, _),
        httpx.AsyncClient(base_url=f"http://{address}", timeout=60) as http,
    ):
        response = await _upload(http, organisation, _homes(bad, postcode="NOT A POSTCODE"))
    assert response.status_code == 422
    report: dict[str, Any] = response.json()
    assert len(report["problems"]) == listed
    assert report["problemCount"] == bad
    assert report["problemsNotListed"] == bad - listed
    assert report["counts"]["rejected"] == bad and not report["written"]


async def test_an_import_past_its_memory_or_time_writes_nothing(fresh_db: Database) -> None:
    organisation = await _landlord(fresh_db)
    before = await fresh_db.fetchval("SELECT count(*) FROM home")
    big = _homes(150_000)  # about 5 MB: far more than 128 MB of Python objects to check
    async with (
        served_app(fresh_db, import_token=TOKEN, import_memory_mb=128) as (address, _),
        httpx.AsyncClient(base_url=f"http://{address}", timeout=120) as http,
    ):
        response = await _upload(http, organisation, big)
        assert response.status_code == 413, response.text
        assert response.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"
        assert "memory" in response.text
        # The server is unharmed and the lane is free again.
        assert (await http.post("/graphql", json=QUERY)).status_code == 200
        assert (await _upload(http, organisation, _homes(2, prefix="AFTER"))).status_code == 200
    async with (
        served_app(fresh_db, import_token=TOKEN, import_timeout_ms=1000) as (address, _),
        httpx.AsyncClient(base_url=f"http://{address}", timeout=120) as http,
    ):
        response = await _upload(http, organisation, _homes(60_000, prefix="SLOW"))
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["extensions"]["code"] == "IMPORT_TIMEOUT"
    assert await fresh_db.fetchval("SELECT count(*) FROM home") == before + 2
