"""The import readers: CSV templates, EPC export, and hostile files. No database needed.

Postcodes, local authority codes and coordinates are real (ONS Postcode Directory
sample); SOR codes are real NHF SOR v7 codes.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path
from typing import Any
from typing import TypeVar

import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from rdflib import Graph
from rdflib import Literal
from rdflib import URIRef
from rdflib.namespace import SKOS

from odx_graph.core.vocab import ontology_dir
from odx_graph.services.importing import cells
from odx_graph.services.importing.cells import CellError
from odx_graph.services.importing.columns import rows_label
from odx_graph.services.importing.csv_templates import TEMPLATES
from odx_graph.services.importing.csv_templates import blank_template
from odx_graph.services.importing.csv_templates import read_components
from odx_graph.services.importing.csv_templates import read_contractors
from odx_graph.services.importing.csv_templates import read_custom_sor_codes
from odx_graph.services.importing.csv_templates import read_damp_mould_cases
from odx_graph.services.importing.csv_templates import read_homes
from odx_graph.services.importing.csv_templates import read_repairs
from odx_graph.services.importing.csv_templates import read_template
from odx_graph.services.importing.csv_templates import template_markdown
from odx_graph.services.importing.epc import BUILT_FORMS
from odx_graph.services.importing.epc import PROPERTY_TYPES
from odx_graph.services.importing.epc import read_epc
from odx_graph.services.importing.records import ComponentRecord
from odx_graph.services.importing.records import ContractorRecord
from odx_graph.services.importing.records import CustomSorCodeRecord
from odx_graph.services.importing.records import DampMouldCaseRecord
from odx_graph.services.importing.records import EpcRecord
from odx_graph.services.importing.records import HomeLink
from odx_graph.services.importing.records import HomeRecord
from odx_graph.services.importing.records import Parsed
from odx_graph.services.importing.records import Record
from odx_graph.services.importing.records import RepairRecord
from odx_graph.services.importing.textfile import decode_text
from odx_graph.services.importing.textfile import read_table
from odx_graph.services.importing.textfile import safe_echo

FIXTURES = Path(__file__).parent / "fixtures"
UTC = dt.UTC
R = TypeVar("R")
INJECTION = "=cmd|' /C calc'!A0"
HOMES_HEADER = "home_ref,uprn,address_line_1,postcode"


def csv_bytes(*lines: str) -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def reasons(parsed: Parsed) -> list[str]:
    return [f"{p.record}|{p.field}|{p.reason}" for p in parsed.problems]


def only(records: list[Record], kind: type[R]) -> list[R]:
    assert all(isinstance(r, kind) for r in records)
    return [r for r in records if isinstance(r, kind)]


# --- happy paths -------------------------------------------------------------------------


def test_homes_happy_path() -> None:
    parsed = read_homes(
        csv_bytes(
            "home_ref,uprn,address_line_1,address_line_2,town,postcode,local_authority_code,"
            "latitude,longitude,property_type,built_form,bedrooms,floor_level,year_built",
            "H-1,100023336956,1 High Street,Flat 2,Bromley,br1 1aa,E09000006,51.401545,0.01544,"
            "flat,mid-terrace,2,3,1965",
            ",000010023336,5 Colmore Row,,Birmingham,B1 1AA,e08000025,52.476674,-1.90353,house,"
            "detached,0,0,1890",
            "H-3,,2 Queen Street,,Cardiff,CF11AA,W06000015,,,,,,,",
        ),
        "homes.csv",
    )
    assert parsed.problems == []
    assert parsed.records_read == 3
    homes = only(parsed.records, HomeRecord)
    assert [h.location for h in homes] == ["row 2", "row 3", "row 4"]
    first, second, third = homes
    assert first == HomeRecord(
        location="row 2",
        reference="H-1",
        uprn=100023336956,
        address_line_1="1 High Street",
        postcode="BR1 1AA",
        address_line_2="Flat 2",
        town="Bromley",
        local_authority_code="E09000006",
        latitude=51.401545,
        longitude=0.01544,
        property_type="flat",
        built_form="mid-terrace",
        bedrooms=2,
        floor_level=3,
        year_built=1965,
    )
    assert (second.reference, second.uprn, second.local_authority_code) == (
        None,
        10023336,
        "E08000025",
    )
    assert second.bedrooms == 0
    assert (third.postcode, third.latitude, third.bedrooms) == ("CF1 1AA", None, None)


def test_components_happy_path() -> None:
    parsed = read_components(
        csv_bytes(
            "component_ref,home_ref,home_uprn,component_type,install_date,condition,make,model,"
            "last_serviced_date",
            "C-77,H-1,,gas-boiler,2016-05-12,good,Worcester Bosch,Greenstar 30i,2024-01-15",
            "C-78,,100023336956, kitchen ,2009-11-30,fair,,,",
        ),
        "components.csv",
    )
    assert parsed.problems == []
    boiler, kitchen = only(parsed.records, ComponentRecord)
    assert boiler.home == HomeLink("H-1", None)
    assert boiler.install_date == dt.date(2016, 5, 12)
    assert boiler.last_serviced_date == dt.date(2024, 1, 15)
    assert (boiler.make, boiler.model) == ("Worcester Bosch", "Greenstar 30i")
    assert kitchen.home == HomeLink(None, 100023336956)
    assert kitchen.component_type == "kitchen"
    assert kitchen.make is None


REPAIRS_HEADER = (
    "repair_ref,home_ref,home_uprn,priority,status,trade,contractor_ref,component_ref,"
    "description,reported_at,raised_at,target_at,completed_at,repair_cost,line_number,"
    "sor_code,quantity,unit_cost,line_cost"
)
R1 = (
    "R-1,H-1,,2,complete,PL,K-12,C-77,Leak under sink,2024-06-03 09:30,,,"
    "2024-06-03T16:45:00Z,142.50"
)


def test_repairs_grouped_by_reference() -> None:
    parsed = read_repairs(
        csv_bytes(
            REPAIRS_HEADER,
            R1 + ",2,PL010315,1,95.00,95.00",
            "R-2,,100023336956,4,reported,,,,,2024-01-10T08:00:00+00:00,,,,,,,,,",
            R1 + ",1,PL040641,2.5,19.00,47.50",
        ),
        "repairs.csv",
    )
    assert parsed.problems == []
    assert parsed.records_read == 2
    leak, other = only(parsed.records, RepairRecord)
    assert leak.location == "rows 2, 4"
    assert leak.home == HomeLink("H-1", None)
    # A time without offset is UK local time: 09:30 BST is 08:30 UTC.
    assert leak.reported_at == dt.datetime(2024, 6, 3, 8, 30, tzinfo=UTC)
    assert leak.completed_at == dt.datetime(2024, 6, 3, 16, 45, tzinfo=UTC)
    assert leak.raised_at is None
    assert leak.cost == Decimal("142.50")
    assert (leak.trade, leak.contractor_reference, leak.component_reference) == (
        "PL",
        "K-12",
        "C-77",
    )
    assert [(line.sor_code, line.quantity, line.cost) for line in leak.lines] == [
        ("PL040641", Decimal("2.5"), Decimal("47.50")),
        ("PL010315", Decimal("1"), Decimal("95.00")),
    ]
    assert other.location == "row 3"
    assert other.lines == []
    assert other.home == HomeLink(None, 100023336956)


def test_repair_rows_must_agree_and_lines_must_be_whole() -> None:
    parsed = read_repairs(
        csv_bytes(
            REPAIRS_HEADER,
            R1 + ",1,PL010315,1,95.00,95.00",
            R1.replace(",2,complete", ",1,complete") + ",2,PL040641,1,19.00,19.00",
            R1 + ",2,PL040641,,,",
            "R-3,H-2,,3,reported,,,,,2024-01-10,,,,,,EL010014,,,",
            "R-4,H-2,,3,reported,,,,,2024-01-10,,,,,,,2,,",
        ),
        "repairs.csv",
    )
    found = reasons(parsed)
    assert (
        "row 3|priority|differs from row 2: every row of a repair repeats its repair columns"
        in (found)
    )
    assert "row 4|quantity|a SOR line needs a quantity" in found
    assert any(r.startswith("row 3|line_number|the same line_number") for r in found)
    assert any(r.startswith("row 4|line_number|the same line_number") for r in found)
    assert "row 5|quantity|a SOR line needs a quantity" in found
    assert "row 6|sor_code|a SOR line needs a sor_code" in found
    assert parsed.records == []
    assert {"rows 2-4", "row 5", "row 6"} <= parsed.rejected
    assert parsed.records_read == 3


def test_contractors_happy_path() -> None:
    parsed = read_contractors(
        csv_bytes(
            "contractor_ref,name,registration_number,trades,postcode_districts,website",
            "K-12,Thames Property Services Ltd,01234567,PL|EL| GA ,br1|SE6|E1,https://example.org",
            "K-13,Brum Roofing,,RF,,",
        ),
        "contractors.csv",
    )
    assert parsed.problems == []
    thames, brum = only(parsed.records, ContractorRecord)
    assert thames.trades == ("PL", "EL", "GA")
    assert thames.postcode_districts == ("BR1", "SE6", "E1")
    assert thames.website == "https://example.org"
    assert (brum.trades, brum.postcode_districts, brum.website) == (("RF",), (), None)


def test_damp_mould_cases_happy_path() -> None:
    header = ",".join(TEMPLATES["damp-mould-cases"].column_names)
    parsed = read_damp_mould_cases(
        csv_bytes(
            header,
            "DM-301,H-1,,2025-11-03T08:15:00Z,significant,1,2,medium,2025-11-05T10:00:00Z,"
            "2025-11-05T12:00:00Z,2025-11-06,2025-11-10T15:00:00Z,Yes,,,,N",
        ),
        "cases.csv",
    )
    assert parsed.problems == []
    (case,) = only(parsed.records, DampMouldCaseRecord)
    assert case.aware_at == dt.datetime(2025, 11, 3, 8, 15, tzinfo=UTC)
    # A date alone is 00:00 UK time (GMT in November).
    assert case.written_summary_sent_at == dt.datetime(2025, 11, 6, tzinfo=UTC)
    assert (case.hhsrs_hazard, case.hhsrs_category, case.hazard_level) == ("1", "2", "significant")
    assert case.further_works_required is True
    assert case.alternative_accommodation_offered is False
    assert case.escalated_at is None


def test_custom_sor_codes() -> None:
    parsed = read_custom_sor_codes(
        csv_bytes(
            "sor_code,description",
            "XX-BOARDUP,Board up window out of hours",
            "LL.001_a,",
            "BAD CODE,space",
            "ABCDEFGHIJKLMNOPQRSTU,21 characters",
        ),
        "sor.csv",
    )
    codes = only(parsed.records, CustomSorCodeRecord)
    assert [(c.code, c.description) for c in codes] == [
        ("XX-BOARDUP", "Board up window out of hours"),
        ("LL.001_a", None),
    ]
    assert [(p.record, p.field) for p in parsed.problems] == [
        ("row 4", "sor_code"),
        ("row 5", "sor_code"),
    ]


def test_read_template_dispatches_every_template() -> None:
    for name in TEMPLATES:
        parsed = read_template(name, blank_template(name), f"{name}.csv")
        assert parsed.problems == [], name
        assert (parsed.records, parsed.records_read) == ([], 0)


# --- the EPC export ----------------------------------------------------------------------


def test_epc_register_sample() -> None:
    parsed = read_epc((FIXTURES / "epc_domestic_export_sample.csv").read_bytes(), "epc.csv")
    assert parsed.problems == []
    first, second = only(parsed.records, EpcRecord)
    assert first.lmk_key.startswith("5cb9fa3b")  # ASSESSMENT_ID: this layout has no LMK_KEY
    assert first.uprn is None  # UPRN-000000000000 means none
    assert (first.sap_score, first.epc_band) == (50, "E")
    assert (first.potential_sap_score, first.potential_epc_band) == (72, "C")
    assert (first.property_type, first.built_form) == ("house", "semi-detached")
    assert second.built_form == "detached"
    assert (first.address_line_1, first.postcode) == ("1 Some Street", "SW1A 2AA")
    assert first.lodgement_date == dt.date(2021, 2, 22)
    assert first.inspection_date == dt.date(2020, 5, 4)


def _epc_variant(**changes: str) -> bytes:
    """The sample's first row with an extra UPRN column and some columns changed."""
    lines = (FIXTURES / "epc_domestic_export_sample.csv").read_text("utf-8").splitlines()
    import csv
    import io

    header, row = list(csv.reader(io.StringIO(lines[0] + "\n" + lines[1])))
    header.append("UPRN")
    row.append("100023336956")
    for name, value in changes.items():
        row[header.index(name)] = value
    out = io.StringIO()
    csv.writer(out).writerows([header, row])
    return out.getvalue().encode("utf-8")


