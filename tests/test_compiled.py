"""The compiled path answers byte for byte as the resolver path, in one SQL statement, and
hands over to the resolver path whatever it does not compile (errors included)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import AsyncIterator
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from odx_graph.api.compiled.view import CompiledGraphQL
from odx_graph.api.compiled.view import install
from odx_graph.core.config import Settings
from odx_graph.store.db import Database

HOME_FIELDS = """
  __typename id iri uprn addressLine1 addressLine2 town postcode postcodeArea
  postcodeDistrict postcodeSector localAuthorityCode latitude longitude bedrooms floorLevel
  yearBuilt failsDisrepairCriterion
"""

NESTED = f"""query Nested($first: Int!, $district: String!) {{
  homes(first: $first, filter: {{postcode: $district}}) {{
    totalCount
    pageInfo {{ hasNextPage hasPreviousPage startCursor endCursor }}
    edges {{ cursor node {{
      {HOME_FIELDS}
      landlord {{ name kind {{ code label }} trades {{ code }} }}
      building {{ name storeys components(first: 2) {{ totalCount nodes {{ make }} }} }}
      propertyType {{ label }} builtForm {{ code }}
      references {{ value description allocatedBy {{ name }} }}
      components(first: 10) {{ totalCount nodes {{
        installDate make model lastServicedDate expectedLifetime ageInYears remainingLifetime
        isPastLifetime componentType {{ label isKeyComponent lifetimeHouse }}
        condition {{ label }}
        repairs(first: 3) {{ nodes {{ reportedAt cost contractor {{ name registrationNumber }} }} }}
      }} }}
      repairs(first: 3) {{ totalCount nodes {{
        id description reportedAt raisedAt targetAt completedAt cost
        contractor {{ name postcodeDistrictsServed website }}
        priority {{ label responseHours isEmergency }} status {{ label isOpen }}
        lines {{ lineNumber sorCode quantity unitCost cost sorItem {{ code schedules }} }}
        statusHistory {{ occurredAt note status {{ code }} }}
      }} }}
    }} }}
  }}
}}"""

CORPUS: list[tuple[str, dict[str, Any]]] = [
    (NESTED, {"first": 5, "district": "E1"}),
    ("{ __typename homes(first: 3) { __typename nodes { uprn } } }", {}),
    (
        """fragment H on Home { uprn postcode ...L }
        fragment L on Home { landlord { ...O } }
        fragment O on Organisation { name kind { label } }
        query { homes(first: 4) { nodes { ...H ... on Home { town } } } }""",
        {},
    ),
    (
        """query($skip: Boolean!, $inc: Boolean!) {
          a: homes(first: 2) { nodes {
            uprn x: postcode @skip(if: $skip) y: town @include(if: $inc) } }
          b: homes(first: 2, orderBy: UPRN, direction: DESC) {
            edges { cursor } nodes { uprn @include(if: $inc) id @skip(if: $inc) }
          }
        }""",
        {"skip": True, "inc": False},
    ),
    (
        """{ homes(first: 3) { nodes { uprn } nodes { postcode } n: nodes { town }
             pageInfo { endCursor } pageInfo { hasNextPage } } }""",
        {},
    ),
    ("{ organisations(first: 50) { totalCount nodes { id name website trades { label } } } }", {}),
    (
        """{ organisations(filter: {kind: ["contractor"]}, first: 5) {
          nodes { name postcodeDistrictsServed jobs(first: 4, filter: {open: true}) {
            totalCount pageInfo { hasNextPage endCursor }
            edges { cursor node { reportedAt home { postcode } status { code } } }
          } } } }""",
        {},
    ),
    ("{ repairs(first: 20, orderBy: COST) { edges { cursor node { cost } } } }", {}),
    ("{ repairs(first: 20, orderBy: TARGET_AT) { edges { cursor node { targetAt } } } }", {}),
    (
        """{ repairs(first: 10, orderBy: TARGET_AT, direction: DESC) {
             edges { cursor node { targetAt } } } }""",
        {},
    ),
    (
        "{ components(first: 15, orderBy: INSTALL_DATE) { edges { cursor node {"
        " installDate } } } }",
        {},
    ),
    ("{ buildings(first: 5) { nodes { name uprn toid homes(first: 2) { nodes { uprn } } } } }", {}),
    ("{ priorities { code label responseHours responseWorkingDays isEmergency iri } }", {}),
    ("{ repairStatuses { code isOpen } trades { code label } }", {}),
    ('{ sorCodes(first: 5, filter: {schedule: ["Responsive"]}) { nodes { code schedules } } }', {}),
    (
        """{ dampMouldCases(first: 5) { totalCount nodes { awareAt madeSafeAt
             furtherWorksRequired hazardLevel { label investigateWithinHours }
             home { uprn } } } }""",
        {},
    ),
    (
        """{ energyPerformanceCertificates(first: 5) { nodes { lmkKey issueDate expiryDate
             sapScore epcBand { code sapScoreMin } } } }""",
        {},
    ),
    (
        "{ homes(first: 0) { totalCount pageInfo { hasNextPage startCursor endCursor }"
        " nodes { uprn } } }",
        {},
    ),
    ("{ homes(first: 2) { totalCount } }", {}),
    (
        '{ homes(filter: {postcode: "ZZ9"}) { totalCount nodes { uprn } pageInfo { endCursor } } }',
        {},
    ),
    (
        '{ homes(first: 3, filter: {bedroomsMin: 2, propertyType: ["flat", "house"]}) {'
        " nodes { bedrooms } } }",
        {},
    ),
    (
        '{ repairs(first: 5, filter: {reportedFrom: "2025-01-01T00:00:00Z", unassigned:'
        " false}) { nodes { reportedAt } } }",
        {},
    ),
    # Typed codes, redaction markers and backward pages.
    ("{ priorities { code value } repairStatuses { value isOpen } }", {}),
    (
        "{ repairs(first: 5, filter: {status: [COMPLETE, IN_PROGRESS], priority: [P2, P4],"
        ' trade: ["PL"]}) { nodes { status { value } priority { value } description redacted'
        " statusHistory { note redacted } } } }",
        {},
    ),
    ("{ imports(first: 3) { nodes { fileName redacted } } }", {}),
    (
        "{ homes(last: 3, orderBy: POSTCODE) { pageInfo { hasNextPage hasPreviousPage"
        " startCursor endCursor } edges { cursor node { postcode } } } }",
        {},
    ),
    (
        "{ homes(first: 4) { nodes { repairs(last: 2) { totalCount pageInfo { hasNextPage"
        " hasPreviousPage startCursor endCursor } nodes { reportedAt } } } } }",
        {},
    ),
    ("{ homes(last: 0) { pageInfo { hasPreviousPage } nodes { id } } }", {}),
    # Code list entries joined to the rows that name them, at every kind of row source.
    (
        "{ plannedWorks(first: 5) { nodes { status { label } replacesRepairs { status"
        " { label } priority { code isEmergency } } component { componentType { code label }"
        " condition { code } } } } }",
        {},
    ),
    (
        "{ homes(first: 3) { pageInfo { hasNextPage } nodes { tenure { label } components("
        "last: 2) { edges { cursor node { componentType { label } condition { label } } } } } } }",
        {},
    ),
    ("{ estates(first: 3) { nodes { listedHomes { uprn tenure { code label } } } } }", {}),
]


def unlimited(settings: Settings, *, compiled: bool = False) -> Settings:
    """The test settings without a request rate limit (these tests send many), with the
    compiled path on or off."""
    return dataclasses.replace(settings, rate_limit_per_minute=0, compiled_queries=compiled)


@pytest.fixture(scope="module")
async def resolver(seeded_db: Database, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the app as it is: every query runs through the resolvers."""
    from odx_graph.web.app import create_app

    app = create_app(unlimited(settings), database=seeded_db)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://odx.test") as http:
        yield http


