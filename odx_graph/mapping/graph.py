"""The housing graph: organisations, references, buildings, homes, components, repairs."""

from __future__ import annotations

from odx_graph.mapping.model import (
    Cardinality,
    Entity,
    Field,
    Filter,
    FilterKind,
    Order,
    Relation,
    Scalar,
    snake_case,
)
from odx_graph.vocab import ONS_GEOGRAPHY

# The declarations below are laid out as tables, one field or relation per line.
# fmt: off
STRING, INT, FLOAT, BOOLEAN = Scalar.STRING, Scalar.INT, Scalar.FLOAT, Scalar.BOOLEAN
DATE, DATETIME, DECIMAL = Scalar.DATE, Scalar.DATETIME, Scalar.DECIMAL
STRINGS, IDS, INT_FILTER = FilterKind.STRINGS, FilterKind.IDS, FilterKind.INT
BOOLEAN_FILTER, DATETIME_FILTER = FilterKind.BOOLEAN, FilterKind.DATETIME


def one(name: str, target: str, description: str, term: str, *, column: str = "",
        nullable: bool = True) -> Relation:
    """A foreign key (``{name}_id`` unless given) to another node."""
    return Relation(name, target, Cardinality.ONE, column or f"{snake_case(name)}_id", "id",
                    description, term, nullable=nullable)


def coded(name: str, target: str, description: str, term: str, *, column: str = "",
          nullable: bool = True, enforced: bool = True) -> Relation:
    """A code (``{name}_code`` unless given) from a code list."""
    return Relation(name, target, Cardinality.ONE, column or f"{snake_case(name)}_code", "code",
                    description, term, nullable=nullable, enforced=enforced)


def many(name: str, target: str, foreign_key: str, description: str, term: str, *,
         paged: bool = True, discriminator: tuple[str, str] | None = None) -> Relation:
    """Rows of ``target`` whose ``foreign_key`` is this entity's id."""
    cardinality = Cardinality.CONNECTION if paged else Cardinality.LIST
    return Relation(name, target, cardinality, "id", foreign_key, description, term,
                    nullable=False, discriminator=discriminator)


def references(subject: str) -> Relation:
    """The HACT-style references of a ``subject`` ('home', 'repair'...)."""
    return many("references", "Reference", "subject_id",
                "Identifiers other organisations use for this thing (HACT Reference pattern).",
                "hasReference", paged=False, discriminator=("subject_type", subject))


def generated_by() -> Relation:
    """The import that last created or changed the record (PROV-O)."""
    return Relation("generatedBy", "Import", Cardinality.ONE, "import_id", "id",
                    "The import that last created or changed this record; null when it was "
                    "not imported.", "prov:wasGeneratedBy")


def by_postcode(sql: str) -> Filter:
    """A postcode filter at any level; ``sql`` names ``{postcode_column}``."""
    return Filter("postcode", FilterKind.POSTCODE, sql,
                  "Postcode at any level: area ('SW'), district ('SW1A'), sector ('SW1A 2') "
                  "or full postcode ('SW1A 2AA'). Case and spacing are normalised.")