def test_epc_with_uprn_column() -> None:
    parsed = read_epc(_epc_variant(), "epc.csv")
    assert parsed.problems == []
    (record,) = only(parsed.records, EpcRecord)
    assert record.uprn == 100023336956


def test_epc_uprn_from_building_reference() -> None:
    parsed = read_epc(_epc_variant(UPRN="", BUILDING_REFERENCE_NUMBER="UPRN-000010023336"), "e")
    assert [r.uprn for r in only(parsed.records, EpcRecord)] == [10023336]


def test_epc_rating_must_match_score_and_band() -> None:
    parsed = read_epc(
        _epc_variant(CURRENT_ENERGY_EFFICIENCY="75", POTENTIAL_ENERGY_RATING="H"), "epc.csv"
    )
    assert parsed.records == []
    assert reasons(parsed) == [
        "row 2|CURRENT_ENERGY_RATING|band E does not match the SAP score 75, which is band C",
        "row 2|POTENTIAL_ENERGY_RATING|is not an EPC band A to G",
    ]


def test_epc_repeated_column_that_disagrees_is_reported() -> None:
    data = csv_bytes(
        "LMK_KEY,POSTCODE,LODGEMENT_DATE,CURRENT_ENERGY_RATING,POSTCODE",
        "1,BR1 1AA,2021-02-22,C,B1 1AA",
    )
    parsed = read_epc(data, "epc.csv")
    assert reasons(parsed) == [
        "row 2|POSTCODE|the repeated column disagrees with its first occurrence"
    ]


