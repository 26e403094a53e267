"""ASGI middleware: request ids, access logs and metrics; bodies read before a request
slot is taken; bounded concurrency with load shedding and slots kept for keys."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
import uuid
from typing import Any

from starlette.types import ASGIApp
from starlette.types import Message
from starlette.types import Receive
from starlette.types import Scope
from starlette.types import Send

from odx_graph.api.json_ld import replayed
from odx_graph.core.logs import request_id_var
from odx_graph.core.logs import request_info_var

log = logging.getLogger("odx_graph.access")
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
# Health and metrics stay answerable when the server is saturated; uploads have a lane of
# their own (``uploads.ImportLane``).
EXEMPT = frozenset({"/healthz", "/readyz", "/metrics", "/import"})
STREAMED = frozenset({"/import"})  # routes that read (and bound) their bodies themselves
_ROUTES = frozenset(
    {
        "/",
        "/graphql",
        "/schema.graphql",
        "/healthz",
        "/readyz",
        "/metrics",
        "/ontology",
        "/shapes",
        "/context.jsonld",
        "/.well-known/void",
    }
)


_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
CLIENT_CLOSED = 499  # the client went away before its answer (nginx's code for it)


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
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        started = time.perf_counter()
        status: int | None = None
        gone = False

        async def receive_noting_disconnect() -> Message:
            nonlocal gone
            message = await receive()
            if message["type"] == "http.disconnect":
                gone = True
            return message

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive_noting_disconnect, send_with_id)
        finally:
            # A client that went away before its answer is not a server error: 499, as
            # nginx logs it; a connection the server cut (a body too slow) is its 408.
            cut = state.get("connection_cut")
            if cut is not None and status in (None, 500):
                status = int(cut)
            elif gone and status in (None, 500):
                status = CLIENT_CLOSED
            elif status is None:
                status = 500
            elapsed = time.perf_counter() - started
            route = route_label(scope["path"])
            metrics = _metrics(scope)
            if metrics is not None:
                method = scope["method"] if scope["method"] in _METHODS else "other"
                metrics.served(route, method, status, elapsed)
                if status >= 400 and status != CLIENT_CLOSED:
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


class BodyGateMiddleware:
    """Reads each request's whole body before the layers inside see the request, so no
    request slot is held while a client sends its body slowly (how slowly it may is the
    connection's business: ``connections.py``). A body over ``max_bytes`` gets ``413``
    at once when declared, or as soon as it grows past the limit. Routes in
    :data:`STREAMED` read their bodies themselves."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI call."""
        if scope["type"] != "http" or scope["path"] in STREAMED:
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await self._too_large(send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return  # the client went away (or its connection was cut): nobody to answer
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._too_large(send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        await self.app(scope, replayed(b"".join(chunks), receive), send)

    async def _too_large(self, send: Send) -> None:
        await send_error(
            send,
            413,
            "PAYLOAD_TOO_LARGE",
            f"the request body is larger than {self.max_bytes:,} bytes",
            [(b"connection", b"close")],
        )


class ConcurrencyLimitMiddleware:
    """Serves at most ``max_concurrent`` requests at once; up to ``max_queued`` more wait
    at most ``queue_timeout`` seconds for a slot. Anything beyond is refused at once with
    ``503`` and ``Retry-After``, so overload costs neither memory nor unbounded latency.

    ``reserved_for_keys`` of the slots (a quarter at most) are kept for callers whose API
    key has been seen to work (``scope["state"]["key_verified"]``, set by the rate
    limiter), so a flood of anonymous requests, or of keys that do not work, cannot take
    every slot from them."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_concurrent: int,
        max_queued: int,
        queue_timeout: float,
        reserved_for_keys: int = 0,
    ) -> None:
        self.app = app
        reserved = min(max(reserved_for_keys, 0), max_concurrent // 4)  # a quarter at most
        self.slots = asyncio.Semaphore(max_concurrent - reserved)
        self.keyed = asyncio.Semaphore(reserved) if reserved else None
        self.max_queued = max_queued
        self.queue_timeout = queue_timeout
        self.waiting = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI call."""
        if scope["type"] != "http" or scope["path"] in EXEMPT:
            await self.app(scope, receive, send)
            return
        metrics = _metrics(scope)
        lanes = [self.slots]
        if self.keyed is not None and scope.get("state", {}).get("key_verified"):
            lanes.append(self.keyed)
        lane = next((lane for lane in lanes if not lane.locked()), None)
        if lane is not None:
            await lane.acquire()
        else:
            if self.waiting >= self.max_queued:
                await self._shed(scope, send, "queue_full")
                return
            self.waiting += 1
            if metrics is not None:
                metrics.queued.inc()
            try:
                lane = await self._acquire_within(lanes, self.queue_timeout)
            finally:
                self.waiting -= 1
                if metrics is not None:
                    metrics.queued.dec()
            if lane is None:
                await self._shed(scope, send, "queue_timeout")
                return
        if metrics is not None:
            metrics.in_flight.inc()
        try:
            await self.app(scope, receive, send)
        finally:
            lane.release()
            if metrics is not None:
                metrics.in_flight.dec()

    async def _acquire_within(
        self, lanes: list[asyncio.Semaphore], seconds: float
    ) -> asyncio.Semaphore | None:
        """Take a slot of any of ``lanes``, waiting at most ``seconds``. Never leaks one:
        not when time runs out, not when two free at once, and not when the waiting
        request itself is cancelled (client gone)."""
        waiters = {asyncio.ensure_future(lane.acquire()): lane for lane in lanes}
        try:
            done, _ = await asyncio.wait(
                waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED
            )
        except asyncio.CancelledError:
            for waiter, lane in waiters.items():
                self._abandon(waiter, lane)
            raise
        won: asyncio.Semaphore | None = None
        for waiter, lane in waiters.items():
            if won is None and waiter in done:
                won = lane
            else:
                self._abandon(waiter, lane)
        return won

    @staticmethod
    def _abandon(waiter: asyncio.Future[Any], lane: asyncio.Semaphore) -> None:
        if not waiter.cancel():  # it acquired just as we gave up: give the slot back
            lane.release()

    async def _shed(self, scope: Scope, send: Send, reason: str) -> None:
        metrics = _metrics(scope)
        if metrics is not None:
            metrics.shed.labels(reason).inc()
        await send_error(
            send,
            503,
            "SERVER_BUSY",
            "the server is busy; retry shortly",
            [(b"retry-after", b"1")],
            retryable=True,
        )


async def send_error(
    send: Send,
    status: int,
    code: str,
    message: str,
    headers: list[tuple[bytes, bytes]] | None = None,
    **extensions: Any,
) -> None:
    """Answer with the one error shape, straight onto the ASGI ``send``."""
    error = {"message": message, "extensions": {"code": code, **extensions}}
    body = json.dumps({"errors": [error]}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