@pytest.fixture(scope="module")
async def compiled(
    seeded_db: Database, settings: Settings
) -> AsyncIterator[tuple[httpx.AsyncClient, CompiledGraphQL]]:
    """A client of an app with the compiled path installed."""
    from odx_graph.web.app import create_app

    app = create_app(unlimited(settings, compiled=True), database=seeded_db)
    wrapper = install(app)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://odx.test") as http:
        yield http, wrapper


@pytest.fixture
def statements(seeded_db: Database) -> Iterator[list[str]]:
    sent: list[str] = []
    seeded_db.add_listener(sent.append)
    yield sent
    seeded_db.remove_listener(sent.append)


async def both(
    resolver: httpx.AsyncClient,
    compiled: httpx.AsyncClient,
    statements: list[str],
    query: str,
    variables: dict[str, Any] | None = None,
) -> tuple[bytes, int]:
    """Run ``query`` on both paths; return the (identical) body and the compiled path's
    statement count."""
    payload = {"query": query, "variables": variables or {}}
    expected = await resolver.post("/graphql", json=payload)
    statements.clear()
    got = await compiled.post("/graphql", json=payload)
    assert expected.status_code == 200, expected.text
    assert got.status_code == expected.status_code
    assert got.headers["content-type"] == expected.headers["content-type"]
    assert got.content == expected.content, (query, variables)
    return got.content, len(statements)


