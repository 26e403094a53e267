"""The EPC register's domestic open-data export (``certificates.csv``) read into records.

Rules:

* Header names are compared upper-cased with ``-`` read as ``_``, since the register's
  downloads have used both ``LMK_KEY`` and ``lmk-key``. Columns this reader does not use
  are ignored: the register adds columns over time.
* The export repeats some column names (``HOT_WATER_COST_CURRENT``, ``FLOOR_DESCRIPTION``,
  ``MAINHEATC_ENERGY_EFF``...). The first occurrence is the value; later ones are ignored,
  except for the columns this reader uses, where a later non-empty value that differs is
  reported. (In the register's own fixture the repeats are sometimes empty where the first
  is filled, so an empty repeat is not a disagreement.)
* The certificate key is ``LMK_KEY``, else ``ASSESSMENT_ID``. The UPRN is the ``UPRN``
  column when given, else ``BUILDING_REFERENCE_NUMBER`` when it has the form
  ``UPRN-`` + 12 digits (all zeros meaning none); another building reference is not a UPRN.
* Ratings are upper-cased and must be A to G and agree with the SAP score's band
  (A 92+, B 81-91, C 69-80, D 55-68, E 39-54, F 21-38, G 1-20).
* ``PROPERTY_TYPE`` and ``BUILT_FORM`` are mapped to the ontology's ``property-type`` and
  ``built-form`` codes; the register's ``NO DATA!`` / ``INVALID!`` markers mean no value;
  other values are kept as given, for validation to report.
"""

from __future__ import annotations

import datetime as dt
import re

from odx_graph.services.importing.cells import CellError
from odx_graph.services.importing.cells import parse_uprn
from odx_graph.services.importing.columns import Cells
from odx_graph.services.importing.columns import Column
from odx_graph.services.importing.columns import Columns
from odx_graph.services.importing.columns import Kind
from odx_graph.services.importing.duplicates import report_duplicates
from odx_graph.services.importing.records import EpcRecord
from odx_graph.services.importing.records import Parsed
from odx_graph.services.importing.records import Problem
from odx_graph.services.importing.textfile import decode_text
from odx_graph.services.importing.textfile import read_table

# SAP scores run 1-100, above 100 for homes that export more energy than they use.
SCORE_LOW, SCORE_HIGH = 1, 999
_NO_DATE = dt.date.min  # placeholder for a failed required date; never returned

EPC_COLUMNS = Columns(
    (
        Column("LMK_KEY", Kind.TEXT, "Certificate key"),
        Column("ASSESSMENT_ID", Kind.TEXT, "Certificate key in newer exports"),
        Column("CERTIFICATE_NUMBER", Kind.TEXT, "Certificate number"),
        Column("UPRN", Kind.UPRN, "UPRN"),
        Column("BUILDING_REFERENCE_NUMBER", Kind.TEXT, "UPRN-000012345678 or other"),
        Column("ADDRESS1", Kind.TEXT, "First address line"),
        Column("POSTCODE", Kind.POSTCODE, "Postcode"),
        Column("LODGEMENT_DATE", Kind.DATE, "Lodgement date", required=True),
        Column("INSPECTION_DATE", Kind.DATE, "Inspection date"),
        Column(
            "CURRENT_ENERGY_EFFICIENCY", Kind.INTEGER, "SAP score", low=SCORE_LOW, high=SCORE_HIGH
        ),
        Column(
            "POTENTIAL_ENERGY_EFFICIENCY",
            Kind.INTEGER,
            "Potential SAP score",
            low=SCORE_LOW,
            high=SCORE_HIGH,
        ),
        Column("CURRENT_ENERGY_RATING", Kind.TEXT, "Band A-G"),
        Column("POTENTIAL_ENERGY_RATING", Kind.TEXT, "Potential band A-G"),
        Column("PROPERTY_TYPE", Kind.TEXT, "Property type"),
        Column("BUILT_FORM", Kind.TEXT, "Built form"),
    )
)

# Codes of the ontology's property-type and built-form schemes (ontology/odx.ttl), keyed
# by the register's spelling, lower-cased.
PROPERTY_TYPES = {
    "house": "house",
    "bungalow": "bungalow",
    "flat": "flat",
    "maisonette": "maisonette",
    "park home": "park-home",
}
BUILT_FORMS = {
    "detached": "detached",
    "semi-detached": "semi-detached",
    "mid-terrace": "mid-terrace",
    "end-terrace": "end-terrace",
    "enclosed mid-terrace": "enclosed-mid-terrace",
    "enclosed end-terrace": "enclosed-end-terrace",
}
_NO_DATA = frozenset({"no data!", "invalid!", "not recorded", "n/a"})

# Lowest SAP score of each band.
BANDS = (("A", 92), ("B", 81), ("C", 69), ("D", 55), ("E", 39), ("F", 21), ("G", 1))
_BRN_UPRN = re.compile(r"^UPRN-([0-9]{12})$")


def band_for_score(score: int) -> str:
    """The EPC band of a SAP score (scores below 1 are given G)."""
    return next((band for band, lowest in BANDS if score >= lowest), "G")


