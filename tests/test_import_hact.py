"""The HACT / UKHDS work-order JSON reader: shapes, mapping, problems, privacy, hostile input."""

from __future__ import annotations

import copy
import datetime as dt
import json
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from odx_graph.services.importing.hact import read_hact
from odx_graph.services.importing.records import HomeLink
from odx_graph.services.importing.records import HomeRecord
from odx_graph.services.importing.records import Parsed
from odx_graph.services.importing.records import RepairCompletionRecord
from odx_graph.services.importing.records import RepairLineRecord
from odx_graph.services.importing.records import RepairRecord

FIXTURES = Path(__file__).parent / "fixtures" / "hact"
UTC = dt.UTC


def fixture(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return data


def raise_repair() -> dict[str, Any]:
    return fixture("raise_repair.json")


def completion() -> dict[str, Any]:
    return fixture("work_order_complete.json")


def read(document: object) -> Parsed:
    return read_hact(json.dumps(document).encode("utf-8"), "upload.json")


def problems(parsed: Parsed) -> set[tuple[str, str]]:
    return {(p.record, p.field) for p in parsed.problems}


def reason(parsed: Parsed, field: str) -> str:
    return " | ".join(p.reason for p in parsed.problems if p.field == field)


# -- happy paths ---------------------------------------------------------------------------


def test_raise_repair_maps_to_a_repair_and_a_home() -> None:
    parsed = read(raise_repair())
    assert parsed.problems == []
    assert parsed.records_read == 1
    # The property reference names its allocating organisation: the writer decides whose.
    allocated = (("NMH-P-000451", "Northmoor Homes"),)
    link = HomeLink(reference=None, uprn=990004215576, allocated=allocated)
    assert parsed.records == [
        HomeRecord(
            location="RaiseRepair[0]",
            reference=None,
            uprn=990004215576,
            address_line_1="14 Moorside Lane",
            postcode="BB18 6JR",
            town="Barnoldswick",
            allocated=allocated,
            locates_only=True,  # a work order's address places the home, no more
        ),
        RepairRecord(
            location="RaiseRepair[0]",
            reference="NMH-WO-240311",
            home=link,
            priority="3",
            status="scheduled",
            # 09:15 in London in March (GMT) is 09:15 UTC
            reported_at=dt.datetime(2024, 3, 4, 9, 15, tzinfo=UTC),
            status_at=dt.datetime(2024, 3, 4, 9, 15, tzinfo=UTC),  # raised when reported
            target_at=dt.datetime(2024, 3, 11, 17, 0, tzinfo=UTC),
            trade="PL",
            description="Kitchen sink waste leaking into the base unit; tap drips when closed.",
            lines=[
                RepairLineRecord(sor_code="601101", quantity=Decimal(1)),
                RepairLineRecord(sor_code="601103", quantity=Decimal("2.5")),
            ],
            status_implied=True,  # the schema has no status
        ),
    ]


def test_work_order_complete_maps_to_a_completion() -> None:
    parsed = read(completion())
    assert parsed.problems == []
    assert parsed.records == [
        RepairCompletionRecord(
            location="WorkOrderComplete[0]",
            reference="NMH-WO-240311",
            # the update whose OtherType says "completed", not the earlier "arrived"
            completed_at=dt.datetime(2024, 3, 6, 11, 40, tzinfo=UTC),
            status="complete",
            cost=None,  # the schema carries no money amount
            lines=[
                RepairLineRecord(sor_code="601101", quantity=Decimal(1)),
                RepairLineRecord(sor_code="NMH-TRAP40", quantity=Decimal(1)),
            ],
        )
    ]


def kinds_and_locations(parsed: Parsed) -> list[tuple[str, str]]:
    return [(type(r).__name__, r.location) for r in parsed.records]


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        (
            [raise_repair(), completion()],
            [
                ("HomeRecord", "RaiseRepair[0]"),
                ("RepairRecord", "RaiseRepair[0]"),
                ("RepairCompletionRecord", "WorkOrderComplete[1]"),
            ],
        ),
        (
            [{"WorkOrderComplete": completion()}, {"RaiseRepair": raise_repair()}],
            [
                ("HomeRecord", "RaiseRepair[1]"),
                ("RepairCompletionRecord", "WorkOrderComplete[0]"),
                ("RepairRecord", "RaiseRepair[1]"),
            ],
        ),
        (
            {"RaiseRepair": [raise_repair()], "WorkOrderComplete": [completion()]},
            [
                ("HomeRecord", "RaiseRepair[0]"),
                ("RepairRecord", "RaiseRepair[0]"),
                ("RepairCompletionRecord", "WorkOrderComplete[0]"),
            ],
        ),
        (
            {"RaiseRepair": raise_repair()},
            [("HomeRecord", "RaiseRepair[0]"), ("RepairRecord", "RaiseRepair[0]")],
        ),
        ({"WorkOrderComplete": completion()}, [("RepairCompletionRecord", "WorkOrderComplete[0]")]),
    ],
    ids=["array", "array-of-wrapped", "keyed-arrays", "wrapped-raise", "wrapped-complete"],
)
def test_every_accepted_shape(document: object, expected: list[tuple[str, str]]) -> None:
    parsed = read(document)
    assert parsed.problems == []
    assert sorted(kinds_and_locations(parsed)) == sorted(expected)
    assert parsed.records_read == len({location for _, location in expected})


