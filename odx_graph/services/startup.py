"""Bringing the database up: embedded or configured server, pool, migrations, code lists
and (when asked) the demo dataset. Shared by ``serve`` and the other CLI commands."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import AsyncIterator
from collections.abc import Callable
from contextlib import asynccontextmanager

from rdflib import Graph

from odx_graph.core.config import DemoMode
from odx_graph.core.config import Settings
from odx_graph.core.tasks import running
from odx_graph.core.vocab import migrations_dir
from odx_graph.services import demo
from odx_graph.services.refdata import sync_reference_data
from odx_graph.store import bulk
from odx_graph.store.db import Database
from odx_graph.store.db import PoolOptions
from odx_graph.store.db import ensure_database
from odx_graph.store.embedded import DATABASE_NAME
from odx_graph.store.embedded import EmbeddedServer
from odx_graph.store.embedded import EmbeddedSupervisor
from odx_graph.store.embedded import start_embedded
from odx_graph.store.migrations import migrate

log = logging.getLogger(__name__)


@asynccontextmanager
async def open_database(settings: Settings) -> AsyncIterator[Database]:
    """A connected pool on the configured server, or on the embedded one (started and
    stopped here)."""
    async with _database(settings) as (db, _):
        yield db


@asynccontextmanager
async def supervised_database(
    settings: Settings, on_restart: Callable[[], None] | None = None
) -> AsyncIterator[tuple[Database, EmbeddedSupervisor | None]]:
    """:func:`open_database` for ``serve``: an embedded server is also watched and started
    again when it stops (``ODX_EMBEDDED_RESTART_ATTEMPTS``). Yields the pool and the
    supervisor (``None`` with a configured server)."""
    async with _database(settings) as (db, embedded):
        if embedded is None:
            yield db, None
            return
        supervisor = EmbeddedSupervisor(
            embedded, settings.embedded_restart_attempts, on_restart=on_restart
        )
        async with running(supervisor.run()):
            yield db, supervisor


def pool_options(settings: Settings) -> PoolOptions:
    """The sizes and timeouts of the server's pools (the primary's and each replica's)."""
    return PoolOptions(
        min_size=settings.pool_min_size,
        max_size=settings.pool_max_size,
        statement_timeout_ms=settings.statement_timeout_ms,
        connect_timeout_ms=settings.connect_timeout_ms,
    )


@asynccontextmanager
async def _database(
    settings: Settings,
) -> AsyncIterator[tuple[Database, EmbeddedServer | None]]:
    embedded: EmbeddedServer | None = None
    if settings.database_url is None:
        embedded = await asyncio.to_thread(start_embedded, settings.data_dir)
        await ensure_database(embedded.dsn("postgres"), DATABASE_NAME)
        dsn = embedded.dsn()
    else:
        dsn = settings.database_url
    try:
        db = await Database.connect(
            dsn,
            planned_replacement_months=settings.planned_replacement_months,
            **pool_options(settings),
        )
        try:
            yield db, embedded
        finally:
            await db.close()
    finally:
        if embedded is not None:
            await asyncio.to_thread(embedded.stop)


def wants_demo(settings: Settings) -> bool:
    """Whether ``serve`` loads the demo dataset into an empty database."""
    if settings.demo is DemoMode.AUTO:
        return settings.uses_embedded_database
    return settings.demo is DemoMode.YES


async def prepare_database(
    db: Database,
    settings: Settings,
    *,
    ontology: Graph | None = None,
    progress: Callable[[str, int], None] | None = None,
) -> None:
    """Migrate, sync code lists and, if wanted and the database is empty, load the demo."""
    async with db.connection() as conn:
        applied = await migrate(conn, migrations_dir())
        if applied:
            log.info("applied migrations", extra={"versions": [m.version for m in applied]})
        await sync_reference_data(conn, ontology)
        if wants_demo(settings) and await bulk.database_is_empty(conn):
            log.info("loading the demo dataset", extra={"homes": settings.demo_homes})
            summary = await demo.load_demo(
                conn,
                homes=settings.demo_homes,
                seed=settings.demo_seed,
                as_of=dt.date.today(),
                progress=progress,
            )
            log.info("demo dataset loaded", extra={"rows": summary.counts})
