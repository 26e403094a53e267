"""Organisations: landlords, contractors and local authorities."""

from __future__ import annotations

from odx_graph.mapping.model import Cardinality
from odx_graph.mapping.model import Entity
from odx_graph.mapping.model import Field
from odx_graph.mapping.model import Filter
from odx_graph.mapping.model import Form
from odx_graph.mapping.model import Order
from odx_graph.mapping.model import Relation
from odx_graph.mapping.model import Write
from odx_graph.mapping.shorthand import CONTAINS
from odx_graph.mapping.shorthand import ID_ORDER
from odx_graph.mapping.shorthand import STRING
from odx_graph.mapping.shorthand import STRINGS
from odx_graph.mapping.shorthand import coded
from odx_graph.mapping.shorthand import generated_by
from odx_graph.mapping.shorthand import many
from odx_graph.mapping.shorthand import references

# The declarations below are laid out as tables, one field or relation per line.
# fmt: off
ORGANISATION = Entity(
    name="Organisation", table="organisation", iri_segment="organisation",
    collection="organisations",
    description="A landlord (registered provider), contractor or local authority, or "
                "several of these at once.",
    # The contractors template writes these (its own reader and writer: imported=False).
    fields=(
        Field("name", STRING, "The organisation's name.", nullable=False,
              write=Write(about="Organisation name", example="Thames Property Services Ltd",
                          required=True, imported=False)),
        Field("registrationNumber", STRING,
              "Regulator of Social Housing registration number (e.g. 'L1234'), if registered.",
              write=Write(about="Company or registration number", example="01234567",
                          imported=False)),
        Field("postcodeDistrictsServed", STRING,
              "Postcode districts the organisation works in (contractors).",
              sql="{t}.postcode_districts", term="postcodeDistrictServed", nullable=False,
              many=True,
              write=Write(column="postcode_districts", about="Postcode districts served",
                          example="BR1|SE6", form=Form.DISTRICTS, imported=False)),
        Field("website", STRING, "The organisation's website.",
              write=Write(about="Web site, http:// or https://", example="https://example.org",
                          form=Form.URL, imported=False)),
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
        many("investmentProgrammes", "InvestmentProgramme", "landlord_id",
             "Investment programmes of this organisation as landlord.", "landlordOf"),
        generated_by(),
    ),
    filters=(
        Filter("kind", STRINGS, "{t}.role_codes && {p}",
               "Organisations playing any of these roles (kind codes), e.g. ['contractor']."),
        Filter("trade", STRINGS, "{t}.trade_codes && {p}",
               "Contractors offering any of these trade codes; an unknown code is an error.",
               codes="Trade"),
        # By the districts kept one a row (migration 0041): an index look-up, where the
        # array would be read whole for every organisation.
        Filter("servesPostcodeDistrict", STRINGS,
               "EXISTS (SELECT 1 FROM organisation_district od WHERE od.organisation_id = {t}.id"
               " AND od.postcode_district = ANY({p}))",
               "Organisations serving any of these postcode districts, e.g. ['E1']."),
        Filter("nameContains", CONTAINS, "{t}.name ILIKE {p}",
               "Names containing this text (case-insensitive)."),
    ),
    orders=(Order("NAME", "{t}.name", STRING, "By name."), ID_ORDER),
)
# fmt: on
