"""Linked Data from the mapping: describing one thing, streaming dumps, the JSON-LD
context for GraphQL responses and the VoID/DCAT description of the dataset."""

from __future__ import annotations

import asyncio
import time
import zlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from rdflib import RDF
from rdflib import RDFS
from rdflib import SH
from rdflib import XSD
from rdflib import Graph
from rdflib import Literal
from rdflib import Namespace
from rdflib import URIRef

from odx_graph.core.access import Principal
from odx_graph.core.config import Settings
from odx_graph.core.vocab import ONTOLOGY_IRI
from odx_graph.core.vocab import PREFIXES
from odx_graph.mapping import MAPPING
from odx_graph.mapping import Cardinality
from odx_graph.mapping import Entity
from odx_graph.mapping import Relation
from odx_graph.mapping import Scalar
from odx_graph.mapping.query import LIST_CAP
from odx_graph.services.linked_data.codes import code_list_versions
from odx_graph.services.linked_data.codes import scheme_triples
from odx_graph.services.linked_data.codes import schemes
from odx_graph.services.linked_data.fragments import fragment_url
from odx_graph.services.linked_data.rdf import node_iri
from odx_graph.services.linked_data.rdf import row_triples
from odx_graph.services.linked_data.rdf import term
from odx_graph.services.linked_data.rdf_formats import WRITERS
from odx_graph.services.linked_data.rdf_formats import RdfFormat
from odx_graph.services.linked_data.rdf_formats import bind_prefixes
from odx_graph.services.refdata import load_ontology
from odx_graph.store import export
from odx_graph.store.db import Database

VOID = Namespace("http://rdfs.org/ns/void#")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCTERMS = Namespace("http://purl.org/dc/terms/")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
GRAPHQL_VOCAB = "https://w3id.org/odx/graphql#"
DUMP_FORMATS = {"nt": RdfFormat.NTRIPLES, "ttl": RdfFormat.TURTLE, "jsonld": RdfFormat.JSONLD}


async def describe(
    db: Database, settings: Settings, principal: Principal, entity: Entity, key: int
) -> Graph | None:
    """The description of one node: its own triples and its short lists (lines,
    references, status history, a home's assertions) in full, up to ``LIST_CAP``: a
    subgraph of the dump. ``None`` when it does not exist.

    A to-many relation is stated once, by the row that holds it: a repair says
    ``odx:forHome``, and the home's ``odx:hasRepair`` (its ``owl:inverseOf``) is in no
    graph this server serves. ``inverse_links`` gives where to find those lists instead."""
    base = settings.base_iri
    row = await export.describe_row(db, entity, key, principal)
    if row is None:
        return None
    graph = bind_prefixes(Graph())
    for triple in row_triples(entity, row, base):
        graph.add(triple)
    for relation in entity.relations:
        if relation.cardinality is not Cardinality.LIST or relation.source_is_array:
            continue  # to-one links are in the row; connections are only navigation
        target = MAPPING[relation.target]
        rows = await export.related_rows(db, relation, target, key, principal, LIST_CAP)
        for child in rows:
            for triple in row_triples(target, child, base):
                graph.add(triple)
    return graph


@dataclass(frozen=True, slots=True)
class InverseList:
    """A to-many list of a node that its graph leaves to the rows pointing at it (a
    home's repairs): navigation, not data."""

    relation: URIRef  # the list's term, e.g. odx:hasRepair
    fragment: str  # the Triple Pattern Fragment of the rows' own link to the node
    members: tuple[str, ...] = ()  # IRIs of the first members, when asked for


def inverse_links(settings: Settings, entity: Entity, key: int) -> list[InverseList]:
    """Each to-many list of a node that the rows pointing at it state (a repair's
    ``odx:forHome``), with the URL of the Triple Pattern Fragment of those statements:
    paged, counted, and a subgraph of the dump like everything."""
    base = settings.base_iri
    subject = node_iri(base, entity, key)
    out = []
    for relation in entity.relations:
        if relation.cardinality is Cardinality.ONE or relation.source_is_array:
            continue
        back = pointing_back(relation)
        if back is None:
            continue  # the children's rows state the parent's link itself
        params = {"predicate": str(term(back.curie)), "object": subject}
        out.append(InverseList(term(relation.curie), fragment_url(base, params, 1)))
    return out


