"""The Starlette application: composition of routes, middleware and the lifespan."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import ClientDisconnect
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.responses import PlainTextResponse
from starlette.responses import Response
from starlette.routing import Route
from starlette.routing import WebSocketRoute

from odx_graph.api.compiled.view import CompiledGraphQL
from odx_graph.api.context import Context
from odx_graph.api.context import client_of
from odx_graph.api.context import make_context
from odx_graph.api.endpoint import GraphQLEndpoint
from odx_graph.api.errors import error_body
from odx_graph.api.json_ld import JsonLdGraphQL
from odx_graph.api.limits import MAX_BODY_BYTES
from odx_graph.api.read_routing import read_after_of
from odx_graph.api.schema import build_schema
from odx_graph.api.schema import schema_sdl
from odx_graph.api.websocket import KeyedTransportWSHandler
from odx_graph.core.config import Settings
from odx_graph.core.errors import ErrorCode
from odx_graph.core.errors import OdxError
from odx_graph.core.tasks import running
from odx_graph.core.vocab import migrations_dir
from odx_graph.services.insight.cache import RECORDS_KEPT
from odx_graph.services.insight.cache import InsightCache
from odx_graph.services.linked_data.sparql import ANSWERS_KEPT
from odx_graph.services.linked_data.sparql import SparqlStore
from odx_graph.services.linked_data.sparql import follow
from odx_graph.services.refdata import CODE_LISTS_KEPT
from odx_graph.services.refdata import load_ontology
from odx_graph.services.startup import pool_options
from odx_graph.services.startup import prepare_database
from odx_graph.services.startup import supervised_database
from odx_graph.store.db import Database
from odx_graph.store.live import RepairHub
from odx_graph.store.migrations import migration_status
from odx_graph.store.replicas import ReplicaSet
from odx_graph.web import area
from odx_graph.web import assets
from odx_graph.web import contractor
from odx_graph.web import feed
from odx_graph.web import fragments
from odx_graph.web import jobs
from odx_graph.web import metrics
from odx_graph.web import resident
from odx_graph.web import resources
from odx_graph.web import scorecard
from odx_graph.web import sparql
from odx_graph.web import uploads
from odx_graph.web.auth import AuthMiddleware
from odx_graph.web.auth import auth_error_of
from odx_graph.web.auth import principal_of
from odx_graph.web.graphiql import graphiql_page
from odx_graph.web.middleware import CLIENT_CLOSED
from odx_graph.web.middleware import BodyGateMiddleware
from odx_graph.web.middleware import ConcurrencyLimitMiddleware
from odx_graph.web.middleware import RequestIdMiddleware
from odx_graph.web.pages import render
from odx_graph.web.readers import open_reader
from odx_graph.web.shared_limits import sharing_rate_limits
from odx_graph.web.throttle import KeyGate
from odx_graph.web.throttle import RateLimitMiddleware
from odx_graph.web.throttle import Throttle
from odx_graph.web.throttle import client_key

log = logging.getLogger(__name__)


class GraphQLApp(GraphQLEndpoint):
    """The GraphQL endpoint with our per-request context, and the key accepted in
    graphql-transport-ws ``connection_init``."""

    graphql_transport_ws_handler_class = KeyedTransportWSHandler

    async def render_graphql_ide(self, request: Any) -> Response:
        """GraphiQL from the package's own files (it works offline), with examples."""
        return graphiql_page(request)

    async def get_context(self, request: Any, response: Any) -> Context:
        """Build the caller's context with fresh DataLoaders."""
        state = request.app.state
        request_id = request.scope.get("state", {}).get("request_id", "")
        principal = principal_of(request.scope)
        if getattr(state, "hub", None) is None:
            state.hub = RepairHub(state.db.dsn)
        # Callers without a key read as odx_reader: the database itself withholds the
        # private columns from them, whatever the SQL asks for. Queries move to a read
        # replica once known to be queries (api.read_routing).
        db = state.db if principal.is_authenticated else open_reader(state, primary=True)
        address = client_key(request.scope.get("client"))
        throttle = getattr(state, "throttle", None)
        key_gate = (
            KeyGate(throttle, address)
            if throttle is not None and request.scope["type"] == "websocket"
            else None
        )
        return make_context(
            state.settings,
            db,
            principal,
            request_id,
            state.metrics,
            state.hub,
            root_db=state.db,
            auth_error=auth_error_of(request.scope),
            client=client_of(principal, address),
            key_gate=key_gate,
            insight_cache=getattr(state, "insight_cache", None),
            replicas=getattr(state, "replicas", None),
            read_after=read_after_of(request.headers),
            response=response,
        )


def _landing(request: Request) -> Response:
    return render(request, "home.html", {"base_iri": request.app.state.settings.base_iri})


