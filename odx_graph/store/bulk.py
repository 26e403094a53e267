"""Bulk loading: COPY rows in, move identity sequences on, read the code lists.

Used by the demo loader; table and column names come from code, never from users, and are
still checked before they reach SQL.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from collections.abc import Sequence
from typing import Any
from typing import NamedTuple
from typing import Protocol
from typing import TypeVar

import asyncpg

from odx_graph.core.tasks import Steps
from odx_graph.core.tasks import timed
from odx_graph.store.db import quote_ident

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


def as_arrays(rows: Sequence[Sequence[Any]], width: int) -> list[list[Any]]:
    """``rows`` of ``width`` values as one list per column: the arrays that ``unnest`` turns
    back into the rows."""
    arrays: list[list[Any]] = [[] for _ in range(width)]
    for row in rows:
        for array, value in zip(arrays, row, strict=True):
            array.append(value)
    return arrays


class SetAside(Protocol):
    """Something a bulk load sets aside and brings back afterwards (a foreign key, an
    index, a trigger): the statement doing each."""

    @property
    def set_aside_sql(self) -> str:
        """The statement that sets it aside."""
        ...

    @property
    def restore_sql(self) -> str:
        """The statement that brings it back as it was."""
        ...


Kept = TypeVar("Kept", bound=SetAside)


async def _set_aside(conn: asyncpg.Connection, kept: list[Kept]) -> list[Kept]:
    """Set aside each of ``kept``, in order; returns them for :func:`_restore`."""
    for item in kept:
        await conn.execute(item.set_aside_sql)
    return kept


async def _restore(conn: asyncpg.Connection, kept: Sequence[SetAside]) -> None:
    """Bring back each of ``kept`` that :func:`_set_aside` set aside, in order."""
    for item in kept:
        await conn.execute(item.restore_sql)


class ForeignKey(NamedTuple):
    """A foreign key set aside for a bulk load: its table, name and definition."""

    table: str
    name: str
    definition: str

    @property
    def set_aside_sql(self) -> str:
        """Drop the key."""
        return f"ALTER TABLE {_checked(self.table)} DROP CONSTRAINT {quote_ident(self.name)}"

    @property
    def restore_sql(self) -> str:
        """Add the key back, checking every row."""
        return (
            f"ALTER TABLE {_checked(self.table)}"
            f" ADD CONSTRAINT {quote_ident(self.name)} {self.definition}"
        )


async def set_aside_foreign_keys(
    conn: asyncpg.Connection, tables: Sequence[str]
) -> list[ForeignKey]:
    """Drop the foreign keys of `tables` for a bulk load, returning them for `restore`.

    Checking a foreign key row by row as COPY inserts costs an index probe per row and key
    (a repair has eight); adding the key back afterwards checks every row in one join. Call
    it inside the load's transaction, so a failed load leaves the keys as they were.
    """
    rows = await conn.fetch(
        "SELECT c.conrelid::regclass::text AS table, c.conname AS name,"
        " pg_get_constraintdef(c.oid) AS definition"
        " FROM pg_constraint c WHERE c.contype = 'f' AND c.conrelid = ANY($1::regclass[])"
        " ORDER BY 1, 2",
        [_checked(t) for t in tables],
    )
    return await _set_aside(conn, [ForeignKey(*r) for r in rows])


async def restore_foreign_keys(conn: asyncpg.Connection, kept: Sequence[ForeignKey]) -> None:
    """Add back the foreign keys `set_aside_foreign_keys` dropped, checking every row."""
    await _restore(conn, kept)


# What each index build may sort in memory during a bulk load (PostgreSQL's default is
# 64MB).
INDEX_BUILD_MEMORY = "256MB"


class Index(NamedTuple):
    """A secondary index set aside for a bulk load: its name and definition."""

    name: str
    definition: str

    @property
    def set_aside_sql(self) -> str:
        """Drop the index."""
        return f"DROP INDEX {_checked(self.name)}"

    @property
    def restore_sql(self) -> str:
        """Build the index again."""
        return self.definition


async def set_aside_indexes(conn: asyncpg.Connection, tables: Sequence[str]) -> list[Index]:
    """Drop the secondary indexes of `tables` for a bulk load, returning them for
    `restore_indexes`: those no constraint stands on (primary keys, unique keys and
    exclusions stay, and are checked as rows come in; a unique index of no constraint is
    set aside too, and checks its rows when it is built again, before the load commits).

    Each index of a table costs a B-tree insert per row as COPY writes it, in the index's
    order, not the rows': at a large size that is a random read and write per row and
    index. Building the index afterwards sorts the rows once. Call it inside the load's
    transaction, so a failed load leaves the indexes as they were.
    """
    rows = await conn.fetch(
        "SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS definition"
        " FROM pg_index i WHERE i.indrelid = ANY($1::regclass[])"
        " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)"
        " ORDER BY 1",
        [_checked(t) for t in tables],
    )
    return await _set_aside(conn, [Index(*r) for r in rows])


async def restore_indexes(conn: asyncpg.Connection, kept: Sequence[Index]) -> None:
    """Build again the indexes `set_aside_indexes` dropped, each from one sort of its
    table's rows, in memory up to a size that holds a sort of a million-home demo's
    largest index in a few runs (for this transaction only, and never less than the
    server's own setting)."""
    await conn.execute(
        "SELECT set_config('maintenance_work_mem', $1, true) WHERE "
        "pg_size_bytes(current_setting('maintenance_work_mem')) < pg_size_bytes($1)",
        INDEX_BUILD_MEMORY,
    )
    await _restore(conn, kept)


class RowCopy(NamedTuple):
    """A row trigger that copies a value onto each row (into ``column``) as it is written,
    and the statement that writes the value wherever a row does not hold it already
    (nothing, when every row is right)."""

    table: str
    column: str
    trigger: str
    correction: str


# The row triggers a bulk load's rows stand in for: the rows carry the values themselves.
ROW_COPIES = (
    RowCopy(
        "repair",
        "postcode_district",
        "repair_district",
        "UPDATE repair r SET postcode_district = h.postcode_district FROM home h "
        "WHERE h.id = r.home_id AND r.postcode_district IS DISTINCT FROM h.postcode_district",
    ),
    RowCopy(
        "repair",
        "is_open",
        "repair_is_open",
        "UPDATE repair r SET is_open = s.is_open FROM repair_status s "
        "WHERE s.code = r.status_code AND r.is_open IS DISTINCT FROM s.is_open",
    ),
)


class RowCopiesAside(NamedTuple):
    """Row copies set aside for a bulk load, and their triggers as they were."""

    copies: tuple[RowCopy, ...]
    triggers: tuple[Trigger, ...]


async def set_aside_row_copies(conn: asyncpg.Connection, tables: Sequence[str]) -> RowCopiesAside:
    """Switch off the row triggers of :data:`ROW_COPIES` on `tables` for a bulk load whose
    rows carry the values those triggers copy (a function call and a look-up per row
    saved). Call it inside the load's transaction; `restore_row_copies` switches them back
    on and corrects any row that does not hold what its trigger would have written."""
    copies = tuple(c for c in ROW_COPIES if c.table in tables)
    triggers = await _switch_off(conn, [(c.table, c.trigger) for c in copies])
    return RowCopiesAside(copies, tuple(triggers))


async def restore_row_copies(conn: asyncpg.Connection, kept: RowCopiesAside) -> int:
    """Switch back on the triggers `set_aside_row_copies` switched off, then write the
    copied values of every row whose own differ; returns how many rows needed it (none
    when the load's rows were right)."""
    corrected = 0
    await _restore(conn, kept.triggers)
    for copy in kept.copies:
        status = await conn.execute(copy.correction)
        corrected += int(str(status).rsplit(" ", 1)[-1])
    return corrected


# Triggers a bulk load into empty tables sets aside: the repair facts' notes of what to
# refresh at commit, the repairs' own and those of the planned items and components
# that decide when repairs are due for planned replacement (the load works out every
# repair's facts, and what is derived from them, once, at its end: see
# `rebuild_repair_facts` and, for planned items written after it, `planned_works_loaded`),
# and the notices to subscribers of new and changed repairs (a
# load is no news to anyone, and a million-home demo would queue twelve million notices;
# its row copies' corrections, before `rebuild_repair_facts`, are no news either).
LOAD_TRIGGERS = (
    ("repair", "repair_facts_inserted"),
    ("repair", "repair_inserted_notify"),
    ("repair", "repair_updated_notify"),
    ("repair_line", "repair_facts_line_inserted"),
    ("planned_work", "repair_planned_due_items_inserted"),
    ("planned_work", "repair_planned_due_items_updated"),
    ("component", "repair_planned_due_component_updated"),
)
# The repair facts' triggers that keep what is derived from them: the notes of their
# changes for the repair summaries (migration 0035), the work by SOR code (0036), when
# repairs are due for planned replacement (0043) and the histograms of hours and costs
# (0044).
DERIVED_TRIGGERS = (
    "repair_summaries_inserted",
    "repair_summaries_updated",
    "repair_summaries_deleted",
    "repair_work_inserted",
    "repair_work_updated",
    "repair_work_deleted",
    "repair_planned_due_inserted",
    "repair_planned_due_updated",
    "repair_planned_due_deleted",
    "repair_value_inserted",
    "repair_value_updated",
    "repair_value_deleted",
)
# How ``ALTER TABLE ... ENABLE`` gives a trigger back each state of ``pg_trigger.tgenabled``.
_ENABLE = {"O": "ENABLE", "A": "ENABLE ALWAYS", "R": "ENABLE REPLICA"}


class Trigger(NamedTuple):
    """A trigger switched off for a bulk load, and how it was enabled (``tgenabled``)."""

    table: str
    name: str
    enabled: str

    @property
    def set_aside_sql(self) -> str:
        """Disable the trigger."""
        return f"ALTER TABLE {_checked(self.table)} DISABLE TRIGGER {_checked(self.name)}"

    @property
    def restore_sql(self) -> str:
        """Enable the trigger as it was (origin, always or replica)."""
        return (
            f"ALTER TABLE {_checked(self.table)} {_ENABLE[self.enabled]} TRIGGER "
            f"{_checked(self.name)}"
        )


async def _switch_off(
    conn: asyncpg.Connection, targets: Sequence[tuple[str, str]]
) -> list[Trigger]:
    """Disable each (table, trigger) of `targets` that is enabled, in any way; those
    already disabled, or missing, are left alone. Returns what was switched off, for
    :func:`_restore`."""
    rows = await conn.fetch(
        "SELECT c.relname AS table, t.tgname AS name, t.tgenabled::text AS enabled"
        " FROM unnest($1::text[], $2::text[]) AS w(tab, name)"
        " JOIN pg_class c ON c.oid = to_regclass(w.tab) JOIN pg_trigger t"
        " ON t.tgrelid = c.oid AND t.tgname = w.name AND t.tgenabled <> 'D'"
        " ORDER BY 1, 2",
        [_checked(table) for table, _ in targets],
        [_checked(name) for _, name in targets],
    )
    return await _set_aside(conn, [Trigger(*r) for r in rows])


async def set_aside_load_triggers(conn: asyncpg.Connection, tables: Sequence[str]) -> list[Trigger]:
    """Switch off the :data:`LOAD_TRIGGERS` of `tables` for a bulk load into empty tables,
    inside its transaction; `rebuild_repair_facts` switches them back on as they were."""
    return await _switch_off(conn, [(t, n) for t, n in LOAD_TRIGGERS if t in tables])


async def rebuild_repair_facts(
    conn: asyncpg.Connection,
    kept: Sequence[Trigger],
    steps: Steps | None = None,
) -> None:
    """Switch back on the triggers `set_aside_load_triggers` switched off, then work out the
    facts of every repair in one statement (``rebuild_repair_facts()``, migration 0007's),
    the secondary indexes of the facts and the work built afterwards, in place of the
    refresh home by home at commit (which would also lock every home) of anything noted
    by then; and what is derived from them: the repair summaries, the work by SOR code,
    when repairs are due for planned replacement and the histograms of hours and costs
    (``rebuild_repair_summaries()``, ``rebuild_repair_work()``,
    ``rebuild_repair_planned_due()`` and ``rebuild_repair_value_histograms()``,
    migrations 0035's, 0036's, 0043's and 0044's). ``steps(name, seconds)``, when given,
    is told each of these statements' time as it ends."""
    await _restore(conn, kept)
    await conn.execute("DELETE FROM repair_fact_pending")
    indexes = await set_aside_indexes(conn, ["repair_fact", "repair_work", "repair_planned_due"])
    # What is derived from the facts is worked out once from the new facts, not from
    # every fact's removal and arrival seen by their triggers (migrations 0035, 0036, 0043,
    # 0044).
    derived = await _switch_off(conn, [("repair_fact", t) for t in DERIVED_TRIGGERS])
    await timed(steps, "rebuild_repair_facts()", conn.execute("SELECT rebuild_repair_facts()"))
    await _restore(conn, derived)
    for rebuild in (
        "rebuild_repair_summaries()",
        "rebuild_repair_work()",
        "rebuild_repair_planned_due()",
        "rebuild_repair_value_histograms()",
    ):
        await timed(steps, rebuild, conn.execute(f"SELECT {rebuild}"))
    await timed(steps, "indexes of the repair facts built", restore_indexes(conn, indexes))


async def planned_works_loaded(conn: asyncpg.Connection, kept: Sequence[Trigger]) -> None:
    """After planned items were written in bulk with their triggers switched off
    (`set_aside_load_triggers` of ``planned_work``): switch them back on as they were and
    work out when every repair is due for planned replacement once
    (``rebuild_repair_planned_due()``, migration 0043), instead of rewriting the facts of
    every home a planned item concerns."""
    await _restore(conn, kept)
    await conn.execute("SELECT rebuild_repair_planned_due()")


async def set_aside_change_notes(conn: asyncpg.Connection, tables: Sequence[str]) -> list[Trigger]:
    """Switch off the change log's triggers on `tables` for a bulk load into empty tables.

    Each statement's triggers note the rows it wrote and the things derived from them (a
    component's home, a building's homes and components): joins that cost a fifth of a demo
    load and note every new row several times. `note_all_rows` then notes each row once.
    Call it inside the load's transaction; `restore_change_notes` switches them back on.
    """
    rows = await conn.fetch(
        "SELECT t.tgrelid::regclass::text, t.tgname FROM pg_trigger t"
        " WHERE t.tgname LIKE 'changes\\_%' AND t.tgrelid = ANY($1::regclass[]) ORDER BY 1, 2",
        [_checked(t) for t in tables],
    )
    return await _switch_off(conn, [(r[0], r[1]) for r in rows])


async def note_all_rows(conn: asyncpg.Connection, segments: dict[str, str]) -> None:
    """Note every row of each table in `segments` (table -> its things' IRI segment) as
    changed, once, for the change log to publish: one note of the run of keys from the
    table's least id to its greatest (migration 0046), read from its primary key, not a
    note per row (a million-home demo has about 104 million rows)."""
    for table, segment in segments.items():
        await conn.execute(
            "INSERT INTO change_pending (segment, key, last_key) SELECT $1, least, greatest"
            f" FROM (SELECT min(id) AS least, max(id) AS greatest FROM {_checked(table)}) AS t"
            " WHERE least IS NOT NULL",
            segment,
        )


async def restore_change_notes(conn: asyncpg.Connection, kept: Sequence[Trigger]) -> None:
    """Switch back on the triggers `set_aside_change_notes` switched off, as they were."""
    await _restore(conn, kept)


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
