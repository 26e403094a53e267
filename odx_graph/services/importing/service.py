"""One import, end to end: read, validate, write in one transaction, report.

A file with any problem writes nothing unless ``skip_invalid`` is given, in which case
the valid records are written and the problems of the others are kept with the import
record. ``dry_run`` does all the work, including the writes, and rolls them back, so its
counts are exactly what a real run would do.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
import logging
from dataclasses import dataclass
from dataclasses import field
from typing import Any
from typing import Required
from typing import TypedDict
from typing import Unpack

from odx_graph.core import collector
from odx_graph.core.errors import ForbiddenError
from odx_graph.core.errors import InputError
from odx_graph.services.importing import import_formats
from odx_graph.services.importing import locks
from odx_graph.services.importing import progress as progress_module
from odx_graph.services.importing.progress import Progress
from odx_graph.services.importing.records import Parsed
from odx_graph.services.importing.records import Problem
from odx_graph.services.importing.records import ProblemLog
from odx_graph.services.importing.validate import CodeBook
from odx_graph.services.importing.validate import validate
from odx_graph.services.importing.writer import CREATED
from odx_graph.services.importing.writer import UNCHANGED
from odx_graph.services.importing.writer import UPDATED
from odx_graph.services.importing.writer import Writer
from odx_graph.store import imports as repo
from odx_graph.store.db import Connection
from odx_graph.store.db import Database
from odx_graph.store.db import is_deadlock

log = logging.getLogger(__name__)
# Writing a file is tried again once when PostgreSQL ends it to break a deadlock: imports
# by different organisations run at the same time, and two that each write rows the other
# holds (repairs raised on each other's homes) can meet in a circle. All or nothing, so
# the second try starts from what the first found.
WRITE_TRIES = 2


@dataclass(slots=True)
class ImportReport:
    """What an import did, or would do: counts, every problem, notes, and whether it was
    written."""

    format: str
    file_name: str
    file_hash: str
    organisation: str
    dry_run: bool
    skip_invalid: bool
    written: bool = False
    import_id: int | None = None
    records_read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    problems: list[Problem] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)
    refused: bool = False  # the file as a whole has a problem

    @property
    def ok(self) -> bool:
        """True when the file had no problems at all."""
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data."""
        return {
            "format": self.format,
            "fileName": self.file_name,
            "fileHash": self.file_hash,
            "organisation": self.organisation,
            "dryRun": self.dry_run,
            "skipInvalid": self.skip_invalid,
            "written": self.written,
            "importId": self.import_id,
            "counts": {
                "read": self.records_read,
                "created": self.created,
                "updated": self.updated,
                "unchanged": self.unchanged,
                "rejected": self.rejected,
            },
            "problems": [p.as_dict() for p in self.problems],
            "notes": [n.as_dict() for n in self.notes],
            "summary": self.summary(),
        }

    def as_json(self) -> str:
        """The report as a JSON document."""
        return json.dumps(self.as_dict(), indent=2, ensure_ascii=False) + "\n"

    def summary(self) -> str:
        """What happened, in one sentence a person can act on."""
        changes = f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged"
        would = (
            f"would create {self.created}, update {self.updated} and leave "
            f"{self.unchanged} unchanged"
        )
        problems = f"{len(self.problems)} problem{'' if len(self.problems) == 1 else 's'}"
        read = f"{self.records_read} read"
        if self.written and self.problems:
            return (
                f"imported the valid records, the others left out: {read}, {changes}, "
                f"{self.rejected} rejected ({problems}, kept with import {self.import_id})"
            )
        if self.written:
            return f"imported: {read}, {changes}; import {self.import_id}"
        if self.dry_run and not self.problems:
            return f"dry run, nothing written: {read}; a real run {would}"
        if self.refused:
            return (
                f"not imported, nothing written: the file as a whole has a problem "
                f"({problems} in all); {read}, {self.rejected} rejected"
            )
        lead = "dry run, nothing written" if self.dry_run else "not imported, nothing written"
        return f"{lead}: {read}, {self.rejected} rejected ({problems}); a clean run {would}" + (
            "" if self.dry_run else "; fix them, or import the rest with --skip-invalid"
        )

    def as_text(self) -> str:
        """The report for a person: one line per problem and note, then the outcome."""
        lines = [
            f"{p.record}: {p.field or '(record)'}: {p.reason}"
            + (f" [{p.value}]" if p.value else "")
            for p in self.problems
        ]
        if isinstance(self.problems, ProblemLog) and self.problems.not_kept:
            lines.append(f"... and {self.problems.not_kept} more problems, not listed")
        lines += [
            f"note: {n.record}: {n.field + ': ' if n.field else ''}{n.reason}"
            + (f" [{n.value}]" if n.value else "")
            for n in self.notes
        ]
        lines.append(f"{self.file_name} ({self.format}) as {self.organisation}: {self.summary()}")
        return "\n".join(lines) + "\n"


class _RollBack(Exception):
    """Raised inside the transaction to undo it (dry runs, files with problems)."""


