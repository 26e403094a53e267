"""The rules by which messages about one repair make its state, whatever order they
arrive in: pure functions, no I/O (the writing is
:mod:`odx_graph.services.importing.repair_writer`).

Every record about a repair is a message with an event time: a repairs row (its
``status_at``; else its completion time when complete; else when it was raised or
reported), a RaiseRepair (DateReported), a WorkOrderComplete (the completion time) and a
JobStatusUpdate (its EventTime). Of two messages at one moment, the one whose status is at
the later stage of a repair's life counts as the later (``repair_status.stage``).

* **Status.** Each message with a status adds that status to the repair's history at its
  event time (once: the same status at the same time is one event). The repair's status is
  the status of its latest event, so a late or re-sent message never moves it back. A
  RaiseRepair has no status of its own: it gives one only to a repair it brings into being.
* **Facts.** The repair remembers the event time of the latest message whose facts it
  shows (``stated_at``). A message at that time or later states its values over them; an
  earlier one only fills what is unknown, and each value it is not allowed to change is
  kept for a note. A value left out never erases one (nothing is erased by omission).
* **Lines.** A later message that gives lines gives all of them; a line left without a
  cost keeps the cost of the line with the same number and SOR code. An earlier message's
  lines are used only when the repair has none, and otherwise only fill missing costs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from decimal import Decimal
from typing import Any

from odx_graph.mapping import Scalar
from odx_graph.mapping.repairs import REPAIR
from odx_graph.services.importing.records import RepairCompletionRecord
from odx_graph.services.importing.records import RepairLineRecord
from odx_graph.services.importing.records import RepairStatusRecord
from odx_graph.services.importing.validate import COMPLETE

Update = RepairCompletionRecord | RepairStatusRecord
LineTuple = tuple[int, str, Any, Any, Any]  # number, code, quantity, unit cost, cost


@dataclass(slots=True)
class Message:
    """One record about a repair, with when its facts hold."""

    location: str
    order: int  # position in the file, the last tie-break
    time: dt.datetime | None  # None: when the repair was first reported or imported
    stage: int
    status: str | None
    facts: dict[str, Any]  # repair columns (REPAIR_FACTS) the message states; None: not said
    lines: list[RepairLineRecord] | None  # None: the message gives no lines
    implied: bool = False  # a status only for a repair it brings into being


@dataclass(slots=True)
class State:
    """A repair's facts as they are being worked out."""

    facts: dict[str, Any]
    lines: list[LineTuple]
    stated: tuple[dt.datetime, int] | None  # (stated_at, stated_stage)
    status: str | None = None
    kept: list[tuple[str, str, Any, Any]] = field(default_factory=list)  # loc, fact, held, given


def line_tuples(lines: list[RepairLineRecord]) -> list[LineTuple]:
    return [(n, ln.sor_code, ln.quantity, ln.unit_cost, ln.cost) for n, ln in enumerate(lines, 1)]


def with_known_costs(new: list[LineTuple], held: list[LineTuple]) -> list[LineTuple]:
    """``new`` lines with missing costs taken from ``held``'s line of the same number and code."""
    if not held:
        return new
    by_number = {line[0]: line for line in held}
    merged = []
    for number, code, quantity, unit_cost, cost in new:
        old = by_number.get(number)
        if old is not None and old[1] == code:
            unit_cost = unit_cost if unit_cost is not None else old[3]
            cost = cost if cost is not None else old[4]
        merged.append((number, code, quantity, unit_cost, cost))
    return merged


def shown(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    return str(value)


def apply(state: State, message: Message, key_time: tuple[dt.datetime, int]) -> None:
    """Fold ``message`` (whose event time and stage are ``key_time``) into ``state``."""
    later = state.stated is None or key_time >= state.stated
    facts = state.facts
    if later:  # states every value it gives
        facts.update({name: value for name, value in message.facts.items() if value is not None})
    else:
        for name, value in message.facts.items():
            if value is None:
                continue
            held = facts.get(name)
            if held is None:
                facts[name] = value
            elif held != value:
                state.kept.append((message.location, name, held, value))
    if message.lines is not None and message.lines:
        given = line_tuples(message.lines)
        if later or not state.lines:
            state.lines = with_known_costs(given, state.lines)
        else:
            state.lines = with_known_costs(state.lines, given)
    if later:
        state.stated = key_time


def update_message(u: Update, order: int, stages: dict[str, int]) -> Message:
    """An update or completion as a message about its repair."""
    time = u.completed_at if isinstance(u, RepairCompletionRecord) else u.occurred_at
    said: dict[str, Any] = {}
    if isinstance(u, RepairCompletionRecord):
        said = {"completed_at": u.completed_at, "cost": u.cost}
    elif u.status == COMPLETE:
        said = {"completed_at": u.occurred_at}
    stage = stages.get(u.status, 0) if u.status else 0
    return Message(u.location, order, time, stage, u.status, said, u.lines or None)


def as_kept(m: Message) -> dict[str, Any]:
    """A message as JSON, to keep until its repair arrives."""
    assert m.time is not None  # updates always carry their time
    return {
        "occurred_at": m.time.isoformat(),
        "status": m.status,
        "facts": {k: None if v is None else str(v) for k, v in m.facts.items()},
        "lines": [[ln.sor_code, str(ln.quantity)] for ln in m.lines or []],
    }


def from_kept(held: dict[str, Any], where: str, order: int, stages: dict[str, int]) -> Message:
    """A kept message back as one."""
    facts: dict[str, Any] = {}
    for name, value in held["facts"].items():
        facts[name] = None if value is None else _revive(name, value)
    status = held["status"]
    lines = [RepairLineRecord(code, Decimal(quantity)) for code, quantity in held["lines"]]
    stage = stages.get(status, 0) if status else 0
    moment = dt.datetime.fromisoformat(held["occurred_at"])
    return Message(where, order, moment, stage, status, facts, lines or None)


# How a kept fact's text is read back, by the type of the Repair field in that column.
_REVIVE: dict[Scalar, Callable[[str], Any]] = {
    Scalar.DECIMAL: Decimal,
    Scalar.DATETIME: dt.datetime.fromisoformat,
    Scalar.DATE: dt.date.fromisoformat,
    Scalar.INT: int,
    Scalar.FLOAT: float,
    Scalar.BOOLEAN: lambda text: text == "True",
    Scalar.STRING: str,
}
_FACT_TYPES = {f.column: f.type for f in REPAIR.imported_fields}


def _revive(column: str, text: str) -> Any:
    return _REVIVE[_FACT_TYPES[column]](text)
