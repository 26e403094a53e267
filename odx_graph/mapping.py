"""The one declarative mapping: ontology term <-> GraphQL type/field <-> table/column.

Everything else is derived from the entities declared here: the strawberry types and
inputs (``odx_graph.api``), the SQL the repositories run (``odx_graph.repo``), the
JSON-LD context and the RDF export. Adding a field means adding one ``Field`` line.

SQL snippets use ``{t}`` for the alias of the entity's own table and ``{p}`` for the
bound parameter of a filter; nothing else is ever interpolated into SQL.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from odx_graph.vocab import CODE_BASE, ONS_GEOGRAPHY


class Scalar(StrEnum):
    """Value types of mapped fields; each has one GraphQL scalar and one XSD datatype."""

    STRING = "String"
    INT = "Int"
    FLOAT = "Float"
    BOOLEAN = "Boolean"
    DATE = "Date"
    DATETIME = "DateTime"
    DECIMAL = "Decimal"


class Cardinality(StrEnum):
    """How many targets a relation has and how the API pages them."""

    ONE = "one"  # a single object (or null)
    LIST = "list"  # a short bounded list (lines, references, history)
    CONNECTION = "connection"  # a cursor-paginated connection


class FilterKind(StrEnum):
    """How a filter's input value is parsed and bound."""

    STRINGS = "strings"  # [String!]: any of these values
    CONTAINS = "contains"  # String: a case-insensitive substring (bound as an ILIKE pattern)
    INT = "int"
    DATE = "date"
    DATETIME = "datetime"
    BOOLEAN = "boolean"
    IDS = "ids"  # [ID!] global IDs of the entity named by ``Filter.target``
    POSTCODE = "postcode"  # area, district, sector or full postcode


@dataclass(frozen=True, slots=True)
class Field:
    """A scalar field: GraphQL name, SQL expression, value type and ontology term."""

    name: str
    sql: str
    type: Scalar
    description: str
    term: str = ""  # ontology term (CURIE or odx local name); defaults to ``name``
    nullable: bool = True
    many: bool = False  # a list of values (a PostgreSQL array)
    private: bool = False  # free text or person data: null unless the caller may see it
    iri_prefix: str = ""  # in RDF the value names a resource: this prefix + the value

    @property
    def curie(self) -> str:
        """The ontology term as a CURIE."""
        return _curie(self.term or self.name)


@dataclass(frozen=True, slots=True)
class Relation:
    """A link to another entity: ``{t}.source_column`` matches ``target.target_column``."""

    name: str
    target: str
    cardinality: Cardinality
    source_column: str
    target_column: str
    description: str
    term: str
    nullable: bool = True
    condition: str = ""  # extra SQL on the target table, e.g. "{t}.subject_type = 'home'"
    source_is_array: bool = False  # source column holds an array of target keys

    @property
    def curie(self) -> str:
        """The ontology term as a CURIE."""
        return _curie(self.term)


@dataclass(frozen=True, slots=True)
class Filter:
    """One field of an entity's filter input, with the SQL condition it adds."""

    name: str
    kind: FilterKind
    sql: str
    description: str
    target: str = ""  # for IDS: the entity whose global IDs are accepted


@dataclass(frozen=True, slots=True)
class Order:
    """A sort key. ``sql`` must never be null, so keyset cursors can compare it."""

    name: str
    sql: str
    type: Scalar
    description: str
    descending: bool = False  # the direction used when a request names none


@dataclass(frozen=True, slots=True)
class Entity:
    """A class of the ontology, a GraphQL object type and a table."""

    name: str
    table: str
    description: str
    fields: tuple[Field, ...]
    relations: tuple[Relation, ...] = ()
    filters: tuple[Filter, ...] = ()
    orders: tuple[Order, ...] = ()
    key: str = "id"
    key_type: Scalar = Scalar.INT
    iri_segment: str = ""  # nodes: {base}/id/{iri_segment}/{key}
    scheme: str = ""  # code lists: https://w3id.org/odx/code/{scheme}/{code}
    collection: str = ""  # name of the top-level Query field listing them, if any
    term: str = ""

    @property
    def is_node(self) -> bool:
        """Whether the entity has a global ID and a dereferenceable IRI on this server."""
        return bool(self.iri_segment)

    @property
    def curie(self) -> str:
        """The ontology class as a CURIE."""
        return _curie(self.term or self.name)

    def field(self, name: str) -> Field:
        """The scalar field called ``name``."""
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(f"{self.name}.{name}")

    def relation(self, name: str) -> Relation:
        """The relation called ``name``."""
        for r in self.relations:
            if r.name == name:
                return r
        raise KeyError(f"{self.name}.{name}")

    def order(self, name: str) -> Order:
        """The sort key called ``name``."""
        for o in self.orders:
            if o.name == name:
                return o
        raise KeyError(f"{self.name} order {name}")

    def concept_iri(self, code: str) -> str:
        """The IRI of a code-list concept of this entity's scheme."""
        return f"{CODE_BASE}{self.scheme}/{code}"


