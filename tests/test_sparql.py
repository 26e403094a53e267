"""/sparql: the SPARQL 1.1 Protocol over the open graph, kept in step with the change log."""

from __future__ import annotations

import asyncio
import csv
import gzip
import io
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pyoxigraph as ox
import pytest
from starlette.applications import Starlette

from odx_graph.store.db import Database
from tests.conftest import GraphQLClient
from tests.support import running_app

BASE = "http://odx.test"
ODX = "https://w3id.org/odx/def#"
COUNT_ALL = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


@pytest.fixture
async def served(module_db: Database) -> AsyncIterator[tuple[httpx.AsyncClient, Starlette]]:
    async with running_app(module_db) as pair:
        yield pair


def _count(response: httpx.Response) -> int:
    assert response.status_code == 200, response.text
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


async def test_the_store_is_the_dump(
    served: tuple[httpx.AsyncClient, Starlette], gql: GraphQLClient
) -> None:
    http, _ = served
    dump = ox.Store()
    dump.load(gzip.decompress((await http.get("/dump.nt.gz")).content), ox.RdfFormat.N_TRIPLES)
    assert _count(await http.get("/sparql", params={"query": COUNT_ALL})) == len(dump)
    homes = await http.post(
        "/sparql",
        content=f"PREFIX odx: <{ODX}> SELECT (COUNT(?h) AS ?n) WHERE {{ ?h a odx:Home }}",
        headers={"Content-Type": "application/sparql-query"},
    )
    body = await gql("{ homes { totalCount } }")
    assert _count(homes) == body["data"]["homes"]["totalCount"]
    # Open tier only: no free text reaches the store.
    private = f"PREFIX odx: <{ODX}> ASK {{ ?r odx:description ?d }}"
    asked = await http.post("/sparql", data={"query": private})
    assert asked.json() == {"head": {}, "boolean": False}


SELECT_HOMES = f"PREFIX odx: <{ODX}> SELECT ?h ?uprn WHERE {{ ?h a odx:Home ; odx:uprn ?uprn }}"


