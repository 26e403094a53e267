"""Soak: mixed read/write traffic against a real ``odx-graph serve`` on loopback for a
bounded time and request count, recording the server's memory and connections every
minute, then judging whether memory stayed flat.

Traffic: 8 clients (by default) mixing reads (nested GraphQL lists, open-jobs queries,
look-ups by UPRN, Linked Data descriptions, readiness checks) with writes (repairs
reported through the ``reportRepair`` mutation with an admin key and an idempotency key,
one write in ten a retry of an earlier key). An uploader sends a small homes CSV to
``POST /import`` every few seconds (each an import in a worker process: new homes, then
the same ones unchanged). One WebSocket subscriber listens to repair updates all along
while another subscribes and disconnects over and over (the hub must forget it each
time). ``/metrics`` is scraped once a minute.

Each minute the report gives the server's RSS, its open file descriptors, its pool's
database connections, all connections to the database (pool plus the listening one), the
open subscriptions (from ``/metrics``) and, with ``--tracemalloc``, the size Python has
allocated and not freed (``tracemalloc``'s traced size, after a full garbage collection).

Verdict: the first ``--warmup`` minutes (2 by default) are excluded: caches fill in them
(the compiled-statement and document LRUs, asyncpg's prepared statements on each pooled
connection, the allocator's arenas). Over the minutes after, a least-squares line is
fitted to the memory measured each minute; memory is flat when its slope is at most
``--max-slope`` MB a minute (0.1 by default: at the 10,000 or so requests a minute of a
2-core machine, a leak of about 10 bytes a request). The script exits 1 when memory is
not flat or anything failed (an error response, a dropped connection).

Without ``--tracemalloc`` the measure judged is the server's RSS. With ``--tracemalloc
FRAMES`` the server runs under ``tracemalloc`` (several times slower) and the measure
judged is the traced size: RSS is then still shown but not judged, as it includes
tracemalloc's own tables and the churn of the snapshot taken in the server each minute
from the end of the warm-up. The allocation sites (grouped by traceback) that grew most
between the first and the last snapshot are listed with their size minute by minute: a
leak grows every minute, a cache settles, a request in flight comes and goes.

The bound: the slope of the judged measure plus two standard errors (about 97.5% one-sided
confidence), divided by the requests served a minute, is the most a request can leave
behind that the run cannot tell from nothing. It is printed in bytes a request.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import gc
import json
import math
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from collections import Counter
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import IO
from typing import Any

import asyncpg
import httpx
import websockets

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _server import scratch_database

from odx_graph.core.access import Tier
from odx_graph.core.ids import encode_global_id
from odx_graph.core.vocab import migrations_dir
from odx_graph.services import demo
from odx_graph.services.credentials import create_key
from odx_graph.services.refdata import sync_reference_data
from odx_graph.store.migrations import migrate

NESTED = """query Nested($d: String!) { homes(filter: {postcode: $d}, first: 20) { totalCount
  nodes { uprn components(first: 10) { nodes { componentType { label } } }
  repairs(first: 3) { nodes { reportedAt status { code } contractor { name } } } } } }"""
JOBS = """query Jobs($d: String!) { repairs(filter: {postcode: $d, open: true}, first: 50) {
  nodes { iri targetAt priority { label } lines { sorCode } } } }"""
REPORT = """mutation Report($h: ID!, $k: String) { reportRepair(input: {homeId: $h,
  description: "Soak test repair", idempotencyKey: $k}) { __typename } }"""
SUBSCRIBE = "subscription($d: String) { repairUpdated(postcodeDistrict: $d) { id } }"
TRACED_SERVER = "--traced-server"  # internal: run the server under tracemalloc
MB = 1024 * 1024


# --- the server side of --tracemalloc -------------------------------------------------


def traced_server(frames: int, reply_fd: int) -> int:
    """``odx-graph serve`` under tracemalloc, answering the harness on a pipe.

    Each line read from stdin is a request: ``size`` or ``snapshot PATH``. Both run a full
    garbage collection first; ``snapshot`` also dumps a snapshot to ``PATH``. The answer is
    one JSON line with the traced size. The answering thread holds the GIL while it works,
    so the event loop pauses for that moment, as for any collection.
    """
    tracemalloc.start(frames)
    replies = os.fdopen(reply_fd, "w", buffering=1)

    def answer() -> None:
        for line in sys.stdin:
            command, _, path = line.strip().partition(" ")
            gc.collect()
            if command == "snapshot":
                tracemalloc.take_snapshot().dump(path)
            current, peak = tracemalloc.get_traced_memory()
            overhead = tracemalloc.get_tracemalloc_memory()
            replies.write(json.dumps({"traced": current, "peak": peak, "overhead": overhead}))
            replies.write("\n")

    threading.Thread(target=answer, name="soak-tracemalloc", daemon=True).start()
    from odx_graph.cli import main as odx_main

    return odx_main(["serve"])


class Tracer:
    """The harness's end of the pipe to a traced server."""

    def __init__(self, server: subprocess.Popen[bytes], replies: IO[str]) -> None:
        self.server = server
        self.replies = replies

    async def ask(self, command: str) -> dict[str, int]:
        """Send one request and wait for its answer."""
        assert self.server.stdin is not None
        self.server.stdin.write(command.encode() + b"\n")
        self.server.stdin.flush()
        line = await asyncio.wait_for(asyncio.to_thread(self.replies.readline), 120)
        if not line:
            raise RuntimeError("the traced server closed its reply pipe")
        answer: dict[str, int] = json.loads(line)
        return answer


