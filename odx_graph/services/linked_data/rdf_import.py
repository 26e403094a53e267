"""RDF into the database, driven by the same mapping that exports it.

Takes a graph in the shape the server exports (``odx_graph.services.linked_data.rdf``): nodes named
``{base}/id/{segment}/{key}``, typed with the ontology's classes, with the mapped
properties. Keys come from the IRIs, so an export imported into an empty database and
exported again gives the same graph. Every problem is collected before anything is
written, and the whole graph is written in one transaction. A document's bytes are read
by :mod:`odx_graph.services.linked_data.rdf_input` (nothing fetched, statements capped, in
a worker process).

This is the one reader of RDF into rows; the Turtle and JSON-LD import formats
(:mod:`odx_graph.services.importing.rdf_format`) read through it too. Its rules:

- A node's IRI is either an IRI of this server (``{base}/id/{segment}/{key}``: the key is
  the row's key) or, for an import, the importing organisation's own reference for the
  thing (any IRI, kept as it is): :class:`Naming` says which.
- A field's value is an IRI under the field's ``iri_prefix`` or a literal of exactly the
  field's datatype; text a field is imported from is trimmed (blank is no value), a
  date-time without an offset is UK local time, and a field whose ``Write.form`` is a
  UPRN or a postcode is checked and normalised as every import format does
  (:func:`field_value`).
- Every problem is an importer :class:`Problem` naming the node as ``<iri>``, the
  property as a CURIE and the value given.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable
from collections.abc import Iterable
from enum import Enum
from typing import Any

from rdflib import RDF
from rdflib import Graph
from rdflib import Literal
from rdflib import URIRef
from rdflib.term import Node

from odx_graph.core.errors import InputError
from odx_graph.mapping import MAPPING
from odx_graph.mapping import Cardinality
from odx_graph.mapping import Entity
from odx_graph.mapping import Field
from odx_graph.mapping import Form
from odx_graph.mapping import IncomingLink
from odx_graph.mapping import Relation
from odx_graph.mapping import Scalar
from odx_graph.services.importing.cells import CellError
from odx_graph.services.importing.cells import parse_datetime
from odx_graph.services.importing.cells import parse_postcode
from odx_graph.services.importing.cells import parse_uprn
from odx_graph.services.importing.records import Problem
from odx_graph.services.importing.textfile import safe_echo
from odx_graph.services.linked_data import rdf_input
from odx_graph.services.linked_data.rdf import XSD_TYPES
from odx_graph.services.linked_data.rdf import parse_concept_iri
from odx_graph.services.linked_data.rdf import parse_node_iri
from odx_graph.services.linked_data.rdf import term
from odx_graph.store import bulk
from odx_graph.store.db import Connection

Rows = dict[str, dict[Any, dict[str, Any]]]


class Naming(Enum):
    """What a node's IRI is: an IRI of this server, whose key is the row's key (an export
    read back), or the importing organisation's own reference for the thing (an import:
    the IRI itself is the key, and a link to a node not in the graph is kept as given)."""

    SERVER = "server"
    REFERENCE = "reference"


def where(node: object) -> str:
    """How a problem names a node: its IRI in angle brackets (cut to 200 characters)."""
    return f"<{str(node)[:200]}>"


class RdfImportError(InputError):
    """The graph cannot be imported; ``problems`` lists every reason."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the RDF input; nothing was written")
        self.problems = problems

    def __reduce__(self) -> tuple[Any, ...]:
        return (RdfImportError, (self.problems,))  # raised again after a worker process


def write_order() -> list[Entity]:
    """Node entities ordered so every row's references are written before it."""
    done: list[Entity] = []

    def visit(entity: Entity, path: tuple[str, ...]) -> None:
        if entity in done or entity.name in path:
            return
        for relation in entity.relations:
            target = MAPPING[relation.target]
            if relation.cardinality is Cardinality.ONE and target.is_node and target != entity:
                visit(target, (*path, entity.name))
        for link in MAPPING.incoming_links(entity):
            visit(link.parent, (*path, entity.name))
        done.append(entity)

    for entity in MAPPING.nodes:
        visit(entity, ())
    return done


