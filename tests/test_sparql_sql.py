"""SPARQL aggregates answered by PostgreSQL give the store's very answer.

Every query here is asked twice over the same demo: translated to SQL
(``sparql_sql.compile_query`` and ``store.graph_match``) and evaluated by the embedded
Oxigraph store built from the change log. The answers must be the same terms, row for
row: over every mapped field, link and child list, and over filters, HAVING, ORDER BY,
DISTINCT and LIMIT at their edges.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from odx_graph.core.config import Settings
from odx_graph.core.errors import QueryTimeoutError
from odx_graph.mapping import MAPPING
from odx_graph.mapping import Cardinality
from odx_graph.mapping import Scalar
from odx_graph.services.insight.cache import InsightCache
from odx_graph.services.linked_data import sparql_answers
from odx_graph.services.linked_data import sparql_sql
from odx_graph.services.linked_data.feed import publish_all
from odx_graph.services.linked_data.rdf import linked_fields
from odx_graph.services.linked_data.rdf import term
from odx_graph.services.linked_data.sparql import SparqlStore
from odx_graph.services.linked_data.sparql_worker import evaluate
from odx_graph.store.db import READER_ROLE
from odx_graph.store.db import Database
from tests.support import running_app

BASE = "http://odx.test"
ODX = "https://w3id.org/odx/def#"
PREFIX = (
    f"PREFIX odx: <{ODX}>\nPREFIX xsd: <http://www.w3.org/2001/XMLSchema#>\n"
    "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
)
CAP = 1_000_000


@pytest.fixture(scope="module")
async def store(module_db: Database) -> AsyncIterator[SparqlStore]:
    reader = module_db.with_role(READER_ROLE)
    built = SparqlStore(Settings.from_env({}, base_iri=BASE, sparql_in_processes=False))
    while await publish_all(module_db):
        pass
    await built.build(reader)
    yield built
    built.close()


def _asking(
    reader: Database, answers: InsightCache | None = None, *, ready: bool = True, **settings: Any
) -> SparqlStore:
    """A store that asks PostgreSQL through ``reader`` (with no Oxigraph data: built or
    not, as ``ready`` says), as the server's is made."""
    given = Settings.from_env({}, base_iri=BASE, sparql_in_processes=False, **settings)
    asking = SparqlStore(given, lambda: reader, answers)
    asking.ready = ready
    return asking


async def _both(store: SparqlStore, reader: Database, query: str) -> tuple[list[Any], list[Any]]:
    """(PostgreSQL's rows, the store's rows), each as lists of term texts."""
    compiled = sparql_sql.compile_query(PREFIX + query, BASE)
    assert compiled is not None, f"not translated: {query}"
    # As the server asks: the statement with the LIMIT the cap and the query need.
    asking = _asking(reader, sparql_max_results=CAP)
    try:
        translated = (await asking.query(PREFIX + query, [], [])).rows
    finally:
        asking.close()
    answer = evaluate(store.store, PREFIX + query, [], [], CAP, lambda: False)
    assert answer.variables == compiled.variables

    def text(rows: list[Any]) -> list[Any]:
        return [tuple(None if t is None else str(t) for t in row) for row in rows]

    return text(translated), text(answer.rows)


async def _same(store: SparqlStore, reader: Database, query: str, *, ordered: bool) -> int:
    """Both paths give the same rows (in the same order when ``ordered``); how many."""
    ours, theirs = await _both(store, reader, query)
    if ordered:
        assert ours == theirs, query
    else:
        assert sorted(ours, key=str) == sorted(theirs, key=str), query
    return len(ours)


def _field_queries() -> list[tuple[str, str]]:
    """One grouped query per mapped field, link and child list of every node class."""
    out = []
    for entity in MAPPING.nodes:
        cls = f"<{term(entity.curie)}>"
        for item in linked_fields(entity):
            if item.many:
                continue
            p = f"<{term(item.curie)}>"
            extra = ""
            if not item.iri_prefix:
                extra = "(MIN(?v) AS ?lo) (MAX(?v) AS ?hi) "
            if item.type in (Scalar.INT, Scalar.DECIMAL) and not item.iri_prefix:
                extra += "(SUM(?v) AS ?sum) (AVG(?v) AS ?avg) (COUNT(DISTINCT ?v) AS ?d) "
            label = f"{entity.name}.{item.name}"
            out.append(
                (label, f"SELECT ?v (COUNT(*) AS ?n) WHERE {{ ?s a {cls} ; {p} ?v }} GROUP BY ?v")
            )
            out.append(
                (
                    label + " overall",
                    f"SELECT (COUNT(?s) AS ?n) {extra}WHERE {{ ?s a {cls} ; {p} ?v }}",
                )
            )
        for relation in entity.relations:
            if relation.cardinality is Cardinality.ONE and not relation.source_is_array:
                p = f"<{term(relation.curie)}>"
                target = MAPPING[relation.target]
                # A link to things of more than one class (a component's home or
                # building) says which it means by the target's class.
                typed = f" . ?t a <{term(target.curie)}>" if target.is_node else ""
                out.append(
                    (
                        f"{entity.name}.{relation.name}",
                        f"SELECT ?t (COUNT(?s) AS ?n) WHERE {{ ?s a {cls} ; {p} ?t{typed} }} "
                        "GROUP BY ?t",
                    )
                )
        for link in MAPPING.incoming_links(entity):
            parent = f"<{term(link.parent.curie)}>"
            p = f"<{term(link.relation.curie)}>"
            out.append(
                (
                    f"{link.parent.name}.{link.relation.name}",
                    f"SELECT ?p (COUNT(?c) AS ?n) WHERE {{ ?p a {parent} ; {p} ?c }} GROUP BY ?p",
                )
            )
    return out


