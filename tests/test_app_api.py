"""The app builder's API over HTTP: resident tokens issued by landlords, ``viewer``, writes
that check themselves, typed codes, conflicts, redaction markers and paging both ways."""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any

import pytest

from odx_graph.core.access import Tier
from odx_graph.core.ids import decode_int_id
from odx_graph.services.credentials import create_key
from odx_graph.store.db import Database
from tests import test_access
from tests.conftest import GraphQLClient
from tests.test_access import World
from tests.test_access import gid

world = test_access.world  # the same keys and organisations

ISSUE = """mutation($input: IssueResidentTokenInput!) { issueResidentToken(input: $input) {
  __typename
  ... on ResidentTokenPayload { token replayed residentToken { id name active expiresAt scopes
                                                               home { id uprn } } }
  ... on MutationError { code field message } } }"""
VIEWER = """{ viewer { tier expiresAt scopes organisation { id } home { id uprn } } }"""
REVOKE = """mutation($t: ID!) { revokeResidentToken(input: {tokenId: $t}) {
  __typename ... on MutationError { code field } } }"""


async def call(world: World, query: str, variables: dict[str, Any], token: str | None) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return await world.http.post(
        "/graphql", json={"query": query, "variables": variables}, headers=headers
    )


async def test_a_landlord_signs_a_resident_up_by_uprn_and_the_app_needs_only_the_token(
    world: World,
) -> None:
    await world.db.execute("UPDATE home SET uprn = 990000000123 WHERE id = $1", world.home)
    issued = (
        await world.gql(
            ISSUE,
            {"input": {"home": {"uprn": "990000000123"}, "name": "Flat 3 app"}},
            "provider",
        )
    )["issueResidentToken"]
    assert issued["__typename"] == "ResidentTokenPayload", issued
    token = issued["token"]
    assert token.startswith("odx_") and issued["residentToken"]["active"] is True
    assert issued["residentToken"]["home"] == {
        "id": gid("Home", world.home),
        "uprn": "990000000123",
    }
    expires = dt.datetime.fromisoformat(issued["residentToken"]["expiresAt"])
    days = (expires - dt.datetime.now(dt.UTC)).total_seconds() / 86400
    assert 89.99 < days <= 90  # ODX_RESIDENT_TOKEN_DAYS
    body = (await call(world, VIEWER, {}, token)).json()
    assert body["data"]["viewer"] == {
        "tier": "RESIDENT",
        "expiresAt": issued["residentToken"]["expiresAt"],
        "scopes": None,
        "organisation": None,
        "home": {"id": gid("Home", world.home), "uprn": "990000000123"},
    }
    public = (await call(world, VIEWER, {}, None)).json()["data"]["viewer"]
    assert public["tier"] == "PUBLIC" and public["home"] is None
    provider = (await world.gql(VIEWER, None, "provider"))["viewer"]
    assert provider["tier"] == "PROVIDER"
    assert provider["organisation"] == {"id": gid("Organisation", world.landlord)}


async def test_resident_tokens_are_issued_only_for_the_landlords_own_homes(world: World) -> None:
    other = {"input": {"home": {"id": gid("Home", world.other_home)}, "name": "x"}}
    refused = (await world.gql(ISSUE, other, "provider"))["issueResidentToken"]
    assert refused["code"] == "FORBIDDEN"
    for key in ("contractor", "resident", "regulator"):
        mine = {"input": {"home": {"id": gid("Home", world.home)}, "name": "x"}}
        assert (await world.gql(ISSUE, mine, key))["issueResidentToken"]["code"] == "FORBIDDEN"
    missing = {"input": {"home": {"uprn": "1"}, "name": "x"}}
    assert (await world.gql(ISSUE, missing, "provider"))["issueResidentToken"]["code"] == (
        "NOT_FOUND"
    )
    two = {"input": {"home": {"id": gid("Home", world.home), "uprn": "1"}, "name": "x"}}
    assert (await world.gql(ISSUE, two, "provider"))["issueResidentToken"]["field"] == "home"
    too_long = {
        "input": {"home": {"id": gid("Home", world.home)}, "name": "x", "expiresInDays": 366}
    }
    bad = (await world.gql(ISSUE, too_long, "provider"))["issueResidentToken"]
    assert (bad["code"], bad["field"]) == ("BAD_USER_INPUT", "expiresInDays")
    count = await world.db.fetchval(
        "SELECT count(*) FROM api_key WHERE issued_by_key_id IS NOT NULL"
    )
    assert count == 0