def _curie(term: str) -> str:
    return term if ":" in term else f"odx:{term}"


def _id_order() -> Order:
    return Order("ID", "{t}.id", Scalar.INT, "Order of creation.")


def _concept(
    name: str, table: str, scheme: str, collection: str, description: str, *extra: Field
) -> Entity:
    """A SKOS code list held in a reference table keyed by its code."""
    return Entity(
        name=name,
        table=table,
        description=description,
        key="code",
        key_type=Scalar.STRING,
        scheme=scheme,
        collection=collection,
        fields=(
            Field(
                "code",
                "{t}.code",
                Scalar.STRING,
                "The code (skos:notation).",
                term="skos:notation",
                nullable=False,
            ),
            Field(
                "label",
                "{t}.label",
                Scalar.STRING,
                "Human-readable label.",
                term="skos:prefLabel",
                nullable=False,
            ),
            Field(
                "definition",
                "{t}.definition",
                Scalar.STRING,
                "What the code means.",
                term="skos:definition",
            ),
            *extra,
        ),
        orders=(Order("CODE", "{t}.code", Scalar.STRING, "By code."),),
    )


def _code_relation(
    name: str, target: str, column: str, description: str, term: str, *, nullable: bool = True
) -> Relation:
    return Relation(
        name, target, Cardinality.ONE, column, "code", description, term, nullable=nullable
    )


def _references(subject: str) -> Relation:
    return Relation(
        "references",
        "Reference",
        Cardinality.LIST,
        "id",
        "subject_id",
        "Identifiers other organisations use for this thing (HACT Reference pattern).",
        "hasReference",
        nullable=False,
        condition=f"{{t}}.subject_type = '{subject}'",
    )


def _postcode_filter(sql: str) -> Filter:
    return Filter(
        "postcode",
        FilterKind.POSTCODE,
        sql,
        "Postcode at any level: area ('SW'), district ('SW1A'), sector ('SW1A 2') or "
        "full postcode ('SW1A 2AA'). Case and spacing are normalised.",
    )


# --- code lists --------------------------------------------------------------------

