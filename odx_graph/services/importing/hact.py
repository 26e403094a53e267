"""Read HACT / UKHDS work orders (JSON, v3.3 "M3 SoR v7" schemas) into import records.

Accepted documents (UTF-8, a byte-order mark is allowed):

* one HACT object: a bare RaiseRepair, WorkOrderComplete or JobStatusUpdate object, or one
  wrapped in its name, ``{"RaiseRepair": {...}}``;
* a JSON array of such objects, bare or wrapped, kinds mixed;
* an object keyed by kind, ``{"RaiseRepair": [...], "WorkOrderComplete": [...]}``, each value
  one object or an array of them;
* JSON Lines (``.jsonl``, ``.ndjson``, or any file of one JSON object per line): one work
  order, bare or wrapped, per line, read line by line so that large feeds never become one
  huge document in memory.

Keys are matched in the schemas' PascalCase and in the other spellings systems send
(camelCase ``workElement``, ``id``; snake_case; any case): every key is folded to its
letters and digits and matched to the schema's name, so ``sitePropertyUnit``,
``site_property_unit`` and ``SitePropertyUnit`` are one key (an object giving one key in
two spellings is a problem). The schemas name each kind as their root but a message on the
wire is the bare object, so a bare object's kind is told by its properties (see
:func:`_kind_of`). Objects are located as ``Kind[i]`` (``i`` the position in the array that
holds it, 0 for a single object) or, in JSON Lines, ``line N``.

A RaiseRepair without a work-order reference (the v3.3 schema has none: the receiving
system allocates one) is given one here: ``RR-`` and the first 16 hex digits of the SHA-256
of the document in canonical form (keys in the schema's spelling, sorted, no spaces), so
the same document, in whatever spelling, always gets the same reference and importing a
file again changes nothing. The reference is reported as a note per document.

The mapping of each kind is in :mod:`odx_graph.services.importing.hact_orders`.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from collections.abc import Iterator
from decimal import Decimal

from odx_graph.services.importing import hact_orders as orders
from odx_graph.services.importing.hact_names import COMPLETE_PROPERTIES
from odx_graph.services.importing.hact_names import EXTENSION_NAMES
from odx_graph.services.importing.hact_names import JOB_STATUS_UPDATE
from odx_graph.services.importing.hact_names import KINDS
from odx_graph.services.importing.hact_names import RAISE_PROPERTIES
from odx_graph.services.importing.hact_names import RAISE_REPAIR
from odx_graph.services.importing.hact_names import SCHEMA_NAMES
from odx_graph.services.importing.hact_names import WORK_ORDER_COMPLETE
from odx_graph.services.importing.hact_values import BadNumber
from odx_graph.services.importing.hact_values import Checker
from odx_graph.services.importing.hact_values import JsonObject
from odx_graph.services.importing.hact_values import echo
from odx_graph.services.importing.hact_values import parse_int
from odx_graph.services.importing.records import Parsed
from odx_graph.services.importing.records import Problem
from odx_graph.services.importing.records import Record
from odx_graph.services.importing.records import RepairRecord
from odx_graph.services.importing.records import RepairStatusRecord
from odx_graph.services.importing.validate import PostcodesByUprn
from odx_graph.services.importing.validate import postcode_conflicts

ALLOCATED_PREFIX = "RR-"

_FOLD = re.compile(r"[^a-z0-9]")
_BY_FOLDED = {_FOLD.sub("", name.lower()): name for name in SCHEMA_NAMES | EXTENSION_NAMES}
_LINE_SUFFIXES = (".jsonl", ".ndjson", ".jsonlines")


def schema_key(key: str) -> str:
    """``key`` in the HACT schemas' spelling when it is one of their names, else as given."""
    return _BY_FOLDED.get(_FOLD.sub("", key.lower()), key)


def canonical(value: object, path: str, clashes: list[tuple[str, str]]) -> object:
    """``value`` with every object key in the schemas' spelling; a key given twice in two
    spellings is noted in ``clashes`` as ``(path, both spellings)`` (the first is kept)."""
    if isinstance(value, list):
        return [canonical(item, f"{path}[{i}]", clashes) for i, item in enumerate(value)]
    if not isinstance(value, dict):
        return value
    result: dict[str, object] = {}
    spelt: dict[str, str] = {}
    for key, item in value.items():
        name = schema_key(key)
        inner = f"{path}.{name}" if path else name
        if name in result:
            clashes.append((inner, f"{spelt[name]} and {key}"))
            continue
        spelt[name] = key
        result[name] = canonical(item, inner, clashes)
    return result