def test_epc_lower_case_hyphenated_header() -> None:
    parsed = read_epc(
        csv_bytes(
            "lmk-key,address1,postcode,lodgement-date,current-energy-rating,"
            "current-energy-efficiency,property-type,built-form,uprn",
            "1234567890123456789012345678901,1 High Street,b1 1aa,2023-09-14,b,84,"
            "Park home,NO DATA!,100070409251",
        ),
        "epc.csv",
    )
    assert parsed.problems == []
    (record,) = only(parsed.records, EpcRecord)
    assert (record.lmk_key, record.postcode, record.epc_band) == (
        "1234567890123456789012345678901",
        "B1 1AA",
        "B",
    )
    assert (record.property_type, record.built_form, record.uprn) == (
        "park-home",
        None,
        100070409251,
    )


def test_epc_missing_required_columns() -> None:
    parsed = read_epc(b"ADDRESS1,SOMETHING_NEW\n1 High Street,x\n", "epc.csv")
    assert parsed.records == []
    fields = {p.field for p in parsed.problems if p.record == "epc.csv"}
    assert fields == {"LODGEMENT_DATE", "POSTCODE", "LMK_KEY", "CURRENT_ENERGY_RATING"}


def test_epc_codes_exist_in_the_ontology() -> None:
    graph = Graph()
    graph.parse(ontology_dir() / "odx.ttl", format="turtle")

    def notations(scheme: str) -> set[str]:
        iri = URIRef(f"https://w3id.org/odx/code/{scheme}")
        return {
            str(n)
            for c in graph.subjects(SKOS.inScheme, iri)
            for n in graph.objects(c, SKOS.notation)
            if isinstance(n, Literal)
        }

    assert set(PROPERTY_TYPES.values()) <= notations("property-type")  # no EPC bedsit
    assert set(BUILT_FORMS.values()) == notations("built-form")