FIELD_QUERIES = _field_queries()


@pytest.mark.parametrize(("label", "query"), FIELD_QUERIES, ids=[q[0] for q in FIELD_QUERIES])
async def test_every_mapped_term_aggregates_alike(
    store: SparqlStore, module_db: Database, label: str, query: str
) -> None:
    await _same(store, module_db.with_role(READER_ROLE), query, ordered=False)


async def test_the_demo_gives_every_type_of_value_to_compare(
    store: SparqlStore, module_db: Database
) -> None:
    # So that the comparison above is not of empty answers: every scalar type has values.
    reader = module_db.with_role(READER_ROLE)
    seen = set()
    for entity in MAPPING.nodes:
        for item in linked_fields(entity):
            if item.many or item.iri_prefix or item.type in seen:
                continue
            query = f"SELECT ?v WHERE {{ ?s <{term(item.curie)}> ?v }} LIMIT 1"
            if evaluate(store.store, query, [], [], 1, lambda: False).rows:
                seen.add(item.type)
    assert seen == set(Scalar)
    rows = await _same(store, reader, QUERIES[0], ordered=False)
    assert rows > 1


QUERIES = [
    # The benchmark's group questions.
    "SELECT ?d (SUM(?cost) AS ?total) WHERE { ?r odx:forHome ?h ; odx:cost ?cost . "
    "?h odx:postcodeDistrict ?d } GROUP BY ?d",
    "SELECT ?d (COUNT(?h) AS ?n) WHERE { ?h a odx:Home ; odx:postcodeDistrict ?d } GROUP BY ?d",
    # Joins through links, a child list and code lists.
    "SELECT ?trade ?p (COUNT(DISTINCT ?h) AS ?homes) (AVG(?cost) AS ?a) WHERE { ?r a odx:Repair ; "
    "odx:trade ?trade ; odx:priority ?p ; odx:forHome ?h ; odx:cost ?cost } GROUP BY ?trade ?p",
    "SELECT ?sor (SUM(?q) AS ?qty) (COUNT(*) AS ?n) WHERE { ?r odx:hasLine ?l . "
    "?l odx:sorItem ?sor ; odx:quantity ?q . ?r odx:forHome ?h . ?h odx:landlord ?o } "
    "GROUP BY ?sor",
    "SELECT ?o (COUNT(?r) AS ?n) (MIN(?at) AS ?first) (MAX(?at) AS ?last) WHERE { "
    "?r odx:landlord ?o ; odx:reportedAt ?at } GROUP BY ?o",
    # Filters: numbers at a bound, text, dates, instants with a zone, code and node IRIs.
    "SELECT (COUNT(*) AS ?n) WHERE { ?r a odx:Repair ; odx:cost ?c FILTER (?c >= 100) }",
    "SELECT (COUNT(*) AS ?n) WHERE { ?r a odx:Repair ; odx:cost ?c FILTER (?c > 100.0) }",
    "SELECT (COUNT(*) AS ?n) WHERE { ?r a odx:Repair ; odx:cost ?c FILTER (100 < ?c && ?c < 5e2) }",
    "SELECT ?d (COUNT(*) AS ?n) WHERE { ?h odx:postcodeDistrict ?d "
    'FILTER (STRSTARTS(?d, "E") || CONTAINS(?d, "1") || STRENDS(?d, "2")) } GROUP BY ?d',
    'SELECT (COUNT(*) AS ?n) WHERE { ?h odx:postcodeDistrict ?d FILTER (?d < "M") }',
    "SELECT (COUNT(*) AS ?n) WHERE { ?r a odx:Repair ; odx:reportedAt ?at "
    'FILTER (?at >= "2025-04-01T00:00:00+01:00"^^xsd:dateTime) }',
    "SELECT (COUNT(*) AS ?n) WHERE { ?r a odx:Repair ; odx:priority ?p ; odx:status ?s "
    "FILTER (?p = <https://w3id.org/odx/code/priority/1> && ?s != "
    "<https://w3id.org/odx/code/repair-status/completed>) }",
    "SELECT ?p (COUNT(*) AS ?n) WHERE { ?r odx:priority ?p ; "
    "odx:forHome <http://odx.test/id/home/1> } GROUP BY ?p",
    "SELECT (COUNT(*) AS ?n) WHERE { <http://odx.test/id/home/1> odx:postcode ?pc }",
    # An IRI of another class, or another code list, is another term.
    "SELECT (COUNT(*) AS ?n) WHERE { ?r odx:forHome ?h "
    "FILTER (?h != <http://odx.test/id/repair/1>) }",
    "SELECT (COUNT(*) AS ?n) WHERE { ?r odx:forHome ?h "
    "FILTER (?h = <http://odx.test/id/repair/1>) }",
    "SELECT (COUNT(*) AS ?n) WHERE { ?r odx:forHome ?h ; odx:landlord ?o FILTER (?h != ?o) }",
    "SELECT (COUNT(*) AS ?n) WHERE { ?r odx:priority ?p "
    "FILTER (?p != <https://w3id.org/odx/code/trade/1>) }",
    "SELECT (COUNT(*) AS ?n) WHERE { ?r odx:priority <https://w3id.org/odx/code/priority/none> }",
    "SELECT (COUNT(*) AS ?n) WHERE { ?r odx:forHome <http://odx.test/id/repair/1> }",
    # EXISTS and NOT EXISTS, sequence and inverse paths.
    "SELECT ?d (COUNT(?r) AS ?open) WHERE { ?r odx:forHome ?h . ?h odx:postcodeDistrict ?d "
    "FILTER NOT EXISTS { ?r odx:completedAt ?c } } GROUP BY ?d",
    "SELECT (COUNT(*) AS ?n) WHERE { ?r a odx:Repair "
    "FILTER EXISTS { ?r odx:hasLine ?l . ?l odx:quantity ?q FILTER (?q > 1) } }",
    "SELECT ?p (COUNT(*) AS ?n) WHERE { ?r odx:priority ?p FILTER (NOT EXISTS { "
    '?r odx:forHome ?h . ?h odx:postcodeDistrict ?d FILTER (STRSTARTS(?d, "E")) }) } '
    "GROUP BY ?p",
    "SELECT ?d (SUM(?c) AS ?t) WHERE { ?r odx:forHome/odx:postcodeDistrict ?d ; odx:cost ?c } "
    "GROUP BY ?d",
    "SELECT ?r (COUNT(?l) AS ?n) WHERE { ?l ^odx:hasLine ?r . ?r a odx:Repair } GROUP BY ?r",
    # The code lists' statements: labels, notations, flags, broader concepts.
    "SELECT ?label (COUNT(?r) AS ?n) WHERE { ?r odx:priority ?p . ?p skos:prefLabel ?label } "
    "GROUP BY ?label",
    "SELECT ?p ?label ?notation (COUNT(*) AS ?n) WHERE { ?r a odx:Repair ; odx:priority ?p . "
    "?p skos:prefLabel ?label ; skos:notation ?notation } GROUP BY ?p ?label ?notation",
    "SELECT ?open (COUNT(?r) AS ?n) (COUNT(DISTINCT ?s) AS ?statuses) WHERE { "
    "?r a odx:Repair ; odx:status ?s . ?s odx:isOpen ?open } GROUP BY ?open",
    "SELECT (COUNT(*) AS ?n) WHERE { ?r a odx:Repair ; odx:status ?s . ?s odx:isOpen true }",
    "SELECT (COUNT(*) AS ?n) WHERE { ?r a odx:Repair ; odx:status ?s . "
    '?s odx:isOpen "1"^^xsd:boolean }',
    "SELECT (COUNT(*) AS ?n) WHERE { ?r a odx:Repair ; odx:priority ?p . "
    '?p odx:responseHours "024"^^xsd:integer }',
    "SELECT (COUNT(*) AS ?n) WHERE { ?r a odx:Repair ; odx:priority ?p . "
    "?p odx:responseHours 24.0 }",
    "SELECT (COUNT(*) AS ?n) WHERE { ?r odx:trade ?t ; odx:forHome ?h . "
    '?t skos:prefLabel "Plumbing"@en }',
    "SELECT ?label (COUNT(*) AS ?n) WHERE { ?r a odx:Repair ; odx:trade ?t . "
    "?t skos:prefLabel ?label "
    'FILTER (?label != "Plumbing"@en) } GROUP BY ?label',
    "SELECT ?b (COUNT(?c) AS ?n) WHERE { ?x odx:hhsrsHazard ?c . ?c skos:broader ?b } GROUP BY ?b",
    "SELECT (COUNT(*) AS ?n) WHERE { <https://w3id.org/odx/code/priority/1> skos:prefLabel ?l }",
    # OPTIONAL: counted where bound, grouped as unbound where not.
    "SELECT ?h (COUNT(?r) AS ?repairs) (COUNT(*) AS ?rows) WHERE { ?h a odx:Home "
    "OPTIONAL { ?r odx:forHome ?h ; odx:cost ?c FILTER (?c > 150) } } GROUP BY ?h",
    "SELECT ?band (COUNT(?h) AS ?homes) WHERE { ?h a odx:Home "
    "OPTIONAL { ?e a odx:EnergyPerformanceCertificate ; odx:about ?h ; odx:epcBand ?band } } "
    "GROUP BY ?band",
    "SELECT (COUNT(*) AS ?n) (COUNT(DISTINCT ?c) AS ?cases) WHERE { ?h a odx:Home ; "
    "odx:postcodeDistrict ?d OPTIONAL { ?c a odx:DampMouldCase ; odx:about ?h } "
    'FILTER (!BOUND(?c) || STRSTARTS(?d, "E")) }',
    "SELECT ?d (COUNT(?r) AS ?open) WHERE { ?h odx:postcodeDistrict ?d OPTIONAL { "
    "?r odx:forHome ?h FILTER NOT EXISTS { ?r odx:completedAt ?at } } } GROUP BY ?d",
    # Comparisons decided before they run are still no match where a value is unbound.
    "SELECT ?r ?o WHERE { ?r a odx:Repair ; odx:forHome ?h OPTIONAL { ?r odx:contractor ?o } "
    "FILTER (?h != ?o) }",
    "SELECT ?r ?o WHERE { ?r a odx:Repair OPTIONAL { ?r odx:contractor ?o } "
    "FILTER (?o != <http://odx.test/id/home/1>) }",
    "SELECT ?r ?o WHERE { ?r a odx:Repair OPTIONAL { ?r odx:contractor ?o } "
    "FILTER (!(?o = <http://example.org/x>)) }",
    "SELECT ?r ?x WHERE { ?r a odx:Repair ; odx:priority ?p "
    "OPTIONAL { ?p odx:responseHours ?x } FILTER (?x != 999) }",
    # Numbers compare by value in a filter, and "1" is "1"^^xsd:string.
    "SELECT ?p WHERE { ?p odx:responseHours ?x . ?r odx:priority ?p ; a odx:Repair "
    "FILTER (?x = 24.0 || ?x = 2e0) }",
    "SELECT ?r WHERE { ?r a odx:Repair ; odx:priority ?p . ?p skos:notation ?l "
    'FILTER (?l = "1"^^xsd:string) }',
    'SELECT ?r WHERE { ?r a odx:Repair ; odx:priority ?p . ?p skos:notation "1"^^xsd:string }',
    # An IRI written otherwise than the server writes it names nothing here.
    "SELECT (COUNT(*) AS ?n) WHERE { ?r odx:priority <https://w3id.org/odx/code/priority/%31> }",
    "SELECT (COUNT(*) AS ?n) WHERE { ?r odx:priority ?p "
    "FILTER (?p = <https://w3id.org/odx/code/priority/%31>) }",
    "SELECT (COUNT(*) AS ?n) WHERE { ?r odx:forHome <http://odx.test/id/home/01> }",
    # HAVING sees a sum of nothing as 0, as the answer shows it.
    "SELECT (SUM(?c) AS ?s) WHERE { ?r a odx:Repair ; odx:cost ?c FILTER (?c > 1e12) } "
    "HAVING (SUM(?c) >= 0)",
    # Numbers at the edges of what the store reads: 64-bit integers, 18 decimal places.
    "SELECT (COUNT(*) AS ?n) WHERE { ?r a odx:Repair ; odx:cost ?c "
    "FILTER (?c > 12.340000000000000001) }",
    "SELECT (COUNT(*) AS ?n) WHERE { ?h a odx:Home ; odx:bedrooms ?b "
    "FILTER (?b < 9223372036854775807) }",
    # Nothing matches: a sum and an average of nothing are 0, a minimum is unbound.
    "SELECT (COUNT(*) AS ?n) (SUM(?c) AS ?s) (AVG(?c) AS ?a) (MIN(?c) AS ?m) WHERE { "
    "?r a odx:Repair ; odx:cost ?c FILTER (?c < 0) }",
    'SELECT ?d (COUNT(*) AS ?n) WHERE { ?h odx:postcodeDistrict ?d FILTER (?d = "ZZ9") } '
    "GROUP BY ?d",
]