ORGANISATION_KIND = _concept(
    "OrganisationKind",
    "organisation_kind",
    "organisation-kind",
    "organisationKinds",
    "The role an organisation plays: landlord, contractor, local authority.",
)
PROPERTY_TYPE = _concept(
    "PropertyType",
    "property_type",
    "property-type",
    "propertyTypes",
    "The type of dwelling: house, flat, bungalow, maisonette...",
)
BUILT_FORM = _concept(
    "BuiltForm",
    "built_form",
    "built-form",
    "builtForms",
    "How a dwelling is attached to others: detached, semi-detached, terrace...",
)
PRIORITY = _concept(
    "Priority",
    "priority",
    "priority",
    "priorities",
    "A repair priority (HACT WorkPriorityCode 1-5) with its typical response target.",
    Field(
        "responseHours",
        "{t}.response_hours",
        Scalar.INT,
        "Target time to complete, in calendar hours (immediate and emergency priorities).",
    ),
    Field(
        "responseWorkingDays",
        "{t}.response_working_days",
        Scalar.INT,
        "Target time to complete, in working days (urgent and routine priorities).",
    ),
    Field(
        "isEmergency",
        "{t}.is_emergency",
        Scalar.BOOLEAN,
        "Whether the priority counts as an emergency repair (TSM RP02).",
        nullable=False,
    ),
)
REPAIR_STATUS = _concept(
    "RepairStatus",
    "repair_status",
    "repair-status",
    "repairStatuses",
    "A work order status from the UK Housing Data Standards (Scheduled, Complete...).",
    Field(
        "isOpen",
        "{t}.is_open",
        Scalar.BOOLEAN,
        "Whether a repair in this status still needs work.",
        nullable=False,
    ),
)
TRADE = _concept(
    "Trade", "trade", "trade", "trades", "A trade that carries out work (HACT TradeCode)."
)
COMPONENT_TYPE = _concept(
    "ComponentType",
    "component_type",
    "component-type",
    "componentTypes",
    "A kind of building component, with its Decent Homes Standard lifetimes.",
    Field(
        "isKeyComponent",
        "{t}.is_key_component",
        Scalar.BOOLEAN,
        "Whether the Decent Homes Standard treats it as a key component.",
        nullable=False,
    ),
    Field(
        "lifetimeHouse",
        "{t}.lifetime_house",
        Scalar.INT,
        "Decent Homes lifetime in years in a house.",
    ),
    Field(
        "lifetimeLowRiseFlat",
        "{t}.lifetime_low_rise_flat",
        Scalar.INT,
        "Decent Homes lifetime in years in a flat in a block under 6 storeys.",
    ),
    Field(
        "lifetimeHighRiseFlat",
        "{t}.lifetime_high_rise_flat",
        Scalar.INT,
        "Decent Homes lifetime in years in a flat in a block of 6 storeys or more.",
    ),
)
CONDITION = _concept(
    "Condition",
    "condition",
    "condition",
    "conditions",
    "A condition grade from a stock condition survey: good, fair, poor, failed.",
)
SOR_CODE = Entity(
    name="SorCode",
    table="sor_code",
    description="An M3/NHF Schedule of Rates v7 item code (descriptions and prices are M3's).",
    key="code",
    key_type=Scalar.STRING,
    scheme="sor",
    collection="sorCodes",
    fields=(
        Field(
            "code",
            "{t}.code",
            Scalar.STRING,
            "The SOR code, e.g. 'AS000002'.",
            term="skos:notation",
            nullable=False,
        ),
        Field(
            "schedules",
            "{t}.schedules",
            Scalar.STRING,
            "The schedules that list the code, e.g. ['Responsive'] or ['Comm M&E', 'FM4'].",
            term="sorSchedule",
            nullable=False,
            many=True,
        ),
    ),
    filters=(
        Filter(
            "schedule",
            FilterKind.STRINGS,
            "{t}.schedules && {p}",
            "Codes listed in any of these schedules, e.g. ['Gas'].",
        ),
        Filter("code", FilterKind.STRINGS, "{t}.code = ANY({p})", "Any of these codes."),
    ),
    orders=(Order("CODE", "{t}.code", Scalar.STRING, "By code."),),
)

# --- the graph -------------------------------------------------------------------------

ORGANISATION = Entity(
    name="Organisation",
    table="organisation",
    iri_segment="organisation",
    collection="organisations",
    description="A landlord (registered provider), contractor or local authority.",
    fields=(
        Field("name", "{t}.name", Scalar.STRING, "The organisation's name.", nullable=False),
        Field(
            "registrationNumber",
            "{t}.registration_number",
            Scalar.STRING,
            "Regulator of Social Housing registration number (e.g. 'L1234'), if registered.",
        ),
        Field(
            "postcodeDistrictsServed",
            "{t}.postcode_districts",
            Scalar.STRING,
            "Postcode districts the organisation works in (contractors).",
            term="postcodeDistrictServed",
            nullable=False,
            many=True,
        ),
        Field("website", "{t}.website", Scalar.STRING, "The organisation's website."),
    ),
    relations=(
        _code_relation(
            "kind",
            "OrganisationKind",
            "kind_code",
            "Whether this is a landlord, contractor or local authority.",
            "organisationKind",
            nullable=False,
        ),
        Relation(
            "trades",
            "Trade",
            Cardinality.LIST,
            "trade_codes",
            "code",
            "Trades the organisation provides (contractors).",
            "trade",
            nullable=False,
            source_is_array=True,
        ),
        _references("organisation"),
        Relation(
            "homes",
            "Home",
            Cardinality.CONNECTION,
            "id",
            "landlord_id",
            "Homes this organisation is the landlord of.",
            "landlordOf",
            nullable=False,
        ),
        Relation(
            "repairs",
            "Repair",
            Cardinality.CONNECTION,
            "id",
            "landlord_id",
            "Repairs this organisation raised as landlord.",
            "landlordOf",
            nullable=False,
        ),
        Relation(
            "jobs",
            "Repair",
            Cardinality.CONNECTION,
            "id",
            "contractor_id",
            "Repairs assigned to this organisation as contractor.",
            "contractorFor",
            nullable=False,
        ),
    ),
    filters=(
        Filter(
            "kind",
            FilterKind.STRINGS,
            "{t}.kind_code = ANY({p})",
            "Organisation kinds (codes), e.g. ['contractor'].",
        ),
        Filter(
            "trade",
            FilterKind.STRINGS,
            "{t}.trade_codes && {p}",
            "Contractors offering any of these trade codes.",
        ),
        Filter(
            "servesPostcodeDistrict",
            FilterKind.STRINGS,
            "{t}.postcode_districts && {p}",
            "Organisations serving any of these postcode districts, e.g. ['E1'].",
        ),
        Filter(
            "nameContains",
            FilterKind.CONTAINS,
            "{t}.name ILIKE {p}",
            "Names containing this text (case-insensitive).",
        ),
    ),
    orders=(
        Order("NAME", "{t}.name", Scalar.STRING, "By name."),
        _id_order(),
    ),
)

