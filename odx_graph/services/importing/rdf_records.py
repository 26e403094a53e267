"""Turtle and JSON-LD in the odx ontology, read into the same records as every format.

The graph is first validated against ``ontology/shapes.ttl`` (SHACL, with the ontology as
the ontology graph); every violation is a problem naming the focus node, the property and
the value. Then each node of a class an import can carry becomes a record. A node's IRI
is the importing organisation's reference for it, so links between nodes (a repair's
``odx:forHome``) are links between references, and re-importing the same graph matches
the same things; a home's ``odx:uprn`` links it to a home already known by UPRN.

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

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

from rdflib import RDF, Graph, Literal, URIRef
from rdflib.term import Node

from odx_graph.mapping import MAPPING, Entity
from odx_graph.services.importing.cells import CellError, parse_datetime, parse_postcode, parse_uprn
from odx_graph.services.importing.records import (
    ComponentRecord,
    ContractorRecord,
    DampMouldCaseRecord,
    EpcRecord,
    HomeLink,
    HomeRecord,
    Parsed,
    Problem,
    Record,
    RepairLineRecord,
    RepairRecord,
    more_fields_of,
)
from odx_graph.services.importing.textfile import safe_echo
from odx_graph.services.linked_data import rdf_input, shacl
from odx_graph.services.linked_data.rdf import parse_concept_iri, term
from odx_graph.services.linked_data.rdf_import import field_value


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
    from odx_graph.services.refdata import load_ontology, load_shapes

    violations = shacl.validate(graph, load_shapes(), _ontology(load_ontology))
    problems = {
        Problem(
            _where(v.focus),
            _curie(v.path),
            safe_echo("" if v.value is None else str(v.value)),
            v.message,
        ): None
        for v in violations
    }
    return sorted(problems, key=lambda p: (p.record, p.field, p.reason, p.value))


def _where(node: Node | None) -> str:
    return f"<{str(node)[:200]}>" if node is not None else "file"


def _curie(node: Node | None) -> str:
    if node is None:
        return ""
    text = str(node)
    for prefix, base in (("odx:", "https://w3id.org/odx/def#"),):
        if text.startswith(base):
            return prefix + text[len(base) :]
    return text


class _Records:
    """Reads the nodes of ``graph`` into records, adding to ``parsed``."""

    def __init__(self, graph: Graph, parsed: Parsed, flagged: set[str]) -> None:
        self.graph = graph
        self.parsed = parsed
        self.flagged = flagged  # nodes the shapes found wrong: said once, by the shapes

    def read(self) -> None:
        readers = {
            "Organisation": self._contractor,
            "Home": self._home,
            "Component": self._component,
            "Repair": self._repair,
            "DampMouldCase": self._damp_mould_case,
            "EnergyPerformanceCertificate": self._certificate,
        }
        for name, read in readers.items():
            entity = MAPPING[name]
            for subject in sorted(self.graph.subjects(RDF.type, term(entity.curie)), key=str):
                if not isinstance(subject, URIRef):
                    self._problem(subject, "", "a record needs an IRI, not a blank node")
                    continue
                self.parsed.records_read += 1
                where = _where(subject)
                if where in self.parsed.rejected:
                    continue
                record = read(subject, where)
                if record is not None and where not in self.parsed.rejected:
                    self.parsed.records.append(record)

    # -- values -------------------------------------------------------------------

    def _problem(self, subject: Node, prop: str, reason: str, value: object = "") -> None:
        where = _where(subject)
        if where in self.flagged:  # the shapes have said what is wrong with this node
            self.parsed.rejected.add(where)
            return
        self.parsed.reject(Problem(where, prop, safe_echo(str(value)), reason))

    def _one(self, subject: Node, entity: str, name: str) -> Node | None:
        spec = MAPPING[entity]
        item = next((f for f in spec.fields if f.name == name), None)
        curie = item.curie if item is not None else spec.relation(name).curie
        return self.graph.value(subject, term(curie))

    def text(self, subject: Node, entity: str, name: str) -> str | None:
        value = self._one(subject, entity, name)
        return None if value is None else str(value).strip() or None

    def number(self, subject: Node, entity: str, name: str) -> Any:
        value = self._one(subject, entity, name)
        if value is None:
            return None
        python = value.toPython() if isinstance(value, Literal) else None
        if isinstance(python, bool) or not isinstance(python, int | float | Decimal):
            self._problem(subject, name, "is not a number", value)
            return None
        return python

    def decimal(self, subject: Node, entity: str, name: str) -> Decimal | None:
        value = self.number(subject, entity, name)
        try:
            return None if value is None else Decimal(str(value))
        except InvalidOperation:
            self._problem(subject, name, "is not a number", value)
            return None

    def boolean(self, subject: Node, entity: str, name: str) -> bool | None:
        value = self._one(subject, entity, name)
        python = value.toPython() if isinstance(value, Literal) else None
        return python if isinstance(python, bool) else None

    def moment(self, subject: Node, entity: str, name: str) -> dt.datetime | None:
        value = self._one(subject, entity, name)
        if value is None:
            return None
        try:
            return parse_datetime(str(value))
        except CellError as exc:
            self._problem(subject, name, exc.reason, value)
            return None

    def day(self, subject: Node, entity: str, name: str) -> dt.date | None:
        value = self._one(subject, entity, name)
        python = value.toPython() if isinstance(value, Literal) else None
        if value is not None and not isinstance(python, dt.date):
            self._problem(subject, name, "is not a date", value)
            return None
        return python if isinstance(python, dt.date) else None

    def code(self, subject: Node, entity: str, relation: str) -> str | None:
        value = self._one(subject, entity, relation)
        if value is None:
            return None
        target: Entity = MAPPING[MAPPING[entity].relation(relation).target]
        code = parse_concept_iri(target, str(value))
        if code is None:
            self._problem(subject, relation, f"is not a concept of the {target.name} list", value)
        return code

    def codes(self, subject: Node, entity: str, relation: str) -> tuple[str, ...]:
        spec = MAPPING[entity]
        target = MAPPING[spec.relation(relation).target]
        found = []
        for value in self.graph.objects(subject, term(spec.relation(relation).curie)):
            code = parse_concept_iri(target, str(value))
            if code is None:
                self._problem(subject, relation, f"is not a {target.name} concept", value)
            else:
                found.append(code)
        return tuple(sorted(found))

    def uprn(self, subject: Node) -> int | None:
        value = self.text(subject, "Home", "uprn")
        if value is None:
            return None
        try:
            return parse_uprn(value)
        except CellError as exc:
            self._problem(subject, "odx:uprn", exc.reason, value)
            return None

    def home_link(self, subject: Node, entity: str, relation: str) -> HomeLink | None:
        home = self._one(subject, entity, relation)
        if not isinstance(home, URIRef):
            self._problem(subject, relation, "needs a home (an IRI)")
            return None
        uprn = self.uprn(home) if (home, RDF.type, term("odx:Home")) in self.graph else None
        return HomeLink(reference=str(home), uprn=uprn)

    def link(self, subject: Node, entity: str, relation: str) -> str | None:
        value = self._one(subject, entity, relation)
        return str(value) if isinstance(value, URIRef) else None

    def more_fields(self, subject: Node, entity: Entity, record_type: type) -> dict[str, Any]:
        """The values of ``entity``'s imported fields that ``record_type`` keeps in
        ``more_fields``, read by the mapping-driven reader's rule (absent ones left out)."""
        values = {}
        for item in more_fields_of(record_type, entity):
            given = self.graph.value(subject, term(item.curie))
            if given is None:
                continue
            value, reason = field_value(item, given)
            if reason:
                self._problem(subject, item.curie, reason, given)
            else:
                values[item.name] = value
        return values

    # -- records ------------------------------------------------------------------

    def _contractor(self, subject: URIRef, where: str) -> Record | None:
        if self.code(subject, "Organisation", "kind") != "contractor":
            self.parsed.records_read -= 1  # landlords and councils are context, not records
            return None
        name = self.text(subject, "Organisation", "name")
        if name is None:
            self._problem(subject, "odx:name", "is required")
            return None
        districts = sorted(
            str(v).strip().upper()
            for v in self.graph.objects(subject, term("odx:postcodeDistrictServed"))
        )
        return ContractorRecord(
            where,
            str(subject),
            name,
            self.text(subject, "Organisation", "registrationNumber"),
            self.codes(subject, "Organisation", "trades"),
            tuple(districts),
            self.text(subject, "Organisation", "website"),
        )

    def _home(self, subject: URIRef, where: str) -> Record | None:
        line = self.text(subject, "Home", "addressLine1")
        raw_postcode = self.text(subject, "Home", "postcode")
        postcode = None
        if raw_postcode is not None:
            try:
                postcode = parse_postcode(raw_postcode)
            except CellError as exc:
                self._problem(subject, "odx:postcode", exc.reason, raw_postcode)
        if line is None or postcode is None:
            if line is None:
                self._problem(subject, "odx:addressLine1", "is required")
            return None
        authority = self._one(subject, "Home", "localAuthorityCode")
        return HomeRecord(
            where,
            str(subject),
            self.uprn(subject),
            line,
            postcode,
            self.text(subject, "Home", "addressLine2"),
            self.text(subject, "Home", "town"),
            str(authority).rsplit("/", 1)[-1] if authority is not None else None,
            self.number(subject, "Home", "latitude"),
            self.number(subject, "Home", "longitude"),
            self.code(subject, "Home", "propertyType"),
            self.code(subject, "Home", "builtForm"),
            self.number(subject, "Home", "bedrooms"),
            self.number(subject, "Home", "floorLevel"),
            self.number(subject, "Home", "yearBuilt"),
            tenure=self.code(subject, "Home", "tenure"),
            more_fields=self.more_fields(subject, MAPPING["Home"], HomeRecord),
        )

    def _component(self, subject: URIRef, where: str) -> Record | None:
        home = self.home_link(subject, "Component", "home")
        kind = self.code(subject, "Component", "componentType")
        if home is None or kind is None:
            return None
        return ComponentRecord(
            where,
            str(subject),
            home,
            kind,
            self.day(subject, "Component", "installDate"),
            self.code(subject, "Component", "condition"),
            self.text(subject, "Component", "make"),
            self.text(subject, "Component", "model"),
            self.day(subject, "Component", "lastServicedDate"),
            more_fields=self.more_fields(subject, MAPPING["Component"], ComponentRecord),
        )

    def _repair(self, subject: URIRef, where: str) -> Record | None:
        home = self.home_link(subject, "Repair", "home")
        priority = self.code(subject, "Repair", "priority")
        status = self.code(subject, "Repair", "status")
        reported = self.moment(subject, "Repair", "reportedAt")
        if home is None or priority is None or status is None or reported is None:
            return None
        lines = []
        for line in self.graph.objects(subject, term(MAPPING["Repair"].relation("lines").curie)):
            number = self.number(line, "RepairLine", "lineNumber")
            code = self.text(line, "RepairLine", "sorCode")
            quantity = self.decimal(line, "RepairLine", "quantity")
            if code is None or quantity is None:
                if _where(line) in self.flagged:  # its problem is reported on the line
                    self.parsed.rejected.add(where)
                else:
                    self._problem(
                        subject, "odx:hasLine", "a line needs odx:sorCode and odx:quantity"
                    )
                continue
            lines.append(
                (
                    number or 0,
                    RepairLineRecord(
                        code,
                        quantity,
                        self.decimal(line, "RepairLine", "unitCost"),
                        self.decimal(line, "RepairLine", "cost"),
                    ),
                )
            )
        return RepairRecord(
            where,
            str(subject),
            home,
            priority,
            status,
            reported,
            self.moment(subject, "Repair", "raisedAt"),
            self.moment(subject, "Repair", "targetAt"),
            self.moment(subject, "Repair", "completedAt"),
            self.code(subject, "Repair", "trade"),
            self.link(subject, "Repair", "contractor"),
            self.link(subject, "Repair", "component"),
            self.text(subject, "Repair", "description"),
            self.decimal(subject, "Repair", "cost"),
            [record for _, record in sorted(lines, key=lambda pair: pair[0])],
            more_fields=self.more_fields(subject, MAPPING["Repair"], RepairRecord),
        )

    def _damp_mould_case(self, subject: URIRef, where: str) -> Record | None:
        home = self.home_link(subject, "DampMouldCase", "home")
        aware = self.moment(subject, "DampMouldCase", "awareAt")
        if home is None or aware is None:
            return None
        moments = {
            name: self.moment(subject, "DampMouldCase", name)
            for name in (
                "investigationStartedAt",
                "investigationCompletedAt",
                "writtenSummarySentAt",
                "madeSafeAt",
                "furtherWorksStartedAt",
                "furtherWorksCompletedAt",
                "escalatedAt",
            )
        }
        return DampMouldCaseRecord(
            where,
            str(subject),
            home,
            aware,
            self.code(subject, "DampMouldCase", "hazardLevel"),
            self.code(subject, "DampMouldCase", "hhsrsHazard"),
            self.code(subject, "DampMouldCase", "hhsrsCategory"),
            self.code(subject, "DampMouldCase", "severity"),
            moments["investigationStartedAt"],
            moments["investigationCompletedAt"],
            moments["writtenSummarySentAt"],
            moments["madeSafeAt"],
            self.boolean(subject, "DampMouldCase", "furtherWorksRequired"),
            moments["furtherWorksStartedAt"],
            moments["furtherWorksCompletedAt"],
            moments["escalatedAt"],
            self.boolean(subject, "DampMouldCase", "alternativeAccommodationOffered"),
            more_fields=self.more_fields(subject, MAPPING["DampMouldCase"], DampMouldCaseRecord),
        )

    def _certificate(self, subject: URIRef, where: str) -> Record | None:
        entity = "EnergyPerformanceCertificate"
        key = self.text(subject, entity, "lmkKey")
        lodged = self.day(subject, entity, "lodgementDate")
        home = self._one(subject, entity, "home")
        if key is None or lodged is None or not isinstance(home, URIRef):
            if key is None:
                self._problem(subject, "odx:lmkKey", "is required")
            return None
        known = (home, RDF.type, term("odx:Home")) in self.graph
        postcode = self.text(home, "Home", "postcode") if known else None
        return EpcRecord(
            where,
            key,
            self.uprn(home) if known else None,
            self.text(home, "Home", "addressLine1") if known else None,
            parse_postcode(postcode) if postcode else None,
            lodged,
            self.day(subject, entity, "inspectionDate"),
            self.text(subject, entity, "certificateNumber"),
            self.number(subject, entity, "sapScore"),
            self.number(subject, entity, "potentialSapScore"),
            self.code(subject, entity, "epcBand"),
            self.code(subject, entity, "potentialEpcBand"),
        )