# Decent Homes lifetime of a component by where it is: a house, or a flat in a block of
# under 6 storeys, or of 6 or more. Communal components take their building's height.
# The rule over the component's type ``ct``, home ``ch`` and building ``b`` joined as in
# LIFETIME_JOINS; COMPONENT_LIFETIME is the same rule for one component ``{t}``.
LIFETIME_RULE = (
    "CASE WHEN b.storeys >= 6 THEN ct.lifetime_high_rise_flat "
    "WHEN b.id IS NOT NULL OR ch.property_type_code IN ('flat', 'maisonette', 'bedsit') "
    "THEN ct.lifetime_low_rise_flat ELSE ct.lifetime_house END"
)
LIFETIME_JOINS = (
    "JOIN component_type ct ON ct.code = {t}.component_type_code "
    "LEFT JOIN home ch ON ch.id = {t}.home_id "
    "LEFT JOIN building b ON b.id = coalesce({t}.building_id, ch.building_id)"
)
COMPONENT_LIFETIME = (
    f"(SELECT {LIFETIME_RULE} FROM component_type ct LEFT JOIN home ch ON ch.id = {{t}}.home_id "
    "LEFT JOIN building b ON b.id = coalesce({t}.building_id, ch.building_id) "
    "WHERE ct.code = {t}.component_type_code)"
)
# Criterion B: key components past life and poor count once, other components twice.
FAILS_DISREPAIR = (
    "(SELECT CASE WHEN count(*) = 0 THEN NULL ELSE "
    "count(*) FILTER (WHERE d.bad AND d.key) >= 1 "
    "OR count(*) FILTER (WHERE d.bad AND NOT d.key) >= 2 END "
    "FROM (SELECT ct.is_key_component AS key, c.condition_code IN ('poor', 'failed') "
    "AND extract(year FROM age(current_date, c.install_date)) >= "
    + COMPONENT_LIFETIME.replace("{t}", "c") + " AS bad "
    "FROM component c JOIN component_type ct ON ct.code = c.component_type_code "
    "WHERE c.home_id = {t}.id OR c.building_id = {t}.building_id) AS d)"
)

# Repairs and components are placed by the postcode of their home.
HOME_POSTCODE = by_postcode(
    "EXISTS (SELECT 1 FROM home h WHERE h.id = {t}.home_id AND h.{postcode_column} = {p})")
ID_ORDER = Order("ID", "{t}.id", INT, "Order of creation.")


ORGANISATION = Entity(
    name="Organisation", table="organisation", iri_segment="organisation",
    collection="organisations",
    description="A landlord (registered provider), contractor or local authority, or "
                "several of these at once.",
    fields=(
        Field("name", STRING, "The organisation's name.", nullable=False),
        Field("registrationNumber", STRING,
              "Regulator of Social Housing registration number (e.g. 'L1234'), if registered."),
        Field("postcodeDistrictsServed", STRING,
              "Postcode districts the organisation works in (contractors).",
              sql="{t}.postcode_districts", term="postcodeDistrictServed", nullable=False,
              many=True),
        Field("website", STRING, "The organisation's website."),
    ),
    relations=(
        coded("kind", "OrganisationKind",
              "The organisation's main role (the one it was registered with); `roles` lists "
              "all of them.", "organisationKind", nullable=False),
        Relation("roles", "OrganisationKind", Cardinality.LIST, "role_codes", "code",
                 "Every role the organisation plays: a council that owns homes is a local "
                 "authority and a landlord.", "organisationRole", nullable=False,
                 source_is_array=True),
        Relation("trades", "Trade", Cardinality.LIST, "trade_codes", "code",
                 "Trades the organisation provides (contractors).", "trade", nullable=False,
                 source_is_array=True),
        references("organisation"),
        many("homes", "Home", "landlord_id", "Homes this organisation is the landlord of.",
             "landlordOf"),
        many("repairs", "Repair", "landlord_id", "Repairs this organisation raised as landlord.",
             "landlordOf"),
        many("jobs", "Repair", "contractor_id",
             "Repairs assigned to this organisation as contractor.", "contractorFor"),
        many("imports", "Import", "organisation_id", "Files this organisation has imported.",
             "imported"),
        generated_by(),
    ),
    filters=(
        Filter("kind", STRINGS, "{t}.role_codes && {p}",
               "Organisations playing any of these roles (kind codes), e.g. ['contractor']."),
        Filter("trade", STRINGS, "{t}.trade_codes && {p}",
               "Contractors offering any of these trade codes."),
        Filter("servesPostcodeDistrict", STRINGS, "{t}.postcode_districts && {p}",
               "Organisations serving any of these postcode districts, e.g. ['E1']."),
        Filter("nameContains", FilterKind.CONTAINS, "{t}.name ILIKE {p}",
               "Names containing this text (case-insensitive)."),
    ),
    orders=(Order("NAME", "{t}.name", STRING, "By name."), ID_ORDER),
)

