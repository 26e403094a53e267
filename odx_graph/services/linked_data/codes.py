"""Code lists as Linked Data: every concept scheme and concept, in SKOS.

The small code lists (priorities, statuses, trades...) are the ontology's own concept
schemes; the NHF Schedule of Rates list is too long for it and is described from its
table. Their IRIs are ``https://w3id.org/odx/code/{scheme}/{code}``; this server answers
for them at ``/code/{scheme}/{code}``.
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Sequence

from rdflib import RDF
from rdflib import Graph
from rdflib import Literal
from rdflib import URIRef
from rdflib.namespace import SKOS

from odx_graph.core.vocab import CODE_BASE
from odx_graph.mapping import MAPPING
from odx_graph.services.linked_data.rdf import Triple
from odx_graph.services.linked_data.rdf import term
from odx_graph.services.linked_data.rdf_formats import NTriplesWriter
from odx_graph.services.linked_data.rdf_formats import bind_prefixes
from odx_graph.store import export
from odx_graph.store.db import Database

SOR = MAPPING["SorCode"]
# Change-log segments of code lists are "code/{scheme}" (with key 0): one version holds
# a whole list, as /code/{scheme} and its concepts describe it.
CODE_SEGMENT = "code/"


def sor_concept(code: str, schedules: Iterable[str]) -> Iterator[Triple]:
    """The SKOS description of one NHF Schedule of Rates code."""
    iri = URIRef(SOR.concept_iri(code))
    yield iri, RDF.type, SKOS.Concept
    yield iri, RDF.type, term(SOR.curie)
    yield iri, SKOS.inScheme, URIRef(f"{CODE_BASE}{SOR.scheme}")
    yield iri, SKOS.notation, Literal(code)
    for schedule in schedules:
        yield iri, term(SOR.field("schedules").curie), Literal(schedule)


def scheme_triples(
    ontology: Graph, scheme: URIRef, sor_rows: Sequence[tuple[str, Sequence[str]]] = ()
) -> Iterator[Triple]:
    """A code list and its concepts as ``/code`` serves them: the ontology's statements
    about the scheme and each concept in it, and, for the Schedule of Rates, each code
    of its table (``sor_rows``: code and schedules)."""
    yield from ((scheme, p, o) for p, o in ontology.predicate_objects(scheme))
    described = set()
    for concept in ontology.subjects(SKOS.inScheme, scheme):
        described.add(concept)
        yield from ((concept, p, o) for p, o in ontology.predicate_objects(concept))
    if str(scheme) == f"{CODE_BASE}{SOR.scheme}":
        for code, schedules in sor_rows:
            if URIRef(SOR.concept_iri(code)) not in described:
                yield from sor_concept(code, schedules)


def code_list_versions(
    ontology: Graph, sor_rows: Sequence[tuple[str, Sequence[str]]]
) -> dict[str, str]:
    """Each code list's change-log segment (``code/priority``) and its triples as sorted
    N-Triples lines, as the change log keeps a thing."""
    out = {}
    for scheme in schemes(ontology):
        lines = set(NTriplesWriter().chunk(scheme_triples(ontology, scheme, sor_rows)).splitlines())
        out[CODE_SEGMENT + scheme.rsplit("/", 1)[1]] = "".join(f"{x}\n" for x in sorted(lines))
    return out


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
            for triple in sor_concept(row["code"], row["schedules"]):
                graph.add(triple)
    return (iri, graph) if len(graph) else None
