"""The SPARQL 1.1 Protocol at ``/sparql`` (queries only, over the open graph), and a
query form for people (plain HTML, no script)."""

from __future__ import annotations

from html import escape
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.responses import JSONResponse
from starlette.responses import Response
from starlette.routing import Route

from odx_graph.api.errors import error_body
from odx_graph.services.linked_data import html_pages
from odx_graph.services.linked_data.sparql import FORMAT_NAMES
from odx_graph.services.linked_data.sparql import GRAPH_FORMATS
from odx_graph.services.linked_data.sparql import SOLUTION_FORMATS
from odx_graph.services.linked_data.sparql import Answer
from odx_graph.services.linked_data.sparql import AnswerKind
from odx_graph.services.linked_data.sparql import SparqlStore
from odx_graph.services.linked_data.sparql import serialise

QUERY_TYPE = "application/sparql-query"
FORM_TYPE = "application/x-www-form-urlencoded"
HTML = "text/html"
# The form and result pages run no script at all, and post only to this server.
CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
EXAMPLE = """PREFIX odx: <https://w3id.org/odx/def#>
SELECT ?district (COUNT(?home) AS ?homes) WHERE {
  ?home a odx:Home ; odx:postcodeDistrict ?district .
} GROUP BY ?district ORDER BY DESC(?homes) LIMIT 10"""


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse(error_body(message, code), status_code=status, headers={"Vary": "Accept"})


def _accepted(accept: str) -> list[str]:
    """Media types of an ``Accept`` header, most wanted first."""
    ranked = []
    for index, part in enumerate(accept.split(",")):
        media, *params = (p.strip() for p in part.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if media and quality > 0:
            ranked.append((-quality, index, media.lower()))
    return [media for _, _, media in sorted(ranked)]


def choose(request: Request, kind: AnswerKind) -> str | None:
    """The media type to answer in (``?format=`` first, then ``Accept``), or ``None``."""
    offered: list[str] = [*(GRAPH_FORMATS if kind is AnswerKind.GRAPH else SOLUTION_FORMATS), HTML]
    named = request.query_params.get("format")
    if named is not None:
        media = FORMAT_NAMES.get(named, "")
        return media if media in offered else None
    accept = request.headers.get("accept", "")
    if not accept.strip():
        return offered[0]
    for media in _accepted(accept):
        if media in offered:
            return media
        if media in ("*/*", "application/*"):
            return offered[0]
    return None


async def _read_query(request: Request) -> tuple[str | None, dict[str, list[str]]] | Response:
    """The query text and the protocol's parameters, from the URL and the body."""
    params = {k: request.query_params.getlist(k) for k in request.query_params}
    if request.method == "POST":
        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        body = (await request.body()).decode("utf-8", errors="replace")
        if media == QUERY_TYPE:
            params["query"] = [body]
        elif media == FORM_TYPE:
            for name, values in parse_qs(body, keep_blank_values=True).items():
                params.setdefault(name, []).extend(values)
        else:
            return _error(
                415,
                "UNSUPPORTED_MEDIA_TYPE",
                f"POST a query as {QUERY_TYPE} or as a {FORM_TYPE} form",
            )
    if "update" in params:
        return _error(400, "BAD_USER_INPUT", "this endpoint answers queries only; no updates")
    queries = params.get("query", [])
    if len(queries) > 1:
        return _error(400, "BAD_USER_INPUT", "give exactly one query")
    return (queries[0] if queries else None), params


async def sparql_endpoint(request: Request) -> Response:
    """``GET``/``POST /sparql``: a SPARQL 1.1 query over the open graph."""
    read = await _read_query(request)
    if isinstance(read, Response):
        return read
    text, params = read
    if text is None:
        if HTML in request.headers.get("accept", ""):
            return _html(_form(EXAMPLE))
        return _error(400, "BAD_USER_INPUT", "no query: send one in the query parameter")
    store: SparqlStore | None = getattr(request.app.state, "sparql", None)
    default_graphs = params.get("default-graph-uri", [])
    named_graphs = params.get("named-graph-uri", [])
    if store is None or not await store.can_answer(text, default_graphs, named_graphs):
        response = _error(503, "SERVER_BUSY", "the SPARQL store is being built; retry shortly")
        response.headers["Retry-After"] = "5"
        return response
    answer = await store.query(text, default_graphs, named_graphs)
    media = choose(request, answer.kind)
    if media is None:
        return _error(
            406, "NOT_ACCEPTABLE", "none of the accepted types is offered for this answer"
        )
    headers = {"Vary": "Accept", "Cache-Control": "no-store"}
    if answer.truncated:
        headers["ODX-Results-Truncated"] = "true"
    if media == HTML:
        page = _html(_form(text) + _table(answer))
        page.headers.update(headers)
        return page
    charset = "" if media.endswith("json") else "; charset=utf-8"
    return Response(serialise(answer, media), media_type=media + charset, headers=headers)


def _html(body: str) -> HTMLResponse:
    document = html_pages.page("SPARQL: odx-graph", body)
    return HTMLResponse(document, headers={"Content-Security-Policy": CSP})


def _form(query: str) -> str:
    return (
        "<h1>SPARQL</h1><p>Ask the open graph anything in "
        '<a href="https://www.w3.org/TR/sparql11-query/">SPARQL 1.1</a>. Programs send the '
        "same query to <code>/sparql</code> (GET or POST) and choose the results' format "
        "with <code>Accept</code>.</p>"
        '<form method="get" action="/sparql">'
        '<p><label for="query">Query</label></p>'
        f'<textarea id="query" name="query" rows="12" cols="80" spellcheck="false">'
        f"{escape(query)}</textarea>"
        '<p><button type="submit">Run</button></p></form>'
    )


def _cell(term: object) -> str:
    if term is None:
        return ""
    value = getattr(term, "value", "")
    if type(term).__name__ == "NamedNode":
        return f'<a href="{escape(value)}">{escape(value)}</a>'
    return escape(str(value))


def _table(answer: Answer) -> str:
    if answer.kind is AnswerKind.BOOLEAN:
        return f"<p>Answer: <strong>{'yes' if answer.boolean else 'no'}</strong></p>"
    if answer.kind is AnswerKind.GRAPH:
        heads = ["subject", "predicate", "object"]
        rows = [[t.subject, t.predicate, t.object] for t in answer.rows]
    else:
        heads, rows = answer.variables, answer.rows
    note = '<p class="muted">Cut at the result cap.</p>' if answer.truncated else ""
    head = "".join(f"<th>{escape(h)}</th>" for h in heads)
    body = "".join("<tr>" + "".join(f"<td>{_cell(v)}</td>" for v in row) + "</tr>" for row in rows)
    return f"<p>{len(rows)} results</p>{note}<table><tr>{head}</tr>{body}</table>"


ROUTES = [Route("/sparql", sparql_endpoint, methods=["GET", "POST"])]
