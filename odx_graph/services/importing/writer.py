"""Writing validated records: resolve what they name, then upsert kind by kind.

Runs inside the importer's transaction. Records are matched to what is already known by
the importing organisation's own references (HACT style: value + allocated by), by UPRN
for homes and by register key for EPCs. An empty value never erases a known one, and
nothing is ever deleted by an import. A record naming something that cannot be found
(a repair's home, a component's home, a completion's repair) becomes a problem.

Homes known to several organisations show the landlord's facts; every organisation's
statement is kept as an assertion (see ``docs/data-formats.md``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from odx_graph.services.importing import progress
from odx_graph.services.importing.records import (
    ComponentRecord,
    ContractorRecord,
    CustomSorCodeRecord,
    DampMouldCaseRecord,
    EpcRecord,
    HomeLink,
    HomeRecord,
    Problem,
    Record,
    RepairCompletionRecord,
    RepairLineRecord,
    RepairRecord,
)
from odx_graph.services.importing.textfile import echo_value
from odx_graph.store import imports as repo
from odx_graph.store.db import Connection

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"
_STATEMENTS = 5  # a kind's writing steps, as reported: look-ups, rows, references, parts
_RANK = {UNCHANGED: 0, UPDATED: 1, CREATED: 2}

# Home fields as (record attribute, column, GraphQL name), in the order written.
HOME_FIELDS = (
    ("uprn", "uprn", "uprn"),
    ("address_line_1", "address_line_1", "addressLine1"),
    ("address_line_2", "address_line_2", "addressLine2"),
    ("town", "town", "town"),
    ("postcode", "postcode", "postcode"),
    ("local_authority_code", "local_authority_code", "localAuthorityCode"),
    ("latitude", "latitude", "latitude"),
    ("longitude", "longitude", "longitude"),
    ("property_type", "property_type_code", "propertyType"),
    ("built_form", "built_form_code", "builtForm"),
    ("bedrooms", "bedrooms", "bedrooms"),
    ("floor_level", "floor_level", "floorLevel"),
    ("year_built", "year_built", "yearBuilt"),
)
DAMP_MOULD_FIELDS = (
    "aware_at",
    "investigation_started_at",
    "investigation_completed_at",
    "written_summary_sent_at",
    "made_safe_at",
    "further_works_required",
    "further_works_started_at",
    "further_works_completed_at",
    "escalated_at",
    "alternative_accommodation_offered",
)
Line = tuple[int, str, Any, Any, Any]


@dataclass(slots=True)
class Outcome:
    """What writing did: each record's fate by location, and the problems found."""

    status: dict[str, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def mark(self, location: str, status: str) -> None:
        """Note a record's fate; a record written in several parts keeps the strongest."""
        current = self.status.get(location)
        if current is None or _RANK[status] > _RANK[current]:
            self.status[location] = status


def _text(value: Any) -> str:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value)


def _lines(lines: Sequence[RepairLineRecord]) -> list[Line]:
    return [(n, ln.sor_code, ln.quantity, ln.unit_cost, ln.cost) for n, ln in enumerate(lines, 1)]


