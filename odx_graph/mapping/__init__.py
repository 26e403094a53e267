"""The one declarative mapping: ontology term <-> GraphQL type/field <-> table/column.

Everything else is derived from the entities declared here: the strawberry types and
inputs (``odx_graph.api``), the SQL the repositories run (``odx_graph.store``) and the code
lists loaded from the ontology (``odx_graph.services.refdata``); later the JSON-LD context and the
RDF export. Adding a field means adding one ``Field`` line to ``graph.py`` or
``codes.py`` (and declaring its term in the ontology, which a test checks).
"""

from odx_graph.mapping.codes import CODE_LISTS
from odx_graph.mapping.graph import GRAPH
from odx_graph.mapping.model import (
    Cardinality,
    Entity,
    Field,
    Filter,
    FilterKind,
    IncomingLink,
    Mapping,
    Order,
    Relation,
    Scalar,
    curie,
    snake_case,
)

MAPPING = Mapping((*GRAPH, *CODE_LISTS))

__all__ = [
    "MAPPING",
    "Cardinality",
    "Entity",
    "Field",
    "Filter",
    "FilterKind",
    "IncomingLink",
    "Mapping",
    "Order",
    "Relation",
    "Scalar",
    "curie",
    "snake_case",
]
