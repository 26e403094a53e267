"""Turtle and JSON-LD in the odx ontology as import formats, read into the same records as
every format.

The graph is first completed with what an import implies and validated against
``ontology/shapes.ttl`` (SHACL, with the ontology as the ontology graph); every violation
is a problem naming the focus node, the property and the value. Then the one RDF reader
(:class:`odx_graph.services.linked_data.rdf_import.Reader`, naming things by the
importer's own references) reads the nodes of the classes an import can carry into rows,
and each row becomes a record. A node's IRI is the importing organisation's reference for
it, so links between nodes (a repair's ``odx:forHome``) are links between references,
and re-importing the same graph matches the same things; a home's ``odx:uprn`` links it
to a home already known by UPRN.

Imported: homes, components (of homes), repairs with their lines, contractors, damp and
mould cases and Energy Performance Certificates. Other nodes (landlords, references,
status events, buildings, imports, assertions, code-list concepts) are context, not
records, and are left alone: an export of this server imports as it is.

Parsing is :mod:`odx_graph.services.linked_data.rdf_input`'s: JSON-LD contexts are never
fetched (a context given by IRI must be an odx-graph server's own ``.../context.jsonld``,
used from the package), the statements are counted while read, and the whole reading runs
in a worker process.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from typing import Any

from rdflib import RDF
from rdflib import Graph
from rdflib import Literal
from rdflib import URIRef
from rdflib.term import Node

from odx_graph.mapping import MAPPING
from odx_graph.mapping import Entity
from odx_graph.mapping import snake_case
from odx_graph.services.importing.cells import CellError
from odx_graph.services.importing.cells import parse_postcode
from odx_graph.services.importing.records import ComponentRecord
from odx_graph.services.importing.records import ContractorRecord
from odx_graph.services.importing.records import DampMouldCaseRecord
from odx_graph.services.importing.records import EpcRecord
from odx_graph.services.importing.records import HomeLink
from odx_graph.services.importing.records import HomeRecord
from odx_graph.services.importing.records import Parsed
from odx_graph.services.importing.records import Problem
from odx_graph.services.importing.records import Record
from odx_graph.services.importing.records import RepairLineRecord
from odx_graph.services.importing.records import RepairRecord
from odx_graph.services.importing.records import mapped_attributes
from odx_graph.services.importing.textfile import safe_echo
from odx_graph.services.linked_data import rdf_input
from odx_graph.services.linked_data import shacl
from odx_graph.services.linked_data.rdf import term
from odx_graph.services.linked_data.rdf_import import Naming
from odx_graph.services.linked_data.rdf_import import Reader
from odx_graph.services.linked_data.rdf_import import where


def read_turtle(data: bytes, source: str) -> Parsed:
    """Read a Turtle document (in a worker process: see
    :mod:`odx_graph.services.linked_data.rdf_input`)."""
    return rdf_input.isolated(_read, data, source, "turtle")


def read_jsonld(data: bytes, source: str) -> Parsed:
    """Read a JSON-LD document (in a worker process: see
    :mod:`odx_graph.services.linked_data.rdf_input`)."""
    return rdf_input.isolated(_read, data, source, "json-ld")


def _read(data: bytes, source: str, syntax: str) -> Parsed:
    parsed = Parsed()
    try:
        graph = rdf_input.parse_graph(data, syntax)
    except rdf_input.RdfInputError as exc:
        parsed.reject(Problem("file", "", safe_echo(exc.value), exc.reason))
        return parsed
    _complete(graph)
    problems = _shacl(graph)
    # A postcode that cannot be read leaves its levels underived: one problem, not four.
    unreadable = {p.record for p in problems if p.field == "odx:postcode"}
    problems = [
        p
        for p in problems
        if not (p.record in unreadable and p.field in _POSTCODE_LEVELS and not p.value)
    ]
    for problem in problems:
        parsed.reject(problem)
    _Records(graph, parsed, {p.record for p in problems}).read()
    return parsed


IMPORTER = URIRef("urn:odx:importing-organisation")
_POSTCODE_LEVELS = ("odx:postcodeArea", "odx:postcodeDistrict", "odx:postcodeSector")


def _complete(graph: Graph) -> None:
    """Add what an import implies before validating: each home's postcode levels (derived
    from its postcode) and, for repairs and damp and mould cases that name no landlord,
    the importing organisation as landlord (it always is: landlords in the graph are
    context only)."""
    for home in set(graph.subjects(RDF.type, term("odx:Home"))):
        postcode = graph.value(home, term("odx:postcode"))
        try:
            normalised = parse_postcode(str(postcode)) if postcode is not None else None
        except CellError:
            continue  # the shapes report the postcode itself
        if normalised is None:
            continue
        outward, inward = normalised.split(" ")
        levels = {
            "odx:postcodeArea": re.sub(r"[0-9].*", "", outward),
            "odx:postcodeDistrict": outward,
            "odx:postcodeSector": f"{outward} {inward[0]}",
        }
        for curie, value in levels.items():
            if graph.value(home, term(curie)) is None:
                graph.add((home, term(curie), Literal(value)))
    landlord = term("odx:landlord")
    for kind in ("odx:Repair", "odx:DampMouldCase"):
        for subject in set(graph.subjects(RDF.type, term(kind))):
            if graph.value(subject, landlord) is None:
                graph.add((subject, landlord, IMPORTER))
    if (None, landlord, IMPORTER) in graph:
        graph.add((IMPORTER, RDF.type, term("odx:Organisation")))
        graph.add((IMPORTER, term("odx:name"), Literal("the importing organisation")))
        kind = MAPPING["OrganisationKind"].concept_iri("landlord")
        graph.add((IMPORTER, term("odx:organisationKind"), URIRef(kind)))


@cache
def _ontology(load: Any) -> Graph:
    graph: Graph = load()
    return graph


def _shacl(graph: Graph) -> list[Problem]:
    """Every SHACL violation of ``graph`` against the shapes, once each, as problems."""
    from odx_graph.services.refdata import load_ontology
    from odx_graph.services.refdata import load_shapes

    violations = shacl.validate(graph, load_shapes(), _ontology(load_ontology))
    problems = {
        Problem(
            where(v.focus) if v.focus is not None else "file",
            _curie(v.path),
            safe_echo("" if v.value is None else str(v.value)),
            v.message,
        ): None
        for v in violations
    }
    return sorted(problems, key=lambda p: (p.record, p.field, p.reason, p.value))


def _curie(node: Node | None) -> str:
    if node is None:
        return ""
    text = str(node)
    for prefix, base in (("odx:", "https://w3id.org/odx/def#"),):
        if text.startswith(base):
            return prefix + text[len(base) :]
    return text


class _Row:
    """One node's row as the RDF reader gave it, read by the mapping's names."""

    def __init__(self, entity: Entity, row: dict[str, Any]) -> None:
        self.entity = entity
        self.row = row

    def __call__(self, name: str) -> Any:
        """The value of the field or relation ``name`` (``None`` when not given)."""
        item = next((f for f in self.entity.fields if f.name == name), None)
        column = item.column if item is not None else self.entity.relation(name).source_column
        return self.row.get(column)

    def mapped(self, record_type: type) -> dict[str, Any]:
        """The values of the entity's imported fields as keyword arguments of
        ``record_type``: by attribute, and the others in ``more_fields`` (absent ones left
        out), as the CSV templates' rows give them."""
        values: dict[str, Any] = {}
        more: dict[str, Any] = {}
        for attribute, item, _ in mapped_attributes(record_type, self.entity):
            value = self.row.get(item.column)
            if attribute:
                values[attribute] = value
            elif value is not None:
                more[item.name] = value
        values["more_fields"] = more
        return values

    def coded(self, *names: str) -> dict[str, Any]:
        """The values of the relations ``names`` (codes) as keyword arguments of a record:
        by attribute, each relation's name in snake case."""
        return {snake_case(name): self(name) for name in names}


