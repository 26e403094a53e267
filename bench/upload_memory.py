"""Memory of a real ``odx-graph serve`` while hostile and large files are uploaded to
``POST /import``: the server process's RSS, and that of the server with every process
under it (the fork server and the import workers), sampled every 50 ms during each upload
and for a minute after the last one.

Files (made here): a CSV of bad rows of a given size (every row has a bad postcode), a
valid homes CSV of a given size, the homes and 100,000 repairs of
``bench/import_speed.py``, a Turtle export cut just under the statement cap, and a
Turtle export of a given size past it. The baseline is the server's RSS before the
first upload, in the same run.

    python bench/upload_memory.py --bad-csv-mb 50 --good-csv-mb 95 --turtle-mb 6.6
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import platform
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _server import scratch_database
from import_speed import files as repair_files

from odx_graph.core.vocab import migrations_dir
from odx_graph.services import demo
from odx_graph.services.refdata import sync_reference_data
from odx_graph.store.migrations import migrate

MB = 1024 * 1024
TOKEN = "bench-upload-token-" + "x" * 20
BAD_ROW = "BAD-{n},{n} Nowhere Street,NOT A POSTCODE"  # every row has a bad postcode
GOOD_ROW = "GOOD-{n},{n} Somewhere Street,LS9 8AB"


def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return 0


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                parent = int(stat.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


class Sampler:
    """Samples the server's RSS and the RSS of its whole process tree."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.server_peak = 0
        self.tree_peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            server = _rss(self.pid)
            tree = server + sum(_rss(p) for p in _descendants(self.pid))
            self.server_peak = max(self.server_peak, server)
            self.tree_peak = max(self.tree_peak, tree)
            time.sleep(0.05)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def homes_csv(size: int, row: str) -> bytes:
    """A homes CSV of about ``size`` bytes, rows made by ``row.format(n=...)``."""
    lines = ["home_ref,address_line_1,postcode"]
    total, n = 0, 0
    while total < size:
        line = row.format(n=n)
        lines.append(line)
        total += len(line) + 1
        n += 1
    return ("\n".join(lines) + "\n").encode()


def turtle(export: bytes, size: int) -> bytes:
    """The export cut at a statement boundary after ``size`` bytes."""
    if len(export) <= size:
        return export
    cut = export.find(b"\n\n", size)
    return export[: cut + 1] if cut > 0 else export


@dataclass
class Outcome:
    name: str
    size: int
    status: int
    seconds: float
    server_peak: int
    tree_peak: int
    detail: str


async def _upload(
    http: httpx.AsyncClient, pid: int, name: str, body: bytes, fmt: str, org: str
) -> Outcome:
    started = time.perf_counter()
    with Sampler(pid) as sampler:
        response = await http.post(
            "/import",
            params={"format": fmt, "as": org, "fileName": name},
            content=body,
            headers={"Authorization": f"Bearer {TOKEN}"},
        )
    seconds = time.perf_counter() - started
    data = response.json()
    if "errors" in data:
        detail = f"{data['errors'][0]['extensions']['code']}: {data['errors'][0]['message']}"
    else:
        detail = (
            f"{data['counts']}, problems listed {len(data['problems'])} of "
            f"{data.get('problemCount')}, report {len(response.content):,} bytes"
        )
    return Outcome(
        name, len(body), response.status_code, seconds, sampler.server_peak, sampler.tree_peak,
        detail[:160],
    )  # fmt: skip


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bad-csv-mb", type=float, default=50)
    parser.add_argument("--good-csv-mb", type=float, default=95)
    parser.add_argument("--repairs", type=int, default=100_000)
    parser.add_argument("--turtle-mb", type=float, default=6.6)
    parser.add_argument("--homes", type=int, default=400, help="demo homes to export as Turtle")
    parser.add_argument("--only", nargs="*", help="upload only the files whose names start so")
    args = parser.parse_args()
    async with scratch_database() as url:
        conn = await asyncpg.connect(url)
        try:
            await migrate(conn, migrations_dir())
            await sync_reference_data(conn)
            await demo.load_demo(conn, homes=args.homes, seed=5, as_of=dt.date(2026, 6, 30))
            org = str(
                await conn.fetchval(
                    "SELECT id FROM organisation WHERE kind_code = 'landlord' LIMIT 1"
                )
            )
        finally:
            await conn.close()
        env = {**os.environ, "ODX_DATABASE_URL": url, "ODX_LOG_LEVEL": "WARNING"}
        exported = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-m", "odx_graph", "export", "--format", "ttl"],
            env=env,
            capture_output=True,
            check=True,
        )
        export = exported.stdout
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        env.update(
            ODX_PORT=str(port), ODX_DEMO="no", ODX_IMPORT_TOKEN=TOKEN, ODX_RATE_LIMIT_PER_MINUTE="0"
        )
        server = await asyncio.to_thread(
            subprocess.Popen, [sys.executable, "-m", "odx_graph", "serve"], env=env
        )
        outcomes: list[Outcome] = []
        try:
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=900) as http:
                for _ in range(300):
                    try:
                        if (await http.get("/readyz")).status_code == 200:
                            break
                    except httpx.TransportError:
                        pass
                    await asyncio.sleep(0.2)
                await http.post("/graphql", json={"query": "{ priorities { code } }"})
                baseline = _rss(server.pid)
                homes, repairs = repair_files(20_000, args.repairs, 7)
                files = [
                    ("20,000 homes CSV", homes, "homes"),
                    (f"{args.repairs:,} repairs CSV", repairs, "repairs"),
                    ("bad rows CSV", homes_csv(int(args.bad_csv_mb * MB), BAD_ROW), "homes"),
                    ("valid homes CSV", homes_csv(int(args.good_csv_mb * MB), GOOD_ROW), "homes"),
                    ("Turtle under the cap", turtle(export, int(4.5 * MB)), "turtle"),
                    ("Turtle past the cap", turtle(export, int(args.turtle_mb * MB)), "turtle"),
                ]
                if args.only:
                    files = [f for f in files if f[0].startswith(tuple(args.only))]
                for name, body, fmt in files:
                    outcomes.append(await _upload(http, server.pid, name, body, fmt, org))
                    print(outcomes[-1], flush=True)
                after = []
                for _ in range(60):
                    await asyncio.sleep(1)
                    after.append(_rss(server.pid))
        finally:
            server.terminate()
            server.wait(30)
    print(
        f"\n# upload memory, {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, "
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}\n"
    )
    print(f"server RSS before the first upload (baseline): {baseline / MB:.1f} MB\n")
    print(
        "| file | bytes | status | seconds | peak server RSS (MB) | peak server + workers "
        "(MB) | answer |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | --- |")
    for o in outcomes:
        print(
            f"| {o.name} | {o.size:,} | {o.status} | {o.seconds:.1f} | {o.server_peak / MB:.1f} "
            f"| {o.tree_peak / MB:.1f} | {o.detail} |"
        )
    print(
        f"\nserver RSS a minute after the last upload: {after[-1] / MB:.1f} MB "
        f"(lowest {min(after) / MB:.1f}, highest {max(after) / MB:.1f} during that minute)"
    )


if __name__ == "__main__":
    asyncio.run(main())
