"""p50 and p95 latency and requests per second of every page for people at 8 concurrent
clients, on the demo dataset, with the insight cache off (cold: every answer worked out)
and on (warm), against ``/healthz`` (the same middleware stack, no work) measured in the
same rounds; and the SQL statements each page sends when read again.

Loads the demo (``--homes``, 5,000 by default) into a scratch database and starts a real
``odx-graph serve`` on a free loopback port, first with ``ODX_INSIGHT_CACHE_ENTRIES=0``
for all its rounds, then one with the cache on. Residents and contractors are signed in
with keys made for the run. Loopback only, bounded: ``--requests`` per page per client.

The load comes from ``hey`` (Debian's ``hey`` package: a compiled client that costs the
server's CPU little) by default; ``--client httpx`` runs the 8 clients in this Python
process instead, which on a 2-core machine competes with the server for the CPU.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import datetime as dt
import io
import os
import platform
import re
import shutil
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
from odx_graph.core.config import Settings
from odx_graph.core.vocab import migrations_dir
from odx_graph.services import demo
from odx_graph.services.credentials import create_key
from odx_graph.services.refdata import sync_reference_data
from odx_graph.store.changes import PUBLISH_LOCK_KEY
from odx_graph.store.db import Database
from odx_graph.store.migrations import migrate
from odx_graph.web.app import create_app

AS_OF = dt.date(2026, 6, 30)
CLIENTS = 8
# A browser's: GraphiQL is shown to HTML clients, others asking for /graphql get a 400.
ACCEPT = "text/html,application/xhtml+xml,*/*;q=0.8"


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
        stderr=None if os.environ.get("ODX_BENCH_SERVER_LOG") else subprocess.DEVNULL,
    )


async def _ready(base: str, process: subprocess.Popen[bytes]) -> None:
    async with httpx.AsyncClient(base_url=base) as http:
        for _ in range(600):
            if process.poll() is not None:
                raise RuntimeError(f"{base} exited with {process.returncode}")
            try:
                if (await http.get("/readyz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.5)
    raise RuntimeError(f"{base} did not become ready")


async def _published(url: str) -> None:
    """Wait until no change log publisher holds its lock."""
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("SELECT pg_advisory_lock($1)", PUBLISH_LOCK_KEY)
        await conn.execute("SELECT pg_advisory_unlock($1)", PUBLISH_LOCK_KEY)
    finally:
        await conn.close()


def _cpu_seconds(pid: int) -> float | None:
    """CPU time (user and system) used so far by process ``pid``, from /proc; ``None``
    where there is no /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


IDLE_LIMIT = 240.0  # seconds a server may stay busy after it is ready


async def _idle(process: subprocess.Popen[bytes], limit: float = IDLE_LIMIT) -> float | None:
    """Wait until the server uses under 5% of a core over 2 s (its SPARQL store has
    caught up with the change log, which ``/readyz`` does not say), at most ``limit``
    seconds; the seconds waited, or ``None`` when it was still busy at the limit (its
    timings then measure its own start as well, not the pages)."""
    started = time.perf_counter()
    before = _cpu_seconds(process.pid)
    while before is not None:
        if time.perf_counter() - started >= limit:
            return None
        await asyncio.sleep(2)
        after = _cpu_seconds(process.pid)
        if after is None or after - before < 0.1:
            break
        before = after
    return time.perf_counter() - started


async def _signed_in(
    base: str,
    path: str,
    method: str,
    data: dict[str, str],
    transport: httpx.AsyncBaseTransport | None = None,
) -> httpx.Cookies:
    async with httpx.AsyncClient(base_url=base, transport=transport) as http:
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
        async with httpx.AsyncClient(
            base_url=base, cookies=cookies, timeout=60, headers={"Accept": ACCEPT}
        ) as http:
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


