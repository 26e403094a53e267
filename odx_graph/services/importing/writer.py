"""Writing validated records: resolve what they name, then upsert kind by kind.

Runs inside the importer's transaction. Records are matched to what is already known by
the importing organisation's own references (HACT style: value + allocated by), by UPRN
for homes and by register key for EPCs. An empty value never erases a known one, and
nothing is ever deleted by an import. A record naming something that cannot be found
(a repair's home, a component's home, an update's repair) becomes a problem.

References a file gives with an allocating organisation (HACT ``AllocatedBy``) are kept
with that organisation (:mod:`odx_graph.services.importing.references`).

Homes known to several organisations show the landlord's facts; every organisation's
statement is kept as an assertion (see ``docs/data-formats.md``). Repairs and the messages
about them are written by :mod:`odx_graph.services.importing.repair_writer`, the other kinds by
:mod:`odx_graph.services.importing.record_writers`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Awaitable
from collections.abc import Callable
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from odx_graph.mapping import snake_case
from odx_graph.mapping.homes import HOME
from odx_graph.services.importing import estate_writer
from odx_graph.services.importing import planned_work_writer
from odx_graph.services.importing import progress
from odx_graph.services.importing import record_writers
from odx_graph.services.importing import satisfaction_writer
from odx_graph.services.importing.records import ComponentRecord
from odx_graph.services.importing.records import ContractorRecord
from odx_graph.services.importing.records import CustomSorCodeRecord
from odx_graph.services.importing.records import DampMouldCaseRecord
from odx_graph.services.importing.records import EpcRecord
from odx_graph.services.importing.records import EstateMemberRecord
from odx_graph.services.importing.records import HomeLink
from odx_graph.services.importing.records import HomeRecord
from odx_graph.services.importing.records import PlannedWorkRecord
from odx_graph.services.importing.records import Problem
from odx_graph.services.importing.records import Record
from odx_graph.services.importing.records import RepairCompletionRecord
from odx_graph.services.importing.records import RepairRecord
from odx_graph.services.importing.records import RepairStatusRecord
from odx_graph.services.importing.records import TsmReturnRecord
from odx_graph.services.importing.records import attribute_of
from odx_graph.services.importing.records import value_of
from odx_graph.services.importing.references import References
from odx_graph.services.importing.references import Refs
from odx_graph.services.importing.repair_writer import RepairWriting
from odx_graph.services.importing.textfile import echo_value
from odx_graph.store import imports as repo
from odx_graph.store import repair_events
from odx_graph.store.db import Connection

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"
_STATEMENTS = 5  # a kind's writing steps, as reported: look-ups, rows, references, parts
_RANK = {UNCHANGED: 0, UPDATED: 1, CREATED: 2}

# Home fields as (record attribute, column, GraphQL name), in the order written: the
# Home's imported fields and its coded relations, from the mapping. An attribute of ""
# means the record keeps the value in ``more_fields``.
HOME_FIELDS = (
    *((attribute_of(HomeRecord, f), f.column, f.name) for f in HOME.imported_fields),
    *(
        (snake_case(r.name), r.source_column, r.name)
        for r in HOME.relations
        if r.source_column.endswith("_code")
    ),
)


@dataclass(slots=True)
class Outcome:
    """What writing did: each record's fate by location, the problems found, and notes."""

    status: dict[str, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)

    def mark(self, location: str, status: str) -> None:
        """Note a record's fate; a record written in several parts keeps the strongest."""
        current = self.status.get(location)
        if current is None or _RANK[status] > _RANK[current]:
            self.status[location] = status


def _text(value: Any) -> str:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value)


