"""ASGI middleware: request ids, access logs and metrics; bounded concurrency with load
shedding."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from odx_graph.core.logs import request_id_var, request_info_var

log = logging.getLogger("odx_graph.access")
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
# Health and metrics stay answerable when the server is saturated.
EXEMPT = frozenset({"/healthz", "/readyz", "/metrics"})
_ROUTES = frozenset(
    {
        "/",
        "/graphql",
        "/schema.graphql",
        "/healthz",
        "/readyz",
        "/metrics",
        "/ontology",
        "/context.jsonld",
        "/.well-known/void",
    }
)


_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def route_label(path: str) -> str:
    """A bounded label for metrics: the route template, never the raw path."""
    if path in _ROUTES:
        return path
    if path.startswith("/id/"):
        return "/id/{segment}/{key}"
    if path.startswith("/dump."):
        return "/dump.{format}"
    return "other"


def _metrics(scope: Scope) -> Any:
    app = scope.get("app")
    return getattr(getattr(app, "state", None), "metrics", None)


class RequestIdMiddleware:
    """Gives every request an id (a safe ``X-Request-ID`` is kept), echoes it, writes one
    access-log line with the GraphQL operation when there is one, and records metrics."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI call."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = given if _SAFE_ID.fullmatch(given) else uuid.uuid4().hex
        id_token = request_id_var.set(request_id)
        info: dict[str, str] = {}
        info_token = request_info_var.set(info)
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            route = route_label(scope["path"])
            metrics = _metrics(scope)
            if metrics is not None:
                method = scope["method"] if scope["method"] in _METHODS else "other"
                metrics.http_requests.labels(route, method, str(status)).inc()
                metrics.http_latency.labels(route).observe(elapsed)
                if status >= 400:
                    metrics.errors.labels(f"HTTP_{status}").inc()
            log.info(
                "%s %s %s",
                scope["method"],
                scope["path"],
                status,
                extra={
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status,
                    "duration_ms": round(elapsed * 1000, 2),
                    **info,
                },
            )
            request_info_var.reset(info_token)
            request_id_var.reset(id_token)


class ConcurrencyLimitMiddleware:
    """Serves at most ``max_concurrent`` requests at once; up to ``max_queued`` more wait
    at most ``queue_timeout`` seconds for a slot. Anything beyond is refused at once with
    ``503`` and ``Retry-After``, so overload costs neither memory nor unbounded latency."""

    def __init__(
        self, app: ASGIApp, *, max_concurrent: int, max_queued: int, queue_timeout: float
    ) -> None:
        self.app = app
        self.slots = asyncio.Semaphore(max_concurrent)
        self.max_queued = max_queued
        self.queue_timeout = queue_timeout
        self.waiting = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI call."""
        if scope["type"] != "http" or scope["path"] in EXEMPT:
            await self.app(scope, receive, send)
            return
        metrics = _metrics(scope)
        if self.slots.locked():
            if self.waiting >= self.max_queued:
                await self._shed(scope, send, "queue_full")
                return
            self.waiting += 1
            if metrics is not None:
                metrics.queued.inc()
            try:
                acquired = await self._acquire_within(self.queue_timeout)
            finally:
                self.waiting -= 1
                if metrics is not None:
                    metrics.queued.dec()
            if not acquired:
                await self._shed(scope, send, "queue_timeout")
                return
        else:
            await self.slots.acquire()
        if metrics is not None:
            metrics.in_flight.inc()
        try:
            await self.app(scope, receive, send)
        finally:
            self.slots.release()
            if metrics is not None:
                metrics.in_flight.dec()

    async def _acquire_within(self, seconds: float) -> bool:
        """Take a slot, waiting at most ``seconds``. Never leaks one: not when time runs
        out, and not when the waiting request itself is cancelled (client gone)."""
        waiter = asyncio.ensure_future(self.slots.acquire())
        try:
            done, _ = await asyncio.wait({waiter}, timeout=seconds)
        except asyncio.CancelledError:
            self._abandon(waiter)
            raise
        if done:
            return True
        self._abandon(waiter)
        return False

    def _abandon(self, waiter: asyncio.Future[Any]) -> None:
        if not waiter.cancel():  # it acquired just as we gave up: give the slot back
            self.slots.release()

    async def _shed(self, scope: Scope, send: Send, reason: str) -> None:
        metrics = _metrics(scope)
        if metrics is not None:
            metrics.shed.labels(reason).inc()
        body = json.dumps(
            {
                "errors": [
                    {
                        "message": "the server is busy; retry shortly",
                        "extensions": {"code": "SERVER_BUSY", "retryable": True},
                    }
                ]
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 503,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"retry-after", b"1"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
