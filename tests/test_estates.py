"""Estates: membership by each route (listed homes, listed buildings, full postcodes and
sectors, only ever the landlord's own homes), the mutations and who may use them, the
view other parts rely on, Linked Data, and insight grouped and scoped by estate and
building, each against an independent computation."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from rdflib import Graph
from rdflib import URIRef

from odx_graph.core.access import Tier
from odx_graph.core.config import Settings
from odx_graph.core.ids import decode_int_id
from odx_graph.core.ids import encode_global_id
from odx_graph.services.credentials import create_key
from odx_graph.store.db import Database

ODX = "https://w3id.org/odx/def#"
BASE = "http://odx.test"


@dataclass
class World:
    """A landlord with homes in buildings, another landlord, and keys."""

    http: httpx.AsyncClient
    db: Database
    landlord: int
    other_landlord: int
    keys: dict[str, str]

    async def gql(self, query: str, variables: dict[str, Any], key: str | None) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self.keys[key]}"} if key else {}
        response = await self.http.post(
            "/graphql", json={"query": query, "variables": variables}, headers=headers
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        assert "errors" not in body, body["errors"]
        return body["data"]  # type: ignore[no-any-return]


@pytest.fixture
async def world(fresh_db: Database) -> AsyncIterator[World]:
    from odx_graph.web.app import create_app

    # Two landlords that both have homes in buildings.
    landlords = [
        r["landlord_id"]
        for r in await fresh_db.fetch(
            "SELECT landlord_id FROM home WHERE building_id IS NOT NULL "
            "GROUP BY landlord_id ORDER BY count(*) DESC, landlord_id LIMIT 2"
        )
    ]
    keys = {}
    async with fresh_db.connection() as conn:
        for name, tier, org in [
            ("provider", Tier.PROVIDER, landlords[0]),
            ("other_provider", Tier.PROVIDER, landlords[1]),
            ("regulator", Tier.REGULATOR, None),
        ]:
            _, keys[name] = await create_key(conn, tier=tier, name=name, organisation_id=org)
    app = create_app(Settings.from_env({}, base_iri=BASE), database=fresh_db)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as http:
        yield World(http, fresh_db, landlords[0], landlords[1], keys)


CREATE = """mutation($input: CreateEstateInput!) {
  createEstate(input: $input) {
    __typename
    ... on EstatePayload { estate { id name reference postcodes landlord { id }
                                    buildings { id } listedHomes { id }
                                    homes(first: 100) { totalCount nodes { id } } } }
    ... on MutationError { code field message }
  }
}"""

UPDATE = """mutation($input: UpdateEstateInput!) {
  updateEstate(input: $input) {
    __typename
    ... on EstatePayload { estate { id name postcodes homes(first: 100) { totalCount } } }
    ... on MutationError { code field message }
  }
}"""


def gid(node: str, key: int) -> str:
    return encode_global_id(node, key)


async def _members(db: Database, estate: int) -> set[int]:
    rows = await db.fetch("SELECT home_id FROM estate_home_member WHERE estate_id = $1", estate)
    return {r["home_id"] for r in rows}


async def _expected(
    db: Database, landlord: int, homes: list[int], buildings: list[int], postcodes: list[str]
) -> set[int]:
    """The members worked out independently, one route at a time, in Python."""
    rows = await db.fetch(
        "SELECT id, landlord_id, building_id, postcode FROM home WHERE landlord_id = $1",
        landlord,
    )
    found = set()
    for r in rows:
        sector = r["postcode"][:-2]  # 'SW1A 2AA' -> 'SW1A 2'
        if (
            r["id"] in homes
            or r["building_id"] in buildings
            or r["postcode"] in postcodes
            or sector in postcodes
        ):
            found.add(r["id"])
    return found


async def _every_membership(db: Database) -> set[tuple[int, int]]:
    """Every (estate, home) worked out in Python from the estates' rows."""
    found = set()
    for e in await db.fetch("SELECT * FROM estate"):
        homes = await _expected(
            db, e["landlord_id"], e["home_ids"], e["building_ids"], e["postcodes"]
        )
        found |= {(e["id"], h) for h in homes}
    return found