REFERENCE = Entity(
    name="Reference",
    table="reference",
    iri_segment="reference",
    description="A local identifier allocated by an organisation (HACT Reference: ID, "
    "AllocatedBy, Description). Records from different providers link through these.",
    fields=(
        Field(
            "value",
            "{t}.value",
            Scalar.STRING,
            "The identifier as the organisation writes it.",
            term="referenceValue",
            nullable=False,
        ),
        Field(
            "description",
            "{t}.description",
            Scalar.STRING,
            "What kind of identifier it is, e.g. 'tenancy system property ref'.",
            term="referenceDescription",
        ),
    ),
    relations=(
        Relation(
            "allocatedBy",
            "Organisation",
            Cardinality.ONE,
            "allocated_by_id",
            "id",
            "The organisation that allocated the identifier.",
            "allocatedBy",
            nullable=False,
        ),
    ),
    orders=(_id_order(),),
)

BUILDING = Entity(
    name="Building",
    table="building",
    iri_segment="building",
    collection="buildings",
    description="A building or block containing homes, with its own UPRN.",
    fields=(
        Field(
            "uprn",
            "{t}.uprn::text",
            Scalar.STRING,
            "Unique Property Reference Number of the building (1-12 digits).",
        ),
        Field("toid", "{t}.toid", Scalar.STRING, "Ordnance Survey TOID of the footprint."),
        Field("name", "{t}.name", Scalar.STRING, "The building's name.", nullable=False),
        Field("storeys", "{t}.storeys", Scalar.INT, "Number of storeys above ground."),
        Field(
            "constructionType",
            "{t}.construction_type",
            Scalar.STRING,
            "How the building is built, e.g. 'concrete frame'.",
        ),
        Field("yearBuilt", "{t}.year_built", Scalar.INT, "Year of construction."),
        Field("postcode", "{t}.postcode", Scalar.STRING, "The building's postcode."),
    ),
    relations=(
        Relation(
            "landlord",
            "Organisation",
            Cardinality.ONE,
            "landlord_id",
            "id",
            "The landlord that owns the building.",
            "landlord",
        ),
        Relation(
            "homes",
            "Home",
            Cardinality.CONNECTION,
            "id",
            "building_id",
            "Homes in the building.",
            "hasHome",
            nullable=False,
        ),
        Relation(
            "components",
            "Component",
            Cardinality.CONNECTION,
            "id",
            "building_id",
            "Communal components (lifts, roofs, door entry...).",
            "hasComponent",
            nullable=False,
        ),
        _references("building"),
    ),
    orders=(Order("NAME", "{t}.name", Scalar.STRING, "By name."), _id_order()),
)

