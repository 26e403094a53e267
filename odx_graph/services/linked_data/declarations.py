"""Ontology declarations and SHACL property shapes of mapped fields, from the mapping.

``ontology/odx.ttl`` and ``ontology/shapes.ttl`` are written by hand, with definitions,
alignments and messages a person chose. A mapped field whose term the ontology does not
declare, or that its entity's node shape has no property shape for, gets them here from
its declaration in the mapping (description, type, nullability, ``Write`` bounds and
pattern), so a field added to the mapping alone is declared, exported, validated and
imported. ``tests/test_declarations.py`` checks that the hand-written shapes agree with
the mapping where both speak (bounds, datatype, how many values).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from functools import cache

from rdflib import OWL
from rdflib import RDF
from rdflib import RDFS
from rdflib import XSD
from rdflib import Graph
from rdflib import Literal
from rdflib import URIRef
from rdflib.namespace import SH
from rdflib.namespace import SKOS

from odx_graph.core.vocab import ONTOLOGY_IRI
from odx_graph.core.vocab import ontology_dir
from odx_graph.mapping import MAPPING
from odx_graph.mapping import Entity
from odx_graph.mapping import Field
from odx_graph.mapping import Scalar
from odx_graph.services.linked_data.rdf import XSD_TYPES
from odx_graph.services.linked_data.rdf import term

SHAPES = "https://w3id.org/odx/shapes#"
SCHEMA = "https://schema.org/"
TERM_STATUS = URIRef("http://www.w3.org/2003/06/sw-vocab-status/ns#term_status")


def label(name: str) -> str:
    """A field's name in words: ``floorLevel`` -> ``floor level``."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name).lower()


def _range(item: Field) -> URIRef:
    return XSD_TYPES[item.type] or XSD.string


def _mapped_fields() -> dict[URIRef, list[tuple[Entity, Field]]]:
    """Every mapped odx: field term with the entities (and fields) that use it."""
    found: dict[URIRef, list[tuple[Entity, Field]]] = defaultdict(list)
    for entity in MAPPING.entities:
        for item in entity.fields:
            if item.curie.startswith("odx:"):
                found[term(item.curie)].append((entity, item))
    return found


def undeclared_terms(ontology: Graph) -> Graph:
    """Declarations of the mapped field terms ``ontology`` does not declare: kind, label,
    definition (the field's description), domain and range."""
    added = Graph()
    for iri, uses in _mapped_fields().items():
        if (iri, RDF.type, None) in ontology:
            continue
        item = uses[0][1]
        kind = OWL.ObjectProperty if item.iri_prefix else OWL.DatatypeProperty
        added.add((iri, RDF.type, kind))
        added.add((iri, RDFS.label, Literal(label(item.name), lang="en")))
        added.add((iri, SKOS.definition, Literal(item.description, lang="en")))
        added.add((iri, RDFS.isDefinedBy, URIRef(ONTOLOGY_IRI)))
        added.add((iri, TERM_STATUS, Literal("stable")))
        classes = sorted({term(e.curie) for e, _ in uses})
        if len(classes) == 1:
            added.add((iri, RDFS.domain, classes[0]))
        else:
            for cls in classes:
                added.add((iri, URIRef(SCHEMA + "domainIncludes"), cls))
        if not item.iri_prefix:
            added.add((iri, RDFS.range, _range(item)))
    return added


def node_shape(shapes: Graph, entity: Entity) -> URIRef | None:
    """The node shape of ``entity`` (``odxsh:{Entity}Shape``), if ``shapes`` has one."""
    shape = URIRef(f"{SHAPES}{entity.name}Shape")
    return shape if (shape, RDF.type, SH.NodeShape) in shapes else None


def shaped_paths(shapes: Graph, node_shape: URIRef) -> set[URIRef]:
    """The paths of the property shapes of ``node_shape``."""
    return {
        path
        for shape in shapes.objects(node_shape, SH.property)
        for path in shapes.objects(shape, SH.path)
        if isinstance(path, URIRef)
    }