class Reader:
    """Turns a graph into rows (column to value, by entity name and key), collecting
    problems instead of stopping at the first.

    ``naming`` says what node IRIs are (see :class:`Naming`); ``wanted`` picks the nodes
    read (all of the mapping's nodes by default); the children of a read node's incoming
    links (a repair's lines) are read with it."""

    def __init__(
        self,
        graph: Graph,
        base: str = "",
        naming: Naming = Naming.SERVER,
        wanted: Callable[[Entity, Node], bool] | None = None,
    ) -> None:
        self.graph = graph
        self.base = base
        self.naming = naming
        self.wanted = wanted
        self.problems: list[Problem] = []
        self.rows: Rows = defaultdict(dict)

    def problem(self, subject: object, prop: str, reason: str, value: object = "") -> None:
        """Note one problem of ``subject``'s ``prop``."""
        self.problems.append(Problem(where(subject), prop, safe_echo(str(value)), reason))

    def read(self, entities: Iterable[Entity] = MAPPING.nodes) -> Rows:
        """The rows of every node of ``entities`` in the graph (and of their children)."""
        chosen = list(entities)
        for entity in chosen:
            for subject in sorted(self.graph.subjects(RDF.type, term(entity.curie)), key=str):
                if self.wanted is not None and not self.wanted(entity, subject):
                    continue
                key = self._node_key(entity, subject)
                if key is not None:
                    self.rows[entity.name][key] = self._row(entity, subject)
        for entity in MAPPING.nodes:
            for link in MAPPING.incoming_links(entity):
                if MAPPING[link.parent.name] in chosen:
                    self._incoming(entity, link)
        return self.rows

    def _node_key(self, entity: Entity, subject: Node) -> Any:
        if self.naming is Naming.REFERENCE:
            if isinstance(subject, URIRef):
                return str(subject)
            self.problem(subject, "", "a record needs an IRI, not a blank node")
            return None
        parsed = parse_node_iri(self.base, str(subject))
        if parsed is None or parsed[0] != entity:
            self.problem(
                subject,
                "rdf:type",
                f"not an IRI of a {entity.name} under {self.base}/id/{entity.iri_segment}/",
            )
            return None
        return parsed[1]

    def _row(self, entity: Entity, subject: Node) -> dict[str, Any]:
        row: dict[str, Any] = {}
        for field in entity.fields:
            if (
                not field.nullable
                and not field.derived
                and not field.many
                and (subject, term(field.curie), None) not in self.graph
            ):
                self.problem(subject, field.curie, "is required")
        for field in entity.fields:
            if field.derived:
                continue
            values = [
                value
                for o in self.graph.objects(subject, term(field.curie))
                if (value := self._value(field, o, subject)) is not None
            ]
            if len(values) > 1 and not field.many:
                self.problem(subject, field.curie, "has more than one value")
            if values or field.many:  # an empty array is written as no triples
                row[field.column] = values if field.many else values[0]
        to_one = [
            r for r in entity.relations if r.cardinality is Cardinality.ONE or r.source_is_array
        ]
        for predicate in {r.curie for r in to_one}:
            # Several relations may share a term (a component isComponentOf a home or a
            # building): each object goes to the relation whose target it names.
            sharing = [r for r in to_one if r.curie == predicate]
            keys: dict[str, list[Any]] = {r.name: [] for r in sharing}
            for obj in self.graph.objects(subject, term(predicate)):
                matches = [(r, self._key(r, obj)) for r in sharing]
                found = [(r, k) for r, k in matches if k is not None]
                if not found:
                    targets = " or ".join(r.target for r in sharing)
                    self.problem(subject, predicate, f"is not a {targets}", obj)
                for relation, key in found[:1]:
                    keys[relation.name].append(key)
            for relation in sharing:
                values = keys[relation.name]
                if len(values) > 1 and not relation.source_is_array:
                    self.problem(subject, predicate, "has more than one value")
                if values or relation.source_is_array:  # an empty array has no triples
                    row[relation.source_column] = values if relation.source_is_array else values[0]
        return row

    def _value(self, field: Field, obj: object, subject: Node) -> Any:
        value, reason = field_value(field, obj)
        if reason:
            self.problem(subject, field.curie, reason, obj)
        return value

    def _key(self, relation: Relation, obj: object) -> Any:
        """The key ``obj`` names in ``relation``'s target, or ``None``."""
        target = MAPPING[relation.target]
        if not target.is_node:
            return parse_concept_iri(target, str(obj))
        if self.naming is Naming.REFERENCE:
            if not isinstance(obj, URIRef):
                return None
            types = set(self.graph.objects(obj, RDF.type))
            # A node not in the graph is one the importer named before: kept as given.
            return str(obj) if not types or term(target.curie) in types else None
        parsed = parse_node_iri(self.base, str(obj))
        return parsed[1] if parsed is not None and parsed[0] == target else None

    def _incoming(self, child: Entity, link: IncomingLink) -> None:
        for parent_iri, child_iri in self.graph.subject_objects(term(link.relation.curie)):
            if self.naming is Naming.REFERENCE:
                parent_key: Any = str(parent_iri)
                if parent_key not in self.rows[link.parent.name]:
                    continue  # a parent not read (another kind, or not wanted)
                child_key: Any = str(child_iri)
                if child_key not in self.rows[child.name]:
                    self.rows[child.name][child_key] = self._row(child, child_iri)
            else:
                parent = parse_node_iri(self.base, str(parent_iri))
                target = parse_node_iri(self.base, str(child_iri))
                if target is None or target[0] != child:
                    continue
                if parent is None or parent[0] != link.parent:
                    continue  # another kind of parent: another link covers it
                parent_key, child_key = parent[1], target[1]
            row = self.rows[child.name].get(child_key)
            if row is None:
                self.problem(child_iri, link.relation.curie, "links an unknown node")
                continue
            row[link.key_column] = parent_key
            if link.relation.discriminator is not None:
                column, value = link.relation.discriminator
                row[column] = value


