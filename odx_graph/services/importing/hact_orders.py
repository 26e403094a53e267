"""The HACT work-order kinds mapped to import records: RaiseRepair, WorkOrderComplete and
JobStatusUpdate (v3.3 "M3 SoR v7" schemas). Objects arrive here with their keys already in
the schemas' spelling (see :mod:`odx_graph.services.importing.hact`).

* RaiseRepair -> :class:`RepairRecord`, status ``scheduled`` as of DateReported (the
  schema has no status), plus a :class:`HomeRecord` when its SitePropertyUnit has an
  address with a postcode. Its identity is ``WorkOrderReference``, else the first
  ``Reference``; the v3.3 schema has neither (the receiving system allocates one), so
  without them the caller allocates one from the document's content. Other references
  are kept with the organisation their AllocatedBy names.
* WorkOrderComplete -> :class:`RepairCompletionRecord`: completed at the EventTime of the
  update whose OtherType says "completed", else the latest EventTime; lines from
  CompletedWorkElements. The schema gives no money amount, so no cost is read.
* JobStatusUpdate -> :class:`RepairStatusRecord` at its EventTime: the status its
  OtherType names (the v3.3 TypeCode list carries no meanings, so a TypeCode alone says
  no status), and the lines of its MoreSpecificSORCode.
* A line's code is ``M3NHFSORCode`` without its schedule prefix (``Responsive-001101`` ->
  ``001101``) or else ``CustomCode``; its quantity is the sum of ``Quantity.Amount[]``, 1
  when absent.

Person data (PersonAlert, LocationAlert, AccessInformation, keysafes, OperativesUsed,
customer feedback and contact channels, comments) is never read.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from odx_graph.services.importing.hact_values import Checker
from odx_graph.services.importing.hact_values import JsonObject
from odx_graph.services.importing.records import GivenReference
from odx_graph.services.importing.records import HomeLink
from odx_graph.services.importing.records import HomeRecord
from odx_graph.services.importing.records import Record
from odx_graph.services.importing.records import RepairCompletionRecord
from odx_graph.services.importing.records import RepairLineRecord
from odx_graph.services.importing.records import RepairRecord
from odx_graph.services.importing.records import RepairStatusRecord

RAISED_STATUS = "scheduled"
COMPLETE_STATUS = "complete"  # the repair-status notation in ontology/odx.ttl
_COMPLETING_TYPES = frozenset({"complete", "completed"})

# What an update's OtherType may say, folded to letters only, and the status it means.
# The HACT v3.3 TypeCode list has codes without meanings, so only words are trusted.
_STATUS_WORDS = {
    **dict.fromkeys(("complete", "completed", "jobcomplete", "workcomplete"), "complete"),
    **dict.fromkeys(("cancel", "cancelled", "canceled", "jobcancelled"), "cancelled"),
    **dict.fromkeys(("hold", "onhold", "paused", "pause", "suspended"), "hold"),
    **dict.fromkeys(
        ("inprogress", "resume", "resumed", "started", "start", "arrived", "onsite"), "in-progress"
    ),
    **dict.fromkeys(("scheduled", "appointed", "booked"), "scheduled"),
    "estimating": "estimating",
    "pendingapproval": "pending-approval",
    "superseded": "superseded",
    "reported": "reported",
}


def status_named(text: str | None) -> str | None:
    """The repair status a job status update's OtherType names, if any."""
    if text is None:
        return None
    return _STATUS_WORDS.get(re.sub(r"[^a-z]", "", text.lower()))


# What a kind's reader gives back: the identity (work-order reference, or None when it
# must be allocated) and the JSON path it came from, the record, and a home record.
Produced = tuple[str | None, str, Record, HomeRecord | None]


