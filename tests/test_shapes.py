"""SHACL shapes: exported graphs conform, and each kind of bad data is caught where it is.

The graphs are written by hand following the export rules: subjects ``{base}/id/{segment}/
{key}`` with one ``odx:`` type, one triple per field value typed by its XSD datatype, code-list
values as concept IRIs, and parent-to-child links as ``odx:hasLine``, ``odx:hasStatusEvent``
and ``odx:hasReference``. Validation uses the ontology as the ontology graph, no inference.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import pytest
from pyshacl import validate
from rdflib import OWL
from rdflib import RDF
from rdflib import RDFS
from rdflib import Graph
from rdflib import Literal
from rdflib import Namespace
from rdflib import URIRef
from rdflib.collection import Collection
from rdflib.namespace import PROV
from rdflib.namespace import SH
from rdflib.namespace import SKOS
from rdflib.namespace import XSD
from rdflib.term import Node

from odx_graph.core.vocab import CODE_BASE
from odx_graph.core.vocab import ODX
from odx_graph.core.vocab import ontology_dir
from odx_graph.mapping import MAPPING

odx = Namespace(ODX)
VS = Namespace("http://www.w3.org/2003/06/sw-vocab-status/ns#")
SCHEMA = Namespace("https://schema.org/")
ID = Namespace("https://data.example.org/id/")
CODE = Namespace(CODE_BASE)

# The classes and properties the API serves, as they were before any "testing" term was added.
STABLE_CLASSES = {
    "Organisation", "Reference", "Building", "Home", "Component", "Repair", "RepairLine",
    "RepairStatusEvent", "OrganisationKind", "PropertyType", "BuiltForm", "Priority",
    "RepairStatus", "Trade", "ComponentType", "Condition", "SorCode", "DampMouldCase",
    "EnergyPerformanceCertificate", "Import", "Assertion", "HhsrsHazard", "HhsrsCategory",
    "AwaabHazardLevel", "DampMouldSeverity", "EpcBand", "CertificateType", "TsmMeasure",
    "TsmAnswer", "InvestmentProgramme", "PlannedWork", "ProgrammeKind", "PlannedWorkStatus",
    "Site", "Tenure",
}  # fmt: skip
STABLE_PROPERTIES = {
    # datatype properties
    "name", "registrationNumber", "postcodeDistrictServed", "website", "referenceValue",
    "referenceDescription", "uprn", "toid", "storeys", "constructionType", "yearBuilt",
    "postcode", "postcodeArea", "postcodeDistrict", "postcodeSector", "addressLine1",
    "addressLine2", "town", "latitude", "longitude", "bedrooms", "floorLevel", "installDate",
    "make", "model", "lastServicedDate", "description", "reportedAt", "raisedAt", "targetAt",
    "completedAt", "cost", "lineNumber", "sorCode", "quantity", "unitCost", "occurredAt",
    "note", "responseHours", "responseWorkingDays", "isEmergency", "isOpen", "isKeyComponent",
    "lifetimeHouse", "lifetimeLowRiseFlat", "lifetimeHighRiseFlat", "sorSchedule",
    "expectedLifetime", "ageInYears", "remainingLifetime", "isPastLifetime",
    "failsDisrepairCriterion", "awareAt", "investigationStartedAt", "investigationCompletedAt",
    "writtenSummarySentAt", "madeSafeAt", "furtherWorksRequired", "furtherWorksStartedAt",
    "furtherWorksCompletedAt", "escalatedAt", "alternativeAccommodationOffered",
    "investigateWithinHours", "investigateWithinWorkingDays", "summaryWithinWorkingDays",
    "makeSafeWithinHours", "makeSafeWithinWorkingDays", "lmkKey", "certificateNumber",
    "issueDate", "expiryDate", "lodgementDate", "inspectionDate", "sapScore",
    "potentialSapScore", "sapScoreMin", "sapScoreMax", "importFormat", "fileName", "fileHash",
    "mediaType", "startedAt", "endedAt", "recordsRead", "recordsCreated", "recordsUpdated",
    "recordsUnchanged", "recordsRejected", "problemCount", "assertedProperty", "assertedValue",
    "assertedAt", "countsAsSatisfied", "stage", "financialYear", "budget", "plannedDate",
    "actualCost", "completionDate", "estimatedCost", "plannedYear",
    "estateReference", "estatePostcode", "tenureGroup",
    # object properties
    "organisationKind", "organisationRole", "trade", "allocatedBy", "hasReference",
    "referenceOf", "landlord",
    "landlordOf", "contractor", "contractorFor", "inBuilding", "hasHome", "isComponentOf",
    "hasComponent", "forHome", "hasRepair", "affectsComponent", "affectedByRepair", "hasLine",
    "lineOf", "hasStatusEvent", "statusEventOf", "priority", "status", "componentType",
    "condition", "propertyType", "builtForm", "localAuthority", "sorItem", "about",
    "hazardLevel", "hhsrsHazard", "hhsrsCategory", "dampMouldSeverity", "certificateType",
    "epcBand", "potentialEpcBand", "importedBy", "imported", "assertedBy", "hasAssertion",
    "hasDampMouldCase", "hasCertificate", "programmeKind", "plannedWorkStatus",
    "replacesRepair", "hasPlannedReplacement", "hasPlannedWork", "partOfPlan",
    "plannedComponentType", "replacesComponent", "tenure",
    "hasBuilding", "listsHome", "includesHome",
    "inEstate",
    # annotation property
    "hactName",
}  # fmt: skip
TERM_KINDS = (OWL.Class, OWL.DatatypeProperty, OWL.ObjectProperty, OWL.AnnotationProperty)

PREFIXES = f"""
@base <{ID}> .
@prefix odx: <{ODX}> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix unit: <http://qudt.org/vocab/unit/> .
@prefix ons: <http://statistics.data.gov.uk/id/statistical-geography/> .
@prefix organisation-kind: <{CODE_BASE}organisation-kind/> .
@prefix property-type: <{CODE_BASE}property-type/> .
@prefix built-form: <{CODE_BASE}built-form/> .
@prefix priority: <{CODE_BASE}priority/> .
@prefix repair-status: <{CODE_BASE}repair-status/> .
@prefix trade: <{CODE_BASE}trade/> .
@prefix component-type: <{CODE_BASE}component-type/> .
@prefix condition: <{CODE_BASE}condition/> .
@prefix sor: <{CODE_BASE}sor/> .
@prefix hhsrs-hazard: <{CODE_BASE}hhsrs-hazard/> .
@prefix hhsrs-category: <{CODE_BASE}hhsrs-category/> .
@prefix awaab-hazard-level: <{CODE_BASE}awaab-hazard-level/> .
@prefix damp-mould-severity: <{CODE_BASE}damp-mould-severity/> .
@prefix epc-band: <{CODE_BASE}epc-band/> .
@prefix certificate-type: <{CODE_BASE}certificate-type/> .
@prefix tsm-measure: <{CODE_BASE}tsm-measure/> .
@prefix tsm-answer: <{CODE_BASE}tsm-answer/> .
@prefix observed-property: <{CODE_BASE}observed-property/> .
"""

# One record of each class the API serves, as the public export writes them.
EXPORT = """
<organisation/1> a odx:Organisation ;
    odx:name "Northbank Homes" ;
    odx:registrationNumber "L1234" ;
    odx:website "https://northbank.example" ;
    odx:organisationKind organisation-kind:landlord .

