"""Fault injection: PostgreSQL restarting under load, overload, statement timeouts,
graceful shutdown, readiness and metrics."""

from __future__ import annotations

import asyncio
import datetime as dt
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from odx_graph.core.config import Settings
from odx_graph.core.errors import QueryTimeoutError
from odx_graph.core.vocab import migrations_dir
from odx_graph.services.refdata import sync_reference_data
from odx_graph.store.db import Database
from odx_graph.store.db import ensure_database
from odx_graph.store.embedded import EmbeddedServer
from odx_graph.store.embedded import start_embedded
from odx_graph.store.migrations import migrate
from odx_graph.web.app import create_app

QUERY = {"query": "query Homes { homes(first: 5) { totalCount nodes { uprn } } }"}


@pytest.fixture(scope="module")
def own_cluster() -> Iterator[EmbeddedServer]:
    """A PostgreSQL of this module's own, which the tests may stop and start."""
    with tempfile.TemporaryDirectory(prefix="odx-fault-") as tmp:
        server = start_embedded(Path(tmp))
        try:
            yield server
        finally:
            server.stop()


@pytest.fixture(scope="module")
async def cluster_db(own_cluster: EmbeddedServer) -> str:
    """A migrated database with a little demo data on the stoppable cluster."""
    from odx_graph.services.demo import load_demo

    await ensure_database(own_cluster.dsn("postgres"), "odx")
    conn = await asyncpg.connect(own_cluster.dsn())
    try:
        await migrate(conn, migrations_dir())
        await sync_reference_data(conn)
        await load_demo(conn, homes=20, seed=3, as_of=dt.date(2026, 6, 30))
    finally:
        await conn.close()
    return own_cluster.dsn()


def _client(app: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t", timeout=30
    )


async def test_service_recovers_by_itself_after_a_database_restart(
    own_cluster: EmbeddedServer, cluster_db: str
) -> None:
    db = await Database.connect(cluster_db, min_size=2, max_size=4, connect_timeout_ms=1000)
    app = create_app(Settings.from_env({}, rate_limit_per_minute=0), database=db)
    outcomes: list[tuple[float, float, str]] = []  # (start, duration, outcome)
    stop_at, start_at, end_at = 1.0, 3.0, 7.0
    began = time.monotonic()

    async def client_loop(http: httpx.AsyncClient) -> None:
        while (now := time.monotonic() - began) < end_at:
            t0 = time.monotonic()
            response = await http.post("/graphql", json=QUERY)
            body = response.json()
            if "errors" in body:
                error = body["errors"][0]["extensions"]
                assert error["code"] == "DATABASE_UNAVAILABLE" and error["retryable"], body
                outcome = "unavailable"
            else:
                outcome = "ok"
            outcomes.append((now, time.monotonic() - t0, outcome))
            await asyncio.sleep(0.02)

    async def outage(http: httpx.AsyncClient) -> None:
        await asyncio.sleep(stop_at)
        await asyncio.to_thread(own_cluster._server.stop)
        ready = await http.get("/readyz")
        assert ready.status_code == 503 and ready.headers["retry-after"]
        await asyncio.sleep(start_at - stop_at)
        await asyncio.to_thread(own_cluster.restart)

    try:
        async with _client(app) as http:
            await asyncio.gather(outage(http), *(client_loop(http) for _ in range(6)))
            assert (await http.get("/readyz")).status_code == 200
    finally:
        await db.close()
    failures = [o for o in outcomes if o[2] != "ok"]
    assert failures, "the outage was not noticed"
    assert all(o[0] >= stop_at - 0.1 for o in failures), "failures before the outage"
    # Never a hang: every request answered within the connect timeout plus slack.
    assert max(o[1] for o in outcomes) < 3.0
    last_failure = max(o[0] for o in failures)
    assert last_failure < start_at + 3.0, "service did not resume within seconds"
    assert all(o[2] == "ok" for o in outcomes if o[0] > last_failure)
    assert sum(o[2] == "ok" for o in outcomes if o[0] > start_at) > 10


async def test_overload_sheds_quickly_with_retry_after(seeded_db: Database) -> None:
    settings = Settings.from_env(
        {}, max_concurrent_requests=2, max_queued_requests=3, queue_timeout_ms=300
    )
    app = create_app(settings, database=seeded_db)

    async def slow(request: Request) -> JSONResponse:
        await asyncio.sleep(0.5)
        return JSONResponse({"ok": True})

    app.router.routes.append(Route("/slow", slow))

    async def timed(http: httpx.AsyncClient) -> tuple[int, float, str | None]:
        t0 = time.monotonic()
        response = await http.get("/slow")
        return response.status_code, time.monotonic() - t0, response.headers.get("retry-after")

    async with _client(app) as http:
        results = await asyncio.gather(*(timed(http) for _ in range(40)))
        health = await http.get("/healthz")  # exempt: answers while saturated
    assert health.status_code == 200
    served = [r for r in results if r[0] == 200]
    shed = [r for r in results if r[0] == 503]
    assert len(served) + len(shed) == 40
    assert 2 <= len(served) <= 5, results
    assert all(r[2] == "1" for r in shed)
    # Refused at once when the queue is full; after at most the queue timeout otherwise.
    assert sum(r[1] < 0.1 for r in shed) >= 30
    assert max(r[1] for r in shed) < 0.3 + 0.25
    assert max(r[1] for r in served) < 1.5