# Listings: each match's variables, no aggregate.
LISTINGS = [
    "SELECT ?h ?pc WHERE { ?h a odx:Home ; odx:uprn ?u ; odx:postcode ?pc "
    'FILTER (STRSTARTS(?u, "1")) }',
    "SELECT ?r ?sor ?q WHERE { ?r odx:forHome <http://odx.test/id/home/3> ; odx:hasLine ?l . "
    "?l odx:sorItem ?sor ; odx:quantity ?q }",
    "SELECT ?r ?h WHERE { ?h odx:postcodeDistrict ?d . ?r odx:forHome ?h "
    'FILTER NOT EXISTS { ?r odx:completedAt ?c } FILTER (?d < "M") }',
    "SELECT DISTINCT ?d ?p WHERE { ?r odx:forHome/odx:postcodeDistrict ?d ; odx:priority ?p }",
    "SELECT ?h ?c WHERE { ?h a odx:Home OPTIONAL { ?c a odx:DampMouldCase ; odx:about ?h } }",
    "SELECT ?r ?label WHERE { ?r a odx:Repair ; odx:priority ?p . ?p skos:prefLabel ?label }",
]

LISTINGS_ORDERED = [
    "SELECT ?r ?c WHERE { ?r a odx:Repair ; odx:cost ?c } ORDER BY DESC(?c) ?r LIMIT 10",
    "SELECT ?r WHERE { ?r a odx:Repair ; odx:cost ?c } ORDER BY ?c ?r LIMIT 7 OFFSET 3",
    "SELECT ?h WHERE { ?h a odx:Home } ORDER BY ?h LIMIT 12",
    "SELECT ?h ?d WHERE { ?h odx:postcodeDistrict ?d ; odx:uprn ?u } ORDER BY DESC(?d) ?u LIMIT 9",
    "SELECT ?r ?at WHERE { ?r a odx:Repair ; odx:reportedAt ?at ; odx:priority ?p } "
    "ORDER BY ?p DESC(?at) ?r LIMIT 8",
    "SELECT ?h ?c WHERE { ?h a odx:Home OPTIONAL { ?c a odx:DampMouldCase ; odx:about ?h } } "
    "ORDER BY ?c ?h LIMIT 20",
    "SELECT DISTINCT ?d WHERE { ?h odx:postcodeDistrict ?d } ORDER BY ?d",
]


