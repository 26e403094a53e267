"""Triple Pattern Fragments at ``/fragments?subject=&predicate=&object=&page=``."""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.responses import Response
from starlette.routing import Route

from odx_graph.api.errors import error_body
from odx_graph.services.linked_data import fragments
from odx_graph.services.linked_data.sparql import SparqlStore

# Metadata goes in a graph of its own where the format has graphs (as Comunica expects).
WITH_GRAPHS = ("application/trig", "application/n-quads")
WITHOUT_GRAPHS = ("text/turtle", "application/n-triples")


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse(error_body(message, code), status_code=status, headers={"Vary": "Accept"})


def _media_type(accept: str) -> str | None:
    if not accept.strip() or "*/*" in accept:
        return "application/trig" if "application/trig" in accept else "text/turtle"
    for media in (*WITH_GRAPHS, *WITHOUT_GRAPHS):
        if media in accept:
            return media
    return None


async def fragment(request: Request) -> Response:
    """``GET /fragments``: one page of the triples matching a pattern, with Hydra
    controls (the search template, paging) and a count."""
    store: SparqlStore | None = getattr(request.app.state, "sparql", None)
    if store is not None and not store.kept:
        return _error(
            404,
            "NOT_FOUND",
            "Triple Pattern Fragments are read from the SPARQL store, which this server "
            "does not keep (ODX_SPARQL_STORE=false); the dumps and the change feed hold "
            "the whole graph",
        )
    if store is None or not store.ready:
        response = _error(503, "SERVER_BUSY", "the store is being built; retry shortly")
        response.headers["Retry-After"] = "5"
        return response
    media = _media_type(request.headers.get("accept", ""))
    if media is None:
        return _error(406, "NOT_ACCEPTABLE", "fragments come as TriG, N-Quads, Turtle or N-Triples")
    query = request.query_params
    params = {name: query.get(name, "") for name in ("subject", "predicate", "object")}
    raw_page = query.get("page", "1")
    if not raw_page.isdigit() or not 1 <= int(raw_page) <= fragments.MAX_PAGE:
        return _error(400, "BAD_USER_INPUT", f"page must be 1 to {fragments.MAX_PAGE}")
    subject = fragments.parse_term(params["subject"], literal_allowed=False)
    predicate = fragments.parse_term(params["predicate"], literal_allowed=False)
    obj = fragments.parse_term(params["object"], literal_allowed=True)
    found = await asyncio.to_thread(
        fragments.select, store.store, subject, predicate, obj, int(raw_page)
    )
    base = request.app.state.settings.base_iri
    data = fragments.data_lines(found)
    metadata = fragments.controls(base, params, found)
    if media in WITH_GRAPHS:
        graph = f"<{fragments.fragment_url(base, params, found.page)}#metadata>"
        if media == "application/trig":
            body = "\n".join([*data, f"{graph} {{", *metadata, "}"])
        else:
            body = "\n".join([*data, *(f"{line[:-1]}{graph} ." for line in metadata)])
    else:
        body = "\n".join([*data, *metadata])
    headers = {"Vary": "Accept", "Cache-Control": "public, max-age=1"}
    return Response(body + "\n", media_type=f"{media}; charset=utf-8", headers=headers)


ROUTES = [Route("/fragments", fragment)]
