"""HTTP routes around the API: landing page, GraphiQL, health, request ids."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from odx_graph.core.config import Settings
from odx_graph.store.db import Database
from odx_graph.web.app import create_app
from tests.support import served_app


async def test_landing_page_links_the_api(client: httpx.AsyncClient) -> None:
    response = await client.get("/")
    assert response.status_code == 200 and "text/html" in response.headers["content-type"]
    for link in (
        'href="/graphql"',
        'href="/schema.graphql"',
        'href="/healthz"',
        "https://w3id.org/odx/def",
    ):
        assert link in response.text


async def test_graphiql_for_browsers(client: httpx.AsyncClient) -> None:
    response = await client.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200 and "graphiql" in response.text.lower()


async def test_queries_work_over_get(client: httpx.AsyncClient) -> None:
    response = await client.get("/graphql", params={"query": "{ priorities { code } }"})
    assert response.status_code == 200
    assert len(response.json()["data"]["priorities"]) == 5


async def test_schema_is_served(client: httpx.AsyncClient) -> None:
    response = await client.get("/schema.graphql")
    assert response.status_code == 200 and "type Home implements Node" in response.text


async def test_health_and_readiness(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["database"] == "ok"


async def test_readiness_fails_clearly_without_a_database(pg_server: object, empty_db: str) -> None:
    db = await Database.connect(empty_db, min_size=0)
    await db.close()  # a closed pool stands in for a database that went away
    app = create_app(Settings.from_env({}), database=db)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        response = await http.get("/readyz")
        assert (await http.get("/healthz")).status_code == 200
    assert response.status_code == 503 and response.headers["retry-after"]
    assert response.json()["errors"][0]["extensions"]["code"] == "DATABASE_UNAVAILABLE"


async def test_request_ids_are_echoed_or_made(client: httpx.AsyncClient) -> None:
    mine = await client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert mine.headers["x-request-id"] == "abc-123"
    unsafe = await client.get("/healthz", headers={"X-Request-ID": "a b\tc"})
    assert unsafe.headers["x-request-id"] != "a b\tc" and len(unsafe.headers["x-request-id"]) == 32


async def test_a_request_id_with_a_trailing_newline_is_replaced(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz", headers={"X-Request-ID": "abc\n"})
    assert response.headers["x-request-id"] != "abc\n"


async def test_a_client_that_hangs_up_is_logged_as_499_not_as_a_server_error(
    seeded_db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    async with served_app(seeded_db) as (address, app):
        host, port = address.split(":")
        with caplog.at_level("INFO"):
            for _ in range(3):
                _, writer = await asyncio.open_connection(host, int(port))
                writer.write(
                    b"POST /graphql HTTP/1.1\r\nHost: odx\r\nContent-Type: application/json"
                    b'\r\nContent-Length: 100\r\n\r\n{"query":'
                )
                await writer.drain()
                await asyncio.sleep(0.2)
                writer.close()
            for _ in range(100):
                if sum(getattr(r, "status", None) == 499 for r in caplog.records) == 3:
                    break
                await asyncio.sleep(0.05)
        text = app.state.metrics.render().decode()
    statuses = [getattr(r, "status", None) for r in caplog.records if r.name == "odx_graph.access"]
    assert statuses == [499, 499, 499]
    assert not [r for r in caplog.records if r.levelname == "ERROR"]
    assert 'odx_http_requests_total{method="POST",route="/graphql",status="499"} 3.0' in text
    assert 'status="500"' not in text and "HTTP_500" not in text
