"""HACT work orders as real systems send them: strict v3.3 documents without a work-order
reference, camelCase keys, JSON Lines, and units naming references of several
organisations."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from odx_graph.services.importing.hact import read_hact
from odx_graph.services.importing.service import ImportReport
from odx_graph.services.importing.service import run_import
from odx_graph.store import imports as repo
from odx_graph.store.db import Database
from tests.test_import_hact import standard_schema

LANDLORD = "Feed Homes"
COUNCIL = "Feedshire Council"


def strict(n: int) -> dict[str, Any]:
    """A RaiseRepair as the v3.3 schema has it: no work-order reference at all."""
    return {
        "DescriptionOfWork": f"Blocked gully number {n}",
        "Priority": {"PriorityCode": "4", "RequiredCompletionDateTime": "2024-04-02T17:00:00Z"},
        "WorkClass": {"WorkClassCode": "0"},
        "DateReported": "2024-03-04T09:15:00Z",
        "SitePropertyUnit": [
            {
                "Address": {
                    "BuildingNumber": str(n),
                    "StreetName": "Feed Lane",
                    "CityName": "Leeds",
                    "PostalCode": "LS9 8AB",
                },
                "Reference": [{"ID": str(990_001_000 + n), "AllocatedBy": "UPRN"}],
            }
        ],
        "WorkElement": [
            {
                "Trade": [{"Code": "PL"}],
                "RateScheduleItem": [
                    {
                        "M3NHFSORCode": "Responsive-601101",
                        "Quantity": {"Amount": [1], "UnitOfMeasurementCode": "EA"},
                    }
                ],
            }
        ],
    }


def camel(value: Any) -> Any:
    """The same document with every key in camelCase (``ID`` becomes ``id``)."""
    if isinstance(value, list):
        return [camel(item) for item in value]
    if isinstance(value, dict):
        return {("id" if k == "ID" else k[0].lower() + k[1:]): camel(v) for k, v in value.items()}
    return value


@pytest.fixture(scope="module")
async def landlord(module_db: Database) -> Database:
    """The module's database with its landlord; each test has its own work orders."""
    async with module_db.connection() as conn:
        await repo.create_organisation(conn, LANDLORD, "landlord", None)
    return module_db


async def _import(db: Database, data: object, name: str = "feed.json", **kw: Any) -> ImportReport:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return await run_import(
        db, raw, fmt="hact", file_name=name, organisation=kw.pop("org", LANDLORD), **kw
    )


def test_the_strict_documents_are_valid_v3_3() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    validator = jsonschema.Draft7Validator(
        standard_schema("RaiseRepair"), format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER
    )
    for document in (strict(1), strict(2)):
        assert [e.message for e in validator.iter_errors(document)] == []
        assert "Reference" not in document and "WorkOrderReference" not in document


async def test_strict_raise_repairs_get_a_stable_allocated_reference(landlord: Database) -> None:
    documents = [strict(n) for n in range(1, 4)]
    first = await _import(landlord, documents)
    assert first.written and first.created == 3, first.as_text()  # a repair and its home each
    allocated = {n.record: n.value for n in first.notes if n.field == "Reference"}
    assert sorted(allocated) == ["RaiseRepair[0]", "RaiseRepair[1]", "RaiseRepair[2]"]
    assert all(v.startswith("RR-") and len(v) == 19 for v in allocated.values())
    assert len(set(allocated.values())) == 3
    again = await _import(landlord, documents)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3), again.as_text()
    # The same documents from a system that writes camelCase keys: the same work orders.
    spelt = await _import(landlord, [camel(d) for d in documents])
    assert (spelt.created, spelt.updated) == (0, 0), spelt.as_text()
    assert {n.value for n in spelt.notes if n.field == "Reference"} == set(allocated.values())
    rows = await landlord.fetch(
        "SELECT x.value, x.description FROM reference x JOIN organisation o "
        "ON o.id = x.allocated_by_id WHERE x.subject_type = 'repair' AND o.name = $1 "
        "AND x.value = ANY($2::text[])",
        LANDLORD,
        list(allocated.values()),
    )
    assert len(rows) == 3
    assert all("allocated on import" in r["description"] for r in rows)
    # One character more in the work description is another work order.
    changed = copy.deepcopy(documents[0])
    changed["DescriptionOfWork"] += "."
    assert (await _import(landlord, [changed])).created == 1


