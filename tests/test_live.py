"""Live repair updates over graphql-transport-ws against a running uvicorn: a committed
change reaches a subscriber for its postcode district within a second."""

from __future__ import annotations

import asyncio
import json
import logging
import sys
import time
from collections.abc import AsyncIterator

import httpx
import pytest
from strawberry.http.exceptions import WebSocketDisconnected

from odx_graph.core.access import Tier
from odx_graph.core.ids import encode_global_id
from odx_graph.core.logs import ClientGoneFilter
from odx_graph.services.credentials import create_key
from odx_graph.store.db import Database
from tests.support import served_app
from tests.support import subscribe


@pytest.fixture
async def server(fresh_db: Database) -> AsyncIterator[str]:
    async with served_app(fresh_db) as (url, _):
        yield url


SUBSCRIPTION = """subscription($d: String) { repairUpdated(postcodeDistrict: $d) {
  id status { code } description home { postcodeDistrict } } }"""


async def test_a_status_change_reaches_a_district_subscriber_within_a_second(
    server: str, fresh_db: Database
) -> None:
    repair = await fresh_db.fetchrow(
        "SELECT r.id, r.landlord_id, h.postcode_district FROM repair r JOIN home h "
        "ON h.id = r.home_id JOIN repair_status s ON s.code = r.status_code "
        "WHERE s.is_open AND r.status_code <> 'hold' ORDER BY r.id LIMIT 1"
    )
    assert repair is not None
    async with fresh_db.connection() as conn:
        _, key = await create_key(
            conn, tier=Tier.PROVIDER, name="live", organisation_id=repair["landlord_id"]
        )
    ws = await subscribe(server, SUBSCRIPTION, {"d": repair["postcode_district"]})
    other = await subscribe(server, SUBSCRIPTION, {"d": "ZZ99"})
    try:
        await asyncio.sleep(0.5)  # the hub's LISTEN is in place
        mutation = """mutation($r: ID!) { updateRepairStatus(input: {repairId: $r,
          status: HOLD, note: "Waiting for parts"}) { __typename } }"""
        started = time.perf_counter()
        async with httpx.AsyncClient(base_url=f"http://{server}") as http:
            response = await http.post(
                "/graphql",
                json={
                    "query": mutation,
                    "variables": {"r": encode_global_id("Repair", repair["id"])},
                },
                headers={"Authorization": f"Bearer {key}"},
            )
        assert response.json()["data"]["updateRepairStatus"]["__typename"] == "RepairPayload"
        message = json.loads(await asyncio.wait_for(ws.recv(), 1.0))
        elapsed = time.perf_counter() - started
        assert message["type"] == "next", message
        update = message["payload"]["data"]["repairUpdated"]
        assert update["id"] == encode_global_id("Repair", repair["id"])
        assert update["status"]["code"] == "hold"
        assert update["description"] is None  # a public subscriber: no free text
        assert elapsed < 1.0
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(other.recv(), 0.5)  # another district hears nothing
        async with httpx.AsyncClient(base_url=f"http://{server}") as http:
            assert "odx_subscriptions 2.0" in (await http.get("/metrics")).text
    finally:
        await ws.close()
        await other.close()


async def test_a_subscription_needs_a_filter(server: str) -> None:
    ws = await subscribe(server, "subscription { repairUpdated { id } }", {})
    try:
        message = json.loads(await asyncio.wait_for(ws.recv(), 2.0))
        # An error raised by the subscription's source is a result with errors.
        assert message["type"] in ("next", "error"), message
        errors = message["payload"]["errors"] if message["type"] == "next" else message["payload"]
        assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"
        assert "postcodeDistrict" in errors[0]["message"]
    finally:
        await ws.close()


def _errors(message: dict[str, object]) -> list[dict[str, object]]:
    payload = message["payload"]
    if message["type"] == "next":
        assert isinstance(payload, dict)
        return payload.get("errors") or []  # type: ignore[no-any-return]
    return payload  # type: ignore[return-value]


async def test_open_subscriptions_are_capped_per_client(seeded_db: Database) -> None:
    async with served_app(seeded_db, max_subscriptions_per_client=2) as (url, app):
        opened = [await subscribe(url, SUBSCRIPTION, {"d": f"LS{n}"}) for n in (1, 2)]
        for _ in range(100):  # wait until both are registered with the hub
            hub = getattr(app.state, "hub", None)
            if hub is not None and hub.subscriber_count == 2:
                break
            await asyncio.sleep(0.02)
        third = await subscribe(url, SUBSCRIPTION, {"d": "LS3"})
        try:
            message = json.loads(await asyncio.wait_for(third.recv(), 5.0))
            [error] = _errors(message)
            assert error["extensions"] == {"code": "RATE_LIMITED"}, error  # type: ignore[index]
            assert "at most 2 subscriptions" in str(error["message"])
            assert app.state.hub.subscriber_count == 2
            # One closed: room for one more (nothing leaked).
            await opened.pop().close()
            for _ in range(100):
                if app.state.hub.subscriber_count == 1:
                    break
                await asyncio.sleep(0.02)
            opened.append(await subscribe(url, SUBSCRIPTION, {"d": "LS4"}))
            for _ in range(100):
                if app.state.hub.subscriber_count == 2:
                    break
                await asyncio.sleep(0.02)
            assert app.state.hub.subscriber_count == 2
        finally:
            for ws in [*opened, third]:
                await ws.close()


def test_a_websocket_client_going_away_is_not_an_error() -> None:
    try:
        raise WebSocketDisconnected
    except WebSocketDisconnected:
        record = logging.getLogger("strawberry.ws.task").makeRecord(
            "strawberry.ws.task", logging.ERROR, "x", 1, "Exception in worker task", (), None
        )
        record.exc_info = sys.exc_info()
    assert ClientGoneFilter().filter(record)
    assert record.levelname == "INFO" and record.exc_info is None
    other = logging.LogRecord(
        "x", logging.ERROR, "x", 1, "boom", (), (ValueError, ValueError(), None)
    )
    assert ClientGoneFilter().filter(other) and other.levelname == "ERROR"