HOME = Entity(
    name="Home",
    table="home",
    iri_segment="home",
    collection="homes",
    description="A dwelling, keyed by its UPRN when known: the join key across providers.",
    fields=(
        Field(
            "uprn",
            "{t}.uprn::text",
            Scalar.STRING,
            "Unique Property Reference Number (1-12 digits), the national identifier.",
        ),
        Field(
            "addressLine1",
            "{t}.address_line_1",
            Scalar.STRING,
            "First line of the address.",
            nullable=False,
        ),
        Field("addressLine2", "{t}.address_line_2", Scalar.STRING, "Second line of the address."),
        Field("town", "{t}.town", Scalar.STRING, "Post town."),
        Field(
            "postcode",
            "{t}.postcode",
            Scalar.STRING,
            "Full postcode, e.g. 'SW1A 2AA'.",
            nullable=False,
        ),
        Field(
            "postcodeArea",
            "{t}.postcode_area",
            Scalar.STRING,
            "Postcode area, e.g. 'SW'.",
            nullable=False,
        ),
        Field(
            "postcodeDistrict",
            "{t}.postcode_district",
            Scalar.STRING,
            "Postcode district (outward code), e.g. 'SW1A'.",
            nullable=False,
        ),
        Field(
            "postcodeSector",
            "{t}.postcode_sector",
            Scalar.STRING,
            "Postcode sector, e.g. 'SW1A 2'.",
            nullable=False,
        ),
        Field(
            "localAuthorityCode",
            "{t}.local_authority_code",
            Scalar.STRING,
            "ONS code of the local authority, e.g. 'E09000033'.",
            term="localAuthority",
            iri_prefix=ONS_GEOGRAPHY,
        ),
        Field("latitude", "{t}.latitude", Scalar.FLOAT, "WGS84 latitude."),
        Field("longitude", "{t}.longitude", Scalar.FLOAT, "WGS84 longitude."),
        Field("bedrooms", "{t}.bedrooms", Scalar.INT, "Number of bedrooms."),
        Field(
            "floorLevel",
            "{t}.floor_level",
            Scalar.INT,
            "Floor the home's entrance is on (0 ground, negative basement).",
        ),
        Field("yearBuilt", "{t}.year_built", Scalar.INT, "Year of construction."),
    ),
    relations=(
        Relation(
            "landlord",
            "Organisation",
            Cardinality.ONE,
            "landlord_id",
            "id",
            "The landlord responsible for the home.",
            "landlord",
        ),
        Relation(
            "building",
            "Building",
            Cardinality.ONE,
            "building_id",
            "id",
            "The building (block) the home is in, if any.",
            "inBuilding",
        ),
        _code_relation(
            "propertyType",
            "PropertyType",
            "property_type_code",
            "House, flat, bungalow...",
            "propertyType",
        ),
        _code_relation(
            "builtForm",
            "BuiltForm",
            "built_form_code",
            "Detached, semi-detached, terrace...",
            "builtForm",
        ),
        _references("home"),
        Relation(
            "components",
            "Component",
            Cardinality.CONNECTION,
            "id",
            "home_id",
            "The home's components (kitchen, boiler, windows...).",
            "hasComponent",
            nullable=False,
        ),
        Relation(
            "repairs",
            "Repair",
            Cardinality.CONNECTION,
            "id",
            "home_id",
            "Repairs to the home, newest first by default.",
            "hasRepair",
            nullable=False,
        ),
    ),
    filters=(
        _postcode_filter("{t}.{postcode_column} = {p}"),
        Filter(
            "landlord",
            FilterKind.IDS,
            "{t}.landlord_id = ANY({p})",
            "Homes of any of these landlords (Organisation IDs).",
            target="Organisation",
        ),
        Filter(
            "propertyType",
            FilterKind.STRINGS,
            "{t}.property_type_code = ANY({p})",
            "Property type codes, e.g. ['flat'].",
        ),
        Filter(
            "builtForm",
            FilterKind.STRINGS,
            "{t}.built_form_code = ANY({p})",
            "Built form codes, e.g. ['mid-terrace'].",
        ),
        Filter(
            "bedroomsMin", FilterKind.INT, "{t}.bedrooms >= {p}", "At least this many bedrooms."
        ),
        Filter("bedroomsMax", FilterKind.INT, "{t}.bedrooms <= {p}", "At most this many bedrooms."),
        Filter("yearBuiltFrom", FilterKind.INT, "{t}.year_built >= {p}", "Built in or after."),
        Filter("yearBuiltTo", FilterKind.INT, "{t}.year_built <= {p}", "Built in or before."),
        Filter("uprn", FilterKind.STRINGS, "{t}.uprn::text = ANY({p})", "Any of these UPRNs."),
    ),
    orders=(
        Order("POSTCODE", "{t}.postcode", Scalar.STRING, "By postcode."),
        Order("UPRN", "coalesce({t}.uprn, 0)", Scalar.INT, "By UPRN (homes without one first)."),
        Order("YEAR_BUILT", "coalesce({t}.year_built, 0)", Scalar.INT, "By year built."),
        _id_order(),
    ),
)

