"""How soon a revoked key's subscription stops, across server processes.

Two ``odx-graph serve`` processes on one scratch database. Each round a landlord issues a
resident token through server B, the resident subscribes to a repair on server A (the
token in ``connection_init``), and the landlord revokes the token through server B: the
time from sending the revocation to A's last ``UNAUTHENTICATED`` event is measured. The
baseline, in the same run and rounds: the time from sending a status change to server B
to the update reaching the same kind of subscriber on server A (the same LISTEN/NOTIFY
path every live update takes).

    python bench/revocation.py --rounds 20
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import socket
import statistics
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import websockets

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._server import scratch_database
from odx_graph.core.access import Tier
from odx_graph.services.credentials import create_key

ISSUE = """mutation($h: ID!) { issueResidentToken(input: {home: {id: $h}, name: "bench"}) {
  ... on ResidentTokenPayload { token residentToken { id } } } }"""
REVOKE = """mutation($t: ID!) { revokeResidentToken(input: {tokenId: $t}) { __typename } }"""
STATUS = """mutation($r: ID!, $s: RepairStatusCode!) {
  updateRepairStatus(input: {repairId: $r, status: $s}) { __typename } }"""
FOLLOW = "subscription($r: ID!) { repairUpdated(repairId: $r) { status { code } } }"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.asynccontextmanager
async def server(url: str) -> AsyncIterator[str]:
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("ODX_", "PG"))},
        "ODX_DATABASE_URL": url,
        "ODX_DEMO": "no",
        "ODX_PORT": str(port),
        "ODX_LOG_LEVEL": "WARNING",
        "ODX_RATE_LIMIT_PER_MINUTE": "0",
    }
    process = await asyncio.create_subprocess_exec("odx-graph", "serve", env=env)
    address = f"127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient() as http:
            for _ in range(240):
                with contextlib.suppress(httpx.HTTPError):
                    if (await http.get(f"http://{address}/readyz")).status_code == 200:
                        break
                await asyncio.sleep(0.25)
        yield address
    finally:
        process.terminate()
        await asyncio.wait_for(process.wait(), 20)


async def gql(address: str, key: str, query: str, variables: dict[str, Any]) -> Any:
    async with httpx.AsyncClient(base_url=f"http://{address}") as http:
        response = await http.post(
            "/graphql",
            json={"query": query, "variables": variables},
            headers={"Authorization": f"Bearer {key}"},
        )
    return response.json()["data"]


async def subscribe(address: str, token: str, repair: str) -> Any:
    ws = await websockets.connect(f"ws://{address}/graphql", subprotocols=["graphql-transport-ws"])  # type: ignore[list-item]
    await ws.send(json.dumps({"type": "connection_init", "payload": {"Authorization": token}}))
    assert json.loads(await ws.recv())["type"] == "connection_ack"
    payload = {"query": FOLLOW, "variables": {"r": repair}}
    await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
    await asyncio.sleep(0.3)
    return ws


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    from odx_graph.core.ids import encode_global_id
    from odx_graph.core.vocab import migrations_dir
    from odx_graph.services import demo
    from odx_graph.services.refdata import sync_reference_data
    from odx_graph.store.migrations import migrate

    async with scratch_database() as url:
        conn = await asyncpg.connect(url)
        await migrate(conn, migrations_dir())
        await sync_reference_data(conn)
        await demo.load_demo(conn, homes=50, seed=1, as_of=dt.date.today())
        row = await conn.fetchrow(
            "SELECT r.id, r.home_id, r.landlord_id FROM repair r JOIN repair_status s "
            "ON s.code = r.status_code WHERE s.is_open ORDER BY r.id LIMIT 1"
        )
        _, landlord = await create_key(
            conn, tier=Tier.PROVIDER, name="bench", organisation_id=row["landlord_id"]
        )
        await conn.close()
        home = encode_global_id("Home", row["home_id"])
        repair = encode_global_id("Repair", row["id"])
        revocations, updates = [], []
        async with server(url) as a, server(url) as b:
            for n in range(args.rounds):
                issued = (await gql(b, landlord, ISSUE, {"h": home}))["issueResidentToken"]
                ws = await subscribe(a, issued["token"], repair)
                started = time.perf_counter()
                status = "HOLD" if n % 2 == 0 else "IN_PROGRESS"
                await gql(b, landlord, STATUS, {"r": repair, "s": status})
                json.loads(await asyncio.wait_for(ws.recv(), 10))
                updates.append(time.perf_counter() - started)
                started = time.perf_counter()
                await gql(b, landlord, REVOKE, {"t": issued["residentToken"]["id"]})
                ended = json.loads(await asyncio.wait_for(ws.recv(), 10))
                revocations.append(time.perf_counter() - started)
                assert ended["payload"]["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
                await ws.close()

    def ms(values: list[float]) -> str:
        ordered = sorted(values)
        p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
        return (
            f"median {statistics.median(values) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms, "
            f"max {max(values) * 1000:.1f} ms"
        )

    print(f"rounds: {args.rounds}")
    print(f"update through B, heard on A (baseline): {ms(updates)}")
    print(f"revocation through B, subscription ended on A: {ms(revocations)}")
    print(f"ratio of medians: {statistics.median(revocations) / statistics.median(updates):.2f}")


if __name__ == "__main__":
    asyncio.run(main())
