"""Repairs out in the HACT / UKHDS v3.3 work-order standard, valid against its schemas.

Each repair becomes a RaiseRepair, a JobStatusUpdate for each event of its status history
(but the completion) and, once complete, a WorkOrderComplete, so that importing the export
again (:mod:`odx_graph.services.importing.hact`) changes nothing. The mapping is the importer's,
read backwards:

* the work order's ``Reference`` is the landlord's own reference first, then the other
  organisations' with their names in ``AllocatedBy``; a repair without a landlord's
  reference is given ``odx-repair-{id}``, which names that repair when its landlord imports
  it back;
* ``Priority.RequiredCompletionDateTime`` is the repair's target; the schema requires
  one, so a repair without a target gets its priority's standard target, marked
  ``"DerivedFromPriority": true`` (which the importer does not take as a target). A repair
  with neither is left out, and said to be;
* ``DescriptionOfWork`` is private free text: it is exported only when the caller may see
  it (a landlord's own export), and is otherwise the empty string the schema allows;
* lines carry the NHF code with the first schedule that lists it
  (``Responsive-601101``), or a landlord's own code as ``CustomCode``. Money is not in the
  schemas, so costs stay behind.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from dataclasses import field
from decimal import Decimal
from typing import Any

from odx_graph.store import hact_export as repo
from odx_graph.store.db import Database
from odx_graph.store.hact_export import ExportedRepair
from odx_graph.store.hact_export import Selection

COMPLETE = "complete"
JsonObject = dict[str, Any]
__all__ = ["ExportSummary", "Selection", "export", "repair_document", "work_order"]


@dataclass(slots=True)
class ExportSummary:
    """What an export wrote and what it left out, and why."""

    repairs: int = 0
    objects: int = 0
    left_out: list[tuple[int, str]] = field(default_factory=list)


def _moment(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _references(pairs: list[tuple[str, str]], first_by: str) -> list[JsonObject]:
    """References as HACT has them, those allocated by ``first_by`` first."""
    ordered = sorted(pairs, key=lambda pair: pair[1] != first_by)
    return [{"ID": value, "AllocatedBy": by} for value, by in ordered]


def _identity(repair: ExportedRepair) -> JsonObject:
    row = repair.row
    own = [value for value, by in repair.references if by == row["landlord"]]
    return {"ID": own[0] if own else f"odx-repair-{row['id']}", "AllocatedBy": row["landlord"]}


def _items(repair: ExportedRepair) -> list[JsonObject]:
    items = []
    for line in repair.lines:
        schedules = line["schedules"]
        item: JsonObject = (
            {"M3NHFSORCode": f"{sorted(schedules)[0]}-{line['sor_code']}"}
            if schedules
            else {"CustomCode": line["sor_code"]}
        )
        item["Quantity"] = {"Amount": [_number(line["quantity"])]}
        items.append(item)
    return items


def raise_repair(repair: ExportedRepair, *, private: bool) -> JsonObject | str:
    """The repair as a RaiseRepair, or why it cannot be one."""
    row = repair.row
    target, derived = row["target_at"], False
    if target is None and row["priority_target"] is not None:
        target, derived = row["priority_target"], True
    if target is None:
        return (
            "it has no target time and its priority no standard one, and a HACT RaiseRepair "
            "requires Priority.RequiredCompletionDateTime"
        )
    priority: JsonObject = {
        "PriorityCode": row["priority_code"],
        "RequiredCompletionDateTime": _moment(target),
    }
    if derived:
        priority["DerivedFromPriority"] = True
    address: JsonObject = {
        "AddressLine": [line for line in (row["address_line_1"], row["address_line_2"]) if line],
        "PostalCode": row["postcode"],
    }
    if row["town"]:
        address["CityName"] = row["town"]
    unit_refs = [{"ID": str(row["uprn"]), "AllocatedBy": "UPRN"}] if row["uprn"] else []
    unit_refs += _references(repair.home_references, row["landlord"])
    identity = _identity(repair)
    others = [r for r in _references(repair.references, row["landlord"]) if r != identity]
    document: JsonObject = {
        "Reference": [identity, *others],
        "DescriptionOfWork": (row["description"] or "") if private else "",
        "Priority": priority,
        "WorkClass": {"WorkClassCode": "0"},
        "DateReported": _moment(row["reported_at"]),
        "SitePropertyUnit": [{"Address": address, "Reference": unit_refs}],
    }
    items = _items(repair)
    if items:
        element: JsonObject = {"RateScheduleItem": items}
        if row["trade_code"]:
            element = {"Trade": [{"Code": row["trade_code"]}], **element}
        document["WorkElement"] = [element]
    return document


def _completes(repair: ExportedRepair) -> bool:
    row = repair.row
    return row["completed_at"] is not None and (
        row["status_code"] == COMPLETE or (COMPLETE, row["completed_at"]) in repair.events
    )


def job_status_updates(repair: ExportedRepair) -> list[JsonObject]:
    """A JobStatusUpdate for each event of the history but the completion."""
    identity = _identity(repair)
    done = (COMPLETE, repair.row["completed_at"]) if _completes(repair) else None
    return [
        {
            "RelatedWorkOrderReference": identity,
            "EventTime": _moment(when),
            "TypeCode": "0",
            "OtherType": status,
        }
        for status, when in repair.events
        if (status, when) != done
    ]


def work_order_complete(repair: ExportedRepair) -> JsonObject | None:
    """A WorkOrderComplete for a completed repair."""
    if not _completes(repair):
        return None
    document: JsonObject = {"WorkOrderReference": _identity(repair)}
    items = _items(repair)
    if items:
        document["CompletedWorkElements"] = [{"RateScheduleItem": items}]
    document["JobStatusUpdates"] = [
        {
            "EventTime": _moment(repair.row["completed_at"]),
            "TypeCode": "0",
            "OtherType": "completed",
        }
    ]
    return document


def work_order(repair: ExportedRepair, *, private: bool) -> list[tuple[str, JsonObject]] | str:
    """Every HACT object of one repair as ``(kind, object)``, or why it has none."""
    raised = raise_repair(repair, private=private)
    if isinstance(raised, str):
        return raised
    objects = [("RaiseRepair", raised)]
    objects += [("JobStatusUpdate", update) for update in job_status_updates(repair)]
    completion = work_order_complete(repair)
    if completion is not None:
        objects.append(("WorkOrderComplete", completion))
    return objects


async def export(
    db: Database, selection: Selection, summary: ExportSummary, *, private: bool, batch: int = 2000
) -> AsyncIterator[tuple[str, JsonObject]]:
    """The selected repairs' HACT objects, a batch of repairs at a time."""
    after = 0
    while True:
        async with db.connection() as conn:
            repairs = await repo.repairs_batch(conn, selection, after, batch, private=private)
        if not repairs:
            return
        for repair in repairs:
            objects = work_order(repair, private=private)
            if isinstance(objects, str):
                summary.left_out.append((repair.row["id"], objects))
                continue
            summary.repairs += 1
            for kind, value in objects:
                summary.objects += 1
                yield kind, value
        after = repairs[-1].row["id"]


async def repair_document(db: Database, repair_id: int) -> JsonObject | str | None:
    """One repair as HACT objects keyed by kind (open data: no free text), the reason it
    cannot be one, or ``None`` when there is no such repair."""
    async with db.connection() as conn:
        found = await repo.repairs_batch(
            conn, Selection(repair_ids=(repair_id,)), 0, 1, private=False
        )
    if not found:
        return None
    objects = work_order(found[0], private=False)
    if isinstance(objects, str):
        return objects
    document: JsonObject = {}
    for kind, value in objects:
        if kind == "JobStatusUpdate":
            document.setdefault(kind, []).append(value)
        else:
            document[kind] = value
    return document


def dumps(value: JsonObject) -> str:
    """One HACT object as compact JSON text."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
