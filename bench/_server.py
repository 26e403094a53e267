"""A throwaway database on the server named by the environment, else an embedded one."""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg

from odx_graph.services.linked_data import feed
from odx_graph.store import changes
from odx_graph.store.db import Database
from odx_graph.store.db import quote_ident


@contextlib.asynccontextmanager
async def scratch_database() -> AsyncIterator[str]:
    """Yield the URL of a new empty database; drop it afterwards."""
    embedded = None
    tmp = None
    if os.environ.get("ODX_DATABASE_URL"):
        admin = os.environ["ODX_DATABASE_URL"]
    elif any(os.environ.get(v) for v in ("PGHOST", "PGPORT", "PGUSER", "PGDATABASE")):
        host = os.environ.get("PGHOST", "localhost")
        user = os.environ.get("PGUSER", "postgres")
        admin = f"postgresql://{user}@{host}:{os.environ.get('PGPORT', '5432')}/postgres"
    else:
        from odx_graph.store.embedded import start_embedded

        tmp = tempfile.TemporaryDirectory(prefix="odx-bench-")
        embedded = start_embedded(Path(tmp.name))
        admin = embedded.dsn("postgres")
    name = f"odx_bench_{uuid.uuid4().hex[:10]}"
    conn = await asyncpg.connect(admin)
    await conn.execute(f"CREATE DATABASE {quote_ident(name)}")
    await conn.close()
    base, _, query = admin.partition("?")
    url = base.rsplit("/", 1)[0] + "/" + name + (f"?{query}" if query else "")
    try:
        yield url
    finally:
        conn = await asyncpg.connect(admin)
        await conn.execute(f"DROP DATABASE IF EXISTS {quote_ident(name)} WITH (FORCE)")
        await conn.close()
        if embedded is not None:
            embedded.stop()
        if tmp is not None:
            tmp.cleanup()


async def publish_change_log(db: Database) -> tuple[int, float]:
    """Publish every change noted in ``db``'s change log; versions and seconds.

    An odx-graph server publishes what is noted in the background; on a freshly loaded
    database (millions of things) that is minutes of a core, which would run beside a
    bench's rounds and slow what is measured. Done first, the servers start idle."""
    started = time.perf_counter()
    published = 0
    # Until nothing is left noted (a publisher elsewhere may hold the lock a while).
    while await changes.pending_count(db):
        if appended := await feed.publish_all(db, rounds=50):
            published += appended
        else:
            await asyncio.sleep(0.5)
    return published, time.perf_counter() - started