async def test_a_landlord_lists_and_revokes_its_residents_tokens(world: World) -> None:
    tokens = []
    for n in range(3):
        variables = {
            "input": {
                "home": {"id": gid("Home", world.home)},
                "name": f"t{n}",
                "scopes": ["READ", "REPAIRS"],
            }
        }
        tokens.append((await world.gql(ISSUE, variables, "provider"))["issueResidentToken"])
    listing = """query($after: String, $before: String, $first: Int, $last: Int) {
      residentTokens(first: $first, after: $after, last: $last, before: $before) {
        totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
        nodes { id name scopes active } } }"""
    page = (await world.gql(listing, {"first": 2}, "provider"))["residentTokens"]
    assert [n["name"] for n in page["nodes"]] == ["t2", "t1"]  # newest first
    # The world's own resident key is one too.
    assert page["totalCount"] == 4 and page["pageInfo"]["hasNextPage"] is True
    assert page["nodes"][0]["scopes"] == ["READ", "REPAIRS"]
    rest = await world.gql(
        listing, {"first": 2, "after": page["pageInfo"]["endCursor"]}, "provider"
    )
    assert [n["name"] for n in rest["residentTokens"]["nodes"]] == ["t0", "resident"]
    assert rest["residentTokens"]["pageInfo"]["hasPreviousPage"] is True
    back = await world.gql(
        listing,
        {"last": 1, "before": rest["residentTokens"]["pageInfo"]["startCursor"]},
        "provider",
    )
    assert [n["name"] for n in back["residentTokens"]["nodes"]] == ["t1"]
    assert back["residentTokens"]["pageInfo"]["hasPreviousPage"] is True
    assert (await world.gql(listing, {}, "other_provider"))["residentTokens"]["totalCount"] == 0
    token_id = tokens[0]["residentToken"]["id"]
    assert (await world.gql(REVOKE, {"t": token_id}, "other_provider"))["revokeResidentToken"][
        "code"
    ] == "FORBIDDEN"
    assert (await world.gql(REVOKE, {"t": token_id}, "provider"))["revokeResidentToken"][
        "__typename"
    ] == "ResidentTokenPayload"
    again = (await world.gql(REVOKE, {"t": token_id}, "provider"))["revokeResidentToken"]
    assert again["code"] == "CONFLICT"
    refused = await call(world, VIEWER, {}, tokens[0]["token"])
    assert refused.status_code == 401
    active = "{ residentTokens(active: true) { nodes { name } } }"
    names = [
        n["name"] for n in (await world.gql(active, None, "provider"))["residentTokens"]["nodes"]
    ]
    assert names == ["t2", "t1", "resident"]
    trail = "{ auditEvents(first: 10) { nodes { operation subjectType } } }"
    events = (await world.gql(trail, None, "provider"))["auditEvents"]["nodes"]
    assert [e["operation"] for e in events[:2]] == ["revokeResidentToken", "issueResidentToken"]
    assert events[0]["subjectType"] == "ResidentToken"