def allocated_reference(document: JsonObject) -> str:
    """The work-order reference given to a RaiseRepair without one (see the module doc)."""
    text = json.dumps(
        document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )
    return ALLOCATED_PREFIX + hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def read_hact(data: bytes, source: str) -> Parsed:
    """Read a HACT work-order JSON or JSON Lines document (shapes in the module doc).

    ``source`` is the file's name (its ending tells JSON Lines); problems about the file as a
    whole are located as ``"file"`` and the others as ``Kind[i]`` or ``line N``. Every problem
    found is returned in :attr:`Parsed.problems`; an object with any problem is in
    ``rejected`` and contributes no record.
    """
    parsed = Parsed()
    reading = _Reading(parsed)
    for kind, location, value in _located_objects(data, source, parsed):
        reading.add(kind, location, value)
    reading.check_postcodes()
    rejected = parsed.rejected
    parsed.records = [r for r in reading.homes + reading.work if r.location not in rejected]
    return parsed


class _Reading:
    """The records read so far, with what is needed to spot repeats."""

    def __init__(self, parsed: Parsed) -> None:
        self.parsed = parsed
        self.homes: list[Record] = []
        self.work: list[Record] = []
        self.seen_homes: set[tuple[str | None, int | None]] = set()
        self.first_seen: dict[tuple[str, str], str] = {}
        self.postcodes: PostcodesByUprn = {}

    def check_postcodes(self) -> None:
        """Report a UPRN given different postcodes by the documents of the file."""
        for problem in postcode_conflicts(self.postcodes):
            self.parsed.reject(problem)

    def add(self, kind: str | None, location: str, value: object) -> None:
        parsed = self.parsed
        parsed.records_read += 1
        check = Checker(location)
        clashes: list[tuple[str, str]] = []
        value = canonical(value, "", clashes)
        for path, keys in clashes:
            check.fail(path, keys, "the same key is given twice, in two spellings")
        if kind is None and isinstance(value, dict):
            kind = _kind_of(value)
        produced = _read_object(check, kind, value)
        if produced is not None and not check.problems:
            self._keep(check, kind or "", value, produced)
        for problem in check.problems:
            parsed.reject(problem)

    def _keep(self, check: Checker, kind: str, value: object, produced: orders.Produced) -> None:
        reference, reference_path, record, home = produced
        location = check.location
        if reference is None:  # a RaiseRepair without a reference of its own: allocate one
            assert isinstance(value, dict) and isinstance(record, RepairRecord)
            reference = allocated_reference(value)
            record.reference = reference
            record.allocated_reference = True
            self.parsed.note(
                location,
                "Reference",
                reference,
                "the document has no work-order reference: this one was allocated from its "
                "content (the same document always gets the same one); send it as "
                "WorkOrderReference or RelatedWorkOrderReference in later messages",
            )
        if kind != JOB_STATUS_UPDATE:  # updates come many to a work order
            first = self.first_seen.setdefault((kind, reference), location)
            if first != location:
                if isinstance(record, RepairRecord) and record.allocated_reference:
                    self.parsed.note(location, "", "", f"the same document as {first}: read once")
                else:
                    check.fail(
                        reference_path, reference, f"the same work-order reference as {first}"
                    )
                return
        if isinstance(record, RepairRecord) and record.reported_at is None:
            self.parsed.note(
                location,
                "DateReported",
                "",
                "not given: the repair is taken as reported when it is first imported",
            )
        if isinstance(record, RepairStatusRecord) and record.status is None:
            assert isinstance(value, dict)
            said = ", ".join(
                f"{key} {echo(value.get(key))}"
                for key in ("TypeCode", "OtherType")
                if value.get(key) is not None
            )
            self.parsed.note(
                location,
                "OtherType",
                "",
                f"names no repair status ({said or 'no TypeCode or OtherType'}): no status "
                "changes" + (", its SOR lines are imported" if record.lines else ""),
            )
        self.work.append(record)
        if home is not None:
            if home.uprn is not None:
                where = self.postcodes.setdefault(home.uprn, {}).setdefault(home.postcode, [])
                where.append(location)
            key = (home.reference, home.uprn)
            if key not in self.seen_homes:
                self.seen_homes.add(key)
                self.homes.append(home)


def _read_object(check: Checker, kind: str | None, value: object) -> orders.Produced | None:
    if not isinstance(value, dict):
        check.fail("", value, "expected a HACT object ({...})")
        return None
    if kind == RAISE_REPAIR:
        return orders.raise_repair(check, value)
    if kind == WORK_ORDER_COMPLETE:
        return orders.work_order_complete(check, value)
    if kind == JOB_STATUS_UPDATE:
        return orders.job_status_update(check, value)
    keys = ", ".join(sorted(str(k) for k in value)[:20])
    check.fail("", keys, "not a RaiseRepair, WorkOrderComplete or JobStatusUpdate (keys shown)")
    return None


