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
    """Insert or update rows keyed by their first column (``code``); return the rows
    written. Rows the table already holds as they are are not written, and when none
    differs no statement touches the table: its statement triggers (the data version,
    work worked out again from a code list) fire only for a real change."""
    if not rows:
        return 0
    name = quote_ident(table)
    key, rest = quote_ident(columns[0]), [quote_ident(c) for c in columns[1:]]
    # Each value is compared as its column's type, as the upsert would store it.
    same = " AND ".join(
        [f"{key} = $1", *(f"{c} IS NOT DISTINCT FROM ${i}" for i, c in enumerate(rest, 2))]
    )
    held = await conn.prepare(f"SELECT EXISTS (SELECT 1 FROM {name} WHERE {same})")
    differing = [row for row in rows if not await held.fetchval(*row)]
    if not differing:
        return 0
    cols = ", ".join(quote_ident(c) for c in columns)
    values = ", ".join(f"${i}" for i in range(1, len(columns) + 1))
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in rest)
    await conn.executemany(
        f"INSERT INTO {name} ({cols}) VALUES ({values}) "
        f"ON CONFLICT ({key}) DO UPDATE SET {updates}",
        differing,
    )
    return len(differing)


async def sync_sor_codes(conn: Connection, codes: Sequence[str], schedules: Sequence[str]) -> int:
    """Upsert SOR codes in one statement; ``schedules[i]`` is a ``|``-joined list. Return
    the codes written; none (and no statement on the table) when it holds them all as
    they are."""
    wanted = (
        "SELECT c AS code, string_to_array(s, '|') AS schedules "
        "FROM unnest($1::text[], $2::text[]) AS u(c, s)"
    )
    differing = await conn.fetchval(
        f"SELECT count(*) FROM ({wanted}) AS w LEFT JOIN sor_code c ON c.code = w.code "
        "WHERE c.schedules IS DISTINCT FROM w.schedules",
        list(codes),
        list(schedules),
    )
    if not differing:
        return 0
    status = await conn.execute(
        f"INSERT INTO sor_code (code, schedules) {wanted} "
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
    # Written only when there is something to write: a statement that writes nothing
    # still moves the data version (its statement trigger).
    held = {r["day"] for r in await conn.fetch("SELECT day FROM bank_holiday")}
    changed = 0
    if held - set(wanted):
        removed = await conn.execute(
            "DELETE FROM bank_holiday WHERE NOT (day = ANY($1::date[]))", wanted
        )
        changed += int(removed.rsplit(" ", 1)[-1])
    if missing := [day for day in wanted if day not in held]:
        added = await conn.execute(
            "INSERT INTO bank_holiday (day, name) SELECT * FROM unnest($1::date[], $2::text[]) "
            "ON CONFLICT (day) DO NOTHING",
            missing,
            [days[day] for day in missing],
        )
        changed += int(added.rsplit(" ", 1)[-1])
    covered = await conn.fetchval("SELECT max(day) FROM working_calendar")
    if changed or covered is None or covered < last_day:
        await conn.execute("SELECT rebuild_working_calendar()")
    return changed


async def sor_code_rows(conn: Connection) -> list[tuple[str, list[str]]]:
    """Every NHF Schedule of Rates code with its schedules, in code order."""
    rows = await conn.fetch("SELECT code, schedules FROM sor_code ORDER BY code")
    return [(r["code"], list(r["schedules"])) for r in rows]