@pytest.mark.parametrize("query", LISTINGS)
async def test_listings_answer_alike(store: SparqlStore, module_db: Database, query: str) -> None:
    assert await _same(store, module_db.with_role(READER_ROLE), query, ordered=False) > 0


@pytest.mark.parametrize("query", LISTINGS_ORDERED)
async def test_ordered_listings_answer_alike_row_for_row(
    store: SparqlStore, module_db: Database, query: str
) -> None:
    assert await _same(store, module_db.with_role(READER_ROLE), query, ordered=True) > 0


ORDERED = [
    "SELECT ?d (COUNT(?h) AS ?n) WHERE { ?h a odx:Home ; odx:postcodeDistrict ?d } "
    "GROUP BY ?d ORDER BY DESC(?n) ?d LIMIT 5 OFFSET 1",
    "SELECT ?d (COUNT(?h) AS ?n) WHERE { ?h a odx:Home ; odx:postcodeDistrict ?d } "
    "GROUP BY ?d HAVING (COUNT(?h) >= 3) ORDER BY ?d",
    "SELECT DISTINCT (COUNT(?h) AS ?n) WHERE { ?h a odx:Home ; odx:postcodeDistrict ?d } "
    "GROUP BY ?d ORDER BY DESC(?n)",
    "SELECT ?h (SUM(?c) AS ?spent) WHERE { ?r odx:forHome ?h ; odx:cost ?c } "
    "GROUP BY ?h ORDER BY DESC(?spent) ?h LIMIT 10",
]