# --- hostile input -----------------------------------------------------------------------


def test_truncated_file_is_reported() -> None:
    parsed = read_homes(
        csv_bytes(HOMES_HEADER, "H-1,,1 High Street,BR1 1AA") + b'H-2,,"2 High Str', "homes.csv"
    )
    assert reasons(parsed) == [
        "row 3||the file ends inside a quoted value (is it truncated?)",
    ]
    assert [r.location for r in parsed.records] == ["row 2"]
    assert parsed.records_read == 2


def test_ten_megabyte_line_is_reported_without_reading_it() -> None:
    huge = "H-2,,1 High Street," + "A" * 10_000_000
    parsed = read_homes(
        csv_bytes(HOMES_HEADER, "H-1,,1 High Street,BR1 1AA", huge, "H-3,,3 High St,B1 1AA"),
        "homes.csv",
    )
    assert reasons(parsed) == ["row 3||the row is longer than 100,000 characters"]
    assert [r.location for r in parsed.records] == ["row 2", "row 4"]
    assert all(len(p.value) <= 200 for p in parsed.problems)


def test_field_over_the_limit_is_reported() -> None:
    # Split over lines inside quotes so no single line is over the line limit.
    big = '"' + ("B" * 60_000 + "\n") * 20 + '"'
    parsed = read_homes(
        csv_bytes(HOMES_HEADER, f"H-1,,{big},BR1 1AA", "H-2,,2 High Street,BR1 1AA"), "homes.csv"
    )
    assert reasons(parsed) == ["row 2||the row is longer than 100,000 characters"]
    assert [r.location for r in parsed.records] == ["row 23"]
    assert parsed.records_read == 2


def test_megabyte_quoted_value_is_skipped_whole() -> None:
    # A 1.5 MB quoted value on one line, then continuing over more lines.
    big = '"' + "C" * 1_500_000 + "\n" + "more\n" * 3 + 'end"'
    parsed = read_homes(
        csv_bytes(HOMES_HEADER, f"H-1,,{big},BR1 1AA", "H-2,,2 High Street,BR1 1AA"), "homes.csv"
    )
    assert reasons(parsed) == ["row 2||the row is longer than 100,000 characters"]
    assert [r.location for r in parsed.records] == ["row 7"]


def test_lower_csv_field_limit_is_respected_and_left_alone() -> None:
    import csv

    previous = csv.field_size_limit(1_000)
    try:
        parsed = read_homes(
            csv_bytes(
                HOMES_HEADER, "H-1,,1 High Street,BR1 1AA", "H-2,," + "D" * 5_000 + ",E1 6AN"
            ),
            "homes.csv",
        )
        assert csv.field_size_limit() == 1_000
    finally:
        csv.field_size_limit(previous)
    assert reasons(parsed) == ["row 3||the row is longer than 1,000 characters"]
    assert [r.location for r in parsed.records] == ["row 2"]


