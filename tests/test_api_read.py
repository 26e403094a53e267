"""The GraphQL read API over HTTP, checked against independent SQL on the demo data."""

from __future__ import annotations

from typing import Any

import pytest

from odx_graph.core.ids import encode_global_id
from odx_graph.store.db import Database
from tests.conftest import GraphQLClient

HOMES_BY_POSTCODE = """
query($postcode: String!, $first: Int, $after: String) {
  homes(filter: {postcode: $postcode}, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id uprn postcode } }
  }
}"""


async def _a_home(db: Database) -> Any:
    return await db.fetchrow(
        "SELECT h.id, h.uprn, h.postcode, h.postcode_district, h.postcode_sector, "
        "h.postcode_area FROM home h WHERE uprn IS NOT NULL AND EXISTS "
        "(SELECT 1 FROM repair r WHERE r.home_id = h.id AND r.contractor_id IS NOT NULL) "
        "ORDER BY id LIMIT 1"
    )


@pytest.mark.parametrize(
    "level", ["postcode_area", "postcode_district", "postcode_sector", "postcode"]
)
async def test_homes_by_postcode_at_every_level(
    gql: GraphQLClient, seeded_db: Database, level: str
) -> None:
    home = await _a_home(seeded_db)
    value = home[level]
    expected = await seeded_db.fetchval(f"SELECT count(*) FROM home WHERE {level} = $1", value)
    # Lower case and no space must work as well as the canonical form.
    for spelling in (
        value,
        value.lower().replace(" ", "") if level == "postcode" else value.lower(),
    ):
        body = await gql(HOMES_BY_POSTCODE, {"postcode": spelling, "first": 100})
        homes = body["data"]["homes"]
        assert homes["totalCount"] == expected
        assert all(e["node"]["postcode"].startswith(value.split(" ")[0]) for e in homes["edges"])


async def test_paging_walks_every_home_once_in_order(
    gql: GraphQLClient, seeded_db: Database
) -> None:
    area = (await _a_home(seeded_db))["postcode_area"]
    expected = [
        r["id"]
        for r in await seeded_db.fetch(
            "SELECT id FROM home WHERE postcode_area = $1 ORDER BY postcode, id", area
        )
    ]
    seen: list[int] = []
    after = None
    while True:
        body = await gql(HOMES_BY_POSTCODE, {"postcode": area, "first": 7, "after": after})
        page = body["data"]["homes"]
        seen += [int(_key(e["node"]["id"])) for e in page["edges"]]
        assert page["pageInfo"]["hasPreviousPage"] is (after is not None)
        if not page["pageInfo"]["hasNextPage"]:
            break
        assert page["pageInfo"]["endCursor"] == page["edges"][-1]["cursor"]
        after = page["pageInfo"]["endCursor"]
    assert seen == expected


def _key(global_id: str) -> str:
    import base64

    return base64.b64decode(global_id).decode().split(":")[1]


async def test_nested_home_with_components_repairs_and_contractors(
    gql: GraphQLClient, seeded_db: Database
) -> None:
    home = await _a_home(seeded_db)
    body = await gql(
        """query($uprn: String!) { home(uprn: $uprn) {
        id iri uprn landlord { name kind { code } }
        references { value allocatedBy { name } }
        components(first: 50) { totalCount nodes { componentType { code lifetimeHouse } } }
        repairs(first: 3) { totalCount nodes {
            reportedAt description contractor { name } status { code isOpen }
            lines { sorCode cost } statusHistory { status { code } occurredAt } } } } }""",
        {"uprn": str(home["uprn"])},
    )
    data = body["data"]["home"]
    assert data["id"] == encode_global_id("Home", home["id"])
    assert data["iri"] == f"http://odx.test/id/home/{home['id']}"
    repairs = await seeded_db.fetch(
        "SELECT r.reported_at, o.name FROM repair r LEFT JOIN organisation o "
        "ON o.id = r.contractor_id WHERE r.home_id = $1 ORDER BY r.reported_at DESC, r.id DESC",
        home["id"],
    )
    assert data["repairs"]["totalCount"] == len(repairs)
    got = [(r["reportedAt"], (r["contractor"] or {}).get("name")) for r in data["repairs"]["nodes"]]
    assert got == [(r["reported_at"].isoformat(), r["name"]) for r in repairs[:3]]
    assert all(r["description"] is None for r in data["repairs"]["nodes"])  # private
    components = await seeded_db.fetchval(
        "SELECT count(*) FROM component WHERE home_id = $1", home["id"]
    )
    assert data["components"]["totalCount"] == components
    references = await seeded_db.fetchval(
        "SELECT count(*) FROM reference WHERE subject_type = 'home' AND subject_id = $1", home["id"]
    )
    assert len(data["references"]) == references >= 1


