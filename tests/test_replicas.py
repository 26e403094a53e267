"""Reads on a real streaming replica: ``odx-graph serve`` in a subprocess with
``ODX_READ_DATABASE_URLS`` naming a hot standby (``pg_basebackup -R`` of the primary).

Writes go to the primary and return a commit token; a read presenting it is served by the
replica once it has replayed the write, else (after the wait bound) by the primary. A
replica whose replay is paused falls behind and leaves the rotation; one that is stopped
leaves it too, reads carrying on; both come back by themselves.
"""

from __future__ import annotations

import asyncio
import json
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from odx_graph.core.access import Tier
from odx_graph.core.ids import encode_global_id
from odx_graph.core.replication import parse_lsn
from odx_graph.services.credentials import create_key
from tests.conftest import prepare
from tests.streaming import Streaming
from tests.streaming import start_streaming
from tests.support import clean_environment
from tests.support import free_port
from tests.support import subscribe

WAIT_MS = 800  # ODX_REPLICA_WAIT_MS
MAX_LAG_MS = 1500  # ODX_REPLICA_MAX_LAG_MS

REPORT = """mutation($h: ID!, $d: String!) { reportRepair(input: {homeId: $h, description: $d}) {
  ... on RepairPayload { repair { id } } ... on MutationError { code message } } }"""
READ = """query($id: ID!) { node(id: $id) { ... on Repair { description } } }"""