def test_hostile_header_names_are_echoed_safely() -> None:
    parsed = read_homes(
        csv_bytes(HOMES_HEADER + f',"{INJECTION}","@x\r\ny"', "H-1,,1 A St,BR1 1AA,,"), "h"
    )
    assert len(parsed.problems) == 2
    for problem in parsed.problems:
        for text in (problem.field, problem.value):
            assert text.startswith("'") and not re.search(r"[\x00-\x1f]", text)


def test_wrong_delimiter_is_reported() -> None:
    parsed = read_homes(
        csv_bytes("home_ref;uprn;address_line_1;postcode", "H-1;;1 High Street;BR1 1AA"), "h.csv"
    )
    assert parsed.refused  # checked on, never written
    assert len(parsed.problems) == 1
    assert parsed.problems[0].record == "h.csv"
    assert "semicolon" in parsed.problems[0].reason
    assert parsed.rejected == {"h.csv"}


def test_formula_is_kept_as_text_and_echoed_safely() -> None:
    parsed = read_homes(
        csv_bytes(
            HOMES_HEADER + ",bedrooms",
            f'"{INJECTION}",,"{INJECTION}",BR1 1AA,2',
            f'H-2,,2 High Street,BR1 1AA,"{INJECTION}"',
            'H-3,,"+SUM(1,2)\x07",BR1 1AA,-5',
        ),
        "homes.csv",
    )
    (home,) = only(parsed.records, HomeRecord)
    assert (home.reference, home.address_line_1) == (INJECTION, INJECTION)
    values = {p.record: p.value for p in parsed.problems}
    assert values == {"row 3": "'" + INJECTION, "row 4": "-5"}
    for problem in parsed.problems:
        assert not problem.value.startswith(("=", "+", "@", "\t", "\r")), problem
        assert not re.search(r"[\x00-\x1f\x7f]", problem.value + problem.reason)


def test_safe_echo() -> None:
    assert safe_echo(INJECTION) == "'" + INJECTION
    assert safe_echo("@SUM(A1)") == "'@SUM(A1)"
    assert safe_echo("\t=1") == "'\\t=1"
    assert safe_echo("a\r\nb\x00c\u202ed") == "a\\r\\nb\\x00c\\u202ed"
    assert safe_echo("-5") == "-5"
    assert safe_echo("-5+A1") == "'-5+A1"
    assert safe_echo("Café") == "Café"
    assert len(safe_echo("x" * 10_000)) == 200


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("1" * 40, "has too many digits; expected 0 to 30"),
        ("1e400", "uses scientific notation; write a whole number in full"),
        ("NaN", "is not a number; expected a whole number"),
        ("inf", "is not a number; expected a whole number"),
        ("2.5", "is not a whole number"),
        ("31", "is out of range; expected 0 to 30"),
        ("-1", "is out of range; expected 0 to 30"),
        ("1,000", "has a thousands separator; write a whole number without commas"),
    ],
)
def test_bad_whole_numbers(value: str, reason: str) -> None:
    parsed = read_homes(
        csv_bytes(HOMES_HEADER + ",bedrooms", f'H-1,,1 A St,BR1 1AA,"{value}"'), "h"
    )
    assert reasons(parsed) == [f"row 2|bedrooms|{reason}"]
    assert parsed.records == []


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("10000000000", "is too large; expected less than 10,000,000,000"),
        ("9" * 40, "is too large; expected less than 10,000,000,000"),
        ("12.345", "has more than 2 decimal places"),
        ("-5", "must not be negative"),
        ("£12.50", "has a currency sign; write an amount in pounds as digits only"),
        ("Infinity", "is not a number; expected an amount in pounds"),
    ],
)
def test_bad_money(value: str, reason: str) -> None:
    parsed = read_repairs(
        csv_bytes(REPAIRS_HEADER, R1.replace("142.50", value) + ",,PL010315,1,,"), "r"
    )
    assert reasons(parsed) == [f"row 2|repair_cost|{reason}"]


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("2024-02-30", "is not a real calendar date"),
        ("2023-02-29", "is not a real calendar date"),
        ("01/03/2024", "day/month dates are ambiguous"),
        ("next week", "is not a date written YYYY-MM-DD"),
        ("0001-01-01", "has a year outside 1000 to 2999"),
    ],
)
def test_bad_dates(value: str, reason: str) -> None:
    parsed = read_components(
        csv_bytes("component_ref,home_ref,component_type,install_date", f"C-1,H-1,kitchen,{value}"),
        "c",
    )
    assert len(parsed.problems) == 1
    assert parsed.problems[0].field == "install_date"
    assert reason in parsed.problems[0].reason


