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
from dataclasses import dataclass, field
from typing import Any

from odx_graph.db import Connection, Database
from odx_graph.errors import ForbiddenError, InputError
from odx_graph.importing import formats
from odx_graph.importing import progress as progress_module
from odx_graph.importing.progress import Progress
from odx_graph.importing.records import Parsed, Problem
from odx_graph.importing.validate import CodeBook, validate
from odx_graph.importing.writer import CREATED, UNCHANGED, UPDATED, Writer
from odx_graph.repo import imports as repo

IMPORT_LOCK = 0x0D1_1A4D  # one import at a time: matching by reference must see the last one


@dataclass(slots=True)
class ImportReport:
    """What an import did, or would do: counts, every problem, and whether it was written."""

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
        }

    def as_json(self) -> str:
        """The report as a JSON document."""
        return json.dumps(self.as_dict(), indent=2, ensure_ascii=False) + "\n"

    def as_text(self) -> str:
        """The report for a person: one line per problem, then the outcome."""
        lines = [
            f"{p.record}: {p.field or '(record)'}: {p.reason}"
            + (f" [{p.value}]" if p.value else "")
            for p in self.problems
        ]
        if self.written:
            verb = "imported"
        elif self.dry_run:
            verb = "dry run, nothing written:"
        else:
            verb = "NOT imported, nothing written:"
        lines.append(
            f"{self.file_name} ({self.format}) as {self.organisation}: {verb} "
            f"{self.records_read} read, {self.created} created, {self.updated} updated, "
            f"{self.unchanged} unchanged, {self.rejected} rejected, "
            f"{len(self.problems)} problem(s)"
            + (f"; import {self.import_id}" if self.written and self.import_id else "")
        )
        return "\n".join(lines) + "\n"


class _RollBack(Exception):
    """Raised inside the transaction to undo it (dry runs, files with problems)."""


async def run_import(
    db: Database,
    data: bytes,
    *,
    fmt: str,
    file_name: str,
    organisation: str,
    dry_run: bool = False,
    skip_invalid: bool = False,
    progress: Progress | None = None,
    acting_for: int | None = None,
) -> ImportReport:
    """Import ``data`` (a file's bytes) in format ``fmt`` as ``organisation`` (its id,
    registration number or exact name); with ``acting_for`` (a provider key's organisation)
    only as that one. Raises :class:`InputError` for an unknown format or organisation, and
    :class:`ForbiddenError` for another organisation than ``acting_for``; problems in the
    file are in the report, never raised."""
    reader = formats.reader(fmt)  # an unknown format fails before a connection is taken
    with progress_module.reporting(progress):
        # The file is read before a connection is taken: reading may be long.
        progress_module.tick("reading", 0)
        parsed = await asyncio.to_thread(reader, data, file_name)
        async with db.connection() as conn:
            return await run_import_on(
                conn,
                data,
                fmt=fmt,
                file_name=file_name,
                organisation=organisation,
                dry_run=dry_run,
                skip_invalid=skip_invalid,
                progress=progress,
                acting_for=acting_for,
                parsed=parsed,
            )


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
    with progress_module.reporting(progress):
        reader = formats.reader(fmt)
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
        try:
            async with conn.transaction():
                await conn.execute("SET LOCAL statement_timeout = 0")
                await conn.execute("SELECT pg_advisory_xact_lock($1)", IMPORT_LOCK)
                await _write(conn, parsed, org, report)
                if dry_run or (report.problems and not skip_invalid):
                    raise _RollBack
                report.written = True
        except _RollBack:
            report.import_id = None
        return report


async def _write(conn: Any, parsed: Parsed, org: repo.Organisation, report: ImportReport) -> None:
    started = dt.datetime.now(dt.UTC)
    import_id = await repo.begin_import(
        conn,
        organisation_id=org.id,
        fmt=report.format,
        file_name=report.file_name,
        file_hash=report.file_hash,
        media_type=formats.media_type(report.format),
        started_at=started,
    )
    outcome = await Writer(conn, org, import_id, started).write(parsed.records)
    problems = [*parsed.problems, *outcome.problems]
    rejected = parsed.rejected | {p.record for p in outcome.problems}
    fates = [fate for location, fate in outcome.status.items() if location not in rejected]
    report.import_id = import_id
    report.problems = problems
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
    await repo.finish_import(conn, import_id, counts, [p.as_dict() for p in problems])
