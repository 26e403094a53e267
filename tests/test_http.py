"""HTTP routes around the API: landing page, GraphiQL, health, request ids."""

from __future__ import annotations

import httpx

from odx_graph.core.config import Settings
from odx_graph.store.db import Database
from odx_graph.web.app import create_app


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