COMPONENT = Entity(
    name="Component",
    table="component",
    iri_segment="component",
    collection="components",
    description="A building element or fitting of a home, or of a building when communal.",
    fields=(
        Field("installDate", "{t}.install_date", Scalar.DATE, "When it was installed."),
        Field("make", "{t}.make", Scalar.STRING, "Manufacturer."),
        Field("model", "{t}.model", Scalar.STRING, "Model name or number."),
        Field("lastServicedDate", "{t}.last_serviced_date", Scalar.DATE, "Date of last service."),
    ),
    relations=(
        _code_relation(
            "componentType",
            "ComponentType",
            "component_type_code",
            "What kind of component it is, with its Decent Homes lifetime.",
            "componentType",
            nullable=False,
        ),
        _code_relation(
            "condition",
            "Condition",
            "condition_code",
            "Condition grade from the latest survey.",
            "condition",
        ),
        Relation(
            "home",
            "Home",
            Cardinality.ONE,
            "home_id",
            "id",
            "The home the component belongs to (null when communal).",
            "isComponentOf",
        ),
        Relation(
            "building",
            "Building",
            Cardinality.ONE,
            "building_id",
            "id",
            "The building, for communal components.",
            "isComponentOf",
        ),
        Relation(
            "repairs",
            "Repair",
            Cardinality.CONNECTION,
            "id",
            "component_id",
            "Repairs to this component.",
            "affectedByRepair",
            nullable=False,
        ),
        _references("component"),
    ),
    filters=(
        Filter(
            "componentType",
            FilterKind.STRINGS,
            "{t}.component_type_code = ANY({p})",
            "Component type codes, e.g. ['gas-boiler'].",
        ),
        Filter(
            "condition",
            FilterKind.STRINGS,
            "{t}.condition_code = ANY({p})",
            "Condition codes, e.g. ['poor', 'failed'].",
        ),
        Filter(
            "ageMinYears",
            FilterKind.INT,
            "{t}.install_date <= current_date - make_interval(years => {p})",
            "Installed at least this many years ago.",
        ),
        Filter(
            "ageMaxYears",
            FilterKind.INT,
            "{t}.install_date > current_date - make_interval(years => {p} + 1)",
            "Installed at most this many whole years ago.",
        ),
        Filter(
            "installedFrom", FilterKind.DATE, "{t}.install_date >= {p}", "Installed on or after."
        ),
        Filter(
            "installedTo", FilterKind.DATE, "{t}.install_date <= {p}", "Installed on or before."
        ),
        _postcode_filter(
            "EXISTS (SELECT 1 FROM home h WHERE h.id = {t}.home_id AND h.{postcode_column} = {p})"
        ),
    ),
    orders=(
        Order(
            "INSTALL_DATE",
            "coalesce({t}.install_date, '0001-01-01'::date)",
            Scalar.DATE,
            "By installation date.",
        ),
        _id_order(),
    ),
)