def test_byte_order_mark_is_accepted() -> None:
    parsed = read_hact(b"\xef\xbb\xbf" + json.dumps(completion()).encode(), "bom.json")
    assert parsed.problems == []
    assert len(parsed.records) == 1


def test_times_without_offset_are_london_and_dates_are_london_midnight() -> None:
    payload = raise_repair()
    payload["DateReported"] = "2024-07-01T09:00:00"  # BST: 08:00 UTC
    payload["Priority"]["RequiredCompletionDateTime"] = "2024-07-05"  # 00:00 BST
    repair = read(payload).records[1]
    assert isinstance(repair, RepairRecord)
    assert repair.reported_at == dt.datetime(2024, 7, 1, 8, 0, tzinfo=UTC)
    assert repair.target_at == dt.datetime(2024, 7, 4, 23, 0, tzinfo=UTC)
    assert repair.reported_at.tzinfo is UTC


def test_a_uk_time_the_clocks_skip_is_refused() -> None:
    payload = raise_repair()
    payload["DateReported"] = "2024-03-31T01:30:00"  # clocks go from 01:00 to 02:00
    payload["Priority"]["RequiredCompletionDateTime"] = "2024-10-27T01:30:00"  # repeated: BST
    parsed = read(payload)
    assert problems(parsed) == {("RaiseRepair[0]", "DateReported")}
    assert "clocks" in reason(parsed, "DateReported")
    payload["DateReported"] = "2024-03-31T02:30:00"
    repair = read(payload).records[1]
    assert isinstance(repair, RepairRecord)
    assert repair.reported_at == dt.datetime(2024, 3, 31, 1, 30, tzinfo=UTC)
    assert repair.target_at == dt.datetime(2024, 10, 27, 0, 30, tzinfo=UTC)


def test_lenient_spellings_the_wire_uses() -> None:
    payload = raise_repair()
    del payload["Reference"]
    payload["WorkOrderReference"] = {"ID": 240311, "AllocatedBy": "Northmoor Homes"}
    payload["Priority"]["PriorityCode"] = 2  # an integer, where the schema says text
    payload["SitePropertyUnit"][0]["Reference"] = [{"ID": 990004215576, "AllocatedBy": "uprn"}]
    items = payload["WorkElement"][0]["RateScheduleItem"]
    items[0] = {"CustomCode": "NMH-1", "Quantity": {"Amount": [1, 0.5]}}  # amounts add up
    items[1] = {"M3NHFSORCode": "Responsive-601103"}  # no Quantity: one
    parsed = read(payload)
    assert parsed.problems == []
    repair = parsed.records[1]
    assert isinstance(repair, RepairRecord)
    assert (repair.reference, repair.priority) == ("240311", "2")
    assert repair.home == HomeLink(reference=None, uprn=990004215576)
    assert repair.lines == [
        RepairLineRecord("NMH-1", Decimal("1.5")),
        RepairLineRecord("601103", Decimal(1)),
    ]


def test_no_home_record_without_a_postcode_and_one_per_home() -> None:
    first = raise_repair()
    second = raise_repair()
    second["Reference"][0]["ID"] = "NMH-WO-240312"
    third = raise_repair()
    third["Reference"][0]["ID"] = "NMH-WO-240313"
    third["SitePropertyUnit"][0] = {"Reference": [{"ID": "NMH-P-9", "AllocatedBy": "NMH"}]}
    parsed = read([first, second, third])
    assert parsed.problems == []
    homes = [r for r in parsed.records if isinstance(r, HomeRecord)]
    assert [h.allocated for h in homes] == [(("NMH-P-000451", "Northmoor Homes"),)]
    assert sum(isinstance(r, RepairRecord) for r in parsed.records) == 3


