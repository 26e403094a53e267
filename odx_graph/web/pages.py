"""Server-rendered pages for people: the Jinja2 environment, the shared layout's context
and the security headers every page carries.

Pages read through the same services as the GraphQL resolvers (no second data path); the
templates live in ``odx_graph/web/templates/`` and say every word a person reads, so a
translation only touches them.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Awaitable
from collections.abc import Callable
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment
from jinja2 import PackageLoader
from jinja2 import StrictUndefined
from jinja2 import select_autoescape
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.responses import Response

from odx_graph import __version__
from odx_graph.core.access import Principal
from odx_graph.services.insight.cache import InsightCache
from odx_graph.services.insight.cache import one_data_version
from odx_graph.services.refdata import code_lists
from odx_graph.store.db import Database
from odx_graph.store.db import Record
from odx_graph.web.assets import static_url
from odx_graph.web.auth import principal_of
from odx_graph.web.readers import open_reader

# No inline script or style anywhere: scripts and styles come from /static/ only.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}

# What a plain dict answers as an attribute (its methods): any other name read from a dict
# can only be one of its items.
_DICT_ATTRIBUTES = frozenset(dir(dict))


class _Environment(Environment):
    """Jinja2's environment reading the pages' dicts without a failed attribute look-up
    first: the same answer (an attribute where a dict has one, else the item), cheaper on
    the pages that list a hundred rows."""

    def getattr(self, obj: Any, attribute: str) -> Any:
        """``obj.attribute`` in a template."""
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                return self.undefined(obj=obj, name=attribute)
        return super().getattr(obj, attribute)


_environment = _Environment(
    loader=PackageLoader("odx_graph.web", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_environment.globals.update(static_url=static_url, version=__version__)


def render(
    request: Request,
    template: str,
    context: Mapping[str, Any],
    *,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """The page ``template`` filled with ``context``, with the security headers."""
    html = _environment.get_template(template).render({"request_path": request.url.path, **context})
    return HTMLResponse(
        html, status_code=status_code, headers={**SECURITY_HEADERS, **(headers or {})}
    )


def macro(template: str, name: str) -> Callable[..., Markup]:
    """The macro ``name`` of ``template``, to render a piece once that a page repeats."""
    function: Callable[..., Markup] = getattr(_environment.get_template(template).module, name)
    return function


def reader_for(request: Request) -> tuple[Database, Principal]:
    """The database and the caller, as the GraphQL context has them: callers without a
    key read as the open data's reader, which cannot read private columns at all."""
    principal = principal_of(request.scope)
    state = request.app.state
    db = state.db if principal.is_authenticated else open_reader(state)
    return db, principal


async def codes_for(
    request: Request, db: Database, principal: Principal, *names: str
) -> dict[str, list[Record]]:
    """The rows of the code lists ``names`` as ``principal`` reads them from ``db``, kept
    by the server per data version (one statement a page while nothing changes)."""
    state = request.app.state
    cache = getattr(state, "code_cache", None)
    return await code_lists(db, state.settings, principal, names, cache)


Handler = Callable[[Request], Awaitable[Response]]


def one_version(handler: Handler) -> Handler:
    """A page's ``GET`` handler reading its cached answers and records at one data
    version, read once (the page writes nothing)."""

    @functools.wraps(handler)
    async def page(request: Request) -> Response:
        with one_data_version():
            return await handler(request)

    return page


def records_of(request: Request) -> InsightCache | None:
    """The server's cache of the records read for pages, kept per data version."""
    cache: InsightCache | None = getattr(request.app.state, "record_cache", None)
    return cache


# The months as ``%B`` names them (the server never sets a locale), without a strftime
# call per date: a page lists hundreds of dates.
MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def day(value: dt.datetime | dt.date | None) -> str:
    """A date as people write it: 3 June 2026."""
    if value is None:
        return ""
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


def graphql_link(query: str) -> str:
    """A link opening ``query`` in GraphiQL."""
    return "/graphql?" + urlencode({"query": query})