@pytest.mark.parametrize("query", QUERIES)
async def test_questions_answer_alike(store: SparqlStore, module_db: Database, query: str) -> None:
    await _same(store, module_db.with_role(READER_ROLE), query, ordered=False)


@pytest.mark.parametrize("query", ORDERED)
async def test_ordered_questions_answer_alike_row_for_row(
    store: SparqlStore, module_db: Database, query: str
) -> None:
    assert await _same(store, module_db.with_role(READER_ROLE), query, ordered=True) > 0


# A repair keeps its home's district (``Relation.copies``): a home reached only to read its
# district is not joined; any other use of the home joins it. (query, home joined)
COPIES = [
    (
        "SELECT ?d (SUM(?c) AS ?total) WHERE { ?r odx:forHome ?h ; odx:cost ?c . "
        "?h odx:postcodeDistrict ?d } GROUP BY ?d",
        False,
    ),
    (
        "SELECT ?d (COUNT(?r) AS ?n) WHERE { ?h odx:postcodeDistrict ?d . ?r odx:forHome ?h } "
        "GROUP BY ?d ORDER BY ?d",
        False,
    ),
    (
        "SELECT ?r ?h ?d WHERE { ?r odx:forHome ?h . ?h odx:postcodeDistrict ?d "
        'FILTER (?d = "E1") } ORDER BY ?r LIMIT 5',
        False,
    ),
    (
        "SELECT ?d (COUNT(?r) AS ?n) WHERE { ?r odx:forHome ?h . ?h odx:postcodeDistrict ?d ; "
        "odx:bedrooms ?b } GROUP BY ?d",
        True,
    ),
    (
        "SELECT ?d (COUNT(?r) AS ?n) WHERE { ?r odx:forHome ?h . ?h a odx:Home ; "
        "odx:postcodeDistrict ?d } GROUP BY ?d",
        True,
    ),
    (
        "SELECT ?d (COUNT(?s) AS ?n) WHERE { ?r odx:forHome ?h . ?s odx:forHome ?h . "
        "?h odx:postcodeDistrict ?d } GROUP BY ?d",
        True,
    ),
]