async def test_a_token_does_only_what_its_scopes_allow(world: World) -> None:
    variables = {
        "input": {
            "home": {"id": gid("Home", world.home)},
            "name": "reports only",
            "scopes": ["REPAIRS"],
        }
    }
    token = (await world.gql(ISSUE, variables, "provider"))["issueResidentToken"]["token"]
    report = """mutation($h: ID!) { reportRepair(input: {homeId: $h, description: "Leak"}) {
      ... on RepairPayload { repair { description redacted } }
      ... on MutationError { code } } }"""
    made = (await call(world, report, {"h": gid("Home", world.home)}, token)).json()["data"]
    # It may report, but without the read scope it does not see the private text back.
    assert made["reportRepair"] == {"repair": {"description": None, "redacted": ["description"]}}
    damp = """mutation($h: ID!) { reportDampMould(input: {homeId: $h}) {
      ... on MutationError { code } } }"""
    refused = (await call(world, damp, {"h": gid("Home", world.home)}, token)).json()["data"]
    assert refused["reportDampMould"]["code"] == "FORBIDDEN"


async def test_an_expired_key_is_refused_from_its_expiry_on(world: World) -> None:
    async with world.db.connection() as conn:
        _, key = await create_key(
            conn,
            tier=Tier.RESIDENT,
            name="soon",
            home_id=world.home,
            expires_at=dt.datetime.now(dt.UTC) + dt.timedelta(hours=1),
        )
    assert (await call(world, VIEWER, {}, key)).status_code == 200
    # Pretend the hour has passed: the stored expiry is now in the past.
    await world.db.execute(
        "UPDATE api_key SET created_at = now() - interval '2 hours', "
        "expires_at = now() - interval '1 microsecond' WHERE name = 'soon'"
    )
    response = await call(world, VIEWER, {}, key)
    assert response.status_code == 401
    assert response.json()["errors"][0]["message"] == "this API key has expired"


REPAIR = """query($id: ID!) { node(id: $id) { ... on Repair { cost targetAt priority { code }
  status { code value } lines { sorCode quantity unitCost cost } } } }"""


async def _new_repair(world: World) -> str:
    report = """mutation($h: ID!) { reportRepair(input: {homeId: $h}) {
      ... on RepairPayload { repair { id } } } }"""
    data = await world.gql(report, {"h": gid("Home", world.home)}, "provider")
    repair_id: str = data["reportRepair"]["repair"]["id"]
    assign = """mutation($r: ID!, $c: ID!) { assignRepair(input: {repairId: $r,
      contractorId: $c}) { __typename } }"""
    await world.gql(
        assign, {"r": repair_id, "c": gid("Organisation", world.contractor)}, "provider"
    )
    return repair_id


COMPLETE = """mutation($input: CompleteRepairInput!) { completeRepair(input: $input) {
  ... on RepairPayload { repair { cost lines { cost } } }
  ... on MutationError { code field message } } }"""


async def test_a_completion_works_out_line_costs_and_checks_the_total(world: World) -> None:
    repair_id = await _new_repair(world)
    wrong = {
        "repairId": repair_id,
        "cost": "999",
        "lines": [{"sorCode": "601101", "quantity": "1", "unitCost": "27.23"}],
    }
    refused = (await world.gql(COMPLETE, {"input": wrong}, "contractor"))["completeRepair"]
    assert (refused["code"], refused["field"]) == ("BAD_USER_INPUT", "cost")
    assert "27.23" in refused["message"]
    right = {**wrong, "cost": None}
    done = (await world.gql(COMPLETE, {"input": right}, "contractor"))["completeRepair"]
    assert done == {"repair": {"cost": "27.23", "lines": [{"cost": "27.23"}]}}
    again = (await world.gql(COMPLETE, {"input": right}, "contractor"))["completeRepair"]
    assert (again["code"], again["field"]) == ("CONFLICT", "repairId")