@pytest.mark.parametrize(
    ("accept", "results_format"),
    [
        ("application/sparql-results+json", ox.QueryResultsFormat.JSON),
        ("application/sparql-results+xml", ox.QueryResultsFormat.XML),
        ("text/csv", None),
        ("text/tab-separated-values", ox.QueryResultsFormat.TSV),
    ],
)
async def test_every_results_format(
    served: tuple[httpx.AsyncClient, Starlette], accept: str, results_format: Any
) -> None:
    http, _ = served
    response = await http.get("/sparql", params={"query": SELECT_HOMES}, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(accept)
    if results_format is None:  # CSV is lossy: Oxigraph reads it as plain values only
        rows = list(csv.DictReader(io.StringIO(response.text)))
        homes = [row["h"] for row in rows]
    else:
        homes = [s["h"].value for s in ox.parse_query_results(response.content, results_format)]
    assert len(homes) > 50
    assert all(h.startswith(f"{BASE}/id/home/") for h in homes)


@pytest.mark.parametrize(
    ("accept", "rdf_format"),
    [
        ("text/turtle", ox.RdfFormat.TURTLE),
        ("application/n-triples", ox.RdfFormat.N_TRIPLES),
        ("application/ld+json", ox.RdfFormat.JSON_LD),
    ],
)
async def test_construct_and_describe_as_rdf(
    served: tuple[httpx.AsyncClient, Starlette], accept: str, rdf_format: Any
) -> None:
    http, _ = served
    construct = (
        f"PREFIX odx: <{ODX}> CONSTRUCT {{ ?h odx:uprn ?u }} "
        "WHERE { ?h a odx:Home ; odx:uprn ?u }"
    )
    response = await http.get("/sparql", params={"query": construct}, headers={"Accept": accept})
    assert response.status_code == 200, response.text
    triples = list(ox.parse(response.content, rdf_format))
    homes = await http.get("/sparql", params={"query": SELECT_HOMES})
    assert len(triples) == len(homes.json()["results"]["bindings"])
    describe = await http.get(
        "/sparql", params={"query": f"DESCRIBE <{BASE}/id/home/1>"}, headers={"Accept": accept}
    )
    assert any(q.predicate.value == f"{ODX}uprn" for q in ox.parse(describe.content, rdf_format))


async def test_protocol_errors(served: tuple[httpx.AsyncClient, Starlette]) -> None:
    http, _ = served
    broken = await http.get("/sparql", params={"query": "SELEKT nothing"})
    assert broken.status_code == 400
    assert broken.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    update = await http.post("/sparql", data={"update": "DROP ALL"})
    assert update.status_code == 400
    assert (await http.get("/sparql")).status_code == 400
    wrong_type = await http.post("/sparql", content="{}", headers={"Content-Type": "text/plain"})
    assert wrong_type.status_code == 415
    unacceptable = await http.get(
        "/sparql", params={"query": SELECT_HOMES}, headers={"Accept": "text/turtle"}
    )
    assert unacceptable.status_code == 406
    named = await http.get("/sparql", params={"query": COUNT_ALL, "format": "xml"})
    assert named.headers["content-type"].startswith("application/sparql-results+xml")
    # The graphs of the protocol: one thing's graph as the default graph.
    one = await http.get(
        "/sparql",
        params={"query": "SELECT ?p WHERE { ?s ?p ?o }", "default-graph-uri": f"{BASE}/id/home/1"},
    )
    assert {b["p"]["value"] for b in one.json()["results"]["bindings"]} >= {f"{ODX}uprn"}
    assert len(one.json()["results"]["bindings"]) < 100


async def test_the_result_cap_at_its_edge(module_db: Database) -> None:
    async with running_app(module_db, sparql_max_results=5) as (http, _):
        query = "SELECT ?s WHERE { ?s ?p ?o } LIMIT {n}"
        at_cap = await http.get("/sparql", params={"query": query.replace("{n}", "5")})
        assert len(at_cap.json()["results"]["bindings"]) == 5
        assert "odx-results-truncated" not in at_cap.headers
        over = await http.get("/sparql", params={"query": query.replace("{n}", "6")})
        assert len(over.json()["results"]["bindings"]) == 5
        assert over.headers["odx-results-truncated"] == "true"


async def test_a_slow_query_times_out(module_db: Database) -> None:
    async with running_app(module_db, sparql_timeout_ms=100) as (http, _):
        # About 1.7 million rows to count: seconds here; its worker is killed at 100 ms.
        heavy = (
            f"PREFIX odx: <{ODX}> SELECT (COUNT(*) AS ?n) WHERE {{ ?a a odx:Home . "
            "?b a odx:Home . ?c a odx:Home FILTER (STR(?a) < STR(?c)) }"
        )
        started = time.monotonic()
        response = await http.get("/sparql", params={"query": heavy})
        assert response.status_code == 503
        assert response.json()["errors"][0]["extensions"]["code"] == "QUERY_TIMEOUT"
        assert time.monotonic() - started < 1
        quick = await http.get("/sparql", params={"query": "ASK {}"})
        assert quick.status_code == 200, quick.text


async def test_a_committed_write_is_visible_within_two_seconds(
    served: tuple[httpx.AsyncClient, Starlette], module_db: Database
) -> None:
    http, _ = served
    home = await module_db.fetchval("SELECT max(id) FROM home")
    await module_db.execute("UPDATE home SET bedrooms = 17 WHERE id = $1", home)
    ask = f"PREFIX odx: <{ODX}> ASK {{ <{BASE}/id/home/{home}> odx:bedrooms 17 }}"
    committed = time.monotonic()
    while not (await http.get("/sparql", params={"query": ask})).json()["boolean"]:
        assert time.monotonic() - committed < 2, "not visible within 2 s"
        await asyncio.sleep(0.05)
    await module_db.execute("DELETE FROM repair_status_event WHERE id = 1")
    gone = f"ASK {{ <{BASE}/id/repair-status-event/1> ?p ?o }}"
    while (await http.get("/sparql", params={"query": gone})).json()["boolean"]:
        assert time.monotonic() - committed < 4, "deletion not visible"
        await asyncio.sleep(0.05)


async def test_the_query_form_runs_no_script(served: tuple[httpx.AsyncClient, Starlette]) -> None:
    http, _ = served
    form = await http.get("/sparql", headers={"Accept": "text/html"})
    assert form.status_code == 200
    assert "script-src" not in form.headers["content-security-policy"]
    assert "default-src 'none'" in form.headers["content-security-policy"]
    assert "<script" not in form.text and '<form method="get" action="/sparql">' in form.text
    results = await http.get(
        "/sparql", params={"query": SELECT_HOMES + " LIMIT 3"}, headers={"Accept": "text/html"}
    )
    assert "3 results" in results.text and f'href="{BASE}/id/home/' in results.text


async def test_void_names_the_endpoint(client: httpx.AsyncClient) -> None:
    response = await client.get("/.well-known/void", headers={"Accept": "application/n-triples"})
    assert f"<http://rdfs.org/ns/void#sparqlEndpoint> <{BASE}/sparql>" in response.text


async def test_sparql_has_the_graphql_rate_limits(module_db: Database) -> None:
    async with running_app(module_db, rate_limit_per_minute=60, rate_limit_burst=2) as (http, _):
        statuses = [
            (await http.get("/sparql", params={"query": "ASK {}"})).status_code for _ in range(3)
        ]
        assert statuses == [200, 200, 429]


def test_results_json_keeps_datatypes_and_languages() -> None:
    from odx_graph.services.linked_data.sparql import Answer
    from odx_graph.services.linked_data.sparql import AnswerKind
    from odx_graph.services.linked_data.sparql import results_json

    answer = Answer(
        AnswerKind.SOLUTIONS,
        ["a", "b", "c"],
        [
            [
                ox.Literal("1", datatype=ox.NamedNode(f"{ODX}x")),
                ox.Literal("hi", language="en"),
                None,
            ]
        ],
    )
    assert json.loads(results_json(answer))["results"]["bindings"] == [
        {
            "a": {"type": "literal", "value": "1", "datatype": f"{ODX}x"},
            "b": {"type": "literal", "value": "hi", "xml:lang": "en"},
        }
    ]


async def test_a_server_that_keeps_no_store_answers_what_postgresql_can(
    module_db: Database, gql: GraphQLClient
) -> None:
    async with running_app(module_db, sparql_store=False) as (http, app):
        store = app.state.sparql
        assert not store.ready and store.workers is None
        # A SELECT PostgreSQL translates is answered at once, and rightly.
        homes = f"PREFIX odx: <{ODX}> SELECT (COUNT(?h) AS ?n) WHERE {{ ?h a odx:Home }}"
        body = await gql("{ homes { totalCount } }")
        counted = await http.get("/sparql", params={"query": homes})
        assert _count(counted) == body["data"]["homes"]["totalCount"]
        # What only a store answers is refused, saying why: not "retry", which never helps.
        for query in ("ASK {}", "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 1"):
            refused = await http.get("/sparql", params={"query": query})
            assert refused.status_code == 400, refused.text
            assert "retry-after" not in refused.headers
            assert "ODX_SPARQL_STORE=false" in refused.json()["errors"][0]["message"]
        # The change log is still published: a committed write reaches it.
        home = await module_db.fetchval("SELECT max(id) FROM home")
        last = await module_db.fetchval("SELECT coalesce(max(position), 0) FROM change_log")
        await module_db.execute("UPDATE home SET bedrooms = 16 WHERE id = $1", home)
        published = "SELECT count(*) FROM change_log WHERE position > $1 AND segment = 'home'"
        committed = time.monotonic()
        while not await module_db.fetchval(published + " AND key = $2", last, home):
            assert time.monotonic() - committed < 4, "not published within 4 s"
            await asyncio.sleep(0.05)
        assert not store.ready  # and no store was built meanwhile


async def test_without_a_store_fragments_and_bad_queries_say_why(module_db: Database) -> None:
    async with running_app(module_db, sparql_store=False) as (http, _):
        fragment = await http.get("/fragments", params={"predicate": f"{ODX}uprn"})
        assert fragment.status_code == 404 and "retry-after" not in fragment.headers
        assert "ODX_SPARQL_STORE=false" in fragment.json()["errors"][0]["message"]
        broken = await http.get("/sparql", params={"query": "SELEC ?s WHERE { ?s ?p ?o }"})
        assert broken.status_code == 400
        assert "does not parse" in broken.json()["errors"][0]["message"]
