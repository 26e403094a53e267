"""Two ``odx-graph serve`` processes on one database, as behind a load balancer: a change
committed through one reaches a subscriber on the other, and both publish one change log
(one publisher at a time, positions without gaps or repeats) that both serve alike."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest

from odx_graph.core.access import Tier
from odx_graph.core.ids import encode_global_id
from odx_graph.services.credentials import create_key
from odx_graph.store.db import Database
from tests.support import clean_environment
from tests.support import free_port
from tests.support import subscribe

SUBSCRIPTION = """subscription($d: String) { repairUpdated(postcodeDistrict: $d) {
  id status { code } } }"""
HOLD = """mutation($r: ID!, $s: RepairStatusCode!) { updateRepairStatus(input: {repairId: $r,
  status: $s, note: "Waiting for parts"}) { __typename ... on MutationError { code message } } }"""


def _spawn(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "odx_graph", "serve"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def _text(log: Path) -> str:
    return log.read_text()


async def _ready(process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + 120
    async with httpx.AsyncClient() as http:
        while time.monotonic() < deadline:
            assert process.poll() is None, _text(log)
            try:
                if (await http.get(f"{url}/readyz", timeout=2)).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.3)
    raise AssertionError("serve did not become ready: " + _text(log))


@asynccontextmanager
async def two_servers(db: Database, tmp: Path, **settings: str) -> AsyncIterator[list[str]]:
    """Two server processes on ``db``: their ``host:port``."""
    processes: list[subprocess.Popen[bytes]] = []
    urls: list[str] = []
    try:
        for n in range(2):
            port = free_port()
            env = clean_environment(
                ODX_DATABASE_URL=db.dsn,
                ODX_DEMO="no",
                ODX_PORT=str(port),
                ODX_BASE_IRI="http://odx.test",  # one public address for both
                ODX_DATA_DIR=str(tmp / f"data{n}"),
                ODX_CHANGE_PUBLISH_INTERVAL_MS="100",
                ODX_LOG_FORMAT="json",
                **settings,
            )
            processes.append(_spawn(env, tmp / f"serve{n}.log"))
            urls.append(f"127.0.0.1:{port}")
        for n, (process, url) in enumerate(zip(processes, urls, strict=True)):
            await _ready(process, f"http://{url}", tmp / f"serve{n}.log")
        yield urls
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture
async def servers(fresh_db: Database, tmp_path: Path) -> AsyncIterator[list[str]]:
    """Two server processes on ``fresh_db`` with the default settings."""
    async with two_servers(fresh_db, tmp_path) as urls:
        yield urls


async def _open_repairs(db: Database, count: int) -> list[dict[str, object]]:
    rows = await db.fetch(
        "SELECT r.id, r.landlord_id, h.postcode_district FROM repair r JOIN home h "
        "ON h.id = r.home_id JOIN repair_status s ON s.code = r.status_code "
        "WHERE s.is_open AND r.status_code <> 'hold' ORDER BY r.id LIMIT $1",
        count,
    )
    assert len(rows) == count
    return [dict(row) for row in rows]


async def _key(db: Database, landlord: object) -> str:
    async with db.connection() as conn:
        _, key = await create_key(
            conn, tier=Tier.PROVIDER, name="two servers", organisation_id=landlord
        )
    return key


async def _hold(url: str, key: str, repair: object) -> None:
    async with httpx.AsyncClient(base_url=f"http://{url}") as http:
        response = await http.post(
            "/graphql",
            json={
                "query": HOLD,
                "variables": {"r": encode_global_id("Repair", repair), "s": "HOLD"},
            },
            headers={"Authorization": f"Bearer {key}"},
        )
    assert response.json()["data"]["updateRepairStatus"]["__typename"] == "RepairPayload"


async def test_a_change_through_one_server_reaches_subscribers_on_both(
    servers: list[str], fresh_db: Database
) -> None:
    [repair] = await _open_repairs(fresh_db, 1)
    key = await _key(fresh_db, repair["landlord_id"])
    district = {"d": repair["postcode_district"]}
    on_first = await subscribe(servers[0], SUBSCRIPTION, district)
    on_second = await subscribe(servers[1], SUBSCRIPTION, district)
    try:
        await asyncio.sleep(0.5)  # both processes' LISTEN is in place
        await _hold(servers[0], key, repair["id"])
        for ws in (on_second, on_first):
            message = json.loads(await asyncio.wait_for(ws.recv(), 2.0))
            assert message["type"] == "next", message
            update = message["payload"]["data"]["repairUpdated"]
            assert update == {
                "id": encode_global_id("Repair", repair["id"]),
                "status": {"code": "hold"},
            }
    finally:
        await on_first.close()
        await on_second.close()


async def test_both_servers_publish_one_change_log_without_gaps(
    servers: list[str], fresh_db: Database
) -> None:
    before = await fresh_db.fetchval("SELECT coalesce(max(position), 0) FROM change_log")
    repairs = await _open_repairs(fresh_db, 6)
    keys = {r["landlord_id"]: await _key(fresh_db, r["landlord_id"]) for r in repairs}
    # Writes alternate between the servers, each of which publishes every 100 ms.
    await asyncio.gather(
        *(_hold(servers[n % 2], keys[r["landlord_id"]], r["id"]) for n, r in enumerate(repairs))
    )
    deadline = time.monotonic() + 20
    while await fresh_db.fetchval("SELECT count(*) FROM change_pending"):
        assert time.monotonic() < deadline, "the noted changes were not published"
        await asyncio.sleep(0.1)
    count, low, high = await fresh_db.fetchrow(
        "SELECT count(*), min(position), max(position) FROM change_log WHERE position > $1",
        before,
    )
    assert count > 0 and low == before + 1 and high - low + 1 == count  # no gap, no repeat
    published = await fresh_db.fetch(
        "SELECT DISTINCT key FROM change_log WHERE segment = 'repair' AND position > $1",
        before,
    )
    assert {row["key"] for row in published} >= {r["id"] for r in repairs}
    # Both servers serve the same log.
    async with httpx.AsyncClient() as http:
        feeds = [
            (await http.get(f"http://{url}/feed", headers={"Accept": "text/turtle"})).text
            for url in servers
        ]
    assert feeds[0] == feeds[1]


async def test_a_keys_rate_limit_holds_across_both_servers(
    fresh_db: Database, tmp_path: Path
) -> None:
    [repair] = await _open_repairs(fresh_db, 1)
    key = await _key(fresh_db, repair["landlord_id"])
    headers = {"Authorization": f"Bearer {key}"}
    query = {"query": "{ __typename }"}
    # Six a minute in bursts of five: a token comes back only every ten seconds.
    limits = {
        "ODX_RATE_LIMIT_PER_MINUTE": "6",
        "ODX_RATE_LIMIT_BURST": "5",
        "ODX_RATE_LIMIT_SHARE_MS": "100",
    }
    async with (
        two_servers(fresh_db, tmp_path, **limits) as (first, second),
        httpx.AsyncClient(headers=headers) as http,
    ):
        # The key is seen to work on each (until then it spends its address's bucket).
        for url in (first, second):
            assert (await http.post(f"http://{url}/graphql", json=query)).status_code == 200
        statuses = [
            (await http.post(f"http://{first}/graphql", json=query)).status_code for _ in range(5)
        ]
        assert statuses == [200] * 5  # the key's whole burst, on the first server
        await asyncio.sleep(0.6)  # a few exchanges of both servers
        refused = await http.post(f"http://{second}/graphql", json=query)
        assert refused.status_code == 429, refused.text
        assert refused.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
