"""Memory that must not grow with traffic, found by ``bench/soak.py`` under tracemalloc.

A subscription lives as long as its WebSocket; every update it delivers must leave nothing
behind. graphql-core (3.3) runs each event on a shallow copy of the subscription's
executor, sharing its memo of collected sub-fields, which is keyed by the identity of
field lists built afresh for every event and keeps them alive: without
:class:`odx_graph.api.schema.PerEventExecutor` a long-lived subscription grows by about
1.7 KB an update, for as long as it stays open.
"""

from __future__ import annotations

import asyncio
import gc
import itertools
import json
import os
import tracemalloc
from collections.abc import AsyncIterator
from typing import Any

import graphql
import pytest
from starlette.applications import Starlette

from odx_graph.store.db import Database
from tests.support import served_app
from tests.support import subscribe

SUBSCRIPTION = """subscription($d: String) { repairUpdated(postcodeDistrict: $d) {
  id status { code } home { postcodeDistrict } } }"""
WARM_UP = 20
UPDATES = 300


@pytest.fixture
async def served(fresh_db: Database) -> AsyncIterator[tuple[str, Starlette]]:
    """``(host:port, app)`` of the app under uvicorn on loopback, in this process."""
    async with served_app(fresh_db) as running:
        yield running


async def _subscribe(url: str, district: str) -> Any:
    return await subscribe(url, SUBSCRIPTION, {"d": district})


async def _listening(app: Starlette, subscribers: int) -> None:
    """Wait until the hub listens and has ``subscribers`` subscriptions."""
    for _ in range(200):
        hub = getattr(app.state, "hub", None)
        if hub is not None and hub.ready.is_set() and hub.subscriber_count == subscribers:
            return
        await asyncio.sleep(0.025)
    raise AssertionError("the hub never reached the expected subscriptions")


def _graphql_core_bytes() -> int:
    """Bytes allocated by graphql-core's code and still alive (tracing must be on)."""
    gc.collect()
    package = os.path.join(os.path.dirname(graphql.__file__), "*")
    snapshot = tracemalloc.take_snapshot().filter_traces([tracemalloc.Filter(True, package)])
    return sum(stat.size for stat in snapshot.statistics("filename"))


async def test_a_long_lived_subscription_keeps_nothing_per_update(
    served: tuple[str, Starlette], fresh_db: Database
) -> None:
    url, app = served
    repair = await fresh_db.fetchrow(
        "SELECT r.id, h.postcode_district FROM repair r JOIN home h ON h.id = r.home_id "
        "ORDER BY r.id LIMIT 1"
    )
    assert repair is not None
    ws = await _subscribe(url, repair["postcode_district"])

    async def updates(count: int) -> None:
        for _ in range(count):
            # A committed write to the repair: the trigger notifies, the hub delivers.
            await fresh_db.execute(
                "UPDATE repair SET status_code = status_code WHERE id = $1", repair["id"]
            )
            message = json.loads(await asyncio.wait_for(ws.recv(), 5))
            assert message["type"] == "next", message
            assert message["payload"]["data"]["repairUpdated"]["status"]["code"]

    started_tracing = not tracemalloc.is_tracing()
    if started_tracing:
        tracemalloc.start(1)
    try:
        await _listening(app, 1)
        await updates(WARM_UP)
        # Two windows of updates: what the process's other work (an earlier test's
        # server winding down) leaves in graphql-core lands in one of them, while what
        # each update keeps lands in both.
        sizes = [_graphql_core_bytes()]
        for _ in range(2):
            await updates(UPDATES)
            sizes.append(_graphql_core_bytes())
    finally:
        if started_tracing:
            tracemalloc.stop()
        await ws.close()
    grown = [after - before for before, after in itertools.pairwise(sizes)]
    # Unfixed: about 1,700 bytes an update (505 KB a window). Fixed: under 2 KB in all.
    assert min(grown) < 20 * UPDATES, f"graphql-core kept {grown} bytes over {UPDATES} updates"


async def test_the_hub_forgets_subscribers_that_hang_up(
    served: tuple[str, Starlette], fresh_db: Database
) -> None:
    url, app = served
    district = await fresh_db.fetchval("SELECT postcode_district FROM home LIMIT 1")
    for _ in range(20):
        ws = await _subscribe(url, district)
        await _listening(app, 1)
        await ws.close()  # a client leaving mid-subscription
        await _listening(app, 0)