def raise_repair(check: Checker, value: JsonObject) -> Produced | None:
    """A RaiseRepair: its repair and, when the address has a postcode, its home."""
    reference, reference_path, others = _work_order_references(check, value)
    priority = target = None
    block = check.obj(value.get("Priority"), "Priority", required=True)
    if block is not None:
        priority = check.priority(block.get("PriorityCode"), "Priority.PriorityCode")
        target = check.when(
            block.get("RequiredCompletionDateTime"), "Priority.RequiredCompletionDateTime"
        )
        if block.get("DerivedFromPriority") is True:
            target = None  # the priority's standard target, not one the repair was given
    reported = check.when(value.get("DateReported"), "DateReported")
    description = check.text(value.get("DescriptionOfWork"), "DescriptionOfWork", limit=10_000)
    link, home = _site(check, value.get("SitePropertyUnit"))
    trade, lines = elements(check, value.get("WorkElement"), "WorkElement")
    if check.problems or not (priority and link):
        return None
    record = RepairRecord(
        location=check.location,
        reference=reference or "",
        home=link,
        priority=priority,
        status=RAISED_STATUS,
        reported_at=reported,
        target_at=target,
        trade=trade,
        description=description,
        lines=lines,
        status_at=reported,
        references=others,
        status_implied=True,
    )
    return reference, reference_path, record, home


def _work_order_references(
    check: Checker, value: JsonObject
) -> tuple[str | None, str, tuple[GivenReference, ...]]:
    """The work order's identity and path, and its other references with AllocatedBy."""
    given: list[tuple[str, str, str | None]] = []
    if value.get("WorkOrderReference") is not None:
        ident = check.reference_id(value["WorkOrderReference"], "WorkOrderReference")
        if ident is not None:
            by = check.allocated_by(value["WorkOrderReference"], "WorkOrderReference")
            given.append((ident, "WorkOrderReference.ID", by))
    raw = value.get("Reference")
    items = raw if isinstance(raw, list) else ([] if raw is None else [raw])
    for index, item in enumerate(items):
        path = f"Reference[{index}]" if isinstance(raw, list) else "Reference"
        ident = check.reference_id(item, path)
        if ident is not None:
            given.append((ident, f"{path}.ID", check.allocated_by(item, path)))
    if not given:
        return None, "Reference", ()
    (ident, path, _), rest = given[0], given[1:]
    return ident, path, tuple((other, by) for other, _, by in rest if other != ident)


def _site(check: Checker, value: object) -> tuple[HomeLink | None, HomeRecord | None]:
    """The home a repair is for, and a home record when its address has a postcode."""
    units = check.objects(value, "SitePropertyUnit")
    if not units:
        if value is None or isinstance(value, list):
            check.fail("SitePropertyUnit", "", "missing: the home the repair is for is needed")
        return None, None
    if len(units) > 1:
        check.fail("SitePropertyUnit", len(units), "more than one unit: a repair is for one home")
    path, unit = units[0]
    reported = len(check.problems)
    uprn, reference, allocated = check.home_references(unit.get("Reference"), f"{path}.Reference")
    link = (
        HomeLink(reference=reference, uprn=uprn, allocated=allocated)
        if (uprn or reference or allocated)
        else None
    )
    if link is None and len(check.problems) == reported:  # else a bad reference said why
        check.fail(
            f"{path}.Reference",
            "",
            "missing: a Reference allocated by UPRN or the landlord's property reference is needed",
        )
    address = check.obj(unit.get("Address"), f"{path}.Address")
    if address is None or address.get("PostalCode") is None:
        return link, None
    postcode = check.postcode(address.get("PostalCode"), f"{path}.Address.PostalCode")
    lines, town = check.address_lines(address, f"{path}.Address")
    if not lines:
        check.fail(
            f"{path}.Address", "", "an address with a postcode needs a street or address line"
        )
    if link is None or postcode is None or not lines:
        return link, None
    home = HomeRecord(
        location=check.location,
        reference=reference,
        uprn=uprn,
        address_line_1=lines[0],
        address_line_2=", ".join(lines[1:]) or None,
        town=town,
        postcode=postcode,
        allocated=allocated,
        locates_only=True,
    )
    return link, home


def elements(check: Checker, value: object, path: str) -> tuple[str | None, list[RepairLineRecord]]:
    """The first trade code and the Schedule of Rates lines of work elements, in order."""
    trades: list[str] = []
    lines: list[RepairLineRecord] = []
    for element_path, element in check.objects(value, path):
        for trade_path, trade in check.objects(element.get("Trade"), f"{element_path}.Trade"):
            code = check.text(trade.get("Code"), f"{trade_path}.Code", limit=20)
            if code is not None:
                trades.append(code)
        items = check.objects(element.get("RateScheduleItem"), f"{element_path}.RateScheduleItem")
        for item_path, item in items:
            line = _line(check, item, item_path)
            if line is not None:
                lines.append(line)
    return (trades[0] if trades else None), lines


