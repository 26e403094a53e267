"""Who is calling: resolves the principal of every request from its ``Authorization``
header and leaves it in ``scope["state"]["principal"]`` for the routes.

A bad key gets ``401`` (a mistyped key must not silently read as the public). Rate
limits come first, in :mod:`odx_graph.throttle`; what a look-up finds is reported back
to it, so a key found bad is refused again without one. Health checks and metrics need
no principal.
"""

from __future__ import annotations

from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from odx_graph.access import PUBLIC, Principal
from odx_graph.credentials import authenticate
from odx_graph.errors import ErrorCode, OdxError, UnauthenticatedError
from odx_graph.throttle import EXEMPT, Throttle, header, refuse


class AuthMiddleware:
    """Resolve the caller (see the module docs)."""

    def __init__(self, app: ASGIApp, *, throttle: Throttle | None = None) -> None:
        self.app = app
        self.throttle = throttle

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI call."""
        if scope["type"] not in ("http", "websocket") or scope["path"] in EXEMPT:
            await self.app(scope, receive, send)
            return
        authorization = header(scope, b"authorization")
        state = scope.setdefault("state", {})
        fingerprint = state.get("key_fingerprint")
        principal: Principal = PUBLIC
        try:
            principal = await authenticate(scope["app"].state.db, authorization)
        except UnauthenticatedError as exc:
            # The upload route accepts its own token too: let it judge.
            if scope["path"] != "/import":
                if self.throttle is not None and fingerprint:
                    self.throttle.note_refused(fingerprint)
                await refuse(scope, send, 401, exc.code, exc.message)
                return
        except OdxError as exc:  # the database is down: not the key's fault
            status = 503 if exc.code is ErrorCode.DATABASE_UNAVAILABLE else 400
            await refuse(scope, send, status, exc.code, exc.message, retry_after=5)
            return
        else:
            if self.throttle is not None and fingerprint and principal.is_authenticated:
                self.throttle.note_verified(fingerprint)
        state["principal"] = principal
        await self.app(scope, receive, send)


def principal_of(scope: Scope) -> Principal:
    """The principal the middleware resolved for this request (public if none)."""
    principal: Any = scope.get("state", {}).get("principal", PUBLIC)
    return principal if isinstance(principal, Principal) else PUBLIC
