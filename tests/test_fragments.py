"""/fragments: Triple Pattern Fragments with Hydra controls, paging and counts, answering
as SPARQL over the same store does."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pyoxigraph as ox
import pytest

from odx_graph.services.linked_data import fragments
from odx_graph.store.db import Database
from tests.support import running_app

BASE = "http://odx.test"
ODX = "https://w3id.org/odx/def#"
HYDRA = "http://www.w3.org/ns/hydra/core#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


@pytest.fixture(scope="module")
async def http(module_db: Database) -> AsyncIterator[httpx.AsyncClient]:
    async with running_app(module_db) as (client, _):
        yield client


def _parse(response: httpx.Response) -> tuple[set[ox.Quad], dict[str, str]]:
    quads = set(ox.parse(response.content, ox.RdfFormat.TRIG))
    data = {q for q in quads if q.graph_name == ox.DefaultGraph()}
    meta = {
        q.predicate.value.removeprefix(HYDRA): q.object.value
        for q in quads
        if q.graph_name != ox.DefaultGraph() and q.predicate.value.startswith(HYDRA)
    }
    return data, meta


async def _sparql_count(http: httpx.AsyncClient, pattern: str) -> int:
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ {pattern} }}"
    body = (await http.get("/sparql", params={"query": query})).json()
    return int(body["results"]["bindings"][0]["n"]["value"])


async def test_a_pattern_pages_through_every_match(http: httpx.AsyncClient) -> None:
    params = {"predicate": RDF_TYPE, "object": f"{ODX}Repair"}
    expected = await _sparql_count(http, f"?s a <{ODX}Repair>")
    assert expected > fragments.PAGE_SIZE
    seen: set[ox.Quad] = set()
    url: str | None = "/fragments"
    query: dict[str, str] | None = params
    pages = 0
    while url:
        response = await http.get(url, params=query, headers={"Accept": "application/trig"})
        assert response.status_code == 200, response.text
        data, meta = _parse(response)
        assert int(meta["totalItems"]) == expected
        assert len(data) <= fragments.PAGE_SIZE
        seen |= data
        pages += 1
        url, query = meta.get("next"), None
    assert len(seen) == expected
    assert pages == -(-expected // fragments.PAGE_SIZE)


async def test_literal_objects_and_the_search_form(http: httpx.AsyncClient) -> None:
    uprn = (
        await http.get(
            "/sparql",
            params={"query": f"SELECT ?u WHERE {{ <{BASE}/id/home/1> <{ODX}uprn> ?u }}"},
        )
    ).json()["results"]["bindings"][0]["u"]["value"]
    response = await http.get(
        "/fragments",
        params={"predicate": f"{ODX}uprn", "object": f'"{uprn}"'},
        headers={"Accept": "application/trig"},
    )
    data, meta = _parse(response)
    assert {q.subject.value for q in data} == {f"{BASE}/id/home/1"}
    assert meta["totalItems"] == "1" and "next" not in meta
    assert meta["template"] == f"{BASE}/fragments{{?subject,predicate,object}}"
    assert meta["variableRepresentation"] == f"{HYDRA}ExplicitRepresentation"
    turtle = await http.get("/fragments", params={"subject": f"{BASE}/id/home/1"})
    assert turtle.headers["content-type"].startswith("text/turtle")
    assert len(list(ox.parse(turtle.content, ox.RdfFormat.TURTLE))) > 10
    assert (await http.get("/fragments", params={"page": "0"})).status_code == 400
    assert (await http.get("/fragments", params={"subject": '"x"'})).status_code == 400
    assert (await http.get("/fragments", headers={"Accept": "application/json"})).status_code == 406


def test_terms_in_the_explicit_representation() -> None:
    assert fragments.parse_term("", literal_allowed=True) is None
    assert fragments.parse_term("?x", literal_allowed=True) is None
    assert fragments.parse_term(f"{ODX}a", literal_allowed=False) == ox.NamedNode(f"{ODX}a")
    typed = fragments.parse_term(
        '"4"^^http://www.w3.org/2001/XMLSchema#integer', literal_allowed=True
    )
    assert typed == ox.Literal(
        "4", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
    )
    assert fragments.parse_term('"flat"@en', literal_allowed=True) == ox.Literal(
        "flat", language="en"
    )
    assert fragments.parse_term('"say "hi""', literal_allowed=True) == ox.Literal('say "hi"')
