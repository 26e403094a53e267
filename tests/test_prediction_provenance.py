"""The models' provenance in PROV-O, compared with what it must say by graph isomorphism."""

from __future__ import annotations

import datetime as dt
from typing import Any

from rdflib import Graph
from rdflib.compare import isomorphic

from odx_graph.services.prediction.provenance import provenance_graph
from odx_graph.services.prediction.provenance import provenance_turtle

BASE = "http://odx.test"


def _model(version: int, auc: float | None) -> dict[str, Any]:
    return {
        "kind": "damp-mould",
        "version": version,
        "trained_at": dt.datetime(2026, 7, version, 9, 0, tzinfo=dt.UTC),
        "features_as_of": dt.date(2025, 6, 30),
        "outcomes_from": dt.date(2025, 6, 30),
        "outcomes_until": dt.date(2026, 6, 30),
        "examples": 120,
        "positives": 7,
        "software": "odx-graph 0.1.0",
        "metrics": {"backtest": {"model": {"auc": auc}}} if auc is not None else {},
    }


EXPECTED = """
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix schema: <https://schema.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix m: <http://odx.test/id/prediction-model/damp-mould/> .

m:1 a prov:Entity ;
    rdfs:label "damp-mould model, version 1"@en ;
    prov:wasGeneratedBy <http://odx.test/id/prediction-model/damp-mould/1/training> ;
    prov:generatedAtTime "2026-07-01T09:00:00+00:00"^^xsd:dateTime ;
    prov:wasAttributedTo <http://odx.test/id/software/odx-graph/0.1.0> .
m:2 a prov:Entity ;
    rdfs:label "damp-mould model, version 2"@en ;
    prov:wasGeneratedBy <http://odx.test/id/prediction-model/damp-mould/2/training> ;
    prov:generatedAtTime "2026-07-02T09:00:00+00:00"^^xsd:dateTime ;
    prov:wasAttributedTo <http://odx.test/id/software/odx-graph/0.1.0> ;
    prov:wasRevisionOf m:1 ;
    schema:additionalProperty [ a schema:PropertyValue ; schema:name "back-test AUC"@en ;
                                schema:value "0.7"^^xsd:double ] .
"""


COMMENT = (
    "features as of 2025-06-30; outcomes from 2025-06-30 until 2026-06-30; "
    "120 cases, 7 with the outcome"
)


def _activity(version: int) -> str:
    model = f"<http://odx.test/id/prediction-model/damp-mould/{version}>"
    return f"""
{model[:-1]}/training> a prov:Activity ;
    prov:endedAtTime "2026-07-0{version}T09:00:00+00:00"^^xsd:dateTime ;
    prov:used {model[:-1]}/training-data> ;
    prov:wasAssociatedWith <http://odx.test/id/software/odx-graph/0.1.0> .
{model[:-1]}/training-data> a prov:Entity ;
    rdfs:comment "{COMMENT}"@en ;
    dcterms:temporal [ a dcterms:PeriodOfTime ; dcat:startDate "2025-06-30"^^xsd:date ;
                       dcat:endDate "2026-06-30"^^xsd:date ] .
"""


def test_each_version_is_generated_by_its_training_and_revises_the_one_before() -> None:
    expected = Graph().parse(
        data=EXPECTED
        + _activity(1)
        + _activity(2)
        + """<http://odx.test/id/software/odx-graph/0.1.0> a prov:SoftwareAgent ;
                 rdfs:label "odx-graph 0.1.0" .""",
        format="turtle",
    )
    got = provenance_graph([_model(1, None), _model(2, 0.7)], BASE)
    assert isomorphic(got, expected)
    turtle = provenance_turtle([_model(1, None), _model(2, 0.7)], BASE)
    assert isomorphic(Graph().parse(data=turtle, format="turtle"), expected)