async def test_members_by_each_route_are_the_landlords_homes_only(world: World) -> None:
    db = world.db
    building = await db.fetchval(
        "SELECT building_id FROM home WHERE landlord_id = $1 AND building_id IS NOT NULL "
        "GROUP BY building_id ORDER BY count(*) DESC, building_id LIMIT 1",
        world.landlord,
    )
    in_building = {
        r["id"]
        for r in await db.fetch(
            "SELECT id FROM home WHERE building_id = $1 AND landlord_id = $2",
            building,
            world.landlord,
        )
    }
    listed = await db.fetchval(
        "SELECT id FROM home WHERE landlord_id = $1 AND building_id IS DISTINCT FROM $2 "
        "ORDER BY id LIMIT 1",
        world.landlord,
        building,
    )
    unit = await db.fetchval(
        "SELECT postcode FROM home WHERE landlord_id = $1 AND id <> $2 "
        "AND building_id IS DISTINCT FROM $3 ORDER BY id DESC LIMIT 1",
        world.landlord,
        listed,
        building,
    )
    sector = await db.fetchval(
        "SELECT postcode_sector FROM home WHERE landlord_id = $1 AND postcode <> $2 "
        "ORDER BY id LIMIT 1",
        world.landlord,
        unit,
    )
    # Another landlord's home at the sector: the postcode names the place, not the owner.
    intruder = await db.fetchval(
        "SELECT id FROM home WHERE landlord_id = $1 ORDER BY id LIMIT 1", world.other_landlord
    )
    await db.execute(
        "UPDATE home SET postcode = $1 || 'ZZ' WHERE id = $2", sector.replace(" ", " "), intruder
    )
    data = await world.gql(
        CREATE,
        {
            "input": {
                "landlordId": gid("Organisation", world.landlord),
                "reference": " EST-1 ",
                "name": "Park  Estate",
                "buildingIds": [gid("Building", building)],
                "homeIds": [gid("Home", listed), gid("Home", listed)],
                "postcodes": [unit.lower().replace(" ", ""), sector.lower()],
            }
        },
        "provider",
    )
    estate = data["createEstate"]["estate"]
    assert estate["reference"] == "EST-1" and estate["name"] == "Park Estate"
    assert estate["postcodes"] == sorted([unit, sector])
    assert [b["id"] for b in estate["buildings"]] == [gid("Building", building)]
    assert [h["id"] for h in estate["listedHomes"]] == [gid("Home", listed)]
    key = decode_int_id(estate["id"], "Estate")
    expected = await _expected(db, world.landlord, [listed], [building], [unit, sector])
    assert in_building <= expected and listed in expected and intruder not in expected
    assert await _members(db, key) == expected
    assert estate["homes"]["totalCount"] == len(expected)
    assert {decode_int_id(h["id"], "Home") for h in estate["homes"]["nodes"]} == expected

    # Each route alone.
    for route in ("buildingIds", "homeIds", "postcodes"):
        data = await world.gql(
            UPDATE,
            {
                "input": {
                    "estateId": estate["id"],
                    **{r: [] for r in ("buildingIds", "homeIds", "postcodes") if r != route},
                }
            },
            "provider",
        )
        alone = {
            "buildingIds": await _expected(db, world.landlord, [], [building], []),
            "homeIds": {listed},
            "postcodes": await _expected(db, world.landlord, [], [], [unit, sector]),
        }[route]
        assert await _members(db, key) == alone, route
        # Restore everything for the next route.
        await world.gql(
            UPDATE,
            {
                "input": {
                    "estateId": estate["id"],
                    "buildingIds": [gid("Building", building)],
                    "homeIds": [gid("Home", listed)],
                    "postcodes": [unit, sector],
                }
            },
            "provider",
        )

    # Home.estates, by any route; the other landlord's home at the sector is in none.
    query = "query($id: ID!) { node(id: $id) { ... on Home { estates { id reference } } } }"
    every = await _every_membership(db)
    for home in (listed, next(iter(in_building)), intruder):
        found = await world.gql(query, {"id": gid("Home", home)}, None)
        assert {decode_int_id(e["id"], "Estate") for e in found["node"]["estates"]} == {
            e for e, h in every if h == home
        }
        assert (estate["id"] in [e["id"] for e in found["node"]["estates"]]) == (home != intruder)
    rows = await db.fetch("SELECT estate_id, home_id FROM estate_home_member")
    assert {(r["estate_id"], r["home_id"]) for r in rows} == every
    # The homes filter by estate is the same set.
    data = await world.gql(
        "query($e: [ID!]) { homes(filter: {estate: $e}, first: 100) { totalCount } }",
        {"e": [estate["id"]]},
        None,
    )
    assert data["homes"]["totalCount"] == len(expected)