@pytest.mark.parametrize(("query", "joined"), COPIES)
async def test_a_value_the_linking_row_keeps_is_read_from_it(
    store: SparqlStore, module_db: Database, query: str, joined: bool
) -> None:
    compiled = sparql_sql.compile_query(PREFIX + query, BASE)
    assert compiled is not None
    assert (" home m" in compiled.sql) is joined, compiled.sql
    ordered = "ORDER BY" in query
    assert await _same(store, module_db.with_role(READER_ROLE), query, ordered=ordered) > 0


async def test_a_filter_at_its_bound(store: SparqlStore, module_db: Database) -> None:
    # The cheapest repair's cost: >= keeps it, > does not, and both paths agree.
    reader = module_db.with_role(READER_ROLE)
    cheapest = await reader.fetchval("SELECT min(cost) FROM repair WHERE cost IS NOT NULL")
    counts = {}
    for op in (">=", ">"):
        query = (
            "SELECT (COUNT(*) AS ?n) WHERE { ?r a odx:Repair ; odx:cost ?c "
            f'FILTER (?c {op} "{cheapest}"^^xsd:decimal) }}'
        )
        ours, theirs = await _both(store, reader, query)
        assert ours == theirs
        counts[op] = int(ours[0][0].split('"')[1])
    at_least = await reader.fetchval("SELECT count(*) FROM repair WHERE cost >= $1", cheapest)
    assert counts[">="] == at_least and counts[">"] < at_least


def test_an_average_divides_as_the_store_does() -> None:
    import decimal

    divide = sparql_answers.decimal_quotient
    assert divide(decimal.Decimal("5.5"), 3) == decimal.Decimal("1.833333333333333333")
    assert divide(decimal.Decimal("-2"), 3) == decimal.Decimal("-0.666666666666666666")
    assert divide(decimal.Decimal("30"), 3) == 10


