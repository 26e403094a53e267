"""Live updates for apps: the key in ``connection_init``, nested data as committed at each
event, and subscriptions that stop when their key is revoked (in another server process)
or expires. Real uvicorn servers on loopback, real WebSockets."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import websockets

from odx_graph.core.access import Tier
from odx_graph.core.ids import encode_global_id
from odx_graph.services.credentials import create_key
from odx_graph.store.db import Database
from tests.support import PROTOCOL
from tests.support import served_app

FOLLOW = """subscription($r: ID!) { repairUpdated(repairId: $r) {
  status { code } description redacted cost statusHistory { status { code } } lines { cost } } }"""


async def connect(url: str, payload: dict[str, Any] | None, headers: Any = None) -> Any:
    ws = await websockets.connect(
        f"ws://{url}/graphql",
        subprotocols=[PROTOCOL],  # type: ignore[list-item]
        additional_headers=headers,
    )
    message: dict[str, Any] = {"type": "connection_init"}
    if payload is not None:
        message["payload"] = payload
    await ws.send(json.dumps(message))
    return ws


async def follow(url: str, token: str | None, repair: str) -> Any:
    ws = await connect(url, {"Authorization": f"Bearer {token}"} if token else {})
    assert json.loads(await asyncio.wait_for(ws.recv(), 5))["type"] == "connection_ack"
    payload = {"query": FOLLOW, "variables": {"r": repair}}
    await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
    await asyncio.sleep(0.3)  # the subscription is in place before anything changes
    return ws


async def event(ws: Any, timeout: float = 5) -> dict[str, Any]:  # noqa: ASYNC109
    message: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), timeout))
    return message


class App:
    """Two server processes' worth of apps on one database, and keys."""

    def __init__(self, db: Database, urls: list[str], keys: dict[str, str], ids: dict[str, Any]):
        self.db, self.urls, self.keys, self.ids = db, urls, keys, ids

    async def gql(self, key: str, query: str, variables: dict[str, Any], server: int = 0) -> Any:
        async with httpx.AsyncClient(base_url=f"http://{self.urls[server]}") as http:
            response = await http.post(
                "/graphql",
                json={"query": query, "variables": variables},
                headers={"Authorization": f"Bearer {self.keys[key]}"},
            )
        body = response.json()
        assert "errors" not in body, body
        return body["data"]


@pytest.fixture
async def app(fresh_db: Database) -> AsyncIterator[App]:
    row = await fresh_db.fetchrow(
        "SELECT h.id AS home, h.landlord_id FROM home h WHERE h.landlord_id IS NOT NULL "
        "ORDER BY h.id LIMIT 1"
    )
    contractor = await fresh_db.fetchval(
        "SELECT id FROM organisation WHERE kind_code = 'contractor' ORDER BY id LIMIT 1"
    )
    assert row is not None
    keys = {}
    async with fresh_db.connection() as conn:
        _, keys["provider"] = await create_key(
            conn, tier=Tier.PROVIDER, name="landlord", organisation_id=row["landlord_id"]
        )
        _, keys["contractor"] = await create_key(
            conn, tier=Tier.CONTRACTOR, name="contractor", organisation_id=contractor
        )
    ids = {
        "home": encode_global_id("Home", row["home"]),
        "contractor": encode_global_id("Organisation", contractor),
    }
    async with served_app(fresh_db) as (one, _), served_app(fresh_db) as (two, _):
        yield App(fresh_db, [one, two], keys, ids)


ISSUE = """mutation($h: ID!) { issueResidentToken(input: {home: {id: $h}, name: "app"}) {
  ... on ResidentTokenPayload { token residentToken { id } } } }"""
REPORT = """mutation($h: ID!) { reportRepair(input: {homeId: $h, description: "Tap drips"}) {
  ... on RepairPayload { repair { id } } } }"""