def unshaped_fields(shapes: Graph) -> Graph:
    """Property shapes of the mapped fields (derived ones aside) whose entity's node shape
    has none for them, each linked from its node shape, from the field's declaration."""
    added = Graph()
    for entity in MAPPING.nodes:
        shape = node_shape(shapes, entity)
        if shape is None:
            continue
        paths = shaped_paths(shapes, shape)
        for item in entity.fields:
            # Derived values are the database's; the shapes of imports never need them.
            if not item.derived and term(item.curie) not in paths:
                _property_shape(added, shape, entity, item)
    return added


def _property_shape(graph: Graph, node_shape: URIRef, entity: Entity, item: Field) -> None:
    shape = URIRef(f"{SHAPES}{entity.name}-{item.curie.split(':', 1)[1]}")
    graph.add((node_shape, SH.property, shape))
    graph.add((shape, RDF.type, SH.PropertyShape))
    graph.add((shape, SH.path, term(item.curie)))
    write = item.write
    required = write.required if write is not None else not item.nullable and not item.derived
    if required:
        graph.add((shape, SH.minCount, Literal(1)))
    if not item.many:
        graph.add((shape, SH.maxCount, Literal(1)))
    if item.iri_prefix:
        graph.add((shape, SH.nodeKind, SH.IRI))
    else:
        graph.add((shape, SH.datatype, _range(item)))
    rules = []
    low, high = write.limits if write is not None else (None, None)
    number = int if item.type is Scalar.INT else float
    if low is not None:
        graph.add((shape, SH.minInclusive, Literal(number(low))))
        rules.append(f"at least {low:g}")
    if high is not None:
        graph.add((shape, SH.maxInclusive, Literal(number(high))))
        rules.append(f"at most {high:g}")
    if write is not None and write.pattern:
        graph.add((shape, SH.pattern, Literal(f"^{write.pattern}$")))
        rules.append(f"matching {write.pattern}")
    how_many = "exactly one" if required and not item.many else "at most one"
    if item.many:
        how_many = "any number of"
    datatype = "xsd:" + str(_range(item)).rsplit("#", 1)[-1]
    message = f"A {label(entity.name)} has {how_many} {label(item.name)} ({datatype}"
    message += (", " + ", ".join(rules) if rules else "") + ")."
    if item.iri_prefix:
        message = f"A {label(entity.name)} has {how_many} {label(item.name)}, an IRI."
    graph.add((shape, SH.message, Literal(message, lang="en")))
    graph.add((shape, SH.severity, SH.Violation))


def with_declarations(ontology: Graph) -> Graph:
    """``ontology`` with the declarations of the mapped terms it lacks added (in place)."""
    for triple in undeclared_terms(ontology):
        ontology.add(triple)
    return ontology


def with_field_shapes(shapes: Graph) -> Graph:
    """``shapes`` with the property shapes of the mapped fields it lacks added (in place)."""
    for triple in unshaped_fields(shapes):
        shapes.add(triple)
    return shapes


def _turtle_after(file: str, missing: Callable[[Graph], Graph], made: str) -> bytes:
    """Turtle of what ``missing`` finds ``file`` (in ``ontology/``) lacks, to serve after
    the file's own bytes, with its prefixes; empty when it lacks nothing."""
    written = Graph().parse(ontology_dir() / file, format="turtle")
    added = missing(written)
    if not len(added):
        return b""
    for prefix, namespace in written.namespaces():
        added.bind(prefix, namespace)
    heading = f"\n# {made} from the mapping (odx_graph/mapping/).\n"
    return heading.encode() + added.serialize(format="turtle").encode()


@cache
def undeclared_turtle() -> bytes:
    """Turtle of the declarations ``odx.ttl`` lacks, to serve after the file's own bytes
    (empty when the file declares every mapped term)."""
    return _turtle_after("odx.ttl", undeclared_terms, "Declared")


def unshaped_turtle() -> bytes:
    """Turtle of the property shapes ``shapes.ttl`` lacks for mapped fields, to serve after
    the file's own bytes (empty when the file shapes every mapped field)."""
    return _turtle_after("shapes.ttl", unshaped_fields, "Shaped")