# --- traffic --------------------------------------------------------------------------


@dataclass
class Tally:
    """Shared counters of the traffic tasks."""

    budget: int
    errors: list[str] = field(default_factory=list)
    requests: int = 0
    writes: int = 0
    retries: int = 0
    heard: int = 0
    churned: int = 0
    imports: int = 0


async def _client(
    base: str,
    districts: list[str],
    uprns: list[str],
    keys: list[int],
    deadline: float,
    tally: Tally,
    api_key: str,
    seed: int,
) -> None:
    rng = random.Random(seed)
    used: list[str] = []  # recent idempotency keys, for retries
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        while time.monotonic() < deadline and tally.budget > 0:
            tally.budget -= 1
            tally.requests += 1
            try:
                response = await _request(http, rng, districts, uprns, keys, tally, api_key, used)
            except httpx.TransportError as exc:  # a dropped connection counts as a failure
                tally.errors.append(f"transport {type(exc).__name__} {exc}")
                continue
            if response.status_code != 200 or "errors" in response.text[:20]:
                tally.errors.append(f"{response.status_code} {response.text[:120]}")


async def _request(
    http: httpx.AsyncClient,
    rng: random.Random,
    districts: list[str],
    uprns: list[str],
    keys: list[int],
    tally: Tally,
    api_key: str,
    used: list[str],
) -> httpx.Response:
    """One request of the mix."""
    choice = rng.random()
    if choice < 0.4:
        return await http.post(
            "/graphql", json={"query": NESTED, "variables": {"d": rng.choice(districts)}}
        )
    if choice < 0.6:
        return await http.post(
            "/graphql", json={"query": JOBS, "variables": {"d": rng.choice(districts)}}
        )
    if choice < 0.75:
        return await http.post(
            "/graphql",
            json={
                "query": "query Uprn($u: String!) { home(uprn: $u) { iri } }",
                "variables": {"u": rng.choice(uprns)},
            },
        )
    if choice < 0.85:
        return await http.get(f"/id/home/{rng.choice(keys)}", headers={"Accept": "text/turtle"})
    if choice < 0.95:
        if used and rng.random() < 0.1:
            key = rng.choice(used)  # a retry: answered from the idempotency record
            tally.retries += 1
        else:
            tally.writes += 1
            key = f"soak-{tally.writes}"
            used.append(key)
            del used[:-100]
        return await http.post(
            "/graphql",
            json={
                "query": REPORT,
                "variables": {"h": encode_global_id("Home", rng.choice(keys)), "k": key},
            },
            headers={"Authorization": f"Bearer {api_key}"},
        )
    return await http.get("/readyz")


