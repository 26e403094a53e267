"""graphql-transport-ws with the key in ``connection_init``, the way browsers can send it.

Browsers cannot set headers on a WebSocket, so a client may send its key in the
``connection_init`` payload (as ``Authorization``, with or without ``Bearer``, or as
``token`` or ``authToken``, at the top or under ``headers``) as well as in the request's
``Authorization`` header. A key given either way
is used or refused, never ignored: a malformed, unknown, revoked or expired key, or two
different keys, close the socket with code 4403 and a reason saying why. A key in
``connection_init`` meets the rate limiter's rules for keys as one in the header does
(``web.throttle.KeyGate``): a key found bad is refused for a while without a look-up, and
an address trying too many keys not yet seen to work gets 4429.
"""

from __future__ import annotations

from typing import Any

from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import ConnectionInitMessage

from odx_graph.api.context import Context
from odx_graph.core.errors import ErrorCode
from odx_graph.core.errors import OdxError
from odx_graph.core.errors import UnauthenticatedError
from odx_graph.services.credentials import authenticate
from odx_graph.services.credentials import bearer

REFUSED = 4403  # graphql-transport-ws: the server rejects the connection
TOO_MANY = 4429  # too many keys tried from the client's address (as at the handshake)
KEY_FIELDS = ("Authorization", "authorization", "token", "authToken")


def key_in(payload: dict[str, Any]) -> str | None:
    """The key a ``connection_init`` payload carries, if any: in ``Authorization`` (with
    or without ``Bearer``), ``token`` or ``authToken``, at the top or under ``headers``.
    Anything else that looks like a key is refused rather than ignored."""
    for where in (payload, payload.get("headers")):
        if not isinstance(where, dict):
            continue
        for name in KEY_FIELDS:
            value = where.get(name)
            if value is not None:
                if not isinstance(value, str) or not value.strip():
                    raise UnauthenticatedError(f"connection_init: {name} must be an API key")
                return value
    stray = _looks_like_a_key(payload, "")
    if stray is not None:
        raise UnauthenticatedError(f"connection_init: send the key as Authorization, not {stray}")
    return None


def _looks_like_a_key(value: Any, path: str) -> str | None:
    if isinstance(value, str):
        text = value.strip().lower()
        return path if text.startswith(("odx_", "bearer ")) else None
    if isinstance(value, dict):
        for name, item in value.items():
            found = _looks_like_a_key(item, f"{path}.{name}" if path else str(name))
            if found is not None:
                return found
    return None


class KeyedTransportWSHandler(BaseGraphQLTransportWSHandler[Context, None]):
    """Strawberry's graphql-transport-ws handler, authenticating ``connection_init``."""

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        """Take the key from the payload (or refuse with a reason), then carry on."""
        payload = message.get("payload") or {}
        if isinstance(payload, dict) and not self.connection_init_received:
            try:
                await self._authenticate(payload)
            except OdxError as exc:
                reason = f"{exc.code.value}: {exc.message}"
                code = TOO_MANY if exc.code is ErrorCode.RATE_LIMITED else REFUSED
                await self.websocket.close(code=code, reason=reason[:120])
                return
        await super().handle_connection_init(message)

    async def _authenticate(self, payload: dict[str, Any]) -> None:
        context = self.context
        if context.auth_error is not None:
            raise context.auth_error  # the header's key was refused
        given = key_in(payload)
        if given is None:
            return
        authorization = bearer(given)
        gate = context.key_gate  # the rate limiter's look-up budget and memory of keys
        if gate is not None:
            gate.before_lookup(authorization)
        try:
            principal = await authenticate(context.root_db, authorization)
        except UnauthenticatedError:
            if gate is not None:
                gate.found(authorization, works=False)
            raise
        if gate is not None:
            gate.found(authorization, works=True)
        if context.principal.is_authenticated and (
            context.principal.api_key_id != principal.api_key_id
        ):
            raise UnauthenticatedError("two different keys: in the header and connection_init")
        context.as_caller(principal, context.root_db)