async def test_a_postcode_change_moves_a_home_in_and_out(world: World) -> None:
    db = world.db
    home, postcode = await db.fetchrow(
        "SELECT id, postcode FROM home WHERE landlord_id = $1 ORDER BY id LIMIT 1", world.landlord
    )
    data = await world.gql(
        CREATE,
        {
            "input": {
                "landlordId": gid("Organisation", world.landlord),
                "reference": "E-PC",
                "name": "By postcode",
                "postcodes": [postcode],
            }
        },
        "provider",
    )
    key = decode_int_id(data["createEstate"]["estate"]["id"], "Estate")
    assert home in await _members(db, key)
    await db.execute("UPDATE home SET postcode = 'ZZ9 9ZZ' WHERE id = $1", home)
    assert home not in await _members(db, key)


async def test_who_may_create_and_change_an_estate_and_what_is_refused(world: World) -> None:
    db = world.db
    other_home = await db.fetchval(
        "SELECT id FROM home WHERE landlord_id = $1 ORDER BY id LIMIT 1", world.other_landlord
    )
    base = {"landlordId": gid("Organisation", world.landlord), "reference": "R1", "name": "One"}

    async def create(extra: dict[str, Any], key: str | None = "provider") -> dict[str, Any]:
        if key is None:
            response = await world.http.post(
                "/graphql", json={"query": CREATE, "variables": {"input": {**base, **extra}}}
            )
            return response.json()  # type: ignore[no-any-return]
        result: dict[str, Any] = (await world.gql(CREATE, {"input": {**base, **extra}}, key))[
            "createEstate"
        ]
        return result

    refused = await create({"homeIds": [gid("Home", other_home)]})
    assert (refused["code"], refused["field"]) == ("BAD_USER_INPUT", "homeIds")
    refused = await create({"postcodes": ["SW1A"]})  # a district is too big
    assert (refused["code"], refused["field"]) == ("BAD_USER_INPUT", "postcodes[0]")
    refused = await create({"postcodes": ["SW1A 2AA", "nonsense"]})
    assert refused["code"] == "INVALID_POSTCODE"
    refused = await create({"reference": " "})
    assert (refused["code"], refused["field"]) == ("BAD_USER_INPUT", "reference")
    refused = await create({}, "other_provider")
    assert refused["code"] == "FORBIDDEN"
    refused = await create({}, "regulator")
    assert refused["code"] == "FORBIDDEN"
    anonymous = await create({}, None)
    assert anonymous["data"] is None or anonymous["data"]["createEstate"]["code"] == "FORBIDDEN"

    made = await create({"postcodes": ["SW1A 2"]})
    estate = made["estate"]["id"]
    again = await create({})
    assert (again["code"], again["field"]) == ("CONFLICT", "reference")
    other = await world.gql(
        UPDATE, {"input": {"estateId": estate, "name": "Mine"}}, "other_provider"
    )
    assert other["updateEstate"]["code"] == "FORBIDDEN"
    renamed = await world.gql(UPDATE, {"input": {"estateId": estate, "name": "Two"}}, "provider")
    assert renamed["updateEstate"]["estate"]["name"] == "Two"
    assert renamed["updateEstate"]["estate"]["postcodes"] == ["SW1A 2"]  # not given: kept
    assert await db.fetchval("SELECT count(*) FROM estate WHERE reference = 'R1'") == 1
    audit = await db.fetch(
        "SELECT operation FROM audit_event WHERE subject_type = 'estate' ORDER BY id"
    )
    assert [a["operation"] for a in audit] == ["createEstate", "updateEstate"]


async def test_the_member_view_is_open_data_like_homes(world: World) -> None:
    db = world.db
    made = await world.gql(
        CREATE,
        {
            "input": {
                "landlordId": gid("Organisation", world.landlord),
                "reference": "V",
                "name": "View",
                "homeIds": [
                    gid("Home", k)
                    for k in [
                        r["id"]
                        for r in await db.fetch(
                            "SELECT id FROM home WHERE landlord_id = $1 ORDER BY id LIMIT 3",
                            world.landlord,
                        )
                    ]
                ],
            }
        },
        "provider",
    )
    async with db.connection() as conn, conn.transaction():
        await conn.execute("SET LOCAL ROLE odx_reader")
        key = decode_int_id(made["createEstate"]["estate"]["id"], "Estate")
        count = "SELECT count(*) FROM estate_home_member WHERE estate_id = $1"
        assert await conn.fetchval(count, key) == 3
        columns = await conn.fetch(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_name = 'estate_home_member' ORDER BY ordinal_position"
        )
    assert [(c["column_name"], c["data_type"]) for c in columns] == [
        ("estate_id", "bigint"),
        ("home_id", "bigint"),
    ]