def _healthz(request: Request) -> JSONResponse:
    supervisor = getattr(request.app.state, "supervisor", None)
    if supervisor is not None and not supervisor.healthy:
        body = error_body(
            "the embedded database stopped and could not be restarted",
            ErrorCode.DATABASE_UNAVAILABLE.value,
        )
        return JSONResponse(body, status_code=503)
    return JSONResponse({"status": "ok"})


async def _readyz(request: Request) -> JSONResponse:
    db = request.app.state.db
    if not await db.ping():
        return JSONResponse(
            error_body(
                "the database is unavailable", ErrorCode.DATABASE_UNAVAILABLE.value, retryable=True
            ),
            status_code=503,
            headers={"Retry-After": "5"},
        )
    try:
        async with db.connection() as conn:
            status = await migration_status(conn, migrations_dir())
    except OdxError as exc:
        return JSONResponse(error_body(exc.message, exc.code.value), status_code=503)
    if status.pending:
        names = ", ".join(f"{m.version:04d}_{m.name}" for m in status.pending)
        return JSONResponse(
            error_body(f"migrations pending: {names}", "MIGRATIONS_PENDING"), status_code=503
        )
    return JSONResponse({"status": "ready", "database": "ok", "migrations": len(status.applied)})


def _metrics(request: Request) -> Response:
    return Response(request.app.state.metrics.render(), media_type=metrics.CONTENT_TYPE)


def _schema(request: Request) -> PlainTextResponse:
    return PlainTextResponse(schema_sdl(), media_type="application/graphql; charset=utf-8")


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    code = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}.get(exc.status_code, "HTTP_ERROR")
    return JSONResponse(
        error_body(exc.detail, code), status_code=exc.status_code, headers=exc.headers
    )


async def _expected_error(request: Request, exc: Exception) -> Response:
    """An expected failure outside GraphQL (a Linked Data page, a dump): its own status."""
    assert isinstance(exc, OdxError)
    retryable = exc.code in (ErrorCode.DATABASE_UNAVAILABLE, ErrorCode.QUERY_TIMEOUT)
    status = 503 if retryable else 404 if exc.code is ErrorCode.NOT_FOUND else 400
    headers = {"Retry-After": "5"} if retryable else None
    body = error_body(exc.message, exc.code.value, **({"retryable": True} if retryable else {}))
    return JSONResponse(body, status_code=status, headers=headers)


async def _client_gone(request: Request, exc: Exception) -> Response:
    """The client hung up while its request was read: nobody to answer, nothing wrong."""
    return Response(status_code=CLIENT_CLOSED)


async def _server_error(request: Request, exc: Exception) -> Response:
    request_id = request.scope.get("state", {}).get("request_id", "")
    log.error("unhandled error", exc_info=exc, extra={"request_id": request_id})
    return JSONResponse(
        error_body("Internal server error", ErrorCode.INTERNAL_ERROR.value, requestId=request_id),
        status_code=500,
    )


@asynccontextmanager
async def following_changes(app: Starlette) -> AsyncIterator[None]:
    """The SPARQL store for the app's life, with the task that publishes noted changes
    and keeps the store in step with the change log."""
    state = app.state
    kept = ANSWERS_KEPT if state.settings.insight_cache_entries else 0
    answers = InsightCache(kept)
    store = state.sparql = SparqlStore(state.settings, lambda: open_reader(state), answers)
    interval = state.settings.change_publish_interval_ms / 1000
    try:
        async with running(follow(state.db, open_reader(state, primary=True), store, interval)):
            yield
    finally:
        state.sparql = None
        await store.stop_workers()
        store.close()
        if (files := getattr(state, "dump_files", None)) is not None:
            state.dump_files = None
            files.close()  # the dumps kept for range requests


@asynccontextmanager
async def reading_replicas(app: Starlette) -> AsyncIterator[None]:
    """The read replicas of ``ODX_READ_DATABASE_URLS`` for the app's life, with the task
    that checks them and keeps the rotation (none configured: every read on the primary)."""
    state, settings = app.state, app.state.settings
    urls = settings.read_database_url_list
    if not urls:
        yield
        return
    replicas = await ReplicaSet.open(
        state.db,
        urls,
        max_lag_ms=settings.replica_max_lag_ms,
        wait_ms=settings.replica_wait_ms,
        pool=pool_options(settings),
    )
    state.replicas = replicas
    try:
        async with running(replicas.watch(settings.replica_check_interval_ms / 1000)):
            yield
    finally:
        state.replicas = None
        await replicas.close()


