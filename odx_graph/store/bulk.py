"""Bulk loading: COPY rows in, move identity sequences on, read the code lists.

Used by the demo loader; table and column names come from code, never from users, and are
still checked before they reach SQL.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

import asyncpg

_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")


def _checked(name: str) -> str:
    if not _IDENTIFIER.match(name):
        raise ValueError(f"not a plain table or column name: {name!r}")
    return name


async def copy_rows(
    conn: asyncpg.Connection, table: str, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]
) -> int:
    """COPY `rows` into `table` (binary COPY via asyncpg); returns the number of rows copied."""
    status = await conn.copy_records_to_table(
        _checked(table), records=rows, columns=[_checked(c) for c in columns]
    )
    return int(str(status).rsplit(" ", 1)[-1])


async def reset_identities(conn: asyncpg.Connection, tables: Sequence[str]) -> None:
    """Set each table's `id` identity sequence so the next id follows the largest one used."""
    for table in tables:
        name = _checked(table)
        await conn.execute(
            f"SELECT setval(pg_get_serial_sequence($1, 'id'),"
            f" coalesce((SELECT max(id) FROM {name}), 0) + 1, false)",
            name,
        )


async def database_is_empty(conn: asyncpg.Connection) -> bool:
    """True when there are no organisations, homes or repairs yet."""
    return bool(
        await conn.fetchval(
            "SELECT NOT EXISTS (SELECT 1 FROM organisation)"
            " AND NOT EXISTS (SELECT 1 FROM home)"
            " AND NOT EXISTS (SELECT 1 FROM repair)"
        )
    )


async def read_code_tables(conn: asyncpg.Connection) -> dict[str, list[asyncpg.Record]]:
    """The rows of the code-list tables the demo generator draws from, by table name."""
    queries = {
        "component_type": "SELECT code, label, is_key_component, lifetime_house,"
        " lifetime_low_rise_flat, lifetime_high_rise_flat FROM component_type ORDER BY code",
        "priority": "SELECT code, label, response_hours, response_working_days, is_emergency"
        " FROM priority ORDER BY code",
        "repair_status": "SELECT code, label, is_open FROM repair_status ORDER BY code",
        "sor_code": "SELECT code, unnest(schedules) AS schedule FROM sor_code"
        " ORDER BY code, schedule",
        "awaab_hazard_level": "SELECT code, label, investigate_within_hours,"
        " investigate_within_working_days, summary_within_working_days,"
        " make_safe_within_hours, make_safe_within_working_days"
        " FROM awaab_hazard_level ORDER BY code",
        "epc_band": "SELECT code, label, sap_score_min, sap_score_max FROM epc_band ORDER BY code",
    }
    for table in (
        "trade",
        "condition",
        "property_type",
        "built_form",
        "organisation_kind",
        "hhsrs_hazard",
        "hhsrs_category",
        "damp_mould_severity",
        "certificate_type",
    ):
        queries[table] = f"SELECT code, label FROM {_checked(table)} ORDER BY code"
    return {table: await conn.fetch(sql) for table, sql in queries.items()}


async def seed_record_keys(conn: asyncpg.Connection, seed: int) -> None:
    """Give every home and building a record key drawn from ``seed`` instead of at random,
    so that a demo dataset publishes the same protected numbers wherever it is loaded.
    (Real data keeps its random keys: they are the disclosure rules' secret.)"""
    draw = "('x' || substr(md5($1::text || ':' || {id}), 1, 6))::bit(24)::integer"
    await conn.execute(
        f"UPDATE home_record_key SET record_key = {draw.format(id='home_id')}", str(seed)
    )
    await conn.execute(
        f"UPDATE building_record_key SET record_key = {draw.format(id='building_id')}",
        str(seed),
    )