REFERENCE = Entity(
    name="Reference", table="reference", iri_segment="reference",
    description="A local identifier allocated by an organisation (HACT Reference: ID, "
                "AllocatedBy, Description). Records from different providers link through these.",
    fields=(
        Field("value", STRING, "The identifier as the organisation writes it.",
              term="referenceValue", nullable=False),
        Field("description", STRING,
              "What kind of identifier it is, e.g. 'tenancy system property ref'.",
              term="referenceDescription"),
    ),
    relations=(
        one("allocatedBy", "Organisation", "The organisation that allocated the identifier.",
            "allocatedBy", nullable=False),
    ),
    orders=(ID_ORDER,),
)

BUILDING = Entity(
    name="Building", table="building", iri_segment="building", collection="buildings",
    description="A building or block containing homes, with its own UPRN.",
    fields=(
        Field("uprn", STRING, "Unique Property Reference Number of the building (1-12 digits).",
              sql="{t}.uprn::text"),
        Field("toid", STRING, "Ordnance Survey TOID of the footprint."),
        Field("name", STRING, "The building's name.", nullable=False),
        Field("storeys", INT, "Number of storeys above ground."),
        Field("constructionType", STRING, "How the building is built, e.g. 'concrete frame'."),
        Field("yearBuilt", INT, "Year of construction."),
        Field("postcode", STRING, "The building's postcode."),
    ),
    relations=(
        one("landlord", "Organisation", "The landlord that owns the building.", "landlord"),
        many("homes", "Home", "building_id", "Homes in the building.", "hasHome"),
        many("components", "Component", "building_id",
             "Communal components (lifts, roofs, door entry...).", "hasComponent"),
        references("building"),
    ),
    orders=(Order("NAME", "{t}.name", STRING, "By name."), ID_ORDER),
)

