"""Estates: a landlord's named groups of homes (the ontology's sites), by listed homes,
listed buildings or postcodes, resolved by the ``estate_home_member`` view."""

from __future__ import annotations

from odx_graph.mapping.model import Cardinality
from odx_graph.mapping.model import Entity
from odx_graph.mapping.model import Field
from odx_graph.mapping.model import Filter
from odx_graph.mapping.model import FilterKind
from odx_graph.mapping.model import Order
from odx_graph.mapping.model import Relation
from odx_graph.mapping.shorthand import ID_ORDER
from odx_graph.mapping.shorthand import STRING
from odx_graph.mapping.shorthand import by_landlord
from odx_graph.mapping.shorthand import generated_by
from odx_graph.mapping.shorthand import one

# Every membership of an estate, one row per (estate, home) (migration 0023).
MEMBERS = ("estate_home_member", "estate_id", "home_id")
HOME_ESTATES = ("estate_home_member", "home_id", "estate_id")

# The declarations below are laid out as tables, one field or relation per line.
# fmt: off
ESTATE = Entity(
    name="Estate", table="estate", iri_segment="estate", collection="estates", term="Site",
    owners=(("landlord", "{t}.landlord_id"),),
    description="A landlord's estate: a named group of its homes, given as homes, buildings "
                "(every home in them) or an area of full postcodes and postcode sectors. "
                "Only the landlord's own homes are members, whatever the route.",
    fields=(
        Field("name", STRING, "The estate's name.", nullable=False),
        Field("reference", STRING, "The landlord's own reference of the estate, unique among "
              "its estates.", term="estateReference", nullable=False),
        Field("postcodes", STRING, "Full postcodes ('SW1A 2AA') and postcode sectors "
              "('SW1A 2') whose homes of the landlord are members.", term="estatePostcode",
              nullable=False, many=True),
    ),
    relations=(
        one("landlord", "Organisation", "The landlord whose estate it is.", "landlord",
            nullable=False),
        Relation("buildings", "Building", Cardinality.LIST, "building_ids", "id",
                 "Buildings listed as part of the estate: every home in them is a member.",
                 "hasBuilding", nullable=False, source_is_array=True),
        Relation("listedHomes", "Home", Cardinality.LIST, "home_ids", "id",
                 "Homes listed one by one as members.", "listsHome", nullable=False,
                 source_is_array=True),
        Relation("homes", "Home", Cardinality.CONNECTION, "id", "id",
                 "Every member home: listed, in a listed building, or at one of the "
                 "estate's postcodes.", "includesHome", nullable=False, via=MEMBERS),
        generated_by(),
    ),
    filters=(
        by_landlord("Estates of any of these landlords."),
        Filter("reference", FilterKind.STRINGS, "{t}.reference = ANY({p})",
               "Any of these references of the landlord's."),
        Filter("nameContains", FilterKind.CONTAINS, "{t}.name ILIKE {p}",
               "Names containing this text (case-insensitive)."),
    ),
    orders=(Order("NAME", "{t}.name", STRING, "By name."), ID_ORDER),
)
# fmt: on

# Home.estates: the estates a home is a member of, by any route.
IN_ESTATES = Relation(
    "estates", "Estate", Cardinality.LIST, "id", "id",
    "The estates the home is a member of (listed, in a listed building, or by postcode).",
    "inEstate", nullable=False, via=HOME_ESTATES,
)  # fmt: skip
