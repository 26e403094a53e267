"""Reads of mapped entities: pages, counts, rows by key and children of many parents.

Each function is one SQL statement, whatever the number of keys, so a nested GraphQL
query costs one statement per relation and level.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from odx_graph.core.access import Principal
from odx_graph.core.errors import InputError
from odx_graph.mapping import MAPPING
from odx_graph.mapping import Entity
from odx_graph.mapping import Relation
from odx_graph.mapping import snake_case
from odx_graph.mapping.query import CodeCheck
from odx_graph.mapping.query import ListRequest
from odx_graph.store import sql
from odx_graph.store.db import Database
from odx_graph.store.db import Record


@dataclass(frozen=True, slots=True)
class Page:
    """Rows of one page and whether more rows follow it (precede it, for a backward
    page)."""

    rows: list[Record]
    has_next: bool


def _page(rows: list[Record], request: ListRequest) -> Page:
    """The page of rows read (one more than the page, to tell whether more follow), in
    the list's order: a backward page was read in reverse."""
    page = rows[: request.first]
    if request.backward:
        page.reverse()
    return Page(page, len(rows) > request.first)


async def fetch_page(
    db: Database, entity: Entity, request: ListRequest, principal: Principal, base_iri: str
) -> Page:
    """A page of ``entity`` rows matching ``request``."""
    statement, args = sql.page_statement(entity, request, principal, base_iri)
    return _page(await db.fetch(statement, *args), request)


async def count(db: Database, entity: Entity, request: ListRequest) -> int:
    """How many ``entity`` rows match the request's filters."""
    statement, args = sql.count_statement(entity, request)
    return int(await db.fetchval(statement, *args))


async def fetch_by_keys(
    db: Database,
    entity: Entity,
    keys: Sequence[Any],
    principal: Principal,
    base_iri: str,
    fields: Collection[str] | None = None,
) -> list[Record | None]:
    """One row (or ``None``) per key, in key order; with only the mapped ``fields`` named
    when given (a page listing a hundred rows need not work out what it does not show)."""
    statement = sql.by_keys_statement(entity, principal, base_iri, fields)
    rows = await db.fetch(statement, list(keys))
    found = {row["_key"]: row for row in rows}
    return [found.get(key) for key in keys]


async def fetch_children(
    db: Database,
    parent: Entity,
    relation: Relation,
    parent_keys: Sequence[Any],
    request: ListRequest,
    principal: Principal,
    base_iri: str,
) -> list[Page]:
    """For each parent key, in order, a page of the rows ``relation`` leads to."""
    statement, args = sql.children_statement(parent, relation, request, principal, base_iri)
    args[0] = list(parent_keys)
    grouped: dict[Any, list[Record]] = defaultdict(list)
    for row in await db.fetch(statement, *args):
        grouped[row["_parent"]].append(row)
    return [_page(grouped.get(key, []), request) for key in parent_keys]


async def count_children(
    db: Database,
    parent: Entity,
    relation: Relation,
    parent_keys: Sequence[Any],
    request: ListRequest,
) -> list[int]:
    """For each parent key, in order, how many related rows match the filters."""
    statement, args = sql.children_count_statement(parent, relation, request)
    args[0] = list(parent_keys)
    counts = {row["_parent"]: row["n"] for row in await db.fetch(statement, *args)}
    return [int(counts.get(key, 0)) for key in parent_keys]


async def home_key_by_uprn(db: Database, uprn: int) -> int | None:
    """The key of the home with this UPRN."""
    key = await db.fetchval(sql.home_by_uprn_query("$1"), uprn)
    return int(key) if key is not None else None


async def subject_key_by_reference(
    db: Database, subject_type: str, value: str, allocated_by: int | None
) -> list[int]:
    """Keys of things carrying reference ``value`` (from one allocator, or any)."""
    rows = await db.fetch(
        sql.subjects_by_reference_query("$1", "$2", "$3") + " ORDER BY 1 LIMIT 2",
        subject_type,
        value,
        allocated_by,
    )
    return [int(row["subject_id"]) for row in rows]


# Codes found in each database by this process: codes are added (imports, reference
# data) but never removed, so a code once found need not be looked up again.
_KNOWN_CODES: set[tuple[str, str, str]] = set()


async def check_codes(db: Database, checks: Sequence[CodeCheck]) -> None:
    """Each value must be a code of its open code list (a landlord's own SOR codes count
    as SOR codes); raises ``InputError`` naming the filter otherwise, as a mutation given
    an unknown code does."""
    for check in checks:
        wanted = [v for v in check.values if (db.dsn, check.code_list, v) not in _KNOWN_CODES]
        if not wanted:
            continue
        entity = MAPPING[check.code_list]
        own = (
            " OR EXISTS (SELECT 1 FROM custom_sor_code k WHERE k.code = u.c)"
            if check.code_list == "SorCode"
            else ""
        )
        rows = await db.fetch(
            f"SELECT u.c, EXISTS (SELECT 1 FROM {entity.table} x WHERE x.{entity.key} = u.c)"
            f"{own} AS known FROM unnest($1::text[]) AS u(c)",
            wanted,
        )
        unknown = [r["c"] for r in rows if not r["known"]]
        if len(_KNOWN_CODES) > 100_000:
            _KNOWN_CODES.clear()
        _KNOWN_CODES.update((db.dsn, check.code_list, r["c"]) for r in rows if r["known"])
        if unknown:
            what = "SOR" if check.code_list == "SorCode" else snake_case(check.code_list)
            raise InputError(
                f"unknown {what.replace('_', ' ')} code {unknown[0]!r}", field=check.field
            )