class Writer:
    """Writes one import's records as one organisation, collecting problems."""

    def __init__(
        self,
        conn: Connection,
        organisation: repo.Organisation,
        import_id: int,
        started_at: dt.datetime,
        allocators: dict[str, repo.Organisation] | None = None,
    ) -> None:
        """``allocators``: the organisations the records' AllocatedBy name, as found when
        the import took its locks (:mod:`.locks`); else looked up when writing."""
        self.conn = conn
        self.org = organisation
        self.import_id = import_id
        self.started_at = started_at
        self.outcome = Outcome()
        self.refs: dict[str, dict[str, int]] = defaultdict(dict)  # subject type -> value -> key
        self._uprns: dict[int, int] = {}
        self._stage = "writing"
        self.references = References(self, allocators)

    def problem(self, location: str, field_name: str, value: object, reason: str) -> None:
        """Record a problem with a record; it is not written."""
        self.outcome.problems.append(Problem(location, field_name, echo_value(value), reason))

    def note(self, location: str, field_name: str, value: object, text: str) -> None:
        """Say something worth knowing about a record that is still written."""
        self.outcome.notes.append(Problem(location, field_name, echo_value(value), text))

    async def write(self, records: Sequence[Record]) -> Outcome:
        """Write every record, kinds in dependency order."""
        by_kind: dict[type, list[Any]] = defaultdict(list)
        for record in records:
            by_kind[type(record)].append(record)
        await self.references.find_allocators(records)
        raised = by_kind[RepairRecord]
        updates = [*by_kind[RepairCompletionRecord], *by_kind[RepairStatusRecord]]

        async def repairs(w: Writer, _: list[Any]) -> None:
            await RepairWriting(w).write(raised, updates)

        async def certificates(w: Writer, records: list[EpcRecord]) -> None:
            await record_writers.certificates(w, records, w._uprns)

        steps: list[tuple[str, list[Any], Callable[[Writer, list[Any]], Awaitable[None]]]] = [
            ("contractors", by_kind[ContractorRecord], record_writers.contractors),
            ("custom SOR codes", by_kind[CustomSorCodeRecord], record_writers.custom_sor_codes),
            ("homes", by_kind[HomeRecord], Writer._homes),
            ("components", by_kind[ComponentRecord], record_writers.components),
            ("repairs and updates", [*raised, *updates], repairs),
            ("damp and mould cases", by_kind[DampMouldCaseRecord], record_writers.damp_mould_cases),
            ("EPCs", by_kind[EpcRecord], certificates),
            ("planned works", by_kind[PlannedWorkRecord], planned_work_writer.planned_works),
            ("estates", by_kind[EstateMemberRecord], estate_writer.estates),
            ("TSM returns", by_kind[TsmReturnRecord], satisfaction_writer.tsm_returns),
        ]
        todo = [(name, items, write) for name, items, write in steps if items]
        for number, (name, items, write) in enumerate(todo, start=1):
            self._stage = f"writing {len(items):,} {name} [{number}/{len(todo)}]"
            progress.tick(self._stage, 0, _STATEMENTS)
            await write(self, items)
            progress.tick(self._stage, _STATEMENTS, _STATEMENTS)
        return self.outcome

    def wrote(self, statements: int) -> None:
        """Report that a kind's first ``statements`` steps are written."""
        progress.tick(self._stage, min(statements, _STATEMENTS), _STATEMENTS)

    # -- look-ups -----------------------------------------------------------------

    async def keys(self, subject_type: str, values: list[str]) -> dict[str, int]:
        """Subject keys by the importer's own reference values (cached for the import)."""
        known = self.refs[subject_type]
        missing = [v for v in values if v not in known]
        known.update(await repo.keys_by_reference(self.conn, subject_type, self.org.id, missing))
        return known

    async def resolve_homes(self, located: list[tuple[str, HomeLink]]) -> dict[str, int]:
        """Home keys by record location, for the links that name a known home (by the
        importer's references, the UPRN or another organisation's reference); the
        references given are kept with the home."""
        sorted_refs = {
            location: self.references.sort(location, link.reference, link.allocated)
            for location, link in located
        }
        own = [v for refs in sorted_refs.values() if refs for v in refs.own]
        refs = await self.keys("home", own)
        wanted = [link.uprn for _, link in located if link.uprn and link.uprn not in self._uprns]
        for uprn, (key, _) in (await repo.homes_by_uprn(self.conn, wanted)).items():
            self._uprns[uprn] = key
        others = await repo.keys_by_allocated_reference(
            self.conn, "home", [pair for r in sorted_refs.values() if r for pair in r.foreign]
        )
        found: dict[str, int] = {}
        attach: list[tuple[str, int, Refs]] = []
        for location, link in located:
            named = sorted_refs[location]
            if named is None:
                continue
            candidates = {refs[v] for v in named.own if v in refs}
            candidates |= {others[pair] for pair in named.foreign if pair in others}
            if link.uprn and link.uprn in self._uprns:
                candidates.add(self._uprns[link.uprn])
            if len(candidates) > 1:
                self.problem(
                    location,
                    "home",
                    link.uprn or link.reference,
                    "the home's references and UPRN name different homes "
                    f"({', '.join(str(c) for c in sorted(candidates))})",
                )
            elif not candidates:
                self.problem(
                    location,
                    "home",
                    link.reference or link.uprn or (link.allocated[0][0] if link.allocated else ""),
                    "no such home: import the home first (homes template), or give "
                    "its UPRN or your reference for it",
                )
            else:
                found[location] = candidates.pop()
                if link.allocated:
                    attach.append((location, found[location], named))
        if attach:
            await self.references.attach("home", attach)
        return found

    def landlord_only(self, records: Sequence[Any], what: str) -> list[Any]:
        """The records, when the importer is a landlord; else each is a problem."""
        if self.org.plays("landlord"):
            return list(records)
        for record in records:
            self.problem(
                record.location,
                "",
                self.org.name,
                f"only a landlord can import {what}; {self.org.name} is a "
                f"{' and '.join(self.org.roles)} (give it the landlord role with: "
                "odx-graph organisation update)",
            )
        return []

    async def replace_lines(self, wanted: dict[int, list[Any]]) -> set[int]:
        """Replace the lines of the repairs given; returns them."""
        await repair_events.replace_repair_lines(self.conn, wanted)
        return set(wanted)

    # -- kinds --------------------------------------------------------------------

    async def _homes(self, records: list[HomeRecord]) -> None:
        if not records:
            return
        named: dict[str, Refs] = {}
        for r in records:
            sorted_refs = self.references.sort(r.location, r.reference, r.allocated)
            if sorted_refs is not None:
                named[r.location] = sorted_refs
        records = [r for r in records if r.location in named]
        own_first = {r.location: (named[r.location].own or (None,))[0] for r in records}
        refs = await self.keys("home", [v for v in own_first.values() if v])
        by_others = await repo.keys_by_allocated_reference(
            self.conn, "home", [pair for r in records for pair in named[r.location].foreign]
        )
        by_uprn = await repo.homes_by_uprn(self.conn, [r.uprn for r in records if r.uprn])
        landlords = await repo.home_landlords(
            self.conn, [*refs.values(), *by_others.values(), *(k for k, _ in by_uprn.values())]
        )
        landlords.update(dict(by_uprn.values()))
        self.wrote(1)
        is_landlord = self.org.plays("landlord")
        rows: list[tuple[int | None, list[Any]]] = []
        kept: list[HomeRecord] = []
        claimed: dict[int, str] = {}  # UPRNs of new homes in this file, by record
        for r in records:
            reference = own_first[r.location]
            key = refs.get(reference) if reference else None
            if key is None:  # known to another organisation by its reference
                known = {by_others[p] for p in named[r.location].foreign if p in by_others}
                key = known.pop() if len(known) == 1 else None
            match = by_uprn.get(r.uprn) if r.uprn else None
            if key is not None and match is not None and match[0] != key:
                self.problem(
                    r.location,
                    "uprn",
                    r.uprn,
                    f"UPRN {r.uprn} belongs to another home than your reference {reference!r}",
                )
                continue
            if key is None and match is not None:
                key = match[0]
            if key is None and r.uprn is not None:
                if r.uprn in claimed:
                    self.problem(
                        r.location,
                        "uprn",
                        r.uprn,
                        f"the same UPRN is given for another home in {claimed[r.uprn]}",
                    )
                    continue
                claimed[r.uprn] = r.location
            owner = landlords.get(key) if key is not None else None
            # The landlord's word is the one shown: others' values are only assertions. A
            # record that only locates a home states nothing about one already known.
            writable = key is None or owner == self.org.id or (owner is None and is_landlord)
            writable = writable and not (r.locates_only and key is not None)
            values = [value_of(r, attribute, name) for attribute, _, name in HOME_FIELDS]
            rows.append(
                (key, [*values, self.org.id if is_landlord else None]) if writable else (key, [])
            )
            kept.append(r)
        columns = [column for _, column, _ in HOME_FIELDS] + ["landlord_id"]
        writable_rows = [(k, v) for k, v in rows if v]
        done = await repo.upsert(self.conn, "home", columns, writable_rows, self.import_id)
        self.wrote(2)
        new_keys = iter(done.keys)
        keys: list[int] = []
        for key, values in rows:
            written = next(new_keys) if values else key
            assert written is not None  # only rows of known homes are left unwritten
            keys.append(written)
        if is_landlord:
            await repo.set_missing_landlord(self.conn, self.org.id, keys)
        gained = await repo.add_references(
            self.conn,
            "home",
            self.org.id,
            [(k, v) for k, r in zip(keys, kept, strict=True) for v in named[r.location].own],
        )
        gained |= await repo.add_allocated_references(
            self.conn,
            "home",
            [
                (k, org, v)
                for k, r in zip(keys, kept, strict=True)
                for org, v in named[r.location].foreign
            ],
        )
        self.wrote(3)
        known = {key for key, values in rows if key is not None}
        facts = [
            (key, name, _text(value))
            for key, r in zip(keys, kept, strict=True)
            if not (r.locates_only and key in known)
            for attribute, _, name in HOME_FIELDS
            if (value := value_of(r, attribute, name)) is not None
        ]
        restated = await repo.assert_home_facts(
            self.conn, self.org.id, self.import_id, self.started_at, facts
        )
        touched = gained | restated
        for key, r in zip(keys, kept, strict=True):
            for value in named[r.location].own:
                self.refs["home"][value] = key
            if r.uprn:
                self._uprns[r.uprn] = key
            self.outcome.mark(r.location, self.fate(key, done, touched))

    @staticmethod
    def fate(key: int, done: repo.Upserted, touched: set[int]) -> str:
        """A record's fate from what its upsert did and what else changed."""
        if key in done.created:
            return CREATED
        return UPDATED if key in done.updated or key in touched else UNCHANGED