async def inverse_lists(
    db: Database, settings: Settings, principal: Principal, entity: Entity, key: int
) -> list[InverseList]:
    """``inverse_links`` with the first ``page_size_max`` members of each (for pages
    for people)."""
    out = []
    for found in inverse_links(settings, entity, key):
        relation = next(r for r in entity.relations if term(r.curie) == found.relation)
        target = MAPPING[relation.target]
        rows = await export.related_rows(
            db, relation, target, key, principal, settings.page_size_max, keys_only=True
        )
        members = tuple(node_iri(settings.base_iri, target, r["_key"]) for r in rows)
        out.append(InverseList(found.relation, found.fragment, members))
    return out


def pointing_back(relation: Relation) -> Relation | None:
    """The to-one relation of a to-many relation's target that links each target row
    back to its parent (``Repair.home`` for ``Home.repairs``), if the target has one."""
    target = MAPPING[relation.target]
    return next(
        (
            r
            for r in target.relations
            if r.cardinality is Cardinality.ONE and r.source_column == relation.target_column
        ),
        None,
    )


async def dump(
    db: Database,
    settings: Settings,
    principal: Principal,
    fmt: RdfFormat,
    ontology: Graph | None = None,
) -> AsyncIterator[bytes]:
    """Every node of the dataset in ``fmt``, produced batch by batch (constant memory),
    then every code list and concept as ``/code`` describes them (from ``ontology``, the
    packaged one by default)."""
    writer = WRITERS[fmt]()
    yield writer.header().encode()
    for entity in MAPPING.nodes:
        async for batch in export.stream_rows(db, entity, principal):
            triples = (t for row in batch for t in row_triples(entity, row, settings.base_iri))
            yield writer.chunk(triples).encode()
    ontology = ontology if ontology is not None else load_ontology()
    sor_rows = await export.sor_codes(db)
    for scheme in schemes(ontology):
        yield writer.chunk(scheme_triples(ontology, scheme, sor_rows)).encode()
    yield writer.footer().encode()


async def code_triple_count(db: Database, ontology: Graph | None = None) -> int:
    """How many triples the dump's code lists hold."""
    ontology = ontology if ontology is not None else load_ontology()
    versions = code_list_versions(ontology, await export.sor_codes(db))
    return sum(text.count("\n") for text in versions.values())