async def test_a_resident_follows_a_repair_with_nested_data_as_committed_at_each_event(
    app: App,
) -> None:
    issued = (await app.gql("provider", ISSUE, {"h": app.ids["home"]}))["issueResidentToken"]
    app.keys["resident"] = issued["token"]
    repair = (await app.gql("resident", REPORT, {"h": app.ids["home"]}))["reportRepair"]["repair"]
    early = await follow(app.urls[0], issued["token"], repair["id"])
    steps = [
        (
            "provider",
            """mutation($r: ID!, $c: ID!) { assignRepair(input: {repairId: $r,
              contractorId: $c, priority: P3}) { __typename } }""",
            {"r": repair["id"], "c": app.ids["contractor"]},
        ),
        (
            "contractor",
            """mutation($r: ID!) { updateRepairStatus(input: {repairId: $r,
              status: IN_PROGRESS, note: "On site"}) { __typename } }""",
            {"r": repair["id"]},
        ),
    ]
    seen = []
    late = None
    for key, mutation, variables in steps:
        await app.gql(key, mutation, variables)
        seen.append((await event(early))["payload"]["data"]["repairUpdated"])
        if late is None:  # a subscription opened once the history has begun
            late = await follow(app.urls[1], issued["token"], repair["id"])
    complete = """mutation($r: ID!) { completeRepair(input: {repairId: $r,
      lines: [{sorCode: "601101", quantity: "1", unitCost: "27.23"}]}) { __typename } }"""
    await app.gql("contractor", complete, {"r": repair["id"]})
    seen.append((await event(early))["payload"]["data"]["repairUpdated"])
    histories = [[s["status"]["code"] for s in e["statusHistory"]] for e in seen]
    assert histories == [
        ["reported", "scheduled"],
        ["reported", "scheduled", "in-progress"],
        ["reported", "scheduled", "in-progress", "complete"],
    ]
    assert [e["lines"] for e in seen] == [[], [], [{"cost": "27.23"}]]
    assert seen[-1]["cost"] == "27.23" and seen[-1]["status"]["code"] == "complete"
    assert {e["description"] for e in seen} == {"Tap drips"}
    assert all(e["redacted"] == [] for e in seen)
    assert late is not None
    later = [(await event(late))["payload"]["data"]["repairUpdated"] for _ in range(2)]
    assert [len(e["statusHistory"]) for e in later] == [3, 4]
    assert later[-1]["lines"] == [{"cost": "27.23"}]
    await early.close()
    await late.close()


async def test_revoking_a_token_ends_its_subscriptions_in_every_server_process(
    app: App,
) -> None:
    issued = (await app.gql("provider", ISSUE, {"h": app.ids["home"]}))["issueResidentToken"]
    app.keys["resident"] = issued["token"]
    repair = (await app.gql("resident", REPORT, {"h": app.ids["home"]}))["reportRepair"]["repair"]
    watching = await follow(app.urls[0], issued["token"], repair["id"])
    public = await follow(app.urls[0], None, repair["id"])
    revoke = """mutation($t: ID!) { revokeResidentToken(input: {tokenId: $t}) { __typename } }"""
    # Revoked through the other server: only the database connects the two.
    await app.gql("provider", revoke, {"t": issued["residentToken"]["id"]}, server=1)
    ended = await event(watching, 3)
    assert ended["type"] == "next", ended
    assert ended["payload"]["data"] is None
    assert ended["payload"]["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert "revoked" in ended["payload"]["errors"][0]["message"]
    assert (await event(watching))["type"] == "complete"
    status = """mutation($r: ID!) { updateRepairStatus(input: {repairId: $r, status: HOLD,
      note: "Parts"}) { __typename } }"""
    await app.gql("provider", status, {"r": repair["id"]})
    update = (await event(public))["payload"]["data"]["repairUpdated"]
    assert update["description"] is None and update["redacted"] == ["description"]
    with pytest.raises(TimeoutError):
        await event(watching, 0.5)  # nothing more, private or not
    again = await connect(app.urls[0], {"Authorization": issued["token"]})
    with pytest.raises(websockets.ConnectionClosed) as closed:
        await event(again)  # a new connection with the key is refused, with the reason
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403
    assert "revoked" in closed.value.rcvd.reason
    await watching.close()
    await public.close()


async def test_a_subscription_ends_when_its_key_expires(app: App) -> None:
    home = int(await app.db.fetchval("SELECT min(id) FROM home WHERE landlord_id IS NOT NULL"))
    async with app.db.connection() as conn:
        _, token = await create_key(
            conn,
            tier=Tier.RESIDENT,
            name="brief",
            home_id=home,
            expires_at=dt.datetime.now(dt.UTC) + dt.timedelta(seconds=2),
        )
    ws = await follow(app.urls[0], token, encode_global_id("Repair", 1))
    ended = await event(ws, 5)
    assert ended["payload"]["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert "expired" in ended["payload"]["errors"][0]["message"]
    await ws.close()


async def test_a_bad_key_closes_the_socket_with_a_reason(app: App) -> None:
    for payload, headers in (
        ({"Authorization": "Bearer odx_nonsense"}, None),
        ({"token": app.keys["provider"] + "x"}, None),
        ({}, {"Authorization": "Bearer odx_nonsense"}),
        (
            {"Authorization": app.keys["contractor"]},
            {"Authorization": f"Bearer {app.keys['provider']}"},
        ),
    ):
        ws = await connect(app.urls[0], payload, headers)
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 5)
        assert closed.value.rcvd is not None
        assert closed.value.rcvd.code == 4403
        assert closed.value.rcvd.reason.startswith("UNAUTHENTICATED: ")
    ws = await connect(app.urls[0], {"Authorization": app.keys["provider"]})  # no "Bearer"
    assert (await event(ws))["type"] == "connection_ack"
    await ws.close()


CAPPED = """subscription($d: String) { repairUpdated(postcodeDistrict: $d) { id } }"""


async def start(ws: Any, variables: dict[str, Any]) -> None:
    assert (await event(ws))["type"] == "connection_ack"
    payload = {"query": CAPPED, "variables": variables}
    await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))