<organisation/2> a odx:Organisation ;
    odx:name "Fixwell Repairs Ltd" ;
    odx:organisationKind organisation-kind:contractor ;
    odx:postcodeDistrictServed "SW1A", "E1" ;
    odx:trade trade:PL, trade:EL .

<reference/1> a odx:Reference ;
    odx:referenceValue "NBH-000123" ;
    odx:referenceDescription "housing management system property reference" ;
    odx:allocatedBy <organisation/1> .

<building/1> a odx:Building ;
    odx:uprn "10033544614" ;
    odx:toid "osgb1000005123456" ;
    odx:name "Rose Court" ;
    odx:storeys 6 ;
    odx:constructionType "concrete frame" ;
    odx:yearBuilt 1968 ;
    odx:postcode "SW1A 2AA" ;
    odx:landlord <organisation/1> .

<home/1> a odx:Home ;
    odx:uprn "100023336956" ;
    odx:addressLine1 "Flat 3, Rose Court" ;
    odx:addressLine2 "12 Acacia Avenue" ;
    odx:town "London" ;
    odx:postcode "SW1A 2AA" ;
    odx:postcodeArea "SW" ;
    odx:postcodeDistrict "SW1A" ;
    odx:postcodeSector "SW1A 2" ;
    odx:localAuthority ons:E09000033 ;
    odx:latitude "51.50354"^^xsd:double ;
    odx:longitude "-0.127695"^^xsd:double ;
    odx:bedrooms 2 ;
    odx:floorLevel 1 ;
    odx:yearBuilt 1968 ;
    odx:landlord <organisation/1> ;
    odx:inBuilding <building/1> ;
    odx:propertyType property-type:flat ;
    odx:builtForm built-form:mid-terrace ;
    odx:hasReference <reference/1> .

<component/1> a odx:Component ;
    odx:installDate "2015-03-02"^^xsd:date ;
    odx:make "Worcester" ;
    odx:model "Greenstar 30i" ;
    odx:lastServicedDate "2025-11-20"^^xsd:date ;
    odx:componentType component-type:gas-boiler ;
    odx:condition condition:fair ;
    odx:isComponentOf <home/1> .

<repair/1> a odx:Repair ;
    odx:reportedAt "2026-01-05T09:12:00Z"^^xsd:dateTime ;
    odx:raisedAt "2026-01-05T09:30:00Z"^^xsd:dateTime ;
    odx:targetAt "2026-01-06T09:12:00Z"^^xsd:dateTime ;
    odx:completedAt "2026-01-05T16:45:00Z"^^xsd:dateTime ;
    odx:cost 145.50 ;
    odx:forHome <home/1> ;
    odx:landlord <organisation/1> ;
    odx:contractor <organisation/2> ;
    odx:affectsComponent <component/1> ;
    odx:priority priority:2 ;
    odx:status repair-status:complete ;
    odx:trade trade:PL ;
    odx:hasLine <repair-line/1> ;
    odx:hasStatusEvent <repair-status-event/1> .