def _fold(name: str) -> str:
    return name.upper().replace("-", "_")


def _mapped(value: str | None, codes: dict[str, str]) -> str | None:
    if value is None or value.lower() in _NO_DATA:
        return None
    return codes.get(value.lower(), value)


def _rating(cells: Cells, rating_column: str, score: int | None) -> str | None:
    text = cells.text(rating_column)
    if text is None:
        return None
    band = text.upper()
    if band not in {b for b, _ in BANDS}:
        cells.report(rating_column, text, "is not an EPC band A to G")
        return None
    if score is not None and band_for_score(score) != band:
        cells.report(
            rating_column,
            text,
            f"band {band} does not match the SAP score {score}, which is band "
            f"{band_for_score(score)}",
        )
    return band


def _uprn(cells: Cells) -> int | None:
    if cells.raw("UPRN"):
        return cells.uprn("UPRN")
    reference = cells.raw("BUILDING_REFERENCE_NUMBER")
    if not reference.upper().startswith("UPRN-"):
        return None  # the register's own building reference, not a UPRN
    match = _BRN_UPRN.match(reference.upper())
    if match is None:
        cells.report("BUILDING_REFERENCE_NUMBER", reference, "is not UPRN- and 12 digits")
        return None
    if int(match.group(1)) == 0:
        return None
    try:
        return parse_uprn(match.group(1))
    except CellError as error:  # pragma: no cover - 12 digits, not zero: always valid
        cells.report("BUILDING_REFERENCE_NUMBER", reference, error.reason)
        return None


def _header_problems(header: list[str], source: str) -> list[Problem]:
    names = set(header)
    problems = []
    if not names & {"LMK_KEY", "ASSESSMENT_ID"}:
        problems.append(
            Problem(source, "LMK_KEY", "", "the column LMK_KEY or ASSESSMENT_ID is missing")
        )
    if not names & {"CURRENT_ENERGY_RATING", "CURRENT_ENERGY_EFFICIENCY"}:
        problems.append(
            Problem(
                source,
                "CURRENT_ENERGY_RATING",
                "",
                "the column CURRENT_ENERGY_RATING or CURRENT_ENERGY_EFFICIENCY is missing",
            )
        )
    return problems


def read_epc(data: bytes, source: str) -> Parsed:
    """Read an EPC domestic export; see the module docs for the rules."""
    parsed = Parsed()
    text, found = decode_text(data, source)
    problems = parsed.problems
    problems.extend(found)
    if text is None:
        parsed.rejected |= problems.records
        return parsed
    table = read_table(
        text,
        expected=None,
        required=("LODGEMENT_DATE", "POSTCODE"),
        source=source,
        allow_repeated=True,
        must_agree=EPC_COLUMNS,
        fold=_fold,
    )
    problems.extend(table.problems)
    if table.header:
        problems.extend(_header_problems(table.header, source))
    records = []
    for line, values in table.rows:
        cells = Cells(f"row {line}", values, EPC_COLUMNS, problems)
        key = cells.text("LMK_KEY") or cells.text("ASSESSMENT_ID")
        if key is None:
            cells.report("LMK_KEY", "", "a certificate needs an LMK_KEY or ASSESSMENT_ID")
        score = cells.integer("CURRENT_ENERGY_EFFICIENCY")
        potential = cells.integer("POTENTIAL_ENERGY_EFFICIENCY")
        band = _rating(cells, "CURRENT_ENERGY_RATING", score)
        if not cells.raw("CURRENT_ENERGY_RATING") and not cells.raw("CURRENT_ENERGY_EFFICIENCY"):
            cells.report("CURRENT_ENERGY_RATING", "", "a certificate needs a rating or a score")
        record = EpcRecord(
            location=cells.location,
            lmk_key=key or "",
            uprn=_uprn(cells),
            address_line_1=cells.text("ADDRESS1"),
            postcode=cells.postcode("POSTCODE"),
            lodgement_date=cells.date("LODGEMENT_DATE") or _NO_DATE,
            inspection_date=cells.date("INSPECTION_DATE"),
            certificate_number=cells.text("CERTIFICATE_NUMBER"),
            sap_score=score,
            potential_sap_score=potential,
            epc_band=band,
            potential_epc_band=_rating(cells, "POTENTIAL_ENERGY_RATING", potential),
            property_type=_mapped(cells.text("PROPERTY_TYPE"), PROPERTY_TYPES),
            built_form=_mapped(cells.text("BUILT_FORM"), BUILT_FORMS),
        )
        if cells.ok:
            records.append(record)
    keys = [(v.get("LMK_KEY") or v.get("ASSESSMENT_ID", ""), f"row {n}") for n, v in table.rows]
    key_column = "LMK_KEY" if "LMK_KEY" in table.header else "ASSESSMENT_ID"
    report_duplicates(
        problems, key_column, ((k or None, where, k) for k, where in keys), "certificate key"
    )
    parsed.rejected |= problems.records
    parsed.records_read = table.rows_seen
    parsed.refused = source in parsed.rejected
    parsed.records = [r for r in records if r.location not in parsed.rejected]
    return parsed
