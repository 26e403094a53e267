"""The database schema after every migration as one readable file,
``migrations/schema.sql``, so nobody has to replay the history in their head.

It is generated on a throwaway embedded PostgreSQL, the server every installation has, so
the text does not depend on the machine: a scratch database is migrated and dumped with
``pg_dump --schema-only``, and the dump is normalised (no version banner, session
settings, owners or per-run keys). ``odx-graph schema --sql`` prints it.
"""

from __future__ import annotations

import asyncio
import re
import secrets
import tempfile
import urllib.parse
from pathlib import Path

from odx_graph.core.vocab import migrations_dir
from odx_graph.store.backup import schema_dump
from odx_graph.store.db import Database
from odx_graph.store.db import connect_once
from odx_graph.store.db import quote_ident
from odx_graph.store.embedded import start_embedded
from odx_graph.store.migrations import SCHEMA_FILE
from odx_graph.store.migrations import migrate

COMMAND = f"odx-graph schema --sql > migrations/{SCHEMA_FILE}"
HEADER = (
    "-- The database schema after every migration in this directory: tables, views,\n"
    "-- functions, triggers, indexes, policies and grants. Generated, do not edit; after\n"
    f"-- adding a migration run: {COMMAND}\n"
)
# pg_dump lines that depend on the run, the tools or the session rather than the schema.
_NOISE = (
    "SET ",
    "SELECT pg_catalog.set_config(",
    "\\restrict ",
    "\\unrestrict ",
    "-- Dumped from database version",
    "-- Dumped by pg_dump version",
)
_BANNER = re.compile(r"^--\n-- PostgreSQL database dump( complete)?\n--\n", re.MULTILINE)


def normalise(dump: str) -> str:
    """``dump`` without what differs between runs and machines, under :data:`HEADER`.

    Only lines starting with a noise prefix at the very start of the line are dropped:
    a function's own ``SET`` clause is indented and stays."""
    lines = [line.rstrip() for line in dump.splitlines() if not line.startswith(_NOISE)]
    text = _BANNER.sub("", "\n".join(lines) + "\n")
    text = re.sub(r"\n{3,}", "\n\n", text).strip("\n")
    return f"{HEADER}\n{text}\n"


def database_url(server_dsn: str, database: str) -> str:
    """``server_dsn`` naming ``database`` instead of its own."""
    parts = urllib.parse.urlsplit(server_dsn)
    return urllib.parse.urlunsplit(parts._replace(path="/" + urllib.parse.quote(database)))


async def migrated_schema(server_dsn: str, migrations: Path) -> str:
    """The normalised schema of a scratch database on the server behind ``server_dsn``
    after ``migrations``; the scratch database is dropped afterwards."""
    name = f"odx_schema_{secrets.token_hex(6)}"
    admin = await connect_once(server_dsn)
    try:
        await admin.execute(f"CREATE DATABASE {quote_ident(name)}")
    finally:
        await admin.close()
    try:
        url = database_url(server_dsn, name)
        conn = await connect_once(url)
        try:
            await migrate(conn, migrations)
        finally:
            await conn.close()
        db = await Database.connect(url, min_size=1, max_size=1)
        try:
            return normalise(await schema_dump(db))
        finally:
            await db.close()
    finally:
        admin = await connect_once(server_dsn)
        try:
            await admin.execute(f"DROP DATABASE IF EXISTS {quote_ident(name)} WITH (FORCE)")
        finally:
            await admin.close()


async def current_schema(migrations: Path | None = None) -> str:
    """The normalised schema after ``migrations`` (the packaged ones by default), made on
    a throwaway embedded PostgreSQL that is stopped and deleted afterwards."""
    with tempfile.TemporaryDirectory(prefix="odx-schema-") as data_dir:
        embedded = await asyncio.to_thread(start_embedded, Path(data_dir))
        try:
            return await migrated_schema(embedded.dsn("postgres"), migrations or migrations_dir())
        finally:
            await asyncio.to_thread(embedded.stop)