async def test_lookup_by_id_uprn_and_reference_agree(
    gql: GraphQLClient, seeded_db: Database
) -> None:
    ref = await seeded_db.fetchrow(
        "SELECT x.value, x.allocated_by_id, h.id, h.uprn FROM reference x "
        "JOIN home h ON h.id = x.subject_id WHERE x.subject_type = 'home' "
        "AND h.uprn IS NOT NULL ORDER BY x.id LIMIT 1"
    )
    body = await gql(
        """query($id: ID!, $uprn: String!, $ref: ReferenceInput!) {
        a: home(id: $id) { uprn } b: home(uprn: $uprn) { uprn } c: home(reference: $ref) { uprn }
        n: node(id: $id) { __typename ... on Home { uprn } } }""",
        {
            "id": encode_global_id("Home", ref["id"]),
            "uprn": str(ref["uprn"]),
            "ref": {
                "value": ref["value"],
                "allocatedBy": encode_global_id("Organisation", ref["allocated_by_id"]),
            },
        },
    )
    data = body["data"]
    assert {data["a"]["uprn"], data["b"]["uprn"], data["c"]["uprn"], data["n"]["uprn"]} == {
        str(ref["uprn"])
    }
    assert data["n"]["__typename"] == "Home"


async def test_unknown_things_are_null_not_errors(gql: GraphQLClient) -> None:
    body = await gql("""{ a: home(uprn: "999999999999") { id }
        b: node(id: "SG9tZTo5OTk5OTk5OQ==") { id } c: home(reference: {value: "nope"}) { id }
        d: nodes(ids: ["SG9tZTo5OTk5OTk5OQ=="]) { id } }""")
    assert body["data"] == {"a": None, "b": None, "c": None, "d": [None]}


async def test_repair_filters_match_sql(gql: GraphQLClient, seeded_db: Database) -> None:
    row = await seeded_db.fetchrow(
        "SELECT h.postcode_district, r.trade_code FROM repair r JOIN home h ON h.id = r.home_id "
        "JOIN repair_status s ON s.code = r.status_code WHERE s.is_open AND r.trade_code "
        "IS NOT NULL GROUP BY 1, 2 ORDER BY count(*) DESC LIMIT 1"
    )
    expected = await seeded_db.fetchval(
        "SELECT count(*) FROM repair r JOIN home h ON h.id = r.home_id JOIN repair_status s "
        "ON s.code = r.status_code WHERE s.is_open AND h.postcode_district = $1 "
        "AND r.trade_code = $2",
        row["postcode_district"],
        row["trade_code"],
    )
    body = await gql(
        """query($d: String!, $t: [String!]) {
        repairs(filter: {postcode: $d, open: true, trade: $t}, orderBy: TARGET_AT,
                direction: ASC, first: 100) {
          totalCount nodes { targetAt status { isOpen } trade { code } home { postcodeDistrict } }
        } }""",
        {"d": row["postcode_district"], "t": [row["trade_code"]]},
    )
    repairs = body["data"]["repairs"]
    assert repairs["totalCount"] == expected > 0
    nodes = repairs["nodes"]
    assert all(
        n["status"]["isOpen"]
        and n["trade"]["code"] == row["trade_code"]
        and n["home"]["postcodeDistrict"] == row["postcode_district"]
        for n in nodes
    )
    targets = [n["targetAt"] for n in nodes if n["targetAt"]]
    assert targets == sorted(targets)


async def test_sor_code_and_date_filters(gql: GraphQLClient, seeded_db: Database) -> None:
    code = await seeded_db.fetchval(
        "SELECT sor_code FROM repair_line GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1"
    )
    expected = await seeded_db.fetchval(
        "SELECT count(DISTINCT repair_id) FROM repair_line l JOIN repair r ON r.id = l.repair_id "
        "WHERE sor_code = $1 AND r.reported_at >= '2025-01-01'",
        code,
    )
    body = await gql(
        """query($c: [String!]) { repairs(filter: {sorCode: $c,
        reportedFrom: "2025-01-01T00:00:00Z"}) { totalCount } }""",
        {"c": [code]},
    )
    assert body["data"]["repairs"]["totalCount"] == expected


async def test_component_type_and_age_filters(gql: GraphQLClient, seeded_db: Database) -> None:
    expected = await seeded_db.fetchval(
        "SELECT count(*) FROM component WHERE component_type_code = 'gas-boiler' "
        "AND install_date <= current_date - interval '15 years'"
    )
    body = await gql("""{ components(filter: {componentType: ["gas-boiler"], ageMinYears: 15}) {
        totalCount } }""")
    assert body["data"]["components"]["totalCount"] == expected