@dataclass
class Served:
    streaming: Streaming
    url: str
    key: str
    home: str
    home_key: int
    district: str
    replica: str  # the replica's name in /metrics

    def post(self, query: str, variables: dict[str, Any], read_after: str | None = None) -> Any:
        headers = {"Authorization": f"Bearer {self.key}"}
        if read_after is not None:
            headers["ODX-Read-After"] = read_after
        response = httpx.post(
            f"{self.url}/graphql",
            json={"query": query, "variables": variables},
            headers=headers,
            timeout=30,
        )
        assert response.status_code == 200, response.text
        return response

    def report(self, description: str) -> tuple[str, str]:
        """Report a repair through the API: ``(repair id, commit token)``."""
        response = self.post(REPORT, {"h": self.home, "d": description})
        body = response.json()
        token = response.headers["ODX-Commit-LSN"]
        assert body["extensions"]["commitLsn"] == token
        return body["data"]["reportRepair"]["repair"]["id"], token

    def description(self, repair: str, read_after: str | None = None) -> str | None:
        node = self.post(READ, {"id": repair}, read_after).json()["data"]["node"]
        return None if node is None else str(node["description"])

    def metric(self, name: str) -> float | None:
        text = httpx.get(f"{self.url}/metrics", timeout=10).text
        pattern = rf'^{name}{{replica="{re.escape(self.replica)}"}} (\S+)$'
        found = re.search(pattern, text, re.MULTILINE)
        return None if found is None else float(found.group(1))

    def replica_reads(self) -> float:
        return self.metric("odx_replica_reads_total") or 0.0

    def until(self, check: Callable[[], bool], timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while not check():
            assert time.monotonic() < deadline, "the replica's rotation did not change in time"
            time.sleep(0.05)

    def in_rotation(self) -> bool:
        return self.metric("odx_replica_in_rotation") == 1

    def standby(self, sql: str) -> Any:
        async def run() -> Any:
            conn = await asyncpg.connect(self.streaming.standby.dsn("odx"))
            try:
                return await conn.fetchval(sql)
            finally:
                await conn.close()

        return asyncio.run(run())


async def _prepare(dsn: str) -> tuple[int, str, str]:
    admin = await asyncpg.connect(dsn.rsplit("/", 1)[0] + "/postgres")
    try:
        await admin.execute("CREATE DATABASE odx")
    finally:
        await admin.close()
    await prepare(dsn, demo_homes=20)
    conn = await asyncpg.connect(dsn)
    try:
        home = await conn.fetchval("SELECT min(id) FROM home")
        district = await conn.fetchval("SELECT postcode_district FROM home WHERE id = $1", home)
        _, key = await create_key(conn, tier=Tier.RESIDENT, name="replica test", home_id=home)
    finally:
        await conn.close()
    return home, district, key


def _wait_ready(process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise AssertionError("serve did not become ready: " + log.read_text())


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    streaming = start_streaming(free_port(), free_port())
    process: subprocess.Popen[bytes] | None = None
    try:
        dsn = streaming.primary.dsn("odx")
        home, district, key = asyncio.run(_prepare(dsn))
        port = free_port()
        tmp = tmp_path_factory.mktemp("replicas")
        log = tmp / "serve.log"
        env = clean_environment(
            ODX_DATABASE_URL=dsn,
            ODX_READ_DATABASE_URLS=streaming.standby.dsn("odx"),
            ODX_REPLICA_CHECK_INTERVAL_MS="100",
            ODX_REPLICA_MAX_LAG_MS=str(MAX_LAG_MS),
            ODX_REPLICA_WAIT_MS=str(WAIT_MS),
            ODX_CONNECT_TIMEOUT_MS="1000",
            ODX_DEMO="no",
            ODX_PORT=str(port),
            ODX_DATA_DIR=str(tmp / "data"),
            ODX_LOG_FORMAT="json",
        )
        with log.open("wb") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "odx_graph", "serve"],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        url = f"http://127.0.0.1:{port}"
        _wait_ready(process, url, log)
        yield Served(
            streaming,
            url,
            key,
            encode_global_id("Home", home),
            home,
            district,
            f"127.0.0.1:{streaming.standby.port}/odx",
        )
    finally:
        if process is not None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        streaming.close()


def test_a_write_is_read_back_through_the_replica_with_its_token(served: Served) -> None:
    served.until(served.in_rotation)
    repair, token = served.report("Leak under the sink, test 4711")
    assert parse_lsn(token) is not None
    before = served.replica_reads()
    assert served.description(repair, read_after=token) == "Leak under the sink, test 4711"
    assert served.replica_reads() == before + 1  # the replica served it
    # The replica really holds it (replayed from the primary's WAL).
    assert served.standby("SELECT count(*) FROM repair WHERE description LIKE '%test 4711'") == 1
    assert served.metric("odx_replica_lag_seconds") is not None


def test_a_token_the_server_cannot_read_sends_the_read_to_the_primary(served: Served) -> None:
    served.until(served.in_rotation)
    repair, _ = served.report("Dripping tap")
    before = served.replica_reads()
    assert served.description(repair, read_after="not-a-position") == "Dripping tap"
    assert served.replica_reads() == before


def test_a_replica_behind_the_token_waits_the_bound_then_the_primary_answers(
    served: Served,
) -> None:
    served.until(served.in_rotation)
    served.standby("SELECT pg_wal_replay_pause()")
    try:
        repair, token = served.report("Broken window latch")
        # Without the token the read goes to the replica, which has not replayed the write.
        assert served.description(repair) is None
        before = served.replica_reads()
        started = time.monotonic()
        assert served.description(repair, read_after=token) == "Broken window latch"
        assert time.monotonic() - started >= WAIT_MS / 1000
        assert served.replica_reads() == before  # the primary answered
        # Behind by more than the set lag: out of rotation, and every read on the primary.
        served.until(lambda: not served.in_rotation())
        assert (served.metric("odx_replica_lag_seconds") or 0) > MAX_LAG_MS / 1000
        assert served.description(repair) == "Broken window latch"
    finally:
        served.standby("SELECT pg_wal_replay_resume()")
    served.until(served.in_rotation)
    before = served.replica_reads()
    assert served.description(repair, read_after=token) == "Broken window latch"
    assert served.replica_reads() == before + 1


def test_a_stopped_replica_leaves_the_rotation_and_comes_back(served: Served) -> None:
    served.until(served.in_rotation)
    repair, token = served.report("Cracked tile")
    served.until(lambda: served.description(repair, read_after=token) is not None)
    served.streaming.standby.stop()
    try:
        # Reads carry on at once: the first one to find the replica gone takes it out.
        for _ in range(5):
            assert served.description(repair) == "Cracked tile"
        served.until(lambda: not served.in_rotation())
    finally:
        served.streaming.standby.start()
    served.until(served.in_rotation)
    before = served.replica_reads()
    assert served.description(repair) == "Cracked tile"
    assert served.replica_reads() == before + 1


def test_linked_data_and_insight_are_read_from_the_replica(served: Served) -> None:
    served.until(served.in_rotation)
    before = served.replica_reads()
    document = httpx.get(
        f"{served.url}/id/home/{served.home_key}", headers={"Accept": "text/turtle"}, timeout=30
    )
    assert document.status_code == 200, document.text
    assert f"/id/home/{served.home_key}>" in document.text
    after_document = served.replica_reads()
    assert after_document > before
    listed = httpx.post(
        f"{served.url}/graphql", json={"query": "{ homes(first: 1) { totalCount } }"}, timeout=30
    )
    assert listed.json()["data"]["homes"]["totalCount"] == 20
    after_list = served.replica_reads()
    assert after_list == after_document + 1
    insight = httpx.post(
        f"{served.url}/graphql",
        json={"query": "{ repairPerformance(groupBy: [LANDLORD]) { key { value } raised } }"},
        timeout=30,
    )
    groups = insight.json()["data"]["repairPerformance"]
    assert groups and all(g["raised"] is None or g["raised"] >= 0 for g in groups)
    assert served.replica_reads() == after_list + 1


async def test_subscriptions_listen_on_the_primary_and_read_the_change_there(
    served: Served,
) -> None:
    standby = await asyncpg.connect(served.streaming.standby.dsn("odx"))
    ws = await subscribe(
        served.url.removeprefix("http://"),
        "subscription($d: String) { repairUpdated(postcodeDistrict: $d) { id status { code } } }",
        {"d": served.district},
    )
    try:
        await asyncio.sleep(0.5)  # the LISTEN is in place
        # The replica replays nothing from now on: the event can only come from the primary.
        await standby.execute("SELECT pg_wal_replay_pause()")
        async with httpx.AsyncClient(
            headers={"Authorization": f"Bearer {served.key}"}, timeout=30
        ) as http:
            made = await http.post(
                f"{served.url}/graphql",
                json={"query": REPORT, "variables": {"h": served.home, "d": "Live, test 99"}},
            )
        repair = made.json()["data"]["reportRepair"]["repair"]["id"]
        message = json.loads(await asyncio.wait_for(ws.recv(), 5))
        assert message["type"] == "next", message
        assert message["payload"]["data"]["repairUpdated"]["id"] == repair
        assert message["payload"]["data"]["repairUpdated"]["status"] is not None
    finally:
        await standby.execute("SELECT pg_wal_replay_resume()")
        await standby.close()
        await ws.close()
