"""Code lists: SKOS concept schemes of the ontology, each held in a table keyed by code."""

from __future__ import annotations

from odx_graph.mapping.model import Entity
from odx_graph.mapping.model import Field
from odx_graph.mapping.model import Filter
from odx_graph.mapping.model import Order
from odx_graph.mapping.model import Write
from odx_graph.mapping.model import snake_case
from odx_graph.mapping.shorthand import BOOLEAN
from odx_graph.mapping.shorthand import INT
from odx_graph.mapping.shorthand import STRING
from odx_graph.mapping.shorthand import STRINGS

# The declarations below are laid out as tables, one field or relation per line.
# fmt: off


def concept(name: str, collection: str, description: str, *extra: Field, enum: str = "",
            enum_prefix: str = "") -> Entity:
    """A code list with ``code``, ``label`` and ``definition`` plus ``extra`` fields, in
    the table named after it in snake case (``RepairStatus``: ``repair_status``) and the
    scheme in kebab case (``repair-status``); ``enum`` names the GraphQL enum of a closed
    list's codes."""
    table = snake_case(name)
    return Entity(
        name=name, table=table, description=description, key="code", key_type=STRING,
        scheme=table.replace("_", "-"), collection=collection, enum=enum,
        enum_prefix=enum_prefix,
        fields=(
            Field("code", STRING, "The code (skos:notation).", term="skos:notation",
                  nullable=False),
            Field("label", STRING, "Human-readable label.", term="skos:prefLabel",
                  nullable=False),
            Field("definition", STRING, "What the code means.", term="skos:definition"),
            *extra,
        ),
        orders=(Order("CODE", "{t}.code", STRING, "By code."),),
    )


ORGANISATION_KIND = concept(
    "OrganisationKind", "organisationKinds",
    "The role an organisation plays: landlord, contractor, local authority.")

PROPERTY_TYPE = concept(
    "PropertyType", "propertyTypes",
    "The type of dwelling: house, flat, bungalow, maisonette...")

BUILT_FORM = concept(
    "BuiltForm", "builtForms",
    "How a dwelling is attached to others: detached, semi-detached, terrace...")

PRIORITY = concept(
    "Priority", "priorities",
    "A repair priority (HACT WorkPriorityCode 1-5) with its typical response target.",
    Field("responseHours", INT,
          "Target time to complete, in calendar hours (immediate and emergency priorities)."),
    Field("responseWorkingDays", INT,
          "Target time to complete, in working days (urgent and routine priorities)."),
    Field("isEmergency", BOOLEAN,
          "Whether the priority counts as an emergency repair (TSM RP02).", nullable=False),
    enum="PriorityCode", enum_prefix="P",
)

REPAIR_STATUS = concept(
    "RepairStatus", "repairStatuses",
    "A work order status from the UK Housing Data Standards (Scheduled, Complete...).",
    Field("isOpen", BOOLEAN, "Whether a repair in this status still needs work.",
          nullable=False),
    Field("stage", INT,
          "Place in a repair's life, from reported (10) to superseded (90): of two statuses "
          "reported for the same moment, the later stage is the repair's status."),
    enum="RepairStatusCode",
)

TRADE = concept("Trade", "trades", "A trade that carries out work (HACT TradeCode).")

COMPONENT_TYPE = concept(
    "ComponentType", "componentTypes",
    "A kind of building component, with its Decent Homes Standard lifetimes.",
    Field("isKeyComponent", BOOLEAN,
          "Whether the Decent Homes Standard treats it as a key component.", nullable=False),
    Field("lifetimeHouse", INT, "Decent Homes lifetime in years in a house."),
    Field("lifetimeLowRiseFlat", INT,
          "Decent Homes lifetime in years in a flat in a block under 6 storeys."),
    Field("lifetimeHighRiseFlat", INT,
          "Decent Homes lifetime in years in a flat in a block of 6 storeys or more."),
)

CONDITION = concept(
    "Condition", "conditions",
    "A condition grade from a stock condition survey: good, fair, poor, failed.")

SOR_CODE = Entity(
    name="SorCode", table="sor_code", key="code", key_type=STRING, scheme="sor",
    collection="sorCodes",
    description="An M3/NHF Schedule of Rates v7 item code (descriptions and prices are M3's).",
    fields=(
        Field("code", STRING, "The SOR code, e.g. 'AS000002'.", term="skos:notation",
              nullable=False),
        Field("schedules", STRING,
              "The schedules that list the code, e.g. ['Responsive'] or ['Comm M&E', 'FM4'].",
              term="sorSchedule", nullable=False, many=True),
    ),
    filters=(
        Filter("schedule", STRINGS, "{t}.schedules && {p}",
               "Codes listed in any of these schedules, e.g. ['Gas']."),
        Filter("code", STRINGS, "{t}.code = ANY({p})", "Any of these codes."),
    ),
    orders=(Order("CODE", "{t}.code", STRING, "By code."),),
)