def test_completion_time_is_the_latest_update_when_none_says_completed() -> None:
    payload = completion()
    for update in payload["JobStatusUpdates"]:
        update.pop("OtherType")
    payload["JobStatusUpdates"][0]["EventTime"] = "2024-03-07T08:00:00+01:00"
    record = read(payload).records[0]
    assert isinstance(record, RepairCompletionRecord)
    assert record.completed_at == dt.datetime(2024, 3, 7, 7, 0, tzinfo=UTC)


# -- problems ------------------------------------------------------------------------------


def test_every_problem_of_a_record_is_reported_and_good_records_still_read() -> None:
    bad = raise_repair()
    del bad["Reference"]
    bad["Priority"]["PriorityCode"] = "7"
    bad["Priority"]["RequiredCompletionDateTime"] = "next Tuesday"
    bad["DateReported"] = "04/03/2024"
    unit = bad["SitePropertyUnit"][0]
    unit["Reference"][0]["ID"] = "0"
    unit["Address"]["PostalCode"] = "NOT A POSTCODE"
    items = bad["WorkElement"][0]["RateScheduleItem"]
    items[0]["Quantity"]["Amount"] = [-1]
    items[1]["Quantity"]["Amount"] = [1.2345]
    items.append({"Quantity": {"Amount": [1]}})
    items.append({"M3NHFSORCode": "Responsive-601101", "Quantity": {"Amount": ["two"]}})
    bad["WorkElement"][0]["Trade"] = [{"Code": 7}]
    parsed = read([bad, completion()])
    where = "RaiseRepair[0]"
    path = "WorkElement[0].RateScheduleItem"
    assert problems(parsed) == {
        (where, "Priority.PriorityCode"),
        (where, "Priority.RequiredCompletionDateTime"),
        (where, "DateReported"),
        (where, "SitePropertyUnit[0].Reference[0].ID"),
        (where, "SitePropertyUnit[0].Address.PostalCode"),
        (where, f"{path}[0].Quantity.Amount[0]"),
        (where, f"{path}[1].Quantity.Amount[0]"),
        (where, f"{path}[2]"),
        (where, f"{path}[3].Quantity.Amount[0]"),
        (where, "WorkElement[0].Trade[0].Code"),
    }
    assert "1 to 5" in reason(parsed, "Priority.PriorityCode")
    assert "UPRN" in reason(parsed, "SitePropertyUnit[0].Reference[0].ID")
    assert "3 decimal places" in reason(parsed, f"{path}[1].Quantity.Amount[0]")
    assert parsed.rejected == {where}
    assert [type(r).__name__ for r in parsed.records] == ["RepairCompletionRecord"]
    assert parsed.records_read == 2
    values = {p.field: p.value for p in parsed.problems}
    assert values["DateReported"] == "04/03/2024"
    assert values["SitePropertyUnit[0].Address.PostalCode"] == "NOT A POSTCODE"


def test_required_parts_missing() -> None:
    payload = raise_repair()
    for key in ("Priority", "DateReported", "SitePropertyUnit"):
        del payload[key]
    done = completion()
    del done["WorkOrderReference"]
    del done["JobStatusUpdates"]
    parsed = read([payload, done])
    assert problems(parsed) == {  # DateReported is optional in the schema: see below
        ("RaiseRepair[0]", "Priority"),
        ("RaiseRepair[0]", "SitePropertyUnit"),
        ("WorkOrderComplete[1]", "WorkOrderReference"),
        ("WorkOrderComplete[1]", "JobStatusUpdates"),
    }
    assert parsed.records == []


def test_a_home_needs_a_uprn_or_a_property_reference_and_an_address_line() -> None:
    no_link = raise_repair()
    no_link["SitePropertyUnit"][0]["Reference"] = []
    no_link["Priority"]["PriorityCode"] = "0"  # another problem must not hide the first
    no_line = raise_repair()
    no_line["Reference"][0]["ID"] = "NMH-WO-2"
    no_line["SitePropertyUnit"][0]["Address"] = {"PostalCode": "BB18 6JR"}
    two_units = raise_repair()
    two_units["Reference"][0]["ID"] = "NMH-WO-3"
    two_units["SitePropertyUnit"].append(two_units["SitePropertyUnit"][0])
    parsed = read([no_link, no_line, two_units])
    assert problems(parsed) == {
        ("RaiseRepair[0]", "Priority.PriorityCode"),
        ("RaiseRepair[0]", "SitePropertyUnit[0].Reference"),
        ("RaiseRepair[1]", "SitePropertyUnit[0].Address"),
        ("RaiseRepair[2]", "SitePropertyUnit"),
    }


