"""The one RDF reader's rules, as the import formats and an export read back both see them:
node IRIs as the server's keys or the importer's references, text trimmed, date-times
without an offset in UK local time, UPRNs and postcodes read as every format reads them,
problems naming the node as ``<iri>`` with the value given."""

from __future__ import annotations

import datetime as dt

from rdflib import RDF
from rdflib import Graph
from rdflib import Literal
from rdflib import URIRef
from rdflib.namespace import XSD

from odx_graph.mapping import MAPPING
from odx_graph.mapping import Field
from odx_graph.services.importing.rdf_format import read_turtle
from odx_graph.services.importing.records import HomeRecord
from odx_graph.services.importing.records import RepairRecord
from odx_graph.services.linked_data.rdf_import import Naming
from odx_graph.services.linked_data.rdf_import import Reader
from odx_graph.services.linked_data.rdf_import import field_value

ODX = "https://w3id.org/odx/def#"
PREFIXES = """@prefix odx: <https://w3id.org/odx/def#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""


def _field(entity: str, name: str) -> Field:
    return next(f for f in MAPPING[entity].fields if f.name == name)


def _repair(reported: str) -> bytes:
    return (
        PREFIXES
        + f"""<https://data.example.org/home/7> a odx:Home ;
    odx:uprn "990000000077" ; odx:addressLine1 "7 Mill Lane" ; odx:postcode "LS9 8AB" .
<https://data.example.org/repair/7> a odx:Repair ;
    odx:forHome <https://data.example.org/home/7> ;
    odx:raisedAt "{reported}"^^xsd:dateTime ;
    odx:priority <https://w3id.org/odx/code/priority/4> ;
    odx:status <https://w3id.org/odx/code/repair-status/reported> ;
    odx:reportedAt "{reported}"^^xsd:dateTime .
"""
    ).encode()


def test_a_date_time_without_an_offset_is_uk_local_time() -> None:
    summer = read_turtle(_repair("2025-07-01T09:00:00"), "r.ttl")
    [_, record] = summer.records
    assert isinstance(record, RepairRecord)
    assert record.reported_at == dt.datetime(2025, 7, 1, 8, 0, tzinfo=dt.UTC)
    winter = read_turtle(_repair("2025-01-06T09:00:00"), "r.ttl").records[1]
    assert isinstance(winter, RepairRecord)
    assert winter.reported_at == dt.datetime(2025, 1, 6, 9, 0, tzinfo=dt.UTC)
    # With an offset, the offset is kept.
    given = read_turtle(_repair("2025-07-01T09:00:00+02:00"), "r.ttl").records[1]
    assert isinstance(given, RepairRecord)
    assert given.reported_at == dt.datetime(2025, 7, 1, 7, 0, tzinfo=dt.UTC)


def test_a_local_time_the_clocks_skipped_is_a_problem_naming_the_node() -> None:
    # 01:00 on 30 March 2025 never happened in the UK; 00:59:59 and 02:00 did.
    parsed = read_turtle(_repair("2025-03-30T01:00:00"), "r.ttl")
    assert [type(r) for r in parsed.records] == [HomeRecord]
    assert {(p.record, p.field, p.value) for p in parsed.problems} == {
        ("<https://data.example.org/repair/7>", field, "2025-03-30T01:00:00")
        for field in ("odx:raisedAt", "odx:reportedAt")
    }
    assert all("clocks went forward" in p.reason for p in parsed.problems)
    for edge, utc in (("2025-03-30T00:59:59", (0, 59, 59)), ("2025-03-30T02:00:00", (1, 0, 0))):
        [_, record] = read_turtle(_repair(edge), "r.ttl").records
        assert isinstance(record, RepairRecord)
        assert record.reported_at == dt.datetime(2025, 3, 30, *utc, tzinfo=dt.UTC)


def test_links_are_between_the_importers_references() -> None:
    [_, record] = read_turtle(_repair("2025-01-06T09:00:00Z"), "r.ttl").records
    assert isinstance(record, RepairRecord)
    assert record.home.reference == "https://data.example.org/home/7"
    assert record.home.uprn == 990000000077
    assert record.location == "<https://data.example.org/repair/7>"


def test_imported_text_is_trimmed_and_blank_text_is_no_value() -> None:
    document = (
        PREFIXES
        + """<https://data.example.org/home/7> a odx:Home ;
    odx:uprn "990000000077" ; odx:addressLine1 "  7 Mill Lane " ;
    odx:addressLine2 "   " ; odx:town "Leeds" ; odx:postcode "LS9 8AB" .
"""
    ).encode()
    parsed = read_turtle(document, "h.ttl")
    assert parsed.problems == [], parsed.problems
    [home] = parsed.records
    assert isinstance(home, HomeRecord)
    assert home.reference == "https://data.example.org/home/7"
    assert (home.address_line_1, home.address_line_2, home.town) == ("7 Mill Lane", None, "Leeds")
    assert (home.uprn, home.postcode) == (990000000077, "LS9 8AB")


def test_field_values_follow_the_mapping() -> None:
    uprn = _field("Home", "uprn")
    assert field_value(uprn, Literal("1")) == (1, "")
    assert field_value(uprn, Literal("999999999999")) == (999999999999, "")
    value, reason = field_value(uprn, Literal("1234567890123"))
    assert value is None and "more than 12 digits" in reason
    # A building's UPRN is a UPRN too (the mapping says so), though imports never write it.
    assert field_value(_field("Building", "uprn"), Literal("42")) == (42, "")
    # Text that is not imported is kept as given.
    assert field_value(_field("RepairLine", "sorCode"), Literal(" 601101")) == (" 601101", "")
    moment = _field("Repair", "reportedAt")
    assert field_value(moment, Literal("2025-01-06T09:00:00Z", datatype=XSD.dateTime)) == (
        dt.datetime(2025, 1, 6, 9, 0, tzinfo=dt.UTC),
        "",
    )
    value, reason = field_value(moment, Literal("2025-01-06", datatype=XSD.date))
    assert value is None and reason.startswith("expected an")


def test_server_iris_are_keys_and_other_iris_are_refused() -> None:
    graph = Graph()
    ours = URIRef("http://odx.test/id/building/5")
    theirs = URIRef("https://data.example.org/building/5")
    for node in (ours, theirs):
        graph.add((node, RDF.type, URIRef(ODX + "Building")))
        graph.add((node, URIRef(ODX + "name"), Literal("Mill Court")))
        graph.add((node, URIRef(ODX + "uprn"), Literal("10")))
    reader = Reader(graph, "http://odx.test")
    rows = reader.read([MAPPING["Building"]])
    assert list(rows["Building"]) == [5]
    assert (rows["Building"][5]["uprn"], rows["Building"][5]["name"]) == (10, "Mill Court")
    [problem] = reader.problems
    assert problem.record == f"<{theirs}>" and problem.field == "rdf:type"
    by_reference = Reader(graph, naming=Naming.REFERENCE).read([MAPPING["Building"]])
    assert sorted(by_reference["Building"]) == sorted([str(ours), str(theirs)])