# A landlord's own Schedule of Rates codes (the custom_sor_code table): not in the graph,
# where a repair line's code is as given, but written by the custom-sor-codes template,
# whose columns and rules are declared here.
CUSTOM_SOR_CODE_FIELDS = (
    Field("code", STRING, "A landlord's own Schedule of Rates code.", nullable=False,
          write=Write(column="sor_code",
                      about="The code, 1 to 20 letters, digits, '.', '_' or '-'",
                      example="XX-BOARDUP", required=True, pattern=r"[A-Za-z0-9._-]{1,20}",
                      imported=False)),
    Field("description", STRING, "What the code is for.",
          write=Write(about="What the code is for", example="Board up window, out of hours",
                      imported=False)),
)

HHSRS_HAZARD = concept(
    "HhsrsHazard", "hhsrsHazards",
    "One of the 29 hazards of the Housing Health and Safety Rating System (1 is damp and "
    "mould growth).")

HHSRS_CATEGORY = concept(
    "HhsrsCategory", "hhsrsCategories",
    "The HHSRS category of a hazard found: 1 (serious) or 2.")

AWAAB_HAZARD_LEVEL = concept(
    "AwaabHazardLevel", "awaabHazardLevels",
    "Whether a hazard is an emergency or a significant hazard under Awaab's Law, with the "
    "timescales that follow.",
    Field("investigateWithinHours", INT,
          "Hours from awareness within which the hazard must be investigated."),
    Field("investigateWithinWorkingDays", INT,
          "Working days from awareness within which the hazard must be investigated."),
    Field("summaryWithinWorkingDays", INT,
          "Working days from the investigation within which the written summary is due."),
    Field("makeSafeWithinHours", INT,
          "Hours from awareness within which the home must be made safe."),
    Field("makeSafeWithinWorkingDays", INT,
          "Working days from the investigation within which the home must be made safe."),
)

DAMP_MOULD_SEVERITY = concept(
    "DampMouldSeverity", "dampMouldSeverities",
    "How severe the damp and mould found is: high, medium or low.")

EPC_BAND = concept(
    "EpcBand", "epcBands",
    "An energy efficiency band of an Energy Performance Certificate, A to G, by SAP score.",
    Field("sapScoreMin", INT, "Lowest SAP score in the band."),
    Field("sapScoreMax", INT, "Highest SAP score in the band (none for A)."),
)

CERTIFICATE_TYPE = concept(
    "CertificateType", "certificateTypes",
    "A kind of certificate: EPC, gas safety record, electrical report, fire risk assessment.")

TSM_MEASURE = concept(
    "TsmMeasure", "tsmMeasures",
    "A Tenant Satisfaction Measure of the Regulator of Social Housing, such as TP01 overall "
    "satisfaction or RP02 repairs completed within target.")

TSM_ANSWER = concept(
    "TsmAnswer", "tsmAnswers",
    "An answer to a TSM perception question, from very satisfied to very dissatisfied, or "
    "don't know and not applicable given unprompted.",
    Field("countsAsSatisfied", BOOLEAN,
          "Whether the answer counts towards the proportion satisfied; null for answers that "
          "are not valid responses (don't know, not applicable), left out of every measure."),
)

PROGRAMME_KIND = concept(
    "ProgrammeKind", "programmeKinds",
    "The kind of work an investment programme does: kitchens, roofs, damp remediation...",
    enum="ProgrammeKindCode",
)

PLANNED_WORK_STATUS = concept(
    "PlannedWorkStatus", "plannedWorkStatuses",
    "Where a planned work stands: planned, in progress, done or cancelled.",
    enum="PlannedWorkStatusCode",
)

TENURE = concept(
    "Tenure", "tenures",
    "How a home is let or owned: social rent, affordable rent, shared ownership..., each in "
    "one of the Regulator of Social Housing's two groups, low cost rental accommodation "
    "(LCRA) or low cost home ownership (LCHO).",
    Field("tenureGroup", STRING,
          "The Regulator's group of the tenure: LCRA (low cost rental accommodation) or LCHO "
          "(low cost home ownership), which Tenant Satisfaction Measures are reported for "
          "separately.", nullable=False),
)

CODE_LISTS = (ORGANISATION_KIND, PROPERTY_TYPE, BUILT_FORM, PRIORITY, REPAIR_STATUS, TRADE,
              COMPONENT_TYPE, CONDITION, SOR_CODE, HHSRS_HAZARD, HHSRS_CATEGORY,
              AWAAB_HAZARD_LEVEL, DAMP_MOULD_SEVERITY, EPC_BAND, CERTIFICATE_TYPE, TSM_MEASURE,
              TSM_ANSWER, PROGRAMME_KIND, PLANNED_WORK_STATUS, TENURE)
# fmt: on
