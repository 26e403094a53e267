"""The one declarative mapping: ontology term <-> GraphQL type/field <-> table/column.

Everything else is derived from the entities declared here: the strawberry types and
inputs (``odx_graph.api``), the SQL the store runs (``odx_graph.store``), the code lists
loaded from the ontology (``odx_graph.services.refdata``), the JSON-LD context and the RDF
export. The entities are declared one module per domain (``organisations``, ``homes``,
``components``, ``repairs``, ``damp``, ``certificates``, ``planned_works``,
``provenance``, ``estates``) with the shorthands of ``shorthand``; the code lists are in
``codes``. A field's ``Write`` says how imports write it (template column, bounds, pattern),
from which the CSV templates, the import records and writers, the RDF reader, the SHACL
property shapes and the ontology's declaration of a term it does not declare by hand are
derived: adding a field means adding one ``Field`` line to its entity (see
docs/development.md).
"""

from odx_graph.mapping.certificates import ENERGY_PERFORMANCE_CERTIFICATE
from odx_graph.mapping.codes import CODE_LISTS
from odx_graph.mapping.components import COMPONENT
from odx_graph.mapping.damp import DAMP_MOULD_CASE
from odx_graph.mapping.estates import ESTATE
from odx_graph.mapping.homes import BUILDING
from odx_graph.mapping.homes import HOME
from odx_graph.mapping.model import Cardinality
from odx_graph.mapping.model import Entity
from odx_graph.mapping.model import Field
from odx_graph.mapping.model import Filter
from odx_graph.mapping.model import FilterKind
from odx_graph.mapping.model import Form
from odx_graph.mapping.model import IncomingLink
from odx_graph.mapping.model import Mapping
from odx_graph.mapping.model import Order
from odx_graph.mapping.model import Relation
from odx_graph.mapping.model import Scalar
from odx_graph.mapping.model import Write
from odx_graph.mapping.model import curie
from odx_graph.mapping.model import snake_case
from odx_graph.mapping.organisations import ORGANISATION
from odx_graph.mapping.planned_works import INVESTMENT_PROGRAMME
from odx_graph.mapping.planned_works import PLANNED_WORK
from odx_graph.mapping.provenance import ASSERTION
from odx_graph.mapping.provenance import IMPORT
from odx_graph.mapping.provenance import REFERENCE
from odx_graph.mapping.repairs import REPAIR
from odx_graph.mapping.repairs import REPAIR_LINE
from odx_graph.mapping.repairs import REPAIR_STATUS_EVENT

GRAPH = (
    ORGANISATION,
    REFERENCE,
    BUILDING,
    HOME,
    COMPONENT,
    REPAIR,
    REPAIR_LINE,
    REPAIR_STATUS_EVENT,
    DAMP_MOULD_CASE,
    ENERGY_PERFORMANCE_CERTIFICATE,
    INVESTMENT_PROGRAMME,
    PLANNED_WORK,
    IMPORT,
    ASSERTION,
    ESTATE,
)
MAPPING = Mapping((*GRAPH, *CODE_LISTS))

__all__ = [
    "MAPPING",
    "Cardinality",
    "Entity",
    "Field",
    "Filter",
    "FilterKind",
    "Form",
    "IncomingLink",
    "Mapping",
    "Order",
    "Relation",
    "Scalar",
    "Write",
    "curie",
    "snake_case",
]