def test_duplicate_work_order_references_are_reported() -> None:
    parsed = read({"RaiseRepair": [raise_repair(), raise_repair(), raise_repair()]})
    assert problems(parsed) == {
        ("RaiseRepair[1]", "Reference[0].ID"),
        ("RaiseRepair[2]", "Reference[0].ID"),
    }
    assert "RaiseRepair[0]" in parsed.problems[0].reason
    assert sum(isinstance(r, RepairRecord) for r in parsed.records) == 1


# -- privacy -------------------------------------------------------------------------------

PRIVATE = (
    "hard of hearing",
    "Dog kept",
    "4821",
    "Left of the back door",
    "Ring the resident",
    "Robin Fairweather",
    "OP-7781",
    "resident signed off",
    "Visitor bays",
    "20-10",
)


def test_person_data_never_reaches_records_or_problems() -> None:
    good = raise_repair()
    done = completion()
    # Broken person data is not read at all, so not echoed in a problem either.
    broken = raise_repair()
    broken["Reference"][0]["ID"] = "NMH-WO-9"
    broken["PersonAlert"] = "hard of hearing"
    broken["AccessInformation"] = ["Left of the back door", 4821]
    broken["Priority"]["PriorityCode"] = "9"
    parsed = read([good, done, broken])
    assert len(parsed.records) == 3
    assert problems(parsed) == {("RaiseRepair[2]", "Priority.PriorityCode")}
    dumped = repr(parsed.records) + repr(parsed.problems)
    for text in PRIVATE:
        assert text not in dumped
    # The sentinels are really in the input, so the check above can fail.
    raw = json.dumps([good, done])
    assert all(text in raw for text in PRIVATE)


# -- hostile input -------------------------------------------------------------------------


def file_problem(parsed: Parsed) -> str:
    assert parsed.records == []
    assert [p.record for p in parsed.problems] == ["file"]
    return parsed.problems[0].reason


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "empty"),
        (b" \n\t ", "empty"),
        (b"\xff\xfe{\x00}\x00", "not UTF-8"),
        (b'{"RaiseRepair": [\n  {"Priority": }\n]}', "not valid JSON"),
        (b'"hello"', "expected a HACT object"),
        (b"42", "expected a HACT object"),
        (b"null", "expected a HACT object"),
        (b"[]", "no HACT objects"),
        (b'{"RaiseRepair": "yes"}', "expected an object or an array"),
        (b'{"RaiseRepair": [], "Extra": 1}', "unknown key"),
    ],
    ids=lambda v: repr(v[:20]),
)
def test_unusable_files_give_one_clean_problem(data: bytes, expected: str) -> None:
    assert expected in file_problem(read_hact(data, "upload.json"))


def test_invalid_json_names_line_and_column() -> None:
    parsed = read_hact(b'{"RaiseRepair": [\n  {"Priority": }\n]}', "upload.json")
    assert parsed.problems[0].value == "line 2, column 16"  # the "}" where a value belongs


@pytest.mark.parametrize("bracket", ["[", '{"a":'])
def test_deep_nesting_is_refused_cleanly(bracket: str) -> None:
    data = (bracket * 100_000).encode()
    assert "nested too deeply" in file_problem(read_hact(data, "deep.json"))


def test_wrong_types_and_unknown_objects_are_reported() -> None:
    payload = raise_repair()
    payload["Priority"] = "high"
    payload["SitePropertyUnit"] = {"Reference": []}
    payload["WorkElement"][0]["RateScheduleItem"] = "Responsive-601101"
    parsed = read([payload, "a string", {"Colour": "blue"}])
    assert problems(parsed) == {
        ("RaiseRepair[0]", "Priority"),
        ("RaiseRepair[0]", "SitePropertyUnit"),
        ("RaiseRepair[0]", "WorkElement[0].RateScheduleItem"),
        ("item[1]", ""),
        ("item[2]", ""),
    }
    assert parsed.records_read == 3
    assert {p.value for p in parsed.problems if p.record == "item[2]"} == {"Colour"}


