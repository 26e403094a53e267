"""Dereferenceable IRIs, content negotiation, the ontology, the JSON-LD context, dumps."""

from __future__ import annotations

import gzip
import json

import httpx
import pytest
from rdflib import RDF
from rdflib import Graph
from rdflib import Literal
from rdflib import URIRef
from rdflib.namespace import XSD

from odx_graph.core.vocab import ODX
from odx_graph.mapping import MAPPING
from odx_graph.services.linked_data.rdf_formats import RdfFormat
from odx_graph.services.linked_data.rdf_formats import negotiate
from odx_graph.store.db import Database

BASE = "http://odx.test"
PARSERS = {"text/turtle": "turtle", "application/n-triples": "nt", "application/ld+json": "json-ld"}


async def _some(db: Database, sql: str) -> int:
    key = await db.fetchval(sql)
    assert key is not None
    return int(key)


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, RdfFormat.TURTLE),
        ("*/*", RdfFormat.TURTLE),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", RdfFormat.HTML),
        ("application/ld+json", RdfFormat.JSONLD),
        ("application/json", RdfFormat.JSONLD),
        ("application/n-triples", RdfFormat.NTRIPLES),
        ("text/turtle;q=0.5, text/html;q=0.4", RdfFormat.TURTLE),
        ("text/*", RdfFormat.TURTLE),
        ("image/png", None),
        ("text/html;q=0", None),
    ],
)
def test_negotiation(accept: str | None, expected: RdfFormat | None) -> None:
    assert negotiate(accept) is expected


