"""Static files shipped inside the package (the stylesheet, GraphiQL and its licences),
served from ``/static/`` so every page works without the internet.

Large files are stored gzipped (``name.gz``) and sent as they are to clients that accept
gzip; others get them inflated once and kept in memory. A file's URL carries the package
version, so browsers may keep it for a year.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from odx_graph import __version__

STATIC_PREFIX = "/static/"
_TYPES = {".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml"}


def static_url(name: str) -> str:
    """The URL of a packaged static file, versioned so it can be cached for long."""
    return f"{STATIC_PREFIX}{name}?v={__version__}"


def _static_root() -> Traversable:
    return files("odx_graph.web") / "static"


@cache
def _stored(name: str) -> tuple[bytes, bool] | None:
    """The file's bytes and whether they are gzipped; ``None`` when there is none."""
    parts = name.split("/")
    if any(part in ("", ".", "..") or part.startswith(".") for part in parts):
        return None
    node = _static_root()
    for part in parts[:-1]:
        node = node / part
    for candidate, zipped in ((parts[-1] + ".gz", True), (parts[-1], False)):
        item = node / candidate
        if item.is_file():
            return item.read_bytes(), zipped
    return None


@cache
def _inflated(name: str) -> bytes:
    stored = _stored(name)
    assert stored is not None
    return gzip.decompress(stored[0])


def _media_type(name: str) -> str:
    for suffix, media in _TYPES.items():
        if name.endswith(suffix):
            return media
    return mimetypes.guess_type(name)[0] or "text/plain"


async def static_file(request: Request) -> Response:
    """One packaged static file (gzipped on the wire when the client accepts it)."""
    name = request.path_params["name"]
    stored = _stored(name)
    if stored is None:
        return Response("not found", status_code=404, media_type="text/plain")
    body, zipped = stored
    media = _media_type(name)
    if media.startswith("text/") or media.endswith("+xml"):
        media += "; charset=utf-8"
    headers = {
        "Cache-Control": "public, max-age=31536000, immutable",
        "X-Content-Type-Options": "nosniff",
        "Vary": "Accept-Encoding",
        "ETag": '"' + hashlib.sha256(body).hexdigest()[:16] + '"',
    }
    if zipped:
        if "gzip" in request.headers.get("accept-encoding", ""):
            headers["Content-Encoding"] = "gzip"
        else:
            body = _inflated(name)
    return Response(body, media_type=media, headers=headers)


ROUTES = [Route(STATIC_PREFIX + "{name:path}", static_file, methods=["GET", "HEAD"])]
