"""Writes of code-list (reference) tables."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from collections.abc import Sequence
from typing import Any

from odx_graph.store.db import Connection
from odx_graph.store.db import quote_ident


async def upsert_codes(
    conn: Connection, table: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> int:
    """Insert or update rows keyed by their first column (``code``); return rows changed."""
    if not rows:
        return 0
    cols = ", ".join(quote_ident(c) for c in columns)
    values = ", ".join(f"${i}" for i in range(1, len(columns) + 1))
    updates = ", ".join(f"{quote_ident(c)} = EXCLUDED.{quote_ident(c)}" for c in columns[1:])
    changed = " OR ".join(
        f"{table}.{quote_ident(c)} IS DISTINCT FROM EXCLUDED.{quote_ident(c)}" for c in columns[1:]
    )
    sql = (
        f"INSERT INTO {quote_ident(table)} ({cols}) VALUES ({values}) "
        f"ON CONFLICT ({quote_ident(columns[0])}) DO UPDATE SET {updates} WHERE {changed}"
    )
    before = await conn.fetchval(f"SELECT count(*) FROM {quote_ident(table)}")
    await conn.executemany(sql, rows)
    after = await conn.fetchval(f"SELECT count(*) FROM {quote_ident(table)}")
    return int(after - before)


async def sync_sor_codes(conn: Connection, codes: Sequence[str], schedules: Sequence[str]) -> int:
    """Upsert SOR codes in one statement; ``schedules[i]`` is a ``|``-joined list."""
    status = await conn.execute(
        "INSERT INTO sor_code (code, schedules) "
        "SELECT c, string_to_array(s, '|') FROM unnest($1::text[], $2::text[]) AS u(c, s) "
        "ON CONFLICT (code) DO UPDATE SET schedules = EXCLUDED.schedules "
        "WHERE sor_code.schedules IS DISTINCT FROM EXCLUDED.schedules",
        list(codes),
        list(schedules),
    )
    return int(status.rsplit(" ", 1)[-1])


async def sync_bank_holidays(
    conn: Connection, days: Mapping[dt.date, str], last_day: dt.date
) -> int:
    """Make ``bank_holiday`` hold exactly ``days`` (names of days already there are kept)
    and the working calendar run to ``last_day``; return the days added or removed. The
    calendar, and with it the repair facts, is rebuilt only when something changed."""
    wanted = list(days)
    removed = await conn.execute(
        "DELETE FROM bank_holiday WHERE NOT (day = ANY($1::date[]))", wanted
    )
    added = await conn.execute(
        "INSERT INTO bank_holiday (day, name) SELECT * FROM unnest($1::date[], $2::text[]) "
        "ON CONFLICT (day) DO NOTHING",
        wanted,
        list(days.values()),
    )
    changed = int(removed.rsplit(" ", 1)[-1]) + int(added.rsplit(" ", 1)[-1])
    covered = await conn.fetchval("SELECT max(day) FROM working_calendar")
    if changed or covered is None or covered < last_day:
        await conn.execute("SELECT rebuild_working_calendar()")
    return changed


async def sor_code_rows(conn: Connection) -> list[tuple[str, list[str]]]:
    """Every NHF Schedule of Rates code with its schedules, in code order."""
    rows = await conn.fetch("SELECT code, schedules FROM sor_code ORDER BY code")
    return [(r["code"], list(r["schedules"])) for r in rows]