class Timings:
    """The latencies (seconds) of the answers that succeeded, and the wall time the
    rounds took, for one page on one server."""

    def __init__(self) -> None:
        self.times: list[float] = []
        self.wall = 0.0

    def add(self, times: list[float], wall: float) -> None:
        """Add one round's latencies and its wall time."""
        self.times.extend(times)
        self.wall += wall

    def percentile(self, n: int) -> float:
        """The ``n``th percentile in ms (statistics' exclusive method)."""
        if len(self.times) < 2:
            return float("nan")
        return statistics.quantiles(self.times, n=100)[n - 1] * 1000

    def per_second(self) -> float:
        """Answers per second over the rounds' wall time."""
        return len(self.times) / self.wall if self.wall else float("nan")


def _cookie_header(cookies: httpx.Cookies | None) -> list[str]:
    if not cookies:
        return []
    pairs = "; ".join(f"{name}={value}" for name, value in cookies.items())
    return ["-H", f"Cookie: {pairs}"]


def parse_hey_csv(text: str, failures: list[str]) -> tuple[list[float], float]:
    """The latencies (s) of ``hey -o csv``'s answers with status 200 and the round's wall
    time (the last answer's start offset plus its latency); other statuses (0: no answer)
    go to ``failures``."""
    times: list[float] = []
    wall = 0.0
    for row in csv.DictReader(io.StringIO(text)):
        latency, offset = float(row["response-time"]), float(row["offset"])
        wall = max(wall, offset + latency)
        if row["status-code"] == "200":
            times.append(latency)
        else:
            failures.append(row["status-code"])
    return times, wall


async def _hey_round(
    base: str, path: str, cookies: httpx.Cookies | None, requests: int, failures: list[str]
) -> tuple[list[float], float]:
    """``hey`` with ``CLIENTS`` workers asking for ``path`` ``CLIENTS * requests`` times."""
    process = await asyncio.create_subprocess_exec(
        "hey", "-n", str(CLIENTS * requests), "-c", str(CLIENTS), "-t", "60",
        "-disable-redirects", "-o", "csv", "-H", f"Accept: {ACCEPT}",
        *_cookie_header(cookies), base + path,
        stdout=subprocess.PIPE,
    )  # fmt: skip
    out, _ = await process.communicate()
    return parse_hey_csv(out.decode(), failures)


async def _httpx_round(
    base: str, path: str, cookies: httpx.Cookies | None, requests: int, failures: list[str]
) -> tuple[list[float], float]:
    started = time.perf_counter()
    times = await _round(base, path, cookies, requests, failures)
    return times, time.perf_counter() - started


async def _statements(
    url: str, facts: dict[str, Any], pages: list[tuple[str, str]], entries: int
) -> dict[str, int]:
    """Statements each page sends on its third reading in a row (its caches filled), in
    an app served in this process on the same database, insight cache of ``entries``."""
    settings = Settings.from_env(
        {
            "ODX_DATABASE_URL": url,
            "ODX_RATE_LIMIT_PER_MINUTE": "0",
            "ODX_INSIGHT_CACHE_ENTRIES": str(entries),
        }
    )
    db = await Database.connect(url, max_size=4)
    counts: dict[str, int] = {}
    try:
        app = create_app(settings, database=db)
        transport = httpx.ASGITransport(app=app)
        base = "http://odx.test"
        resident = await _signed_in(
            base, "/home/sign-in", "GET", {"token": facts["resident"]}, transport
        )
        firm = await _signed_in(
            base, "/contractor/sign-in", "POST", {"key": facts["contractor"]}, transport
        )
        sent: list[str] = []
        db.add_listener(sent.append)
        try:
            for label, path in pages:
                cookies = resident if path == "/home" else firm if path == "/contractor" else None
                async with httpx.AsyncClient(
                    transport=transport, base_url=base, cookies=cookies
                ) as http:
                    for _ in range(3):
                        sent.clear()
                        await http.get(path)
                counts[label] = len(sent)
        finally:
            db.remove_listener(sent.append)
    finally:
        await db.close()
    return counts