HOME = Entity(
    name="Home", table="home", iri_segment="home", collection="homes",
    description="A dwelling, keyed by its UPRN when known: the join key across providers.",
    fields=(
        Field("uprn", STRING,
              "Unique Property Reference Number (1-12 digits), the national identifier.",
              sql="{t}.uprn::text"),
        Field("addressLine1", STRING, "First line of the address.", nullable=False),
        Field("addressLine2", STRING, "Second line of the address."),
        Field("town", STRING, "Post town."),
        Field("postcode", STRING, "Full postcode, e.g. 'SW1A 2AA'.", nullable=False),
        Field("postcodeArea", STRING, "Postcode area, e.g. 'SW'.", nullable=False, derived=True),
        Field("postcodeDistrict", STRING, "Postcode district (outward code), e.g. 'SW1A'.",
              nullable=False, derived=True),
        Field("postcodeSector", STRING, "Postcode sector, e.g. 'SW1A 2'.", nullable=False,
              derived=True),
        Field("localAuthorityCode", STRING, "ONS code of the local authority, e.g. 'E09000033'.",
              term="localAuthority", iri_prefix=ONS_GEOGRAPHY),
        Field("latitude", FLOAT, "WGS84 latitude."),
        Field("longitude", FLOAT, "WGS84 longitude."),
        Field("bedrooms", INT, "Number of bedrooms."),
        Field("floorLevel", INT, "Floor the home's entrance is on (0 ground, negative basement)."),
        Field("yearBuilt", INT, "Year of construction."),
        Field("failsDisrepairCriterion", BOOLEAN,
              "Decent Homes criterion B: one key component, or two others, of the home or its "
              "building past their lifetime and in poor or failed condition. Null when no "
              "components are recorded.", sql=FAILS_DISREPAIR, derived=True),
    ),
    relations=(
        one("landlord", "Organisation", "The landlord responsible for the home.", "landlord"),
        one("building", "Building", "The building (block) the home is in, if any.", "inBuilding"),
        coded("propertyType", "PropertyType", "House, flat, bungalow...", "propertyType"),
        coded("builtForm", "BuiltForm", "Detached, semi-detached, terrace...", "builtForm"),
        references("home"),
        many("components", "Component", "home_id",
             "The home's components (kitchen, boiler, windows...).", "hasComponent"),
        many("repairs", "Repair", "home_id", "Repairs to the home, newest first by default.",
             "hasRepair"),
        many("dampMouldCases", "DampMouldCase", "home_id",
             "Damp and mould (Awaab's Law) cases about the home, newest first.",
             "hasDampMouldCase"),
        many("energyPerformanceCertificates", "EnergyPerformanceCertificate", "home_id",
             "Energy Performance Certificates of the home, newest first.", "hasCertificate"),
        many("assertions", "Assertion", "home_id",
             "The home's facts as each organisation stated them in its imports, including "
             "values that differ from the ones shown (see the data formats guide).",
             "hasAssertion", paged=False),
        generated_by(),
    ),
    filters=(
        by_postcode("{t}.{postcode_column} = {p}"),
        Filter("landlord", IDS, "{t}.landlord_id = ANY({p})",
               "Homes of any of these landlords (Organisation IDs).", target="Organisation"),
        Filter("propertyType", STRINGS, "{t}.property_type_code = ANY({p})",
               "Property type codes, e.g. ['flat']."),
        Filter("builtForm", STRINGS, "{t}.built_form_code = ANY({p})",
               "Built form codes, e.g. ['mid-terrace']."),
        Filter("bedroomsMin", INT_FILTER, "{t}.bedrooms >= {p}", "At least this many bedrooms.",
               bounds=(0, 30)),
        Filter("bedroomsMax", INT_FILTER, "{t}.bedrooms <= {p}", "At most this many bedrooms.",
               bounds=(0, 30)),
        Filter("yearBuiltFrom", INT_FILTER, "{t}.year_built >= {p}", "Built in or after.",
               bounds=(1000, 2100)),
        Filter("yearBuiltTo", INT_FILTER, "{t}.year_built <= {p}", "Built in or before.",
               bounds=(1000, 2100)),
        Filter("uprn", FilterKind.UPRNS, "{t}.uprn = ANY({p})",
               "Any of these UPRNs (1 to 12 digits each)."),
    ),
    orders=(
        Order("POSTCODE", "{t}.postcode", STRING, "By postcode."),
        Order("UPRN", "coalesce({t}.uprn, 0)", INT, "By UPRN (homes without one first)."),
        Order("YEAR_BUILT", "coalesce({t}.year_built, 0)", INT, "By year built."),
        ID_ORDER,
    ),
)

COMPONENT = Entity(
    name="Component", table="component", iri_segment="component", collection="components",
    description="A building element or fitting of a home, or of a building when communal.",
    fields=(
        Field("installDate", DATE, "When it was installed."),
        Field("make", STRING, "Manufacturer."),
        Field("model", STRING, "Model name or number."),
        Field("lastServicedDate", DATE, "Date of last service."),
        Field("expectedLifetime", INT,
              "Decent Homes lifetime in years for this component where it is (house, flat "
              "in a block under 6 storeys, or 6 storeys or more).",
              sql=COMPONENT_LIFETIME, derived=True),
        Field("ageInYears", INT, "Whole years since installation, as of today.",
              sql="extract(year FROM age(current_date, {t}.install_date))::integer",
              derived=True),
        Field("remainingLifetime", INT,
              "Expected lifetime minus age, in years; negative when past its lifetime.",
              sql=f"({COMPONENT_LIFETIME}) - "
                  "extract(year FROM age(current_date, {t}.install_date))::integer",
              derived=True),
        Field("isPastLifetime", BOOLEAN,
              "Whether its age has reached its Decent Homes lifetime.",
              sql=f"extract(year FROM age(current_date, {{t}}.install_date))::integer "
                  f">= ({COMPONENT_LIFETIME})", derived=True),
    ),
    relations=(
        coded("componentType", "ComponentType",
              "What kind of component it is, with its Decent Homes lifetime.", "componentType",
              nullable=False),
        coded("condition", "Condition", "Condition grade from the latest survey.", "condition"),
        one("home", "Home", "The home the component belongs to (null when communal).",
            "isComponentOf"),
        one("building", "Building", "The building, for communal components.", "isComponentOf"),
        many("repairs", "Repair", "component_id", "Repairs to this component.",
             "affectedByRepair"),
        references("component"),
        generated_by(),
    ),
    filters=(
        Filter("componentType", STRINGS, "{t}.component_type_code = ANY({p})",
               "Component type codes, e.g. ['gas-boiler']."),
        Filter("condition", STRINGS, "{t}.condition_code = ANY({p})",
               "Condition codes, e.g. ['poor', 'failed']."),
        Filter("ageMinYears", INT_FILTER,
               "{t}.install_date <= current_date - make_interval(years => {p})",
               "Installed at least this many years ago.", bounds=(0, 200)),
        Filter("ageMaxYears", INT_FILTER,
               "{t}.install_date > current_date - make_interval(years => {p} + 1)",
               "Installed at most this many whole years ago.", bounds=(0, 200)),
        Filter("installedFrom", FilterKind.DATE, "{t}.install_date >= {p}",
               "Installed on or after."),
        Filter("installedTo", FilterKind.DATE, "{t}.install_date <= {p}",
               "Installed on or before."),
        HOME_POSTCODE,
    ),
    orders=(
        Order("INSTALL_DATE", "coalesce({t}.install_date, '0001-01-01'::date)", DATE,
              "By installation date."),
        ID_ORDER,
    ),
)

