"""Read HACT / UKHDS work orders (JSON, v3.3 "M3 SoR v7" schemas) into import records.

Accepted documents (UTF-8, a byte-order mark is allowed):

* one HACT object: a bare RaiseRepair, WorkOrderComplete or JobStatusUpdate object, or one
  wrapped in its name, ``{"RaiseRepair": {...}}``;
* a JSON array of such objects, bare or wrapped, kinds mixed;
* an object keyed by kind, ``{"RaiseRepair": [...], "WorkOrderComplete": [...]}``, each value
  one object or an array of them.

The schemas name each kind as their root (``"RaiseRepair": {...}``) but a message on the wire is
the bare object, so a bare object's kind is told by its properties: a RaiseRepair by any
property only it has (``Priority``, ``DescriptionOfWork``, ``SitePropertyUnit`` ...), a
WorkOrderComplete by ``WorkOrderReference`` or its completion arrays, a JobStatusUpdate by its
required ``RelatedWorkOrderReference``. Objects are located as ``Kind[i]``, ``i`` being the
object's position in the array that holds it (0 for a single object).

Mapping (see ``docs/data-formats-hact.md`` for the user's view):

* RaiseRepair -> :class:`RepairRecord` with status ``scheduled`` (the schema has no status),
  plus a :class:`HomeRecord` when its SitePropertyUnit has an address with a postcode. The
  v3.3 RaiseRepair has no work-order reference (the receiving system allocates one), so the
  reader takes ``WorkOrderReference`` (the name WorkOrderComplete uses) or else the first of
  ``Reference`` (one Reference or an array, as later UKHDS versions and the schema's own
  AdditionalWorkOrder have it). The home is the unit's Reference allocated by ``UPRN`` and/or
  its first other Reference (the landlord's property reference); the address has no UPRN
  field in this schema.
* WorkOrderComplete -> :class:`RepairCompletionRecord`: completed at the EventTime of the
  JobStatusUpdate whose OtherType says "completed", else the latest EventTime; lines from
  CompletedWorkElements. The schema gives no money amount anywhere (BillOfMaterialItem is a
  RateScheduleItem: code and quantity), so no cost is read.
* JobStatusUpdate: reported as "not supported yet"; nothing is imported from it.
* A line's code is ``M3NHFSORCode`` without its schedule prefix (``Responsive-001101`` ->
  ``001101``, our codes are the bare NHF codes) or else ``CustomCode``; its quantity is the sum
  of ``Quantity.Amount[]`` (the amounts share the one UnitOfMeasurementCode), 1 when absent.

Person data (PersonAlert, LocationAlert, AccessInformation, keysafes, OperativesUsed, customer
feedback and contact channels, comments) is never read, so it cannot reach a record or a problem.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from odx_graph.services.importing.hact_values import BadNumber, Checker, JsonObject, echo, parse_int
from odx_graph.services.importing.records import (
    HomeLink,
    HomeRecord,
    Parsed,
    Problem,
    Record,
    RepairCompletionRecord,
    RepairLineRecord,
    RepairRecord,
)

RAISE_REPAIR = "RaiseRepair"
WORK_ORDER_COMPLETE = "WorkOrderComplete"
JOB_STATUS_UPDATE = "JobStatusUpdate"
KINDS = (RAISE_REPAIR, WORK_ORDER_COMPLETE, JOB_STATUS_UPDATE)

# Properties only a RaiseRepair has (from its schema), used to tell a bare object's kind.
_RAISE_KEYS = frozenset(
    [
        "DescriptionOfWork",
        "EstimatedLaborHours",
        "Priority",
        "WorkClass",
        "WorkType",
        "ParkingArrangements",
        "WorkElement",
        "LocationOfRepair",
        "AccessInformation",
        "PersonAlert",
        "LocationAlert",
        "DateReported",
        "SitePropertyUnit",
    ]
)
_COMPLETE_KEYS = frozenset(
    [
        "WorkOrderReference",
        "BillOfMaterialItem",
        "CompletedWorkElements",
        "OperativesUsed",
        "JobStatusUpdates",
        "FollowOnWorkOrderReference",
    ]
)
_RAISED_STATUS = "scheduled"
_COMPLETE_STATUS = "complete"  # the repair-status notation in ontology/odx.ttl
_COMPLETING_TYPES = frozenset({"complete", "completed"})


def read_hact(data: bytes, source: str) -> Parsed:
    """Read a HACT work-order JSON document (see the module docstring for the shapes).

    ``source`` is the file's name; problems about the file as a whole are located as
    ``"file"`` and the others as ``Kind[i]``, so it is not repeated in them (it is taken so
    every format's reader is called alike). Every problem found is returned in
    :attr:`Parsed.problems`; an object with any problem is in ``rejected`` and contributes no
    record.
    """
    parsed = Parsed()
    document = _load(data, parsed)
    if document is _NOTHING:
        return parsed
    objects = _objects(document, parsed)
    homes: list[Record] = []
    work: list[Record] = []
    seen_homes: set[tuple[str | None, int | None]] = set()
    first_seen: dict[tuple[str, str], str] = {}
    for kind, location, value in objects:
        parsed.records_read += 1
        check = Checker(location)
        produced = _read_object(check, kind, value)
        if produced is not None and not check.problems:
            reference, reference_path, record, home = produced
            first = first_seen.setdefault((kind or "", reference), location)
            if first != location:
                check.fail(reference_path, reference, f"the same work-order reference as {first}")
            else:
                work.append(record)
                if home is not None and (home.reference, home.uprn) not in seen_homes:
                    seen_homes.add((home.reference, home.uprn))
                    homes.append(home)
        for problem in check.problems:
            parsed.reject(problem)
    parsed.records = homes + work
    return parsed


_Produced = tuple[str, str, Record, HomeRecord | None]


def _read_object(check: Checker, kind: str | None, value: object) -> _Produced | None:
    if not isinstance(value, dict):
        check.fail("", value, "expected a HACT object ({...})")
        return None
    if kind == RAISE_REPAIR:
        return _raise_repair(check, value)
    if kind == WORK_ORDER_COMPLETE:
        return _work_order_complete(check, value)
    if kind == JOB_STATUS_UPDATE:
        related = value.get("RelatedWorkOrderReference")
        shown_id = related.get("ID") if isinstance(related, dict) else None
        check.fail(
            "", shown_id, "JobStatusUpdate is not supported yet: nothing was imported from it"
        )
        return None
    keys = ", ".join(sorted(str(k) for k in value)[:20])
    check.fail("", keys, "not a RaiseRepair, WorkOrderComplete or JobStatusUpdate (keys shown)")
    return None


_NOTHING = object()  # no document (JSON null is a document, if not a HACT one)


def _load(data: bytes, parsed: Parsed) -> object:
    """The decoded JSON document, or ``_NOTHING`` after reporting why there is none."""

    def fail(value: str, reason: str) -> None:
        parsed.reject(Problem("file", "", echo(value), reason))

    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        fail(f"byte {error.start}", "not UTF-8 text")
        return _NOTHING
    if not text.strip():
        fail("", "the file is empty")
        return _NOTHING
    try:
        document: object = json.loads(
            text, parse_float=Decimal, parse_int=parse_int, parse_constant=BadNumber
        )
    except json.JSONDecodeError as error:
        fail(f"line {error.lineno}, column {error.colno}", f"not valid JSON: {error.msg}")
    except RecursionError:
        # The C decoder counts nesting against the recursion limit: a clean refusal.
        fail("", "not a HACT document: arrays or objects nested too deeply")
    except ValueError as error:  # pragma: no cover - defensive: the hooks above catch the rest
        fail("", f"not valid JSON: {error}")
    else:
        return document
    return _NOTHING


_Located = list[tuple[str | None, str, object]]


def _objects(document: object, parsed: Parsed) -> _Located:
    """Every HACT object of the document with its kind (``None`` if unknown) and location."""

    def fail(field: str, value: object, reason: str) -> None:
        parsed.reject(Problem("file", field, echo(value), reason))

    found: _Located = []
    if isinstance(document, list):
        for index, item in enumerate(document):
            kind, inner = _unwrap(item)
            found.append((kind, f"{kind or 'item'}[{index}]", inner))
    elif isinstance(document, dict) and any(key in KINDS for key in document):
        for key, value in document.items():
            if key not in KINDS:
                fail(
                    "",
                    key,
                    "unknown key: expected RaiseRepair, WorkOrderComplete or JobStatusUpdate",
                )
            elif isinstance(value, list):
                found.extend((key, f"{key}[{i}]", item) for i, item in enumerate(value))
            elif isinstance(value, dict):
                found.append((key, f"{key}[0]", value))
            else:
                fail(key, value, "expected an object or an array of objects")
    elif isinstance(document, dict):
        kind = _kind_of(document)
        found.append((kind, f"{kind or 'item'}[0]", document))
    else:
        fail("", document, "expected a HACT object, an array of them or {RaiseRepair: [...]}")
    if not found and not parsed.problems:
        fail("", "", "the document holds no HACT objects")
    return found


def _unwrap(item: object) -> tuple[str | None, object]:
    """An array item's kind and object: ``{"RaiseRepair": {...}}`` or a bare object."""
    if not isinstance(item, dict):
        return None, item
    if len(item) == 1:
        ((key, value),) = item.items()
        if key in KINDS:
            return key, value
    return _kind_of(item), item


def _kind_of(value: JsonObject) -> str | None:
    keys = value.keys()
    if not _RAISE_KEYS.isdisjoint(keys):
        return RAISE_REPAIR
    if not _COMPLETE_KEYS.isdisjoint(keys):
        return WORK_ORDER_COMPLETE
    if "RelatedWorkOrderReference" in keys:
        return JOB_STATUS_UPDATE
    return None


def _raise_repair(check: Checker, value: JsonObject) -> _Produced | None:
    reference, reference_path = _work_order_reference(check, value)
    priority = target = None
    block = check.obj(value.get("Priority"), "Priority", required=True)
    if block is not None:
        priority = check.priority(block.get("PriorityCode"), "Priority.PriorityCode")
        target = check.when(
            block.get("RequiredCompletionDateTime"), "Priority.RequiredCompletionDateTime"
        )
    reported = check.when(value.get("DateReported"), "DateReported", required=True)
    description = check.text(value.get("DescriptionOfWork"), "DescriptionOfWork", limit=10_000)
    link, home = _site(check, value.get("SitePropertyUnit"))
    trade, lines = _elements(check, value.get("WorkElement"), "WorkElement")
    if check.problems or not (reference and priority and reported and link):
        return None
    record = RepairRecord(
        location=check.location,
        reference=reference,
        home=link,
        priority=priority,
        status=_RAISED_STATUS,
        reported_at=reported,
        target_at=target,
        trade=trade,
        description=description,
        lines=lines,
    )
    return reference, reference_path, record, home


def _work_order_reference(check: Checker, value: JsonObject) -> tuple[str | None, str]:
    if value.get("WorkOrderReference") is not None:
        return check.reference_id(value["WorkOrderReference"], "WorkOrderReference"), (
            "WorkOrderReference.ID"
        )
    raw = value.get("Reference")
    if isinstance(raw, list):
        if not raw:
            check.fail("Reference", "", "empty: the work order's reference is needed")
            return None, "Reference"
        return check.reference_id(raw[0], "Reference[0]"), "Reference[0].ID"
    if raw is not None:
        return check.reference_id(raw, "Reference"), "Reference.ID"
    check.fail(
        "WorkOrderReference",
        "",
        "missing: the work order's reference is needed (WorkOrderReference, or Reference[0])",
    )
    return None, "WorkOrderReference"


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
    uprn, reference = check.home_references(unit.get("Reference"), f"{path}.Reference")
    link = HomeLink(reference=reference, uprn=uprn) if (uprn or reference) else None
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
    )
    return link, home


def _elements(
    check: Checker, value: object, path: str
) -> tuple[str | None, list[RepairLineRecord]]:
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


def _work_order_complete(check: Checker, value: JsonObject) -> _Produced | None:
    raw = value.get("WorkOrderReference")
    reference = None
    if raw is None:
        check.fail("WorkOrderReference", "", "missing: the work order's reference is needed")
    else:
        reference = check.reference_id(raw, "WorkOrderReference")
    completed = _completed_at(check, value.get("JobStatusUpdates"))
    _, lines = _elements(check, value.get("CompletedWorkElements"), "CompletedWorkElements")
    if check.problems or reference is None or completed is None:
        return None
    record = RepairCompletionRecord(
        location=check.location,
        reference=reference,
        completed_at=completed,
        status=_COMPLETE_STATUS,
        lines=lines,
    )
    return reference, "WorkOrderReference.ID", record, None


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
