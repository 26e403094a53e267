"""migrations/schema.sql: the schema every migration adds up to, generated and current."""

from __future__ import annotations

import difflib
import shutil
import subprocess
import sys
from pathlib import Path

from odx_graph.core.vocab import migrations_dir
from odx_graph.store.migrations import SCHEMA_FILE
from odx_graph.store.schema_sql import COMMAND
from odx_graph.store.schema_sql import HEADER
from odx_graph.store.schema_sql import current_schema
from odx_graph.store.schema_sql import normalise
from tests.support import clean_environment

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = ROOT / "migrations" / SCHEMA_FILE


def test_schema_sql_is_what_the_command_prints_now() -> None:
    """Fails when a migration was added (or the dump changed) without regenerating."""
    printed = subprocess.run(
        [sys.executable, "-m", "odx_graph", "schema", "--sql"],
        env=clean_environment(),
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    ).stdout
    committed = SCHEMA.read_text()
    diff = "".join(
        list(difflib.unified_diff(committed.splitlines(True), printed.splitlines(True)))[:60]
    )
    assert printed == committed, f"migrations/{SCHEMA_FILE} is stale; run: {COMMAND}\n{diff}"


async def test_a_new_migration_changes_the_schema(tmp_path: Path) -> None:
    directory = tmp_path / "migrations"
    directory.mkdir()
    for migration in migrations_dir().glob("[0-9]*.sql"):
        shutil.copy(migration, directory)
    (directory / "9999_probe.sql").write_text(
        "CREATE TABLE schema_probe (id bigint PRIMARY KEY, note text);\n"
        "GRANT SELECT (id) ON schema_probe TO odx_reader;\n"
    )
    schema = await current_schema(directory)
    assert schema != SCHEMA.read_text()
    assert (
        "CREATE TABLE public.schema_probe (\n    id bigint NOT NULL,\n    note text\n);" in schema
    )
    assert "GRANT SELECT(id) ON TABLE public.schema_probe TO odx_reader;" in schema
    assert schema.startswith(HEADER)


def dump(restrict_key: str, version: str) -> str:
    return (
        "--\n-- PostgreSQL database dump\n--\n\n"
        f"\\restrict {restrict_key}\n\n"
        f"-- Dumped from database version {version}\n"
        f"-- Dumped by pg_dump version {version}\n\n"
        "SET statement_timeout = 0;\nSET transaction_timeout = 0;\n"
        "SELECT pg_catalog.set_config('search_path', '', false);\n\n"
        "CREATE FUNCTION public.f() RETURNS void\n    LANGUAGE plpgsql\n"
        "    SET jit TO 'off'\n    AS $$ BEGIN END $$;   \n\n\n\n"
        "CREATE TABLE public.t (\n    id bigint\n);\n\n"
        "--\n-- PostgreSQL database dump complete\n--\n\n"
        f"\\unrestrict {restrict_key}\n\n"
    )


def test_normalising_keeps_the_schema_and_drops_what_differs_between_runs() -> None:
    text = normalise(dump("Abc123", "18.4"))
    assert text == normalise(dump("Zyx987", "16.14"))
    assert text == (
        HEADER + "\nCREATE FUNCTION public.f() RETURNS void\n    LANGUAGE plpgsql\n"
        "    SET jit TO 'off'\n    AS $$ BEGIN END $$;\n\n"
        "CREATE TABLE public.t (\n    id bigint\n);\n"
    )