async def test_an_estate_is_linked_data_with_its_homes(world: World) -> None:
    db = world.db
    home = await db.fetchval(
        "SELECT id FROM home WHERE landlord_id = $1 ORDER BY id LIMIT 1", world.landlord
    )
    made = await world.gql(
        CREATE,
        {
            "input": {
                "landlordId": gid("Organisation", world.landlord),
                "reference": "LD",
                "name": "Linked",
                "homeIds": [gid("Home", home)],
            }
        },
        "provider",
    )
    key = decode_int_id(made["createEstate"]["estate"]["id"], "Estate")
    response = await world.http.get(f"/id/estate/{key}", headers={"Accept": "text/turtle"})
    assert response.status_code == 200, response.text
    graph = Graph().parse(data=response.text, format="turtle")
    estate, member = URIRef(f"{BASE}/id/estate/{key}"), URIRef(f"{BASE}/id/home/{home}")
    assert (estate, URIRef(ODX + "listsHome"), member) in graph
    # membership worked out from the lists and postcodes is stated in no served graph: a
    # description is a subgraph of the dump (one graph); GraphQL lists the members
    assert (estate, URIRef(ODX + "includesHome"), member) not in graph
    assert (
        estate,
        URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
        URIRef(ODX + "Site"),
    ) in graph
    home_doc = await world.http.get(f"/id/home/{home}", headers={"Accept": "text/turtle"})
    assert (member, URIRef(ODX + "inEstate"), estate) not in Graph().parse(
        data=home_doc.text, format="turtle"
    )
    listed = await world.gql(
        "query($id: ID!) { node(id: $id) { ... on Estate { homes(first: 5) { nodes { id } } } } }",
        {"id": made["createEstate"]["estate"]["id"]},
        "provider",
    )
    assert listed["node"]["homes"]["nodes"] == [{"id": gid("Home", home)}]


REPAIRS_BY = """query($by: [RepairDimension!]!, $scope: RepairScopeInput) {
  repairPerformance(groupBy: $by, scope: $scope) {
    key { dimension value } disclosure suppressed homes raised completed
  }
}"""

DAMP_BY = """query($by: [DampMouldDimension!]!, $scope: DampScopeInput) {
  dampMouldRates(groupBy: $by, scope: $scope) {
    key { dimension value } disclosure homes cases
  }
}"""


