"""A "where is my repair?" resident app against odx-graph, with the ``gql`` client.

The resident flow, end to end:

1. the landlord (a provider key) signs a resident up: ``issueResidentToken`` for one of
   its homes, by UPRN, gives a token that expires;
2. the resident's app holds nothing but that token: ``viewer`` says which home it is for;
3. the resident reports a repair and follows it live (graphql-transport-ws, the token in
   ``connection_init``) while the landlord assigns it and the contractor (a contractor
   key) starts and completes it: every event carries the repair's status history and,
   at completion, its lines and cost;
4. the landlord revokes the token: the subscription ends with ``UNAUTHENTICATED``, and
   the repair's description is no longer shared with the app.

Run it against a server: ``ODX_URL`` (default http://127.0.0.1:8000), ``LANDLORD_KEY``
and ``CONTRACTOR_KEY`` (``odx-graph keys create --tier provider|contractor ...``). It
exits 0 when every step behaved as described, 1 (saying which) when not.
"""

from __future__ import annotations

import asyncio
import os
import sys
from typing import Any

from gql import Client
from gql import GraphQLRequest
from gql.transport.exceptions import TransportQueryError
from gql.transport.httpx import HTTPXAsyncTransport
from gql.transport.websockets import WebsocketsTransport

URL = os.environ.get("ODX_URL", "http://127.0.0.1:8000").rstrip("/")


def client(token: str | None) -> Client:
    """A GraphQL client over HTTP, with ``token`` as its key (none: the public)."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return Client(transport=HTTPXAsyncTransport(url=f"{URL}/graphql", headers=headers))


def live(token: str) -> Client:
    """A graphql-transport-ws client sending ``token`` in ``connection_init``, as a
    browser must (it cannot set headers on a WebSocket)."""
    transport = WebsocketsTransport(
        url=URL.replace("http", "ws", 1) + "/graphql",
        init_payload={"Authorization": f"Bearer {token}"},
        subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL],
    )
    return Client(transport=transport)


async def run(token: str | None, query: str, **variables: Any) -> dict[str, Any]:
    """Run one operation; a mutation's ``MutationError`` is a failure here."""
    async with client(token) as session:
        data: dict[str, Any] = await session.execute(
            GraphQLRequest(query, variable_values=variables)
        )
    for name, value in data.items():
        if isinstance(value, dict) and value.get("__typename") == "MutationError":
            raise SystemExit(f"{name} failed: {value['code']} {value['message']}")
    return data


def check(ok: bool, what: str) -> None:
    """Say what was checked; stop with status 1 when it does not hold."""
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        raise SystemExit(1)


HOME = """{ viewer { organisation { name homes(first: 50) {
  nodes { id uprn addressLine1 postcode } } } } }"""
ISSUE = """mutation($home: HomeLookupInput!) {
  issueResidentToken(input: {home: $home, name: "Where is my repair?"}) {
    __typename
    ... on ResidentTokenPayload { token residentToken { id expiresAt } }
    ... on MutationError { code field message } } }"""
VIEWER = "{ viewer { tier expiresAt home { id addressLine1 postcode } } }"
REPORT = """mutation($home: ID!, $key: String!) {
  reportRepair(input: {homeId: $home, description: "Kitchen tap drips", idempotencyKey: $key}) {
    __typename
    ... on RepairPayload { repair { id targetAt status { value } } }
    ... on MutationError { code field message } } }"""
FOLLOW = """subscription($id: ID!) { repairUpdated(repairId: $id) {
  status { value label } description redacted targetAt cost
  statusHistory { status { value } occurredAt } lines { sorCode quantity unitCost cost } } }"""
CONTRACTOR = "{ viewer { organisation { id name } } }"
ASSIGN = """mutation($id: ID!, $contractor: ID!) {
  assignRepair(input: {repairId: $id, contractorId: $contractor, priority: P3}) {
    __typename ... on MutationError { code field message } } }"""
START = """mutation($id: ID!) {
  updateRepairStatus(input: {repairId: $id, status: IN_PROGRESS, note: "On my way"}) {
    __typename ... on MutationError { code field message } } }"""
COMPLETE = """mutation($id: ID!) {
  completeRepair(input: {repairId: $id,
                         lines: [{sorCode: "601101", quantity: "1", unitCost: "27.23"}]}) {
    __typename ... on RepairPayload { repair { cost } }
    ... on MutationError { code field message } } }"""
REVOKE = """mutation($id: ID!) { revokeResidentToken(input: {tokenId: $id}) {
  __typename ... on MutationError { code field message } } }"""
