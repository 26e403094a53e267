"""Every problem of a file is reported, at once, without a crash: optional columns left
empty, a file refused as a whole whose rows still get checked, a complete repair without
its completion time, and one UPRN given two postcodes in one file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from odx_graph.services.importing.service import ImportReport
from odx_graph.services.importing.service import run_import
from odx_graph.store import imports as repo
from odx_graph.store.db import Database

LANDLORD = "Checked Homes"
FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
async def db(module_db: Database) -> Database:
    """The module's database with its landlord; each test uses its own references."""
    async with module_db.connection() as conn:
        await repo.create_organisation(conn, LANDLORD, "landlord", None)
    return module_db


async def _import(db: Database, data: str | bytes, fmt: str, **options: Any) -> ImportReport:
    raw = data.encode() if isinstance(data, str) else data
    return await run_import(
        db, raw, fmt=fmt, file_name=f"f.{fmt}", organisation=LANDLORD, **options
    )


def _where(report: ImportReport) -> set[tuple[str, str]]:
    return {(p.record, p.field) for p in report.problems}


async def test_contractors_with_empty_optional_lists_import(db: Database) -> None:
    bare = "contractor_ref,name\nK-1,Test\n"
    dry = await _import(db, bare, "contractors", dry_run=True)
    assert dry.ok and dry.created == 1, dry.as_text()
    full = "contractor_ref,name,trades,postcode_districts\nK-1,Test,PL|GM,LS9\n"
    assert (await _import(db, full, "contractors")).created == 1
    # The same contractor again with the lists left empty: nothing is erased.
    again = await _import(db, bare + "K-2,Test Two\n", "contractors")
    assert (again.created, again.unchanged) == (1, 1), again.as_text()
    rows = await db.fetch(
        "SELECT name, trade_codes, postcode_districts FROM organisation "
        "WHERE name IN ('Test', 'Test Two') ORDER BY name"
    )
    assert [tuple(r) for r in rows] == [("Test", ["PL", "GM"], ["LS9"]), ("Test Two", [], [])]


async def test_a_contractor_known_by_name_is_linked_not_duplicated(db: Database) -> None:
    async with db.connection() as conn:
        await repo.create_organisation(conn, "Second Homes", "landlord", None)
    await _import(db, "contractor_ref,name,trades\nK-1,Acme Repairs,PL\n", "contractors")
    report = await run_import(
        db,
        b"contractor_ref,name\nSUP-7,ACME REPAIRS \n",
        fmt="contractors",
        file_name="c.csv",
        organisation="Second Homes",
    )
    assert report.ok, report.as_text()
    rows = await db.fetch(
        "SELECT o.trade_codes, array_agg(x.value ORDER BY x.value) AS refs FROM organisation o "
        "JOIN reference x ON x.subject_type = 'organisation' AND x.subject_id = o.id "
        "WHERE lower(o.name) = 'acme repairs' GROUP BY o.id"
    )
    assert [tuple(r) for r in rows] == [(["PL"], ["K-1", "SUP-7"])]


async def test_an_unknown_column_does_not_stop_the_other_checks(db: Database) -> None:
    repairs = (
        "repair_ref,home_uprn,priority,status,reported_at,sor_code,quantity,colour\n"
        "R-1,990000001,3,scheduled,2024-03-04T09:15:00Z,NOT-A-SOR,1,blue\n"
        "R-2,990000002,9,scheduled,2024-03-04T09:15:00Z,601101,1,red\n"
        "R-3,990000003,3,scheduled,2024-03-04T09:15:00Z,601101,1,red\n"
    )
    report = await _import(db, repairs, "repairs", skip_invalid=True)
    assert _where(report) == {
        ("f.repairs", "colour"),
        ("row 2", "line 1 sor_code"),  # found although the file is refused
        ("row 3", "priority"),
        ("row 4", "home"),  # and what a good row names is looked up too
    }
    # The file is refused as a whole, even with --skip-invalid: nothing is written.
    assert not report.written and report.refused
    assert "the file as a whole has a problem" in report.summary()


async def test_a_complete_repair_needs_its_completion_time(db: Database) -> None:
    await _import(db, "home_ref,address_line_1,postcode\nCPL-H1,1 Row,LS9 8AB\n", "homes")
    header = "repair_ref,home_ref,priority,status,reported_at,completed_at\n"
    report = await _import(
        db,
        header + "CPL-1,CPL-H1,3,complete,2024-03-04T09:15:00Z,\n"
        "CPL-2,CPL-H1,3,complete,2024-03-04T09:15:00Z,2024-03-04T09:15:00Z\n"
        "CPL-3,CPL-H1,3,cancelled,2024-03-04T09:15:00Z,\n",
        "repairs",
    )
    assert _where(report) == {("row 2", "completed_at")}
    assert "completion time" in report.problems[0].reason
    # At the edge: completed the moment it was reported is a completion time.
    assert report.rejected == 1 and report.created == 2


async def test_one_uprn_with_two_postcodes_in_a_file_is_reported(db: Database) -> None:

    def raised(ref: str, postcode: str) -> dict[str, Any]:
        return {
            "Reference": [{"ID": ref}],
            "DescriptionOfWork": "Leak",
            "Priority": {"PriorityCode": "3"},
            "WorkClass": {"WorkClassCode": "0"},
            "DateReported": "2024-03-04T09:15:00Z",
            "SitePropertyUnit": [
                {
                    "Address": {"BuildingNumber": "2", "StreetName": "Row", "PostalCode": postcode},
                    "Reference": [{"ID": "990000123", "AllocatedBy": "UPRN"}],
                }
            ],
        }

    same = json.dumps([raised("A", "LS9 8AB"), raised("B", "ls98ab")])
    assert (await _import(db, same, "hact", dry_run=True)).ok
    two = json.dumps([raised("A", "LS9 8AB"), raised("B", "LS9 8AD"), raised("C", "LS9 8AB")])
    report = await _import(db, two, "hact", dry_run=True)
    assert _where(report) == {
        ("RaiseRepair[0]", "postcode"),
        ("RaiseRepair[1]", "postcode"),
        ("RaiseRepair[2]", "postcode"),
    }
    assert "LS9 8AD at RaiseRepair[1]" in report.problems[0].reason
    # The rule holds for every format: two certificates of one UPRN with two postcodes.
    lines = (FIXTURES / "epc_domestic_export_sample.csv").read_text().splitlines()
    moved = lines[2].replace("SW1A 2AA", "SW1A 1AA")
    epc = f"{lines[0]},UPRN\r\n{lines[1]},990000123\r\n{moved},990000123\r\n"
    report = await _import(db, epc, "epc", dry_run=True)
    assert {p.record for p in report.problems if p.field == "postcode"} == {"row 2", "row 3"}
