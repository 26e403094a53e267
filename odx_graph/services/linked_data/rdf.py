"""RDF derived from the mapping: IRIs, the triples of a row, and back from IRIs to keys.

Every node is ``{base}/id/{segment}/{key}``; codes are the ontology's concept IRIs. A
row becomes its type, one triple per non-null field value, one per to-one relation, and,
for children that do not point back at their parent themselves (repair lines, status
events, references), the parent's link to them.
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Iterator
from collections.abc import Mapping
from functools import cache
from typing import Any
from urllib.parse import unquote

from rdflib import RDF
from rdflib import XSD
from rdflib import Literal
from rdflib import URIRef
from rdflib.term import Node

from odx_graph.core.ids import KEY
from odx_graph.core.vocab import CODE_BASE
from odx_graph.core.vocab import expand_curie
from odx_graph.mapping import MAPPING
from odx_graph.mapping import Cardinality
from odx_graph.mapping import Entity
from odx_graph.mapping import Field
from odx_graph.mapping import Scalar

Triple = tuple[Node, Node, Node]

XSD_TYPES: dict[Scalar, URIRef | None] = {
    Scalar.STRING: None,  # a simple literal is an xsd:string
    Scalar.INT: XSD.integer,
    Scalar.FLOAT: XSD.double,
    Scalar.BOOLEAN: XSD.boolean,
    Scalar.DATE: XSD.date,
    Scalar.DATETIME: XSD.dateTime,
    Scalar.DECIMAL: XSD.decimal,
}


def node_iri(base: str, entity: Entity, key: Any) -> str:
    """The IRI of a node entity's row."""
    return f"{base}/id/{entity.iri_segment}/{key}"


def target_iri(base: str, entity: Entity, key: Any) -> str:
    """The IRI of a row of ``entity``: a node IRI, or a code list's concept IRI."""
    return node_iri(base, entity, key) if entity.is_node else entity.concept_iri(str(key))


@cache
def term(curie: str) -> URIRef:
    """The full IRI of a mapping term."""
    return URIRef(expand_curie(curie))


def canonical_double(value: float) -> str:
    """The canonical lexical form of an ``xsd:double`` (XML Schema 1.1): one digit before
    the point, the fewest digits after it that give the value back, then the exponent
    (51.5 is ``5.15E1``). JSON-LD processors write a JSON number as this, so a GraphQL
    response read with ``/context.jsonld`` gives the dump's very literal."""
    if value != value or value in (float("inf"), float("-inf")):
        return {"nan": "NaN", "inf": "INF", "-inf": "-INF"}[repr(value)]
    sign, digits, exponent = decimal.Decimal(repr(value)).normalize().as_tuple()
    assert isinstance(exponent, int)  # finite
    if digits == (0,):
        return "-0.0E0" if sign else "0.0E0"
    mantissa = "".join(map(str, digits))
    fraction = mantissa[1:] or "0"
    power = exponent + len(mantissa) - 1
    return f"{'-' if sign else ''}{mantissa[0]}.{fraction}E{power}"


def literal(field: Field, value: Any) -> Node:
    """The RDF term for one value of ``field``."""
    if field.iri_prefix:
        return URIRef(field.iri_prefix + str(value))
    datatype = XSD_TYPES[field.type]
    if field.type is Scalar.FLOAT:
        return Literal(canonical_double(float(value)), datatype=datatype)
    if isinstance(value, dt.datetime | dt.date):
        return Literal(value.isoformat(), datatype=datatype)
    if isinstance(value, decimal.Decimal):
        return Literal(format(value, "f"), datatype=datatype)
    return Literal(value, datatype=datatype) if datatype else Literal(str(value))


def linked_fields(entity: Entity) -> tuple[Field, ...]:
    """The fields Linked Data publishes: all but those that depend on the day they are
    read (a component's age), which would make a version published today differ from
    the dump made tomorrow; their dates (installation) and lifetimes are published."""
    return tuple(f for f in entity.fields if not f.as_of_today)


def row_triples(entity: Entity, row: Mapping[str, Any], base: str) -> Iterator[Triple]:
    """The triples of one exported row (see ``store.sql.export_columns`` for its shape)."""
    subject = URIRef(node_iri(base, entity, row["_key"]))
    yield subject, RDF.type, term(entity.curie)
    for field in linked_fields(entity):
        value = row[field.name]
        if value is None:
            continue
        predicate = term(field.curie)
        for item in value if field.many else (value,):
            yield subject, predicate, literal(field, item)
    for relation in entity.relations:
        if relation.cardinality is not Cardinality.ONE and not relation.source_is_array:
            continue
        value = row[f"_src_{relation.source_column}"]
        if value is None:
            continue
        target = MAPPING[relation.target]
        predicate = term(relation.curie)
        for key in value if relation.source_is_array else (value,):
            yield subject, predicate, URIRef(target_iri(base, target, key))
    for link in MAPPING.incoming_links(entity):
        parent_key = row[f"_src_{link.key_column}"]
        if parent_key is not None and row.get(link.flag, True):
            parent = URIRef(node_iri(base, link.parent, parent_key))
            yield parent, term(link.relation.curie), subject


def parse_node_iri(base: str, iri: str) -> tuple[Entity, int] | None:
    """``(entity, key)`` for an IRI of this server's nodes, else ``None``."""
    prefix = f"{base}/id/"
    if not iri.startswith(prefix):
        return None
    segment, _, key = iri[len(prefix) :].partition("/")
    entity = MAPPING.by_iri_segment(segment)
    if entity is None or not KEY.match(key):
        return None
    return entity, int(key)


def parse_concept_iri(entity: Entity, iri: str) -> str | None:
    """The code of a concept IRI of ``entity``'s scheme, else ``None``."""
    prefix = f"{CODE_BASE}{entity.scheme}/"
    return unquote(iri[len(prefix) :]) if entity.scheme and iri.startswith(prefix) else None
