"""Regression tests for defects found in review: abuse limits, odd input, IRI safety,
load-shedding under cancellation, label cardinality, negotiation."""

from __future__ import annotations

import asyncio
import base64
import json

import httpx
import pytest

from odx_graph.core.ids import encode_global_id
from odx_graph.services.linked_data.rdf_formats import RdfFormat
from odx_graph.services.linked_data.rdf_formats import negotiate
from odx_graph.web.middleware import ConcurrencyLimitMiddleware
from tests.conftest import GraphQLClient


async def test_a_query_that_would_return_too_much_is_refused(gql: GraphQLClient) -> None:
    body = await gql(
        """{ repairs(first: 100) { nodes { home { repairs(first: 100) { nodes {
        home { repairs(first: 100) { nodes { iri } } } } } } } } }""",
        expect_errors=True,
    )
    assert body["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert body["data"] is None
    body = await gql(
        "query($n: Int) { homes(first: $n) { nodes { components(first: 100) {"
        " nodes { iri } } repairs(first: 100) { nodes { lines { sorCode } } } } } }",
        {"n": 100},
        expect_errors=True,
    )
    assert body["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    fine = await gql("""{ homes(first: 100) { nodes { repairs(first: 3) { nodes {
        lines { sorCode } contractor { name } } } } } }""")
    assert len(fine["data"]["homes"]["nodes"]) == 100


async def test_depth_and_alias_limits(gql: GraphQLClient) -> None:
    aliases = " ".join(f"a{i}: priorities {{ code }}" for i in range(40))
    body = await gql("{ " + aliases + " }", expect_errors=True)
    assert body["errors"]
    deep = "{ repairs(first: 1) { nodes { " + "home { repairs(first: 1) { nodes { " * 7
    deep += "iri" + " } } }" * 7 + " } } }"
    body = await gql(deep, expect_errors=True)
    assert body["errors"]


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        ("query($f: Int) { homes(first: $f) { totalCount } }", {"f": "x"}),
        (
            "query($d: DateTime) { repairs(filter: {reportedFrom: $d}) { totalCount } }",
            {"d": "yesterday"},
        ),
        ("query($o: HomeOrderField) { homes(orderBy: $o) { totalCount } }", {"o": "NOPE"}),
        ("query($f: HomeFilter) { homes(filter: $f) { totalCount } }", {"f": {"nope": 1}}),
        ("query($f: Int) { homes(first: $f) { totalCount } }", {"f": 2**40}),
    ],
)
async def test_badly_typed_variables_are_request_errors(
    gql: GraphQLClient, query: str, variables: dict[str, object]
) -> None:
    body = await gql(query, variables, expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "Internal server error" not in body["errors"][0]["message"]


@pytest.mark.parametrize(
    "path", ["/id/home/%C2%B2", "/id/home/uprn/%C2%B2", "/id/home/0001", "/id/home/%D9%A1"]
)
async def test_odd_digits_and_leading_zeros_are_not_found(
    client: httpx.AsyncClient, path: str
) -> None:
    response = await client.get(path)
    assert response.status_code == 404


async def test_odd_ids_and_cursors(gql: GraphQLClient) -> None:
    for raw in ("Home:²", "Home:١٢", "Home:007"):
        gid = base64.b64encode(raw.encode()).decode()
        body = await gql(
            "query($id: ID!) { node(id: $id) { id } }", {"id": gid}, expect_errors=True
        )
        assert body["errors"][0]["extensions"]["code"] == "INVALID_ID"
    deep = base64.urlsafe_b64encode(b"[" * 100_000).decode()
    body = await gql(
        "query($a: String) { homes(after: $a) { totalCount } }", {"a": deep}, expect_errors=True
    )
    assert body["errors"][0]["extensions"]["code"] == "INVALID_CURSOR"
    snan = base64.urlsafe_b64encode(json.dumps(["COST", False, "sNaN", 1]).encode()).decode()
    body = await gql(
        """query($a: String) { homes(first: 1) { nodes {
        repairs(orderBy: COST, direction: ASC, after: $a) { totalCount } } } }""",
        {"a": snan},
        expect_errors=True,
    )
    assert body["errors"][0]["extensions"]["code"] == "INVALID_CURSOR"


async def test_deeply_nested_json_body_is_a_bad_request(client: httpx.AsyncClient) -> None:
    body = '{"query": "{ __typename }", "variables": {"x": ' + "[" * 50_000 + "]" * 50_000 + "}}"
    response = await client.post(
        "/graphql", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400


async def test_filter_bounds(gql: GraphQLClient) -> None:
    body = await gql(
        "{ components(filter: {ageMinYears: 2147483647}) { totalCount } }", expect_errors=True
    )
    assert body["errors"][0]["extensions"] == {
        "code": "BAD_USER_INPUT",
        "field": "filter.ageMinYears",
    }


async def test_custom_sor_codes_cannot_break_rdf(fresh_db: object) -> None:
    from rdflib import Graph
    from rdflib import URIRef

    from odx_graph.core.config import Settings
    from odx_graph.web.app import create_app

    db = fresh_db
    await db.execute(  # type: ignore[attr-defined]
        "UPDATE repair_line SET sor_code = $1 WHERE id = (SELECT min(id) FROM repair_line)",
        'X> .\n<http://evil.example/s> <http://evil.example/p> <http://evil.example/o "',
    )
    repair = await db.fetchval(  # type: ignore[attr-defined]
        "SELECT repair_id FROM repair_line WHERE id = (SELECT min(id) FROM repair_line)"
    )
    app = create_app(Settings.from_env({}, base_iri="http://odx.test"), database=db)  # type: ignore[arg-type]
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://odx.test"
    ) as http:
        for path, parser in (
            ("/dump.nt", "nt"),
            ("/dump.ttl", "turtle"),
            (f"/id/repair/{repair}?format=nt", "nt"),
            (f"/id/repair/{repair}?format=ttl", "turtle"),
        ):
            response = await http.get(path)
            assert response.status_code == 200, path
            graph = Graph().parse(data=response.content, format=parser)
            iris = {str(t) for triple in graph for t in triple if isinstance(t, URIRef)}
            assert not any(iri.startswith("http://evil.example") for iri in iris), path
            # The code survives as the line's literal sorCode; no SOR item is claimed.
            assert not any("/code/sor/X" in iri for iri in iris), path


async def test_a_cancelled_queued_request_does_not_leak_a_slot() -> None:
    release = asyncio.Event()

    async def app(scope: object, receive: object, send: object) -> None:
        await release.wait()

    limiter = ConcurrencyLimitMiddleware(app, max_concurrent=1, max_queued=5, queue_timeout=5)
    scope = {"type": "http", "path": "/x"}
    first = asyncio.create_task(limiter(scope, None, None))  # type: ignore[arg-type]
    await asyncio.sleep(0.05)
    queued = asyncio.create_task(limiter(scope, None, None))  # type: ignore[arg-type]
    await asyncio.sleep(0.05)
    queued.cancel()
    release.set()
    await first
    await asyncio.sleep(0.05)
    assert not limiter.slots.locked() and limiter.waiting == 0


async def test_operation_name_labels_are_bounded(client: httpx.AsyncClient) -> None:
    for i in range(5):
        await client.post("/graphql", json={"query": f"query x{'9' * 80}{i} {{ __typename }}"})
    text = (await client.get("/metrics")).text
    assert 'operation="other"' in text and "9" * 80 not in text


def test_q_zero_refuses_a_type_even_under_a_wildcard() -> None:
    assert negotiate("text/turtle;q=0, */*;q=0.5") is RdfFormat.JSONLD
    assert negotiate("text/turtle;q=nan") is None


async def test_nodes_are_fetched_in_one_batch(gql: GraphQLClient, seeded_db: object) -> None:
    sent: list[str] = []
    seeded_db.add_listener(sent.append)  # type: ignore[attr-defined]
    try:
        ids = [encode_global_id("Home", i) for i in range(1, 51)]
        body = await gql("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": ids})
    finally:
        seeded_db.remove_listener(sent.append)  # type: ignore[attr-defined]
    assert len(body["data"]["nodes"]) == 50 and len(sent) == 1
