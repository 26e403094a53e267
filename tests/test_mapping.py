"""The mapping and the ontology must describe the same terms: drift on either side fails."""

from __future__ import annotations

import pytest
from rdflib import OWL
from rdflib import RDF
from rdflib import RDFS
from rdflib import Graph
from rdflib import URIRef
from rdflib.namespace import SKOS
from rdflib.namespace import XSD

from odx_graph.core.access import PUBLIC
from odx_graph.core.vocab import ODX
from odx_graph.core.vocab import expand_curie
from odx_graph.mapping import MAPPING
from odx_graph.mapping import Entity
from odx_graph.mapping import FilterKind
from odx_graph.mapping import Scalar
from odx_graph.services.refdata import load_ontology
from odx_graph.store import sql
from odx_graph.store.db import Database

SCHEMA = "https://schema.org/"
XSD_OF = {
    Scalar.STRING: {XSD.string, XSD.anyURI},
    Scalar.INT: {XSD.integer},
    Scalar.FLOAT: {XSD.double},
    Scalar.BOOLEAN: {XSD.boolean},
    Scalar.DATE: {XSD.date},
    Scalar.DATETIME: {XSD.dateTime},
    Scalar.DECIMAL: {XSD.decimal},
}


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return load_ontology()


TERM_STATUS = URIRef("http://www.w3.org/2003/06/sw-vocab-status/ns#term_status")


def _odx_terms(graph: Graph, kind: URIRef) -> set[str]:
    """The odx: terms of ``kind`` the API promises: those marked ``vs:term_status "stable"``
    (terms marked "testing" are defined for the domain but not served yet)."""
    return {
        str(s)[len(ODX) :]
        for s in graph.subjects(RDF.type, kind)
        if str(s).startswith(ODX) and str(graph.value(s, TERM_STATUS)) == "stable"
    }


def _mapped_terms() -> tuple[set[str], set[str], set[str]]:
    classes, datatype, objects = set(), set(), set()
    for entity in MAPPING.entities:
        classes.add(entity.curie)
        for f in entity.fields:
            (objects if f.iri_prefix else datatype).add(f.curie)
        for r in entity.relations:
            objects.add(r.curie)
    odx = lambda terms: {t[4:] for t in terms if t.startswith("odx:")}  # noqa: E731
    return odx(classes), odx(datatype), odx(objects)


def test_every_mapped_class_and_property_is_in_the_ontology_and_back(ontology: Graph) -> None:
    classes, datatype, objects = _mapped_terms()
    assert classes == _odx_terms(ontology, OWL.Class)
    assert datatype == _odx_terms(ontology, OWL.DatatypeProperty)
    # Inverses exist in the ontology for navigation in both directions; each one the API
    # does not traverse must be the declared inverse of one it does.
    declared = _odx_terms(ontology, OWL.ObjectProperty)
    assert objects <= declared, objects - declared
    for term in declared - objects:
        inverse = {str(o)[len(ODX) :] for o in ontology.objects(URIRef(ODX + term), OWL.inverseOf)}
        inverse |= {
            str(s)[len(ODX) :] for s in ontology.subjects(OWL.inverseOf, URIRef(ODX + term))
        }
        assert inverse & objects, f"odx:{term} is neither mapped nor the inverse of a mapped term"


def test_non_odx_terms_use_known_vocabularies() -> None:
    for entity in MAPPING.entities:
        for f in entity.fields:
            assert f.curie.split(":")[0] in ("odx", "skos"), f"{entity.name}.{f.name}"
            expand_curie(f.curie)


def _allowed(graph: Graph, term: URIRef, direct: URIRef, includes: str) -> set[URIRef]:
    """Classes a term's domain (or range) admits, with their subclasses (RDFS semantics:
    a property whose domain is odx:Certificate applies to an EnergyPerformanceCertificate)."""
    named = set(graph.objects(term, direct)) | set(graph.objects(term, URIRef(SCHEMA + includes)))
    return {c for n in named for c in graph.transitive_subjects(RDFS.subClassOf, n)}


@pytest.mark.parametrize("entity", MAPPING.entities, ids=lambda e: e.name)
def test_domains_and_ranges_agree(ontology: Graph, entity: Entity) -> None:
    cls = URIRef(expand_curie(entity.curie))
    for f in entity.fields:
        if not f.curie.startswith("odx:"):
            continue
        term = URIRef(expand_curie(f.curie))
        assert cls in _allowed(ontology, term, RDFS.domain, "domainIncludes"), f.name
        if not f.iri_prefix:
            assert set(ontology.objects(term, RDFS.range)) & XSD_OF[f.type], f.name
    for r in entity.relations:
        if not r.curie.startswith("odx:"):
            # Other vocabularies' terms (prov:wasGeneratedBy) keep their own domains; the
            # shapes say what they may link.
            continue
        term = URIRef(expand_curie(r.curie))
        target = URIRef(expand_curie(MAPPING[r.target].curie))
        assert cls in _allowed(ontology, term, RDFS.domain, "domainIncludes"), r.name
        assert target in _allowed(ontology, term, RDFS.range, "rangeIncludes"), r.name