_CONTRACTOR = MAPPING["OrganisationKind"].concept_iri("contractor")


class _Records:
    """Reads the nodes of ``graph`` into records, adding to ``parsed``."""

    def __init__(self, graph: Graph, parsed: Parsed, flagged: set[str]) -> None:
        self.graph = graph
        self.parsed = parsed
        self.flagged = flagged  # nodes the shapes found wrong: said once, by the shapes

    def read(self) -> None:
        builders: dict[str, Callable[[str, _Row], Record | None]] = {
            "Organisation": self._contractor,
            "Home": self._home,
            "Component": self._component,
            "Repair": self._repair,
            "DampMouldCase": self._damp_mould_case,
            "EnergyPerformanceCertificate": self._certificate,
        }
        contractor = URIRef(_CONTRACTOR)
        kind = term(MAPPING["Organisation"].relation("kind").curie)

        def wanted(entity: Entity, subject: Node) -> bool:
            # Landlords and councils are context, not records.
            return entity.name != "Organisation" or (subject, kind, contractor) in self.graph

        reader = Reader(self.graph, naming=Naming.REFERENCE, wanted=wanted)
        self.rows = reader.read(MAPPING[name] for name in builders)
        for problem in reader.problems:
            self._problem(problem)
        for name, build in builders.items():
            entity = MAPPING[name]
            for iri, row in self.rows.get(name, {}).items():
                self.parsed.records_read += 1
                location = where(iri)
                if location in self.parsed.rejected:
                    continue
                record = build(iri, _Row(entity, row))
                if record is not None and location not in self.parsed.rejected:
                    self.parsed.records.append(record)
        self.parsed.records_read += sum(
            1 for problem in reader.problems if problem.reason.endswith("not a blank node")
        )

    def _problem(self, problem: Problem) -> None:
        if problem.record in self.flagged:  # the shapes have said what is wrong with it
            self.parsed.rejected.add(problem.record)
        else:
            self.parsed.reject(problem)

    def _required(self, iri: str, prop: str, reason: str = "is required") -> None:
        self._problem(Problem(where(iri), prop, "", reason))

    def _home_link(self, iri: str, row: _Row) -> HomeLink | None:
        home = row("home")
        if home is None:
            self._required(iri, row.entity.relation("home").curie, "needs a home (an IRI)")
            return None
        known = self.rows.get("Home", {}).get(home)
        return HomeLink(reference=home, uprn=known.get("uprn") if known else None)

    def _contractor(self, iri: str, row: _Row) -> Record | None:
        if row("name") is None:
            self._required(iri, "odx:name", "is required")
            return None
        return ContractorRecord(
            where(iri),
            iri,
            row("name"),
            row("registrationNumber"),
            tuple(sorted(row("trades") or ())),
            tuple(sorted(d.upper() for d in row("postcodeDistrictsServed") or ())),
            row("website"),
        )

    def _home(self, iri: str, row: _Row) -> Record | None:
        line, postcode = row("addressLine1"), row("postcode")
        if line is None or postcode is None:
            return None  # said by the reader, or by the shapes
        return HomeRecord(
            where(iri),
            iri,
            **row.coded("propertyType", "builtForm", "tenure"),
            **row.mapped(HomeRecord),
        )

    def _of_home(
        self,
        record_type: type[ComponentRecord | DampMouldCaseRecord],
        iri: str,
        row: _Row,
        needed: str,
        coded: tuple[str, ...],
    ) -> Record | None:
        """A record of a thing at a home: none without its home (said here) or the value
        ``needed`` (said by the reader, or by the shapes); else with the codes ``coded``
        and the mapped fields."""
        home = self._home_link(iri, row)
        if home is None or row(needed) is None:
            return None
        return record_type(where(iri), iri, home, **row.coded(*coded), **row.mapped(record_type))

    def _component(self, iri: str, row: _Row) -> Record | None:
        coded = ("componentType", "condition")
        return self._of_home(ComponentRecord, iri, row, "componentType", coded)

    def _repair(self, iri: str, row: _Row) -> Record | None:
        home = self._home_link(iri, row)
        priority, status, reported = row("priority"), row("status"), row("reportedAt")
        if home is None or priority is None or status is None or reported is None:
            return None
        lines = []
        entity = MAPPING["RepairLine"]
        for line_iri, values in self.rows.get("RepairLine", {}).items():
            if values.get("repair_id") != iri:
                continue
            line = _Row(entity, values)
            if line("sorCode") is None or line("quantity") is None:
                if where(line_iri) in self.flagged:  # its problem is reported on the line
                    self.parsed.rejected.add(where(iri))
                else:
                    self._required(iri, "odx:hasLine", "a line needs odx:sorCode and odx:quantity")
                continue
            record = RepairLineRecord(
                line("sorCode"), line("quantity"), line("unitCost"), line("cost")
            )
            lines.append((line("lineNumber") or 0, record))
        return RepairRecord(
            where(iri),
            iri,
            home,
            priority,
            status,
            trade=row("trade"),
            contractor_reference=row("contractor"),
            component_reference=row("component"),
            lines=[record for _, record in sorted(lines, key=lambda pair: pair[0])],
            **row.mapped(RepairRecord),
        )

    def _damp_mould_case(self, iri: str, row: _Row) -> Record | None:
        coded = ("hazardLevel", "hhsrsHazard", "hhsrsCategory", "severity")
        return self._of_home(DampMouldCaseRecord, iri, row, "awareAt", coded)

    def _certificate(self, iri: str, row: _Row) -> Record | None:
        key, lodged, home = row("lmkKey"), row("lodgementDate"), row("home")
        if key is None or lodged is None or home is None:
            return None
        known = self.rows.get("Home", {}).get(home) or {}
        return EpcRecord(
            where(iri),
            key,
            known.get("uprn"),
            known.get("address_line_1"),
            known.get("postcode"),
            lodged,
            row("inspectionDate"),
            row("certificateNumber"),
            row("sapScore"),
            row("potentialSapScore"),
            row("epcBand"),
            row("potentialEpcBand"),
        )