@pytest.mark.parametrize(
    "query",
    [
        "SELECT ?h WHERE { ?h a odx:Home FILTER (isIRI(?h)) }",  # a builtin not translated
        "SELECT ?h ?x WHERE { ?h a odx:Home }",  # a variable no pattern binds
        "CONSTRUCT { ?h a odx:Home } WHERE { ?h a odx:Home }",
        "ASK { ?h a odx:Home }",
        "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",  # a variable predicate
        "SELECT (COUNT(*) AS ?n) WHERE { { ?h a odx:Home } UNION { ?h a odx:Repair } }",
        "SELECT (COUNT(*) AS ?n) FROM <http://odx.test/id/home/1> WHERE { ?h a odx:Home }",
        "SELECT (MIN(?h) AS ?m) WHERE { ?h a odx:Home }",  # IRIs order by their text
        "SELECT (SUM(?x) AS ?s) WHERE { ?h odx:latitude ?x }",  # a double's sum
        "SELECT (COUNT(*) AS ?n) WHERE { ?s odx:about ?h }",  # a case's? a certificate's?
        "SELECT (COUNT(*) AS ?n) WHERE { ?c a odx:Component ; odx:isComponentOf ?x }",
        'SELECT (COUNT(*) AS ?n) WHERE { ?h odx:postcode ?p FILTER REGEX(?p, "^E") }',
        "SELECT ((COUNT(*) + 1) AS ?n) WHERE { ?h a odx:Home }",
        "SELECT (GROUP_CONCAT(?d) AS ?all) WHERE { ?h odx:postcodeDistrict ?d }",
        'SELECT (COUNT(*) AS ?n) WHERE { ?r odx:reportedAt "2025-01-01T00:00:00Z"^^xsd:dateTime }',
        "SELECT (COUNT(*) AS ?n) WHERE { ?r a odx:Repair ; odx:reportedAt ?at "
        'FILTER (?at > "2025-01-01T00:00:00"^^xsd:dateTime) }',  # no zone
        "SELECT DISTINCT ?n WHERE { { SELECT ?d (COUNT(?h) AS ?n) WHERE { "
        "?h odx:postcodeDistrict ?d } GROUP BY ?d } } ORDER BY ?n",  # a subquery
        "SELECT (COUNT(*) AS ?n) WHERE { ?r odx:cost|odx:quantity ?c }",  # alternatives
        "SELECT (COUNT(*) AS ?n) WHERE { ?r odx:forHome+ ?h }",
        "SELECT (COUNT(*) AS ?n) WHERE { ?r a odx:Repair FILTER EXISTS { } }",
        "SELECT ?l (COUNT(*) AS ?n) WHERE { ?r odx:priority ?p . ?p skos:prefLabel ?l } "
        "GROUP BY ?l ORDER BY ?l",  # labels in several languages: the store orders them
        "SELECT (COUNT(*) AS ?n) WHERE { ?l odx:sorItem ?s . ?s skos:notation ?x }",  # a table's
        # Concepts of every list at once, and a statement no list of this kind makes.
        "SELECT ?scheme (COUNT(?c) AS ?n) WHERE { ?c skos:inScheme ?scheme ; a skos:Concept } "
        "GROUP BY ?scheme",
        "SELECT (COUNT(?c) AS ?n) WHERE { ?x odx:componentType ?c . ?c skos:broader ?b }",
        # An unbound value summed, joined again, or required after its OPTIONAL.
        "SELECT (SUM(?c) AS ?s) WHERE { ?h a odx:Home OPTIONAL { ?r odx:forHome ?h ; "
        "odx:cost ?c } }",
        "SELECT (COUNT(*) AS ?n) WHERE { ?h a odx:Home OPTIONAL { ?r odx:forHome ?h } "
        "OPTIONAL { ?r odx:cost ?c } }",
        "SELECT (COUNT(*) AS ?n) WHERE { ?h a odx:Home OPTIONAL { ?r odx:forHome ?h } "
        "?r odx:cost ?c }",
        # A variable bound later in the group, in an OPTIONAL or a group of its own.
        "SELECT ?h ?a WHERE { OPTIONAL { ?h odx:addressLine2 ?a } ?h a odx:Home }",
        "SELECT (COUNT(*) AS ?n) WHERE { ?h a odx:Home OPTIONAL { ?h odx:inBuilding ?b } "
        "?b a odx:Building }",
        "SELECT ?h ?a WHERE { ?h a odx:Home OPTIONAL { ?h odx:floorLevel ?a FILTER (?y > 0) } "
        "?h odx:yearBuilt ?y }",
        "SELECT (COUNT(*) AS ?n) WHERE { { ?h a odx:Home FILTER (?y > 1900) } "
        "?h odx:yearBuilt ?y }",
        # Objects of two code lists' statements, and a concept IRI written otherwise.
        "SELECT ?p ?q WHERE { ?p odx:responseHours ?x . ?q odx:responseWorkingDays ?y "
        "FILTER (?x = ?y) }",
        "SELECT ?l WHERE { <https://w3id.org/odx/code/priority/%31> skos:prefLabel ?l . "
        "?r odx:priority ?p ; a odx:Repair }",
        # Numbers the store does not read, malformed values, queries it refuses.
        "SELECT (COUNT(*) AS ?n) WHERE { ?h a odx:Home ; odx:bedrooms ?b "
        "FILTER (?b < 9223372036854775808) }",
        "SELECT (COUNT(*) AS ?n) WHERE { ?r a odx:Repair ; odx:cost ?c "
        "FILTER (?c > 12.3400000000000000001) }",
        "SELECT (COUNT(*) AS ?n) WHERE { ?r a odx:Repair ; odx:cost ?c "
        "FILTER (?c < 123456789012345678901.5) }",
        "SELECT (COUNT(*) AS ?n) WHERE { ?h a odx:Home ; odx:bedrooms ?b "
        'FILTER (?b > "abc"^^xsd:integer) }',
        "SELECT (COUNT(*) AS ?n) WHERE { ?r a odx:Repair ; odx:reportedAt ?d "
        'FILTER (?d = "2015-1-1T00:00:00Z"^^xsd:dateTime) }',
        "SELECT ?h (COUNT(*) AS ?h) WHERE { ?h a odx:Home } GROUP BY ?h",
        "SELECT (COUNT(*) AS ?n) WHERE { ?h odx:postcodeDistrict _:d "
        "OPTIONAL { ?x odx:town _:d } }",
        "SELECT (COUNT(*) AS ?n) WHERE { SERVICE <http://127.0.0.1:1/sparql> { ?s ?p ?o } }",
        "SELEKT nothing",
    ],
)
def test_what_is_not_translated_is_left_to_the_store(query: str) -> None:
    assert sparql_sql.compile_query(PREFIX + query, BASE) is None


async def test_the_store_asks_postgresql_and_stops_it_in_time(
    store: SparqlStore, module_db: Database
) -> None:
    reader = module_db.with_role(READER_ROLE)
    sent: list[str] = []
    reader.add_listener(sent.append)
    try:
        asking = _asking(reader)
        query = PREFIX + "SELECT (COUNT(?h) AS ?n) WHERE { ?h a odx:Home }"
        answer = await asking.query(query, [], [])
        homes = await reader.fetchval("SELECT count(*) FROM home")
        assert [str(t) for t in answer.rows[0]] == [
            f'"{homes}"^^<http://www.w3.org/2001/XMLSchema#integer>'
        ]
        assert any("FROM home" in s for s in sent)
        # A cross product of every repair three times over: stopped by the database.
        asking.settings = Settings.from_env(
            {}, base_iri=BASE, sparql_in_processes=False, sparql_timeout_ms=200
        )
        heavy = PREFIX + (
            "SELECT (COUNT(*) AS ?n) WHERE { ?a a odx:Repair . ?b a odx:Repair . ?c a odx:Repair }"
        )
        with pytest.raises(QueryTimeoutError):
            await asking.query(heavy, [], [])
        asking.close()
    finally:
        reader.remove_listener(sent.append)