async def test_home_filters_combine(gql: GraphQLClient, seeded_db: Database) -> None:
    landlord = await seeded_db.fetchval(
        "SELECT id FROM organisation WHERE kind_code = 'landlord' ORDER BY id LIMIT 1"
    )
    expected = await seeded_db.fetchval(
        "SELECT count(*) FROM home WHERE landlord_id = $1 AND bedrooms BETWEEN 2 AND 3 "
        "AND property_type_code = ANY($2) AND year_built >= 1950",
        landlord,
        ["flat", "house"],
    )
    body = await gql(
        """query($l: [ID!]) { homes(filter: {landlord: $l, bedroomsMin: 2,
        bedroomsMax: 3, propertyType: ["flat", "house"], yearBuiltFrom: 1950}) { totalCount } }""",
        {"l": [encode_global_id("Organisation", landlord)]},
    )
    assert body["data"]["homes"]["totalCount"] == expected


async def test_organisations_and_their_jobs(gql: GraphQLClient, seeded_db: Database) -> None:
    body = await gql("""{ organisations(filter: {kind: ["contractor"]}, first: 100) {
        totalCount nodes { name trades { code } postcodeDistrictsServed
          jobs(first: 5, filter: {open: true}) { totalCount } } } }""")
    contractors = body["data"]["organisations"]
    assert contractors["totalCount"] == await seeded_db.fetchval(
        "SELECT count(*) FROM organisation WHERE kind_code = 'contractor'"
    )
    for org in contractors["nodes"]:
        assert org["trades"] and org["postcodeDistrictsServed"]
        expected = await seeded_db.fetchval(
            "SELECT count(*) FROM repair r JOIN organisation o ON o.id = r.contractor_id "
            "JOIN repair_status s ON s.code = r.status_code WHERE o.name = $1 AND s.is_open",
            org["name"],
        )
        assert org["jobs"]["totalCount"] == expected


async def test_code_lists_come_from_the_ontology(gql: GraphQLClient, seeded_db: Database) -> None:
    body = await gql("""{ priorities { code label responseHours responseWorkingDays isEmergency }
        componentTypes { code lifetimeHouse lifetimeLowRiseFlat isKeyComponent }
        trades { code } repairStatuses { code isOpen }
        sorCodes(filter: {schedule: ["Gas"]}, first: 1) { totalCount } }""")
    data = body["data"]
    priorities = {p["code"]: p for p in data["priorities"]}
    assert priorities["2"]["responseHours"] == 24 and priorities["2"]["isEmergency"]
    assert priorities["4"]["responseWorkingDays"] == 21
    boiler = next(c for c in data["componentTypes"] if c["code"] == "gas-boiler")
    assert boiler["lifetimeHouse"] == 15 and boiler["isKeyComponent"]
    assert len(data["trades"]) == 61
    assert {s["code"] for s in data["repairStatuses"] if not s["isOpen"]} >= {
        "complete",
        "cancelled",
    }
    assert (
        data["sorCodes"]["totalCount"]
        == await seeded_db.fetchval("SELECT count(*) FROM sor_code WHERE 'Gas' = ANY(schedules)")
        > 700
    )


async def test_ordering_and_direction(gql: GraphQLClient) -> None:
    body = await gql("""{ asc: homes(orderBy: YEAR_BUILT, direction: ASC, first: 30) {
        nodes { yearBuilt } } desc: homes(orderBy: YEAR_BUILT, direction: DESC, first: 30) {
        nodes { yearBuilt } } }""")
    asc = [n["yearBuilt"] or 0 for n in body["data"]["asc"]["nodes"]]
    desc = [n["yearBuilt"] or 0 for n in body["data"]["desc"]["nodes"]]
    assert asc == sorted(asc) and desc == sorted(desc, reverse=True)


async def test_paging_a_code_list_keyed_by_code(gql: GraphQLClient, seeded_db: Database) -> None:
    expected = [
        r["code"]
        for r in await seeded_db.fetch(
            "SELECT code FROM sor_code WHERE 'Gas' = ANY(schedules) ORDER BY code LIMIT 250"
        )
    ]
    seen: list[str] = []
    after = None
    while len(seen) < 250:
        body = await gql(
            """query($after: String) { sorCodes(filter: {schedule: ["Gas"]},
            first: 100, after: $after) { pageInfo { endCursor } nodes { code } } }""",
            {"after": after},
        )
        page = body["data"]["sorCodes"]
        seen += [n["code"] for n in page["nodes"]]
        after = page["pageInfo"]["endCursor"]
    assert seen[:250] == expected
