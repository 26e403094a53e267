"""Components of homes and buildings, and the Decent Homes rules on their lifetimes."""

from __future__ import annotations

from odx_graph.mapping.model import Entity
from odx_graph.mapping.model import Field
from odx_graph.mapping.model import Filter
from odx_graph.mapping.model import FilterKind
from odx_graph.mapping.model import Order
from odx_graph.mapping.model import Write
from odx_graph.mapping.shorthand import BOOLEAN
from odx_graph.mapping.shorthand import DATE
from odx_graph.mapping.shorthand import HOME_POSTCODE
from odx_graph.mapping.shorthand import ID_ORDER
from odx_graph.mapping.shorthand import INT
from odx_graph.mapping.shorthand import INT_FILTER
from odx_graph.mapping.shorthand import STRING
from odx_graph.mapping.shorthand import by_codes
from odx_graph.mapping.shorthand import coded
from odx_graph.mapping.shorthand import generated_by
from odx_graph.mapping.shorthand import many
from odx_graph.mapping.shorthand import one
from odx_graph.mapping.shorthand import references

# The declarations below are laid out as tables, one field or relation per line.
# fmt: off
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

COMPONENT = Entity(
    name="Component", table="component", iri_segment="component", collection="components",
    description="A building element or fitting of a home, or of a building when communal.",
    fields=(
        Field("installDate", DATE, "When it was installed.",
              write=Write(about="Date installed, YYYY-MM-DD", example="2016-05-12")),
        Field("make", STRING, "Manufacturer.",
              write=Write(about="Manufacturer", example="Worcester Bosch")),
        Field("model", STRING, "Model name or number.",
              write=Write(about="Model", example="Greenstar 30i")),
        Field("lastServicedDate", DATE, "Date of last service.",
              write=Write(about="Date last serviced, YYYY-MM-DD", example="2024-01-15")),
        Field("expectedLifetime", INT,
              "Decent Homes lifetime in years for this component where it is (house, flat "
              "in a block under 6 storeys, or 6 storeys or more).",
              sql=COMPONENT_LIFETIME, derived=True),
        Field("ageInYears", INT, "Whole years since installation, as of today.",
              sql="extract(year FROM age(current_date, {t}.install_date))::integer",
              derived=True, as_of_today=True),
        Field("remainingLifetime", INT,
              "Expected lifetime minus age, in years; negative when past its lifetime.",
              sql=f"({COMPONENT_LIFETIME}) - "
                  "extract(year FROM age(current_date, {t}.install_date))::integer",
              derived=True, as_of_today=True),
        Field("isPastLifetime", BOOLEAN,
              "Whether its age has reached its Decent Homes lifetime.",
              sql=f"extract(year FROM age(current_date, {{t}}.install_date))::integer "
                  f">= ({COMPONENT_LIFETIME})", derived=True, as_of_today=True),
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
        many("plannedWorks", "PlannedWork", "component_id",
             "Planned works replacing this very component, soonest first.",
             "hasPlannedReplacement"),
        references("component"),
        generated_by(),
    ),
    filters=(
        by_codes("componentType", "Component type codes, e.g. ['gas-boiler']."),
        by_codes("condition", "Condition codes, e.g. ['poor', 'failed']."),
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
# fmt: on
