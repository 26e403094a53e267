"""Work orders out in the HACT standard: valid against the v3.3 schemas, and importing an
export again changes nothing."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import httpx
import pytest

from odx_graph.core.config import Settings
from odx_graph.services import hact_export
from odx_graph.services.importing.service import run_import
from odx_graph.store.db import Database
from tests.test_import_hact import standard_schema

KINDS = ("RaiseRepair", "JobStatusUpdate", "WorkOrderComplete")


@cache
def validator(kind: str) -> Any:
    jsonschema = pytest.importorskip("jsonschema")
    return jsonschema.Draft7Validator(
        standard_schema(kind), format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER
    )


def errors(kind: str, value: object) -> list[str]:
    return [f"{kind}: {e.json_path}: {e.message}"[:300] for e in validator(kind).iter_errors(value)]


async def _landlord(db: Database) -> tuple[int, str]:
    row = await db.fetchrow(
        "SELECT o.id, o.name FROM organisation o WHERE o.kind_code = 'landlord' "
        "AND EXISTS (SELECT 1 FROM repair r WHERE r.landlord_id = o.id) ORDER BY o.id LIMIT 1"
    )
    return row["id"], row["name"]


async def _export(db: Database, landlord: int) -> tuple[list[dict[str, Any]], Any]:
    summary = hact_export.ExportSummary()
    selection = hact_export.Selection(landlord_id=landlord)
    objects = [
        {kind: value}
        async for kind, value in hact_export.export(db, selection, summary, private=True, batch=97)
    ]
    return objects, summary


SNAPSHOT = {
    "repair": "SELECT * FROM repair ORDER BY id",
    "repair_line": "SELECT * FROM repair_line ORDER BY id",
    "repair_status_event": "SELECT * FROM repair_status_event ORDER BY id",
    "reference": "SELECT * FROM reference ORDER BY id",
    "home": "SELECT * FROM home ORDER BY id",
    "home_assertion": "SELECT * FROM home_assertion ORDER BY id",
    "pending": "SELECT * FROM pending_repair_update ORDER BY id",
}


async def _snapshot(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    return {name: [tuple(r) for r in await db.fetch(sql)] for name, sql in SNAPSHOT.items()}


async def test_a_landlords_export_is_valid_hact_and_imports_back_unchanged(
    module_db: Database,
) -> None:
    landlord, name = await _landlord(module_db)
    # A repair reported through the API has no reference of its landlord's.
    bare = await module_db.fetchval(
        "INSERT INTO repair (landlord_id, home_id, priority_code, status_code, reported_at, "
        "raised_at, target_at) SELECT landlord_id, home_id, priority_code, 'reported', "
        "reported_at, raised_at, target_at FROM repair WHERE landlord_id = $1 "
        "AND target_at IS NOT NULL ORDER BY id LIMIT 1 RETURNING id",
        landlord,
    )
    await module_db.execute(
        "INSERT INTO repair_status_event (repair_id, status_code, occurred_at) "
        "SELECT id, 'reported', reported_at FROM repair WHERE id = $1",
        bare,
    )
    objects, summary = await _export(module_db, landlord)
    assert {"ID": f"odx-repair-{bare}", "AllocatedBy": name} in [
        item["RaiseRepair"]["Reference"][0] for item in objects if "RaiseRepair" in item
    ]
    held = await module_db.fetchval("SELECT count(*) FROM repair WHERE landlord_id = $1", landlord)
    assert summary.repairs + len(summary.left_out) == held > 100
    assert all("no target time" in reason for _, reason in summary.left_out)
    found: list[str] = []
    for item in objects:
        ((kind, value),) = item.items()
        found += errors(kind, value)
    assert found == []
    assert {next(iter(item)) for item in objects} == set(KINDS)
    before = await _snapshot(module_db)
    report = await run_import(
        module_db,
        json.dumps(objects).encode(),
        fmt="hact",
        file_name="export.json",
        organisation=name,
    )
    assert report.ok, report.as_text()[-3000:]
    assert (report.created, report.updated) == (0, 0), report.summary()
    assert await _snapshot(module_db) == before


async def test_imported_work_orders_round_trip_with_every_value(module_db: Database) -> None:
    from odx_graph.store import imports as repo

    async with module_db.connection() as conn:
        landlord = await repo.create_organisation(conn, "Trip Homes", "landlord", None)
        await repo.create_organisation(conn, "Trip Council", "local-authority", None)
    homes = "home_ref,uprn,address_line_1,address_line_2,town,postcode\n"
    homes += "TH-1,990000888001,1 Trip Row,Flat 2,Leeds,LS9 8AB\nTH-2,,2 Trip Row,,,LS9 8AD\n"
    repairs = (
        "repair_ref,home_ref,priority,status,status_at,trade,description,reported_at,target_at,"
        "completed_at,repair_cost,line_number,sor_code,quantity,unit_cost\n"
        'TR-1,TH-1,3,complete,,PL,Sink "leak",2024-03-04T09:15:00Z,2024-03-11T17:00:00Z,'
        "2024-03-06T11:40:00Z,85.50,1,601101,1.5,57.00\n"
        'TR-1,TH-1,3,complete,,PL,Sink "leak",2024-03-04T09:15:00Z,2024-03-11T17:00:00Z,'
        "2024-03-06T11:40:00Z,85.50,2,601103,1,\n"
        "TR-2,TH-2,5,hold,2024-03-05T10:00:00+00:00,,,2024-03-04T09:15:00Z,,,,,,,\n"
    )
    for fmt, data in (("homes", homes), ("repairs", repairs)):
        report = await run_import(
            module_db, data.encode(), fmt=fmt, file_name="x", organisation="Trip Homes"
        )
        assert report.written, report.as_text()
    # The council's own number for the work order, sent by the landlord's system.
    council_ref = {"ID": "TC-9", "AllocatedBy": "Trip Council"}
    restated = {
        "Reference": [{"ID": "TR-1"}, council_ref],
        "DescriptionOfWork": "",
        "Priority": {"PriorityCode": "3"},
        "WorkClass": {"WorkClassCode": "0"},
        "SitePropertyUnit": [{"Reference": [{"ID": "TH-1"}]}],
    }
    report = await run_import(
        module_db,
        json.dumps(restated).encode(),
        fmt="hact",
        file_name="r.json",
        organisation="Trip Homes",
    )
    assert report.ok and report.updated == 1, report.as_text()
    objects, summary = await _export(module_db, landlord)
    assert summary.left_out == [
        (
            await module_db.fetchval(
                "SELECT r.id FROM repair r JOIN reference x ON x.subject_id = r.id "
                "AND x.subject_type = 'repair' WHERE x.value = 'TR-2'"
            ),
            summary.left_out[0][1],
        )
    ]
    kinds = [next(iter(item)) for item in objects]
    assert kinds == ["RaiseRepair", "WorkOrderComplete"]
    raised = objects[0]["RaiseRepair"]
    assert raised["Reference"] == [{"ID": "TR-1", "AllocatedBy": "Trip Homes"}, council_ref]
    assert raised["DescriptionOfWork"] == 'Sink "leak"'
    assert raised["SitePropertyUnit"][0]["Reference"][0] == {
        "ID": "990000888001",
        "AllocatedBy": "UPRN",
    }
    assert raised["WorkElement"][0]["RateScheduleItem"][0] == {
        "M3NHFSORCode": "Responsive-601101",
        "Quantity": {"Amount": [1.5]},
    }
    for item in objects:
        ((kind, value),) = item.items()
        assert errors(kind, value) == []
    before = await _snapshot(module_db)
    again = await run_import(
        module_db,
        "\n".join(json.dumps(o) for o in objects).encode(),
        fmt="hact",
        file_name="trip.jsonl",
        organisation="Trip Homes",
    )
    assert again.ok and (again.created, again.updated) == (0, 0), again.as_text()
    assert await _snapshot(module_db) == before


async def test_one_repair_answers_as_hact_json_on_its_iri(
    client: httpx.AsyncClient, seeded_db: Database
) -> None:
    repair = await seeded_db.fetchval(
        "SELECT id FROM repair WHERE status_code = 'complete' AND description IS NOT NULL "
        "AND target_at IS NOT NULL ORDER BY id LIMIT 1"
    )
    for request in (
        {"params": {"format": "hact"}},
        {"headers": {"Accept": "application/vnd.hact+json"}},
    ):
        response = await client.get(f"/id/repair/{repair}", **request)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/vnd.hact+json"
        document = response.json()
        assert set(document) == set(KINDS) or set(document) == {"RaiseRepair", "WorkOrderComplete"}
        assert document["RaiseRepair"]["DescriptionOfWork"] == ""  # private: withheld
        for kind, value in document.items():
            for item in value if isinstance(value, list) else [value]:
                assert errors(kind, item) == []
    turtle = await client.get(f"/id/repair/{repair}", headers={"Accept": "text/turtle"})
    assert turtle.headers["content-type"].startswith("text/turtle")
    assert (await client.get("/id/repair/999999999?format=hact")).status_code == 404
    nothing = await seeded_db.fetchval(
        "SELECT r.id FROM repair r JOIN priority p ON p.code = r.priority_code "
        "WHERE r.target_at IS NULL AND p.response_hours IS NULL "
        "AND p.response_working_days IS NULL ORDER BY r.id LIMIT 1"
    )
    if nothing is not None:
        refused = await client.get(f"/id/repair/{nothing}?format=hact")
        assert refused.status_code == 406 and "RequiredCompletionDateTime" in refused.text


def test_the_command_line_exports_json_and_json_lines(
    module_db: Database,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Any,
    settings: Settings,
) -> None:
    from odx_graph.cli import main

    monkeypatch.setenv("ODX_DATABASE_URL", module_db.dsn)
    monkeypatch.setenv("ODX_LOG_LEVEL", "WARNING")
    target = tmp_path / "orders.json"
    assert main(["export", "--format", "hact", "--as", "1", "--open", "-o", str(target)]) == 0
    document = json.loads(target.read_text())
    assert document and all(len(item) == 1 and next(iter(item)) in KINDS for item in document)
    assert "HACT object(s)" in capsys.readouterr().err
    assert main(["export", "--format", "hact", "--as", "1", "--open", "--lines"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [json.loads(line) for line in lines] == document
    assert main(["export", "--format", "hact"]) == 2
    assert "--as" in capsys.readouterr().err