REPAIR = Entity(
    name="Repair",
    table="repair",
    iri_segment="repair",
    collection="repairs",
    description="A responsive repair work order raised by a landlord for a home.",
    fields=(
        Field(
            "description",
            "{t}.description",
            Scalar.STRING,
            "Description of the work as reported. Free text, so private: null for the public tier.",
            private=True,
        ),
        Field(
            "reportedAt",
            "{t}.reported_at",
            Scalar.DATETIME,
            "When the problem was reported.",
            nullable=False,
        ),
        Field(
            "raisedAt",
            "{t}.raised_at",
            Scalar.DATETIME,
            "When the work order was raised.",
            nullable=False,
        ),
        Field(
            "targetAt",
            "{t}.target_at",
            Scalar.DATETIME,
            "The landlord's target completion time for the priority.",
        ),
        Field("completedAt", "{t}.completed_at", Scalar.DATETIME, "When the work was completed."),
        Field("cost", "{t}.cost", Scalar.DECIMAL, "Total cost in GBP, when complete."),
    ),
    relations=(
        Relation(
            "home",
            "Home",
            Cardinality.ONE,
            "home_id",
            "id",
            "The home repaired.",
            "forHome",
            nullable=False,
        ),
        Relation(
            "landlord",
            "Organisation",
            Cardinality.ONE,
            "landlord_id",
            "id",
            "The landlord that raised the repair.",
            "landlord",
            nullable=False,
        ),
        Relation(
            "contractor",
            "Organisation",
            Cardinality.ONE,
            "contractor_id",
            "id",
            "The contractor assigned, if any.",
            "contractor",
        ),
        Relation(
            "component",
            "Component",
            Cardinality.ONE,
            "component_id",
            "id",
            "The component repaired, if known.",
            "affectsComponent",
        ),
        _code_relation(
            "priority",
            "Priority",
            "priority_code",
            "The repair's priority.",
            "priority",
            nullable=False,
        ),
        _code_relation(
            "status", "RepairStatus", "status_code", "The current status.", "status", nullable=False
        ),
        _code_relation("trade", "Trade", "trade_code", "The main trade needed.", "trade"),
        Relation(
            "lines",
            "RepairLine",
            Cardinality.LIST,
            "id",
            "repair_id",
            "Schedule of Rates lines: what was (or will be) done.",
            "hasLine",
            nullable=False,
        ),
        Relation(
            "statusHistory",
            "RepairStatusEvent",
            Cardinality.LIST,
            "id",
            "repair_id",
            "Every status change, oldest first.",
            "hasStatusEvent",
            nullable=False,
        ),
        _references("repair"),
    ),
    filters=(
        Filter(
            "status",
            FilterKind.STRINGS,
            "{t}.status_code = ANY({p})",
            "Status codes, e.g. ['scheduled', 'in-progress'].",
        ),
        Filter(
            "open",
            FilterKind.BOOLEAN,
            "({t}.status_code IN (SELECT code FROM repair_status WHERE is_open)) = {p}",
            "true: only repairs still needing work; false: only closed ones.",
        ),
        Filter(
            "priority",
            FilterKind.STRINGS,
            "{t}.priority_code = ANY({p})",
            "Priority codes, e.g. ['1', '2'].",
        ),
        Filter(
            "trade", FilterKind.STRINGS, "{t}.trade_code = ANY({p})", "Trade codes, e.g. ['PL']."
        ),
        Filter(
            "sorCode",
            FilterKind.STRINGS,
            "EXISTS (SELECT 1 FROM repair_line l WHERE l.repair_id = {t}.id "
            "AND l.sor_code = ANY({p}))",
            "Repairs with a line of any of these SOR codes.",
        ),
        Filter(
            "landlord",
            FilterKind.IDS,
            "{t}.landlord_id = ANY({p})",
            "Repairs raised by any of these landlords.",
            target="Organisation",
        ),
        Filter(
            "contractor",
            FilterKind.IDS,
            "{t}.contractor_id = ANY({p})",
            "Repairs assigned to any of these contractors.",
            target="Organisation",
        ),
        Filter(
            "unassigned",
            FilterKind.BOOLEAN,
            "({t}.contractor_id IS NULL) = {p}",
            "true: only repairs with no contractor yet.",
        ),
        _postcode_filter(
            "EXISTS (SELECT 1 FROM home h WHERE h.id = {t}.home_id AND h.{postcode_column} = {p})"
        ),
        Filter(
            "reportedFrom", FilterKind.DATETIME, "{t}.reported_at >= {p}", "Reported at or after."
        ),
        Filter("reportedTo", FilterKind.DATETIME, "{t}.reported_at < {p}", "Reported before."),
        Filter(
            "completedFrom",
            FilterKind.DATETIME,
            "{t}.completed_at >= {p}",
            "Completed at or after.",
        ),
        Filter("completedTo", FilterKind.DATETIME, "{t}.completed_at < {p}", "Completed before."),
    ),
    orders=(
        Order(
            "REPORTED_AT",
            "{t}.reported_at",
            Scalar.DATETIME,
            "By reported time, newest first unless ASC is asked for.",
            descending=True,
        ),
        Order(
            "TARGET_AT",
            "coalesce({t}.target_at, 'infinity'::timestamptz)",
            Scalar.DATETIME,
            "By target time (no target last when ascending).",
        ),
        Order("COST", "coalesce({t}.cost, 0)", Scalar.DECIMAL, "By cost."),
        _id_order(),
    ),
)