@pytest.mark.parametrize(("query", "variables"), CORPUS)
async def test_corpus_is_byte_identical_in_one_statement(
    resolver: httpx.AsyncClient,
    compiled: tuple[httpx.AsyncClient, CompiledGraphQL],
    statements: list[str],
    query: str,
    variables: dict[str, Any],
) -> None:
    body, count = await both(resolver, compiled[0], statements, query, variables)
    assert b'"errors"' not in body
    assert count == 1


async def test_statement_count_does_not_grow_with_the_page(
    resolver: httpx.AsyncClient,
    compiled: tuple[httpx.AsyncClient, CompiledGraphQL],
    statements: list[str],
) -> None:
    # 90 homes keeps the nested query under the cost budget.
    for first in (1, 10, 90):
        variables = {"first": first, "district": "E"}
        body, count = await both(resolver, compiled[0], statements, NESTED, variables)
        assert b'"errors"' not in body
        homes = json.loads(body)["data"]["homes"]
        assert len(homes["edges"]) == min(first, homes["totalCount"])
        assert count == 1


async def data(http: httpx.AsyncClient, query: str, variables: dict[str, Any] | None = None) -> Any:
    response = await http.post("/graphql", json={"query": query, "variables": variables or {}})
    body = response.json()
    assert "errors" not in body, body
    return body["data"]


PAGE = """query($first: Int, $after: String, $order: HomeOrderField, $dir: SortDirection,
  $filter: HomeFilter, $last: Int, $before: String) {
  homes(first: $first, after: $after, orderBy: $order, direction: $dir, filter: $filter,
        last: $last, before: $before) {
    totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { uprn postcode yearBuilt } }
  }
}"""


@pytest.mark.parametrize("order", ["POSTCODE", "UPRN", "YEAR_BUILT", "ID"])
@pytest.mark.parametrize("direction", ["ASC", "DESC"])
async def test_paging_through_every_page(
    resolver: httpx.AsyncClient,
    compiled: tuple[httpx.AsyncClient, CompiledGraphQL],
    statements: list[str],
    order: str,
    direction: str,
) -> None:
    after = None
    pages = 0
    while True:
        variables = {"first": 40, "after": after, "order": order, "dir": direction}
        body, count = await both(resolver, compiled[0], statements, PAGE, variables)
        assert count == 1
        info = json.loads(body)["data"]["homes"]["pageInfo"]
        pages += 1
        if not info["hasNextPage"]:
            break
        after = info["endCursor"]
    assert pages >= 3


BARE = """query($first: Int, $after: String, $order: HomeOrderField, $dir: SortDirection,
  $last: Int, $before: String) {
  homes(first: $first, after: $after, orderBy: $order, direction: $dir, last: $last,
        before: $before) {
    edges { cursor node { uprn postcode yearBuilt } }
    nodes { uprn repairs(last: 2) { nodes { reportedAt
      status { __typename code value } priority { code } trade { code label } } } }
  }
}"""