REPAIR = Entity(
    name="Repair", table="repair", iri_segment="repair", collection="repairs",
    owners=(("landlord", "{t}.landlord_id"), ("contractor", "{t}.contractor_id"),
            ("home", "{t}.home_id")),
    description="A responsive repair work order raised by a landlord for a home.",
    fields=(
        Field("description", STRING,
              "Description of the work as reported. Free text, so private: null for the "
              "public tier.", private=True),
        Field("reportedAt", DATETIME, "When the problem was reported.", nullable=False),
        Field("raisedAt", DATETIME, "When the work order was raised.", nullable=False),
        Field("targetAt", DATETIME, "The landlord's target completion time for the priority."),
        Field("completedAt", DATETIME, "When the work was completed."),
        Field("cost", DECIMAL, "Total cost in GBP, when complete."),
    ),
    relations=(
        one("home", "Home", "The home repaired.", "forHome", nullable=False),
        one("landlord", "Organisation", "The landlord that raised the repair.", "landlord",
            nullable=False),
        one("contractor", "Organisation", "The contractor assigned, if any.", "contractor"),
        one("component", "Component", "The component repaired, if known.", "affectsComponent"),
        coded("priority", "Priority", "The repair's priority.", "priority", nullable=False),
        coded("status", "RepairStatus", "The current status.", "status", nullable=False),
        coded("trade", "Trade", "The main trade needed.", "trade"),
        many("lines", "RepairLine", "repair_id",
             "Schedule of Rates lines: what was (or will be) done.", "hasLine", paged=False),
        many("statusHistory", "RepairStatusEvent", "repair_id",
             "Every status change, oldest first.", "hasStatusEvent", paged=False),
        references("repair"),
        generated_by(),
    ),
    filters=(
        Filter("status", STRINGS, "{t}.status_code = ANY({p})",
               "Status codes, e.g. ['scheduled', 'in-progress']."),
        Filter("open", BOOLEAN_FILTER,
               "({t}.status_code IN (SELECT code FROM repair_status WHERE is_open)) = {p}",
               "true: only repairs still needing work; false: only closed ones."),
        Filter("priority", STRINGS, "{t}.priority_code = ANY({p})",
               "Priority codes, e.g. ['1', '2']."),
        Filter("trade", STRINGS, "{t}.trade_code = ANY({p})", "Trade codes, e.g. ['PL']."),
        Filter("sorCode", STRINGS,
               "EXISTS (SELECT 1 FROM repair_line l WHERE l.repair_id = {t}.id "
               "AND l.sor_code = ANY({p}))",
               "Repairs with a line of any of these SOR codes."),
        Filter("landlord", IDS, "{t}.landlord_id = ANY({p})",
               "Repairs raised by any of these landlords.", target="Organisation"),
        Filter("contractor", IDS, "{t}.contractor_id = ANY({p})",
               "Repairs assigned to any of these contractors.", target="Organisation"),
        Filter("unassigned", BOOLEAN_FILTER, "({t}.contractor_id IS NULL) = {p}",
               "true: only repairs with no contractor yet."),
        HOME_POSTCODE,
        Filter("reportedFrom", DATETIME_FILTER, "{t}.reported_at >= {p}",
               "Reported at or after."),
        Filter("reportedTo", DATETIME_FILTER, "{t}.reported_at < {p}", "Reported before."),
        Filter("completedFrom", DATETIME_FILTER, "{t}.completed_at >= {p}",
               "Completed at or after."),
        Filter("completedTo", DATETIME_FILTER, "{t}.completed_at < {p}", "Completed before."),
    ),
    orders=(
        Order("REPORTED_AT", "{t}.reported_at", DATETIME,
              "By reported time, newest first unless ASC is asked for.", descending=True),
        Order("TARGET_AT", "coalesce({t}.target_at, 'infinity'::timestamptz)", DATETIME,
              "By target time (no target last when ascending)."),
        Order("COST", "coalesce({t}.cost, 0)", DECIMAL, "By cost."),
        ID_ORDER,
    ),
)

