"""Reads of mapped entities: pages, counts, rows by key and children of many parents.

Each function is one SQL statement, whatever the number of keys, so a nested GraphQL
query costs one statement per relation and level.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from odx_graph.core.access import Principal
from odx_graph.mapping import Entity, Relation
from odx_graph.mapping.query import ListRequest
from odx_graph.store import sql
from odx_graph.store.db import Database, Record


@dataclass(frozen=True, slots=True)
class Page:
    """Rows of one page and whether more rows follow it."""

    rows: list[Record]
    has_next: bool


def _page(rows: list[Record], first: int) -> Page:
    return Page(rows[:first], len(rows) > first)


async def fetch_page(
    db: Database, entity: Entity, request: ListRequest, principal: Principal, base_iri: str
) -> Page:
    """A page of ``entity`` rows matching ``request``."""
    statement, args = sql.page_statement(entity, request, principal, base_iri)
    return _page(await db.fetch(statement, *args), request.first)


async def count(db: Database, entity: Entity, request: ListRequest) -> int:
    """How many ``entity`` rows match the request's filters."""
    statement, args = sql.count_statement(entity, request)
    return int(await db.fetchval(statement, *args))


async def fetch_by_keys(
    db: Database, entity: Entity, keys: Sequence[Any], principal: Principal, base_iri: str
) -> list[Record | None]:
    """One row (or ``None``) per key, in key order."""
    rows = await db.fetch(sql.by_keys_statement(entity, principal, base_iri), list(keys))
    found = {row["_key"]: row for row in rows}
    return [found.get(key) for key in keys]


async def fetch_children(
    db: Database,
    parent: Entity,
    relation: Relation,
    target: Entity,
    parent_keys: Sequence[Any],
    request: ListRequest,
    principal: Principal,
    base_iri: str,
) -> list[Page]:
    """For each parent key, in order, a page of its related ``target`` rows."""
    statement, args = sql.children_statement(parent, relation, target, request, principal, base_iri)
    args[0] = list(parent_keys)
    grouped: dict[Any, list[Record]] = defaultdict(list)
    for row in await db.fetch(statement, *args):
        grouped[row["_parent"]].append(row)
    return [_page(grouped.get(key, []), request.first) for key in parent_keys]


async def count_children(
    db: Database,
    parent: Entity,
    relation: Relation,
    target: Entity,
    parent_keys: Sequence[Any],
    request: ListRequest,
) -> list[int]:
    """For each parent key, in order, how many related rows match the filters."""
    statement, args = sql.children_count_statement(parent, relation, target, request)
    args[0] = list(parent_keys)
    counts = {row["_parent"]: row["n"] for row in await db.fetch(statement, *args)}
    return [int(counts.get(key, 0)) for key in parent_keys]


async def home_key_by_uprn(db: Database, uprn: int) -> int | None:
    """The key of the home with this UPRN."""
    key = await db.fetchval("SELECT id FROM home WHERE uprn = $1", uprn)
    return int(key) if key is not None else None


async def subject_key_by_reference(
    db: Database, subject_type: str, value: str, allocated_by: int | None
) -> list[int]:
    """Keys of things carrying reference ``value`` (from one allocator, or any)."""
    rows = await db.fetch(
        "SELECT DISTINCT subject_id FROM reference WHERE subject_type = $1 AND value = $2 "
        "AND ($3::bigint IS NULL OR allocated_by_id = $3) ORDER BY 1 LIMIT 2",
        subject_type,
        value,
        allocated_by,
    )
    return [int(row["subject_id"]) for row in rows]