def test_datetimes() -> None:
    assert cells.parse_datetime("2024-01-15T09:30:00Z") == dt.datetime(
        2024, 1, 15, 9, 30, tzinfo=UTC
    )
    assert cells.parse_datetime("2024-07-15T09:30:00+02:00") == dt.datetime(
        2024, 7, 15, 7, 30, tzinfo=UTC
    )
    assert cells.parse_datetime("2024-07-15 09:30") == dt.datetime(2024, 7, 15, 8, 30, tzinfo=UTC)
    assert cells.parse_datetime("2024-07-15") == dt.datetime(2024, 7, 14, 23, 0, tzinfo=UTC)
    # The repeated hour in October is taken as its first (BST) occurrence.
    assert cells.parse_datetime("2024-10-27T01:30") == dt.datetime(2024, 10, 27, 0, 30, tzinfo=UTC)
    for bad in ("2024-03-31T01:30", "2024-02-30T10:00Z", "2024-01-15T25:00Z", "15/01/2024 09:30"):
        with pytest.raises(CellError):
            cells.parse_datetime(bad)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("100023336956", 100023336956), ("000012345678", 12345678), ("1", 1)],
)
def test_uprn_accepted(text: str, expected: int) -> None:
    assert cells.parse_uprn(text) == expected


@pytest.mark.parametrize(
    "text", ["0", "000000000000", "1000233369561", "1.00023E+11", "100023336956.0", "12a", "-5"]
)
def test_uprn_refused(text: str) -> None:
    with pytest.raises(CellError):
        cells.parse_uprn(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("true", True), ("YES", True), ("y", True), ("1", True), ("False", False), ("n", False)],
)
def test_booleans(text: str, expected: bool) -> None:
    assert cells.parse_bool(text) is expected
    with pytest.raises(CellError):
        cells.parse_bool("maybe")


def test_quantities() -> None:
    assert cells.parse_quantity("2.125") == Decimal("2.125")
    for bad in ("0", "1.2345", "-1", "10000000"):
        with pytest.raises(CellError):
            cells.parse_quantity(bad)


def test_unknown_repeated_and_unnamed_columns_are_reported() -> None:
    parsed = read_homes(
        csv_bytes(HOMES_HEADER + ",Bedrooms,colour,postcode,", "H-1,,1 High St,BR1 1AA,2,red,x,"),
        "homes.csv",
    )
    assert parsed.refused  # checked on, never written
    assert reasons(parsed) == [
        "homes.csv|Bedrooms|column 5 is not a known column (did you mean bedrooms?)",
        "homes.csv|colour|column 6 is not a known column",
        "homes.csv|postcode|column 7 repeats a column name",
        "homes.csv||column 8 has no name",
    ]


def test_missing_required_column_is_reported_once() -> None:
    parsed = read_homes(csv_bytes("home_ref,address_line_1", "H-1,1 A St", "H-2,2 A St"), "h")
    assert reasons(parsed) == ["h|postcode|the required column postcode is missing"]


def test_rows_with_wrong_number_of_values() -> None:
    parsed = read_homes(
        csv_bytes(
            HOMES_HEADER, "H-1,,1 A St", "", "H-2,,2 A St,BR1 1AA,extra", "H-3,,3 A St,B1 1AA"
        ),
        "homes.csv",
    )
    assert reasons(parsed) == [
        "row 2||the row has 3 values but the header has 4 columns",
        "row 4||the row has 5 values but the header has 4 columns",
    ]
    assert [r.location for r in parsed.records] == ["row 5"]
    assert parsed.records_read == 3


def test_every_bad_row_is_listed() -> None:
    parsed = read_homes(
        csv_bytes(
            HOMES_HEADER,
            "H-1,,1 A St,NOT A POSTCODE",
            "H-2,,2 A St,BR1 1AA",
            ",,3 A St,BR1 1AA",
            "H-4,0,,B1 1AA",
        ),
        "homes.csv",
    )
    assert reasons(parsed) == [
        "row 2|postcode|is not a full UK postcode (e.g. SW1A 2AA)",
        "row 4|home_ref|give home_ref or uprn (or both)",
        "row 5|uprn|is zero, which is not a UPRN",
        "row 5|address_line_1|a value is required",
    ]
    assert parsed.rejected == {"row 2", "row 4", "row 5"}
    assert [r.location for r in parsed.records] == ["row 3"]


def test_duplicate_references_name_both_rows() -> None:
    parsed = read_homes(
        csv_bytes(
            HOMES_HEADER,
            "H-1,10023336,1 A St,BR1 1AA",
            "H-2,,2 A St,BR1 1AA",
            "H-1,000010023336,3 A St,BR1 1AA",
        ),
        "homes.csv",
    )
    assert reasons(parsed) == [
        "row 2|home_ref|the same home_ref is also on row 4",
        "row 4|home_ref|the same home_ref is also on row 2",
        "row 2|uprn|the same UPRN is also on row 4",
        "row 4|uprn|the same UPRN is also on row 2",
    ]
    assert [r.location for r in parsed.records] == ["row 3"]