def _freeze_startup_objects() -> None:
    """Leave what the server made to start (the ontology, the schema, the modules: over a
    hundred thousand objects) out of the garbage collector's full collections, which would
    otherwise walk them all every few hundred requests and hold every request waiting for
    a tenth of a second."""
    gc.collect()
    gc.freeze()


def _make_caches(state: Any, settings: Settings) -> None:
    """The app's caches, kept per data version: insight answers, code lists, and the
    records of the pages for people."""
    state.insight_cache = InsightCache(settings.insight_cache_entries)
    state.code_cache = InsightCache(CODE_LISTS_KEPT)
    state.record_cache = InsightCache(RECORDS_KEPT)


def create_app(settings: Settings, database: Database | None = None) -> Starlette:
    """The ASGI app. With ``database`` given (tests) it is used as is; otherwise the
    lifespan opens the configured or embedded database and prepares it."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        app.state.settings = settings
        _make_caches(app.state, settings)
        if database is not None:
            app.state.db = database
            async with (
                reading_replicas(app),
                sharing_rate_limits(app.state),
                following_changes(app),
            ):
                yield
            return
        app.state.ontology = load_ontology()
        async with supervised_database(
            settings, on_restart=app.state.metrics.embedded_restarts.inc
        ) as (db, supervisor):
            app.state.supervisor = supervisor
            await prepare_database(db, settings, ontology=app.state.ontology)
            app.state.db = db
            app.state.hub = RepairHub(db.dsn)
            log.info("odx-graph ready", extra={"base_iri": settings.base_iri})
            _freeze_startup_objects()
            try:
                async with (
                    reading_replicas(app),
                    sharing_rate_limits(app.state),
                    following_changes(app),
                ):
                    yield
            finally:
                await app.state.hub.close()  # ends subscriptions with a complete message

    graphql = GraphQLApp(build_schema(), graphql_ide="graphiql")
    # Read queries made only of mapped fields run as one SQL statement building the JSON;
    # everything else (and any error) goes through the resolvers.
    endpoint = CompiledGraphQL(graphql) if settings.compiled_queries else graphql
    routes = [
        Route("/", _landing),
        # Asked for as application/ld+json, a response comes as the dump's statements.
        Route("/graphql", JsonLdGraphQL(endpoint), methods=["GET", "POST"]),
        WebSocketRoute("/graphql", graphql),
        Route("/schema.graphql", _schema),
        Route("/healthz", _healthz),
        Route("/readyz", _readyz),
        Route("/metrics", _metrics),
        *assets.ROUTES,
        *scorecard.ROUTES,
        *jobs.ROUTES,
        *resident.ROUTES,
        *contractor.ROUTES,
        *area.ROUTES,
        *resources.ROUTES,
        *feed.ROUTES,
        *sparql.ROUTES,
        *fragments.ROUTES,
        *uploads.ROUTES,
    ]
    throttle = Throttle(
        settings.rate_limit_per_minute, settings.rate_limit_burst, settings.key_lookups_per_minute
    )
    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        # Outermost first. Rate limits before anything that costs (a body read, a request
        # slot, a key look-up); the whole body before a slot is taken.
        middleware=[
            Middleware(RequestIdMiddleware),
            Middleware(RateLimitMiddleware, throttle=throttle),
            Middleware(BodyGateMiddleware, max_bytes=MAX_BODY_BYTES),
            Middleware(
                ConcurrencyLimitMiddleware,
                max_concurrent=settings.max_concurrent_requests,
                max_queued=settings.max_queued_requests,
                queue_timeout=settings.queue_timeout_ms / 1000,
                reserved_for_keys=settings.requests_reserved_for_keys,
            ),
            Middleware(AuthMiddleware, throttle=throttle),
        ],
        exception_handlers={
            HTTPException: _http_error,
            OdxError: _expected_error,
            ClientDisconnect: _client_gone,
            500: _server_error,
        },
    )
    app.state.throttle = throttle
    app.state.settings = settings
    # Each dump holds a connection for its whole download: at most a quarter of the pool.
    app.state.dump_slots = asyncio.Semaphore(max(1, settings.pool_max_size // 4))
    app.state.metrics = metrics.Metrics(
        lambda: app.state.db.pool_sizes() if hasattr(app.state, "db") else None,
        lambda: hub.subscriber_count if (hub := getattr(app.state, "hub", None)) else 0,
        lambda: limits.cut if (limits := getattr(app.state, "connection_limits", None)) else {},
        lambda: replicas.states() if (replicas := getattr(app.state, "replicas", None)) else [],
    )
    throttle.on_refused = app.state.metrics.refused
    if database is not None:
        # Given a database, the app may be driven without its lifespan (tests): the
        # resources the lifespan makes are made here too.
        app.state.db = database
        app.state.ontology = load_ontology()
        _make_caches(app.state, settings)
    return app
