"""Imports over HTTP: ``POST /import`` for authorised uploads, and the blank CSV templates.

Uploads need a provider API key (importing as its own organisation), an admin API key or
the upload token ``ODX_IMPORT_TOKEN`` (as any organisation). The body is the file
itself (any content type but HTML form encodings, which a browser could send across
sites); the options are query parameters.

Uploads have a lane of their own, apart from the request slots and the pool that reads
and writes use: the body is written to a temporary file as it arrives (no slot is held
meanwhile), then at most ``ODX_IMPORT_CONCURRENCY`` imports run at once, each in a worker
process with its own database connection, within ``ODX_IMPORT_TIMEOUT_MS`` and
``ODX_IMPORT_MEMORY_MB``; up to ``ODX_IMPORT_MAX_QUEUED`` more wait, and beyond that an
upload gets ``503`` with ``Retry-After``.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import tempfile
from collections.abc import AsyncIterator
from typing import IO

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.responses import Response
from starlette.routing import Route

from odx_graph.core.access import Tier
from odx_graph.core.errors import ErrorCode
from odx_graph.core.errors import OdxError
from odx_graph.services import workers
from odx_graph.services.importing import import_formats
from odx_graph.services.importing.service import ImportOptions
from odx_graph.services.importing.worker import UploadJob
from odx_graph.services.importing.worker import import_upload
from odx_graph.web.auth import principal_of

_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")
_TRUE = ("1", "true", "yes")


def _error(status: int, code: str, message: str, **headers: str) -> JSONResponse:
    body = {"errors": [{"message": message, "extensions": {"code": code}}]}
    return JSONResponse(body, status_code=status, headers=headers or None)


def _authorised(request: Request, token: str) -> bool:
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode(), token.encode()
    )


class ImportLane:
    """How many imports run at once, and how many may wait (see the module docs)."""

    def __init__(self, concurrency: int, max_queued: int) -> None:
        self.slots = asyncio.Semaphore(concurrency)
        self.max_queued = max_queued
        self.waiting = 0

    def full(self) -> bool:
        """Whether another upload would have nowhere to wait."""
        return self.slots.locked() and self.waiting >= self.max_queued

    @contextlib.asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Wait for (and hold) a slot of the lane."""
        self.waiting += 1
        try:
            await self.slots.acquire()
        finally:
            self.waiting -= 1
        try:
            yield
        finally:
            self.slots.release()


def lane_of(request: Request) -> ImportLane:
    """The application's import lane (made on first use)."""
    state = request.app.state
    lane: ImportLane | None = getattr(state, "import_lane", None)
    if lane is None:
        settings = state.settings
        lane = state.import_lane = ImportLane(
            settings.import_concurrency, settings.import_max_queued
        )
    return lane


async def _spool(request: Request, limit: int, target: IO[bytes]) -> bool:
    """Write the body to ``target`` as it arrives; ``False`` once it grows past
    ``limit`` bytes (read no further)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return False
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return False
        target.write(chunk)
    target.flush()
    return True


async def upload(request: Request) -> Response:
    """Import the request body as a file; answers with the import report.

    Allowed: an admin API key or the upload token (as any organisation), or a provider API
    key (as its own organisation, the default for ``as``)."""
    settings = request.app.state.settings
    principal = principal_of(request.scope)
    acting_for: int | None = None
    if principal.tier is Tier.PROVIDER and principal.organisation_id is not None:
        acting_for = principal.organisation_id
    elif principal.tier is not Tier.ADMIN:
        if principal.is_authenticated:
            return _error(403, "FORBIDDEN", "only provider and admin keys may import")
        if not settings.import_token:
            return _error(
                403, "FORBIDDEN", "uploads need a provider or admin API key on this server"
            )
        if not _authorised(request, settings.import_token):
            return _error(
                401, "UNAUTHENTICATED", "a valid bearer token is required", **{
                    "WWW-Authenticate": 'Bearer realm="odx-graph import"'
                }
            )  # fmt: skip
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type in _FORMS:
        return _error(415, "UNSUPPORTED_MEDIA_TYPE", "send the file itself as the body, not a form")
    params = request.query_params
    fmt, organisation = params.get("format"), params.get("as")
    if organisation is None and acting_for is not None:
        organisation = str(acting_for)
    if not fmt or not organisation:
        return _error(
            400, ErrorCode.BAD_USER_INPUT.value, "give the query parameters format and as"
        )
    lane = lane_of(request)
    if lane.full():
        return _busy(request)
    with tempfile.NamedTemporaryFile(prefix="odx-upload-") as spooled:
        if not await _spool(request, settings.import_max_bytes, spooled):
            return _error(
                413,
                "PAYLOAD_TOO_LARGE",
                f"the file is larger than {settings.import_max_bytes} bytes",
            )
        if lane.full():  # the lane filled while the body arrived
            return _busy(request)
        job = UploadJob(
            path=spooled.name,
            dsn=request.app.state.db.dsn,
            options=ImportOptions(
                fmt=fmt,
                file_name=(params.get("fileName") or f"upload.{fmt}")[:255],
                organisation=organisation,
                dry_run=params.get("dryRun", "").lower() in _TRUE,
                skip_invalid=params.get("skipInvalid", "").lower() in _TRUE,
                acting_for=acting_for,
            ),
            max_rdf_statements=settings.import_max_rdf_statements,
            max_problems=settings.import_max_problems,
            statement_timeout_ms=settings.statement_timeout_ms,
            connect_timeout_ms=settings.connect_timeout_ms,
            log_level=settings.log_level,
            log_format=settings.log_format,
        )
        limits = workers.Limits(
            seconds=settings.import_timeout_ms / 1000,
            memory_bytes=settings.import_memory_mb * 1024 * 1024,
        )
        try:
            async with lane.slot():
                body, written, ok = await workers.run_async(import_upload, job, limits=limits)
        except OdxError as exc:
            status = {ErrorCode.FORBIDDEN: 403, ErrorCode.DATABASE_UNAVAILABLE: 503}.get(
                exc.code, 400
            )
            return _error(status, exc.code.value, exc.message)
        except workers.WorkerTimeout as exc:
            return _error(422, "IMPORT_TIMEOUT", f"{exc}; nothing was written: split the file")
        except workers.WorkerOutOfMemory as exc:
            return _error(413, "PAYLOAD_TOO_LARGE", f"{exc}; nothing was written: split the file")
    counter = request.app.state.metrics.import_records
    for outcome in ("created", "updated", "unchanged", "rejected"):
        counter.labels(outcome).inc(body["counts"][outcome] if written else 0)
    status = 200 if written or (body["dryRun"] and ok) else 422
    return JSONResponse(body, status_code=status)


def _busy(request: Request) -> Response:
    request.app.state.metrics.refused.labels("import_lane_full").inc()
    return _error(
        503, "SERVER_BUSY", "too many imports are running or waiting; retry shortly", **{
            "Retry-After": "10"
        }
    )  # fmt: skip


def template(request: Request) -> Response:
    """A blank CSV template (the header line) to fill in."""
    name = request.path_params["name"]
    if name not in import_formats.CSV_TEMPLATES:
        names = ", ".join(sorted(import_formats.CSV_TEMPLATES))
        return _error(404, ErrorCode.NOT_FOUND.value, f"no template {name!r}; there are: {names}")
    return Response(
        import_formats.blank_template(name),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )


ROUTES = [
    Route("/import", upload, methods=["POST"]),
    Route("/templates/{name}.csv", template),
]
