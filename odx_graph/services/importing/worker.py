"""One uploaded file imported in a worker process (see :mod:`odx_graph.services.workers`), with a
database connection of its own: the memory a file takes to read, check and write is given
back when the worker ends, and the request pool is never touched."""

from __future__ import annotations

import asyncio
import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from odx_graph.core.config import LogFormat
from odx_graph.core.logs import configure_logging
from odx_graph.services.importing.service import ImportOptions
from odx_graph.services.importing.service import ImportReport
from odx_graph.services.importing.service import run_import
from odx_graph.services.linked_data.rdf_input import set_statement_limit
from odx_graph.store.db import Database


@dataclass(frozen=True, slots=True)
class UploadJob:
    """Everything the worker needs: where the file is, where the database is, the
    import's options and the limits that apply."""

    path: str
    dsn: str
    options: ImportOptions
    max_rdf_statements: int
    max_problems: int
    statement_timeout_ms: int
    connect_timeout_ms: int
    log_level: str
    log_format: LogFormat


def report_body(report: ImportReport, max_problems: int) -> dict[str, Any]:
    """The report as JSON-ready data, listing the first ``max_problems`` problems in full
    and counting the rest."""
    listed = dataclasses.replace(report, problems=report.problems[:max_problems])
    body = listed.as_dict()
    body["summary"] = report.summary()  # of every problem, listed or not
    body["problemCount"] = len(report.problems)
    body["problemsNotListed"] = max(0, len(report.problems) - max_problems)
    return body


def import_upload(job: UploadJob) -> tuple[dict[str, Any], bool, bool]:
    """Run the import (in the worker): ``(report body, written, ok)``."""
    configure_logging(job.log_level, job.log_format)
    set_statement_limit(job.max_rdf_statements)
    report = asyncio.run(_import(job, Path(job.path).read_bytes()))
    return report_body(report, job.max_problems), report.written, report.ok


async def _import(job: UploadJob, data: bytes) -> ImportReport:
    db = await Database.connect(
        job.dsn,
        min_size=0,
        max_size=1,
        statement_timeout_ms=job.statement_timeout_ms,
        connect_timeout_ms=job.connect_timeout_ms,
    )
    try:
        return await run_import(db, data, **job.options)
    finally:
        await db.close()