async def test_a_landlord_corrects_a_completed_repair_and_the_trail_keeps_the_old_values(
    world: World,
) -> None:
    repair_id = await _new_repair(world)
    first = {
        "repairId": repair_id,
        "lines": [{"sorCode": "601101", "quantity": "1", "unitCost": "27.23"}],
    }
    await world.gql(COMPLETE, {"input": first}, "contractor")
    correct = """mutation($input: CorrectRepairInput!) { correctRepair(input: $input) {
      ... on RepairPayload { repair { cost lines { sorCode quantity cost } } }
      ... on MutationError { code field message } } }"""
    fix = {
        "repairId": repair_id,
        "reason": "two units fitted, not one",
        "lines": [{"sorCode": "601101", "quantity": "2", "unitCost": "27.23"}],
    }
    refused = (await world.gql(correct, {"input": fix}, "contractor"))["correctRepair"]
    assert refused["code"] == "FORBIDDEN"
    fixed = (await world.gql(correct, {"input": fix}, "provider"))["correctRepair"]
    assert fixed == {
        "repair": {
            "cost": "54.46",
            "lines": [{"sorCode": "601101", "quantity": "2.000", "cost": "54.46"}],
        }
    }
    trail = "{ auditEvents(first: 1) { nodes { operation changes } } }"
    [event] = (await world.gql(trail, None, "provider"))["auditEvents"]["nodes"]
    changes = json.loads(event["changes"])
    assert event["operation"] == "correctRepair"
    assert changes["reason"] == "two units fitted, not one"
    assert changes["before"]["cost"] == "27.23" and changes["after"]["cost"] == "54.46"
    when = {"repairId": repair_id, "reason": "finished the day before", "completedAt": None}
    nothing = (await world.gql(correct, {"input": when}, "provider"))["correctRepair"]
    assert (nothing["code"], nothing["field"]) == ("BAD_USER_INPUT", "input")
    # Correcting only the completion time leaves the cost and lines as they are.
    earlier = await world.db.fetchval(
        "SELECT reported_at + interval '1 minute' FROM repair WHERE id = $1",
        decode_int_id(repair_id, "Repair"),
    )
    moved = {**when, "completedAt": earlier.isoformat()}
    kept = (await world.gql(correct, {"input": moved}, "provider"))["correctRepair"]
    assert kept["repair"]["cost"] == "54.46" and len(kept["repair"]["lines"]) == 1
    open_one = await _new_repair(world)
    early = await world.gql(correct, {"input": {**fix, "repairId": open_one}}, "provider")
    assert early["correctRepair"]["code"] == "CONFLICT"
    blank = await world.gql(correct, {"input": {**fix, "reason": " "}}, "provider")
    assert blank["correctRepair"]["field"] == "reason"


async def test_a_new_priority_moves_the_target_by_its_working_day_rule(world: World) -> None:
    repair_id = await _new_repair(world)
    key = int(await world.db.fetchval("SELECT max(id) FROM repair"))
    # Reported on Thursday 2 April 2026: Good Friday and Easter Monday are bank holidays.
    await world.db.execute(
        "UPDATE repair SET reported_at = '2026-04-02 10:00+01', target_at = NULL WHERE id = $1",
        key,
    )
    assign = """mutation($r: ID!, $c: ID!, $p: PriorityCode, $t: DateTime) {
      assignRepair(input: {repairId: $r, contractorId: $c, priority: $p, targetAt: $t}) {
      ... on RepairPayload { repair { targetAt priority { code value } } }
      ... on MutationError { code field } } }"""
    ids = {"r": repair_id, "c": gid("Organisation", world.contractor)}
    urgent = (await world.gql(assign, {**ids, "p": "P3"}, "provider"))["assignRepair"]["repair"]
    # 5 working days after Thursday 2nd: 7, 8, 9, 10, 13 April; due by midnight (BST).
    assert urgent == {
        "targetAt": "2026-04-13T23:00:00+00:00",
        "priority": {"code": "3", "value": "P3"},
    }
    emergency = (await world.gql(assign, {**ids, "p": "P2"}, "provider"))["assignRepair"]
    assert emergency["repair"]["targetAt"] == "2026-04-03T09:00:00+00:00"  # 24 hours
    given = {**ids, "p": "P4", "t": "2026-05-01T12:00:00Z"}
    assert (await world.gql(assign, given, "provider"))["assignRepair"]["repair"][
        "targetAt"
    ] == "2026-05-01T12:00:00+00:00"
    same = (await world.gql(assign, {**ids, "p": "P4"}, "provider"))["assignRepair"]["repair"]
    assert same["targetAt"] == "2026-05-01T12:00:00+00:00"  # priority unchanged: target kept