@pytest.mark.parametrize("order", ["POSTCODE", "YEAR_BUILT"])
@pytest.mark.parametrize("direction", ["ASC", "DESC"])
async def test_pages_without_page_info_hold_the_same_rows_either_way(
    resolver: httpx.AsyncClient,
    compiled: tuple[httpx.AsyncClient, CompiledGraphQL],
    statements: list[str],
    order: str,
    direction: str,
) -> None:
    """Asked for no page info, a page is read without numbering its rows: forward and
    backward, from the start, the end or a cursor, it holds the rows a numbered page
    holds, in the list's order (and a code asked for alone is written from its key)."""
    every = await data(compiled[0], PAGE, {"first": 100, "order": order, "dir": direction})
    edges = every["homes"]["edges"]
    middle = len(edges) // 2
    cursor = edges[middle]["cursor"]
    pages = {
        "first": ({"first": 7}, edges[:7]),
        "after": ({"first": 7, "after": cursor}, edges[middle + 1 : middle + 8]),
        "before": ({"last": 7, "before": cursor}, edges[middle - 7 : middle]),
    }
    tail = {"last": 7, "order": order, "dir": direction}
    pages["last"] = ({"last": 7}, (await data(compiled[0], PAGE, tail))["homes"]["edges"])
    for variables, want in pages.values():
        variables = {**variables, "order": order, "dir": direction}
        body, count = await both(resolver, compiled[0], statements, BARE, variables)
        assert count == 1
        got = json.loads(body)["data"]["homes"]["edges"]
        assert [e["cursor"] for e in got] == [e["cursor"] for e in want]


async def test_nested_connections_page_per_parent(
    resolver: httpx.AsyncClient,
    compiled: tuple[httpx.AsyncClient, CompiledGraphQL],
    statements: list[str],
) -> None:
    query = """query($after: String) { organisations(filter: {kind: ["contractor"]}, first: 3) {
      nodes { name jobs(first: 5, after: $after, orderBy: REPORTED_AT) {
        pageInfo { hasNextPage hasPreviousPage endCursor } nodes { reportedAt }
        edges { cursor } } } } }"""
    first = await data(compiled[0], query)
    cursor = first["organisations"]["nodes"][0]["jobs"]["pageInfo"]["endCursor"]
    assert cursor
    for after in (None, cursor):
        _, count = await both(resolver, compiled[0], statements, query, {"after": after})
        assert count == 1


async def test_filters_at_every_postcode_level(
    resolver: httpx.AsyncClient,
    compiled: tuple[httpx.AsyncClient, CompiledGraphQL],
    statements: list[str],
) -> None:
    home = (
        await data(
            resolver,
            "{ homes(first: 1) { nodes { postcode postcodeSector postcodeDistrict"
            " postcodeArea } } }",
        )
    )["homes"]["nodes"][0]
    query = """query($p: String!) {
      homes(filter: {postcode: $p}, first: 5) { totalCount nodes { postcode } }
      repairs(filter: {postcode: $p}, first: 3) { totalCount nodes { cost home { postcode } } }
      components(filter: {postcode: $p}, first: 3) { totalCount nodes { installDate } }
    }"""
    for level in ("postcodeArea", "postcodeDistrict", "postcodeSector", "postcode"):
        for value in (home[level], home[level].lower()):
            body, count = await both(resolver, compiled[0], statements, query, {"p": value})
            assert count == 1
            assert json.loads(body)["data"]["homes"]["totalCount"] > 0