<repair-line/1> a odx:RepairLine ;
    odx:lineNumber 1 ;
    odx:sorCode "AS000002" ;
    odx:quantity 1.00 ;
    odx:unitCost 145.50 ;
    odx:cost 145.50 ;
    odx:sorItem sor:AS000002 .

<repair-status-event/1> a odx:RepairStatusEvent ;
    odx:occurredAt "2026-01-05T16:45:00Z"^^xsd:dateTime ;
    odx:status repair-status:complete .
"""

# One record of each class defined for the domain but not yet served, linked to the above.
DOMAIN = """
<site/1> a odx:Site ;
    odx:name "Acacia Estate" ;
    odx:estateReference "E-7" ;
    odx:estatePostcode "SW1A 2", "SW1A 2AA" ;
    odx:listsHome <home/1> ;
    odx:includesHome <home/1> ;
    odx:lsoa ons:E01004736 ;
    odx:hasBuilding <building/1> ;
    odx:landlord <organisation/1> .

<space/1> a odx:Space ; odx:name "Bedroom 1" ; odx:spaceOf <home/1> .

<address/1> a odx:PostalAddress ;
    odx:buildingNumber "12" ;
    odx:buildingName "Rose Court" ;
    odx:streetName "Acacia Avenue" ;
    odx:postTown "London" ;
    odx:postcode "SW1A 2AA" .

<case/1> a odx:DampMouldCase ;
    odx:about <home/1> ;
    odx:landlord <organisation/1> ;
    odx:awareAt "2026-02-02T10:00:00Z"^^xsd:dateTime ;
    odx:hhsrsHazard hhsrs-hazard:1 ;
    odx:hhsrsCategory hhsrs-category:2 ;
    odx:hazardLevel awaab-hazard-level:significant ;
    odx:dampMouldSeverity damp-mould-severity:medium ;
    odx:investigationStartedAt "2026-02-09T10:00:00Z"^^xsd:dateTime ;
    odx:investigationCompletedAt "2026-02-09T11:30:00Z"^^xsd:dateTime ;
    odx:writtenSummarySentAt "2026-02-10T15:00:00Z"^^xsd:dateTime ;
    odx:madeSafeAt "2026-02-13T12:00:00Z"^^xsd:dateTime ;
    odx:furtherWorksRequired true ;
    odx:furtherWorksStartedAt "2026-03-02T08:00:00Z"^^xsd:dateTime ;
    odx:furtherWorksCompletedAt "2026-03-06T17:00:00Z"^^xsd:dateTime ;
    odx:alternativeAccommodationOffered false ;
    odx:slaBreached false ;
    odx:inSpace <space/1> ;
    odx:hasInvestigation <investigation/1> ;
    odx:hasWorkOrder <repair/1> .

<investigation/1> a odx:Investigation ;
    odx:investigationOf <case/1> ;
    odx:startedAt "2026-02-09T10:00:00Z"^^xsd:dateTime ;
    odx:endedAt "2026-02-09T11:30:00Z"^^xsd:dateTime ;
    odx:hazardConfirmed true ;
    odx:hhsrsHazard hhsrs-hazard:1 .

<certificate/1> a odx:EnergyPerformanceCertificate ;
    odx:certificateType certificate-type:epc ;
    odx:about <home/1> ;
    odx:certificateNumber "0240-2893-7929-9690-0125" ;
    odx:inspectionDate "2021-02-15"^^xsd:date ;
    odx:lodgementDate "2021-02-22"^^xsd:date ;
    odx:issueDate "2021-02-22"^^xsd:date ;
    odx:expiryDate "2031-02-21"^^xsd:date ;
    odx:epcBand epc-band:C ;
    odx:sapScore 72 ;
    odx:potentialEpcBand epc-band:B ;
    odx:potentialSapScore 84 ;
    odx:lmkKey "5cb9fa3be789df637c7c20acac4e19c5ebf691f0f0d78f2a1b5f30c8b336bba6" .

<certificate/2> a odx:GasSafetyRecord ;
    odx:certificateType certificate-type:lgsr ;
    odx:about <home/1> ;
    odx:issueDate "2025-11-20"^^xsd:date ;
    odx:expiryDate "2026-11-19"^^xsd:date ;
    odx:issuedBy <organisation/2> .

<certificate/3> a odx:ElectricalInstallationConditionReport ;
    odx:certificateType certificate-type:eicr ;
    odx:about <home/1> ;
    odx:issueDate "2024-05-01"^^xsd:date ;
    odx:expiryDate "2029-04-30"^^xsd:date ;
    odx:satisfactory true .

<certificate/4> a odx:FireRiskAssessment ;
    odx:certificateType certificate-type:fra ;
    odx:about <building/1> ;
    odx:issueDate "2025-06-01"^^xsd:date .

