"""Keys, tiers and writes: who may read private fields and write what, through GraphQL
over HTTP, with row-level security as a second wall and idempotent, audited mutations."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from dataclasses import field
from typing import Any

import httpx
import pytest

from odx_graph.core.access import Principal
from odx_graph.core.access import Tier
from odx_graph.core.access import may_write
from odx_graph.core.config import Settings
from odx_graph.core.errors import ForbiddenError
from odx_graph.core.errors import InputError
from odx_graph.core.ids import decode_int_id
from odx_graph.core.ids import encode_global_id
from odx_graph.services.credentials import create_key
from odx_graph.store import writes as repo
from odx_graph.store.db import Database
from tests.conftest import Server


@dataclass
class World:
    """Two landlords, two contractors, a home of the first landlord, and keys."""

    http: httpx.AsyncClient
    db: Database
    landlord: int
    other_landlord: int
    contractor: int
    other_contractor: int
    home: int
    other_home: int
    keys: dict[str, str]
    repair_keys: list[int] = field(default_factory=list)

    async def gql(
        self, query: str, variables: dict[str, Any] | None = None, key: str | None = None
    ) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self.keys[key]}"} if key else {}
        response = await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        assert "errors" not in body, body["errors"]
        return body["data"]  # type: ignore[no-any-return]


@pytest.fixture
async def world(fresh_db: Database) -> AsyncIterator[World]:
    from odx_graph.web.app import create_app

    landlords = [
        r["id"]
        for r in await fresh_db.fetch(
            "SELECT id FROM organisation WHERE kind_code = 'landlord' ORDER BY id LIMIT 2"
        )
    ]
    contractors = [
        r["id"]
        for r in await fresh_db.fetch(
            "SELECT id FROM organisation WHERE kind_code = 'contractor' ORDER BY id LIMIT 2"
        )
    ]
    home = await fresh_db.fetchval(
        "SELECT id FROM home WHERE landlord_id = $1 ORDER BY id LIMIT 1", landlords[0]
    )
    other_home = await fresh_db.fetchval(
        "SELECT id FROM home WHERE landlord_id = $1 ORDER BY id LIMIT 1", landlords[1]
    )
    keys = {}
    async with fresh_db.connection() as conn:
        for name, tier, org, home_id in [
            ("provider", Tier.PROVIDER, landlords[0], None),
            ("other_provider", Tier.PROVIDER, landlords[1], None),
            ("contractor", Tier.CONTRACTOR, contractors[0], None),
            ("other_contractor", Tier.CONTRACTOR, contractors[1], None),
            ("resident", Tier.RESIDENT, None, home),
            ("regulator", Tier.REGULATOR, None, None),
            ("admin", Tier.ADMIN, None, None),
        ]:
            _, keys[name] = await create_key(
                conn, tier=tier, name=name, organisation_id=org, home_id=home_id
            )
    settings = Settings.from_env({}, base_iri="http://odx.test")
    app = create_app(settings, database=fresh_db)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://odx.test") as http:
        yield World(
            http,
            fresh_db,
            landlords[0],
            landlords[1],
            contractors[0],
            contractors[1],
            home,
            other_home,
            keys,
        )


REPORT = """mutation($home: ID!, $text: String, $key: String) {
  reportRepair(input: {homeId: $home, description: $text, idempotencyKey: $key}) {
    __typename
    ... on RepairPayload { replayed repair { id description status { code } priority { code }
                                             targetAt landlord { id } } }
    ... on MutationError { code field message }
  }
}"""


def gid(type_name: str, key: int) -> str:
    return encode_global_id(type_name, key)


async def test_a_resident_reports_a_repair_once_whatever_the_retries(world: World) -> None:
    variables = {
        "home": gid("Home", world.home),
        "text": "Boiler bangs when the heating starts (test 7731)",
        "key": "report-1",
    }
    first = (await world.gql(REPORT, variables, "resident"))["reportRepair"]
    assert first["__typename"] == "RepairPayload", first
    repair = first["repair"]
    assert (repair["status"]["code"], repair["priority"]["code"]) == ("reported", "4")
    assert (
        repair["description"] == "Boiler bangs when the heating starts (test 7731)"
    )  # the resident's own
    assert repair["targetAt"] is not None
    assert repair["landlord"]["id"] == gid("Organisation", world.landlord)
    again = (await world.gql(REPORT, variables, "resident"))["reportRepair"]
    assert again["replayed"] is True and again["repair"]["id"] == repair["id"]
    count = await world.db.fetchval(
        "SELECT count(*) FROM repair WHERE description = $1", variables["text"]
    )
    assert count == 1
    reused = (await world.gql(REPORT, {**variables, "text": "Other"}, "resident"))["reportRepair"]
    assert reused["__typename"] == "MutationError" and reused["field"] == "idempotencyKey"
    audit = await world.db.fetchrow(
        "SELECT tier, operation, landlord_id FROM audit_event WHERE operation = 'reportRepair'"
    )
    assert audit is not None and tuple(audit) == ("resident", "reportRepair", world.landlord)


async def test_private_text_is_seen_only_by_those_tied_to_the_repair(world: World) -> None:
    created = (
        await world.gql(
            REPORT,
            {
                "home": gid("Home", world.home),
                "text": "Mould behind the wardrobe in the back bedroom",
            },
            "resident",
        )
    )["reportRepair"]["repair"]
    query = """query($id: ID!) { node(id: $id) { ... on Repair { description } }
      again: nodes(ids: [$id]) { ... on Repair { d: description } }
      home: node(id: $id) { ... on Repair { home { repairs(first: 100) {
        nodes { id description } } } } } }"""
    seen = {}
    for key in (None, "resident", "provider", "other_provider", "contractor", "regulator", "admin"):
        data = await world.gql(query, {"id": created["id"]}, key)
        nested = [n for n in data["home"]["home"]["repairs"]["nodes"] if n["id"] == created["id"]]
        values = {data["node"]["description"], data["again"][0]["d"], nested[0]["description"]}
        assert len(values) == 1, (key, values)
        seen[key] = values.pop()
    text = "Mould behind the wardrobe in the back bedroom"
    assert seen == {
        None: None,
        "resident": text,
        "provider": text,
        "other_provider": None,
        "contractor": None,
        "regulator": None,
        "admin": text,
    }


async def test_a_contractor_sees_its_own_jobs_in_full_and_no_other_contractors(
    world: World,
) -> None:
    await world.db.execute(
        "UPDATE repair SET description = 'Resident works nights, call after 2pm' "
        "WHERE contractor_id IN ($1, $2)",
        world.contractor,
        world.other_contractor,
    )
    query = """query($mine: ID!, $theirs: ID!) {
      mine: repairs(filter: {contractor: [$mine]}, first: 5) { nodes { description } }
      theirs: repairs(filter: {contractor: [$theirs]}, first: 5) { nodes { description } }
      alias: repairs(filter: {contractor: [$theirs]}, first: 5) { nodes { d: description
        statusHistory { note } } } }"""
    data = await world.gql(
        query,
        {
            "mine": gid("Organisation", world.contractor),
            "theirs": gid("Organisation", world.other_contractor),
        },
        "contractor",
    )
    assert data["mine"]["nodes"] and all(n["description"] for n in data["mine"]["nodes"])
    assert data["theirs"]["nodes"] and not any(n["description"] for n in data["theirs"]["nodes"])
    assert not any(n["d"] for n in data["alias"]["nodes"])


async def test_writes_follow_ownership(world: World) -> None:
    created = (await world.gql(REPORT, {"home": gid("Home", world.home)}, "provider"))[
        "reportRepair"
    ]["repair"]
    other = await world.gql(REPORT, {"home": gid("Home", world.home)}, "other_provider")
    assert other["reportRepair"]["code"] == "FORBIDDEN"
    resident = await world.gql(REPORT, {"home": gid("Home", world.other_home)}, "resident")
    assert resident["reportRepair"]["code"] == "FORBIDDEN"
    public = await world.gql(REPORT, {"home": gid("Home", world.home)})
    assert public["reportRepair"]["code"] == "FORBIDDEN"
    assign = """mutation($r: ID!, $c: ID!) { assignRepair(input: {repairId: $r,
      contractorId: $c}) {
      ... on RepairPayload { repair { status { code } contractor { id } } }
      ... on MutationError { code } } }"""
    ids = {"r": created["id"], "c": gid("Organisation", world.contractor)}
    assert (await world.gql(assign, ids, "contractor"))["assignRepair"]["code"] == "FORBIDDEN"
    done = (await world.gql(assign, ids, "provider"))["assignRepair"]["repair"]
    assert done["status"]["code"] == "scheduled"
    status = """mutation($r: ID!, $s: RepairStatusCode!) {
      updateRepairStatus(input: {repairId: $r, status: $s}) {
      ... on RepairPayload { repair { status { code } } } ... on MutationError { code field } } }"""
    refused = await world.gql(status, {"r": created["id"], "s": "IN_PROGRESS"}, "other_contractor")
    assert refused["updateRepairStatus"]["code"] == "FORBIDDEN"
    moved = await world.gql(status, {"r": created["id"], "s": "IN_PROGRESS"}, "contractor")
    assert moved["updateRepairStatus"]["repair"]["status"]["code"] == "in-progress"
    complete = """mutation($r: ID!, $code: String!) { completeRepair(input: {repairId: $r,
      cost: "60.00", lines: [{sorCode: $code, quantity: "1", cost: "60.00"}]}) {
      ... on RepairPayload { repair { status { code } cost lines { sorCode } } }
      ... on MutationError { code field message } } }"""
    bad = await world.gql(complete, {"r": created["id"], "code": "NOPE-1"}, "contractor")
    assert bad["completeRepair"]["field"] == "lines"
    finished = await world.gql(complete, {"r": created["id"], "code": "601101"}, "contractor")
    repair = finished["completeRepair"]["repair"]
    assert repair["status"]["code"] == "complete" and repair["lines"] == [{"sorCode": "601101"}]
    events = await world.db.fetch(
        "SELECT status_code FROM repair_status_event WHERE repair_id = "
        "(SELECT id FROM repair ORDER BY id DESC LIMIT 1) ORDER BY id"
    )
    assert [e["status_code"] for e in events] == [
        "reported",
        "scheduled",
        "in-progress",
        "complete",
    ]


COMPONENT_WRITTEN = """__typename
      ... on ComponentPayload { component { id installDate make model componentType { code }
                                            condition { code } home { id } } }
      ... on MutationError { code field }"""


async def test_a_landlord_adds_and_replaces_a_component_of_its_home(world: World) -> None:
    add = (
        """mutation($h: ID!, $condition: String) { addComponent(input: {homeId: $h,
      componentType: "gas-boiler", installDate: "2016-05-12", condition: $condition,
      make: "Worcester Bosch", model: "Greenstar 30i"}) { """
        + COMPONENT_WRITTEN
        + " } }"
    )
    home = gid("Home", world.home)
    bad = await world.gql(add, {"h": home, "condition": "shiny"}, "provider")
    assert bad["addComponent"] == {"__typename": "MutationError", "code": "BAD_USER_INPUT",
                                   "field": "condition"}  # fmt: skip
    other = await world.gql(add, {"h": home, "condition": "good"}, "other_provider")
    assert other["addComponent"]["code"] == "FORBIDDEN"
    added = (await world.gql(add, {"h": home, "condition": "good"}, "provider"))["addComponent"]
    component = added["component"]
    assert component == {
        "id": component["id"],
        "installDate": "2016-05-12",
        "make": "Worcester Bosch",
        "model": "Greenstar 30i",
        "componentType": {"code": "gas-boiler"},
        "condition": {"code": "good"},
        "home": {"id": home},
    }
    replace = (
        """mutation($c: ID!) { replaceComponent(input: {componentId: $c,
      installDate: "2026-01-15", condition: "good", make: "Vaillant"}) { """
        + COMPONENT_WRITTEN
        + " } }"
    )
    replaced = await world.gql(replace, {"c": component["id"]}, "provider")
    assert replaced["replaceComponent"]["component"] == {
        **component,
        "installDate": "2026-01-15",
        "make": "Vaillant",
        "model": None,
    }
    trail = "{ auditTrail(first: 10) { operation subjectType changes } }"
    events = (await world.gql(trail, None, "provider"))["auditTrail"]
    assert [(e["operation"], e["subjectType"]) for e in events] == [
        ("replaceComponent", "Component"),
        ("addComponent", "Component"),
    ]
    assert [json.loads(e["changes"]) for e in events] == [
        {
            "component": decode_int_id(component["id"], "Component"),
            "installed": "2026-01-15",
            "condition": "good",
            "make": "Vaillant",
            "model": None,
        },
        {
            "home": world.home,
            "type": "gas-boiler",
            "installed": "2016-05-12",
            "condition": "good",
            "make": "Worcester Bosch",
            "model": "Greenstar 30i",
        },
    ]


async def test_row_level_security_refuses_what_the_rules_would_have_caught(world: World) -> None:
    stranger = Principal(Tier.PROVIDER, world.other_landlord, None, 1)
    with pytest.raises(ForbiddenError):
        async with repo.acting_as(world.db, stranger) as conn:
            await repo.insert_repair(
                conn,
                landlord_id=world.landlord,
                home_id=world.home,
                component_id=None,
                priority="4",
                trade=None,
                description=None,
            )
    victim = await world.db.fetchrow(
        "SELECT id, status_code FROM repair WHERE landlord_id = $1 ORDER BY id LIMIT 1",
        world.landlord,
    )
    assert victim is not None
    async with repo.acting_as(world.db, stranger) as conn:
        await repo.set_repair_status(conn, victim["id"], "cancelled")  # filtered out by RLS
    after = await world.db.fetchval("SELECT status_code FROM repair WHERE id = $1", victim["id"])
    assert after == victim["status_code"]


async def test_damp_and_mould_reports_start_the_clock_and_inspections_follow(
    world: World,
) -> None:
    report = """mutation($h: ID!) { reportDampMould(input: {homeId: $h, severity: "medium"}) {
      ... on DampMouldCasePayload { dampMouldCase { id awareAt landlord { id } } }
      ... on MutationError { code field } } }"""
    case = (await world.gql(report, {"h": gid("Home", world.home)}, "resident"))["reportDampMould"][
        "dampMouldCase"
    ]
    assert case["awareAt"] and case["landlord"]["id"] == gid("Organisation", world.landlord)
    inspect = """mutation($c: ID!, $at: DateTime!) { recordInspection(input: {caseId: $c,
      investigationStartedAt: $at, investigationCompletedAt: $at, hazardLevel: "significant",
      hhsrsCategory: "1"}) { ... on DampMouldCasePayload { dampMouldCase { hazardLevel { code }
      hhsrsCategory { code } } } ... on MutationError { code field } } }"""
    too_early = {"c": case["id"], "at": "2001-01-01T00:00:00Z"}
    refused = await world.gql(inspect, too_early, "provider")
    assert refused["recordInspection"]["code"] == "BAD_USER_INPUT"
    assert (await world.gql(inspect, too_early, "resident"))["recordInspection"]["code"] == (
        "FORBIDDEN"
    )
    now = {"c": case["id"], "at": case["awareAt"]}
    recorded = (await world.gql(inspect, now, "provider"))["recordInspection"]["dampMouldCase"]
    assert recorded == {"hazardLevel": {"code": "significant"}, "hhsrsCategory": {"code": "1"}}


async def test_two_completions_of_one_repair_at_once_complete_it_once(world: World) -> None:
    # Both requests read the repair as open before either holds its lock; the second must
    # see it closed once the first has committed, not complete it again.
    created = (await world.gql(REPORT, {"home": gid("Home", world.home)}, "provider"))[
        "reportRepair"
    ]["repair"]
    complete = """mutation($r: ID!) { completeRepair(input: {repairId: $r, cost: "60.00",
      lines: [{sorCode: "601101", quantity: "1", cost: "60.00"}]}) {
      ... on RepairPayload { repair { status { code } } }
      ... on MutationError { code field message } } }"""
    results = await asyncio.gather(
        *(world.gql(complete, {"r": created["id"]}, "provider") for _ in range(2))
    )
    outcomes = sorted(
        "done" if "repair" in r["completeRepair"] else r["completeRepair"]["code"] for r in results
    )
    assert outcomes == ["CONFLICT", "done"]
    key = decode_int_id(created["id"], "Repair")
    events = await world.db.fetch(
        "SELECT status_code FROM repair_status_event WHERE repair_id = $1 ORDER BY id", key
    )
    assert [e["status_code"] for e in events] == ["reported", "complete"]


async def test_bad_revoked_and_missing_keys(world: World) -> None:
    query = {"query": "{ homes(first: 1) { totalCount } }"}
    for header in ("Bearer nonsense", "Basic abc", f"Bearer {world.keys['admin']}x"):
        response = await world.http.post("/graphql", json=query, headers={"Authorization": header})
        assert response.status_code == 401, header
        assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    admin = {"Authorization": f"Bearer {world.keys['admin']}"}
    assert (await world.http.post("/graphql", json=query, headers=admin)).status_code == 200
    used = await world.db.fetchval("SELECT last_used_at FROM api_key WHERE name = 'admin'")
    assert used is not None
    # Recorded once a minute at most: further requests send no UPDATE.
    sent: list[str] = []
    world.db.add_listener(sent.append)
    try:
        for _ in range(3):
            await world.http.post("/graphql", json=query, headers=admin)
    finally:
        world.db.remove_listener(sent.append)
    assert sent and not [s for s in sent if s.startswith("UPDATE api_key")]
    key_id = await world.db.fetchval("SELECT id FROM api_key WHERE name = 'admin'")
    async with world.db.connection() as conn:
        from odx_graph.store.keys import revoke_key

        assert await revoke_key(conn, key_id)
    response = await world.http.post(
        "/graphql", json=query, headers={"Authorization": f"Bearer {world.keys['admin']}"}
    )
    assert response.status_code == 401 and "revoked" in response.text
    assert (await world.http.post("/graphql", json=query)).status_code == 200


async def test_keys_are_checked_when_created(fresh_db: Database) -> None:
    landlord = await fresh_db.fetchval("SELECT id FROM organisation WHERE kind_code = 'landlord'")
    async with fresh_db.connection() as conn:
        with pytest.raises(InputError, match="contractor organisation"):
            await create_key(conn, tier=Tier.CONTRACTOR, name="x", organisation_id=landlord)
        with pytest.raises(InputError, match="existing home"):
            await create_key(conn, tier=Tier.RESIDENT, name="x", home_id=10**9)
        _, key = await create_key(conn, tier=Tier.PROVIDER, name="x", organisation_id=landlord)
    stored = await fresh_db.fetchrow("SELECT prefix, secret_hash FROM api_key WHERE name = 'x'")
    assert stored is not None and key.startswith(f"odx_{stored['prefix']}_")
    assert key not in str(tuple(stored)) and stored["secret_hash"] != key


async def test_mutations_are_refused_over_get(world: World) -> None:
    response = await world.http.get(
        "/graphql",
        params={"query": 'mutation { reportRepair(input: {homeId: "x"}) { __typename } }'},
        headers={"Authorization": f"Bearer {world.keys['resident']}"},
    )
    assert response.status_code in (400, 405)
    count = await world.db.fetchval("SELECT count(*) FROM audit_event")
    assert count == 0


async def test_too_many_requests_get_429_with_retry_after(fresh_db: Database) -> None:
    from odx_graph.web.app import create_app

    app = create_app(Settings.from_env({}, rate_limit_per_minute=3), database=fresh_db)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://odx.test") as http:
        statuses = [
            (await http.post("/graphql", json={"query": "{ __typename }"})).status_code
            for _ in range(4)
        ]
        assert statuses == [200, 200, 200, 429]
        limited = await http.post("/graphql", json={"query": "{ __typename }"})
        assert int(limited.headers["retry-after"]) >= 1
        assert (await http.get("/healthz")).status_code == 200  # exempt


async def test_field_suggestions_only_for_callers_with_a_key(world: World) -> None:
    typo = {"query": "{ homes { totalCont } }"}
    public = (await world.http.post("/graphql", json=typo)).json()["errors"][0]["message"]
    assert "Did you mean" not in public and "totalCont" in public
    keyed = await world.http.post(
        "/graphql", json=typo, headers={"Authorization": f"Bearer {world.keys['regulator']}"}
    )
    assert "Did you mean" in keyed.json()["errors"][0]["message"]


async def test_directives_and_body_size_are_bounded(world: World) -> None:
    many = " ".join("... on Query @include(if: true) { __typename }" for _ in range(60))
    body = (await world.http.post("/graphql", json={"query": f"{{ {many} }}"})).json()
    assert body["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    huge = {"query": "{ __typename }", "variables": {"pad": "x" * 1_100_000}}
    response = await world.http.post("/graphql", json=huge)
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"


async def test_provider_keys_upload_as_their_own_organisation_only(world: World) -> None:
    homes = "home_ref,address_line_1,postcode\nK-1,1 Key Street,LS9 8AB\n"
    provider = {"Authorization": f"Bearer {world.keys['provider']}", "Content-Type": "text/csv"}
    own = await world.http.post(
        "/import", params={"format": "homes"}, content=homes, headers=provider
    )
    assert own.status_code == 200, own.text
    assert own.json()["organisation"].endswith(f"(organisation {world.landlord})")
    other = await world.http.post(
        "/import",
        params={"format": "homes", "as": str(world.other_landlord)},
        content=homes,
        headers=provider,
    )
    assert other.status_code == 403
    contractor = {"Authorization": f"Bearer {world.keys['contractor']}"}
    refused = await world.http.post(
        "/import", params={"format": "homes"}, content=homes, headers=contractor
    )
    assert refused.status_code == 403


async def test_only_regulators_and_admins_see_small_groups_unsuppressed(world: World) -> None:
    query = """{ repairPerformance(groupBy: [POSTCODE_SECTOR]) { suppressed homes raised } }"""
    results = {}
    for key in (None, "provider", "regulator"):
        groups = (await world.gql(query, None, key))["repairPerformance"]
        results[key] = (
            any(g["suppressed"] for g in groups),
            all(g["raised"] is None or g["raised"] % 5 == 0 for g in groups),
        )
    assert results[None] == results["provider"] == (True, True)
    assert results["regulator"][0] is False


async def test_satisfaction_answers_and_the_audit_trail(world: World) -> None:
    answer = """mutation($h: ID!, $a: String!) { submitSatisfaction(input: {homeId: $h,
      measure: "TP01", answer: $a}) { __typename ... on MutationError { code field } } }"""
    home = gid("Home", world.home)
    # the demo holds a tenant survey of its own: only what this test submits counts here
    before = await world.db.fetchval("SELECT coalesce(max(id), 0) FROM satisfaction_response")
    ok = await world.gql(answer, {"h": home, "a": "fairly-satisfied"}, "resident")
    assert ok["submitSatisfaction"]["__typename"] == "SatisfactionPayload"
    bad = await world.gql(answer, {"h": home, "a": "ecstatic"}, "resident")
    assert bad["submitSatisfaction"]["field"] == "answer"
    other = await world.gql(
        answer, {"h": gid("Home", world.other_home), "a": "neither"}, "resident"
    )
    assert other["submitSatisfaction"]["code"] == "FORBIDDEN"
    stored = await world.db.fetch(
        "SELECT landlord_id, measure_code FROM satisfaction_response WHERE id > $1", before
    )
    assert [tuple(r) for r in stored] == [(world.landlord, "TP01")]
    trail = "{ auditTrail(first: 10) { operation tier subjectType changes } }"
    events = (await world.gql(trail, None, "provider"))["auditTrail"]
    assert [e["operation"] for e in events] == ["submitSatisfaction"]
    assert (await world.gql(trail, None, "other_provider"))["auditTrail"] == []
    response = await world.http.post("/graphql", json={"query": trail})
    assert response.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_the_open_data_reader_cannot_read_private_columns(seeded_db: Database) -> None:
    import asyncpg

    reader = seeded_db.with_role("odx_reader")
    assert await reader.fetchval("SELECT count(*) FROM repair WHERE status_code IS NOT NULL")
    for sql in (
        "SELECT description FROM repair LIMIT 1",
        "SELECT note FROM repair_status_event LIMIT 1",
        "SELECT file_name FROM data_import LIMIT 1",
        "SELECT secret_hash FROM api_key LIMIT 1",
        "SELECT * FROM repair LIMIT 1",
    ):
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await reader.fetch(sql)
    # The owner's statements never run as the reader, on whichever connection they get.
    assert await seeded_db.fetchval("SELECT current_user") != "odx_reader"


async def test_cancelled_requests_never_leave_a_connection_in_the_wrong_role(
    pg_server: Server, template_db: str
) -> None:
    # Requests are cancelled at every point of their round trips (a client hanging up, a
    # deadline): the next request on the same connection still runs as its own role.
    name = await pg_server.create_database(template_db)
    owner = await Database.connect(pg_server.dsn(name), min_size=1, max_size=1)
    reader = owner.with_role("odx_reader")
    wrong: list[tuple[int, str, str]] = []
    try:
        login = await owner.fetchval("SELECT session_user")
        role = {id(owner): login, id(reader): "odx_reader"}
        for i in range(144):
            # The connection last served one role; a request of the other is cancelled
            # somewhere in its switch or its statement; then both roles ask who they are.
            cancelled, other = (reader, owner) if i % 2 else (owner, reader)
            await other.fetchval("SELECT 1")
            task = asyncio.create_task(cancelled.fetchval("SELECT 1"))
            for _ in range((i // 2) % 12):
                await asyncio.sleep(0)
            task.cancel()
            with contextlib.suppress(BaseException):
                await task
            for db in (other, cancelled, other):
                who = await db.fetchval("SELECT current_user")
                if who != role[id(db)]:
                    wrong.append((i, role[id(db)], who))
    finally:
        await owner.close()
        await pg_server.drop_database(name)
    assert wrong == []


async def test_one_connection_alternating_owner_and_reader_keeps_each_to_its_role(
    pg_server: Server, template_db: str
) -> None:
    import asyncpg

    name = await pg_server.create_database(template_db)
    owner = await Database.connect(pg_server.dsn(name), min_size=1, max_size=1)
    try:
        reader = owner.with_role("odx_reader")
        login = await owner.fetchval("SELECT session_user")
        for _ in range(3):
            assert await reader.fetchval("SELECT current_user") == "odx_reader"
            assert await reader.fetchval("SELECT current_user") == "odx_reader"
            assert await owner.fetchval("SELECT current_user") == login != "odx_reader"
            async with owner.connection() as conn:
                assert await conn.fetchval("SELECT current_user") == login
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await reader.fetch("SELECT description FROM repair LIMIT 1")
            assert await owner.fetchval("SELECT count(description) FROM repair") >= 0
        # Session settings changed through multi-statement work are reset on release;
        # the same connection then serves the reader without carrying them over.
        async with owner.connection() as conn:
            await conn.execute("SET application_name = 'left-behind'")
        assert await reader.fetchval("SHOW application_name") == "odx-graph"
    finally:
        await owner.close()
        await pg_server.drop_database(name)


def test_admins_may_change_any_record() -> None:
    admin = Principal(Tier.ADMIN, None, None, 1)
    for landlord, contractor, home in ((1, 2, 3), (None, None, None), (7, None, 9)):
        assert may_write(admin, landlord=landlord, contractor=contractor, home=home)
    for tier in (Tier.PUBLIC, Tier.REGULATOR):
        assert not may_write(Principal(tier, 1, 3, 1), landlord=1, contractor=1, home=3)


async def test_an_admin_key_writes_for_any_landlord(world: World) -> None:
    for home in (world.home, world.other_home):
        created = await world.gql(REPORT, {"home": gid("Home", home)}, "admin")
        assert created["reportRepair"].get("code") is None, created
        repair = created["reportRepair"]["repair"]
        status = """mutation($r: ID!) {
          updateRepairStatus(input: {repairId: $r, status: SCHEDULED}) {
          ... on RepairPayload { repair { status { code } } } ... on MutationError { code } } }"""
        moved = await world.gql(status, {"r": repair["id"]}, "admin")
        assert moved["updateRepairStatus"]["repair"]["status"]["code"] == "scheduled"
