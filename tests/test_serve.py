"""The real ``odx-graph serve`` process: starts, prepares its database, answers, and stops
cleanly on Ctrl-C (SIGINT) and SIGTERM, the embedded database included."""

from __future__ import annotations

import asyncio
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support import clean_environment
from tests.support import postgres_running

QUERY = """{ homes(first: 2, filter: {postcode: "%s"}) { totalCount nodes { uprn
  components(first: 5) { nodes { componentType { label } } }
  repairs(first: 3) { nodes { reportedAt contractor { name } } } } } }"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_ready(process: subprocess.Popen[bytes], port: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"serve exited early with {process.returncode}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise AssertionError("serve did not become ready in time")


def _serve(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "odx_graph", "serve"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def _query_a_district(port: int) -> dict[str, Any]:
    url = f"http://127.0.0.1:{port}/graphql"
    first = httpx.post(url, json={"query": "{ homes(first: 1) { nodes { postcodeDistrict } } }"})
    district = first.json()["data"]["homes"]["nodes"][0]["postcodeDistrict"]
    body: dict[str, Any] = httpx.post(url, json={"query": QUERY % district}, timeout=10).json()
    assert "errors" not in body, body
    return body


def _stop(process: subprocess.Popen[bytes], sig: signal.Signals, log: Path) -> None:
    process.send_signal(sig)
    try:
        # After a graceful shutdown uvicorn re-raises the signal, so the process may end
        # "killed by" it; either way the shutdown must have completed.
        assert process.wait(timeout=30) in (0, -sig, 128 + sig), log.read_text()
    finally:
        if process.poll() is None:
            process.kill()
    assert "Application shutdown complete" in log.read_text()


def test_serve_on_the_embedded_database(tmp_path: Path) -> None:
    port = _free_port()
    log = tmp_path / "serve.log"
    env = clean_environment(
        ODX_DATA_DIR=str(tmp_path / "data"),
        ODX_PORT=str(port),
        ODX_DEMO_HOMES="40",
        ODX_LOG_LEVEL="INFO",
    )
    process = _serve(env, port, log)
    try:
        _wait_ready(process, port, timeout=120)
        body = _query_a_district(port)
        homes = body["data"]["homes"]
        assert homes["totalCount"] >= 1 and homes["nodes"][0]["components"]["nodes"]
    finally:
        _stop(process, signal.SIGINT, log)
    assert not postgres_running(tmp_path / "data" / "pgdata"), "embedded PostgreSQL left running"
    lines = log.read_text().splitlines()
    assert any('"message": "odx-graph ready"' in line for line in lines), lines[-5:]


def test_serve_on_a_configured_database(empty_db: str, tmp_path: Path) -> None:
    port = _free_port()
    log = tmp_path / "serve.log"
    env = clean_environment(
        ODX_DATABASE_URL=empty_db,
        ODX_PORT=str(port),
        ODX_DEMO="yes",
        ODX_DEMO_HOMES="30",
        ODX_DATA_DIR=str(tmp_path / "unused"),
    )
    process = _serve(env, port, log)
    try:
        _wait_ready(process, port, timeout=120)
        _query_a_district(port)
    finally:
        _stop(process, signal.SIGTERM, log)
    assert not (tmp_path / "unused").exists(), "an embedded database was started"


@pytest.mark.parametrize("args", [["migrate", "--check"], ["schema"]])
def test_cli_commands(args: list[str], empty_db: str) -> None:
    env = clean_environment(ODX_DATABASE_URL=empty_db)
    result = subprocess.run(
        [sys.executable, "-m", "odx_graph", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    if args[0] == "migrate":
        assert result.returncode == 1 and "pending: 0001_core" in result.stdout
        applied = subprocess.run(
            [sys.executable, "-m", "odx_graph", "migrate"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert applied.returncode == 0, applied.stderr
        again = subprocess.run(
            [sys.executable, "-m", "odx_graph", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert again.returncode == 0 and "0 pending" in again.stdout
    else:
        assert result.returncode == 0 and "type Query" in result.stdout


def test_bad_settings_stop_with_a_clear_message() -> None:
    env = clean_environment(ODX_PORT="eighty")
    result = subprocess.run(
        [sys.executable, "-m", "odx_graph", "serve"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and "ODX_PORT" in result.stderr


@pytest.mark.parametrize(
    ("fmt", "parser"), [("nt", "nt"), ("ttl", "turtle"), ("jsonld", "json-ld")]
)
def test_export_command_writes_a_parsable_dump(
    seeded_db: Any, tmp_path: Path, fmt: str, parser: str
) -> None:
    import gzip

    from rdflib import Graph

    target = tmp_path / f"dump.{fmt}.gz"
    env = clean_environment(ODX_DATABASE_URL=seeded_db.dsn, ODX_BASE_IRI="http://odx.test")
    result = subprocess.run(
        [sys.executable, "-m", "odx_graph", "export", "--format", fmt, "--gzip", "-o", str(target)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    graph = Graph().parse(data=gzip.decompress(target.read_bytes()), format=parser)
    assert len(graph) > 10_000


def test_export_refuses_an_unmigrated_database(empty_db: str) -> None:
    env = clean_environment(ODX_DATABASE_URL=empty_db)
    result = subprocess.run(
        [sys.executable, "-m", "odx_graph", "export"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and "odx-graph migrate" in result.stderr


async def test_sigterm_lets_in_flight_requests_finish(seeded_db: Any, tmp_path: Path) -> None:
    """A slow client is mid-way through the dump when SIGTERM arrives: it still gets all of
    it, new connections are refused, and the process then exits."""
    from rdflib import Graph

    from odx_graph.core.access import PUBLIC
    from odx_graph.mapping import MAPPING
    from odx_graph.services.linked_data.dataset import code_triple_count
    from odx_graph.store.export import count_triples

    expected = await count_triples(seeded_db, MAPPING.nodes, PUBLIC)
    expected += await code_triple_count(seeded_db)  # the code lists end the dump
    received = await asyncio.to_thread(_download_through_sigterm, seeded_db.dsn, tmp_path)
    graph = Graph().parse(data=bytes(received), format="nt")
    assert len(graph) == expected


def _download_through_sigterm(dsn: str, tmp_path: Path) -> bytes:
    port = _free_port()
    log = tmp_path / "serve.log"
    env = clean_environment(
        ODX_DATABASE_URL=dsn, ODX_PORT=str(port), ODX_DEMO="no", ODX_BASE_IRI="http://odx.test"
    )
    process = _serve(env, port, log)
    received = bytearray()
    try:
        _wait_ready(process, port, timeout=60)
        with httpx.stream("GET", f"http://127.0.0.1:{port}/dump.nt", timeout=30) as response:
            chunks = response.iter_bytes(64 * 1024)
            received += next(chunks)
            process.send_signal(signal.SIGTERM)
            time.sleep(0.5)
            with pytest.raises(httpx.TransportError):
                httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
            for chunk in chunks:
                received += chunk
                time.sleep(0.001)
        assert process.wait(timeout=30) in (0, -signal.SIGTERM)
    finally:
        if process.poll() is None:
            process.kill()
    assert "Application shutdown complete" in log.read_text()
    return bytes(received)