<plan/1> a odx:InvestmentPlan ;
    odx:name "Asset management plan 2026-2056" ;
    odx:landlord <organisation/1> ;
    odx:planStartYear 2026 ;
    odx:planEndYear 2056 ;
    odx:hasPlannedWork <planned-work/1> .

<planned-work/1> a odx:PlannedWork ;
    odx:about <home/1> ;
    odx:plannedYear 2030 ;
    odx:estimatedCost 3200.00 ;
    odx:plannedComponentType component-type:gas-boiler ;
    odx:replacesComponent <component/1> ;
    odx:partOfPlan <plan/1> .

<satisfaction-response/1> a odx:SatisfactionResponse ;
    odx:tsmMeasure tsm-measure:TP01 ;
    odx:answer tsm-answer:fairly-satisfied ;
    odx:surveyDate "2026-03-10"^^xsd:date ;
    odx:about <site/1> ;
    odx:landlord <organisation/1> .

<observation/1> a odx:SensorObservation ;
    odx:observedProperty observed-property:relative-humidity ;
    odx:resultValue 71.5 ;
    odx:unit unit:PERCENT ;
    odx:resultTime "2026-02-01T06:00:00Z"^^xsd:dateTime ;
    odx:observedSpace <space/1> ;
    odx:sensorId "HX-2231" .

<observation/2> a odx:SensorObservation ;
    odx:observedProperty observed-property:air-temperature ;
    odx:resultValue 16.2 ;
    odx:unit unit:DEG_C ;
    odx:resultTime "2026-02-01T06:00:00Z"^^xsd:dateTime ;
    odx:observedSpace <space/1> .

<observation/3> a odx:SensorObservation ;
    odx:observedProperty observed-property:co2-concentration ;
    odx:resultValue 1250 ;
    odx:unit unit:PPM ;
    odx:resultTime "2026-02-01T06:00:00Z"^^xsd:dateTime ;
    odx:observedSpace <space/1> .

<import/1> a odx:Import ;
    odx:importedBy <organisation/1> ;
    odx:startedAt "2026-01-31T22:00:00Z"^^xsd:dateTime ;
    odx:endedAt "2026-01-31T22:00:04Z"^^xsd:dateTime ;
    odx:fileName "northbank-homes-2026-01.csv" ;
    odx:fileHash "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08" ;
    odx:mediaType "text/csv" ;
    odx:recordsRead 120 ;
    odx:recordsCreated 3 ;
    odx:recordsUpdated 2 ;
    odx:recordsUnchanged 115 ;
    odx:problemCount 0 .

<home/1> odx:lsoa ons:E01004736 ; odx:hasSpace <space/1> ; odx:hasAddress <address/1> ;
    prov:wasGeneratedBy <import/1> .