class Writer:
    """Writes one import's records as one organisation, collecting problems."""

    def __init__(
        self,
        conn: Connection,
        organisation: repo.Organisation,
        import_id: int,
        started_at: dt.datetime,
    ) -> None:
        self.conn = conn
        self.org = organisation
        self.import_id = import_id
        self.started_at = started_at
        self.outcome = Outcome()
        self._refs: dict[str, dict[str, int]] = defaultdict(dict)  # subject type -> value -> key
        self._uprns: dict[int, int] = {}
        self._stage = "writing"

    def problem(self, location: str, field_name: str, value: object, reason: str) -> None:
        """Record a problem with a record; it is not written."""
        self.outcome.problems.append(Problem(location, field_name, echo_value(value), reason))

    async def write(self, records: Sequence[Record]) -> Outcome:
        """Write every record, kinds in dependency order."""
        by_kind: dict[type, list[Any]] = defaultdict(list)
        for record in records:
            by_kind[type(record)].append(record)
        steps: list[tuple[str, type, Callable[[list[Any]], Awaitable[None]]]] = [
            ("contractors", ContractorRecord, self._contractors),
            ("custom SOR codes", CustomSorCodeRecord, self._custom_sor_codes),
            ("homes", HomeRecord, self._homes),
            ("components", ComponentRecord, self._components),
            ("repairs", RepairRecord, self._repairs),
            ("repair completions", RepairCompletionRecord, self._completions),
            ("damp and mould cases", DampMouldCaseRecord, self._damp_mould_cases),
            ("EPCs", EpcRecord, self._certificates),
        ]
        todo = [(name, kind, write) for name, kind, write in steps if by_kind[kind]]
        for number, (name, kind, write) in enumerate(todo, start=1):
            self._stage = f"writing {len(by_kind[kind]):,} {name} [{number}/{len(todo)}]"
            progress.tick(self._stage, 0, _STATEMENTS)
            await write(by_kind[kind])
            progress.tick(self._stage, _STATEMENTS, _STATEMENTS)
        return self.outcome

    def _wrote(self, statements: int) -> None:
        """Report that a kind's first ``statements`` steps are written."""
        progress.tick(self._stage, min(statements, _STATEMENTS), _STATEMENTS)

    # -- look-ups -----------------------------------------------------------------

    async def _keys(self, subject_type: str, values: list[str]) -> dict[str, int]:
        known = self._refs[subject_type]
        missing = [v for v in values if v not in known]
        known.update(await repo.keys_by_reference(self.conn, subject_type, self.org.id, missing))
        return known

    async def _resolve_homes(self, located: list[tuple[str, HomeLink]]) -> dict[str, int]:
        """Home keys by record location, for the links that name a known home."""
        refs = await self._keys("home", [link.reference for _, link in located if link.reference])
        wanted = [link.uprn for _, link in located if link.uprn and link.uprn not in self._uprns]
        for uprn, (key, _) in (await repo.homes_by_uprn(self.conn, wanted)).items():
            self._uprns[uprn] = key
        found: dict[str, int] = {}
        for location, link in located:
            by_ref = refs.get(link.reference) if link.reference else None
            by_uprn = self._uprns.get(link.uprn) if link.uprn else None
            if by_ref is not None and by_uprn is not None and by_ref != by_uprn:
                self.problem(
                    location,
                    "home",
                    link.uprn,
                    f"the home reference {link.reference!r} and the UPRN name different homes",
                )
            elif by_ref is None and by_uprn is None:
                named = link.reference if link.reference else link.uprn
                self.problem(
                    location,
                    "home",
                    named,
                    "no such home: import the home first (homes template), or give "
                    "its UPRN or your reference for it",
                )
            else:
                found[location] = by_ref if by_ref is not None else by_uprn  # type: ignore[assignment]
        return found

    def _landlord_only(self, records: Sequence[Any], what: str) -> list[Any]:
        if self.org.kind == "landlord":
            return list(records)
        for record in records:
            self.problem(
                record.location,
                "",
                self.org.name,
                f"only a landlord can import {what}; this organisation is a {self.org.kind}",
            )
        return []

    # -- kinds --------------------------------------------------------------------

    async def _contractors(self, records: list[ContractorRecord]) -> None:
        if not records:
            return
        refs = await self._keys("organisation", [r.reference for r in records])
        registered = await repo.organisations_by_registration(
            self.conn, [r.registration_number for r in records if r.registration_number]
        )
        own, others = [], []
        for r in records:
            key = refs.get(r.reference)
            if key is None and r.registration_number in registered:
                # Known to the graph already (another organisation imported it): link to it
                # without rewriting what its own importer said.
                others.append((r, registered[r.registration_number or ""]))
                continue
            values = (
                "contractor",
                r.name,
                r.registration_number,
                list(r.trades) or None,
                list(r.postcode_districts) or None,
                r.website,
            )
            own.append((r, key, values))
        columns = (
            "kind_code",
            "name",
            "registration_number",
            "trade_codes",
            "postcode_districts",
            "website",
        )
        done = await repo.upsert(
            self.conn, "organisation", columns, [(k, v) for _, k, v in own], self.import_id
        )
        pairs = [(key, r.reference) for (r, _, _), key in zip(own, done.keys, strict=True)]
        pairs += [(key, r.reference) for r, key in others]
        gained = await repo.add_references(self.conn, "organisation", self.org.id, pairs)
        for (r, _, _), key in zip(own, done.keys, strict=True):
            self._refs["organisation"][r.reference] = key
            self.outcome.mark(r.location, self._fate(key, done, gained))
        for r, key in others:
            self._refs["organisation"][r.reference] = key
            self.outcome.mark(r.location, UPDATED if key in gained else UNCHANGED)

    async def _custom_sor_codes(self, records: list[CustomSorCodeRecord]) -> None:
        if not records:
            return
        created, updated = await repo.upsert_custom_sor_codes(
            self.conn, self.org.id, self.import_id, [(r.code, r.description) for r in records]
        )
        # The statement reports counts only; which code changed does not matter to anyone.
        fates = [CREATED] * created + [UPDATED] * updated
        for index, record in enumerate(records):
            self.outcome.mark(record.location, fates[index] if index < len(fates) else UNCHANGED)

    async def _homes(self, records: list[HomeRecord]) -> None:
        if not records:
            return
        refs = await self._keys("home", [r.reference for r in records if r.reference])
        by_uprn = await repo.homes_by_uprn(self.conn, [r.uprn for r in records if r.uprn])
        landlords = await repo.home_landlords(
            self.conn, [*refs.values(), *(k for k, _ in by_uprn.values())]
        )
        landlords.update(dict(by_uprn.values()))
        self._wrote(1)
        is_landlord = self.org.kind == "landlord"
        rows: list[tuple[int | None, list[Any]]] = []
        kept: list[HomeRecord] = []
        claimed: dict[int, str] = {}  # UPRNs of new homes in this file, by record
        for r in records:
            key = refs.get(r.reference) if r.reference else None
            match = by_uprn.get(r.uprn) if r.uprn else None
            if key is not None and match is not None and match[0] != key:
                self.problem(
                    r.location,
                    "uprn",
                    r.uprn,
                    f"UPRN {r.uprn} belongs to another home than your reference {r.reference!r}",
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
            # The landlord's word is the one shown: others' values are only assertions.
            writable = key is None or owner == self.org.id or (owner is None and is_landlord)
            values = [getattr(r, attribute) for attribute, _, _ in HOME_FIELDS]
            rows.append(
                (key, [*values, self.org.id if is_landlord else None]) if writable else (key, [])
            )
            kept.append(r)
        columns = [column for _, column, _ in HOME_FIELDS] + ["landlord_id"]
        writable_rows = [(k, v) for k, v in rows if v]
        done = await repo.upsert(self.conn, "home", columns, writable_rows, self.import_id)
        self._wrote(2)
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
            [(k, r.reference) for k, r in zip(keys, kept, strict=True) if r.reference],
        )
        self._wrote(3)
        facts = [
            (key, name, _text(getattr(r, attribute)))
            for key, r in zip(keys, kept, strict=True)
            for attribute, _, name in HOME_FIELDS
            if getattr(r, attribute) is not None
        ]
        restated = await repo.assert_home_facts(
            self.conn, self.org.id, self.import_id, self.started_at, facts
        )
        touched = gained | restated
        for key, r in zip(keys, kept, strict=True):
            if r.reference:
                self._refs["home"][r.reference] = key
            if r.uprn:
                self._uprns[r.uprn] = key
            self.outcome.mark(r.location, self._fate(key, done, touched))

    @staticmethod
    def _fate(key: int, done: repo.Upserted, touched: set[int]) -> str:
        if key in done.created:
            return CREATED
        return UPDATED if key in done.updated or key in touched else UNCHANGED

    async def _components(self, records: list[ComponentRecord]) -> None:
        if not records:
            return
        homes = await self._resolve_homes([(r.location, r.home) for r in records])
        refs = await self._keys("component", [r.reference for r in records])
        kept = [r for r in records if r.location in homes]
        rows = [
            (
                refs.get(r.reference),
                [
                    homes[r.location],
                    r.component_type,
                    r.install_date,
                    r.condition,
                    r.make,
                    r.model,
                    r.last_serviced_date,
                ],
            )
            for r in kept
        ]
        columns = (
            "home_id",
            "component_type_code",
            "install_date",
            "condition_code",
            "make",
            "model",
            "last_serviced_date",
        )
        done = await repo.upsert(self.conn, "component", columns, rows, self.import_id)
        gained = await repo.add_references(
            self.conn,
            "component",
            self.org.id,
            [(k, r.reference) for k, r in zip(done.keys, kept, strict=True)],
        )
        for key, r in zip(done.keys, kept, strict=True):
            self._refs["component"][r.reference] = key
            self.outcome.mark(r.location, self._fate(key, done, gained))

    async def _repairs(self, records: list[RepairRecord]) -> None:
        records = self._landlord_only(records, "repairs")
        if not records:
            return
        homes = await self._resolve_homes([(r.location, r.home) for r in records])
        refs = await self._keys("repair", [r.reference for r in records])
        contractors = await self._keys(
            "organisation", [r.contractor_reference for r in records if r.contractor_reference]
        )
        components = await self._keys(
            "component", [r.component_reference for r in records if r.component_reference]
        )
        self._wrote(1)
        kept, rows = [], []
        for r in records:
            if r.location not in homes:
                continue
            contractor = components_key = None
            if r.contractor_reference:
                contractor = contractors.get(r.contractor_reference)
                if contractor is None:
                    self.problem(
                        r.location,
                        "contractor_ref",
                        r.contractor_reference,
                        "no contractor with this reference: import it first (contractors template)",
                    )
                    continue
            if r.component_reference:
                components_key = components.get(r.component_reference)
                if components_key is None:
                    self.problem(
                        r.location,
                        "component_ref",
                        r.component_reference,
                        "no component with this reference: import it first",
                    )
                    continue
            kept.append(r)
            rows.append(
                (
                    refs.get(r.reference),
                    [
                        self.org.id,
                        homes[r.location],
                        components_key,
                        contractor,
                        r.priority,
                        r.status,
                        r.trade,
                        r.description,
                        r.reported_at,
                        r.raised_at or r.reported_at,
                        r.target_at,
                        r.completed_at,
                        r.cost,
                    ],
                )
            )
        columns = (
            "landlord_id",
            "home_id",
            "component_id",
            "contractor_id",
            "priority_code",
            "status_code",
            "trade_code",
            "description",
            "reported_at",
            "raised_at",
            "target_at",
            "completed_at",
            "cost",
        )
        before = await repo.repair_statuses(self.conn, [k for k, _ in rows if k is not None])
        done = await repo.upsert(self.conn, "repair", columns, rows, self.import_id)
        self._wrote(2)
        gained = await repo.add_references(
            self.conn,
            "repair",
            self.org.id,
            [(k, r.reference) for k, r in zip(done.keys, kept, strict=True)],
        )
        for key, r in zip(done.keys, kept, strict=True):
            self._refs["repair"][r.reference] = key
        self._wrote(3)
        relined = await self._replace_lines(
            [(key, r.lines) for key, r in zip(done.keys, kept, strict=True) if r.lines]
        )
        self._wrote(4)
        await self._status_events(
            [
                (key, r.status, r.completed_at or r.raised_at or r.reported_at)
                for key, r in zip(done.keys, kept, strict=True)
            ],
            before,
            done.created,
        )
        touched = gained | relined
        for key, r in zip(done.keys, kept, strict=True):
            self.outcome.mark(r.location, self._fate(key, done, touched))

    async def _replace_lines(self, given: list[tuple[int, list[RepairLineRecord]]]) -> set[int]:
        """Replace the lines of repairs whose lines differ; returns those repairs."""
        if not given:
            return set()
        wanted = {key: _lines(lines) for key, lines in given}
        existing = await repo.repair_lines(self.conn, sorted(wanted))
        changed = {key: lines for key, lines in wanted.items() if existing.get(key) != lines}
        await repo.replace_repair_lines(self.conn, changed)
        return set(changed)

    async def _status_events(
        self,
        given: list[tuple[int, str, dt.datetime]],
        before: dict[int, str],
        created: set[int],
    ) -> None:
        events = []
        for key, status, when in given:
            if key in created:
                events.append((key, status, when))
            elif before.get(key) not in (None, status):
                events.append((key, status, when if status == "complete" else self.started_at))
        # One event per repair and status, even if the file names a repair twice.
        await repo.add_status_events(self.conn, list(dict.fromkeys(events)))

    async def _completions(self, records: list[RepairCompletionRecord]) -> None:
        records = self._landlord_only(records, "repair completions")
        if not records:
            return
        refs = await self._keys("repair", [r.reference for r in records])
        kept = []
        for r in records:
            if r.reference in refs:
                kept.append(r)
            else:
                self.problem(
                    r.location,
                    "WorkOrderReference",
                    r.reference,
                    "no repair with this reference: raise it first",
                )
        rows = [(refs[r.reference], [r.status, r.completed_at, r.cost]) for r in kept]
        before = await repo.repair_statuses(self.conn, [k for k, _ in rows])
        done = await repo.upsert(
            self.conn, "repair", ("status_code", "completed_at", "cost"), rows, self.import_id
        )
        relined = await self._replace_lines(
            [(key, r.lines) for key, r in zip(done.keys, kept, strict=True) if r.lines]
        )
        await self._status_events(
            [(k, r.status, r.completed_at) for k, r in zip(done.keys, kept, strict=True)],
            before,
            set(),
        )
        for key, r in zip(done.keys, kept, strict=True):
            self.outcome.mark(r.location, self._fate(key, done, relined))

    async def _damp_mould_cases(self, records: list[DampMouldCaseRecord]) -> None:
        records = self._landlord_only(records, "damp and mould cases")
        if not records:
            return
        homes = await self._resolve_homes([(r.location, r.home) for r in records])
        refs = await self._keys("damp_mould_case", [r.reference for r in records])
        kept = [r for r in records if r.location in homes]
        rows = [
            (
                refs.get(r.reference),
                [
                    self.org.id,
                    homes[r.location],
                    r.hazard_level,
                    r.hhsrs_hazard or ("1" if r.reference not in refs else None),
                    r.hhsrs_category,
                    r.severity,
                    *(getattr(r, name) for name in DAMP_MOULD_FIELDS),
                ],
            )
            for r in kept
        ]
        columns = (
            "landlord_id",
            "home_id",
            "hazard_level_code",
            "hhsrs_hazard_code",
            "hhsrs_category_code",
            "severity_code",
            *DAMP_MOULD_FIELDS,
        )
        done = await repo.upsert(self.conn, "damp_mould_case", columns, rows, self.import_id)
        gained = await repo.add_references(
            self.conn,
            "damp_mould_case",
            self.org.id,
            [(k, r.reference) for k, r in zip(done.keys, kept, strict=True)],
        )
        for key, r in zip(done.keys, kept, strict=True):
            self.outcome.mark(r.location, self._fate(key, done, gained))

    async def _certificates(self, records: list[EpcRecord]) -> None:
        if not records:
            return
        wanted = [r.uprn for r in records if r.uprn and r.uprn not in self._uprns]
        for uprn, (key, _) in (await repo.homes_by_uprn(self.conn, wanted)).items():
            self._uprns[uprn] = key
        addresses = await repo.homes_by_address(
            self.conn,
            [
                (r.postcode, r.address_line_1.upper())
                for r in records
                if r.postcode and r.address_line_1 and r.uprn not in self._uprns
            ],
        )
        existing = await repo.epc_keys(self.conn, [r.lmk_key for r in records])
        kept, rows = [], []
        for r in records:
            home = self._uprns.get(r.uprn) if r.uprn else None
            if home is None and r.postcode and r.address_line_1:
                candidates = addresses.get((r.postcode, r.address_line_1.upper()), [])
                home = candidates[0] if len(candidates) == 1 else None
            if home is None:
                named = r.uprn or f"{r.address_line_1}, {r.postcode}"
                self.problem(
                    r.location,
                    "UPRN",
                    named,
                    "no home in the graph has this UPRN (or, without one, exactly this "
                    "first address line and postcode): import the home first",
                )
                continue
            kept.append(r)
            rows.append(
                (
                    existing.get(r.lmk_key),
                    [
                        home,
                        r.lmk_key,
                        r.certificate_number,
                        r.lodgement_date,
                        r.inspection_date,
                        r.sap_score,
                        r.potential_sap_score,
                        r.epc_band,
                        r.potential_epc_band,
                    ],
                )
            )
        columns = (
            "home_id",
            "lmk_key",
            "certificate_number",
            "lodgement_date",
            "inspection_date",
            "sap_score",
            "potential_sap_score",
            "epc_band_code",
            "potential_epc_band_code",
        )
        done = await repo.upsert(
            self.conn, "energy_performance_certificate", columns, rows, self.import_id
        )
        for key, r in zip(done.keys, kept, strict=True):
            self.outcome.mark(r.location, self._fate(key, done, set()))