async def test_the_statement_timeout_stops_slow_queries(cluster_db: str) -> None:
    db = await Database.connect(cluster_db, statement_timeout_ms=200)
    try:
        t0 = time.monotonic()
        with pytest.raises(QueryTimeoutError):
            await db.fetch("SELECT pg_sleep(5)")
        assert time.monotonic() - t0 < 2
    finally:
        await db.close()


async def test_readiness_reports_pending_migrations(empty_db: str) -> None:
    db = await Database.connect(empty_db, max_size=2)
    try:
        async with _client(create_app(Settings.from_env({}), database=db)) as http:
            response = await http.get("/readyz")
    finally:
        await db.close()
    assert response.status_code == 503
    assert response.json()["errors"][0]["extensions"]["code"] == "MIGRATIONS_PENDING"


async def test_metrics_count_requests_operations_errors_and_pool(client: httpx.AsyncClient) -> None:
    await client.post(
        "/graphql", json={"query": "query Named { priorities { code } }", "operationName": "Named"}
    )
    await client.post(
        "/graphql", json={"query": '{ homes(filter: {postcode: "??"}) { totalCount } }'}
    )
    await client.get("/id/home/999999")
    text = (await client.get("/metrics")).text
    assert 'odx_graphql_operations_total{operation="Named",type="query"}' in text
    assert 'odx_errors_total{code="INVALID_POSTCODE"}' in text
    assert 'odx_errors_total{code="HTTP_404"}' in text
    assert 'odx_http_requests_total{method="POST",route="/graphql",status="200"}' in text
    assert 'route="/id/{segment}/{key}"' in text
    assert 'odx_db_pool_connections{state="idle"}' in text
    assert "odx_graphql_operation_duration_seconds_bucket" in text


async def test_access_log_names_the_operation(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level("INFO", logger="odx_graph.access"):
        await client.post("/graphql", json={"query": "query Logged { trades { code } }"})
    [record] = [r for r in caplog.records if getattr(r, "operation", None) == "Logged"]
    assert record.status == 200  # type: ignore[attr-defined]


async def test_writes_retried_through_a_database_restart_apply_exactly_once(
    own_cluster: EmbeddedServer, cluster_db: str
) -> None:
    from odx_graph.core.access import Tier
    from odx_graph.core.ids import encode_global_id
    from odx_graph.services.credentials import create_key

    conn = await asyncpg.connect(cluster_db)
    try:
        landlord, home = await conn.fetchrow(
            "SELECT landlord_id, id FROM home WHERE landlord_id IS NOT NULL ORDER BY id LIMIT 1"
        )
        _, key = await create_key(
            conn, tier=Tier.PROVIDER, name="restart", organisation_id=landlord
        )
    finally:
        await conn.close()
    db = await Database.connect(cluster_db, min_size=2, max_size=4, connect_timeout_ms=1000)
    app = create_app(Settings.from_env({}, rate_limit_per_minute=0), database=db)
    mutation = """mutation($h: ID!, $text: String, $k: String) {
      reportRepair(input: {homeId: $h, description: $text, idempotencyKey: $k}) {
        __typename ... on MutationError { code } } }"""
    headers = {"Authorization": f"Bearer {key}"}
    attempts: dict[str, int] = {}

    async def writer(http: httpx.AsyncClient, client: int) -> None:
        for n in range(12):
            name = f"restart-test {client}-{n}"
            while True:  # a client retries with the same key until it gets an answer
                attempts[name] = attempts.get(name, 0) + 1
                variables = {"h": encode_global_id("Home", home), "text": name, "k": name}
                try:
                    body = (
                        await http.post(
                            "/graphql",
                            json={"query": mutation, "variables": variables},
                            headers=headers,
                        )
                    ).json()
                except httpx.HTTPError:
                    body = {"errors": [{}]}
                if "errors" not in body and body["data"]["reportRepair"]["__typename"] == (
                    "RepairPayload"
                ):
                    break
                await asyncio.sleep(0.1)
            await asyncio.sleep(0.1)

    async def outage() -> None:
        await asyncio.sleep(0.5)
        await asyncio.to_thread(own_cluster._server.stop)
        await asyncio.sleep(1.5)
        await asyncio.to_thread(own_cluster.restart)

    try:
        async with _client(app) as http:
            await asyncio.gather(outage(), *(writer(http, c) for c in range(4)))
    finally:
        await db.close()
    conn = await asyncpg.connect(cluster_db)
    try:
        rows = await conn.fetch(
            "SELECT description, count(*) AS n FROM repair WHERE description LIKE "
            "'restart-test %' GROUP BY 1"
        )
    finally:
        await conn.close()
    written = {r["description"]: r["n"] for r in rows}
    assert set(written) == set(attempts), "a write was lost"
    assert set(written.values()) == {1}, "a write was applied twice"
    assert any(n > 1 for n in attempts.values()), "the outage was not noticed"
