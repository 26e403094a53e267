"""p95 latency of every page for people at 8 concurrent clients, on the demo dataset,
with the insight cache off (cold: every answer worked out) and on (warm), against the
p95 of ``/healthz`` (the same middleware stack, no work) measured in the same rounds.

Loads the demo (``--homes``, 5,000 by default) into a scratch database, starts two real
``odx-graph serve`` processes on free loopback ports (one with ``ODX_INSIGHT_CACHE_ENTRIES=0``)
and interleaves the rounds. Residents and contractors are signed in with keys made for
the run. Loopback only, bounded: ``--requests`` per page per client.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import platform
import re
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import asyncpg
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _server import scratch_database

from odx_graph.core.access import Tier
from odx_graph.core.vocab import migrations_dir
from odx_graph.services import demo
from odx_graph.services.credentials import create_key
from odx_graph.services.refdata import sync_reference_data
from odx_graph.store.db import Database
from odx_graph.store.migrations import migrate

AS_OF = dt.date(2026, 6, 30)
CLIENTS = 8


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _load(url: str, homes: int) -> dict[str, Any]:
    conn = await asyncpg.connect(url)
    try:
        await migrate(conn, migrations_dir())
        await sync_reference_data(conn)
        await demo.load_demo(conn, homes=homes, seed=7, as_of=AS_OF)
        await conn.execute("ANALYZE")
        district = await conn.fetchval(
            "SELECT h.postcode_district FROM repair r JOIN home h ON h.id = r.home_id "
            "JOIN repair_status s ON s.code = r.status_code WHERE s.is_open "
            "GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
        )
        home, landlord = await conn.fetchrow(
            "SELECT home_id, landlord_id FROM repair GROUP BY 1, 2 ORDER BY count(*) DESC LIMIT 1"
        )
        contractor = await conn.fetchval(
            "SELECT contractor_id FROM repair WHERE contractor_id IS NOT NULL "
            "GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
        )
    finally:
        await conn.close()
    db = await Database.connect(url, max_size=2)
    try:
        async with db.connection() as conn:
            _, resident = await create_key(conn, tier=Tier.RESIDENT, name="bench", home_id=home)
            _, firm = await create_key(
                conn, tier=Tier.CONTRACTOR, name="bench", organisation_id=contractor
            )
    finally:
        await db.close()
    return {
        "district": district,
        "landlord": landlord,
        "resident": resident,
        "contractor": firm,
    }


def _serve(url: str, port: int, cache_entries: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "ODX_DATABASE_URL": url,
        "ODX_PORT": str(port),
        "ODX_HOST": "127.0.0.1",
        "ODX_RATE_LIMIT_PER_MINUTE": "0",
        "ODX_INSIGHT_CACHE_ENTRIES": str(cache_entries),
        "ODX_LOG_LEVEL": "warning",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "odx_graph", "serve"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def _ready(base: str) -> None:
    async with httpx.AsyncClient(base_url=base) as http:
        for _ in range(600):
            try:
                if (await http.get("/readyz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.5)
    raise RuntimeError(f"{base} did not become ready")


async def _signed_in(base: str, path: str, method: str, data: dict[str, str]) -> httpx.Cookies:
    async with httpx.AsyncClient(base_url=base) as http:
        if method == "GET":
            await http.get(path, params=data)
        else:
            # A sign-in form carries the CSRF token of the page that showed it.
            form = await http.get(path.rsplit("/", 1)[0])
            found = re.search(r'name="csrf" value="([0-9a-f]+)"', form.text)
            await http.post(path, data={**data, "csrf": found.group(1) if found else ""})
        return http.cookies


async def _round(
    base: str, path: str, cookies: httpx.Cookies | None, requests: int, failures: list[str]
) -> list[float]:
    """``CLIENTS`` clients each asking for ``path`` ``requests`` times: the latencies of
    the answers that succeeded; each failure's status and error code go to ``failures``."""
    times: list[float] = []

    async def client() -> None:
        async with httpx.AsyncClient(base_url=base, cookies=cookies, timeout=60) as http:
            for _ in range(requests):
                started = time.perf_counter()
                response = await http.get(path)
                elapsed = time.perf_counter() - started
                if response.status_code == 200:
                    times.append(elapsed)
                else:
                    code = (
                        response.text[:200]
                        if "json" in response.headers.get("content-type", "")
                        else ""
                    )
                    failures.append(f"{response.status_code} {code}")

    await asyncio.gather(*(client() for _ in range(CLIENTS)))
    return times


