"""A throwaway database on the server named by the environment, else an embedded one."""

from __future__ import annotations

import contextlib
import os
import tempfile
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg

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
