"""Certificates about homes: Energy Performance Certificates."""

from __future__ import annotations

from odx_graph.mapping.model import Entity
from odx_graph.mapping.model import Field
from odx_graph.mapping.model import Filter
from odx_graph.mapping.model import FilterKind
from odx_graph.mapping.shorthand import DATE
from odx_graph.mapping.shorthand import HOME_POSTCODE
from odx_graph.mapping.shorthand import ID_ORDER
from odx_graph.mapping.shorthand import INT
from odx_graph.mapping.shorthand import STRING
from odx_graph.mapping.shorthand import by_codes
from odx_graph.mapping.shorthand import coded
from odx_graph.mapping.shorthand import generated_by
from odx_graph.mapping.shorthand import newest_first
from odx_graph.mapping.shorthand import one

# The declarations below are laid out as tables, one field or relation per line.
# fmt: off
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
        by_codes("epcBand", "Current bands, e.g. ['E', 'F', 'G']."),
        Filter("lodgedFrom", FilterKind.DATE, "{t}.lodgement_date >= {p}",
               "Lodged on or after."),
        Filter("lodgedTo", FilterKind.DATE, "{t}.lodgement_date <= {p}", "Lodged on or before."),
    ),
    orders=(
        newest_first("LODGEMENT_DATE", DATE, "lodgement date"),
        ID_ORDER,
    ),
)
# fmt: on