def field_value(field: Field, obj: object) -> tuple[Any, str]:
    """The value of the mapped ``field`` an RDF term gives (``None`` for none), and "" or
    why it gives none: an IRI under the field's prefix, or a literal of exactly the
    field's datatype. Text a field is imported from is trimmed and blank text is no value;
    a date-time without an offset is UK local time; a field written as a UPRN or a
    postcode is read by the import formats' rule for it."""
    if field.iri_prefix:
        if isinstance(obj, URIRef) and str(obj).startswith(field.iri_prefix):
            return str(obj)[len(field.iri_prefix) :], ""
        return None, f"expected an IRI under {field.iri_prefix}"
    if not isinstance(obj, Literal):
        return None, "expected a literal"
    expected = XSD_TYPES[field.type]
    if obj.datatype != expected or obj.ill_typed:
        wanted = "a plain string" if expected is None else f"an {expected}"
        return None, f"expected {wanted}, got {obj.n3()[:80]}"
    form = field.write.form if field.write is not None else Form.PLAIN
    try:
        if form is Form.UPRN:
            return parse_uprn(str(obj).strip()), ""
        if form is Form.POSTCODE:
            return parse_postcode(str(obj)), ""
        if field.type is Scalar.DATETIME:
            return parse_datetime(str(obj).strip()), ""
    except CellError as exc:
        return None, exc.reason
    value = obj.toPython()
    if isinstance(value, str) and field.imported:
        return value.strip() or None, ""
    return value, ""


def _rows(graph: Graph, base: str) -> Rows:
    reader = Reader(graph, base)
    rows = reader.read()
    if reader.problems:
        raise RdfImportError(reader.problems)
    return dict(rows)


def read_document(data: bytes, syntax: str, base: str) -> Rows:
    """The rows of an RDF document (``"turtle"`` or ``"json-ld"``), read safely (see
    :mod:`odx_graph.services.linked_data.rdf_input`: nothing fetched, statements capped, in a
    worker process).
    Raises :class:`RdfImportError` with every problem found."""
    return rdf_input.isolated(_read_document, data, syntax, base)


def _read_document(data: bytes, syntax: str, base: str) -> Rows:
    try:
        graph = rdf_input.parse_graph(data, syntax)
    except rdf_input.RdfInputError as exc:
        raise RdfImportError([Problem("file", "", safe_echo(exc.value), exc.reason)]) from None
    return _rows(graph, base)


async def import_document(conn: Connection, data: bytes, syntax: str, base: str) -> dict[str, int]:
    """:func:`import_graph` for a document's bytes, read by :func:`read_document` (off the
    event loop)."""
    rows = await asyncio.to_thread(read_document, data, syntax, base)
    return await _write_rows(conn, rows)


async def import_graph(conn: Connection, graph: Graph, base: str) -> dict[str, int]:
    """Write every node of ``graph`` (an export of a server with IRIs under ``base``) into
    an empty database; return rows written per table. Raises :class:`RdfImportError` with
    every problem found, having written nothing."""
    return await _write_rows(conn, _rows(graph, base))


async def _write_rows(conn: Connection, rows: Rows) -> dict[str, int]:
    written: dict[str, int] = {}
    try:
        await _write(conn, rows, written)
    except Exception as exc:  # a constraint the graph broke (unknown code, range...)
        reason = getattr(exc, "message", None) or type(exc).__name__
        detail = getattr(exc, "detail", None)
        raise RdfImportError(
            [Problem("", "", "", f"{reason}{f': {detail}' if detail else ''}")]
        ) from exc
    return written


async def _write(conn: Connection, rows: Rows, written: dict[str, int]) -> None:
    async with conn.transaction():
        # Organisations and imports name each other (an import is made by an organisation,
        # which an import may have created): the links are checked at commit.
        await conn.execute("SET CONSTRAINTS ALL DEFERRED")
        for entity in write_order():
            table_rows = rows.get(entity.name, {})
            columns = sorted({c for row in table_rows.values() for c in row})
            records = [
                (key, *(row.get(c) for c in columns)) for key, row in sorted(table_rows.items())
            ]
            written[entity.table] = (
                await bulk.copy_rows(conn, entity.table, [entity.key, *columns], records)
                if records
                else 0
            )
        await bulk.reset_identities(conn, [e.table for e in write_order()])