"""

ORG, CONTRACTOR, REF = ID["organisation/1"], ID["organisation/2"], ID["reference/1"]
BUILDING, HOME, COMPONENT = ID["building/1"], ID["home/1"], ID["component/1"]
REPAIR, LINE, EVENT = ID["repair/1"], ID["repair-line/1"], ID["repair-status-event/1"]
SITE, CASE, EPC = ID["site/1"], ID["case/1"], ID["certificate/1"]
PLANNED, RESPONSE, IMPORT = ID["planned-work/1"], ID["satisfaction-response/1"], ID["import/1"]
HUMIDITY, TEMPERATURE = ID["observation/1"], ID["observation/2"]


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(ontology_dir() / "odx.ttl", format="turtle")


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return Graph().parse(ontology_dir() / "shapes.ttl", format="turtle")


def _graph(*parts: str) -> Graph:
    return Graph().parse(data=PREFIXES + "".join(parts), format="turtle")


@dataclass(frozen=True)
class Problem:
    focus: Node
    path: Node | None
    severity: Node
    message: str


def _validate(data: Graph, ontology: Graph, shapes: Graph) -> tuple[bool, list[Problem], str]:
    conforms, report, text = validate(
        data, shacl_graph=shapes, ont_graph=ontology, inference="none", allow_warnings=False
    )
    assert isinstance(report, Graph)
    problems = [
        Problem(
            report.value(r, SH.focusNode),
            report.value(r, SH.resultPath),
            report.value(r, SH.resultSeverity),
            str(report.value(r, SH.resultMessage)),
        )
        for r in report.subjects(RDF.type, SH.ValidationResult)
    ]
    return bool(conforms), problems, str(text)


# --------------------------------------------------------------------------- valid graphs


def test_the_export_of_one_of_each_stable_class_conforms(ontology: Graph, shapes: Graph) -> None:
    conforms, _, text = _validate(_graph(EXPORT), ontology, shapes)
    assert conforms, text


def test_private_fields_are_allowed_in_imports(ontology: Graph, shapes: Graph) -> None:
    data = _graph(EXPORT)
    data.add((REPAIR, odx.description, Literal("Boiler not firing, no hot water")))
    data.add((EVENT, odx.note, Literal("Part fitted on first visit")))
    conforms, _, text = _validate(data, ontology, shapes)
    assert conforms, text


def test_one_of_each_domain_class_conforms(ontology: Graph, shapes: Graph) -> None:
    conforms, _, text = _validate(_graph(EXPORT, DOMAIN), ontology, shapes)
    assert conforms, text


def test_code_lists_in_the_ontology_satisfy_their_shapes(ontology: Graph, shapes: Graph) -> None:
    conforms, _, text = validate(ontology, shacl_graph=shapes, inference="none")
    assert conforms, text


# --------------------------------------------------------------------------- invalid graphs

Edit = Callable[[Graph], None]


def set_(s: URIRef, p: URIRef, o: Node) -> Edit:
    return lambda g: g.set((s, p, o))


def add(s: URIRef, p: URIRef, o: Node) -> Edit:
    return lambda g: g.add((s, p, o))


def drop(s: URIRef, p: URIRef, o: Node | None = None) -> Edit:
    return lambda g: g.remove((s, p, o))


def dt(value: str) -> Literal:
    return Literal(value, datatype=XSD.dateTime)


@dataclass(frozen=True)
class Case:
    name: str
    edit: Edit
    focus: URIRef
    path: URIRef | None  # None: a constraint on the record as a whole
    domain: bool = False  # validate with the domain (testing) records too


CASES = [
    Case("uprn-with-a-letter", set_(HOME, odx.uprn, Literal("1000233369A6")), HOME, odx.uprn),
    Case("uprn-all-zeros", set_(HOME, odx.uprn, Literal("000000000000")), HOME, odx.uprn),
    Case("uprn-13-digits", set_(BUILDING, odx.uprn, Literal("1234567890123")), BUILDING, odx.uprn),
    Case("uprn-as-integer", set_(HOME, odx.uprn, Literal(100023336956)), HOME, odx.uprn),
    Case("postcode-lower-case", set_(HOME, odx.postcode, Literal("sw1a 2aa")), HOME, odx.postcode),
    Case("postcode-no-space", set_(BUILDING, odx.postcode, Literal("SW1A2AA")), BUILDING,
         odx.postcode),
    Case("district-with-sector", set_(HOME, odx.postcodeDistrict, Literal("SW1A 2")), HOME,
         odx.postcodeDistrict),
    Case("sector-malformed", set_(HOME, odx.postcodeSector, Literal("SW1A")), HOME,
         odx.postcodeSector),
    Case("district-served-lower-case", add(CONTRACTOR, odx.postcodeDistrictServed, Literal("n1")),
         CONTRACTOR, odx.postcodeDistrictServed),
    Case("toid-without-osgb", set_(BUILDING, odx.toid, Literal("1000005123456")), BUILDING,
         odx.toid),
    Case("registration-number-unknown-form", set_(ORG, odx.registrationNumber, Literal("RP-1234")),
         ORG, odx.registrationNumber),
    Case("local-authority-as-literal", set_(HOME, odx.localAuthority, Literal("E09000033")), HOME,
         odx.localAuthority),
    Case("local-authority-is-an-lsoa",
         set_(HOME, odx.localAuthority,
              URIRef("http://statistics.data.gov.uk/id/statistical-geography/E01004736")),
         HOME, odx.localAuthority),
    Case("website-without-scheme", set_(ORG, odx.website, Literal("northbank.example")), ORG,
         odx.website),
    Case("missing-address-line", drop(HOME, odx.addressLine1), HOME, odx.addressLine1),
    Case("missing-postcode-area", drop(HOME, odx.postcodeArea), HOME, odx.postcodeArea),
    Case("missing-organisation-name", drop(ORG, odx.name), ORG, odx.name),
    Case("missing-repair-priority", drop(REPAIR, odx.priority), REPAIR, odx.priority),
    Case("missing-repair-home", drop(REPAIR, odx.forHome), REPAIR, odx.forHome),
    Case("missing-line-quantity", drop(LINE, odx.quantity), LINE, odx.quantity),
    Case("missing-event-time", drop(EVENT, odx.occurredAt), EVENT, odx.occurredAt),
    Case("two-building-names", add(BUILDING, odx.name, Literal("Rose House")), BUILDING, odx.name),
    Case("unknown-priority", set_(REPAIR, odx.priority, CODE["priority/9"]), REPAIR, odx.priority),
    Case("status-from-the-wrong-list", set_(REPAIR, odx.status, CODE["priority/2"]), REPAIR,
         odx.status),
    Case("unknown-component-type", set_(COMPONENT, odx.componentType, CODE["component-type/sauna"]),
         COMPONENT, odx.componentType),
    Case("unknown-trade", add(CONTRACTOR, odx.trade, CODE["trade/XX"]), CONTRACTOR, odx.trade),
    Case("unknown-organisation-kind",
         set_(ORG, odx.organisationKind, CODE["organisation-kind/charity"]), ORG,
         odx.organisationKind),
    Case("completed-before-reported", set_(REPAIR, odx.completedAt, dt("2026-01-04T10:00:00Z")),
         REPAIR, odx.reportedAt),
    Case("raised-before-reported", set_(REPAIR, odx.raisedAt, dt("2026-01-05T09:00:00Z")), REPAIR,
         odx.reportedAt),
    Case("target-before-reported", set_(REPAIR, odx.targetAt, dt("2026-01-01T00:00:00Z")), REPAIR,
         odx.reportedAt),
    Case("reported-as-date", set_(REPAIR, odx.reportedAt, Literal("2026-01-05", datatype=XSD.date)),
         REPAIR, odx.reportedAt),
    Case("status-change-without-status", drop(EVENT, odx.status), EVENT, odx.status),
    Case("negative-line-cost", set_(LINE, odx.cost, Literal(Decimal("-5.00"))), LINE, odx.cost),
    Case("negative-repair-cost", set_(REPAIR, odx.cost, Literal(Decimal("-1"))), REPAIR, odx.cost),
    Case("negative-quantity", set_(LINE, odx.quantity, Literal(Decimal("-1"))), LINE, odx.quantity),
    Case("cost-as-text", set_(REPAIR, odx.cost, Literal("145.50")), REPAIR, odx.cost),
    Case("line-number-zero", set_(LINE, odx.lineNumber, Literal(0)), LINE, odx.lineNumber),
    Case("sor-item-not-a-sor-code", set_(LINE, odx.sorItem, CODE["trade/PL"]), LINE, odx.sorItem),
    Case("latitude-outside-the-uk", set_(HOME, odx.latitude, Literal(40.1)), HOME, odx.latitude),
    Case("longitude-as-decimal", set_(HOME, odx.longitude, Literal(Decimal("-0.12"))), HOME,
         odx.longitude),
    Case("bedrooms-31", set_(HOME, odx.bedrooms, Literal(31)), HOME, odx.bedrooms),
    Case("storeys-0", set_(BUILDING, odx.storeys, Literal(0)), BUILDING, odx.storeys),
    Case("built-in-999", set_(BUILDING, odx.yearBuilt, Literal(999)), BUILDING, odx.yearBuilt),
    Case("installed-after-last-service",
         set_(COMPONENT, odx.installDate, Literal("2025-12-01", datatype=XSD.date)), COMPONENT,
         odx.installDate),
    Case("component-of-home-and-building", add(COMPONENT, odx.isComponentOf, BUILDING), COMPONENT,
         odx.isComponentOf),
    Case("component-of-a-repair", set_(COMPONENT, odx.isComponentOf, REPAIR), COMPONENT,
         odx.isComponentOf),
    Case("component-of-nothing", drop(COMPONENT, odx.isComponentOf), COMPONENT, odx.isComponentOf),
    Case("reference-without-allocated-by", drop(REF, odx.allocatedBy), REF, odx.allocatedBy),
    Case("reference-allocated-by-a-home", set_(REF, odx.allocatedBy, HOME), REF, odx.allocatedBy),
    Case("reference-with-two-values", add(REF, odx.referenceValue, Literal("X-1")), REF,
         odx.referenceValue),
    Case("reference-of-nothing", drop(HOME, odx.hasReference, REF), REF, None),
    Case("line-of-no-repair", drop(REPAIR, odx.hasLine, LINE), LINE, None),
    Case("status-event-of-no-repair", drop(REPAIR, odx.hasStatusEvent, EVENT), EVENT, None),
    Case("home-that-is-also-a-building", add(HOME, RDF.type, odx.Building), HOME, None),
    Case("misspelt-property", add(HOME, odx.postCode, Literal("SW1A 2AA")), HOME, odx.postCode),
    Case("free-text-comment-on-a-repair", add(REPAIR, RDFS.comment, Literal("Mrs B. is deaf")),
         REPAIR, RDFS.comment),
    Case("generated-by-a-non-import", add(HOME, PROV.wasGeneratedBy, ORG), HOME,
         PROV.wasGeneratedBy),
    # records of the classes defined for the domain
    Case("investigated-before-aware",
         set_(CASE, odx.investigationStartedAt, dt("2026-02-01T09:00:00Z")), CASE, odx.awareAt,
         domain=True),
    Case("summary-before-investigation-completed",
         set_(CASE, odx.writtenSummarySentAt, dt("2026-02-09T11:00:00Z")), CASE,
         odx.investigationCompletedAt, domain=True),
    Case("case-hazard-is-a-group",
         set_(CASE, odx.hhsrsHazard, CODE["hhsrs-hazard-group/hygrothermal-conditions"]), CASE,
         odx.hhsrsHazard, domain=True),
    Case("case-hazard-30", set_(CASE, odx.hhsrsHazard, CODE["hhsrs-hazard/30"]), CASE,
         odx.hhsrsHazard, domain=True),
    Case("case-about-a-building", set_(CASE, odx.about, BUILDING), CASE, odx.about, domain=True),
    Case("epc-band-does-not-match-sap", set_(EPC, odx.sapScore, Literal(50)), EPC, None,
         domain=True),
    Case("epc-with-gas-safety-type",
         set_(EPC, odx.certificateType, CODE["certificate-type/lgsr"]), EPC, odx.certificateType,
         domain=True),
    Case("epc-expiring-before-issue",
         set_(EPC, odx.expiryDate, Literal("2020-01-01", datatype=XSD.date)), EPC, odx.issueDate,
         domain=True),
    Case("epc-bad-report-reference", set_(EPC, odx.certificateNumber, Literal("0240-2893")), EPC,
         odx.certificateNumber, domain=True),
    Case("negative-estimated-cost",
         set_(PLANNED, odx.estimatedCost, Literal(Decimal("-100"))), PLANNED, odx.estimatedCost,
         domain=True),
    Case("satisfaction-naming-a-person", add(RESPONSE, SCHEMA.name, Literal("Jane Doe")),
         RESPONSE, SCHEMA.name, domain=True),
    Case("satisfaction-for-a-safety-measure",
         set_(RESPONSE, odx.tsmMeasure, CODE["tsm-measure/BS01"]), RESPONSE, odx.tsmMeasure,
         domain=True),
    Case("humidity-over-100", set_(HUMIDITY, odx.resultValue, Literal(Decimal("120"))), HUMIDITY,
         None, domain=True),
    Case("temperature-in-percent",
         set_(TEMPERATURE, odx.unit, URIRef("http://qudt.org/vocab/unit/PERCENT")), TEMPERATURE,
         None, domain=True),
    Case("site-lsoa-is-a-local-authority",
         set_(SITE, odx.lsoa,
              URIRef("http://statistics.data.gov.uk/id/statistical-geography/E09000033")),
         SITE, odx.lsoa, domain=True),
    Case("import-hash-not-sha256", set_(IMPORT, odx.fileHash, Literal("abc123")), IMPORT,
         odx.fileHash, domain=True),
]  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_invalid_data_is_caught_where_it_is(ontology: Graph, shapes: Graph, case: Case) -> None:
    data = _graph(EXPORT, DOMAIN) if case.domain else _graph(EXPORT)
    case.edit(data)
    conforms, problems, text = _validate(data, ontology, shapes)
    assert not conforms
    found = [p for p in problems if p.focus == case.focus and p.path == case.path]
    assert found, text
    assert all(p.severity == SH.Violation and p.message for p in found)


# --------------------------------------------------------------------------- the shapes graph


def _odx_terms(ontology: Graph, status: str | None = None) -> dict[URIRef, URIRef]:
    """odx: classes and properties of the ontology, with their kind."""
    terms = {}
    for kind in TERM_KINDS:
        for term in ontology.subjects(RDF.type, kind):
            if not (isinstance(term, URIRef) and str(term).startswith(ODX)):
                continue
            if status is None or ontology.value(term, VS.term_status) == Literal(status):
                terms[term] = kind
    return terms


def _local(terms: dict[URIRef, URIRef], *kinds: URIRef) -> set[str]:
    return {str(t)[len(ODX) :] for t, k in terms.items() if k in kinds}


def test_shapes_parse_and_declare_node_shapes(shapes: Graph) -> None:
    assert len(set(shapes.subjects(RDF.type, SH.NodeShape))) > 30
    for shape in shapes.subjects(RDF.type, SH.PropertyShape):
        assert shapes.value(shape, SH.path) is not None, shape
        assert shapes.value(shape, SH.message) is not None, shape
        assert shapes.value(shape, SH.severity) == SH.Violation, shape


def test_every_class_has_a_node_shape(ontology: Graph, shapes: Graph) -> None:
    targeted = set(shapes.objects(None, SH.targetClass))
    for cls in _odx_terms(ontology):
        if (cls, RDF.type, OWL.Class) in ontology:
            assert cls in targeted, cls
            assert any(
                (shape, RDF.type, SH.NodeShape) in shapes
                for shape in shapes.subjects(SH.targetClass, cls)
            ), cls


def test_every_odx_term_the_shapes_use_is_in_the_ontology(ontology: Graph, shapes: Graph) -> None:
    declared = set(_odx_terms(ontology))
    used = {n for triple in shapes for n in triple if isinstance(n, URIRef)}
    assert not list(shapes.objects(None, SH.sparql)), "the shapes use SHACL Core only"
    odx_used = {u for u in used if str(u).startswith(ODX)}
    assert odx_used
    assert odx_used <= declared, odx_used - declared
    for code in {u for u in used if str(u).startswith(CODE_BASE)}:
        kinds = set(ontology.objects(code, RDF.type))
        assert kinds & {SKOS.Concept, SKOS.ConceptScheme}, code


def test_code_list_values_in_the_shapes_match_the_ontology(ontology: Graph, shapes: Graph) -> None:
    perception = {CODE[f"tsm-measure/TP{n:02d}"] for n in range(1, 13)}
    checked = 0
    for shape, values in shapes.subject_objects(SH["in"]):
        members = set(Collection(shapes, values))
        if not all(str(m).startswith(CODE_BASE) for m in members):
            continue
        schemes = {str(m).rsplit("/", 1)[0] for m in members}
        assert len(schemes) == 1, shape
        in_scheme = set(ontology.subjects(SKOS.inScheme, URIRef(schemes.pop())))
        if shapes.value(shape, SH.path) == odx.tsmMeasure:
            assert members == perception, shape
        else:
            assert members == in_scheme, shape
        checked += 1
    assert checked > 20


def test_epc_band_ranges_in_the_shapes_match_the_ontology(ontology: Graph, shapes: Graph) -> None:
    for band in _codes(ontology, "epc-band").values():
        (alternative,) = {
            shape
            for property_shape in shapes.subjects(SH.hasValue, band)
            for shape in shapes.subjects(SH.property, property_shape)
        }
        score = next(
            ps
            for ps in shapes.objects(alternative, SH.property)
            if shapes.value(ps, SH.path) == odx.sapScore
        )
        assert shapes.value(score, SH.minInclusive) == ontology.value(band, odx.sapScoreMin)
        assert shapes.value(score, SH.maxInclusive) == ontology.value(band, odx.sapScoreMax)


def test_every_term_has_a_term_status(ontology: Graph) -> None:
    for term in _odx_terms(ontology):
        statuses = set(ontology.objects(term, VS.term_status))
        assert statuses in ({Literal("stable")}, {Literal("testing")}), term


def test_the_stable_terms_are_the_ones_the_api_serves(ontology: Graph) -> None:
    stable = _odx_terms(ontology, "stable")
    mapped_classes = {e.curie.removeprefix("odx:") for e in MAPPING.entities}
    mapped_properties = {
        item.curie.removeprefix("odx:")
        for e in MAPPING.entities
        for item in (*e.fields, *e.relations)
        if item.curie.startswith("odx:")
    }
    assert _local(stable, OWL.Class) == STABLE_CLASSES == mapped_classes
    properties = (OWL.DatatypeProperty, OWL.ObjectProperty, OWL.AnnotationProperty)
    assert _local(stable, *properties) == STABLE_PROPERTIES
    assert mapped_properties <= STABLE_PROPERTIES


def test_the_ontology_is_version_0_3_0(ontology: Graph) -> None:
    onto = URIRef("https://w3id.org/odx/def")
    assert ontology.value(onto, OWL.versionInfo) == Literal("0.3.0")
    assert ontology.value(onto, OWL.versionIRI) == URIRef("https://w3id.org/odx/def/0.3.0")
    assert ontology.value(onto, OWL.priorVersion) == URIRef("https://w3id.org/odx/def/0.2.0")


# --------------------------------------------------------------------------- code lists


def _codes(ontology: Graph, scheme: str) -> dict[str, URIRef]:
    concepts = ontology.subjects(SKOS.inScheme, CODE[scheme])
    return {str(ontology.value(c, SKOS.notation)): c for c in concepts if isinstance(c, URIRef)}


def test_hhsrs_hazards_are_the_29_in_their_groups(ontology: Graph) -> None:
    hazards = _codes(ontology, "hhsrs-hazard")
    assert set(hazards) == {str(n) for n in range(1, 30)}
    groups = _codes(ontology, "hhsrs-hazard-group")
    main = {c for c in groups.values() if ontology.value(c, SKOS.broader) is None}
    assert len(main) == 4 and len(groups) == 11
    for concept in hazards.values():
        sub_group = ontology.value(concept, SKOS.broader)
        assert sub_group in groups.values() and sub_group not in main, concept
        assert ontology.value(sub_group, SKOS.broader) in main, concept
    damp = hazards["1"]
    assert str(ontology.value(damp, SKOS.prefLabel)) == "Damp and mould growth"
    assert set(_codes(ontology, "hhsrs-category")) == {"1", "2"}


def test_epc_bands_cover_the_sap_scale_without_gaps(ontology: Graph) -> None:
    bands = _codes(ontology, "epc-band")
    assert set(bands) == set("ABCDEFG")
    ranges = {
        band: (ontology.value(c, odx.sapScoreMin), ontology.value(c, odx.sapScoreMax))
        for band, c in bands.items()
    }
    assert ranges["A"][0].toPython() == 92 and ranges["A"][1] is None
    assert ranges["G"][0].toPython() == 1
    for better, worse in zip("ABCDEF", "BCDEFG", strict=True):
        assert ranges[worse][1].toPython() + 1 == ranges[better][0].toPython()


def test_tsm_measures_are_the_22_official_codes(ontology: Graph) -> None:
    expected = {f"TP{n:02d}" for n in range(1, 13)} | {f"BS{n:02d}" for n in range(1, 6)}
    expected |= {"CH01", "CH02", "NM01", "RP01", "RP02"}
    assert set(_codes(ontology, "tsm-measure")) == expected


def test_other_domain_code_lists(ontology: Graph) -> None:
    assert set(_codes(ontology, "damp-mould-severity")) == {"high", "medium", "low"}
    assert {"epc", "lgsr", "eicr", "fra"} <= set(_codes(ontology, "certificate-type"))
    assert set(_codes(ontology, "awaab-hazard-level")) == {"emergency", "significant", "none"}
    satisfied = {
        code
        for code, c in _codes(ontology, "tsm-answer").items()
        if ontology.value(c, odx.countsAsSatisfied) == Literal(True)
    }
    assert satisfied == {"very-satisfied", "fairly-satisfied"}