REPAIR_LINE = Entity(
    name="RepairLine",
    table="repair_line",
    iri_segment="repair-line",
    description="One Schedule of Rates line of a repair: code, quantity and cost.",
    fields=(
        Field(
            "lineNumber",
            "{t}.line_number",
            Scalar.INT,
            "Position within the repair.",
            nullable=False,
        ),
        Field(
            "sorCode",
            "{t}.sor_code",
            Scalar.STRING,
            "The SOR code as given: NHF SOR v7 or the landlord's own code.",
            nullable=False,
        ),
        Field("quantity", "{t}.quantity", Scalar.DECIMAL, "Quantity of the item.", nullable=False),
        Field("unitCost", "{t}.unit_cost", Scalar.DECIMAL, "Cost per unit in GBP."),
        Field("cost", "{t}.cost", Scalar.DECIMAL, "Line cost in GBP."),
    ),
    relations=(
        Relation(
            "sorItem",
            "SorCode",
            Cardinality.ONE,
            "sor_code",
            "code",
            "The NHF Schedule of Rates item, when the code is one (null for custom codes).",
            "sorItem",
        ),
    ),
    orders=(Order("LINE_NUMBER", "{t}.line_number", Scalar.INT, "By line number."),),
)

REPAIR_STATUS_EVENT = Entity(
    name="RepairStatusEvent",
    table="repair_status_event",
    iri_segment="repair-status-event",
    description="A dated change of a repair's status (UKHDS JobStatusUpdate).",
    fields=(
        Field(
            "occurredAt",
            "{t}.occurred_at",
            Scalar.DATETIME,
            "When the status changed.",
            nullable=False,
        ),
        Field(
            "note",
            "{t}.note",
            Scalar.STRING,
            "Free-text note. Private: null for the public tier.",
            private=True,
        ),
    ),
    relations=(
        _code_relation(
            "status", "RepairStatus", "status_code", "The new status.", "status", nullable=False
        ),
    ),
    orders=(Order("OCCURRED_AT", "{t}.occurred_at", Scalar.DATETIME, "Oldest first."),),
)


@dataclass(frozen=True)
class Mapping:
    """All mapped entities by name, with lookups used by every derived layer."""

    entities: tuple[Entity, ...]
    by_name: dict[str, Entity] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_name", {e.name: e for e in self.entities})
        for entity in self.entities:
            for relation in entity.relations:
                self._check_relation(entity, relation)

    def _check_relation(self, entity: Entity, relation: Relation) -> None:
        """Relations join a foreign key to a key, so loaders can batch them by key."""
        where = f"{entity.name}.{relation.name}"
        target = self.by_name.get(relation.target)
        if target is None:
            raise ValueError(f"{where} targets unknown {relation.target}")
        to_one = relation.cardinality is Cardinality.ONE or relation.source_is_array
        if to_one and relation.target_column != target.key:
            raise ValueError(f"{where} must join on {target.name}'s key")
        if not to_one and relation.source_column != entity.key:
            raise ValueError(f"{where} must start from {entity.name}'s key")

    def __getitem__(self, name: str) -> Entity:
        return self.by_name[name]

    @property
    def nodes(self) -> tuple[Entity, ...]:
        """Entities with global IDs and IRIs."""
        return tuple(e for e in self.entities if e.is_node)

    def by_iri_segment(self, segment: str) -> Entity | None:
        """The node entity whose IRIs use ``segment``."""
        for entity in self.nodes:
            if entity.iri_segment == segment:
                return entity
        return None


MAPPING = Mapping(
    (
        ORGANISATION,
        REFERENCE,
        BUILDING,
        HOME,
        COMPONENT,
        REPAIR,
        REPAIR_LINE,
        REPAIR_STATUS_EVENT,
        ORGANISATION_KIND,
        PROPERTY_TYPE,
        BUILT_FORM,
        PRIORITY,
        REPAIR_STATUS,
        TRADE,
        COMPONENT_TYPE,
        CONDITION,
        SOR_CODE,
    )
)
