"""One graph everywhere: each thing's served document is a subgraph of the dump and
valid against ``ontology/shapes.ttl``, for a sample of every class.

The shapes check a link's target by its class, which is stated in the target's own
document: each document is validated with the ``rdf:type`` triples of the things it links
to (from the dump) beside it, and every violation about a thing it describes counts."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs
from urllib.parse import urlsplit

import httpx
from rdflib import RDF
from rdflib import Graph
from rdflib import URIRef

from odx_graph.core.vocab import ODX
from odx_graph.mapping import MAPPING
from odx_graph.services.linked_data import shacl
from odx_graph.services.refdata import load_ontology
from odx_graph.services.refdata import load_shapes
from odx_graph.store.db import Database
from tests.support import running_app

BASE = "http://odx.test"
SAMPLE = 4  # things of each class: the first, the last and two with the most triples


def _sample(dump: Graph) -> dict[str, list[URIRef]]:
    by_class: dict[str, list[URIRef]] = {}
    for entity in MAPPING.nodes:
        subjects = sorted(
            (
                s
                for s in dump.subjects(RDF.type, URIRef(ODX + entity.curie[4:]))
                if isinstance(s, URIRef)
            ),
            key=str,
        )
        richest = sorted(subjects, key=lambda s: -len(list(dump.predicate_objects(s))))
        picked = dict.fromkeys([*subjects[:1], *subjects[-1:], *richest[: SAMPLE - 2]])
        by_class[entity.name] = list(picked)
    return by_class


async def test_every_document_is_a_valid_subgraph_of_the_dump(
    client: httpx.AsyncClient, seeded_db: Database
) -> None:
    dump = Graph().parse(data=(await client.get("/dump.nt")).content, format="nt")
    shapes, ontology = load_shapes(), load_ontology()
    sample = _sample(dump)
    assert all(sample.values()), [name for name, found in sample.items() if not found]
    for name, subjects in sample.items():
        for subject in subjects:
            for fmt, parser in (("nt", "nt"), ("ttl", "turtle"), ("jsonld", "json-ld")):
                response = await client.get(f"{subject[len(BASE) :]}?format={fmt}")
                assert response.status_code == 200, (subject, fmt, response.text[:300])
                document = Graph().parse(data=response.content, format=parser)
                extra = set(document) - set(dump)
                assert not extra, (name, subject, fmt, sorted(extra)[:3])
            described = set(document.subjects(RDF.type, None))
            context = Graph()
            for triple in document:
                context.add(triple)
                for node in (triple[0], triple[2]):
                    if isinstance(node, URIRef) and node.startswith(BASE):
                        for kind in dump.objects(node, RDF.type):
                            context.add((node, RDF.type, kind))
            violations = [
                v for v in shacl.validate(context, shapes, ontology) if v.focus in described
            ]
            assert not violations, (name, subject, violations[:3])


async def test_a_long_list_is_a_link_to_the_rows_stating_it(module_db: Database) -> None:
    """A home's repairs are not in its graph: its ``Link`` header (and its page) point
    at the fragment of the repairs' own ``odx:forHome``, which lists every one."""
    key = await module_db.fetchval(
        "SELECT home_id FROM repair GROUP BY home_id ORDER BY count(*) DESC, home_id LIMIT 1"
    )
    repairs = {
        f"{BASE}/id/repair/{r}"
        for r in await module_db.fetchval(
            "SELECT array_agg(id) FROM repair WHERE home_id = $1", key
        )
    }
    async with running_app(module_db) as (client, _):
        response = await client.get(f"/id/home/{key}", headers={"Accept": "text/turtle"})
        document = Graph().parse(data=response.content, format="turtle")
        assert not list(document.objects(None, URIRef(ODX + "hasRepair")))
        links = {
            rel: href
            for href, rel in re.findall(r'<([^>]*)>; rel="([^"]*)"', response.headers["link"])
        }
        href = links[ODX + "hasRepair"]
        query = parse_qs(urlsplit(href).query)
        assert query == {"predicate": [ODX + "forHome"], "object": [f"{BASE}/id/home/{key}"]}
        fragment = await client.get(href[len(BASE) :], headers={"Accept": "text/turtle"})
        listed = Graph().parse(data=fragment.content, format="turtle")
        assert {str(s) for s in listed.subjects(URIRef(ODX + "forHome"), None)} == repairs
        page = await client.get(f"/id/home/{key}", headers={"Accept": "text/html"})
        assert html.escape(href) in page.text


CLOCK = re.compile(
    r"current_date|current_timestamp|localtimestamp|now\(\)|clock_timestamp|"
    r"statement_timestamp|transaction_timestamp",
    re.IGNORECASE,
)


def test_every_field_that_reads_the_clock_is_left_out_of_linked_data() -> None:
    for entity in MAPPING.entities:
        for field in entity.fields:
            reads_clock = bool(CLOCK.search(field.sql))
            assert reads_clock == field.as_of_today, (entity.name, field.name)


async def test_no_served_graph_depends_on_the_day(
    client: httpx.AsyncClient, seeded_db: Database
) -> None:
    """An age changes at midnight without any write: a version published today would
    differ from tomorrow's dump. The graphs hold the dates instead."""
    ages = {URIRef(ODX + f.curie[4:]) for e in MAPPING.entities for f in e.fields if f.as_of_today}
    assert {str(a).rsplit("#", 1)[1] for a in ages} >= {"ageInYears", "failsDisrepairCriterion"}
    dump = Graph().parse(data=(await client.get("/dump.nt")).content, format="nt")
    assert not {p for p in dump.predicates() if p in ages}
    for kept in ("installDate", "expectedLifetime"):
        assert (None, URIRef(ODX + kept), None) in dump
    key = await seeded_db.fetchval(
        "SELECT id FROM component WHERE install_date IS NOT NULL ORDER BY id LIMIT 1"
    )
    document = Graph().parse(
        data=(await client.get(f"/id/component/{key}?format=nt")).content, format="nt"
    )
    assert (None, URIRef(ODX + "installDate"), None) in document
    assert not {p for p in document.predicates() if p in ages}
    logged = await seeded_db.fetchval(
        "SELECT triples FROM change_log WHERE segment = 'component' AND key = $1 "
        "ORDER BY position DESC LIMIT 1",
        key,
    )
    assert "installDate" in logged and not any(str(a) in logged for a in ages)
    # Read with the JSON-LD context, a response's ages say nothing either.
    context = (await client.get("/context.jsonld")).json()["@context"]
    assert context["ageInYears"] is None and context["failsDisrepairCriterion"] is None
