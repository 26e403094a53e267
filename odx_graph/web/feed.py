"""The change feed over HTTP: ``/feed`` (the event stream, or with ``?since=`` the page to
start from) and ``/feed/page/{n}`` (TriG or N-Quads; full pages cached for good)."""

from __future__ import annotations

import datetime as dt
import hashlib

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.responses import RedirectResponse
from starlette.responses import Response
from starlette.routing import Route

from odx_graph.api.errors import error_body
from odx_graph.services.linked_data import feed
from odx_graph.store import changes
from odx_graph.web.readers import open_reader
from odx_graph.web.resources import matches

IMMUTABLE = "public, max-age=31536000, immutable"
GROWING = "public, max-age=1"
_FORMAT_NAMES = {"trig": feed.TRIG, "nq": feed.NQUADS, "nquads": feed.NQUADS}


def _bad(code: str, message: str, status: int = 400) -> JSONResponse:
    return JSONResponse(error_body(message, code), status_code=status, headers={"Vary": "Accept"})


def _media_type(request: Request) -> str | None:
    named = request.query_params.get("format")
    if named is not None:
        return _FORMAT_NAMES.get(named)
    accept = request.headers.get("accept", "")
    return feed.NQUADS if feed.NQUADS in accept and feed.TRIG not in accept else feed.TRIG


def _cached(request: Request, body: bytes, media_type: str, cache: str) -> Response:
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {"ETag": etag, "Vary": "Accept", "Cache-Control": cache}
    if matches(request, etag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=f"{media_type}; charset=utf-8", headers=headers)


async def _published(request: Request) -> None:
    """Publish what writers noted before answering: a reader never waits for the
    background publisher to see its own committed write."""
    state = request.app.state
    await feed.publish_all(state.db)


async def event_stream(request: Request) -> Response:
    """``GET /feed``: the event stream; ``?since=TIME`` redirects to the page holding the
    first version published at or after that time."""
    state = request.app.state
    base = state.settings.base_iri
    await _published(request)
    reader = open_reader(state, primary=True)
    since = request.query_params.get("since")
    if since is not None:
        try:
            moment = dt.datetime.fromisoformat(since)
        except ValueError:
            return _bad("BAD_USER_INPUT", "since must be an ISO 8601 date and time")
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.UTC)
        position = await changes.position_at(reader, moment)
        if position is None:  # nothing yet: the page the next version will land on
            position = (await changes.log_end(reader))[0] + 1
        return RedirectResponse(f"/feed/page/{feed.page_of(position)}", status_code=303)
    media_type = _media_type(request)
    if media_type is None:
        return _bad("NOT_ACCEPTABLE", "format must be trig or nq", 406)
    last, _ = await changes.log_end(reader)
    body = feed.stream_description(base, last).encode()
    return _cached(request, body, media_type, GROWING)


async def feed_page(request: Request) -> Response:
    """``GET /feed/page/{n}``: one page of versions."""
    state = request.app.state
    raw = request.path_params["number"]
    if not raw.isdigit() or len(raw) > 12:
        return _bad("NOT_FOUND", "no such page", 404)
    media_type = _media_type(request)
    if media_type is None:
        return _bad("NOT_ACCEPTABLE", "format must be trig or nq", 406)
    await _published(request)
    page = await feed.read_page(open_reader(state, primary=True), int(raw))
    if page is None:
        return _bad("NOT_FOUND", "the feed has not reached that page yet", 404)
    base = state.settings.base_iri
    text = feed.page_trig(base, page) if media_type == feed.TRIG else feed.page_nquads(base, page)
    return _cached(request, text.encode(), media_type, IMMUTABLE if page.full else GROWING)


ROUTES = [
    Route("/feed", event_stream),
    Route("/feed/page/{number}", feed_page),
]