REPAIR_LINE = Entity(
    name="RepairLine", table="repair_line", iri_segment="repair-line",
    description="One Schedule of Rates line of a repair: code, quantity and cost.",
    fields=(
        Field("lineNumber", INT, "Position within the repair.", nullable=False),
        Field("sorCode", STRING, "The SOR code as given: NHF SOR v7 or the landlord's own code.",
              nullable=False),
        Field("quantity", DECIMAL, "Quantity of the item.", nullable=False),
        Field("unitCost", DECIMAL, "Cost per unit in GBP."),
        Field("cost", DECIMAL, "Line cost in GBP."),
    ),
    relations=(
        coded("sorItem", "SorCode",
              "The NHF Schedule of Rates item, when the code is one (null for custom codes).",
              "sorItem", column="sor_code", enforced=False),
    ),
    orders=(Order("LINE_NUMBER", "{t}.line_number", INT, "By line number."),),
)

REPAIR_STATUS_EVENT = Entity(
    name="RepairStatusEvent", table="repair_status_event", iri_segment="repair-status-event",
    owners=tuple((role, f"(SELECT r.{column} FROM repair r WHERE r.id = {{t}}.repair_id)")
                 for role, column in (("landlord", "landlord_id"),
                                      ("contractor", "contractor_id"), ("home", "home_id"))),
    description="A dated change of a repair's status (UKHDS JobStatusUpdate).",
    fields=(
        Field("occurredAt", DATETIME, "When the status changed.", nullable=False),
        Field("note", STRING, "Free-text note. Private: null for the public tier.",
              private=True),
    ),
    relations=(
        coded("status", "RepairStatus", "The new status.", "status", nullable=False),
    ),
    orders=(Order("OCCURRED_AT", "{t}.occurred_at", DATETIME, "Oldest first."),),
)