async def gzipped(chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """Gzip a byte stream on the fly."""
    compressor = zlib.compressobj(6, zlib.DEFLATED, 31)
    async for chunk in chunks:
        if data := compressor.compress(chunk):
            yield data
    yield compressor.flush()


def _coercion(scalar: Scalar) -> str | None:
    # JSON integers and booleans already have the right datatype; dates and decimals
    # travel as strings and need one. A float is a JSON number that JSON-LD reads as an
    # xsd:integer when it is whole (52) unless the term says xsd:double.
    return {
        Scalar.FLOAT: "xsd:double",
        Scalar.DATE: "xsd:date",
        Scalar.DATETIME: "xsd:dateTime",
        Scalar.DECIMAL: "xsd:decimal",
    }.get(scalar)


def _definitions(entity: Entity) -> dict[str, Any]:
    """Term definitions for the GraphQL names of one type's fields and relations."""
    terms: dict[str, Any] = {}
    for field in entity.fields:
        if field.as_of_today:
            terms[field.name] = None  # an age: in no served graph (see rdf.linked_fields)
            continue
        definition: dict[str, Any] = {"@id": field.curie}
        if field.iri_prefix:
            definition.update({"@type": "@id", "@context": {"@base": field.iri_prefix}})
        elif coercion := _coercion(field.type):
            definition["@type"] = coercion
        terms[field.name] = definition
    for relation in entity.relations:
        # A connection's value is a page, not the related thing: its wrapper keys fall to
        # the GraphQL vocabulary and its nodes keep their own IRIs.
        if relation.cardinality is not Cardinality.CONNECTION:
            terms[relation.name] = {"@id": relation.curie, "@type": "@id"}
    return terms


def graphql_context() -> dict[str, Any]:
    """A JSON-LD 1.1 context under which a GraphQL response (with ``iri`` and, ideally,
    ``__typename`` selected) reads as RDF in the ontology's terms."""
    context: dict[str, Any] = {
        "@version": 1.1,
        **PREFIXES,
        "@vocab": GRAPHQL_VOCAB,
        "iri": "@id",
        "__typename": "@type",
        "id": None,
    }
    per_entity = {e.name: _definitions(e) for e in MAPPING.entities}
    names: dict[str, list[Any]] = {}
    for terms in per_entity.values():
        for name, definition in terms.items():
            if definition not in names.setdefault(name, []):
                names[name].append(definition)
    shared = {name for name, definitions in names.items() if len(definitions) == 1}
    for name in sorted(shared):
        context[name] = names[name][0]
    for entity in MAPPING.entities:
        scoped = {n: d for n, d in per_entity[entity.name].items() if n not in shared}
        context[entity.name] = {"@id": entity.curie, "@context": scoped} if scoped else entity.curie
    return {"@context": context}


class TripleCount:
    """The dump's triple count, kept while the data's latest change stays the same (and
    for at most ``max_age`` seconds): counting scans every table."""

    def __init__(self, max_age: float = 600.0) -> None:
        self.max_age = max_age
        self._key: Any = None
        self._at = 0.0
        self._value: int | None = None
        self._lock = asyncio.Lock()

    async def get(self, db: Database, principal: Principal, modified: Any) -> int:
        """The count, recomputed only when the data changed or the value is old."""
        async with self._lock:  # one count at a time, however many requests ask
            fresh = time.monotonic() - self._at < self.max_age
            if self._value is None or self._key != modified or not fresh:
                self._value = await export.count_triples(db, MAPPING.nodes, principal)
                self._key, self._at = modified, time.monotonic()
            return self._value


async def void_description(
    db: Database,
    settings: Settings,
    principal: Principal,
    counter: TripleCount | None = None,
    ontology: Graph | None = None,
) -> Graph:
    """VoID and DCAT description of the dataset: licence, publisher, size, dumps."""
    base = settings.base_iri
    graph = bind_prefixes(Graph())
    for prefix, namespace in (("void", VOID), ("dcat", DCAT), ("foaf", FOAF)):
        graph.bind(prefix, namespace)
    dataset = URIRef(f"{base}/.well-known/void#dataset")
    graph.add((dataset, RDF.type, VOID.Dataset))
    graph.add((dataset, RDF.type, DCAT.Dataset))
    graph.add((dataset, DCTERMS.title, Literal(settings.dataset_title, lang="en")))
    graph.add(
        (
            dataset,
            DCTERMS.description,
            Literal(
                "Open housing data: homes keyed by UPRN, their components, repairs, "
                "contractors and landlords. No free text and no personal data.",
                lang="en",
            ),
        )
    )
    graph.add((dataset, DCTERMS.license, URIRef(settings.data_license)))
    publisher = URIRef(f"{base}/.well-known/void#publisher")
    graph.add((dataset, DCTERMS.publisher, publisher))
    graph.add((publisher, RDF.type, FOAF.Organization))
    graph.add((publisher, FOAF.name, Literal(settings.publisher)))
    modified = await export.latest_change(db, MAPPING.nodes)
    if modified is not None:
        graph.add((dataset, DCTERMS.modified, Literal(modified.isoformat(), datatype=XSD.dateTime)))
    counter = counter or TripleCount()
    triples = await counter.get(db, principal, modified)
    triples += await code_triple_count(db, ontology)
    graph.add((dataset, VOID.triples, Literal(triples, datatype=XSD.integer)))
    graph.add((dataset, VOID.uriSpace, Literal(f"{base}/id/")))
    graph.add((dataset, VOID.sparqlEndpoint, URIRef(f"{base}/sparql")))
    for scheme in schemes(ontology) if ontology is not None else ():
        # Each code list: its IRI as a vocabulary used, and where this server describes it.
        graph.add((dataset, VOID.vocabulary, scheme))
        graph.add((scheme, RDFS.seeAlso, URIRef(f"{base}/code/{scheme.rsplit('/', 1)[1]}")))
    graph.add((dataset, VOID.vocabulary, URIRef(ONTOLOGY_IRI)))
    # The SHACL shapes its documents, dumps and feed conform to, where this server serves them.
    graph.add((dataset, DCTERMS.conformsTo, URIRef(f"{base}/shapes")))
    graph.add((dataset, SH.shapesGraph, URIRef(f"{base}/shapes")))
    for suffix, fmt in DUMP_FORMATS.items():
        for compressed in (True, False):
            url = URIRef(f"{base}/dump.{suffix}{'.gz' if compressed else ''}")
            graph.add((dataset, VOID.dataDump, url))
            distribution = URIRef(f"{url}#distribution")
            graph.add((dataset, DCAT.distribution, distribution))
            graph.add((distribution, RDF.type, DCAT.Distribution))
            graph.add((distribution, DCAT.downloadURL, url))
            graph.add((distribution, DCAT.mediaType, Literal(fmt.media_type)))
            if compressed:
                graph.add((distribution, DCAT.compressFormat, Literal("application/gzip")))
    return graph