async def test_an_hours_target_counts_real_hours_across_the_clock_change(world: World) -> None:
    repair_id = await _new_repair(world)
    key = int(await world.db.fetchval("SELECT max(id) FROM repair"))
    await world.db.execute("UPDATE repair SET reported_at = '2026-03-28 12:00Z' WHERE id = $1", key)
    assign = """mutation($r: ID!, $c: ID!) { assignRepair(input: {repairId: $r,
      contractorId: $c, priority: P2}) { ... on RepairPayload { repair { targetAt } } } }"""
    data = await world.gql(
        assign, {"r": repair_id, "c": gid("Organisation", world.contractor)}, "provider"
    )
    assert data["assignRepair"]["repair"]["targetAt"] == "2026-03-29T12:00:00+00:00"


async def test_unknown_codes_in_filters_are_errors_as_in_mutations(gql: GraphQLClient) -> None:
    body = await gql('{ repairs(filter: {trade: ["ZZ"]}) { totalCount } }', expect_errors=True)
    error = body["errors"][0]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "filter.trade"}
    assert "'ZZ'" in error["message"]
    sor = await gql('{ repairs(filter: {sorCode: ["NOPE-1"]}) { totalCount } }', expect_errors=True)
    assert sor["errors"][0]["extensions"]["field"] == "filter.sorCode"
    status = await gql('{ repairs(filter: {status: ["done"]}) { totalCount } }', expect_errors=True)
    assert status["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    ok = await gql('{ repairs(filter: {trade: ["PL"], status: [COMPLETE]}) { totalCount } }')
    assert ok["data"]["repairs"]["totalCount"] > 0
    typed = await gql("{ repairStatuses { code value } priorities { code value } }")
    values = {s["code"]: s["value"] for s in typed["data"]["repairStatuses"]}
    assert values["in-progress"] == "IN_PROGRESS" and values["complete"] == "COMPLETE"
    assert {p["value"] for p in typed["data"]["priorities"]} == {"P1", "P2", "P3", "P4", "P5"}


async def test_common_trades_have_labels(gql: GraphQLClient) -> None:
    trades = (await gql("{ trades { code label } }"))["data"]["trades"]
    unlabelled = [t["code"] for t in trades if t["label"].startswith("Trade code")]
    assert unlabelled == []
    labels = {t["code"]: t["label"] for t in trades}
    assert "Heating" in labels["HE"] and "Electric" in labels["EL"]


async def test_a_hidden_field_is_marked_redacted_and_an_empty_one_is_not(world: World) -> None:
    await world.db.execute(
        "UPDATE repair SET description = NULL WHERE id = "
        "(SELECT min(id) FROM repair WHERE landlord_id = $1)",
        world.landlord,
    )
    query = """query($l: ID!) { repairs(filter: {landlord: [$l]}, first: 2, orderBy: ID,
      direction: ASC) { nodes { description redacted statusHistory { note redacted } } } }"""
    variables = {"l": gid("Organisation", world.landlord)}
    public = (await call(world, query, variables, None)).json()["data"]["repairs"]["nodes"]
    assert [n["redacted"] for n in public] == [["description"], ["description"]]
    assert all(e["redacted"] == ["note"] for n in public for e in n["statusHistory"])
    own = (await world.gql(query, variables, "provider"))["repairs"]["nodes"]
    assert own[0] == {**own[0], "description": None, "redacted": []}  # empty, not hidden
    assert own[1]["redacted"] == [] and own[1]["description"]


async def test_connections_page_backward(gql: GraphQLClient) -> None:
    query = """query($f: Int, $a: String, $l: Int, $b: String) {
      homes(first: $f, after: $a, last: $l, before: $b, orderBy: ID, direction: ASC) {
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor } nodes { id } } }"""
    forward = (await gql(query, {"f": 6}))["data"]["homes"]
    ids = [n["id"] for n in forward["nodes"]]
    tail = (await gql(query, {"l": 3, "b": forward["pageInfo"]["endCursor"]}))["data"]["homes"]
    assert [n["id"] for n in tail["nodes"]] == ids[2:5]
    assert tail["pageInfo"]["hasPreviousPage"] is True and tail["pageInfo"]["hasNextPage"] is True
    head = await gql(query, {"l": 5, "b": ids[3] and tail["pageInfo"]["startCursor"]})
    assert [n["id"] for n in head["data"]["homes"]["nodes"]] == ids[:2]
    assert head["data"]["homes"]["pageInfo"]["hasPreviousPage"] is False
    end = (await gql(query, {"l": 2}))["data"]["homes"]
    count = (await gql("{ homes { totalCount } }"))["data"]["homes"]["totalCount"]
    assert end["pageInfo"] == {**end["pageInfo"], "hasNextPage": False, "hasPreviousPage": True}
    assert len(end["nodes"]) == 2 and count > 2
    both = await gql(query, {"f": 2, "l": 2}, expect_errors=True)
    assert both["errors"][0]["extensions"]["field"] == "last"


async def test_introspection_logs_no_warning(
    gql: GraphQLClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        body = await gql('{ __schema { queryType { name } } __type(name: "Home") { name } }')
    assert body["data"]["__schema"]["queryType"]["name"] == "Query"
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []


async def test_the_audit_trail_is_a_connection_too(world: World, fresh_db: Database) -> None:
    for _ in range(3):
        await _new_repair(world)
    query = """query($a: String) { auditEvents(first: 4, after: $a) {
      totalCount pageInfo { hasNextPage endCursor } nodes { sequence operation } } }"""
    page = (await world.gql(query, {}, "provider"))["auditEvents"]
    assert page["totalCount"] == 6 and page["pageInfo"]["hasNextPage"] is True
    more = await world.gql(query, {"a": page["pageInfo"]["endCursor"]}, "provider")
    sequences = [e["sequence"] for e in page["nodes"] + more["auditEvents"]["nodes"]]
    assert sequences == sorted(sequences, reverse=True) and len(set(sequences)) == 6
    old = await world.gql("{ auditTrail(first: 6) { sequence } }", None, "provider")
    assert [e["sequence"] for e in old["auditTrail"]] == sequences


def test_the_command_line_takes_a_global_id_and_gives_resident_tokens_an_expiry(
    fresh_db: Database, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from odx_graph.cli import main

    monkeypatch.setenv("ODX_DATABASE_URL", fresh_db.dsn)
    monkeypatch.setenv("ODX_LOG_LEVEL", "ERROR")
    home = gid("Home", 1)
    assert main(["keys", "create", "--tier", "resident", "--home", home, "--name", "t"]) == 0
    created = capsys.readouterr().out
    expiry = (dt.datetime.now(dt.UTC) + dt.timedelta(days=90)).strftime("%Y-%m-%d")
    assert f"expires {expiry}" in created
    assert main(["keys", "create", "--tier", "admin", "--name", "ops"]) == 0
    assert "expires" not in capsys.readouterr().out
    assert main(["keys", "list"]) == 0
    listed = capsys.readouterr().out
    assert "resident" in listed and "active" in listed
    assert main(["keys", "create", "--tier", "resident", "--home", "SG9tZQ==", "--name", "t"]) == 2
