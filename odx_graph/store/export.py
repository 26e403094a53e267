"""Reads for Linked Data: one row to describe, its related rows, and every row streamed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from odx_graph.core.access import Principal
from odx_graph.mapping import Entity
from odx_graph.mapping import Relation
from odx_graph.store import sql
from odx_graph.store.db import Database
from odx_graph.store.db import Record
from odx_graph.store.db import translate_error

STREAM_BATCH = 1000


async def describe_row(
    db: Database, entity: Entity, key: Any, principal: Principal
) -> Record | None:
    """The row of ``entity`` with ``key``, shaped for RDF."""
    return await db.fetchrow(sql.describe_statement(entity, principal), key)


async def related_rows(
    db: Database,
    relation: Relation,
    target: Entity,
    parent_key: Any,
    principal: Principal,
    limit: int,
    *,
    keys_only: bool = False,
) -> list[Record]:
    """Up to ``limit`` rows of ``target`` linked to ``parent_key`` by ``relation`` (just
    their keys with ``keys_only``)."""
    statement = sql.related_export_statement(relation, target, principal, keys_only=keys_only)
    return await db.fetch(statement, parent_key, limit)


async def stream_rows(
    db: Database, entity: Entity, principal: Principal
) -> AsyncIterator[list[Record]]:
    """Every row of ``entity`` in batches, through a server-side cursor (constant memory)."""
    statement = sql.export_statement(entity, principal)
    try:
        async with db.connection() as conn, conn.transaction(readonly=True):
            cursor = await conn.cursor(statement)
            while batch := await cursor.fetch(STREAM_BATCH):
                yield batch
    except Exception as exc:
        raise translate_error(exc) from exc


async def latest_change(db: Database, entities: tuple[Entity, ...]) -> Any:
    """The most recent ``updated_at`` over the tables that have one."""
    parts = [
        f"SELECT max(updated_at) AS m FROM {e.table}"
        for e in entities
        if e.table
        in (
            "organisation",
            "building",
            "home",
            "component",
            "repair",
            "damp_mould_case",
            "energy_performance_certificate",
        )
    ]
    return await db.fetchval(f"SELECT max(m) FROM ({' UNION ALL '.join(parts)}) AS u")


def _triple_count_sql(entity: Entity, principal: Principal) -> str:
    from odx_graph.mapping import MAPPING
    from odx_graph.mapping import Cardinality

    terms = ["count(*)"]
    for field in entity.fields:
        if (field.private and not principal.may_read_private) or field.as_of_today:
            continue  # not in the dump (see linked_data.rdf.linked_fields)
        value = sql.expr(field.sql)
        terms.append(f"coalesce(sum(cardinality({value})), 0)" if field.many else f"count({value})")
    for relation in entity.relations:
        column = f"{sql.ALIAS}.{relation.source_column}"
        if relation.source_is_array:
            terms.append(f"coalesce(sum(cardinality({column})), 0)")
        elif relation.cardinality is Cardinality.ONE:
            terms.append(f"count({column})")
    for link in MAPPING.incoming_links(entity):
        condition = f"{sql.ALIAS}.{link.key_column} IS NOT NULL"
        if link.relation.condition:
            condition += f" AND {sql.expr(link.relation.condition)}"
        terms.append(f"count(*) FILTER (WHERE {condition})")
    return f"SELECT {' + '.join(terms)} FROM {entity.table} {sql.ALIAS}"


async def count_triples(db: Database, entities: tuple[Entity, ...], principal: Principal) -> int:
    """How many triples the dump of ``entities`` holds, counted by SQL (no export).

    A full scan of every table: it runs without the statement timeout, in a read-only
    transaction, and callers cache it (see ``linked_data.TripleCount``)."""
    total = 0
    try:
        async with db.connection() as conn, conn.transaction(readonly=True):
            await conn.execute("SET LOCAL statement_timeout = 0")
            for entity in entities:
                total += int(await conn.fetchval(_triple_count_sql(entity, principal)))
    except Exception as exc:
        raise translate_error(exc) from exc
    return total


async def sor_code_row(db: Database, code: str) -> Record | None:
    """One NHF Schedule of Rates code with its schedules."""
    return await db.fetchrow("SELECT code, schedules FROM sor_code WHERE code = $1", code)


async def sor_codes(db: Database) -> list[tuple[str, list[str]]]:
    """Every NHF Schedule of Rates code with its schedules, in code order."""
    rows = await db.fetch("SELECT code, schedules FROM sor_code ORDER BY code")
    return [(r["code"], list(r["schedules"])) for r in rows]