def test_duplicate_component_and_case_references() -> None:
    components = read_components(
        csv_bytes("component_ref,home_ref,component_type", "C-1,H-1,lift", "C-1,H-2,lift"), "c"
    )
    assert {p.record for p in components.problems} == {"row 2", "row 3"}
    cases = read_damp_mould_cases(
        csv_bytes("case_ref,home_ref,aware_at", "D-1,H-1,2025-11-03", "D-1,H-1,2025-11-04"), "d"
    )
    assert {p.record for p in cases.problems} == {"row 2", "row 3"}
    assert cases.records == []


# --- encodings -----------------------------------------------------------------------------


def test_utf8_bom_is_accepted() -> None:
    data = b"\xef\xbb\xbf" + csv_bytes(HOMES_HEADER, "H-1,,1 Rue Café,BR1 1AA")
    parsed = read_homes(data, "homes.csv")
    assert parsed.problems == []
    assert only(parsed.records, HomeRecord)[0].address_line_1 == "1 Rue Café"


def test_windows_1252_is_reported_with_the_offset() -> None:
    data = (HOMES_HEADER + "\r\nH-1,,1 Rue Café,BR1 1AA\r\n").encode("cp1252")
    text, problems = decode_text(data, "homes.csv")
    assert text is not None and "Café" in text
    (problem,) = problems
    assert problem.record == "homes.csv"
    assert problem.value == "0xE9"
    offset = data.index(b"\xe9")
    assert f"byte {offset} " in problem.reason and "line 2" in problem.reason
    parsed = read_homes(data, "homes.csv")
    assert parsed.refused  # checked on, never written
    assert parsed.rejected == {"homes.csv"}


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ((HOMES_HEADER + "\r\n").encode("utf-16"), "UTF-16"),
        (b"PK\x03\x04\x14\x00\x06\x00" + bytes(range(256)), "not text"),
        (b"", "empty"),
        (b"\xef\xbb\xbf  \r\n", "empty"),
        (b"\x81\x8d\x8f", "neither UTF-8 nor Windows-1252"),
    ],
)
def test_unreadable_files_are_refused(data: bytes, words: str) -> None:
    text, problems = decode_text(data, "f.csv")
    assert text is None
    assert len(problems) == 1 and words in problems[0].reason
    parsed = read_homes(data, "f.csv")
    assert (parsed.records, parsed.rejected) == ([], {"f.csv"})


def test_read_table_blank_lines_and_stripping() -> None:
    table = read_table(
        "a,b\n\n  1 , two words \n\r\n3,4\n", expected=("a", "b"), required=("a",), source="t"
    )
    assert table.problems == []
    assert table.rows == [(3, {"a": "1", "b": "two words"}), (5, {"a": "3", "b": "4"})]


def test_rows_label() -> None:
    assert rows_label([4]) == "row 4"
    assert rows_label([6, 4, 5]) == "rows 4-6"
    assert rows_label([4, 5, 9]) == "rows 4-5, 9"


# --- templates and their docs ---------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_blank_template_matches_its_description(name: str) -> None:
    data = blank_template(name)
    assert data.startswith(b"\xef\xbb\xbf") and data.endswith(b"\r\n")
    assert data.count(b"\n") == 1
    text, problems = decode_text(data, name)
    assert problems == [] and text is not None
    spec = TEMPLATES[name]
    assert text.strip().split(",") == list(spec.column_names)
    docs = template_markdown()
    section = docs.split(f"### `{name}`", 1)[1].split("### ", 1)[0]
    documented = re.findall(r"^\| `([a-z0-9_]+)` \|", section, flags=re.MULTILINE)
    assert documented == list(spec.column_names)
    for column in spec.columns:
        row = next(line for line in section.splitlines() if line.startswith(f"| `{column.name}` |"))
        assert ("| yes |" in row) is column.required


def test_docs_show_each_column_type() -> None:
    docs = template_markdown()
    assert "None" not in docs
    assert "| `address_line_1` | text | yes |" in docs
    assert "| `local_authority_code` | text matching `[ENSW][0-9]{8}` |" in docs
    assert "| `bedrooms` | whole number, 0 to 30 |" in docs
    assert "| `trades` | codes, \\|-separated |" in docs


def test_template_examples_are_valid_values() -> None:
    """Each template's example row, built from the documented examples, reads cleanly."""
    for name, spec in TEMPLATES.items():
        header = ",".join(spec.column_names)
        row = ",".join(f'"{c.example}"' for c in spec.columns)
        parsed = read_template(name, csv_bytes(header, row), name)
        assert parsed.problems == [], (name, parsed.problems)
        assert len(parsed.records) == 1