DAMP_MOULD_CASE = Entity(
    name="DampMouldCase", table="damp_mould_case", iri_segment="damp-mould-case",
    owners=(("landlord", "{t}.landlord_id"), ("home", "{t}.home_id")),
    collection="dampMouldCases",
    description="A damp and mould hazard report handled under Awaab's Law, from the moment "
                "the landlord became aware of it to the home being made safe and put right.",
    fields=(
        Field("awareAt", DATETIME,
              "When the landlord became aware of the potential hazard; the Awaab's Law "
              "clocks start here.", nullable=False),
        Field("investigationStartedAt", DATETIME, "When the investigation started."),
        Field("investigationCompletedAt", DATETIME,
              "When the investigation was completed and its findings known."),
        Field("writtenSummarySentAt", DATETIME,
              "When the written summary of the findings was sent to the resident."),
        Field("madeSafeAt", DATETIME, "When the work to make the home safe was done."),
        Field("furtherWorksRequired", BOOLEAN,
              "Whether works beyond making safe are needed to put the cause right."),
        Field("furtherWorksStartedAt", DATETIME, "When further works started."),
        Field("furtherWorksCompletedAt", DATETIME, "When further works were completed."),
        Field("escalatedAt", DATETIME, "When the case was escalated, if it was."),
        Field("alternativeAccommodationOffered", BOOLEAN,
              "Whether the household was offered somewhere else to stay while the home "
              "could not be made safe."),
    ),
    relations=(
        one("home", "Home", "The home the case is about.", "about", nullable=False),
        one("landlord", "Organisation", "The landlord handling the case.", "landlord",
            nullable=False),
        coded("hazardLevel", "AwaabHazardLevel",
              "Emergency or significant hazard, which sets the timescales.", "hazardLevel",
              column="hazard_level_code"),
        coded("hhsrsHazard", "HhsrsHazard", "The HHSRS hazard (1: damp and mould growth).",
              "hhsrsHazard", nullable=False),
        coded("hhsrsCategory", "HhsrsCategory", "HHSRS category 1 or 2, once assessed.",
              "hhsrsCategory"),
        coded("severity", "DampMouldSeverity", "How severe the damp and mould is.",
              "dampMouldSeverity"),
        references("damp_mould_case"),
        generated_by(),
    ),
    filters=(
        HOME_POSTCODE,
        Filter("landlord", IDS, "{t}.landlord_id = ANY({p})",
               "Cases of any of these landlords.", target="Organisation"),
        Filter("hazardLevel", STRINGS, "{t}.hazard_level_code = ANY({p})",
               "Awaab's Law hazard levels, e.g. ['emergency']."),
        Filter("madeSafe", BOOLEAN_FILTER, "({t}.made_safe_at IS NOT NULL) = {p}",
               "true: only cases where the home has been made safe; false: only the others."),
        Filter("awareFrom", DATETIME_FILTER, "{t}.aware_at >= {p}", "Aware at or after."),
        Filter("awareTo", DATETIME_FILTER, "{t}.aware_at < {p}", "Aware before."),
    ),
    orders=(
        Order("AWARE_AT", "{t}.aware_at", DATETIME, "By awareness time, newest first unless "
              "ASC is asked for.", descending=True),
        ID_ORDER,
    ),
)

ENERGY_PERFORMANCE_CERTIFICATE = Entity(
    name="EnergyPerformanceCertificate", table="energy_performance_certificate",
    iri_segment="epc", collection="energyPerformanceCertificates",
    description="An Energy Performance Certificate lodged on the national register, rating "
                "the home's energy efficiency A to G by its SAP score; valid for 10 years.",
    fields=(
        Field("lmkKey", STRING, "The certificate's key on the EPC register (LMK_KEY).",
              nullable=False),
        Field("certificateNumber", STRING,
              "The report reference number, 0000-0000-0000-0000-0000."),
        Field("issueDate", DATE, "When the certificate was issued (its lodgement date).",
              sql="{t}.lodgement_date", derived=True),
        Field("expiryDate", DATE, "When the certificate stops being valid: 10 years on.",
              sql="({t}.lodgement_date + interval '10 years')::date", derived=True),
        Field("lodgementDate", DATE, "When it was lodged on the register.", nullable=False),
        Field("inspectionDate", DATE, "When the assessor inspected the home."),
        Field("sapScore", INT, "Current energy efficiency (SAP) score."),
        Field("potentialSapScore", INT, "SAP score if the recommendations were carried out."),
    ),
    relations=(
        one("home", "Home", "The home certified.", "about", nullable=False),
        coded("certificateType", "CertificateType", "Always 'epc'.", "certificateType",
              nullable=False),
        coded("epcBand", "EpcBand", "Current energy efficiency band.", "epcBand"),
        coded("potentialEpcBand", "EpcBand", "Potential energy efficiency band.",
              "potentialEpcBand"),
        generated_by(),
    ),
    filters=(
        HOME_POSTCODE,
        Filter("epcBand", STRINGS, "{t}.epc_band_code = ANY({p})",
               "Current bands, e.g. ['E', 'F', 'G']."),
        Filter("lodgedFrom", FilterKind.DATE, "{t}.lodgement_date >= {p}",
               "Lodged on or after."),
        Filter("lodgedTo", FilterKind.DATE, "{t}.lodgement_date <= {p}", "Lodged on or before."),
    ),
    orders=(
        Order("LODGEMENT_DATE", "{t}.lodgement_date", DATE,
              "By lodgement date, newest first unless ASC is asked for.", descending=True),
        ID_ORDER,
    ),
)

