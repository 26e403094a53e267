"""Garbage in arguments gives GraphQL errors with a clear message and code, never a 500;
one error shape for GraphQL and HTTP."""

from __future__ import annotations

import httpx
import pytest

from odx_graph.core.ids import encode_global_id
from tests.conftest import GraphQLClient

HOME_ID = encode_global_id("Home", 1)
HOMES_OF_A_HOME = '{ homes(filter: {landlord: ["' + HOME_ID + '"]}) { totalCount } }'


@pytest.mark.parametrize(
    ("query", "code", "field"),
    [
        ("{ homes(first: -1) { totalCount } }", "BAD_USER_INPUT", "first"),
        ("{ homes(first: 101) { totalCount } }", "BAD_USER_INPUT", "first"),
        ('{ homes(after: "garbage") { totalCount } }', "INVALID_CURSOR", "after"),
        (
            '{ homes(after: "WyJQT1NUQ09ERSIsZmFsc2UsMSwxXQ") { totalCount } }',
            "INVALID_CURSOR",
            "after",
        ),
        (
            '{ repairs(after: "WyJQT1NUQ09ERSIsZmFsc2UsIlNXMUEgMkFBIiwxXQ") { totalCount } }',
            "INVALID_CURSOR",
            "after",
        ),
        (
            '{ homes(filter: {postcode: "12 ZZ"}) { totalCount } }',
            "INVALID_POSTCODE",
            "filter.postcode",
        ),
        (
            '{ homes(filter: {landlord: ["bm9wZQ=="]}) { totalCount } }',
            "INVALID_ID",
            "filter.landlord",
        ),
        (
            HOMES_OF_A_HOME,
            "INVALID_ID",
            "filter.landlord",
        ),
        ('{ node(id: "!!!") { id } }', "INVALID_ID", "id"),
        ('{ node(id: "VW5rbm93bjox") { id } }', "INVALID_ID", "id"),
        ('{ home(uprn: "12345678901234") { id } }', "INVALID_UPRN", "uprn"),
        ('{ home(uprn: "0") { id } }', "INVALID_UPRN", "uprn"),
        ("{ home { id } }", "BAD_USER_INPUT", "home"),
        ('{ home(uprn: "1", id: "SG9tZTox") { id } }', "BAD_USER_INPUT", "home"),
        (
            '{ organisations(filter: {nameContains: ""}) { totalCount } }',
            "BAD_USER_INPUT",
            "filter.nameContains",
        ),
    ],
)
async def test_bad_arguments_name_the_problem(
    gql: GraphQLClient, query: str, code: str, field: str
) -> None:
    body = await gql(query, expect_errors=True)
    [error] = body["errors"]
    assert error["extensions"] == {"code": code, "field": field}
    assert error["message"] and "Traceback" not in error["message"]


@pytest.mark.parametrize(
    "query",
    [
        '{ homes(first: "x") { totalCount } }',
        "{ homes(first: 99999999999) { totalCount } }",
        "{ homes { nope } }",
        "{ homes(filter: {postcode: 5}) { totalCount } }",
        "{ homes(filter: {yearBuiltFrom: 1e400}) { totalCount } }",
        '{ repairs(filter: {reportedFrom: "yesterday"}) { totalCount } }',
        '{ components(filter: {installedFrom: "2024-13-45"}) { totalCount } }',
        "{ homes(orderBy: NOPE) { totalCount } }",
        "{",
    ],
)
async def test_malformed_queries_are_validation_errors(gql: GraphQLClient, query: str) -> None:
    body = await gql(query, expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


async def test_sql_looking_input_is_just_data(gql: GraphQLClient) -> None:
    body = await gql("""{ organisations(filter: {nameContains: "'; DROP TABLE home; --"}) {
        totalCount } }""")
    assert body["data"]["organisations"]["totalCount"] == 0
    refused = await gql(
        """{ homes(filter: {uprn: ["1 OR 1=1"]}) { totalCount } }""", expect_errors=True
    )
    assert refused["errors"][0]["extensions"]["code"] == "INVALID_UPRN"


async def test_like_wildcards_in_name_search_are_literal(gql: GraphQLClient) -> None:
    everything = await gql("{ organisations { totalCount } }")
    assert everything["data"]["organisations"]["totalCount"] > 0
    body = await gql('{ organisations(filter: {nameContains: "%"}) { totalCount } }')
    assert body["data"]["organisations"]["totalCount"] == 0


async def test_one_error_shape_for_http(client: httpx.AsyncClient) -> None:
    response = await client.get("/no/such/page")
    assert response.status_code == 404
    assert response.json() == {
        "errors": [{"message": "Not Found", "extensions": {"code": "NOT_FOUND"}}]
    }
    assert response.headers["x-request-id"]


async def test_mutations_are_not_accepted_over_get(client: httpx.AsyncClient) -> None:
    response = await client.get("/graphql", params={"query": "mutation { x }"})
    assert response.status_code in (400, 405)


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("{not json", "application/json"),
        ('{"variables": {}}', "application/json"),
        ("query=x", "text/plain"),
    ],
)
async def test_protocol_errors_use_the_one_error_shape(
    client: httpx.AsyncClient, body: str, content_type: str
) -> None:
    response = await client.post("/graphql", content=body, headers={"Content-Type": content_type})
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "BAD_REQUEST" and error["message"]


@pytest.mark.parametrize("body", [b'"x"', b"123", b"null", b"true", b'{"query": "\xff\xfe"}'])
async def test_bodies_that_are_not_json_objects_are_bad_requests(
    client: httpx.AsyncClient, body: bytes
) -> None:
    response = await client.post(
        "/graphql", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400, response.text
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


@pytest.mark.parametrize("uprn", ["abc", "1234567890123", "\u0661\u0662\u0663", "0"])
async def test_the_uprn_filter_checks_its_values(client: httpx.AsyncClient, uprn: str) -> None:
    query = "query($u: [String!]) { homes(filter: {uprn: $u}) { totalCount } }"
    response = await client.post("/graphql", json={"query": query, "variables": {"u": [uprn]}})
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "INVALID_UPRN", error


async def test_the_uprn_filter_finds_padded_values(client: httpx.AsyncClient) -> None:
    query = """query($u: [String!]) { homes(filter: {uprn: $u}) { nodes { uprn } } }"""
    first = await client.post(
        "/graphql",
        json={"query": "{ homes(first: 1, orderBy: UPRN, direction: DESC) { nodes { uprn } } }"},
    )
    uprn = first.json()["data"]["homes"]["nodes"][0]["uprn"]
    found = await client.post("/graphql", json={"query": query, "variables": {"u": [f" {uprn} "]}})
    assert found.json()["data"]["homes"]["nodes"] == [{"uprn": uprn}]
