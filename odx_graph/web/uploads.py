"""Imports over HTTP: ``POST /import`` for authorised uploads, and the blank CSV templates.

Uploads need a provider API key (importing as its own organisation), an admin API key or
the upload token ``ODX_IMPORT_TOKEN`` (as any organisation). The body is the file
itself (any content type but HTML form encodings, which a browser could send across
sites); the options are query parameters.
"""

from __future__ import annotations

import hmac

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from odx_graph.core.access import Tier
from odx_graph.core.errors import ErrorCode, OdxError
from odx_graph.services.importing import import_formats
from odx_graph.services.importing.service import run_import
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


async def _body(request: Request, limit: int) -> bytes | None:
    """The body, or ``None`` once it grows past ``limit`` bytes (read no further)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


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
    data = await _body(request, settings.import_max_bytes)
    if data is None:
        return _error(
            413, "PAYLOAD_TOO_LARGE", f"the file is larger than {settings.import_max_bytes} bytes"
        )
    try:
        report = await run_import(
            request.app.state.db,
            data,
            fmt=fmt,
            file_name=(params.get("fileName") or f"upload.{fmt}")[:255],
            organisation=organisation,
            dry_run=params.get("dryRun", "").lower() in _TRUE,
            skip_invalid=params.get("skipInvalid", "").lower() in _TRUE,
            acting_for=acting_for,
        )
    except OdxError as exc:
        status = 403 if exc.code is ErrorCode.FORBIDDEN else 400
        return _error(status, exc.code.value, exc.message)
    counter = request.app.state.metrics.import_records
    for outcome in ("created", "updated", "unchanged", "rejected"):
        counter.labels(outcome).inc(getattr(report, outcome) if report.written else 0)
    status = 200 if report.written or (report.dry_run and report.ok) else 422
    return JSONResponse(report.as_dict(), status_code=status)


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