def _p95(values: list[float]) -> float:
    if len(values) < 2:
        return float("nan")
    return statistics.quantiles(values, n=20)[18] * 1000


async def main() -> None:
    """Run the benchmark and print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--homes", type=int, default=5000)
    parser.add_argument("--requests", type=int, default=10, help="per page, per client")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    async with scratch_database() as url:
        started = time.perf_counter()
        facts = await _load(url, args.homes)
        print(f"demo of {args.homes:,} homes loaded in {time.perf_counter() - started:.0f} s")
        servers = {"cold": (_free_port(), 0), "warm": (_free_port(), 128)}
        processes = [_serve(url, port, entries) for port, entries in servers.values()]
        try:
            bases = {name: f"http://127.0.0.1:{port}" for name, (port, _) in servers.items()}
            for base in bases.values():
                await _ready(base)
            pages: list[tuple[str, str]] = [
                ("baseline /healthz", "/healthz"),
                ("home", "/"),
                ("landlords", "/landlords"),
                ("scorecard", f"/landlords/{facts['landlord']}"),
                ("scorecard CSV", f"/landlords/{facts['landlord']}/scorecard.csv"),
                ("job board", "/jobs"),
                ("job board, district", f"/jobs?postcode={facts['district']}"),
                ("resident's home", "/home"),
                ("contractor's jobs", "/contractor"),
                ("area", f"/areas?postcode={facts['district']}"),
                ("GraphiQL", "/graphql"),
            ]
            results: dict[tuple[str, str], list[float]] = {}
            failed: dict[tuple[str, str], list[str]] = {}
            for _ in range(args.rounds):
                for name, base in bases.items():
                    resident = await _signed_in(
                        base, "/home/sign-in", "GET", {"token": facts["resident"]}
                    )
                    firm = await _signed_in(
                        base, "/contractor/sign-in", "POST", {"key": facts["contractor"]}
                    )
                    for label, path in pages:
                        cookies = (
                            resident if path == "/home" else firm if path == "/contractor" else None
                        )
                        # One request first: "warm" is the insight cache holding the
                        # answers, not eight clients missing it at once.
                        async with httpx.AsyncClient(base_url=base, cookies=cookies) as http:
                            await http.get(path, timeout=120)
                        times = await _round(
                            base, path, cookies, args.requests,
                            failed.setdefault((name, label), []),
                        )  # fmt: skip
                        results.setdefault((name, label), []).extend(times)
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                process.wait(10)
    print(
        f"\n{platform.node()} ({os.cpu_count()} cores), {dt.date.today()}, {args.homes:,} homes, "
        f"{CLIENTS} clients, {args.rounds} rounds x {args.requests} requests per client\n"
    )
    print("| page | cold p95 ms | warm p95 ms | cold / baseline | warm / baseline | failed |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    base_cold = _p95(results[("cold", "baseline /healthz")])
    base_warm = _p95(results[("warm", "baseline /healthz")])
    for label, _ in pages:
        cold, warm = _p95(results[("cold", label)]), _p95(results[("warm", label)])
        errors = len(failed[("cold", label)]) + len(failed[("warm", label)])
        print(
            f"| {label} | {cold:.1f} | {warm:.1f} | {cold / base_cold:.1f} | "
            f"{warm / base_warm:.1f} | {errors} |"
        )
    for (name, label), problems in failed.items():
        if problems:
            print(f"\n{name} {label}: {len(problems)} failed, first: {problems[0]}")


if __name__ == "__main__":
    asyncio.run(main())
