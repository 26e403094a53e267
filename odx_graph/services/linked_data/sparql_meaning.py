"""What each predicate of the open graph means in the mapping, for translating SPARQL.

A node's triples come from its row (``rdf.row_triples``): a field's value, a to-one
link's key, or a child row's link to its parent. A code-list concept's triples come from
the ontology (``codes.scheme_triples``): fixed, so a concept pattern is a join with a
small table of them. ``predicate_uses`` gives every meaning of a predicate; a query
translates only when each of its patterns is left with one.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from typing import Any

from rdflib import RDF
from rdflib import URIRef

from odx_graph.mapping import MAPPING
from odx_graph.mapping import Cardinality
from odx_graph.mapping import Entity
from odx_graph.mapping import Field
from odx_graph.mapping import IncomingLink
from odx_graph.mapping import Relation
from odx_graph.mapping import Scalar
from odx_graph.services.linked_data.codes import SOR
from odx_graph.services.linked_data.codes import scheme_triples
from odx_graph.services.linked_data.codes import schemes
from odx_graph.services.linked_data.rdf import linked_fields
from odx_graph.services.linked_data.rdf import parse_concept_iri
from odx_graph.services.linked_data.rdf import term
from odx_graph.services.refdata import load_ontology
from odx_graph.store.graph_match import child_entity


class Unsupported(Exception):
    """The query needs something this translation does not do: the store answers it."""


@dataclass(frozen=True, slots=True)
class ConceptTable:
    """One predicate's statements about a code list's concepts: the distinct objects,
    and each (code, object) stated."""

    objects: tuple[Any, ...]
    pairs: tuple[tuple[str, Any], ...]

    def rows(self) -> list[tuple[str, int]]:
        """Each (code, index of its object in ``objects``)."""
        index = {o: i for i, o in enumerate(self.objects)}
        return [(code, index[o]) for code, o in self.pairs]


@dataclass(frozen=True, slots=True)
class Kind:
    """What a variable is bound to: a thing of a node entity (``node``), a concept of a
    code list (``code``), a literal of a scalar type (``value``, with the field that
    writes it), or one of the objects the code lists state (``fixed``, by its index in
    ``table``)."""

    tag: str
    entity: Entity
    item: Field | None = None
    table: ConceptTable | None = None

    @property
    def scalar(self) -> Scalar | None:
        """The literal's type (``None`` for IRIs)."""
        if self.item is None or self.item.iri_prefix:
            return None
        return self.item.type

    def same(self, other: Kind) -> bool:
        """Whether terms of both kinds can be equal."""
        if self.tag != other.tag:
            return False
        if self.tag == "fixed":
            return self.table is other.table
        if self.item is None or other.item is None:
            return self.entity is other.entity
        return (self.item.type, self.item.iri_prefix) == (other.item.type, other.item.iri_prefix)


@dataclass(frozen=True, slots=True)
class Use:
    """One meaning of a predicate: the subject's entity and what the object is."""

    subject: Entity
    # "field", "link" (a to-one relation), "parent" (a child's row links it), "concept"
    # (a code list's statement), "many" (a list of values: not translated)
    how: str
    item: Field | None = None
    relation: Relation | None = None
    link: IncomingLink | None = None
    table: ConceptTable | None = None

    @property
    def subject_kind(self) -> Kind:
        """The kind of the subject terms."""
        return Kind("node" if self.subject.is_node else "code", self.subject)

    @property
    def object_kind(self) -> Kind:
        """The kind of the object terms."""
        if self.table is not None:
            return Kind("fixed", self.subject, table=self.table)
        if self.item is not None:
            return Kind("value", self.subject, self.item)
        if self.link is not None:
            return Kind("node", child_entity(self.link))
        if self.relation is None:
            return Kind("fixed", self.subject)  # "many": never translated
        target = MAPPING[self.relation.target]
        return Kind("node" if target.is_node else "code", target)


@cache
def predicate_uses() -> dict[str, tuple[Use, ...]]:
    """Each predicate's meanings: in the nodes' rows, and in the code lists' concepts.
    A list of values (an organisation's trades) and the Schedule of Rates' concepts
    (from its table) are meanings too, which are not translated."""
    found: dict[str, list[Use]] = defaultdict(list)
    for entity in MAPPING.nodes:
        for item in linked_fields(entity):
            how = "many" if item.many else "field"
            found[str(term(item.curie))].append(Use(entity, how, item=item))
        for relation in entity.relations:
            if relation.source_is_array or relation.cardinality is Cardinality.ONE:
                how = "many" if relation.source_is_array else "link"
                found[str(term(relation.curie))].append(Use(entity, how, relation=relation))
        for link in MAPPING.incoming_links(entity):
            found[str(term(link.relation.curie))].append(Use(link.parent, "parent", link=link))
    for (entity, predicate), table in _concept_tables().items():
        how = "many" if entity is SOR else "concept"
        found[predicate].append(Use(entity, how, table=table))
    return {p: tuple(uses) for p, uses in found.items()}


@cache
def _concept_tables() -> dict[tuple[Entity, str], ConceptTable]:
    """Each code list's concepts' statements, by list and predicate."""
    ontology = load_ontology()
    codes = {e.scheme: e for e in code_lists()}
    rows: dict[tuple[Entity, str], list[tuple[str, Any]]] = {}
    sample = [("X", ["Y"])]  # a Schedule of Rates row's predicates, its values aside
    for scheme in schemes(ontology):
        entity = codes.get(str(scheme).rsplit("/", 1)[1])
        if entity is None:
            continue
        for s, p, o in scheme_triples(ontology, scheme, sample):
            code = parse_concept_iri(entity, str(s))
            if code is not None:
                rows.setdefault((entity, str(p)), []).append((code, o))
    return {
        key: ConceptTable(tuple(dict.fromkeys(o for _, o in pairs)), tuple(pairs))
        for key, pairs in rows.items()
    }


@cache
def code_lists() -> tuple[Entity, ...]:
    """The code lists, whose concepts have IRIs of their scheme."""
    return tuple(e for e in MAPPING.entities if not e.is_node and e.scheme)


@cache
def node_classes() -> dict[str, Entity]:
    """Node classes by IRI."""
    return {str(term(e.curie)): e for e in MAPPING.nodes}


def is_node_type(predicate: Any, obj: Any) -> bool:
    """Whether a pattern states a node's class (``?h a odx:Home``)."""
    return predicate == RDF.type and isinstance(obj, URIRef) and str(obj) in node_classes()


COUNT = Kind("value", MAPPING.nodes[0], Field("count", Scalar.INT, "A count."))
