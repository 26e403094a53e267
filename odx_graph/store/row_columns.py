"""The columns of a row that both loads write, the importer's upserts and the demo's COPY
(each after the row's id), declared once. Plain names: no database driver is imported."""

from __future__ import annotations

from odx_graph.mapping.damp import DAMP_MOULD_CASE

# An organisation's own facts.
ORGANISATION_COLUMNS = (
    "kind_code",
    "name",
    "registration_number",
    "trade_codes",
    "postcode_districts",
    "website",
)
# A damp and mould case: its landlord, home and codes, then its imported fields (mapping).
DAMP_MOULD_COLUMNS = (
    "landlord_id",
    "home_id",
    "hazard_level_code",
    "hhsrs_hazard_code",
    "hhsrs_category_code",
    "severity_code",
    *(f.column for f in DAMP_MOULD_CASE.imported_fields),
)
# An energy performance certificate's facts, after its home (and the demo's certificate type).
CERTIFICATE_COLUMNS = (
    "lmk_key",
    "certificate_number",
    "lodgement_date",
    "inspection_date",
    "sap_score",
    "potential_sap_score",
    "epc_band_code",
    "potential_epc_band_code",
)