async def test_node_nodes_and_home_lookups(
    resolver: httpx.AsyncClient,
    compiled: tuple[httpx.AsyncClient, CompiledGraphQL],
    statements: list[str],
) -> None:
    found = await data(
        resolver,
        """{ homes(first: 2, filter: {uprn: []}) { nodes { id } }
             h: homes(first: 3) { nodes { id uprn references { value allocatedBy { id } } } }
             repairs(first: 2) { nodes { id lines { id } } }
             organisations(first: 1) { nodes { id } } }""",
    )
    homes = found["h"]["nodes"]
    ids = [h["id"] for h in homes] + [r["id"] for r in found["repairs"]["nodes"]]
    ids.append(found["organisations"]["nodes"][0]["id"])
    selection = """__typename id ... on Home { uprn landlord { name } }
      ... on Repair { cost status { label } } ... on Organisation { name }"""
    query = f"""query($id: ID!, $ids: [ID!]!) {{ node(id: $id) {{ {selection} }}
      nodes(ids: $ids) {{ {selection} }} }}"""
    missing = "SG9tZTo5OTk5OTk5"  # Home:9999999
    for global_id in [*ids, missing]:
        _, count = await both(
            resolver, compiled[0], statements, query, {"id": global_id, "ids": [*ids, missing]}
        )
        assert count == 1
    home = homes[0]
    lookup = """query($id: ID, $uprn: String, $ref: ReferenceInput) {
      home(id: $id, uprn: $uprn, reference: $ref) { uprn postcode building { name } } }"""
    variables: list[dict[str, Any]] = [
        {"id": home["id"]},
        {"uprn": home["uprn"]},
        {"uprn": "999999999999"},
    ]
    for reference in home["references"]:
        variables.append({"ref": {"value": reference["value"]}})
        variables.append(
            {"ref": {"value": reference["value"], "allocatedBy": reference["allocatedBy"]["id"]}}
        )
    for given in variables:
        _, count = await both(resolver, compiled[0], statements, lookup, given)
        assert count == 1


ERRORS: list[tuple[str, dict[str, Any]]] = [
    ('{ homes(after: "nonsense") { nodes { uprn } } }', {}),
    ("{ homes(first: 1000) { nodes { uprn } } }", {}),
    ("{ homes(first: -1) { nodes { uprn } } }", {}),
    ('{ homes(filter: {postcode: "not a postcode"}) { nodes { uprn } } }', {}),
    ("{ homes(filter: {bedroomsMin: 99}) { nodes { uprn } } }", {}),
    ('{ homes(filter: {landlord: ["bm9wZQ=="]}) { nodes { uprn } } }', {}),
    ('{ node(id: "bad") { id } }', {}),
    ('{ node(id: "U29yQ29kZTpY") { id } }', {}),
    ('{ nodes(ids: ["SG9tZTox", "bad"]) { id } }', {}),
    ("{ home { uprn } }", {}),
    ('{ home(uprn: "12x") { uprn } }', {}),
    ("{ homes { nodes { nope } } }", {}),
    ("query($n: Int!) { homes(first: $n) { totalCount } }", {}),
    ("query($n: Int!) { homes(first: $n) { totalCount } }", {"n": "x"}),
    ("{ homes(first: 100) { nodes { repairs(first: 100) { nodes { lines { sorCode } } } } } }", {}),
    ("{ homes { nodes { uprn } } ", {}),
    ("query A { homes { totalCount } } query B { homes { totalCount } }", {}),
    ("{ __schema { queryType { name } } }", {}),
]


@pytest.mark.parametrize(("query", "variables"), ERRORS)
async def test_errors_and_uncompiled_shapes_come_from_the_resolver_path(
    resolver: httpx.AsyncClient,
    compiled: tuple[httpx.AsyncClient, CompiledGraphQL],
    statements: list[str],
    query: str,
    variables: dict[str, Any],
) -> None:
    await both(resolver, compiled[0], statements, query, variables)


async def test_cursor_of_another_ordering_is_refused_the_same_way(
    resolver: httpx.AsyncClient,
    compiled: tuple[httpx.AsyncClient, CompiledGraphQL],
    statements: list[str],
) -> None:
    page = await data(resolver, PAGE, {"first": 2, "order": "UPRN"})
    cursor = page["homes"]["pageInfo"]["endCursor"]
    body, _ = await both(resolver, compiled[0], statements, PAGE, {"first": 2, "after": cursor})
    assert json.loads(body)["errors"][0]["extensions"]["code"] == "INVALID_CURSOR"


