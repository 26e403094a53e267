"""Code lists: the ontology's SKOS concept schemes and the packaged NHF SOR list, loaded
into their reference tables at start-up. Idempotent: unchanged codes are not rewritten."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import logging
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from rdflib import Graph
from rdflib import Literal
from rdflib import URIRef
from rdflib.namespace import SKOS

from odx_graph.core.access import Principal
from odx_graph.core.config import Settings
from odx_graph.core.vocab import data_dir
from odx_graph.core.vocab import expand_curie
from odx_graph.core.vocab import ontology_dir
from odx_graph.mapping import MAPPING
from odx_graph.mapping import Entity
from odx_graph.mapping.query import make_list_request
from odx_graph.services.bank_holidays import bank_holidays
from odx_graph.services.bank_holidays import years_to_cover
from odx_graph.services.insight.cache import InsightCache
from odx_graph.services.insight.cache import cached
from odx_graph.services.linked_data import declarations
from odx_graph.services.linked_data.codes import CODE_SEGMENT
from odx_graph.services.linked_data.codes import code_list_versions
from odx_graph.store import changes
from odx_graph.store import reads
from odx_graph.store import refdata as repo
from odx_graph.store.db import Connection
from odx_graph.store.db import Database
from odx_graph.store.db import Record

log = logging.getLogger(__name__)

SOR_FILE = "nhf_sor_codes.csv.gz"
# The most codes a code list's labels are read for (the SOR list is not read this way).
MAX_CODES = 500
# How many sets of code lists a server keeps (per tier and set asked for): a handful of
# pages ask, each for the same few lists.
CODE_LISTS_KEPT = 64


@dataclass(frozen=True, slots=True)
class CodeList:
    """The rows of one code-list table."""

    table: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]


def load_ontology(path: Path | None = None) -> Graph:
    """Parse ``odx.ttl``, with the declarations of mapped terms it lacks (see
    :mod:`odx_graph.services.linked_data.declarations`)."""
    graph = Graph()
    graph.parse(path or ontology_dir() / "odx.ttl", format="turtle")
    return declarations.with_declarations(graph)


@cache
def load_shapes() -> Graph:
    """Parse ``shapes.ttl`` (once per process: imports validate against it), with the
    property shapes of mapped fields it lacks. Read-only."""
    graph = Graph()
    graph.parse(ontology_dir() / "shapes.ttl", format="turtle")
    return declarations.with_field_shapes(graph)


def _column(sql: str) -> str:
    # Code-list fields map straight to columns: "{t}.response_hours" -> response_hours.
    return sql.removeprefix("{t}.")


def code_list(graph: Graph, entity: Entity) -> CodeList:
    """Read the concepts of ``entity``'s scheme from the ontology."""
    scheme = URIRef(entity.concept_iri("").rstrip("/"))
    columns = tuple(_column(f.sql) for f in entity.fields)
    predicates = [URIRef(expand_curie(f.curie)) for f in entity.fields]
    rows = []
    for concept in sorted(graph.subjects(SKOS.inScheme, scheme), key=str):
        row = []
        for predicate in predicates:
            value = graph.value(concept, predicate)
            row.append(value.toPython() if isinstance(value, Literal) else value)
        rows.append(tuple(row))
    return CodeList(entity.table, columns, tuple(rows))


def ontology_code_lists(graph: Graph) -> list[CodeList]:
    """Every code list the ontology defines concepts for (all but the SOR codes)."""
    return [code_list(graph, e) for e in MAPPING.entities if e.scheme and e.name != "SorCode"]


def sor_codes() -> tuple[list[str], list[str]]:
    """The packaged NHF SOR codes and, for each, its ``|``-joined schedules."""
    schedules: dict[str, list[str]] = defaultdict(list)
    raw = gzip.decompress((data_dir() / SOR_FILE).read_bytes()).decode("utf-8")
    for row in csv.DictReader(io.StringIO(raw)):
        schedules[row["sor_code"]].append(row["schedule"])
    codes = sorted(schedules)
    return codes, ["|".join(sorted(set(schedules[c]))) for c in codes]


async def sync_calendar(conn: Connection, today: dt.date | None = None) -> int:
    """England and Wales bank holidays from 2015 to ``YEARS_AHEAD`` years after
    ``today``'s, and the working calendar to the end of that year; return the days added
    or removed."""
    first, last = years_to_cover(today or dt.date.today())
    return await repo.sync_bank_holidays(conn, bank_holidays(first, last), dt.date(last, 12, 31))


async def sync_reference_data(
    conn: Connection, graph: Graph | None = None, today: dt.date | None = None
) -> dict[str, int]:
    """Load every code list into its table, and bank holidays for the years around
    ``today`` (the real date by default); return the rows written per table (added or
    changed; removed too, for bank holidays), none where a table already held them."""
    graph = graph if graph is not None else load_ontology()
    written: dict[str, int] = {}
    async with conn.transaction():
        # The change log's lock first: a server starting while another publishes would
        # otherwise hold code rows (and the data version's counters) while waiting for it.
        await changes.wait_to_publish(conn)
        for codes in ontology_code_lists(graph):
            if not codes.rows:
                raise ValueError(f"the ontology defines no concepts for {codes.table}")
            written[codes.table] = await repo.upsert_codes(
                conn, codes.table, codes.columns, codes.rows
            )
        written["sor_code"] = await repo.sync_sor_codes(conn, *sor_codes())
        written["bank_holiday"] = await sync_calendar(conn, today)
        # The code lists as Linked Data describes them, to the change log when changed.
        lists = code_list_versions(graph, await repo.sor_code_rows(conn))
        written["change_log"] = await changes.publish_fixed(conn, lists, CODE_SEGMENT)
    log.info("reference data in sync", extra={"changed": written})
    return written


async def code_rows(
    db: Database, settings: Settings, principal: Principal, entity_name: str
) -> list[Record]:
    """Every code of a mapped code list (``Priority``, ``Trade``...) with its fields, read
    as the API reads it."""
    entity = MAPPING[entity_name]
    request = make_list_request(
        entity,
        first=MAX_CODES,
        after=None,
        order=None,
        descending=False,
        filters=None,
        default_size=MAX_CODES,
        max_size=MAX_CODES,
    )
    page = await reads.fetch_page(db, entity, request, principal, settings.base_iri)
    return page.rows


async def code_labels(
    db: Database, settings: Settings, principal: Principal, entity_name: str
) -> dict[str, str]:
    """Each code of a mapped code list and its label."""
    rows = await code_rows(db, settings, principal, entity_name)
    return {str(row["_key"]): str(row["label"]) for row in rows}


async def code_lists(
    db: Database,
    settings: Settings,
    principal: Principal,
    names: tuple[str, ...],
    cache: InsightCache | None = None,
) -> dict[str, list[Record]]:
    """The rows of each code list in ``names``, as :func:`code_rows` reads them. With a
    ``cache`` they are kept per data version (which any change to a code list moves):
    a page reads them all for one statement, not one statement a list."""

    async def read() -> dict[str, list[Record]]:
        return {name: await code_rows(db, settings, principal, name) for name in names}

    return await cached(db, cache, ("code lists", names, principal.tier), read)


def labels_of(rows: list[Record]) -> dict[str, str]:
    """Each code of a code list's rows and its label."""
    return {str(row["_key"]): str(row["label"]) for row in rows}
