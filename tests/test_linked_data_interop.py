"""The open dump read by independent tools: SPARQL in Oxigraph answers as GraphQL does, and
a standard JSON-LD processor expands what the server writes."""

from __future__ import annotations

import gzip
import json

import httpx
import pyoxigraph
from pyld import jsonld

from tests.conftest import GraphQLClient

ODX = "https://w3id.org/odx/def#"


async def _store(client: httpx.AsyncClient) -> pyoxigraph.Store:
    store = pyoxigraph.Store()
    data = gzip.decompress((await client.get("/dump.nt.gz")).content)
    store.load(data, format=pyoxigraph.RdfFormat.N_TRIPLES)
    return store


def _select(store: pyoxigraph.Store, query: str) -> list[dict[str, str]]:
    results = store.query(f"PREFIX odx: <{ODX}>\n{query}")
    return [{v.value: s[v].value for v in results.variables if s[v] is not None} for s in results]


async def test_sparql_and_graphql_agree(client: httpx.AsyncClient, gql: GraphQLClient) -> None:
    store = await _store(client)
    by_district = _select(
        store,
        """SELECT ?district (COUNT(?h) AS ?n) WHERE {
        ?h a odx:Home ; odx:postcodeDistrict ?district } GROUP BY ?district""",
    )
    assert by_district
    for row in by_district:
        body = await gql(
            "query($d: String!) { homes(filter: {postcode: $d}) { totalCount } }",
            {"d": row["district"]},
        )
        assert body["data"]["homes"]["totalCount"] == int(row["n"])

    open_jobs = _select(
        store,
        """SELECT ?name (COUNT(?r) AS ?n) WHERE {
        ?r a odx:Repair ; odx:contractor ?c ; odx:status ?s .
        ?c odx:name ?name .
        FILTER(?s IN (<https://w3id.org/odx/code/repair-status/reported>,
                      <https://w3id.org/odx/code/repair-status/estimating>,
                      <https://w3id.org/odx/code/repair-status/pending-approval>,
                      <https://w3id.org/odx/code/repair-status/scheduled>,
                      <https://w3id.org/odx/code/repair-status/in-progress>,
                      <https://w3id.org/odx/code/repair-status/hold>)) } GROUP BY ?name""",
    )
    body = await gql("""{ organisations(filter: {kind: ["contractor"]}) { nodes { name
        jobs(filter: {open: true}) { totalCount } } } }""")
    from_graphql = {
        o["name"]: o["jobs"]["totalCount"]
        for o in body["data"]["organisations"]["nodes"]
        if o["jobs"]["totalCount"]
    }
    assert from_graphql == {row["name"]: int(row["n"]) for row in open_jobs}

    [line] = _select(
        store,
        """SELECT (COUNT(?l) AS ?n) (SUM(?c) AS ?total) WHERE {
        ?r odx:hasLine ?l . ?l odx:cost ?c }""",
    )
    assert int(line["n"]) > 0


async def test_json_ld_expands_with_a_standard_processor(client: httpx.AsyncClient) -> None:
    dump = json.loads(gzip.decompress((await client.get("/dump.jsonld.gz")).content))
    expanded = jsonld.expand(dump)
    homes = [n for n in expanded if f"{ODX}Home" in n.get("@type", [])]
    assert homes and all(n["@id"].startswith("http://odx.test/id/home/") for n in homes)
    some_home = homes[0]["@id"][len("http://odx.test") :]
    described = (await client.get(some_home, headers={"Accept": "application/ld+json"})).json()
    [node] = [n for n in jsonld.expand(described) if n["@id"] == homes[0]["@id"] and "@type" in n]
    assert node[f"{ODX}postcode"][0]["@value"]
