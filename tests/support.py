"""Helpers for tests that run the real command in a subprocess or the app under uvicorn."""

from __future__ import annotations

import asyncio
import json
import os
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import uvicorn
import websockets
from starlette.applications import Starlette

from odx_graph.core.config import Settings
from odx_graph.store.db import Database
from odx_graph.web.connections import ConnectionLimits
from odx_graph.web.connections import server_config

PROTOCOL = "graphql-transport-ws"


def clean_environment(**settings: str) -> dict[str, str]:
    """This process's environment without any ODX_* or PG* variable, plus ``settings``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ODX_", "PG"))}
    env.update(settings)
    return env


def postgres_running(pgdata: Path) -> bool:
    """Whether a postgres process serving ``pgdata`` is still alive."""
    for proc in Path("/proc").iterdir():
        try:
            cmdline = (proc / "cmdline").read_bytes()
        except OSError:
            continue
        if b"postgres" in cmdline and str(pgdata).encode() in cmdline:
            return True
    return False


def free_port() -> int:
    """A TCP port free on loopback now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@asynccontextmanager
async def served_app(db: Database, **settings: Any) -> AsyncIterator[tuple[str, Starlette]]:
    """``(host:port, app)``: the app on ``db`` (with ``settings`` over the defaults) under
    uvicorn on loopback, in this process; its live-updates hub is closed afterwards."""
    from odx_graph.web.app import create_app

    port = free_port()
    chosen = Settings.from_env({}, base_iri="http://odx.test", port=port, **settings)
    app = create_app(chosen, database=db)
    limits = ConnectionLimits.from_settings(chosen)
    app.state.connection_limits = limits
    running = uvicorn.Server(server_config(app, chosen, limits, lifespan="off"))
    task = asyncio.create_task(running.serve())
    for _ in range(100):
        if running.started:
            break
        await asyncio.sleep(0.05)
    try:
        yield f"127.0.0.1:{port}", app
    finally:
        running.should_exit = True
        await asyncio.wait_for(task, 10)
        hub = getattr(app.state, "hub", None)
        if hub is not None:
            await hub.close()


async def subscribe(url: str, query: str, variables: dict[str, Any]) -> Any:
    """A graphql-transport-ws connection to ``url`` with one subscription started."""
    ws = await websockets.connect(f"ws://{url}/graphql", subprotocols=[PROTOCOL])  # type: ignore[list-item]
    await ws.send(json.dumps({"type": "connection_init"}))
    assert json.loads(await ws.recv())["type"] == "connection_ack"
    payload = {"query": query, "variables": variables}
    await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
    return ws


async def _running(app: Starlette) -> None:
    for _ in range(200):
        store = getattr(app.state, "sparql", None)
        if store is not None and (store.ready or not store.kept):
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the SPARQL store was not built")


class running_app:
    """The app on ``db`` with its lifespan running (the SPARQL store and its follower)."""

    def __init__(self, db: Database, **settings: Any) -> None:
        from odx_graph.web.app import create_app

        chosen = Settings.from_env({}, base_iri="http://odx.test", **settings)
        self.app = create_app(chosen, database=db)

    async def __aenter__(self) -> tuple[httpx.AsyncClient, Starlette]:
        self.lifespan = self.app.router.lifespan_context(self.app)
        await self.lifespan.__aenter__()
        await _running(self.app)
        self.http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.app), base_url="http://odx.test"
        )
        return self.http, self.app

    async def __aexit__(self, *exc: object) -> None:
        await self.http.aclose()
        await self.lifespan.__aexit__(None, None, None)


async def one_row(db: Database, sql: str, *args: Any) -> Any:
    """The first row of ``sql``, which must have one."""
    row = await db.fetchrow(sql, *args)
    assert row is not None, sql
    return row


class SentStatements:
    """Stands in for a :class:`Database`: records the statements a store function sends
    (each with its arguments) and answers none, so a test can read their plans."""

    def __init__(self) -> None:
        self.sql: list[tuple[str, tuple[Any, ...]]] = []

    async def fetch(self, sql: str, *args: Any) -> list[Any]:
        """Record a statement sent as is."""
        self.sql.append((sql, args))
        return []

    async def fetch_with(self, settings: object, sql: str, *args: Any) -> list[Any]:
        """Record a statement sent with session settings (not recorded)."""
        return await self.fetch(sql, *args)


def plan_nodes(explained: str | list[Any]) -> list[dict[str, Any]]:
    """Every node of an ``EXPLAIN (FORMAT JSON)`` plan (its text or its parsed form),
    depth first from the top."""
    parsed = json.loads(explained) if isinstance(explained, str) else explained
    nodes = []
    pending = [parsed[0]["Plan"]]
    while pending:
        node = pending.pop()
        nodes.append(node)
        pending.extend(reversed(node.get("Plans", [])))
    return nodes


# When each repair with a planned item live on its report day is first due (the rows of
# repair_planned_due, migration 0043), worked out afresh the way migration 0025's view
# matches items to components, independently of the migration's own statements.
PLANNED_DUE_AFRESH = (
    "SELECT f.id, f.landlord_id, f.month, f.priority_code, f.cancelled, f.record_key, "
    "(r.reported_at AT TIME ZONE 'Europe/London')::date, min(w.planned_date) "
    "FROM repair_fact f JOIN repair r ON r.id = f.id JOIN component c ON c.id = r.component_id "
    "JOIN planned_work w ON w.component_type_code = c.component_type_code "
    "AND (c.id = w.component_id OR (w.component_id IS NULL "
    "AND (c.home_id = w.home_id OR c.building_id = w.building_id))) "
    "WHERE w.status_code <> 'cancelled' AND (w.completed_on IS NULL "
    "OR w.completed_on > (r.reported_at AT TIME ZONE 'Europe/London')::date) "
    "GROUP BY 1, 2, 3, 4, 5, 6, 7"
)
