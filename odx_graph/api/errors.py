"""One error shape for GraphQL: ``message`` plus ``extensions.code`` (and ``field``).

Expected errors (:class:`~odx_graph.core.errors.OdxError`) keep their message. Anything else is
logged with the request id and masked, so internals never leak.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from odx_graph.core.errors import ErrorCode
from odx_graph.core.errors import OdxError

log = logging.getLogger("odx_graph.api")

MASKED_MESSAGE = "Internal server error"
# Failures that say nothing about the request: the same request may succeed later.
RETRYABLE = frozenset({ErrorCode.DATABASE_UNAVAILABLE, ErrorCode.QUERY_TIMEOUT})


_SUGGESTION = re.compile(r" Did you mean .*\?$")


def shape_error(error: GraphQLError, request_id: str, *, suggestions: bool = True) -> GraphQLError:
    """Give ``error`` the public shape: a code always, a field when known; without
    ``suggestions``, validation messages do not guess at field names (which would let an
    anonymous caller map the schema by typos; introspection stays on for everyone)."""
    original = error.original_error
    if isinstance(original, OdxError):
        extensions: dict[str, object] = {"code": original.code.value}
        if original.field:
            extensions["field"] = original.field
        if original.code in RETRYABLE:
            extensions["retryable"] = True
        return GraphQLError(
            original.message,
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            original_error=original,
            extensions=extensions,
        )
    if (error.extensions or {}).get("code") and original is None:
        return error  # already shaped (e.g. QUERY_TOO_COMPLEX)
    if original is None or isinstance(original, GraphQLError) or not error.path:
        # Syntax, validation and variable errors (graphql-core sets an original error on
        # variable coercion): the message is about the request, safe to show.
        return GraphQLError(
            error.message if suggestions else _SUGGESTION.sub("", error.message),
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            extensions={"code": "GRAPHQL_VALIDATION_FAILED"},
        )
    log.error(
        "unexpected error while resolving %s",
        ".".join(map(str, error.path or [])),
        exc_info=original,
        extra={"request_id": request_id},
    )
    return GraphQLError(
        MASKED_MESSAGE,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        extensions={"code": ErrorCode.INTERNAL_ERROR.value, "requestId": request_id},
    )


class ErrorShapeExtension(SchemaExtension):
    """Applies :func:`shape_error` to every error of a result."""

    def on_operation(self) -> Iterator[None]:
        """Reshape errors once execution has finished."""
        yield
        result = self.execution_context.result
        if result is None or not getattr(result, "errors", None):
            return
        context = self.execution_context.context
        request_id = getattr(context, "request_id", "")
        principal = getattr(context, "principal", None)
        suggestions = principal is not None and principal.is_authenticated
        result.errors = [
            shape_error(e, request_id, suggestions=suggestions) for e in result.errors or []
        ]


def error_body(message: str, code: str, **extensions: Any) -> dict[str, Any]:
    """The one error shape, for HTTP errors as for GraphQL ones."""
    return {"errors": [{"message": message, "extensions": {"code": code, **extensions}}]}