async def test_a_council_api_in_camel_case_imports_like_pascal_case(landlord: Database) -> None:
    # As a council's repairs front end builds it: camelCase, numbers where the schema
    # has text, a property reference with no AllocatedBy, no DateReported.
    homes = "home_ref,address_line_1,postcode\n00001234,12 Pitcairn House,E8 1DY\n"
    await run_import(
        landlord, homes.encode(), fmt="homes", file_name="h.csv", organisation=LANDLORD
    )
    document = {
        "descriptionOfWork": "This is an urgent test description",
        "priority": {
            "priorityCode": 2,
            "requiredCompletionDateTime": "2021-01-21T18:16:20.986Z",
            "numberOfDays": 7,
        },
        "workClass": {"workClassCode": 0},
        "workElement": [
            {
                "rateScheduleItem": [
                    {
                        "customCode": "DES5R006",
                        "customName": "Urgent call outs",
                        "quantity": {"amount": [1]},
                    }
                ]
            }
        ],
        "sitePropertyUnit": [
            {"address": {"addressLine": ["12 Pitcairn House"]}, "reference": [{"id": "00001234"}]}
        ],
    }
    async with landlord.connection() as conn:
        await conn.execute(
            "INSERT INTO custom_sor_code (organisation_id, code) "
            "SELECT id, 'DES5R006' FROM organisation WHERE name = $1",
            LANDLORD,
        )
    report = await _import(landlord, document)
    assert report.ok and report.created == 1, report.as_text()
    assert not any("Priority" in p.field for p in report.problems)
    row = await landlord.fetchrow(
        "SELECT r.priority_code, l.sor_code, h.address_line_1 FROM repair r "
        "JOIN repair_line l ON l.repair_id = r.id JOIN home h ON h.id = r.home_id "
        "JOIN reference x ON x.subject_id = r.id AND x.subject_type = 'repair' "
        "WHERE x.value LIKE 'RR-%' AND h.address_line_1 = '12 Pitcairn House'"
    )
    assert tuple(row) == ("2", "DES5R006", "12 Pitcairn House")
    clash = dict(document, Priority={"PriorityCode": "3"})
    parsed = read_hact(json.dumps(clash).encode(), "c.json")
    assert [(p.field, p.value) for p in parsed.problems] == [("Priority", "priority and Priority")]


async def test_json_lines_feed_one_work_order_a_line(landlord: Database) -> None:
    raise_line = {"RaiseRepair": {**strict(7), "Reference": [{"ID": "FEED-7"}]}}
    update = {
        "RelatedWorkOrderReference": {"ID": "FEED-7"},
        "EventTime": "2024-03-05T10:00:00Z",
        "OtherType": "in progress",
    }
    done = {
        "WorkOrderComplete": {
            "WorkOrderReference": {"ID": "FEED-7"},
            "JobStatusUpdates": [{"EventTime": "2024-03-06T10:00:00Z"}],
        }
    }
    lines = "\n".join(json.dumps(x) for x in (raise_line, update, done)) + "\n\n"
    report = await _import(landlord, lines.encode(), name="feed.jsonl")
    assert report.ok and report.records_read == 3, report.as_text()
    status = await landlord.fetchval(
        "SELECT r.status_code FROM repair r JOIN reference x ON x.subject_id = r.id "
        "AND x.subject_type = 'repair' WHERE x.value = 'FEED-7'"
    )
    assert status == "complete"
    # Without the .jsonl ending a file of one object per line is still JSON Lines; a bad
    # line is reported by its line number and the others are still read.
    broken = lines.replace(json.dumps(update), '{"RelatedWorkOrderReference": ')
    parsed = read_hact(broken.encode(), "feed.txt")
    assert [(p.record, p.reason.split(":")[0]) for p in parsed.problems] == [
        ("line 2", "not valid JSON")
    ]
    assert parsed.records_read == 3 and len(parsed.records) == 3  # a home, a raise, a completion


async def test_references_of_two_organisations_are_both_kept(landlord: Database) -> None:
    async with landlord.connection() as conn:
        await repo.create_organisation(conn, COUNCIL, "local-authority", None)
    document = strict(9)
    document["Reference"] = [
        {"ID": "FEED-9", "AllocatedBy": LANDLORD},
        {"ID": "CNCL-JOB-9", "AllocatedBy": COUNCIL},
    ]
    document["SitePropertyUnit"][0]["Reference"] += [
        {"ID": "FH-P-9", "AllocatedBy": LANDLORD},
        {"ID": "CNCL-P-9", "AllocatedBy": COUNCIL.upper()},
    ]
    report = await _import(landlord, document)
    assert report.ok, report.as_text()
    rows = await landlord.fetch(
        "SELECT x.subject_type, x.value, o.name FROM reference x JOIN organisation o "
        "ON o.id = x.allocated_by_id WHERE x.value LIKE '%-9' ORDER BY 1, 2"
    )
    assert [tuple(r) for r in rows] == [
        ("home", "CNCL-P-9", COUNCIL),
        ("home", "FH-P-9", LANDLORD),
        ("repair", "CNCL-JOB-9", COUNCIL),
        ("repair", "FEED-9", LANDLORD),
    ]
    # A reference allocated by an organisation not registered here is reported, not
    # dropped and not pinned on the wrong organisation.
    unknown = copy.deepcopy(document)
    unknown["SitePropertyUnit"][0]["Reference"].append({"ID": "X-9", "AllocatedBy": "Nobody Ltd"})
    refused = await _import(landlord, unknown)
    assert [(p.field, p.value) for p in refused.problems] == [("AllocatedBy", "Nobody Ltd")]
    assert not refused.written