async def test_answers_are_kept_until_a_write_is_committed(module_db: Database) -> None:
    reader = module_db.with_role(READER_ROLE)
    answers = InsightCache(8)
    asking = _asking(reader, answers)
    query = PREFIX + "SELECT (SUM(?c) AS ?total) WHERE { ?r a odx:Repair ; odx:cost ?c }"

    async def total() -> str:
        return str((await asking.query(query, [], [])).rows[0][0])

    first = await total()
    assert await total() == first
    assert (answers.misses, answers.hits) == (1, 1)
    repair = await module_db.fetchval("SELECT min(id) FROM repair WHERE cost IS NOT NULL")
    await module_db.execute("UPDATE repair SET cost = cost + 1 WHERE id = $1", repair)
    try:
        changed = await total()  # counted again at once: the data version moved
        assert changed != first
        assert answers.misses == 2
    finally:
        await module_db.execute("UPDATE repair SET cost = cost - 1 WHERE id = $1", repair)
    assert await total() == first
    asking.close()


@pytest.mark.parametrize("order", ["", " ORDER BY ?d"])
async def test_the_result_cap_at_its_edge(module_db: Database, order: str) -> None:
    reader = module_db.with_role(READER_ROLE)
    asking = _asking(reader, sparql_max_results=3)
    query = PREFIX + (
        "SELECT ?d (COUNT(?h) AS ?n) WHERE { ?h a odx:Home ; odx:postcodeDistrict ?d } GROUP BY ?d"
    )
    assert await reader.fetchval("SELECT count(DISTINCT postcode_district) FROM home") > 4
    at_cap = await asking.query(query + order + " LIMIT 3", [], [])
    assert len(at_cap.rows) == 3 and not at_cap.truncated
    over = await asking.query(query + order + " LIMIT 4", [], [])
    assert len(over.rows) == 3 and over.truncated
    unlimited = await asking.query(query + order, [], [])
    assert len(unlimited.rows) == 3 and unlimited.truncated
    if order:
        assert [r[0] for r in over.rows] == [r[0] for r in at_cap.rows]
    asking.close()


async def test_translated_queries_are_answered_while_the_store_is_built(
    module_db: Database,
) -> None:
    reader = module_db.with_role(READER_ROLE)
    async with running_app(module_db) as (http, app):
        # A store not built yet, as after a start with a large graph (the app's own
        # follower keeps building its own store, not this one).
        building = _asking(reader, ready=False)
        built, app.state.sparql = app.state.sparql, building
        try:
            count = PREFIX + "SELECT (COUNT(?h) AS ?n) WHERE { ?h a odx:Home }"
            answered = await http.get("/sparql", params={"query": count})
            assert answered.status_code == 200, answered.text
            homes = await module_db.fetchval("SELECT count(*) FROM home")
            assert answered.json()["results"]["bindings"][0]["n"]["value"] == str(homes)
            listing = PREFIX + "SELECT ?h WHERE { ?h a odx:Home FILTER (isIRI(?h)) }"
            busy = await http.get("/sparql", params={"query": listing})
            assert busy.status_code == 503
            assert busy.headers["retry-after"] == "5"
            # Refused outright, not "retry later".
            federated = "SELECT * WHERE { SERVICE <http://127.0.0.1:1/sparql> { ?s ?p ?o } }"
            refused = await http.get("/sparql", params={"query": federated})
            assert refused.status_code == 400
        finally:
            app.state.sparql = built
            building.close()


async def test_a_query_never_makes_the_server_ask_another_endpoint(module_db: Database) -> None:
    import http.server
    import threading

    asked: list[str] = []

    class Endpoint(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            asked.append(self.path)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Endpoint)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    endpoint = f"http://127.0.0.1:{server.server_address[1]}/sparql"
    try:
        async with running_app(module_db) as (http_client, _):
            for query in (
                f"SELECT * WHERE {{ SERVICE <{endpoint}> {{ ?s ?p ?o }} }}",
                f"SELECT (COUNT(*) AS ?n) WHERE {{ service silent <{endpoint}> {{ ?s ?p ?o }} }}",
                f"SELECT ?service WHERE {{ ?service <{ODX}uprn> ?o }} LIMIT 1",
            ):
                answer = await http_client.post("/sparql", data={"query": query})
                if "?service WHERE" in query:  # a variable called service is no call out
                    assert answer.status_code == 200, answer.text
                    continue
                assert answer.status_code == 400, answer.text
                assert "SERVICE" in answer.json()["errors"][0]["message"]
    finally:
        server.shutdown()
    assert asked == []