@pytest.mark.parametrize("accept", list(PARSERS))
async def test_a_repair_dereferences_in_every_rdf_format(
    client: httpx.AsyncClient, seeded_db: Database, accept: str
) -> None:
    key = await _some(
        seeded_db,
        "SELECT id FROM repair WHERE contractor_id IS NOT NULL "
        "AND description IS NOT NULL ORDER BY id LIMIT 1",
    )
    response = await client.get(f"/id/repair/{key}", headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(accept)
    assert response.headers["vary"] == "Accept" and response.headers["etag"]
    assert 'rel="describedby"' in response.headers["link"]
    graph = Graph().parse(data=response.text, format=PARSERS[accept])
    subject = URIRef(f"{BASE}/id/repair/{key}")
    assert (subject, RDF.type, URIRef(ODX + "Repair")) in graph
    row = await seeded_db.fetchrow("SELECT home_id, priority_code FROM repair WHERE id = $1", key)
    assert (subject, URIRef(ODX + "forHome"), URIRef(f"{BASE}/id/home/{row['home_id']}")) in graph
    assert (
        subject,
        URIRef(ODX + "priority"),
        URIRef(f"https://w3id.org/odx/code/priority/{row['priority_code']}"),
    ) in graph
    lines = await seeded_db.fetchval("SELECT count(*) FROM repair_line WHERE repair_id = $1", key)
    assert len(list(graph.objects(subject, URIRef(ODX + "hasLine")))) == lines
    # Free text is never published.
    assert not list(graph.objects(None, URIRef(ODX + "description")))
    assert not list(graph.objects(None, URIRef(ODX + "note")))


async def test_html_page_links_related_things(
    client: httpx.AsyncClient, seeded_db: Database
) -> None:
    key = await _some(seeded_db, "SELECT home_id FROM repair ORDER BY id LIMIT 1")
    response = await client.get(f"/id/home/{key}", headers={"Accept": "text/html,*/*;q=0.8"})
    assert response.status_code == 200 and "text/html" in response.headers["content-type"]
    assert 'href="/id/repair/' in response.text and 'href="/id/organisation/' in response.text
    assert "?format=ttl" in response.text


async def test_format_override_and_etag(client: httpx.AsyncClient, seeded_db: Database) -> None:
    key = await _some(seeded_db, "SELECT id FROM home ORDER BY id LIMIT 1")
    response = await client.get(f"/id/home/{key}?format=nt", headers={"Accept": "text/html"})
    assert response.headers["content-type"].startswith("application/n-triples")
    again = await client.get(
        f"/id/home/{key}?format=nt", headers={"If-None-Match": response.headers["etag"]}
    )
    assert again.status_code == 304
    bad = await client.get(f"/id/home/{key}?format=rdfxml")
    assert bad.status_code == 406


async def test_unknown_and_unacceptable(client: httpx.AsyncClient) -> None:
    for path in ("/id/home/999999999", "/id/unicorn/1", "/id/home/abc"):
        response = await client.get(path)
        assert response.status_code == 404
        assert response.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    response = await client.get("/id/home/1", headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert "text/turtle" in response.json()["errors"][0]["message"]


async def test_uprn_iri_redirects_to_the_home(
    client: httpx.AsyncClient, seeded_db: Database
) -> None:
    row = await seeded_db.fetchrow("SELECT id, uprn FROM home WHERE uprn IS NOT NULL LIMIT 1")
    response = await client.get(f"/id/home/uprn/{row['uprn']}?format=ttl")
    assert response.status_code == 303
    assert response.headers["location"] == f"/id/home/{row['id']}?format=ttl"
    assert (await client.get("/id/home/uprn/999999999999")).status_code == 404
    assert (await client.get("/id/home/uprn/12ab")).status_code == 404


@pytest.mark.parametrize(
    ("fmt", "parser"), [("ttl", "turtle"), ("jsonld", "json-ld"), ("nt", "nt")]
)
async def test_ontology_is_served(client: httpx.AsyncClient, fmt: str, parser: str) -> None:
    response = await client.get(f"/ontology?format={fmt}")
    graph = Graph().parse(data=response.text, format=parser)
    assert (URIRef(ODX + "Home"), RDF.type, URIRef("http://www.w3.org/2002/07/owl#Class")) in graph


@pytest.mark.parametrize(
    ("fmt", "parser"), [("ttl", "turtle"), ("jsonld", "json-ld"), ("nt", "nt")]
)
async def test_the_shapes_are_served_where_the_dataset_says(
    client: httpx.AsyncClient, fmt: str, parser: str
) -> None:
    # VoID names the shapes graph; following it gives ontology/shapes.ttl in each format.
    void = Graph().parse(data=(await client.get("/.well-known/void")).text, format="turtle")
    (link,) = set(void.objects(None, URIRef("http://www.w3.org/ns/shacl#shapesGraph")))
    assert (None, URIRef("http://purl.org/dc/terms/conformsTo"), link) in void
    path = str(link).removeprefix("http://odx.test")
    assert path == "/shapes"
    response = await client.get(f"{path}?format={fmt}")
    assert response.status_code == 200
    assert response.headers["ETag"]
    served = Graph().parse(data=response.text, format=parser)
    from odx_graph.services.refdata import load_shapes

    # The shapes the server checks imports and dumps with: the file's and those of
    # mapped fields it lacks.
    assert len(served) == len(load_shapes()) > 100
    shape = URIRef("https://w3id.org/odx/shapes#HomeShape")
    assert (shape, URIRef("http://www.w3.org/ns/shacl#targetClass"), URIRef(ODX + "Home")) in served
    again = await client.get(
        f"{path}?format={fmt}", headers={"If-None-Match": response.headers["ETag"]}
    )
    assert again.status_code == 304
    assert (await client.get(path, headers={"Accept": "text/html"})).status_code == 406


async def test_the_shapes_served_include_those_of_fields_the_file_lacks(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A field added to the mapping alone is shaped from it and checked on import: the
    # shapes served must say so too, in every format.
    from odx_graph.core.vocab import ontology_dir
    from odx_graph.services.linked_data import declarations
    from odx_graph.web import resources

    extra = (URIRef(ODX + "ExampleShape"), RDF.type, URIRef("http://www.w3.org/ns/shacl#NodeShape"))

    def with_extra(shapes: Graph) -> Graph:
        added = Graph()
        added.add(extra)
        return added

    monkeypatch.setattr(declarations, "unshaped_fields", with_extra)
    # What the server checks with, made again with the field shapes as they now are.
    file = ontology_dir() / "shapes.ttl"
    monkeypatch.setattr(
        resources, "load_shapes", lambda: declarations.with_field_shapes(Graph().parse(file))
    )
    resources._shapes_body.cache_clear()
    try:
        for fmt, parser in (("ttl", "turtle"), ("nt", "nt"), ("jsonld", "json-ld")):
            response = await client.get(f"/shapes?format={fmt}")
            assert extra in Graph().parse(data=response.text, format=parser), fmt
    finally:
        resources._shapes_body.cache_clear()


async def test_ontology_reference_page(client: httpx.AsyncClient) -> None:
    response = await client.get("/ontology", headers={"Accept": "text/html"})
    assert response.status_code == 200
    for text in ("Classes", "Object properties", "Code lists", "odx:Home", "Emergency", "bot:Zone"):
        assert text in response.text


async def test_graphql_response_plus_context_reads_as_json_ld(
    client: httpx.AsyncClient, seeded_db: Database
) -> None:
    context = (await client.get("/context.jsonld")).json()
    body = (
        await client.post(
            "/graphql",
            json={
                "query": """{ homes(first: 3) { nodes {
        __typename iri uprn postcode yearBuilt localAuthorityCode landlord { iri name }
        references { iri value }
        repairs(first: 2) { nodes { __typename iri reportedAt cost priority { iri label } } }
    } } }"""
            },
        )
    ).json()
    graph = Graph().parse(data=json.dumps({**context, **body}), format="json-ld")
    # Every statement about a thing matches what its IRI says about it.
    homes = body["data"]["homes"]["nodes"]
    for home in homes:
        subject = URIRef(home["iri"])
        described = Graph().parse(
            data=(await client.get(home["iri"][len(BASE) :] + "?format=nt")).text, format="nt"
        )
        assert (subject, RDF.type, URIRef(ODX + "Home")) in graph
        for p, o in graph.predicate_objects(subject):
            if str(p).startswith(ODX) and p != URIRef(ODX + "hasRepair"):
                assert (subject, p, o) in described, (p, o)
        for repair in home["repairs"]["nodes"]:
            r = URIRef(repair["iri"])
            assert (
                r,
                URIRef(ODX + "reportedAt"),
                Literal(repair["reportedAt"], datatype=XSD.dateTime),
            ) in graph
            assert (r, RDF.type, URIRef(ODX + "Repair")) in graph


async def test_dumps_stream_every_node(client: httpx.AsyncClient, seeded_db: Database) -> None:
    homes = await seeded_db.fetchval("SELECT count(*) FROM home")
    for name, parser in (("nt.gz", "nt"), ("ttl", "turtle"), ("jsonld.gz", "json-ld")):
        response = await client.get(f"/dump.{name}")
        assert response.status_code == 200
        data = gzip.decompress(response.content) if name.endswith(".gz") else response.content
        graph = Graph().parse(data=data, format=parser)
        assert len(set(graph.subjects(RDF.type, URIRef(ODX + "Home")))) == homes
        assert not list(graph.objects(None, URIRef(ODX + "description")))
    void = Graph().parse(data=(await client.get("/.well-known/void")).text, format="turtle")
    triples = next(void.objects(None, URIRef("http://rdfs.org/ns/void#triples")))
    nt = gzip.decompress((await client.get("/dump.nt.gz")).content).decode()
    assert int(triples) == len([line for line in nt.splitlines() if line.strip()])


async def test_every_kind_of_iri_in_the_dump_dereferences(client: httpx.AsyncClient) -> None:
    dump = Graph().parse(data=(await client.get("/dump.nt")).content, format="nt")
    seen: dict[str, URIRef] = {}
    for subject in dump.subjects(RDF.type, None):
        if not str(subject).startswith(BASE):
            continue  # code lists and concepts: tests/test_code_lists.py
        segment = str(subject)[len(BASE) + len("/id/") :].split("/")[0]
        seen.setdefault(segment, URIRef(subject))
    assert set(seen) == {e.iri_segment for e in MAPPING.nodes}
    for iri in seen.values():
        path = str(iri)[len(BASE) :]
        for accept, parser in [*PARSERS.items(), ("text/html", None)]:
            response = await client.get(path, headers={"Accept": accept})
            assert response.status_code == 200, (path, accept)
            if parser:
                described = Graph().parse(data=response.text, format=parser)
                assert set(dump.predicate_objects(iri)) <= set(described.predicate_objects(iri))
