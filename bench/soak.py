"""Soak: mixed traffic against a real ``odx-graph serve`` on loopback for a bounded time and
request count, recording the server's RSS and open database connections every minute.

The traffic mixes reads (GraphQL lists and nested queries, lookups by UPRN, Linked Data
descriptions, readiness checks) with writes (repairs reported through the reportRepair
mutation with an admin key and idempotency keys), while a WebSocket subscriber listens
to repair updates all along. Memory must stay flat: the report gives the least-squares
slope of RSS over the minutes after the first (warm-up).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import random
import socket
import subprocess
import sys
import time
from pathlib import Path

import asyncpg
import httpx
import websockets

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _server import scratch_database

from odx_graph import demo
from odx_graph.access import Tier
from odx_graph.credentials import create_key
from odx_graph.ids import encode_global_id
from odx_graph.migrations import migrate
from odx_graph.refdata import sync_reference_data
from odx_graph.vocab import migrations_dir

NESTED = """query Nested($d: String!) { homes(filter: {postcode: $d}, first: 20) { totalCount
  nodes { uprn components(first: 10) { nodes { componentType { label } } }
  repairs(first: 3) { nodes { reportedAt status { code } contractor { name } } } } } }"""
JOBS = """query Jobs($d: String!) { repairs(filter: {postcode: $d, open: true}, first: 50) {
  nodes { iri targetAt priority { label } lines { sorCode } } } }"""


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def _connections(url: str) -> int:
    conn = await asyncpg.connect(url)
    try:
        return int(
            await conn.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'odx-graph' "
                "AND datname = current_database()"
            )
        )
    finally:
        await conn.close()


async def _client(
    base: str,
    districts: list[str],
    uprns: list[str],
    keys: list[int],
    deadline: float,
    budget: list[int],
    errors: list[str],
    api_key: str,
    written: list[int],
) -> None:
    rng = random.Random()
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        while time.monotonic() < deadline and budget[0] > 0:
            budget[0] -= 1
            choice = rng.random()
            if choice < 0.4:
                response = await http.post(
                    "/graphql", json={"query": NESTED, "variables": {"d": rng.choice(districts)}}
                )
            elif choice < 0.6:
                response = await http.post(
                    "/graphql", json={"query": JOBS, "variables": {"d": rng.choice(districts)}}
                )
            elif choice < 0.75:
                response = await http.post(
                    "/graphql",
                    json={
                        "query": "query Uprn($u: String!) { home(uprn: $u) { iri } }",
                        "variables": {"u": rng.choice(uprns)},
                    },
                )
            elif choice < 0.85:
                response = await http.get(
                    f"/id/home/{rng.choice(keys)}", headers={"Accept": "text/turtle"}
                )
            elif choice < 0.95:
                written[0] += 1
                response = await http.post(
                    "/graphql",
                    json={
                        "query": REPORT,
                        "variables": {
                            "h": encode_global_id("Home", rng.choice(keys)),
                            "k": f"soak-{id(http)}-{written[0]}",
                        },
                    },
                    headers={"Authorization": f"Bearer {api_key}"},
                )
            else:
                response = await http.get("/readyz")
            if response.status_code != 200 or "errors" in response.text[:20]:
                errors.append(f"{response.status_code} {response.text[:120]}")


REPORT = """mutation Report($h: ID!, $k: String) { reportRepair(input: {homeId: $h,
  description: "Soak test repair", idempotencyKey: $k}) { __typename } }"""


async def _listener(base: str, district: str, deadline: float, heard: list[int]) -> None:
    """One subscriber to a district for the whole run, counting the updates it hears."""
    ws_url = base.replace("http://", "ws://") + "/graphql"
    async with websockets.connect(ws_url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        await ws.send(json.dumps({"type": "connection_init"}))
        await ws.recv()
        query = "subscription($d: String) { repairUpdated(postcodeDistrict: $d) { id } }"
        await ws.send(
            json.dumps(
                {
                    "id": "1",
                    "type": "subscribe",
                    "payload": {"query": query, "variables": {"d": district}},
                }
            )
        )
        while time.monotonic() < deadline:
            try:
                await asyncio.wait_for(ws.recv(), max(0.1, deadline - time.monotonic()))
                heard[0] += 1
            except TimeoutError:
                break


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--homes", type=int, default=5000)
    parser.add_argument("--minutes", type=int, default=10)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--max-requests", type=int, default=2_000_000)
    args = parser.parse_args()
    async with scratch_database() as url:
        conn = await asyncpg.connect(url)
        try:
            await migrate(conn, migrations_dir())
            await sync_reference_data(conn)
            await demo.load_demo(conn, homes=args.homes, seed=20251027, as_of=dt.date.today())
            districts = [  # busiest first: the subscriber listens to the first
                r[0]
                for r in await conn.fetch(
                    "SELECT postcode_district FROM home GROUP BY 1 ORDER BY count(*) DESC"
                )
            ]
            uprns = [
                str(r[0])
                for r in await conn.fetch("SELECT uprn FROM home WHERE uprn IS NOT NULL LIMIT 2000")
            ]
            keys = [
                r[0]
                for r in await conn.fetch(
                    "SELECT id FROM home WHERE landlord_id IS NOT NULL LIMIT 2000"
                )
            ]
            _, api_key = await create_key(conn, tier=Tier.ADMIN, name="soak")
        finally:
            await conn.close()
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        env = {
            **os.environ,
            "ODX_DATABASE_URL": url,
            "ODX_PORT": str(port),
            "ODX_LOG_LEVEL": "WARNING",
            "ODX_DEMO": "no",
            "ODX_RATE_LIMIT_PER_MINUTE": "0",
        }
        server = await asyncio.to_thread(
            subprocess.Popen, [sys.executable, "-m", "odx_graph", "serve"], env=env
        )
        base = f"http://127.0.0.1:{port}"
        try:
            async with httpx.AsyncClient() as probe:
                for _ in range(100):
                    try:
                        if (await probe.get(f"{base}/readyz")).status_code == 200:
                            break
                    except httpx.TransportError:
                        await asyncio.sleep(0.2)
            started = time.monotonic()
            deadline = started + args.minutes * 60
            budget, errors, written, heard = [args.max_requests], [], [0], [0]
            clients = [
                asyncio.create_task(
                    _client(
                        base, districts, uprns, keys, deadline, budget, errors, api_key, written
                    )
                )
                for _ in range(args.clients)
            ]
            listener = asyncio.create_task(_listener(base, districts[0], deadline, heard))
            print(
                f"# soak, {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {args.homes:,} "
                f"homes, {args.clients} clients, {args.minutes} min\n"
            )
            print("| minute | requests so far | server RSS (MB) | DB connections | errors |")
            print("| ---: | ---: | ---: | ---: | ---: |")
            samples = []
            for minute in range(args.minutes + 1):
                await asyncio.sleep(max(0.0, started + minute * 60 - time.monotonic()))
                rss = _rss_mb(server.pid)
                samples.append(rss)
                done = args.max_requests - budget[0]
                print(
                    f"| {minute} | {done:,} | {rss:.1f} | {await _connections(url)} | "
                    f"{len(errors)} |",
                    flush=True,
                )
            await asyncio.gather(*clients)
            listener.cancel()
        finally:
            server.terminate()
            server.wait(timeout=30)
    steady = samples[1:]
    n = len(steady)
    if n >= 2:
        mean_x, mean_y = (n - 1) / 2, sum(steady) / n
        slope = sum((i - mean_x) * (y - mean_y) for i, y in enumerate(steady)) / sum(
            (i - mean_x) ** 2 for i in range(n)
        )
        print(
            f"\nRSS after warm-up: {min(steady):.1f} to {max(steady):.1f} MB, "
            f"trend {slope:+.2f} MB/minute"
        )
    print(f"writes: {written[0]:,} repairs reported; subscriber heard {heard[0]:,} updates")
    if errors:
        print(f"errors ({len(errors)}), first: {errors[0]}")


if __name__ == "__main__":
    asyncio.run(main())