async def test_insight_groups_and_scopes_by_estate_and_building(world: World) -> None:
    db = world.db
    homes = [
        r["id"]
        for r in await db.fetch(
            "SELECT id FROM home WHERE landlord_id = $1 ORDER BY id", world.landlord
        )
    ]
    first, second = homes[: len(homes) // 2], homes[len(homes) // 3 :]  # they overlap
    estates = []
    for n, members in enumerate((first, second)):
        made = await world.gql(
            CREATE,
            {
                "input": {
                    "landlordId": gid("Organisation", world.landlord),
                    "reference": f"I{n}",
                    "name": f"Insight {n}",
                    "homeIds": [gid("Home", h) for h in members],
                }
            },
            "provider",
        )
        estates.append((made["createEstate"]["estate"]["id"], set(members)))

    # Independently: repairs and homes with repairs per estate, counted in Python.
    rows = (await world.gql(REPAIRS_BY, {"by": ["ESTATE"]}, "regulator"))["repairPerformance"]
    by_estate = {r["key"][0]["value"]: r for r in rows}
    for estate, members in estates:
        group = by_estate[estate]
        assert group["disclosure"] == "EXACT"
        every = [r for r in await db.fetch("SELECT home_id FROM repair") if r["home_id"] in members]
        assert group["raised"] == len(every)
        assert group["homes"] == len({r["home_id"] for r in every})
    # Homes in no estate count under null; a home in both under each.
    inside = {h for _, h in await _every_membership(db)}
    outside = [
        r for r in await db.fetch("SELECT home_id FROM repair") if r["home_id"] not in inside
    ]
    assert by_estate[None]["raised"] == len(outside)

    scoped = (
        await world.gql(REPAIRS_BY, {"by": [], "scope": {"estate": [estates[0][0]]}}, "regulator")
    )["repairPerformance"]
    assert scoped[0]["raised"] == by_estate[estates[0][0]]["raised"]

    # By building, against SQL of its own.
    rows = (await world.gql(REPAIRS_BY, {"by": ["BUILDING"]}, "regulator"))["repairPerformance"]
    expected = {
        (gid("Building", r["building_id"]) if r["building_id"] else None): r["n"]
        for r in await db.fetch(
            "SELECT h.building_id, count(*) AS n FROM repair r JOIN home h ON h.id = r.home_id "
            "GROUP BY 1"
        )
    }
    assert {r["key"][0]["value"]: r["raised"] for r in rows} == expected

    # Damp and mould: homes and cases per estate.
    rows = (await world.gql(DAMP_BY, {"by": ["ESTATE"]}, "regulator"))["dampMouldRates"]
    cases = await db.fetch("SELECT home_id FROM damp_mould_case")
    by_estate = {r["key"][0]["value"]: r for r in rows}
    for estate, members in estates:
        assert by_estate[estate]["homes"] == len(members)
        assert by_estate[estate]["cases"] == sum(1 for c in cases if c["home_id"] in members)
    building = await db.fetchval(
        "SELECT building_id FROM home WHERE building_id IS NOT NULL "
        "GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1"
    )
    rows = (
        await world.gql(
            DAMP_BY,
            {"by": ["BUILDING"], "scope": {"building": [gid("Building", building)]}},
            "regulator",
        )
    )["dampMouldRates"]
    assert [r["key"][0]["value"] for r in rows] == [gid("Building", building)]
    assert rows[0]["homes"] == await db.fetchval(
        "SELECT count(*) FROM home WHERE building_id = $1", building
    )

    # In public, the same groups go through the disclosure rules.
    public = (await world.gql(REPAIRS_BY, {"by": ["ESTATE"]}, None))["repairPerformance"]
    assert {r["disclosure"] for r in public} == {"PERTURBED"}


# -- the estates template -----------------------------------------------------------------


async def _import(db: Database, text: str, org: int, **options: Any) -> Any:
    from odx_graph.services.importing.service import run_import

    return await run_import(
        db, text.encode(), fmt="estates", file_name="estates.csv", organisation=str(org), **options
    )


async def test_an_estates_file_sets_each_estates_whole_membership(world: World) -> None:
    db = world.db
    homes = await db.fetch(
        "SELECT id, uprn, postcode, postcode_sector FROM home "
        "WHERE landlord_id = $1 AND uprn IS NOT NULL ORDER BY id LIMIT 3",
        world.landlord,
    )
    building = await db.fetchrow(
        "SELECT id, uprn FROM building WHERE landlord_id = $1 AND uprn IS NOT NULL "
        "ORDER BY id LIMIT 1",
        world.landlord,
    )
    assert building is not None, "the demo's buildings have UPRNs"
    text = (
        "estate_ref,estate_name,home_ref,home_uprn,building_uprn,postcode\n"
        f"F-1,Fir Court,,{homes[0]['uprn']},,\n"
        f"F-1,Fir Court,,,{building['uprn']},\n"
        f"F-1,Fir Court,,,,{homes[1]['postcode_sector'].lower()}\n"
        f"F-2,Elm Row,,,,{homes[2]['postcode']}\n"
        "F-3,Empty,,,,\n"
    )
    report = await _import(db, text, world.landlord)
    assert report.ok and report.written, report.as_text()
    assert (report.records_read, report.created, report.rejected) == (5, 5, 0)
    rows = {
        r["reference"]: r for r in await db.fetch("SELECT * FROM estate WHERE reference LIKE 'F-%'")
    }
    f1 = rows["F-1"]
    assert (f1["name"], f1["home_ids"], f1["building_ids"], f1["postcodes"]) == (
        "Fir Court",
        [homes[0]["id"]],
        [building["id"]],
        [homes[1]["postcode_sector"]],
    )
    assert rows["F-2"]["postcodes"] == [homes[2]["postcode"]]
    assert rows["F-3"]["home_ids"] == [] and rows["F-1"]["import_id"] == report.import_id
    expected = await _expected(
        db, world.landlord, [homes[0]["id"]], [building["id"]], [homes[1]["postcode_sector"]]
    )
    assert await _members(db, f1["id"]) == expected

    # Again, unchanged; then F-1 without its postcode row: the file is its membership.
    again = await _import(db, text, world.landlord)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 5)
    shorter = "\n".join(line for n, line in enumerate(text.splitlines()) if n != 3) + "\n"
    third = await _import(db, shorter, world.landlord)
    assert (third.updated, third.unchanged) == (2, 2)
    assert await db.fetchval("SELECT postcodes FROM estate WHERE id = $1", f1["id"]) == []


