"""The ASGI wrapper that answers compilable GraphQL queries with one SQL statement and
hands every other request, untouched, to the strawberry view (the resolver path)."""

from __future__ import annotations

import json
import logging
import time
from typing import Any
from typing import Protocol

from graphql import GraphQLSchema
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive
from starlette.types import Scope
from starlette.types import Send

from odx_graph.api.compiled.jsontext import ascii_json
from odx_graph.api.compiled.planner import Operation
from odx_graph.api.compiled.planner import Planner
from odx_graph.api.compiled.planner import Statement
from odx_graph.api.context import Context
from odx_graph.api.json_ld import JsonLdGraphQL
from odx_graph.api.json_ld import replayed
from odx_graph.api.limits import MAX_BODY_BYTES
from odx_graph.api.observe import operation_label
from odx_graph.core.errors import OdxError
from odx_graph.core.logs import note_request
from odx_graph.store.reads import check_codes

log = logging.getLogger(__name__)
SETTING = "compiled_queries"  # the Settings field that turns the compiled path off


class GraphQLView(Protocol):
    """What the wrapper needs of the strawberry view (``web.app.GraphQLApp``)."""

    schema: Any  # the strawberry schema

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one ASGI call."""

    async def get_context(self, request: Any, response: Any) -> Context:
        """The caller's context."""


def compiled_path_enabled(settings: Any) -> bool:
    """The ``ODX_COMPILED_QUERIES`` setting, on unless the settings say otherwise."""
    return bool(getattr(settings, SETTING, True))


async def _read_body(receive: Receive) -> bytes | None:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def _request_parts(body: bytes) -> Operation | None:
    """``(query, operationName, variables)`` of a plain JSON request, else ``None``."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, dict):
        return None
    query, name, variables = data.get("query"), data.get("operationName"), data.get("variables")
    if variables is None:
        variables = {}
    if (
        not isinstance(query, str)
        or not isinstance(variables, dict)
        or not (name is None or isinstance(name, str))
        or data.get("extensions")
    ):
        return None
    return Operation(query, name, variables)


class CompiledGraphQL:
    """Serves ``POST`` JSON queries the planner can compile; passes the rest to ``view``.

    The statement's text is the response body, so a compiled request does no Python work
    per field. When the statement fails for any reason (a value PostgreSQL refuses, a rare
    number the SQL cannot format as Python does), the request is served by ``view``, so
    errors always have the resolver path's shape.
    """

    def __init__(
        self, view: GraphQLView, schema: GraphQLSchema | None = None, cache_size: int = 256
    ) -> None:
        self.view = view
        self.planner = Planner(schema or view.schema._schema, cache_size)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI call."""
        if scope["type"] != "http" or scope["method"] != "POST" or not self._enabled(scope):
            await self.view(scope, receive, send)
            return
        content_type = dict(scope["headers"]).get(b"content-type", b"")
        if content_type.split(b";")[0].strip().lower() != b"application/json":
            await self.view(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if not declared.isdigit() or int(declared) > MAX_BODY_BYTES:
            # Unsized or oversized bodies: the view reads them within its bound.
            await self.view(scope, receive, send)
            return
        body = await _read_body(receive)
        if body is None:
            return  # the client went away
        response = await self.try_compiled(Request(scope, replayed(body, receive)), body)
        if response is None:
            await self.view(scope, replayed(body, receive), send)
        else:
            await response(scope, receive, send)

    def _enabled(self, scope: Scope) -> bool:
        app = scope.get("app")
        settings = getattr(getattr(app, "state", None), "settings", None)
        return compiled_path_enabled(settings)

    async def try_compiled(self, request: Request, body: bytes) -> Response | None:
        """The response of the compiled path, or ``None`` to use the resolver path."""
        started = time.perf_counter()
        parts = _request_parts(body)
        if parts is None:
            return None
        context = await self.view.get_context(request, None)
        statement = self.planner.statement(parts, context)
        if statement is None:
            return None
        await context.route_reads()  # compiled statements only read
        try:
            await check_codes(context.db, statement.code_checks)
        except OdxError:
            return None  # the resolver path reports it
        try:
            text = await context.db.fetchval(statement.sql, *statement.args)
        except Exception:
            log.debug("compiled statement failed; serving by resolvers", exc_info=True)
            return None
        if not isinstance(text, str):
            return None
        self._observe(statement, context, started)
        return Response(ascii_json(text), media_type="application/json")

    def _observe(self, statement: Statement, context: Context, started: float) -> None:
        """What ``api.observe.OperationMetricsExtension`` records for the resolver path."""
        name = operation_label(statement.operation_name)
        note_request(operation=name, operation_type="query")
        metrics = context.metrics
        if metrics is not None:
            metrics.operated(name, "query", time.perf_counter() - started)


def install(app: Any, path: str = "/graphql") -> CompiledGraphQL:
    """Wrap the strawberry view routed at ``path`` of a Starlette ``app`` (tests, bench)."""
    for route in app.router.routes:
        if getattr(route, "path", None) == path and hasattr(route, "methods"):
            # The JSON-LD wrapper (``api.json_ld``) stays outermost.
            holder = route.app if isinstance(route.app, JsonLdGraphQL) else route
            if isinstance(holder.app, CompiledGraphQL):
                return holder.app  # the app was built with the compiled path already
            wrapper = CompiledGraphQL(holder.app)
            holder.app = wrapper
            return wrapper
    raise LookupError(path)
