"""Who is calling: resolves the principal of every request from its ``Authorization``
header and leaves it in ``scope["state"]["principal"]`` for the routes.

A bad key gets ``401`` (a mistyped key must not silently read as the public); on a
WebSocket it is left in ``scope["state"]["auth_error"]``, and the socket is closed with a
reason once open (``api.websocket``). Rate limits come first, in
:mod:`odx_graph.web.throttle`; what a look-up finds is reported back to it, so a key
found bad is refused again without one. Health checks and metrics need no principal.
"""

from __future__ import annotations

from typing import Any

from starlette.types import ASGIApp
from starlette.types import Receive
from starlette.types import Scope
from starlette.types import Send

from odx_graph.core.access import PUBLIC
from odx_graph.core.access import Principal
from odx_graph.core.errors import ErrorCode
from odx_graph.core.errors import OdxError
from odx_graph.core.errors import UnauthenticatedError
from odx_graph.services.credentials import authenticate
from odx_graph.web.throttle import CallerMiddleware
from odx_graph.web.throttle import Throttle
from odx_graph.web.throttle import header
from odx_graph.web.throttle import refuse


class AuthMiddleware(CallerMiddleware):
    """Resolve the caller (see the module docs)."""

    def __init__(self, app: ASGIApp, *, throttle: Throttle | None = None) -> None:
        super().__init__(app)
        self.throttle = throttle

    async def called(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Look the key up and leave the principal in the state, or refuse a bad key."""
        authorization = header(scope, b"authorization")
        state = scope.setdefault("state", {})
        fingerprint = state.get("key_fingerprint")
        principal: Principal = PUBLIC
        if auth_error_of(scope) is not None:
            # A WebSocket whose key the rate limiter already knows to be bad: no look-up.
            await self.app(scope, receive, send)
            return
        try:
            principal = await authenticate(scope["app"].state.db, authorization)
        except UnauthenticatedError as exc:
            # The upload route accepts its own token too: let it judge.
            if scope["path"] != "/import":
                if self.throttle is not None and fingerprint:
                    self.throttle.note_refused(fingerprint)
                if scope["type"] == "websocket":
                    # Refused once the socket is open, with a close code and reason a
                    # client can read (a refusal before the handshake is a bare 403).
                    state["auth_error"] = exc
                else:
                    await refuse(scope, send, 401, exc.code, exc.message)
                    return
        except OdxError as exc:  # the database is down: not the key's fault
            if scope["type"] == "websocket":
                state["auth_error"] = exc
            else:
                status = 503 if exc.code is ErrorCode.DATABASE_UNAVAILABLE else 400
                await refuse(scope, send, status, exc.code, exc.message, retry_after=5)
                return
        else:
            if self.throttle is not None and fingerprint and principal.is_authenticated:
                self.throttle.note_verified(fingerprint)
        state["principal"] = principal
        await self.app(scope, receive, send)


def auth_error_of(scope: Scope) -> OdxError | None:
    """Why the key of a WebSocket request was refused, if it was."""
    error: Any = scope.get("state", {}).get("auth_error")
    return error if isinstance(error, OdxError) else None


def principal_of(scope: Scope) -> Principal:
    """The principal the middleware resolved for this request (public if none)."""
    principal: Any = scope.get("state", {}).get("principal", PUBLIC)
    return principal if isinstance(principal, Principal) else PUBLIC
