"""Writing repairs and the messages about them, in event-time order, by the rules of
:mod:`odx_graph.services.importing.repair_messages`: look up what they name and what is held,
work out each repair's state, write rows, references, lines and status events, keep
updates that arrive before their repair, and settle the statuses.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from operator import itemgetter
from typing import TYPE_CHECKING
from typing import Any

from odx_graph.mapping.repairs import REPAIR
from odx_graph.services.importing.records import RepairRecord
from odx_graph.services.importing.records import more_fields_of
from odx_graph.services.importing.repair_messages import Message
from odx_graph.services.importing.repair_messages import State
from odx_graph.services.importing.repair_messages import Update
from odx_graph.services.importing.repair_messages import apply
from odx_graph.services.importing.repair_messages import as_kept
from odx_graph.services.importing.repair_messages import from_kept
from odx_graph.services.importing.repair_messages import shown
from odx_graph.services.importing.repair_messages import update_message
from odx_graph.services.importing.validate import COMPLETE
from odx_graph.store import imports as repo
from odx_graph.store import repair_events

if TYPE_CHECKING:
    from odx_graph.services.importing.writer import Writer

ALLOCATED_DESCRIPTION = "work-order reference allocated on import from the RaiseRepair's content"
# The Repair's imported fields a RepairRecord keeps in ``more_fields``.
_MORE_FIELDS = more_fields_of(RepairRecord, REPAIR)
# The reference an export gives a repair that has none of its landlord's (hact_export).
REPAIR_BY_ID = re.compile(r"odx-repair-([1-9][0-9]{0,17})")


class RepairWriting:
    """Writes one import's repairs and repair messages through a :class:`Writer`."""

    def __init__(self, writer: Writer) -> None:
        self.w = writer
        self.by_id: set[str] = set()  # references that name a repair by its id

    async def write(self, raised: list[RepairRecord], updates: list[Update]) -> None:
        """Write repairs raised (or restated) and updates of repairs, in event-time order."""
        w = self.w
        raised = w.landlord_only(raised, "repairs")
        updates = w.landlord_only(updates, "repair updates")
        if not raised and not updates:
            return
        homes = await w.resolve_homes([(r.location, r.home) for r in raised])
        refs = await w.keys("repair", [r.reference for r in [*raised, *updates]])
        self.by_id = await self._named_by_id([r.reference for r in [*raised, *updates]], refs)
        contractors = await w.keys(
            "organisation", [r.contractor_reference for r in raised if r.contractor_reference]
        )
        components = await w.keys(
            "component", [r.component_reference for r in raised if r.component_reference]
        )
        stages = await repair_events.stages(w.conn)
        w.wrote(1)
        messages: dict[str, list[Message]] = defaultdict(list)
        raised_by_ref: dict[str, RepairRecord] = {}
        for order, r in enumerate(raised):
            if r.references and w.references.sort(r.location, r.reference, r.references) is None:
                continue  # a reference that cannot be kept: reported
            facts = self._facts(r, homes, contractors, components)
            if facts is None:
                continue
            raised_by_ref[r.reference] = r
            messages[r.reference].append(
                Message(
                    r.location,
                    order,
                    self._time(r),
                    stages.get(r.status, 0),
                    r.status,
                    facts,
                    r.lines or None,
                    r.status_implied,
                )
            )
        early: list[tuple[str, str, dict[str, Any]]] = []
        for order, u in enumerate(updates, start=len(raised)):
            message = update_message(u, order, stages)
            if u.reference in refs or u.reference in raised_by_ref:
                messages[u.reference].append(message)
            else:
                early.append((u.location, u.reference, as_kept(message)))
        await self._hold(early)
        pending = await repair_events.pending_updates(w.conn, w.org.id, list(raised_by_ref))
        for order, (_, ref, where, kept) in enumerate(pending, start=len(raised) + len(updates)):
            messages[ref].append(from_kept(kept, where, order, stages))
        keys = await self._settle(messages, refs, raised_by_ref)
        await repair_events.drop_pending(w.conn, [p[0] for p in pending if p[1] in keys])

    async def _hold(self, early: list[tuple[str, str, dict[str, Any]]]) -> None:
        """Keep updates of repairs not imported yet, to apply when they are."""
        w = self.w
        new = await repair_events.hold_updates(w.conn, w.org.id, w.import_id, early)
        for location, reference, _ in early:
            w.note(
                location,
                "WorkOrderReference",
                reference,
                "no repair with this reference yet: the update is kept and applied, in "
                "event-time order, when the repair is imported",
            )
            w.outcome.mark(location, "created" if location in new else "unchanged")

    def _facts(
        self,
        r: RepairRecord,
        homes: dict[str, int],
        contractors: dict[str, int],
        components: dict[str, int],
    ) -> dict[str, Any] | None:
        """The repair columns a repair record states, or None after reporting a problem."""
        w = self.w
        if r.location not in homes:
            return None
        named: dict[str, int | None] = {}
        for column, reference, known, what in (
            ("contractor_ref", r.contractor_reference, contractors, "(contractors template)"),
            ("component_ref", r.component_reference, components, ""),
        ):
            key = named[column] = known.get(reference) if reference else None
            if reference and key is None:
                thing = column.removesuffix("_ref")
                reason = f"no {thing} with this reference: import it first {what}".rstrip()
                w.problem(r.location, column, reference, reason)
                return None
        contractor, component = named["contractor_ref"], named["component_ref"]
        return {
            "home_id": homes[r.location],
            "component_id": component,
            "contractor_id": contractor,
            "priority_code": r.priority,
            "trade_code": r.trade,
            "description": r.description,
            "reported_at": r.reported_at,
            "raised_at": r.raised_at,
            "target_at": r.target_at,
            "completed_at": r.completed_at,
            "cost": r.cost,
            **{f.column: r.more_fields.get(f.name) for f in _MORE_FIELDS},
        }

    @staticmethod
    def _time(r: RepairRecord) -> dt.datetime | None:
        if r.status_at is not None:
            return r.status_at
        if r.status == COMPLETE and r.completed_at is not None:
            return r.completed_at
        return r.raised_at or r.reported_at

    async def _settle(
        self,
        messages: dict[str, list[Message]],
        refs: dict[str, int],
        raised: dict[str, RepairRecord],
    ) -> dict[str, int]:
        """Work out and write each repair's state; returns the keys of those written."""
        w = self.w
        existing = await repair_events.repair_states(
            w.conn, [refs[ref] for ref in messages if ref in refs]
        )
        held_lines = await repair_events.repair_lines(w.conn, sorted(existing))
        rows: list[tuple[int | None, list[Any]]] = []
        plans: list[tuple[str, State, list[Message]]] = []
        for ref, found in messages.items():
            key = refs.get(ref)
            row = existing.get(key) if key is not None else None
            if row is None and ref not in raised:
                continue  # only updates of a repair that could not be written
            lines = held_lines.get(key or 0, [])
            state = self._start(row, lines)
            first_seen = self._reported_when(row)
            ordered = [((m.time or first_seen, m.stage, m.order), m) for m in found]
            if len(ordered) > 1:
                ordered.sort(key=_EVENT_ORDER)
            for (moment, stage, _), m in ordered:
                apply(state, m, (moment, stage))
                if m.status is not None and (row is None or not m.implied):
                    state.status = m.status
            if row is not None and row["stated_at"] is None:
                held = [tuple(line) for line in lines]
                if self._same(state, row, held):
                    state.stated = None  # held from before event times, and nothing changed
            if not self._consistent(state, found):
                continue
            plans.append((ref, state, found))
            rows.append((key, self._row(state, row)))
        columns = (
            "landlord_id",
            "status_code",
            *repair_events.REPAIR_FACTS,
            "stated_at",
            "stated_stage",
        )
        done = await repo.upsert(w.conn, "repair", columns, rows, w.import_id, keep_when_null=False)
        w.wrote(2)
        keys = dict(zip([ref for ref, _, _ in plans], done.keys, strict=True))
        gained = await self._references(keys, raised, done.created)
        w.wrote(3)
        relined = await w.replace_lines(
            {
                keys[ref]: state.lines
                for ref, state, _ in plans
                if state.lines != held_lines.get(keys[ref], [])
            }
        )
        w.wrote(4)
        evented = await self._events(keys, plans, existing)
        for ref, state, found in plans:
            key = keys[ref]
            for location, name, held, given in state.kept:
                w.note(
                    location,
                    name,
                    shown(given),
                    f"not applied: the repair already shows {shown(held)} from a message "
                    "with a later event time",
                )
            changed = key in done.updated or key in gained or key in relined or key in evented
            for m in found:
                if key in done.created:
                    fate = (
                        "created"
                        if ref in raised and m.location == raised[ref].location
                        else "updated"
                    )
                else:
                    fate = "updated" if changed else "unchanged"
                w.outcome.mark(m.location, fate)
            w.refs["repair"][ref] = key
        return keys

    @staticmethod
    def _start(row: dict[str, Any] | None, lines: list[Any]) -> State:
        if row is None:
            return State({}, [], None)
        stated = None
        if row["stated_at"] is not None:
            stated = (row["stated_at"], row["stated_stage"] or 0)
        facts = {name: row[name] for name in repair_events.REPAIR_FACTS}
        return State(facts, [tuple(line) for line in lines], stated, row["status_code"])

    def _reported_when(self, row: dict[str, Any] | None) -> dt.datetime:
        """The event time of a message that gives none: when the repair was reported."""
        if row is not None and row["reported_at"] is not None:
            reported: dt.datetime = row["reported_at"]
            return reported
        return self.w.started_at

    def _consistent(self, state: State, found: list[Message]) -> bool:
        """Fill the defaults of a new repair and check its times agree; report if not."""
        facts = state.facts
        if facts.get("reported_at") is None:
            facts["reported_at"] = self.w.started_at
        if facts.get("raised_at") is None:
            facts["raised_at"] = facts["reported_at"]
        reported, raised = facts["reported_at"], facts["raised_at"]
        completed = facts.get("completed_at")
        wrong = None
        if raised < reported:
            wrong = (
                "raised_at",
                raised,
                f"is before the repair's reported time ({shown(reported)})",
            )
        elif completed is not None and completed < reported:
            wrong = (
                "completed_at",
                completed,
                f"is before the repair's reported time ({shown(reported)})",
            )
        if wrong is None:
            return True
        name, value, reason = wrong
        for m in found:
            self.w.problem(
                m.location,
                name,
                shown(value),
                reason + ", taking this message together with what is held",
            )
        return False

    @staticmethod
    def _same(state: State, row: dict[str, Any], lines: list[Any]) -> bool:
        """Whether the worked-out facts and lines are those the repair holds."""
        facts = all(state.facts.get(n) == row[n] for n in repair_events.REPAIR_FACTS)
        return facts and state.lines == lines

    def _row(self, state: State, row: dict[str, Any] | None) -> list[Any]:
        # A held repair's status changes only through its events (settled after).
        status = row["status_code"] if row else state.status
        stated_at, stated_stage = state.stated or (None, None)
        landlord = row["landlord_id"] if row else self.w.org.id
        return [
            landlord,
            status,
            *map(state.facts.get, repair_events.REPAIR_FACTS),
            stated_at,
            stated_stage,
        ]

    async def _named_by_id(self, references: list[str], refs: dict[str, int]) -> set[str]:
        """References of the form an export gives a repair with no reference of its
        landlord's (``odx-repair-{id}``): each names that repair of the importing landlord,
        and is not kept as a reference. Returns those found (added to ``refs``)."""
        wanted = {
            ref: int(match.group(1))
            for ref in references
            if ref not in refs and (match := REPAIR_BY_ID.fullmatch(ref)) is not None
        }
        found = await repair_events.own_repairs(self.w.conn, self.w.org.id, list(wanted.values()))
        named = {ref for ref, key in wanted.items() if key in found}
        refs.update({ref: wanted[ref] for ref in named})
        return named

    async def _references(
        self, keys: dict[str, int], raised: dict[str, RepairRecord], created: set[int]
    ) -> set[int]:
        """Give the repairs written their references; the repairs that gained one."""
        w = self.w
        keys = {ref: key for ref, key in keys.items() if ref not in self.by_id}
        plain = [(key, ref) for ref, key in keys.items() if not _allocated(raised.get(ref))]
        allocated = [(key, ref) for ref, key in keys.items() if _allocated(raised.get(ref))]
        # A repair created here was named by a reference its landlord holds for no repair.
        gained = await repo.add_references(w.conn, "repair", w.org.id, plain, created=created)
        gained |= await repo.add_references(
            w.conn, "repair", w.org.id, allocated, ALLOCATED_DESCRIPTION, created=created
        )
        others = []
        for ref, r in raised.items():
            if ref in keys and r.references:
                refs = w.references.sort(r.location, ref, r.references)
                if refs is not None:
                    others.append((r.location, keys[ref], refs))
        if others:
            gained |= await w.references.attach("repair", others)
        return gained

    async def _events(
        self,
        keys: dict[str, int],
        plans: list[tuple[str, State, list[Message]]],
        existing: dict[int, dict[str, Any]],
    ) -> set[int]:
        """Add each message's status event once; settle the statuses; the repairs changed."""
        w = self.w
        held = await repair_events.existing_events(w.conn, sorted(existing))
        wanted: dict[repair_events.Event, None] = {}  # in order, once each
        for ref, _, found in plans:
            key = keys[ref]
            first_seen = self._reported_when(existing.get(key))
            for m in found:
                if m.status is None or (m.implied and key in existing):
                    continue  # no status, or one only a new repair takes
                event = (key, m.status, m.time or first_seen)
                if event not in held:
                    wanted[event] = None
        await repair_events.add_events(w.conn, list(wanted))
        # A new repair was written with the status of its latest message already; a held
        # one's status can change only when it gained an event.
        gained = {key for key, _, _ in wanted}
        settled = await repair_events.settle_statuses(
            w.conn, sorted(gained & set(existing)), w.import_id
        )
        return gained | settled


_EVENT_ORDER = itemgetter(0)  # a message's (event time, stage, position in the file)


def _allocated(record: RepairRecord | None) -> bool:
    return record is not None and record.allocated_reference