async def main() -> None:
    """Run the benchmark and print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--homes", type=int, default=5000)
    parser.add_argument("--requests", type=int, default=10, help="per page, per client")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument(
        "--client",
        choices=["hey", "httpx"],
        default="hey",
        help="load generator: hey (a separate compiled process) or httpx in this process",
    )
    args = parser.parse_args()
    if args.client == "hey" and shutil.which("hey") is None:
        parser.error("hey is not installed (apt-get install hey), or use --client httpx")
    measure = _hey_round if args.client == "hey" else _httpx_round
    async with scratch_database() as url:
        started = time.perf_counter()
        facts = await _load(url, args.homes)
        print(f"demo of {args.homes:,} homes loaded in {time.perf_counter() - started:.0f} s")
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
        statements = {
            "cold": await _statements(url, facts, pages, 0),
            "warm": await _statements(url, facts, pages, 128),
        }
        results: dict[tuple[str, str], Timings] = {}
        failed: dict[tuple[str, str], list[str]] = {}
        busy: set[str] = set()  # servers still busy at the idle limit
        # One server at a time, all its rounds, then stopped: a server's sync of the code
        # lists at start can deadlock with a running server's change log publisher (the
        # sync writes the code lists, then takes the publish lock), so the second of two
        # servers on one database may not start.
        for name, entries in {"cold": 0, "warm": 128}.items():
            port = _free_port()
            base = f"http://127.0.0.1:{port}"
            process = _serve(url, port, entries)
            try:
                await _ready(base, process)
                await _published(url)
                waited = await _idle(process)
                if waited is None:
                    busy.add(name)
                    print(f"the {name} server was still busy {IDLE_LIMIT:.0f} s after it was ready")
                else:
                    print(f"the {name} server was busy for {waited:.0f} s after it was ready")
                for _ in range(args.rounds):
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
                        times, wall = await measure(
                            base, path, cookies, args.requests,
                            failed.setdefault((name, label), []),
                        )  # fmt: skip
                        results.setdefault((name, label), Timings()).add(times, wall)
            finally:
                process.terminate()
                try:
                    process.wait(30)
                except subprocess.TimeoutExpired:
                    process.kill()  # still in a native load of its SPARQL store
                    process.wait(10)
    load = os.getloadavg()
    print(
        f"\n{platform.node()} ({os.cpu_count()} cores), "
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, load average at the end "
        f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; {args.homes:,} homes, {CLIENTS} clients "
        f"({args.client}), {args.rounds} rounds x {args.requests} requests per client\n"
    )
    print(
        "| page | cold p50 ms | cold p95 ms | cold req/s | warm p50 ms | warm p95 ms "
        "| warm req/s | cold p95 / baseline | warm p95 / baseline | statements cold "
        "| statements warm | p95 < 100 ms cold, warm | failed |"
    )
    print("| --- |" + " ---: |" * 10 + " --- | ---: |")
    base_cold = results[("cold", "baseline /healthz")].percentile(95)
    base_warm = results[("warm", "baseline /healthz")].percentile(95)
    for label, _ in pages:
        cold, warm = results[("cold", label)], results[("warm", label)]
        errors = len(failed[("cold", label)]) + len(failed[("warm", label)])
        met = ", ".join(
            "not comparable: the server was busy"
            if side in busy
            else "yes"
            if t.percentile(95) < 100
            else "no"
            for side, t in (("cold", cold), ("warm", warm))
        )
        print(
            f"| {label} | {cold.percentile(50):.1f} | {cold.percentile(95):.1f} | "
            f"{cold.per_second():.0f} | {warm.percentile(50):.1f} | {warm.percentile(95):.1f} | "
            f"{warm.per_second():.0f} | {cold.percentile(95) / base_cold:.1f} | "
            f"{warm.percentile(95) / base_warm:.1f} | {statements['cold'][label]} | "
            f"{statements['warm'][label]} | {met} | {errors} |"
        )
    for name in sorted(busy):
        print(
            f"\nThe {name} server never went idle before it was measured: its columns "
            "include its own start-up work; run again on a quieter machine."
        )
    for (name, label), problems in failed.items():
        if problems:
            print(f"\n{name} {label}: {len(problems)} failed, first: {problems[0]}")


if __name__ == "__main__":
    asyncio.run(main())