async def _subscribe(ws: Any, district: str) -> None:
    await ws.send(json.dumps({"type": "connection_init"}))
    await ws.recv()
    payload = {"query": SUBSCRIBE, "variables": {"d": district}}
    await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))


async def _listener(ws_url: str, district: str, deadline: float, tally: Tally) -> None:
    """One subscriber to a district for the whole run, counting the updates it hears. A
    lost connection is a failure (and the subscriber comes back)."""
    while time.monotonic() < deadline:
        try:
            async with websockets.connect(ws_url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
                await _subscribe(ws, district)
                while (left := deadline - time.monotonic()) > 0:
                    try:
                        await asyncio.wait_for(ws.recv(), left)
                        tally.heard += 1
                    except TimeoutError:
                        return
        except (OSError, websockets.WebSocketException) as exc:
            tally.errors.append(f"subscriber {type(exc).__name__} {exc}")
            await asyncio.sleep(1)


async def _churner(ws_url: str, districts: list[str], deadline: float, tally: Tally) -> None:
    """Subscribes for a few seconds, disconnects without a goodbye, and again."""
    rng = random.Random(7)
    while time.monotonic() < deadline - 10:
        try:
            async with websockets.connect(ws_url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
                await _subscribe(ws, rng.choice(districts[:5]))
                tally.churned += 1
                stop = time.monotonic() + rng.uniform(1, 5)
                while (left := stop - time.monotonic()) > 0:
                    try:
                        await asyncio.wait_for(ws.recv(), left)
                    except TimeoutError:
                        break
        except (OSError, websockets.WebSocketException) as exc:
            tally.errors.append(f"churning subscriber {type(exc).__name__} {exc}")
            await asyncio.sleep(1)


async def _uploader(
    base: str, deadline: float, tally: Tally, api_key: str, organisation: int
) -> None:
    """Uploads a small homes file every few seconds: 20 homes from a pool of 200, so the
    first rounds create and the later ones mostly find them unchanged."""
    rng = random.Random(11)
    async with httpx.AsyncClient(base_url=base, timeout=120) as http:
        while time.monotonic() < deadline - 10:
            refs = rng.sample(range(200), 20)
            lines = ["home_ref,address_line_1,postcode"]
            lines += [f"SOAK-{n},{n} Soak Street,LS9 8AB" for n in refs]
            try:
                response = await http.post(
                    "/import",
                    params={"format": "homes", "as": str(organisation)},
                    content="\n".join(lines) + "\n",
                    headers={"Authorization": f"Bearer {api_key}", "Content-Type": "text/csv"},
                )
                tally.imports += 1
                if response.status_code != 200:
                    tally.errors.append(f"import {response.status_code} {response.text[:120]}")
            except httpx.TransportError as exc:
                tally.errors.append(f"import transport {type(exc).__name__} {exc}")
            await asyncio.sleep(rng.uniform(2, 4))


# --- measurements ---------------------------------------------------------------------


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _open_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


async def _connections(url: str) -> tuple[int, int]:
    """The server's pooled connections, and all connections to its database."""
    conn = await asyncpg.connect(url)
    try:
        row = await conn.fetchrow(
            "SELECT count(*) FILTER (WHERE application_name = 'odx-graph'), count(*) "
            "FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        )
        assert row is not None
        return int(row[0]), int(row[1])
    finally:
        await conn.close()


async def _subscriptions(http: httpx.AsyncClient) -> int:
    text = (await http.get("/metrics")).text
    found = re.search(r"^odx_subscriptions (\S+)$", text, re.MULTILINE)
    return int(float(found.group(1))) if found else -1


@dataclass(frozen=True)
class Trend:
    """A least-squares line through per-minute values."""

    slope: float  # per minute
    stderr: float
    low: float
    high: float


def trend(values: list[float]) -> Trend:
    """The least-squares slope of ``values`` (one a minute) and its standard error."""
    n = len(values)
    mean_x, mean_y = (n - 1) / 2, sum(values) / n
    sxx = sum((i - mean_x) ** 2 for i in range(n))
    slope = sum((i - mean_x) * (y - mean_y) for i, y in enumerate(values)) / sxx
    residuals = sum((y - mean_y - slope * (i - mean_x)) ** 2 for i, y in enumerate(values))
    stderr = math.sqrt(residuals / (n - 2) / sxx) if n > 2 else 0.0
    return Trend(slope, stderr, min(values), max(values))


def _site(traceback: tracemalloc.Traceback, frames: int = 3) -> str:
    """The innermost frames of an allocation site, shortest paths."""
    parts = []
    for frame in list(traceback)[-frames:][::-1]:
        name = frame.filename
        for marker in ("site-packages/", "/odx_graph/", "/lib/python3"):
            if marker in name:
                name = name.split(marker, 1)[1]
                break
        parts.append(f"{name}:{frame.lineno}")
    return " < ".join(parts)


def growth_report(paths: list[Path], top: int = 12) -> list[str]:
    """The allocation sites that grew most from the first snapshot to the last, with their
    size (KB) in every snapshot."""
    sizes: list[dict[tracemalloc.Traceback, int]] = []
    files: list[dict[str, int]] = []
    for path in paths:
        snapshot = tracemalloc.Snapshot.load(str(path))
        sizes.append({s.traceback: s.size for s in snapshot.statistics("traceback")})
        files.append({s.traceback[0].filename: s.size for s in snapshot.statistics("filename")})
        del snapshot
        gc.collect()
    first, last = sizes[0], sizes[-1]
    grown = sorted(last, key=lambda k: last[k] - first.get(k, 0), reverse=True)[:top]
    lines = [
        f"allocation sites that grew most over the {len(paths) - 1} measured minutes "
        "(KB at each minute; innermost frame first):"
    ]
    for key in grown:
        series = " ".join(f"{s.get(key, 0) / 1024:.0f}" for s in sizes)
        lines.append(
            f"  {(last[key] - first.get(key, 0)) / 1024:+8.1f} KB  [{series}]  {_site(key)}"
        )
    lines.append("files that grew most (KB first -> last):")
    f_first, f_last = files[0], files[-1]
    for name in sorted(f_last, key=lambda k: f_last[k] - f_first.get(k, 0), reverse=True)[:8]:
        lines.append(
            f"  {(f_last[name] - f_first.get(name, 0)) / 1024:+8.1f} KB  "
            f"{f_first.get(name, 0) / 1024:.0f} -> {f_last[name] / 1024:.0f}  {name}"
        )
    return lines


# --- the run --------------------------------------------------------------------------


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--homes", type=int, default=5000)
    parser.add_argument("--minutes", type=int, default=10, help="length of the run (10)")
    parser.add_argument(
        "--warmup", type=int, default=2, help="first minutes left out of the trend (2)"
    )
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--max-requests", type=int, default=2_000_000, help="request budget")
    parser.add_argument(
        "--max-slope", type=float, default=0.1, help="flat: slope at most this, MB/minute (0.1)"
    )
    parser.add_argument(
        "--tracemalloc",
        type=int,
        default=0,
        metavar="FRAMES",
        help="run the server under tracemalloc keeping FRAMES frames (0: off)",
    )
    parser.add_argument("--keep-snapshots", type=Path, help="keep the snapshots in this folder")
    args = parser.parse_args()
    if args.minutes - args.warmup < 3:
        parser.error("the run needs at least 3 minutes after the warm-up to fit a trend")
    return args


async def _setup(url: str, homes: int) -> tuple[list[str], list[str], list[int], str, int]:
    conn = await asyncpg.connect(url)
    try:
        await migrate(conn, migrations_dir())
        await sync_reference_data(conn)
        await demo.load_demo(conn, homes=homes, seed=20251027, as_of=dt.date.today())
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
        landlord = await conn.fetchval(
            "SELECT landlord_id FROM home WHERE landlord_id IS NOT NULL LIMIT 1"
        )
    finally:
        await conn.close()
    return districts, uprns, keys, api_key, landlord


async def main() -> int:
    args = _arguments()
    temporary = bool(args.tracemalloc) and args.keep_snapshots is None
    snap_dir: Path | None = args.keep_snapshots
    if temporary:
        snap_dir = Path(tempfile.mkdtemp(prefix="odx-soak-"))
    elif snap_dir is not None:
        snap_dir.mkdir(parents=True, exist_ok=True)
    try:
        return await _soak(args, snap_dir)
    finally:
        if temporary and snap_dir is not None:
            shutil.rmtree(snap_dir, ignore_errors=True)


async def _soak(args: argparse.Namespace, snap_dir: Path | None) -> int:
    snapshots: list[Path] = []
    rows: list[dict[str, Any]] = []
    async with scratch_database() as url:
        districts, uprns, keys, api_key, landlord = await _setup(url, args.homes)
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        env = {
            **os.environ,
            "ODX_DATABASE_URL": url,
            "ODX_HOST": "127.0.0.1",
            "ODX_PORT": str(port),
            "ODX_LOG_LEVEL": "WARNING",
            "ODX_DEMO": "no",
            "ODX_RATE_LIMIT_PER_MINUTE": "0",
        }
        tracer: Tracer | None = None
        if args.tracemalloc:
            read_end, write_end = os.pipe()
            command = [sys.executable, __file__, TRACED_SERVER, str(args.tracemalloc)]
            server = await asyncio.to_thread(
                subprocess.Popen,
                [*command, str(write_end)],
                env=env,
                stdin=subprocess.PIPE,
                pass_fds=[write_end],
            )
            os.close(write_end)
            tracer = Tracer(server, os.fdopen(read_end))
        else:
            server = await asyncio.to_thread(
                subprocess.Popen, [sys.executable, "-m", "odx_graph", "serve"], env=env
            )
        base = f"http://127.0.0.1:{port}"
        ws_url = f"ws://127.0.0.1:{port}/graphql"
        tally = Tally(budget=args.max_requests)
        try:
            async with httpx.AsyncClient(base_url=base, timeout=30) as probe:
                for _ in range(600):  # under tracemalloc, starting takes half a minute
                    try:
                        if (await probe.get("/readyz")).status_code == 200:
                            break
                    except httpx.TransportError:
                        pass
                    if server.poll() is not None:
                        raise RuntimeError(f"the server exited with {server.returncode}")
                    await asyncio.sleep(0.2)
                else:
                    raise RuntimeError("the server did not become ready in 2 minutes")
                started = time.monotonic()
                deadline = started + args.minutes * 60
                tasks = [
                    asyncio.create_task(
                        _client(base, districts, uprns, keys, deadline, tally, api_key, seed)
                    )
                    for seed in range(args.clients)
                ]
                tasks.append(asyncio.create_task(_listener(ws_url, districts[0], deadline, tally)))
                tasks.append(asyncio.create_task(_churner(ws_url, districts, deadline, tally)))
                tasks.append(
                    asyncio.create_task(_uploader(base, deadline, tally, api_key, landlord))
                )
                print(
                    f"# soak, {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {args.homes:,} "
                    f"homes, {args.clients} clients, {args.minutes} min, warm-up "
                    f"{args.warmup} min, tracemalloc "
                    f"{f'{args.tracemalloc} frames' if args.tracemalloc else 'off'}\n"
                )
                print(
                    "| minute | requests | RSS (MB) | traced (MB) | fds | pool conns "
                    "| db conns | subscriptions | errors |"
                )
                print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
                for minute in range(args.minutes + 1):
                    await asyncio.sleep(max(0.0, started + minute * 60 - time.monotonic()))
                    traced = None
                    if tracer is not None and snap_dir is not None:
                        request = "size"
                        if minute >= args.warmup:
                            snapshots.append(snap_dir / f"minute-{minute:03d}.snap")
                            request = f"snapshot {snapshots[-1]}"
                        traced = (await tracer.ask(request))["traced"] / MB
                    row: dict[str, Any] = {
                        "minute": minute,
                        "requests": tally.requests,
                        "rss": _rss_mb(server.pid),
                        "traced": traced,
                        "fds": _open_fds(server.pid),
                        "conns": await _connections(url),
                        "subs": await _subscriptions(probe),
                        "errors": len(tally.errors),
                    }
                    rows.append(row)
                    print(
                        f"| {minute} | {row['requests']:,} | {row['rss']:.1f} | "
                        f"{'-' if traced is None else f'{traced:.2f}'} | {row['fds']} | "
                        f"{row['conns'][0]} | {row['conns'][1]} | {row['subs']} | "
                        f"{row['errors']} |",
                        flush=True,
                    )
                for failed in await asyncio.gather(*tasks, return_exceptions=True):
                    if failed is not None:
                        tally.errors.append(f"traffic task {type(failed).__name__} {failed}")
        finally:
            server.terminate()
            server.wait(timeout=30)
    return _verdict(args, rows, tally, snapshots)


def _verdict(
    args: argparse.Namespace,
    rows: list[dict[str, Any]],
    tally: Tally,
    snapshots: list[Path],
) -> int:
    measured = [r for r in rows if r["minute"] >= args.warmup]
    print(
        f"\n{tally.requests:,} requests, {len(tally.errors)} errors; {tally.writes:,} repairs "
        f"reported and {tally.retries:,} retried writes; the subscriber heard {tally.heard:,} "
        f"updates; {tally.churned:,} short-lived subscriptions; {tally.imports:,} uploads"
    )
    for error, count in Counter(e[:100] for e in tally.errors).most_common(5):
        print(f"  {count} x {error}")
    print(
        f"trend over minutes {args.warmup} to {args.minutes} (warm-up excluded), "
        f"pass if at most {args.max_slope} MB/minute:"
    )
    judged = "traced" if args.tracemalloc else "rss"
    flat = True
    for label, key in (("RSS", "rss"), ("traced", "traced")):
        if measured[0][key] is None:
            continue
        line = trend([r[key] for r in measured])
        if key == judged:
            flat = line.slope <= args.max_slope
            judgement = "flat" if flat else "NOT FLAT"
            minutes = measured[-1]["minute"] - measured[0]["minute"]
            per_minute = (measured[-1]["requests"] - measured[0]["requests"]) / max(1, minutes)
            upper = max(0.0, line.slope + 2 * line.stderr) * MB
            print(
                f"  bound: at most {upper / max(per_minute, 1):.2f} bytes a request "
                f"(slope + 2 standard errors = {upper / 1024:.1f} KB/minute over "
                f"{per_minute:,.0f} requests a minute)"
            )
        else:
            judgement = "not judged (includes tracemalloc's own memory and snapshots)"
        print(
            f"  {label}: {line.low:.2f} to {line.high:.2f} MB, slope {line.slope:+.3f} "
            f"+/- {line.stderr:.3f} MB/minute: {judgement}"
        )
    if snapshots:
        print("\n".join(growth_report(snapshots)))
    verdict = "PASS" if flat and not tally.errors else "FAIL"
    print(
        f"verdict: {verdict} (memory {'flat' if flat else 'not flat'}, {len(tally.errors)} errors)"
    )
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == TRACED_SERVER:
        raise SystemExit(traced_server(int(sys.argv[2]), int(sys.argv[3])))
    raise SystemExit(asyncio.run(main()))