@pytest.mark.parametrize(
    "text",
    [
        "2024-03-01T09:30:00Z",
        "2024-02-29T23:59:59Z",
        "2023-02-29T10:00:00Z",  # not a real date
        "2024-03-01T24:00:00Z",  # not a real time
        "0999-03-01T09:30:00Z",  # year out of range
        "3000-01-01T00:00:00Z",
        "2024-03-01t09:30:00z",
        "2024-03-31T01:30:00",
    ],
)
def test_the_fast_date_time_path_agrees_with_the_full_checks(text: str) -> None:
    """The common shape is read directly; anything it cannot take gets the full checks'
    answer, the same value or the same reason."""
    fast = _outcome(cells.parse_datetime, text)
    slow = _outcome(_full_datetime, text)
    assert fast == slow


@pytest.mark.parametrize(
    "text", ["0", "12.5", "012.50", "9999999999.99", "10000000000", "1.234", "-1", "+5", "1e3"]
)
def test_the_fast_money_and_quantity_paths_agree_with_the_full_checks(text: str) -> None:
    assert _outcome(cells.parse_money, text) == _outcome(
        lambda t: cells._decimal(t, 2, cells.MONEY_MAX, "an amount in pounds"), text
    )
    full_quantity = _outcome(lambda t: cells._decimal(t, 3, cells.QUANTITY_MAX, "a quantity"), text)
    if full_quantity == ("value", 0):
        full_quantity = ("error", "must be more than 0")
    assert _outcome(cells.parse_quantity, text) == full_quantity


def _outcome(parse: Any, text: str) -> tuple[str, Any]:
    try:
        return ("value", parse(text))
    except cells.CellError as error:
        return ("error", error.reason)


def _full_datetime(text: str) -> dt.datetime:
    """``parse_datetime`` without its fast path: the input made lower-case, which the fast
    path never takes and the full checks upper-case again."""
    return cells.parse_datetime(text.lower())


def _two(low: int, high: int) -> st.SearchStrategy[str]:
    return st.integers(low, high).map(lambda n: f"{n:02d}")


# Date-times near the common shape: each field from a little below to a little above its
# range, so real and unreal dates and times, years in and out of range, and the shape's
# neighbours (lower case, a space, offsets, no seconds, fractions).
_NEAR_PLAIN_DATETIMES = st.builds(
    lambda year, month, day, sep, hour, minute, second, fraction, zone: (
        f"{year:04d}-{month}-{day}{sep}{hour}:{minute}{second}{fraction}{zone}"
    ),
    st.sampled_from([0, 999, 1000, 1970, 2024, 2999, 3000, 9999]) | st.integers(0, 9999),
    _two(0, 13),
    _two(0, 32),
    st.sampled_from(["T"] * 6 + ["t", " "]),
    _two(0, 24),
    _two(0, 60),
    st.sampled_from(["", ":00", ":59", ":60"]) | _two(0, 61).map(lambda s: ":" + s),
    st.sampled_from([""] * 6 + [".5", ".123456", ".1234567"]),
    st.sampled_from(["Z"] * 6 + ["z", "", "+01:00", "-0530", "+00:00", "+24:00"]),
)


@settings(max_examples=1000, deadline=None)
@given(st.one_of(_NEAR_PLAIN_DATETIMES, st.text(alphabet="0123456789-:TZ ", max_size=22)))
def test_the_fast_date_time_path_agrees_with_the_full_checks_on_any_input(text: str) -> None:
    assert _outcome(cells.parse_datetime, text) == _outcome(_full_datetime, text)


@settings(max_examples=500, deadline=None)
@given(st.from_regex(r"[+-]?[0-9]{0,12}(\.[0-9]{0,4})?", fullmatch=True).filter(bool))
def test_the_fast_money_and_quantity_paths_agree_with_the_full_checks_on_any_input(
    text: str,
) -> None:
    test_the_fast_money_and_quantity_paths_agree_with_the_full_checks(text)


def test_a_value_refused_on_several_rows_is_reported_on_each() -> None:
    """Parsers remember the values they read within a file; a refused value is not
    remembered, so each row giving it gets its problem, and a remembered value reads the
    same on every row."""
    parsed = read_repairs(
        csv_bytes(
            REPAIRS_HEADER,
            "R-1,H-1,,2,complete,,,,,2024-06-03,,,,95.00,1,PL010315,0,95.00,95.00",
            "R-2,H-1,,2,complete,,,,,2024-06-03,,,,95.00,1,PL010315,0,95.00,95.00",
            "R-3,H-1,,2,complete,,,,,2024-06-03,,,,95.00,1,PL010315,1,95.00,95.00",
            "R-4,H-1,,2,complete,,,,,2024-06-03,,,,95.00,1,PL010315,1,95.00,95.00",
        ),
        "repairs.csv",
    )
    assert reasons(parsed) == [
        "row 2|quantity|must be more than 0",
        "row 3|quantity|must be more than 0",
    ]
    third, fourth = only(parsed.records, RepairRecord)
    assert (third.cost, third.lines) == (fourth.cost, fourth.lines)
    assert third.lines[0].cost == Decimal("95.00")