async def test_other_requests_pass_through(
    resolver: httpx.AsyncClient, compiled: tuple[httpx.AsyncClient, CompiledGraphQL]
) -> None:
    http = compiled[0]
    for response, expected in [
        (
            await http.get("/graphql", params={"query": "{ homes(first: 1) { totalCount } }"}),
            await resolver.get("/graphql", params={"query": "{ homes(first: 1) { totalCount } }"}),
        ),
        (
            await http.post("/graphql", content=b"{", headers={"content-type": "application/json"}),
            await resolver.post(
                "/graphql", content=b"{", headers={"content-type": "application/json"}
            ),
        ),
        (
            await http.post("/graphql", json=[{"query": "{ __typename }"}]),
            await resolver.post("/graphql", json=[{"query": "{ __typename }"}]),
        ),
    ]:
        assert (response.status_code, response.content) == (expected.status_code, expected.content)


def test_the_setting_turns_the_path_off() -> None:
    from types import SimpleNamespace

    from odx_graph.api.compiled.view import compiled_path_enabled

    assert compiled_path_enabled(SimpleNamespace())
    assert not compiled_path_enabled(SimpleNamespace(compiled_queries=False))


def test_non_ascii_is_escaped_as_json_dumps_does() -> None:
    from odx_graph.api.compiled.jsontext import ascii_json

    text = json.dumps({"a": "café \x7f 😀 ☃"}, ensure_ascii=False, separators=(",", ":"))
    assert ascii_json(text) == json.dumps(json.loads(text), separators=(",", ":")).encode()


@pytest.mark.parametrize("order", ["POSTCODE", "UPRN"])
@pytest.mark.parametrize("direction", ["ASC", "DESC"])
async def test_paging_backward_through_every_page(
    resolver: httpx.AsyncClient,
    compiled: tuple[httpx.AsyncClient, CompiledGraphQL],
    statements: list[str],
    order: str,
    direction: str,
) -> None:
    before = None
    backward: list[Any] = []
    while True:
        variables = {"last": 40, "before": before, "order": order, "dir": direction}
        body, count = await both(resolver, compiled[0], statements, PAGE, variables)
        assert count == 1
        homes = json.loads(body)["data"]["homes"]
        backward = [e["node"] for e in homes["edges"]] + backward
        if not homes["pageInfo"]["hasPreviousPage"]:
            break
        assert homes["pageInfo"]["hasNextPage"] is (before is not None)
        before = homes["pageInfo"]["startCursor"]
    forward: list[Any] = []
    after = None
    while True:
        variables = {"first": 100, "after": after, "order": order, "dir": direction}
        homes = (await data(resolver, PAGE, variables))["homes"]
        forward += [e["node"] for e in homes["edges"]]
        if not homes["pageInfo"]["hasNextPage"]:
            break
        after = homes["pageInfo"]["endCursor"]
    assert backward == forward and len(forward) == homes["totalCount"]


async def test_every_key_trusted_without_a_look_up_has_a_foreign_key(
    seeded_db: Database,
) -> None:
    """A code asked for alone is written from the row's key, and RDF links to the key
    of an ``enforced`` relation without looking it up: each such key has a foreign key
    to the thing it names, and the one marked unenforced (a landlord's own SOR codes)
    has none."""
    from odx_graph.mapping import MAPPING
    from odx_graph.mapping import Cardinality

    rows = await seeded_db.fetch(
        "SELECT c.conrelid::regclass::text AS tab, a.attname AS col,"
        " c.confrelid::regclass::text || '.' || f.attname AS target"
        " FROM pg_constraint c JOIN pg_attribute a"
        " ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]"
        " JOIN pg_attribute f ON f.attrelid = c.confrelid AND f.attnum = c.confkey[1]"
        " WHERE c.contype = 'f' AND cardinality(c.conkey) = 1 AND c.convalidated"
    )
    keys = {(r["tab"], r["col"]): r["target"] for r in rows}
    trusted = unenforced = 0
    for entity in MAPPING.entities:
        for relation in entity.relations:
            if relation.cardinality is not Cardinality.ONE or relation.via is not None:
                continue
            target = MAPPING[relation.target]
            if relation.target_column != target.key or relation.source_is_array:
                continue
            found = keys.get((entity.table, relation.source_column))
            if relation.enforced:
                trusted += 1
                assert found == f"{target.table}.{target.key}", (entity.name, relation.name)
            else:
                unenforced += 1
                assert found is None, (entity.name, relation.name)
    assert trusted > 20 and unenforced >= 1