async def test_a_bad_estates_file_reports_every_problem_and_writes_nothing(world: World) -> None:
    db = world.db
    other_home = await db.fetchrow(
        "SELECT id, uprn FROM home WHERE landlord_id = $1 AND uprn IS NOT NULL ORDER BY id LIMIT 1",
        world.other_landlord,
    )
    mine = await db.fetchval(
        "SELECT uprn FROM home WHERE landlord_id = $1 AND uprn IS NOT NULL ORDER BY id LIMIT 1",
        world.landlord,
    )
    text = (
        "estate_ref,estate_name,home_ref,home_uprn,building_uprn,postcode\n"
        f"B-1,Beech,,{mine},,\n"  # row 2: fine on its own
        "B-1,Birch,,,,BR1 3\n"  # row 3: another name for B-1
        f"B-2,Ash,,{other_home['uprn']},,\n"  # row 4: not the importer's home
        "B-3,Oak,,,,BR1\n"  # row 5: a district
        "B-4,Yew,,,999999999999,\n"  # row 6: no such building
        "B-5,Pine,,12x,,\n"  # row 7: not a UPRN
        ",Nameless,,,,\n"  # row 8: no reference
        "B-6,Holly,,,,BR1 3\n"  # row 9: fine
    )
    before = await db.fetchval("SELECT count(*) FROM estate")
    report = await _import(db, text, world.landlord)
    assert not report.written and report.import_id is None
    found = {(p.record, p.field) for p in report.problems}
    assert found == {
        ("row 3", "estate_name"),
        ("row 4", "home"),
        ("row 5", "postcode"),
        ("row 6", "building_uprn"),
        ("row 7", "home_uprn"),
        ("row 8", "estate_ref"),
    }, report.as_text()
    reasons = {p.record: p.reason for p in report.problems}
    assert "named 'Beech' on row 2" in reasons["row 3"]
    assert reasons["row 4"] == "not your home"
    assert "district" in reasons["row 5"]
    assert reasons["row 6"] == "no such building"
    assert await db.fetchval("SELECT count(*) FROM estate") == before
    # With skip_invalid the good estates are written and the bad ones reported.
    skipped = await _import(db, text, world.landlord, skip_invalid=True)
    assert skipped.written
    assert {
        r["reference"]
        for r in await db.fetch("SELECT reference FROM estate WHERE reference LIKE 'B-%'")
    } == {"B-6"}


NESTED = """query($first: Int!) {
  estates(first: $first) {
    totalCount
    nodes {
      name landlord { name } buildings { name } listedHomes { uprn }
      homes(first: 5) { totalCount nodes { uprn estates { reference } } }
    }
  }
}"""


@pytest.mark.parametrize("compiled", [False, True])
async def test_estate_statements_do_not_grow_with_the_page(
    seeded_db: Database, settings: Settings, compiled: bool
) -> None:
    from dataclasses import replace

    from odx_graph.web.app import create_app

    sent: list[str] = []
    seeded_db.add_listener(sent.append)
    try:
        app = create_app(replace(settings, compiled_queries=compiled), database=seeded_db)
        transport = httpx.ASGITransport(app=app)
        counts = {}
        async with httpx.AsyncClient(transport=transport, base_url=BASE) as http:
            for first in (1, 2, 4):
                sent.clear()
                response = await http.post(
                    "/graphql", json={"query": NESTED, "variables": {"first": first}}
                )
                body = response.json()
                assert "errors" not in body, body
                nodes = body["data"]["estates"]["nodes"]
                assert len(nodes) == first
                assert all(n["homes"]["totalCount"] >= len(n["homes"]["nodes"]) for n in nodes)
                counts[first] = len(sent)
    finally:
        seeded_db.remove_listener(sent.append)
    # Resolvers: the estates, their count, one per relation but the listed homes (the
    # demo's estates list buildings, and empty lists need no statement: 4) and the
    # homes' count; the compiled path: one statement for the whole response.
    assert counts[1] <= counts[2] <= counts[4] == (1 if compiled else 7), counts
