"""Test databases on a real PostgreSQL.

The server is the one named by ``ODX_DATABASE_URL`` or the ``PG*`` variables; with
neither, an embedded server is started for the session. A template database is migrated,
given its code lists and a small fixed demo dataset once; read-only tests share one copy
of it and every test that writes gets its own fresh copy.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import urllib.parse
import uuid
from collections.abc import AsyncIterator
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from odx_graph.core.config import Settings
from odx_graph.store.db import Database
from odx_graph.store.db import quote_ident

# A fixed "today" for the demo dataset, so every run sees the same data.
DEMO_AS_OF = dt.date(2026, 6, 30)
DEMO_HOMES = 120
DEMO_SEED = 7


class Server:
    """Builds connection URLs for databases on the PostgreSQL server under test."""

    def __init__(self, base_url: str | None) -> None:
        self.base_url = base_url

    def dsn(self, database: str) -> str:
        """A URL for ``database`` on this server."""
        if self.base_url is not None:
            parts = urllib.parse.urlsplit(self.base_url)
            return urllib.parse.urlunsplit(parts._replace(path="/" + database))
        env = os.environ
        user = urllib.parse.quote(env.get("PGUSER", "postgres"))
        password = env.get("PGPASSWORD")
        auth = f"{user}:{urllib.parse.quote(password)}" if password else user
        host = env.get("PGHOST", "localhost")
        port = env.get("PGPORT", "5432")
        if host.startswith("/"):
            return f"postgresql://{auth}@/{database}?host={urllib.parse.quote(host)}&port={port}"
        return f"postgresql://{auth}@{host}:{port}/{database}"

    @property
    def admin_dsn(self) -> str:
        """A URL for the maintenance database."""
        if self.base_url is not None:
            return self.base_url
        return self.dsn(os.environ.get("PGDATABASE", "postgres"))

    async def admin(self, sql: str) -> None:
        """Run one statement on the maintenance database."""
        conn = await asyncpg.connect(self.admin_dsn)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    async def create_database(self, template: str | None = None) -> str:
        """A new, uniquely named database (optionally a copy of ``template``)."""
        name = f"odx_test_{uuid.uuid4().hex[:12]}"
        suffix = f" TEMPLATE {quote_ident(template)}" if template else ""
        await self.admin(f"CREATE DATABASE {quote_ident(name)}{suffix}")
        return name

    async def drop_database(self, name: str) -> None:
        """Drop ``name``, closing anything still connected."""
        await self.admin(f"DROP DATABASE IF EXISTS {quote_ident(name)} WITH (FORCE)")


def _uses_environment_server() -> bool:
    env = os.environ
    return bool(env.get("ODX_DATABASE_URL")) or any(
        env.get(v) for v in ("PGHOST", "PGPORT", "PGUSER", "PGDATABASE")
    )


@pytest.fixture(scope="session")
def pg_server() -> Iterator[Server]:
    """The PostgreSQL server the tests run against."""
    if _uses_environment_server():
        yield Server(os.environ.get("ODX_DATABASE_URL") or None)
        return
    from odx_graph.store.embedded import start_embedded

    with tempfile.TemporaryDirectory(prefix="odx-test-pg-") as tmp:
        embedded = start_embedded(Path(tmp))
        try:
            yield Server(embedded.dsn("postgres"))
        finally:
            embedded.stop()


async def prepare(dsn: str, *, demo_homes: int = DEMO_HOMES) -> None:
    """Migrate, load code lists and (if ``demo_homes``) the fixed demo dataset."""
    from odx_graph.core.vocab import migrations_dir
    from odx_graph.services import demo
    from odx_graph.services.refdata import sync_reference_data
    from odx_graph.store.migrations import migrate

    conn = await asyncpg.connect(dsn)
    try:
        await migrate(conn, migrations_dir())
        await sync_reference_data(conn)
        if demo_homes:
            await demo.load_demo(conn, homes=demo_homes, seed=DEMO_SEED, as_of=DEMO_AS_OF)
    finally:
        await conn.close()
    await publish_changes(dsn)


async def publish_changes(dsn: str) -> None:
    """Publish every noted change to the change log (copies of the template start with
    an empty queue, as a server's database does once its publisher has caught up)."""
    from odx_graph.services.linked_data.feed import publish_all

    db = await Database.connect(dsn, max_size=1)
    try:
        while await publish_all(db, 50):
            pass
    finally:
        await db.close()


@pytest.fixture(scope="session")
async def template_db(pg_server: Server) -> AsyncIterator[str]:
    """Name of a migrated database with code lists and the demo data (never connected
    to by tests, so it can be copied)."""
    name = await pg_server.create_database()
    try:
        await prepare(pg_server.dsn(name))
        yield name
    finally:
        await pg_server.drop_database(name)


@pytest.fixture(scope="session")
async def seeded_db(pg_server: Server, template_db: str) -> AsyncIterator[Database]:
    """A pool on a shared copy of the demo database. Tests using it must not write."""
    name = await pg_server.create_database(template_db)
    db = await Database.connect(pg_server.dsn(name), max_size=4)
    try:
        yield db
    finally:
        await db.close()
        await pg_server.drop_database(name)


@pytest.fixture
async def fresh_db(pg_server: Server, template_db: str) -> AsyncIterator[Database]:
    """A pool on a private copy of the demo database, for tests that write."""
    name = await pg_server.create_database(template_db)
    db = await Database.connect(pg_server.dsn(name), max_size=2)
    try:
        yield db
    finally:
        await db.close()
        await pg_server.drop_database(name)


@pytest.fixture(scope="module")
async def module_db(pg_server: Server, template_db: str) -> AsyncIterator[Database]:
    """A pool on a private copy of the demo database shared by one test module, for
    tests that write but each to their own records (cheaper than a copy per test)."""
    name = await pg_server.create_database(template_db)
    db = await Database.connect(pg_server.dsn(name), max_size=2)
    try:
        yield db
    finally:
        await db.close()
        await pg_server.drop_database(name)


@pytest.fixture
async def empty_db(pg_server: Server) -> AsyncIterator[str]:
    """The URL of a brand-new empty database."""
    name = await pg_server.create_database()
    try:
        yield pg_server.dsn(name)
    finally:
        await pg_server.drop_database(name)


@pytest.fixture(scope="session")
def settings() -> Settings:
    """Default settings, independent of the environment."""
    return Settings.from_env({}, base_iri="http://odx.test")


@pytest.fixture(scope="session")
async def client(seeded_db: Database, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client talking to the ASGI app over the shared demo database."""
    from odx_graph.web.app import create_app

    app = create_app(settings, database=seeded_db)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://odx.test") as http:
        yield http


class GraphQLClient:
    """Posts GraphQL operations and returns the decoded JSON body."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def __call__(
        self, query: str, variables: dict[str, Any] | None = None, *, expect_errors: bool = False
    ) -> dict[str, Any]:
        response = await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        if not expect_errors:
            assert "errors" not in body, body.get("errors")
        return body


@pytest.fixture(scope="session")
def gql(client: httpx.AsyncClient) -> GraphQLClient:
    """Run a GraphQL operation against the shared demo database."""
    return GraphQLClient(client)


@pytest.fixture(scope="module")
async def pages_site(seeded_db: Database) -> AsyncIterator[str]:
    """The app under uvicorn on loopback over the shared demo database, for a browser."""
    from tests.support import served_app

    async with served_app(seeded_db) as (address, _app):
        yield f"http://{address}"


@pytest.fixture(scope="module")
async def pages_browser() -> AsyncIterator[Any]:
    """A headless Chromium (Debian's) for one test module."""
    from tests.browser import chromium

    async with chromium() as running:
        yield running
