"""Code lists dereference: every concept and scheme the open data uses answers in SKOS."""

from __future__ import annotations

import gzip
from collections import defaultdict
from collections.abc import AsyncIterator

import asyncpg
import httpx
import pyoxigraph as ox
import pytest
from rdflib import RDF
from rdflib import Graph
from rdflib import Literal
from rdflib import URIRef
from rdflib.namespace import SKOS

from odx_graph.core.config import Settings
from odx_graph.services.linked_data import feed
from odx_graph.services.linked_data.feed import Page
from odx_graph.services.refdata import load_ontology
from odx_graph.services.refdata import sync_reference_data
from odx_graph.store import changes
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
            if code:  # else the scheme itself (a concept's skos:inScheme)
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


async def test_every_code_list_and_concept_is_in_the_dump_as_code_serves_it(
    http: httpx.AsyncClient, seeded_db: Database
) -> None:
    dump = Graph().parse(data=(await http.get("/dump.nt")).content, format="nt")
    ontology = load_ontology()
    schemes = set(ontology.subjects(RDF.type, SKOS.ConceptScheme))
    assert len(schemes) > 10 and schemes <= set(dump.subjects(RDF.type, SKOS.ConceptScheme))
    sor = await seeded_db.fetchval("SELECT count(*) FROM sor_code")
    in_dump = set(dump.subjects(SKOS.inScheme, URIRef(f"{CODE_BASE}sor")))
    assert len(in_dump) == sor > 300
    # Every scheme, and for each a first and a last concept, served as in the dump.
    for scheme in sorted(schemes):
        concepts = sorted(str(c) for c in dump.subjects(SKOS.inScheme, scheme))
        for iri in [str(scheme), *concepts[:1], *concepts[-1:]]:
            path = "/code/" + iri[len(CODE_BASE) :]
            response = await http.get(path, headers={"Accept": "application/n-triples"})
            assert response.status_code == 200, path
            served = Graph().parse(data=response.content, format="nt")
            assert set(served) == set(dump.triples((URIRef(iri), None, None))), path


async def test_a_code_list_change_reaches_the_change_log(fresh_db: Database) -> None:
    ontology = load_ontology()
    concept = URIRef(f"{CODE_BASE}priority/1")
    before = await fresh_db.fetchval("SELECT max(position) FROM change_log")
    async with fresh_db.connection() as conn:
        assert (await sync_reference_data(conn, ontology))["change_log"] == 0  # unchanged
        ontology.set((concept, SKOS.prefLabel, Literal("At once", lang="en")))
        assert (await sync_reference_data(conn, ontology))["change_log"] == 1
        assert (await sync_reference_data(conn, ontology))["change_log"] == 0
    versions = await changes.versions(fresh_db, before + 1, before + 10)
    assert [(v.segment, v.key, v.kind) for v in versions] == [("code/priority", 0, "update")]
    assert f'<{concept}> <{SKOS.prefLabel}> "At once"@en .' in versions[0].triples
    assert "Immediate" not in versions[0].triples
    page = feed.page_nquads("http://odx.test", Page(0, False, versions))
    assert f"<{feed.IS_VERSION_OF}> <{CODE_BASE}priority> ." in page


@pytest.mark.parametrize("table", ["home", "repair_line", "change_log"])
async def test_truncate_is_refused_on_the_open_graph(fresh_db: Database, table: str) -> None:
    async with fresh_db.connection() as conn:
        with pytest.raises(asyncpg.FeatureNotSupportedError, match="change log"):
            await conn.execute(f"TRUNCATE {table} CASCADE")
    assert await fresh_db.fetchval(f"SELECT count(*) FROM {table}") > 0