PUBLIC = """query($id: ID!) { node(id: $id) { ... on Repair { description redacted
  status { value } } } }"""


async def follow(token: str, repair: str, events: list[dict[str, Any]]) -> str:
    """Collect the repair's updates until the subscription ends; returns how it ended."""
    async with live(token) as session:
        try:
            request = GraphQLRequest(FOLLOW, variable_values={"id": repair})
            async for event in session.subscribe(request):
                events.append(event["repairUpdated"])
        except TransportQueryError as error:
            return str((error.errors or [{}])[0].get("extensions", {}).get("code"))
    return "complete"


async def wait_for(events: list[dict[str, Any]], count: int) -> None:
    """Until ``count`` events have arrived (at most ten seconds)."""
    for _ in range(200):
        if len(events) >= count:
            return
        await asyncio.sleep(0.05)
    raise SystemExit(f"FAIL only {len(events)} of {count} live updates arrived")


async def main() -> None:
    landlord, contractor = os.environ["LANDLORD_KEY"], os.environ["CONTRACTOR_KEY"]

    organisation = (await run(landlord, HOME))["viewer"]["organisation"]
    homes = organisation["homes"]["nodes"]
    home = next((h for h in homes if h["uprn"]), homes[0])
    print(f"landlord {organisation['name']}, home {home['addressLine1']} (UPRN {home['uprn']})")
    # The landlord may name the home by UPRN, its own reference or the global ID.
    lookup = {"uprn": home["uprn"]} if home["uprn"] else {"id": home["id"]}
    issued = (await run(landlord, ISSUE, home=lookup))["issueResidentToken"]
    token = issued["token"]
    check(
        token.startswith("odx_"),
        f"resident signed up; token expires {issued['residentToken']['expiresAt']}",
    )

    viewer = (await run(token, VIEWER))["viewer"]
    check(
        viewer["tier"] == "RESIDENT" and viewer["home"]["id"] == home["id"],
        "viewer: the token's own home",
    )

    repair = await run(
        token, REPORT, home=home["id"], key=f"report-{issued['residentToken']['id']}"
    )
    repair_id = repair["reportRepair"]["repair"]["id"]
    check(repair["reportRepair"]["repair"]["status"]["value"] == "REPORTED", "repair reported")

    events: list[dict[str, Any]] = []
    watching = asyncio.create_task(follow(token, repair_id, events))
    await asyncio.sleep(1.0)  # the subscription is in place

    contractor_org = (await run(contractor, CONTRACTOR))["viewer"]["organisation"]
    await run(landlord, ASSIGN, id=repair_id, contractor=contractor_org["id"])
    await wait_for(events, 1)
    await run(contractor, START, id=repair_id)
    await wait_for(events, 2)
    done = await run(contractor, COMPLETE, id=repair_id)
    await wait_for(events, 3)
    histories = [[s["status"]["value"] for s in e["statusHistory"]] for e in events]
    for event, history in zip(events, histories, strict=True):
        print(f"     live: {event['status']['label']:<12} history {history}")
    check(
        histories
        == [
            ["REPORTED", "SCHEDULED"],
            ["REPORTED", "SCHEDULED", "IN_PROGRESS"],
            ["REPORTED", "SCHEDULED", "IN_PROGRESS", "COMPLETE"],
        ],
        "each live update carries the status history as committed",
    )
    check(
        events[-1]["lines"]
        == [{"sorCode": "601101", "quantity": "1.000", "unitCost": "27.23", "cost": "27.23"}]
        and events[-1]["cost"] == done["completeRepair"]["repair"]["cost"] == "27.23",
        "completion: line cost worked out from the unit cost, repair cost from the lines",
    )
    check(
        all(e["description"] == "Kitchen tap drips" and e["redacted"] == [] for e in events),
        "the resident sees their own description",
    )

    await run(landlord, REVOKE, id=issued["residentToken"]["id"])
    ended = await asyncio.wait_for(watching, 10)
    check(ended == "UNAUTHENTICATED", "revoked: the subscription ended with UNAUTHENTICATED")
    public = (await run(None, PUBLIC, id=repair_id))["node"]
    check(
        public["description"] is None and public["redacted"] == ["description"],
        "the description is not shared any more (redacted, not empty)",
    )
    try:
        await run(token, VIEWER)
        check(False, "the revoked token is refused")
    except Exception as error:  # the server answers 401
        check("401" in str(error) or "revoked" in str(error), "the revoked token is refused")


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except SystemExit as stop:
        if stop.code not in (None, 0):
            print(stop.code if isinstance(stop.code, str) else "FAIL", file=sys.stderr)
            sys.exit(1)
