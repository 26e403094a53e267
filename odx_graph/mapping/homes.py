"""Homes, keyed by UPRN when known, and the buildings (blocks) they are in."""

from __future__ import annotations

from odx_graph.core.vocab import ONS_GEOGRAPHY
from odx_graph.mapping.components import FAILS_DISREPAIR
from odx_graph.mapping.estates import IN_ESTATES
from odx_graph.mapping.model import Entity
from odx_graph.mapping.model import Field
from odx_graph.mapping.model import Filter
from odx_graph.mapping.model import FilterKind
from odx_graph.mapping.model import Form
from odx_graph.mapping.model import Order
from odx_graph.mapping.model import Write
from odx_graph.mapping.shorthand import BOOLEAN
from odx_graph.mapping.shorthand import FLOAT
from odx_graph.mapping.shorthand import ID_ORDER
from odx_graph.mapping.shorthand import IDS
from odx_graph.mapping.shorthand import INT
from odx_graph.mapping.shorthand import INT_FILTER
from odx_graph.mapping.shorthand import STRING
from odx_graph.mapping.shorthand import by_codes
from odx_graph.mapping.shorthand import by_landlord
from odx_graph.mapping.shorthand import by_postcode
from odx_graph.mapping.shorthand import coded
from odx_graph.mapping.shorthand import generated_by
from odx_graph.mapping.shorthand import many
from odx_graph.mapping.shorthand import one
from odx_graph.mapping.shorthand import references

# The declarations below are laid out as tables, one field or relation per line.
# fmt: off
BUILDING = Entity(
    name="Building", table="building", iri_segment="building", collection="buildings",
    description="A building or block containing homes, with its own UPRN.",
    fields=(
        Field("uprn", STRING, "Unique Property Reference Number of the building (1-12 digits).",
              sql="{t}.uprn::text", write=Write(form=Form.UPRN, imported=False)),
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
        many("plannedWorks", "PlannedWork", "building_id",
             "Planned works to the building's communal parts, soonest first.",
             "hasPlannedReplacement"),
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
              sql="{t}.uprn::text",
              write=Write(about="Unique Property Reference Number, 1 to 12 digits",
                          example="100023336956", form=Form.UPRN)),
        Field("addressLine1", STRING, "First line of the address.", nullable=False,
              write=Write(about="First line of the address", example="1 High Street",
                          required=True)),
        Field("addressLine2", STRING, "Second line of the address.",
              write=Write(about="Second line of the address", example="Flat 2")),
        Field("town", STRING, "Post town.", write=Write(about="Post town", example="Bromley")),
        Field("postcode", STRING, "Full postcode, e.g. 'SW1A 2AA'.", nullable=False,
              write=Write(about="Full postcode", example="BR1 1AA", required=True,
                          form=Form.POSTCODE)),
        Field("postcodeArea", STRING, "Postcode area, e.g. 'SW'.", nullable=False, derived=True),
        Field("postcodeDistrict", STRING, "Postcode district (outward code), e.g. 'SW1A'.",
              nullable=False, derived=True),
        Field("postcodeSector", STRING, "Postcode sector, e.g. 'SW1A 2'.", nullable=False,
              derived=True),
        Field("localAuthorityCode", STRING, "ONS code of the local authority, e.g. 'E09000033'.",
              term="localAuthority", iri_prefix=ONS_GEOGRAPHY,
              write=Write(about="ONS local authority code", example="E09000006",
                          pattern="[ENSW][0-9]{8}")),
        Field("latitude", FLOAT, "WGS84 latitude.",
              write=Write(about="WGS84 latitude (Great Britain)", example="51.401545",
                          bounds=(49, 61))),
        Field("longitude", FLOAT, "WGS84 longitude.",
              write=Write(about="WGS84 longitude (Great Britain)", example="0.01544",
                          bounds=(-9, 2.5))),
        Field("bedrooms", INT, "Number of bedrooms.",
              write=Write(about="Number of bedrooms", example="2", bounds=(0, 30))),
        Field("floorLevel", INT, "Floor the home's entrance is on (0 ground, negative basement).",
              write=Write(about="Floor of the entrance, 0 = ground", example="3",
                          bounds=(-5, 200))),
        Field("yearBuilt", INT, "Year of construction.",
              write=Write(about="Year of construction", example="1965", bounds=(1000, 2100))),
        Field("failsDisrepairCriterion", BOOLEAN,
              "Decent Homes criterion B: one key component, or two others, of the home or its "
              "building past their lifetime and in poor or failed condition. Null when no "
              "components are recorded.", sql=FAILS_DISREPAIR, derived=True, as_of_today=True),
    ),
    relations=(
        one("landlord", "Organisation", "The landlord responsible for the home.", "landlord"),
        one("building", "Building", "The building (block) the home is in, if any.", "inBuilding"),
        coded("propertyType", "PropertyType", "House, flat, bungalow...", "propertyType"),
        coded("builtForm", "BuiltForm", "Detached, semi-detached, terrace...", "builtForm"),
        coded("tenure", "Tenure", "Social rent, affordable rent, shared ownership...: how the "
              "home is let or owned, in the Regulator's LCRA or LCHO group.", "tenure"),
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
        many("plannedWorks", "PlannedWork", "home_id",
             "Planned works to the home (a new kitchen, roof...), soonest first.",
             "hasPlannedReplacement"),
        many("assertions", "Assertion", "home_id",
             "The home's facts as each organisation stated them in its imports, including "
             "values that differ from the ones shown (see the data formats guide).",
             "hasAssertion", paged=False),
        generated_by(),
        IN_ESTATES,
    ),
    filters=(
        by_postcode("{t}.{postcode_column} = {p}"),
        by_landlord("Homes of any of these landlords (Organisation IDs)."),
        Filter("estate", IDS,
               "{t}.id IN (SELECT m.home_id FROM estate_home_member m "
               "WHERE m.estate_id = ANY({p}))",
               "Homes that are members of any of these estates (Estate IDs).", target="Estate"),
        by_codes("propertyType", "Property type codes, e.g. ['flat']."),
        by_codes("builtForm", "Built form codes, e.g. ['mid-terrace']."),
        by_codes("tenure", "Tenure codes, e.g. ['social-rent']."),
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
# fmt: on
