"""Code lists dereference: every concept and scheme the open data uses answers in SKOS."""

from __future__ import annotations

import gzip
from collections import defaultdict
from collections.abc import AsyncIterator

import httpx
import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import SKOS

from odx_graph.core.config import Settings
from odx_graph.store.db import Database

CODE_BASE = "https://w3id.org/odx/code/"


@pytest.fixture(scope="module")
async def http(seeded_db: Database) -> AsyncIterator[httpx.AsyncClient]:
    """A client of its own without rate limits: it asks for every code used (the
    session's shared client keeps its budget for the other tests)."""
    from odx_graph.web.app import create_app

    app = create_app(
        Settings.from_env({}, base_iri="http://odx.test", rate_limit_per_minute=0), seeded_db
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://odx.test"
    ) as client:
        yield client


async def test_a_priority_and_its_scheme(http: httpx.AsyncClient) -> None:
    response = await http.get("/code/priority/1", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    graph = Graph().parse(data=response.text, format="turtle")
    concept = URIRef(f"{CODE_BASE}priority/1")
    assert (concept, SKOS.prefLabel, Literal("Immediate", lang="en")) in graph
    assert (concept, SKOS.inScheme, URIRef(f"{CODE_BASE}priority")) in graph
    scheme = await http.get("/code/priority", headers={"Accept": "text/turtle"})
    top = set(Graph().parse(data=scheme.text, format="turtle").objects(None, SKOS.hasTopConcept))
    assert top == {URIRef(f"{CODE_BASE}priority/{n}") for n in range(1, 6)}
    page = await http.get("/code/priority/1", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "Immediate" in page.text


async def test_unknown_codes_are_not_found(http: httpx.AsyncClient) -> None:
    assert (await http.get("/code/priority/9")).status_code == 404
    assert (await http.get("/code/nothing")).status_code == 404
    assert (await http.get("/code/sor/NOT-A-CODE")).status_code == 404


async def test_every_code_the_dump_uses_dereferences(http: httpx.AsyncClient) -> None:
    dump = gzip.decompress((await http.get("/dump.nt.gz")).content)
    used: dict[str, set[str]] = defaultdict(set)
    for triple in ox.parse(dump, ox.RdfFormat.N_TRIPLES):
        value = triple.object.value
        if isinstance(triple.object, ox.NamedNode) and value.startswith(CODE_BASE):
            scheme, _, code = value[len(CODE_BASE) :].partition("/")
            used[scheme].add(code)
    assert {"priority", "repair-status", "sor", "trade"} <= set(used)
    for scheme, found in used.items():
        assert (await http.get(f"/code/{scheme}")).status_code == 200, scheme
        for code in sorted(found)[:15]:
            response = await http.get(f"/code/{scheme}/{code}", headers={"Accept": "text/turtle"})
            assert response.status_code == 200, f"{scheme}/{code}"
            graph = Graph().parse(data=response.text, format="turtle")
            concept = URIRef(f"{CODE_BASE}{scheme}/{code}")
            assert (concept, SKOS.inScheme, URIRef(f"{CODE_BASE}{scheme}")) in graph


async def test_void_links_the_code_lists(http: httpx.AsyncClient) -> None:
    response = await http.get("/.well-known/void", headers={"Accept": "text/turtle"})
    graph = Graph().parse(data=response.text, format="turtle")
    scheme = URIRef(f"{CODE_BASE}priority")
    assert (None, URIRef("http://rdfs.org/ns/void#vocabulary"), scheme) in graph
    see_also = URIRef("http://www.w3.org/2000/01/rdf-schema#seeAlso")
    assert (scheme, see_also, URIRef("http://odx.test/code/priority")) in graph


@pytest.mark.parametrize("path", ["/id/home/1", "/ontology", "/code/priority/1"])
async def test_if_none_match_star_is_not_modified(http: httpx.AsyncClient, path: str) -> None:
    assert (await http.get(path, headers={"If-None-Match": "*"})).status_code == 304
    assert (await http.get(path, headers={"If-None-Match": '"other"'})).status_code == 200


async def test_the_context_sends_no_empty_link_header(http: httpx.AsyncClient) -> None:
    response = await http.get("/context.jsonld")
    assert response.status_code == 200
    assert "link" not in response.headers
    assert "link" in (await http.get("/id/home/1")).headers