IMPORT = Entity(
    name="Import", table="data_import", iri_segment="import", collection="imports",
    owners=(("landlord", "{t}.organisation_id"),),
    description="One run of loading a file into the graph: who supplied it, when, the file's "
                "hash and what it created, changed and left alone (PROV-O activity).",
    fields=(
        Field("format", STRING, "The import format, e.g. 'homes', 'hact', 'epc', 'turtle'.",
              term="importFormat", nullable=False),
        Field("fileName", STRING, "The file's name as given. Private: null for the public "
              "tier, as names can say who a file is about.", private=True),
        Field("fileHash", STRING, "SHA-256 of the file's bytes, in hex.", nullable=False),
        Field("mediaType", STRING, "The file's media type, e.g. 'text/csv'.", nullable=False),
        Field("startedAt", DATETIME, "When the import started.", nullable=False),
        Field("endedAt", DATETIME, "When the import finished.", nullable=False),
        Field("recordsRead", INT, "Records (rows or JSON objects) read.", nullable=False),
        Field("recordsCreated", INT, "Records that created new things.", nullable=False),
        Field("recordsUpdated", INT, "Records that changed things already known.",
              nullable=False),
        Field("recordsUnchanged", INT, "Records that matched what was already known.",
              nullable=False),
        Field("recordsRejected", INT,
              "Records left out because of problems (only with skip-invalid).", nullable=False),
        Field("problemCount", INT, "Problems found in the rejected records.", nullable=False),
    ),
    relations=(
        one("importedBy", "Organisation", "The organisation that supplied the file.",
            "importedBy", column="organisation_id", nullable=False),
    ),
    filters=(
        Filter("importedBy", IDS, "{t}.organisation_id = ANY({p})",
               "Imports by any of these organisations.", target="Organisation"),
        Filter("format", STRINGS, "{t}.format = ANY({p})", "Any of these formats."),
    ),
    orders=(
        Order("STARTED_AT", "{t}.started_at", DATETIME,
              "By start time, newest first unless ASC is asked for.", descending=True),
        ID_ORDER,
    ),
)

ASSERTION = Entity(
    name="Assertion", table="home_assertion", iri_segment="assertion",
    description="A fact about a home as one organisation stated it in one import. When "
                "organisations disagree, every statement is kept here with who made it.",
    fields=(
        Field("property", STRING, "The Home field the statement is about, e.g. 'postcode'.",
              term="assertedProperty", nullable=False),
        Field("value", STRING, "The value stated, as text (null: stated as empty).",
              term="assertedValue"),
        Field("assertedAt", DATETIME, "When the value was last stated.", nullable=False),
    ),
    relations=(
        one("home", "Home", "The home the statement is about.", "about", nullable=False),
        one("assertedBy", "Organisation", "The organisation that made the statement.",
            "assertedBy", column="organisation_id", nullable=False),
        generated_by(),
    ),
    orders=(ID_ORDER,),
)

GRAPH = (ORGANISATION, REFERENCE, BUILDING, HOME, COMPONENT, REPAIR, REPAIR_LINE,
         REPAIR_STATUS_EVENT, DAMP_MOULD_CASE, ENERGY_PERFORMANCE_CERTIFICATE, IMPORT, ASSERTION)
# fmt: on
