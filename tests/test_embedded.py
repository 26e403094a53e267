"""The embedded PostgreSQL under ``serve``: killed, it is started again and the API
recovers by itself; when it cannot be started again, ``/healthz`` fails."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from pathlib import Path

import httpx
import uvicorn

from odx_graph.core.config import Settings
from odx_graph.web.app import create_app
from odx_graph.web.connections import ConnectionLimits
from odx_graph.web.connections import server_config
from tests.support import free_port

QUERY = {"query": "{ priorities { code } }"}


async def _until(check: object, seconds: float) -> bool:
    """Poll the coroutine function ``check`` until it is true or ``seconds`` pass."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if await check():  # type: ignore[operator]
            return True
        await asyncio.sleep(0.25)
    return False


def _kill_postmaster(pgdata: Path) -> None:
    pid = int((pgdata / "postmaster.pid").read_text().split()[0])
    os.kill(pid, signal.SIGKILL)


async def test_a_killed_embedded_database_is_restarted_or_healthz_fails(tmp_path: Path) -> None:
    port = free_port()
    settings = Settings.from_env(
        {},
        data_dir=tmp_path / "data",
        port=port,
        demo="no",
        embedded_restart_attempts=2,
        rate_limit_per_minute=0,
        connect_timeout_ms=1000,
    )
    app = create_app(settings)
    server = uvicorn.Server(server_config(app, settings, ConnectionLimits.from_settings(settings)))
    serving = asyncio.create_task(server.serve())
    pgdata = tmp_path / "data" / "pgdata"
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:

            async def answers() -> bool:
                try:
                    response = await http.post("/graphql", json=QUERY)
                except httpx.TransportError:
                    return False
                return response.status_code == 200 and "errors" not in response.json()

            async def failing_health() -> bool:
                return (await http.get("/healthz")).status_code == 503

            assert await _until(answers, 180), "serve did not start"
            _kill_postmaster(pgdata)
            assert await _until(lambda: _down(http), 10), "the outage was not seen"
            # It comes back by itself, and the process never looked unhealthy meanwhile.
            healthy = [(await http.get("/healthz")).status_code]
            assert await _until(answers, 60), "the API did not recover"
            healthy.append((await http.get("/healthz")).status_code)
            assert healthy == [200, 200]
            # Counted once the restart has returned, which may be just after PostgreSQL
            # already answers.
            assert await _until(lambda: _restarts_counted(http, 1), 10), "restart not counted"
            # A server that cannot start again: /healthz fails, for the orchestrator.
            with (pgdata / "postgresql.conf").open("a") as conf:
                conf.write("\nthis line is not a setting\n")
            _kill_postmaster(pgdata)
            assert await _until(failing_health, 60), "/healthz kept saying ok"
            body = (await http.get("/healthz")).json()
            assert body["errors"][0]["extensions"]["code"] == "DATABASE_UNAVAILABLE"
    finally:
        server.should_exit = True
        await asyncio.wait_for(serving, 60)


async def _down(http: httpx.AsyncClient) -> bool:
    response = await http.post("/graphql", json=QUERY)
    return "DATABASE_UNAVAILABLE" in response.text


async def _restarts_counted(http: httpx.AsyncClient, count: int) -> bool:
    metrics = (await http.get("/metrics")).text
    return f"odx_embedded_database_restarts_total {count:.1f}" in metrics