@pytest.mark.parametrize(
    "number",
    ["1e999", "-1e999", "1" * 400, "9" * 5000, "NaN", "Infinity", "1e-999", "1000000"],
)
def test_huge_and_odd_numbers_are_reported_on_their_field(number: str) -> None:
    text = json.dumps(completion()).replace('"Amount": [1]', f'"Amount": [{number}]', 1)
    parsed = read_hact(text.encode(), "numbers.json")
    field = "CompletedWorkElements[0].RateScheduleItem[0].Quantity.Amount[0]"
    assert problems(parsed) == {("WorkOrderComplete[0]", field)}
    assert len(parsed.problems[0].value) <= 200


def test_echoed_values_cannot_become_formulas_or_terminal_controls() -> None:
    payload = raise_repair()
    payload["Priority"]["PriorityCode"] = '=HYPERLINK("http://x","y")'
    payload["DateReported"] = "\x1b[31m2024\u202e"
    payload["SitePropertyUnit"][0]["Address"]["PostalCode"] = "@SUM(A1)"
    payload["WorkElement"][0]["RateScheduleItem"][0]["Quantity"]["Amount"] = [-5]
    values = {p.field: p.value for p in read(payload).problems}
    assert values["Priority.PriorityCode"] == '\'=HYPERLINK("http://x","y")'
    assert values["DateReported"] == "\\x1b[31m2024\\u202e"
    assert values["SitePropertyUnit[0].Address.PostalCode"] == "'@SUM(A1)"
    assert values["WorkElement[0].RateScheduleItem[0].Quantity.Amount[0]"] == "'-5"


def test_text_postgres_cannot_store_is_reported() -> None:
    payload = raise_repair()
    payload["DescriptionOfWork"] = "leak\x00"
    payload["Reference"][0]["ID"] = "\ud800"
    payload["WorkElement"][0]["RateScheduleItem"][0]["CustomCode"] = "x" * 61
    del payload["WorkElement"][0]["RateScheduleItem"][0]["M3NHFSORCode"]
    assert problems(read(payload)) == {
        ("RaiseRepair[0]", "DescriptionOfWork"),
        ("RaiseRepair[0]", "Reference[0].ID"),
        ("RaiseRepair[0]", "WorkElement[0].RateScheduleItem[0].CustomCode"),
    }


def test_a_20_mb_file_reads_in_reasonable_time() -> None:
    template = raise_repair()
    template["DescriptionOfWork"] = "Leak under the sink. " * 60
    repairs = []
    for n in range(8_000):
        payload = copy.deepcopy(template)
        payload["Reference"][0]["ID"] = f"NMH-WO-{n}"
        repairs.append(payload)
    data = json.dumps({"RaiseRepair": repairs}).encode()
    assert len(data) > 20_000_000
    started = time.perf_counter()
    parsed = read_hact(data, "big.json")
    elapsed = time.perf_counter() - started
    assert parsed.problems == []
    assert parsed.records_read == 8_000
    assert elapsed < 30, elapsed


# -- the fixtures are real HACT ------------------------------------------------------------


def standard_schema(kind: str) -> dict[str, Any]:
    """The HACT schema for ``kind`` rewritten into standard JSON Schema (draft 7).

    The files put the root under the kind's name and write references and formats as types
    (``"type": "#/definitions/Reference"``, ``"type": "date-time"``).
    """
    document = json.loads((FIXTURES / f"{kind}-M3SoR-v7.schema.json").read_text("utf-8"))

    def fix(node: Any) -> Any:
        if isinstance(node, list):
            return [fix(item) for item in node]
        if not isinstance(node, dict):
            return node
        node = {key: fix(value) for key, value in node.items()}
        kind_of = node.get("type")
        if isinstance(kind_of, str) and kind_of.startswith("#/definitions/"):
            del node["type"]
            node["$ref"] = kind_of
        elif kind_of in ("date-time", "date", "time"):
            node["type"], node["format"] = "string", kind_of
        return node

    root: dict[str, Any] = fix(document[kind])
    root["definitions"] = fix(document["definitions"])
    return root


@pytest.mark.parametrize(
    ("kind", "name"),
    [("RaiseRepair", "raise_repair.json"), ("WorkOrderComplete", "work_order_complete.json")],
)
def test_fixtures_validate_against_the_hact_schemas(kind: str, name: str) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    validator = jsonschema.Draft7Validator(
        standard_schema(kind), format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER
    )
    payload = fixture(name)
    assert [e.message for e in validator.iter_errors(payload)] == []
    broken = copy.deepcopy(payload)
    broken["CompletedWorkElements" if kind == "WorkOrderComplete" else "WorkElement"][0][
        "RateScheduleItem"
    ][0]["M3NHFSORCode"] = "Responsive-000000"
    assert list(validator.iter_errors(broken)), "the rewritten schema must still check codes"