def _problem(parsed: Parsed, field: str, value: object, reason: str) -> None:
    parsed.reject(Problem("file", field, echo(value), reason))


def _decode(data: bytes, parsed: Parsed) -> str | None:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        _problem(parsed, "", f"byte {error.start}", "not UTF-8 text")
        return None
    if not text.strip():
        _problem(parsed, "", "", "the file is empty")
        return None
    return text


def _parse(text: str) -> object:
    return json.loads(text, parse_float=Decimal, parse_int=parse_int, parse_constant=BadNumber)


_Located = tuple[str | None, str, object]


def _located_objects(data: bytes, source: str, parsed: Parsed) -> Iterator[_Located]:
    """Every HACT object of the file with its kind (``None`` if unknown) and location."""
    text = _decode(data, parsed)
    if text is None:
        return
    if source.lower().endswith(_LINE_SUFFIXES):
        yield from _lines(text, parsed)
        return
    try:
        document = _parse(text)
    except json.JSONDecodeError as error:
        if error.msg == "Extra data" and text.lstrip().startswith("{"):
            yield from _lines(text, parsed)  # one object per line, whatever the file's name
            return
        _problem(
            parsed, "", f"line {error.lineno}, column {error.colno}", f"not valid JSON: {error.msg}"
        )
        return
    except RecursionError:
        # The C decoder counts nesting against the recursion limit: a clean refusal.
        _problem(parsed, "", "", "not a HACT document: arrays or objects nested too deeply")
        return
    found = list(_objects(document, parsed))
    if not found and not parsed.problems:
        _problem(parsed, "", "", "the document holds no HACT objects")
    yield from found


def _lines(text: str, parsed: Parsed) -> Iterator[_Located]:
    """JSON Lines: one object per line, each read on its own."""
    seen = 0
    for number, line in enumerate(io.StringIO(text), start=1):
        if not line.strip():
            continue
        seen += 1
        location = f"line {number}"
        try:
            item = _parse(line)
        except json.JSONDecodeError as error:
            parsed.records_read += 1
            parsed.reject(
                Problem(location, "", echo(f"column {error.colno}"), f"not valid JSON: {error.msg}")
            )
            continue
        except RecursionError:
            parsed.records_read += 1
            parsed.reject(Problem(location, "", "", "arrays or objects nested too deeply"))
            continue
        kind, inner = _unwrap(item)
        yield kind, location, inner
    if not seen:
        _problem(parsed, "", "", "the file holds no lines")


def _objects(document: object, parsed: Parsed) -> Iterator[_Located]:
    if isinstance(document, list):
        for index, item in enumerate(document):
            kind, inner = _unwrap(item)
            yield kind, f"{kind or _kind_of_any(inner) or 'item'}[{index}]", inner
    elif isinstance(document, dict) and any(schema_key(k) in KINDS for k in document):
        for key, value in document.items():
            name = schema_key(key)
            if name not in KINDS:
                _problem(
                    parsed,
                    "",
                    key,
                    "unknown key: expected RaiseRepair, WorkOrderComplete or JobStatusUpdate",
                )
            elif isinstance(value, list):
                yield from ((name, f"{name}[{i}]", item) for i, item in enumerate(value))
            elif isinstance(value, dict):
                yield name, f"{name}[0]", value
            else:
                _problem(parsed, name, value, "expected an object or an array of objects")
    elif isinstance(document, dict):
        kind = _kind_of_any(document)
        yield kind, f"{kind or 'item'}[0]", document
    else:
        _problem(
            parsed, "", document, "expected a HACT object, an array of them or {RaiseRepair: [...]}"
        )


def _unwrap(item: object) -> tuple[str | None, object]:
    """An item's kind and object: ``{"RaiseRepair": {...}}`` or a bare object."""
    if isinstance(item, dict) and len(item) == 1:
        ((key, value),) = item.items()
        if schema_key(key) in KINDS:
            return schema_key(key), value
    return None, item


def _kind_of_any(value: object) -> str | None:
    if not isinstance(value, dict):
        return None
    return _kind_of({schema_key(k): v for k, v in value.items()})


def _kind_of(value: JsonObject) -> str | None:
    """A bare object's kind, by the properties only that kind has (schema spelling)."""
    keys = value.keys()
    if not RAISE_PROPERTIES.isdisjoint(keys):
        return RAISE_REPAIR
    if not COMPLETE_PROPERTIES.isdisjoint(keys):
        return WORK_ORDER_COMPLETE
    if "RelatedWorkOrderReference" in keys:
        return JOB_STATUS_UPDATE
    return None