async def test_a_key_in_connection_init_has_its_own_subscriptions(fresh_db: Database) -> None:
    landlord = await fresh_db.fetchval(
        "SELECT landlord_id FROM home WHERE landlord_id IS NOT NULL ORDER BY id LIMIT 1"
    )
    async with fresh_db.connection() as conn:
        _, key = await create_key(conn, tier=Tier.PROVIDER, name="app", organisation_id=landlord)
    async with served_app(fresh_db, max_subscriptions_per_client=1) as (url, app):
        public = await connect(url, {})
        await start(public, {"d": "LS1"})
        for _ in range(100):  # the address's one subscription is in place
            if getattr(app.state, "hub", None) is not None and app.state.hub.subscriber_count:
                break
            await asyncio.sleep(0.02)
        keyed = await connect(url, {"Authorization": key})
        await start(keyed, {"d": "LS2"})
        again = await connect(url, {"token": key})
        await start(again, {"d": "LS3"})
        try:
            refused = await event(again)
            errors = (
                refused["payload"]["errors"] if refused["type"] == "next" else refused["payload"]
            )
            assert errors[0]["extensions"] == {"code": "RATE_LIMITED"}, refused
            for _ in range(100):  # the key's one counts as the key's, not the address's
                if app.state.hub.subscriber_count == 2:
                    break
                await asyncio.sleep(0.02)
            assert app.state.hub.subscriber_count == 2
            with pytest.raises(TimeoutError):
                await event(keyed, 0.3)  # still open
        finally:
            for ws in (public, keyed, again):
                await ws.close()


async def test_keys_in_connection_init_spend_the_addresses_look_ups(fresh_db: Database) -> None:
    unknown = ["odx_" + c * 10 + "_" + "A" * 43 for c in "ab"]
    async with served_app(fresh_db, key_lookups_per_minute=1) as (url, app):
        for key, code, reason in (
            (unknown[0], 4403, "UNAUTHENTICATED: "),  # looked up: the address's one
            (unknown[0], 4403, "UNAUTHENTICATED: "),  # known bad: refused without one
            (unknown[1], 4429, "RATE_LIMITED: "),  # none left for another key
        ):
            ws = await connect(url, {"Authorization": key})
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await event(ws)
            assert closed.value.rcvd is not None
            assert (closed.value.rcvd.code, closed.value.rcvd.reason[: len(reason)]) == (
                code,
                reason,
            )
        ws = await connect(url, {}, {"Authorization": f"Bearer {unknown[0]}"})
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await event(ws)  # the same key in the header: known bad, closed with a reason
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403
        assert app.state.metrics.refused.labels("key_lookups")._value.get() == 1
