"""The GraphQL endpoint over HTTP and WebSocket: strawberry's ASGI view, with request bodies
bounded and protocol errors (bad JSON, no query, wrong method) in the one JSON error shape.
The application subclasses it to build each caller's context."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.responses import Response
from strawberry.asgi import GraphQL
from strawberry.asgi import HTTPException as StrawberryHTTPException  # type: ignore[attr-defined]

from odx_graph.api.context import Context
from odx_graph.api.errors import error_body
from odx_graph.api.limits import MAX_BODY_BYTES


class _BodyTooLarge(Exception):
    """The request body grew past the limit while being read."""


def _bounded(receive: Any, limit: int) -> Any:
    """``receive`` that stops a body growing past ``limit`` bytes (chunked uploads)."""
    seen = 0

    async def bounded() -> Any:
        nonlocal seen
        message = await receive()
        seen += len(message.get("body", b""))
        if seen > limit:
            raise _BodyTooLarge
        return message

    return bounded


async def _too_large(scope: Any, receive: Any, send: Any) -> None:
    body = error_body(
        f"the request body is larger than {MAX_BODY_BYTES:,} bytes", "PAYLOAD_TOO_LARGE"
    )
    await JSONResponse(body, status_code=413)(scope, receive, send)


class GraphQLEndpoint(GraphQL[Context, None]):
    """Strawberry's ASGI view; subclasses give it ``get_context``."""

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        """Serve HTTP with protocol errors (bad JSON, no query, wrong method) in the one
        JSON error shape rather than strawberry's plain text."""
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
            await _too_large(scope, receive, send)
            return
        receive = _bounded(receive, MAX_BODY_BYTES)
        try:
            response: Response = await self.run(Request(scope=scope, receive=receive))
        except _BodyTooLarge:
            await _too_large(scope, receive, send)
            return
        except StrawberryHTTPException as exc:
            code = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}.get(exc.status_code, "BAD_REQUEST")
            response = JSONResponse(error_body(exc.reason, code), status_code=exc.status_code)
        await response(scope, receive, send)

    def decode_json(self, data: str | bytes) -> object:
        """Parse a request body: absurdly nested JSON, bytes that are not UTF-8 and JSON
        that is not an object (or a list, which is refused later) are bad requests, not
        crashes."""
        try:
            value = super().decode_json(data)
        except RecursionError:
            raise json.JSONDecodeError("the JSON is nested too deeply", "", 0) from None
        except UnicodeDecodeError as exc:
            raise json.JSONDecodeError("the body is not UTF-8", "", exc.start) from None
        if not isinstance(value, dict | list):
            raise StrawberryHTTPException(400, "the request body must be a JSON object")
        return value
