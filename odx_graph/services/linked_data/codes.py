"""Code lists as Linked Data: every concept scheme and concept, in SKOS.

The small code lists (priorities, statuses, trades...) are the ontology's own concept
schemes; the NHF Schedule of Rates list is too long for it and is described from its
table. Their IRIs are ``https://w3id.org/odx/code/{scheme}/{code}``; this server answers
for them at ``/code/{scheme}/{code}``.
"""

from __future__ import annotations

from rdflib import RDF, Graph, Literal, URIRef
from rdflib.namespace import SKOS

from odx_graph.core.vocab import CODE_BASE
from odx_graph.mapping import MAPPING
from odx_graph.services.linked_data.rdf import term
from odx_graph.services.linked_data.rdf_formats import bind_prefixes
from odx_graph.store import export
from odx_graph.store.db import Database

SOR = MAPPING["SorCode"]


def schemes(ontology: Graph) -> list[URIRef]:
    """Every concept scheme of the ontology, in IRI order."""
    found = {s for s in ontology.subjects(RDF.type, SKOS.ConceptScheme) if isinstance(s, URIRef)}
    return sorted(found)


async def describe_code(
    db: Database, ontology: Graph, scheme: str, code: str | None
) -> tuple[URIRef, Graph] | None:
    """The IRI and description of a scheme (``code`` ``None``) or one concept, or
    ``None`` when there is no such thing."""
    iri = URIRef(f"{CODE_BASE}{scheme}" + ("" if code is None else f"/{code}"))
    graph = bind_prefixes(Graph())
    for predicate, obj in ontology.predicate_objects(iri):
        graph.add((iri, predicate, obj))
    if len(graph) == 0 and code is not None and scheme == SOR.scheme:
        row = await export.sor_code_row(db, code)
        if row is not None:
            scheme_iri = URIRef(f"{CODE_BASE}{scheme}")
            graph.add((iri, RDF.type, SKOS.Concept))
            graph.add((iri, RDF.type, term(SOR.curie)))
            graph.add((iri, SKOS.inScheme, scheme_iri))
            graph.add((iri, SKOS.notation, Literal(row["code"])))
            for schedule in row["schedules"]:
                graph.add((iri, term(SOR.field("schedules").curie), Literal(schedule)))
    return (iri, graph) if len(graph) else None
