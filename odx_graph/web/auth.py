"""Who is calling, and how often: resolves the principal of every request from its
``Authorization`` header, and limits each key (or, for the public, each client address)
to a number of requests a minute.

The principal is left in ``scope["state"]["principal"]`` for the routes. A bad key gets
``401`` (a mistyped key must not silently read as the public); on a WebSocket it is left
in ``scope["state"]["auth_error"]``, and the socket is closed with a reason once open
(``api.websocket``). Too many requests get ``429`` with ``Retry-After``. Health checks and
metrics are exempt from both.
"""

from __future__ import annotations

import json
import math
import time
from collections import OrderedDict
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from odx_graph.core.access import PUBLIC, Principal
from odx_graph.core.errors import ErrorCode, OdxError
from odx_graph.services.credentials import authenticate

EXEMPT = ("/healthz", "/readyz", "/metrics")
_MAX_BUCKETS = 100_000  # bounded memory however many addresses call


class RateLimiter:
    """Token buckets: ``per_minute`` requests a minute, in bursts of up to as many."""

    def __init__(self, per_minute: int) -> None:
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def take(self, who: str, now: float | None = None) -> float:
        """Spend one token of ``who``'s bucket: 0 when allowed, else seconds to wait."""
        if self.capacity <= 0:
            return 0.0
        now = time.monotonic() if now is None else now
        tokens, then = self._buckets.pop(who, (self.capacity, now))
        tokens = min(self.capacity, tokens + (now - then) * self.rate)
        if tokens >= 1:
            self._buckets[who] = (tokens - 1, now)
            wait = 0.0
        else:
            self._buckets[who] = (tokens, now)
            wait = (1 - tokens) / self.rate
        while len(self._buckets) > _MAX_BUCKETS:
            self._buckets.popitem(last=False)
        return wait


class AuthMiddleware:
    """Resolve the caller and apply the rate limit (see the module docs)."""

    def __init__(self, app: ASGIApp, *, per_minute: int) -> None:
        self.app = app
        self.limiter = RateLimiter(per_minute)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or scope["path"] in EXEMPT:
            await self.app(scope, receive, send)
            return
        header = _header(scope, b"authorization")
        principal: Principal = PUBLIC
        try:
            principal = await authenticate(scope["app"].state.db, header)
        except OdxError as exc:
            if scope["type"] == "websocket":
                # Refused once the socket is open, with a close code and reason a client
                # can read (a refusal before the handshake is a bare 403).
                scope.setdefault("state", {})["auth_error"] = exc
            elif scope["path"] != "/import":  # the upload route judges its own token
                await _refuse(scope, send, 401, exc.code.value, exc.message)
                return
        who = f"key:{principal.api_key_id}" if principal.is_authenticated else _client(scope)
        wait = self.limiter.take(who)
        if wait > 0:
            await _refuse(
                scope,
                send,
                429,
                ErrorCode.RATE_LIMITED.value,
                "too many requests; slow down",
                retry_after=math.ceil(wait),
            )
            return
        scope.setdefault("state", {})["principal"] = principal
        await self.app(scope, receive, send)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return bytes(value).decode("latin-1")
    return None


def _client(scope: Scope) -> str:
    client = scope.get("client")
    return f"ip:{client[0]}" if client else "ip:unknown"


def auth_error_of(scope: Scope) -> OdxError | None:
    """Why the key of a WebSocket request was refused, if it was."""
    error: Any = scope.get("state", {}).get("auth_error")
    return error if isinstance(error, OdxError) else None


def principal_of(scope: Scope) -> Principal:
    """The principal the middleware resolved for this request (public if none)."""
    principal: Any = scope.get("state", {}).get("principal", PUBLIC)
    return principal if isinstance(principal, Principal) else PUBLIC


async def _refuse(
    scope: Scope, send: Send, status: int, code: str, message: str, retry_after: int = 0
) -> None:
    if scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": 4401 if status == 401 else 4429})
        return
    body = json.dumps({"errors": [{"message": message, "extensions": {"code": code}}]}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if status == 401:
        headers.append((b"www-authenticate", b'Bearer realm="odx-graph"'))
    if retry_after:
        headers.append((b"retry-after", str(retry_after).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
