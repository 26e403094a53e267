"""GraphQL as JSON-LD: ``Accept: application/ld+json`` on ``/graphql`` gives exactly the
dump's statements about the things a response names, whatever the query selects; and a
response read with ``/context.jsonld`` gives the dump's literals too."""

from __future__ import annotations

import httpx
import pytest
from pyld import jsonld
from rdflib import RDF
from rdflib import Graph
from rdflib import URIRef

from odx_graph.api.json_ld import wants_json_ld
from odx_graph.core.vocab import ODX
from odx_graph.mapping import MAPPING
from odx_graph.services.linked_data.rdf import canonical_double
from odx_graph.services.linked_data.rdf import literal
from odx_graph.store.db import Database

BASE = "http://odx.test"
LD = {"Accept": "application/ld+json"}

# Aliases, a named fragment on an interface, an inline fragment, no __typename, a home's
# repairs (a list no served graph states), each repair's home, codes, lines, references.
QUERY = """
query Homes($n: Int!) {
  homes(first: $n) {
    totalCount
    nodes {
      where: iri
      ...Place
      lat: latitude
      longitude
      landlord { id name }
      references { iri value allocatedBy { iri } }
      repairs(first: 5) {
        pageInfo { hasNextPage }
        nodes {
          iri
          reportedAt
          cost
          priority { iri label }
          home { iri }
          lines { iri quantity unitCost }
          ... on Repair { completedAt }
        }
      }
    }
  }
}
fragment Place on Node { ... on Home { postcode yearBuilt propertyType { code } } }
"""


@pytest.fixture(scope="module")
async def dump(client: httpx.AsyncClient) -> Graph:
    return Graph().parse(data=(await client.get("/dump.nt")).content, format="nt")


def _uses(graph: Graph, name: str) -> bool:
    return next(graph.triples((None, URIRef(ODX + name), None)), None) is not None


def _restricted(dump: Graph, graph: Graph) -> Graph:
    """The dump's triples about the answer's subjects, with the answer's predicates."""
    pairs = {(s, p) for s, p, _ in graph}
    out = Graph()
    for s, p in pairs:
        for o in dump.objects(s, p):
            out.add((s, p, o))
    return out


async def test_a_response_as_json_ld_is_the_dump_about_what_it_names(
    client: httpx.AsyncClient, dump: Graph, seeded_db: Database
) -> None:
    body = {"query": QUERY, "variables": {"n": 6}, "operationName": "Homes"}
    response = await client.post("/graphql", json=body, headers=LD)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/ld+json"
    graph = Graph().parse(data=response.content, format="json-ld")
    extra = set(graph) - set(dump)
    assert not extra, sorted(extra)[:5]
    assert set(graph) == set(_restricted(dump, graph))
    homes = set(graph.subjects(RDF.type, URIRef(ODX + "Home")))
    assert len(homes) == 6
    repairs = set(graph.subjects(RDF.type, URIRef(ODX + "Repair")))
    lines = set(graph.subjects(RDF.type, URIRef(ODX + "RepairLine")))
    assert repairs and lines and _uses(graph, "hasLine")
    for predicate in ("latitude", "forHome", "priority", "hasReference", "propertyType", "cost"):
        assert _uses(graph, predicate), predicate
    # The home's repairs are no statement in any served graph, so none here.
    assert not _uses(graph, "hasRepair")
    # The same query as JSON names the same things.
    plain = (await client.post("/graphql", json=body)).json()["data"]["homes"]["nodes"]
    assert {URIRef(h["where"]) for h in plain} == homes


async def test_things_named_by_global_id_alone(client: httpx.AsyncClient, dump: Graph) -> None:
    node_id = (
        await client.post("/graphql", json={"query": "{ repairs(first: 1) { nodes { id } } }"})
    ).json()["data"]["repairs"]["nodes"][0]["id"]
    query = (
        f'{{ node(id: "{node_id}") {{ id ... on Repair {{ reportedAt cost home {{ id }} }} }} }}'
    )
    response = await client.post("/graphql", json={"query": query}, headers=LD)
    graph = Graph().parse(data=response.content, format="json-ld")
    assert _uses(graph, "forHome") and _uses(graph, "reportedAt")
    assert not set(graph) - set(dump)
    assert set(graph) == set(_restricted(dump, graph))


async def test_get_and_errors(client: httpx.AsyncClient, dump: Graph) -> None:
    response = await client.get(
        "/graphql", params={"query": "{ homes(first: 2) { nodes { iri town } } }"}, headers=LD
    )
    assert response.headers["content-type"] == "application/ld+json"
    graph = Graph().parse(data=response.content, format="json-ld")
    assert len(set(graph.subjects(RDF.type, URIRef(ODX + "Home")))) == 2
    assert not set(graph) - set(dump)
    bad = await client.post("/graphql", json={"query": "{ homes { nope } }"}, headers=LD)
    assert bad.headers["content-type"].startswith("application/json")
    assert bad.json()["errors"]


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("application/ld+json", True),
        ("application/json", False),
        ("application/json, application/ld+json", False),  # a tie goes to JSON
        ("application/json;q=0.9, application/ld+json", True),
        ("application/ld+json;q=0", False),
        ("application/ld+json;q=0.5, application/graphql-response+json;q=0.5", False),
        ("", False),
    ],
)
def test_who_wants_json_ld(accept: str, expected: bool) -> None:
    assert wants_json_ld(accept) is expected


async def test_the_context_route_gives_the_dumps_literals(
    client: httpx.AsyncClient, dump: Graph
) -> None:
    context = (await client.get("/context.jsonld")).json()
    query = "{ homes(first: 5) { nodes { __typename iri latitude longitude yearBuilt } } }"
    body = (await client.post("/graphql", json={"query": query})).json()
    homes = body["data"]["homes"]["nodes"]
    assert any(h["latitude"] is not None for h in homes)
    # A whole number is a JSON integer: the context still makes it an xsd:double.
    homes[0]["latitude"] = 52
    nquads = jsonld.to_rdf({**context, **body}, {"format": "application/n-quads"})
    graph = Graph().parse(data=nquads, format="nt")
    field = MAPPING["Home"].field("latitude")
    first = URIRef(homes[0]["iri"])
    assert graph.value(first, URIRef(ODX + "latitude")) == literal(field, 52.0)
    for home in homes[1:]:
        subject = URIRef(home["iri"])
        for name in ("latitude", "longitude", "yearBuilt"):
            assert set(graph.objects(subject, URIRef(ODX + name))) == set(
                dump.objects(subject, URIRef(ODX + name))
            ), name


@pytest.mark.parametrize(
    ("value", "lexical"),
    [
        (51.5, "5.15E1"),
        (-0.1276, "-1.276E-1"),
        (52.0, "5.2E1"),
        (0.0, "0.0E0"),
        (1e21, "1.0E21"),
        (0.30000000000000004, "3.0000000000000004E-1"),  # every digit kept
    ],
)
def test_canonical_double(value: float, lexical: str) -> None:
    assert canonical_double(value) == lexical
    assert float(lexical) == value
    # As a JSON-LD processor writes the JSON number.
    doc = {"@context": {"v": {"@id": "http://x/v", "@type": "xsd:double"},
                        "xsd": "http://www.w3.org/2001/XMLSchema#"},
           "@id": "http://x/a", "v": value}  # fmt: skip
    if abs(value) < 1e17 and value != 0.30000000000000004:
        assert f'"{lexical}"' in jsonld.to_rdf(doc, {"format": "application/n-quads"})