def test_every_term_has_label_and_definition(ontology: Graph) -> None:
    for kind in (OWL.Class, OWL.DatatypeProperty, OWL.ObjectProperty):
        for term in _odx_terms(ontology, kind):
            iri = URIRef(ODX + term)
            assert ontology.value(iri, RDFS.label), term
            assert ontology.value(iri, SKOS.definition), term


def test_every_mapped_thing_is_described() -> None:
    for entity in MAPPING.entities:
        assert entity.description
        for item in (*entity.fields, *entity.relations, *entity.filters, *entity.orders):
            assert item.description.strip(), f"{entity.name}.{item.name}"


def test_mapping_rejects_a_relation_to_an_unknown_entity() -> None:
    from dataclasses import replace

    from odx_graph.mapping import Mapping

    broken = replace(
        MAPPING["Home"],
        relations=(replace(MAPPING["Home"].relation("landlord"), target="Landlord"),),
    )
    with pytest.raises(ValueError, match="unknown Landlord"):
        Mapping(tuple(broken if e.name == "Home" else e for e in MAPPING.entities))


def test_mapping_rejects_a_private_field_that_cannot_be_null() -> None:
    from dataclasses import replace

    from odx_graph.mapping import Mapping

    home = MAPPING["Repair"]
    broken = replace(
        home,
        fields=tuple(
            replace(f, nullable=False) if f.name == "description" else f for f in home.fields
        ),
    )
    with pytest.raises(ValueError, match="private, so must be nullable"):
        Mapping(tuple(broken if e.name == "Repair" else e for e in MAPPING.entities))


@pytest.mark.parametrize("copied", ["description", "floorArea"])
def test_mapping_rejects_a_copy_of_a_private_or_unknown_field(copied: str) -> None:
    from dataclasses import replace

    from odx_graph.mapping import Mapping

    repair = MAPPING["Repair"]
    broken = replace(
        repair,
        relations=tuple(
            replace(r, target="Repair", copies=((copied, "x"),)) if r.name == "home" else r
            for r in repair.relations
        ),
    )
    with pytest.raises(ValueError, match=f"copies {copied}: not a public field"):
        Mapping(tuple(broken if e.name == "Repair" else e for e in MAPPING.entities))


_SAMPLE = {
    FilterKind.STRINGS: ["x"],
    FilterKind.CONTAINS: "%x%",
    FilterKind.INT: 1,
    FilterKind.BOOLEAN: True,
    FilterKind.IDS: [1],
    FilterKind.POSTCODE: "E1",
    FilterKind.UPRNS: [1],
}


@pytest.mark.parametrize("entity", MAPPING.entities, ids=lambda e: e.name)
async def test_mapped_sql_runs_against_the_migrated_schema(
    seeded_db: Database, entity: Entity
) -> None:
    import datetime as dt

    await seeded_db.fetch(f"{sql.by_keys_statement(entity, PUBLIC, 'http://x')} LIMIT 1", [])
    samples = {
        **_SAMPLE,
        FilterKind.DATE: dt.date(2020, 1, 1),
        FilterKind.DATETIME: dt.datetime(2020, 1, 1, tzinfo=dt.UTC),
    }
    for f in entity.filters:
        condition = (
            f.sql.replace("{postcode_column}", "postcode_district")
            .replace("{t}", "t")
            .replace("{p}", "$1")
        )
        await seeded_db.fetch(
            f"SELECT 1 FROM {entity.table} t WHERE {condition} LIMIT 1", samples[f.kind]
        )
    for order in entity.orders:
        await seeded_db.fetch(
            f"SELECT {sql.expr(order.sql)} FROM {entity.table} t ORDER BY 1 LIMIT 1"
        )


async def test_rows_by_key_with_some_fields_have_those_and_the_same_values(
    seeded_db: Database,
) -> None:
    from odx_graph.core.access import Principal
    from odx_graph.core.access import Tier
    from odx_graph.store import reads

    home = MAPPING["Home"]
    keys = [row["id"] for row in await seeded_db.fetch("SELECT id FROM home ORDER BY id LIMIT 5")]
    chosen = {"postcode", "addressLine1", "latitude"}
    for principal in (PUBLIC, Principal(tier=Tier.ADMIN)):
        whole = await reads.fetch_by_keys(seeded_db, home, keys, principal, "http://x")
        some = await reads.fetch_by_keys(seeded_db, home, keys, principal, "http://x", chosen)
        names = {f.name for f in home.fields}
        for full, part in zip(whole, some, strict=True):
            assert full is not None and part is not None
            columns = list(part.keys())  # a Record iterates over its values
            assert set(columns) & names == chosen
            assert "failsDisrepairCriterion" not in columns
            # The chosen fields, the key and the links read the same as in the whole row.
            assert [part[k] for k in columns] == [full[k] for k in columns]