class ImportOptions(TypedDict, total=False):
    """How a file is imported: the keywords :func:`run_import` passes on to
    :func:`run_import_on` (whose signature they must match)."""

    fmt: Required[str]
    file_name: Required[str]
    organisation: Required[str]
    dry_run: bool
    skip_invalid: bool
    progress: Progress | None
    acting_for: int | None


async def run_import(db: Database, data: bytes, **options: Unpack[ImportOptions]) -> ImportReport:
    """Import ``data`` (a file's bytes) in format ``fmt`` as ``organisation`` (its id,
    registration number or exact name); with ``acting_for`` (a provider key's organisation)
    only as that one. Raises :class:`InputError` for an unknown format or organisation, and
    :class:`ForbiddenError` for another organisation than ``acting_for``; problems in the
    file are in the report, never raised."""
    # An unknown format fails before a connection is taken.
    reader = import_formats.reader(options["fmt"])
    # The records live until the import ends: walking them in full collections, over and
    # over as they grow, would cost more than reading them (see the collector module).
    with progress_module.reporting(options.get("progress")), collector.full_collections_held_off():
        # The file is read before a connection is taken: reading may be long.
        progress_module.tick("reading", 0)
        parsed = await asyncio.to_thread(reader, data, options["file_name"])
        async with db.connection() as conn:
            return await run_import_on(conn, data, parsed=parsed, **options)


async def run_import_on(
    conn: Connection,
    data: bytes,
    *,
    fmt: str,
    file_name: str,
    organisation: str,
    dry_run: bool = False,
    skip_invalid: bool = False,
    progress: Progress | None = None,
    acting_for: int | None = None,
    parsed: Parsed | None = None,
) -> ImportReport:
    """:func:`run_import` on a connection of the caller's (not inside a transaction);
    ``parsed`` is the file already read, if it was.

    Reading and checking the file run in a worker thread, so a large file does not hold
    up the event loop; ``progress`` hears each stage (see :mod:`.progress`)."""
    with progress_module.reporting(progress), collector.full_collections_held_off():
        reader = import_formats.reader(fmt)
        report = ImportReport(
            format=fmt,
            file_name=file_name,
            file_hash=hashlib.sha256(data).hexdigest(),
            organisation=organisation,
            dry_run=dry_run,
            skip_invalid=skip_invalid,
        )
        if parsed is None:
            progress_module.tick("reading", 0)
            parsed = await asyncio.to_thread(reader, data, file_name)
        found = await repo.find_organisation(conn, organisation)
        if len(found) != 1:
            raise InputError(
                f"no organisation {organisation!r}; give its id, registration number or exact "
                "name (add one with: odx-graph organisation add)"
                if not found
                else f"{len(found)} organisations match {organisation!r}; give its id",
                field="as",
            )
        org = found[0]
        if acting_for is not None and org.id != acting_for:
            raise ForbiddenError("a provider key imports only as its own organisation")
        report.organisation = f"{org.name} (organisation {org.id})"
        book = CodeBook(await repo.code_sets(conn), *await repo.sor_codes(conn, org.id))
        await asyncio.to_thread(validate, parsed, book)
        attempt = 1
        while True:
            try:
                async with conn.transaction():
                    await conn.execute("SET LOCAL statement_timeout = 0")
                    # Imports by different organisations run at the same time: each locks
                    # what its file matches on and may create (see the locks module).
                    locked = await locks.lock_for_import(conn, org.id, parsed.records)
                    await _write(conn, parsed, org, report, locked.allocators)
                    if dry_run or parsed.refused or (report.problems and not skip_invalid):
                        raise _RollBack
                    report.written = True
            except _RollBack:
                report.import_id = None
            except Exception as exc:
                if attempt == WRITE_TRIES or not is_deadlock(exc):
                    raise
                log.warning(
                    "import ended by the database to break a deadlock; writing it again",
                    extra={"file_name": file_name, "attempt": attempt},
                )
                attempt += 1
                continue
            return report


async def _write(
    conn: Any,
    parsed: Parsed,
    org: repo.Organisation,
    report: ImportReport,
    allocators: dict[str, repo.Organisation],
) -> None:
    started = dt.datetime.now(dt.UTC)
    import_id = await repo.begin_import(
        conn,
        organisation_id=org.id,
        fmt=report.format,
        file_name=report.file_name,
        file_hash=report.file_hash,
        media_type=import_formats.media_type(report.format),
        started_at=started,
    )
    outcome = await Writer(conn, org, import_id, started, allocators).write(parsed.records)
    problems = ProblemLog(parsed.problems)
    problems.extend(outcome.problems)
    rejected = parsed.rejected | {p.record for p in outcome.problems}
    fates = [fate for location, fate in outcome.status.items() if location not in rejected]
    report.import_id = import_id
    report.problems = problems
    report.notes = [*parsed.notes, *outcome.notes]
    report.refused = parsed.refused
    report.records_read = parsed.records_read
    report.rejected = len(rejected)
    report.created = fates.count(CREATED)
    report.updated = fates.count(UPDATED)
    report.unchanged = fates.count(UNCHANGED)
    counts = {
        "read": report.records_read,
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "rejected": report.rejected,
    }
    await repo.finish_import(
        conn, import_id, counts, [p.as_dict() for p in problems], problem_count=len(problems)
    )