def _line(check: Checker, item: JsonObject, path: str) -> RepairLineRecord | None:
    code: str | None = None
    if item.get("M3NHFSORCode") is not None:
        code = check.text(item["M3NHFSORCode"], f"{path}.M3NHFSORCode", limit=60)
        # The schema's enum spells codes "<schedule>-<code>"; our list holds the bare code.
        code = code.rsplit("-", 1)[-1] if code else None
    elif item.get("CustomCode") is not None:
        code = check.text(item["CustomCode"], f"{path}.CustomCode", limit=60)
    else:
        check.fail(path, "", "missing: an M3NHFSORCode or a CustomCode is needed")
    quantity = _quantity(check, item.get("Quantity"), f"{path}.Quantity")
    if code is None or quantity is None:
        return None
    return RepairLineRecord(sor_code=code, quantity=quantity)


def _quantity(check: Checker, value: object, path: str) -> Decimal | None:
    if value is None:
        return Decimal(1)
    block = check.obj(value, path)
    if block is None:
        return None
    amounts = check.array(block.get("Amount"), f"{path}.Amount")
    if not amounts:
        return Decimal(1)
    total = Decimal(0)
    valid = True
    for amount_path, amount in amounts:
        part = check.quantity(amount, amount_path)
        valid = valid and part is not None
        total += part or 0
    if valid and check.quantity(total, f"{path}.Amount") is not None:
        return total
    return None


def _related(check: Checker, value: JsonObject, key: str) -> str | None:
    raw = value.get(key)
    if raw is None:
        check.fail(key, "", "missing: the work order's reference is needed")
        return None
    return check.reference_id(raw, key)


def work_order_complete(check: Checker, value: JsonObject) -> Produced | None:
    """A WorkOrderComplete: the completion of a repair."""
    reference = _related(check, value, "WorkOrderReference")
    completed = _completed_at(check, value.get("JobStatusUpdates"))
    _, lines = elements(check, value.get("CompletedWorkElements"), "CompletedWorkElements")
    if check.problems or reference is None or completed is None:
        return None
    record = RepairCompletionRecord(
        location=check.location,
        reference=reference,
        completed_at=completed,
        status=COMPLETE_STATUS,
        lines=lines,
    )
    return reference, "WorkOrderReference.ID", record, None


def job_status_update(check: Checker, value: JsonObject) -> Produced | None:
    """A JobStatusUpdate: a status (when its OtherType names one) and lines, at a time."""
    reference = _related(check, value, "RelatedWorkOrderReference")
    when = check.when(value.get("EventTime"), "EventTime", required=True)
    other = check.text(value.get("OtherType"), "OtherType", limit=200)
    lines: list[RepairLineRecord] = []
    specific = check.obj(value.get("MoreSpecificSORCode"), "MoreSpecificSORCode")
    if specific is not None:
        _, lines = elements(check, [specific], "MoreSpecificSORCode")
    if check.problems or reference is None or when is None:
        return None
    record = RepairStatusRecord(
        location=check.location,
        reference=reference,
        occurred_at=when,
        status=status_named(other),
        lines=lines,
    )
    return reference, "RelatedWorkOrderReference.ID", record, None


def _completed_at(check: Checker, value: object) -> dt.datetime | None:
    """The EventTime of the update that says "completed", else the latest EventTime."""
    completing: list[dt.datetime] = []
    times: list[dt.datetime] = []
    for path, update in check.objects(value, "JobStatusUpdates"):
        when = check.when(update.get("EventTime"), f"{path}.EventTime")
        if when is None:
            continue
        times.append(when)
        other = update.get("OtherType")
        if isinstance(other, str) and other.strip().lower() in _COMPLETING_TYPES:
            completing.append(when)
    chosen = completing or times
    if not chosen:
        check.fail(
            "JobStatusUpdates",
            "",
            "missing: a JobStatusUpdate with an EventTime is needed "
            "to know when the work was completed",
        )
        return None
    return max(chosen)
