"""Per-operation observability: name and type in the access log, counts, latency and
error codes in the metrics."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

from graphql import OperationType
from strawberry.extensions import SchemaExtension

from odx_graph.core.logs import note_request

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
_MAX_NAMES = 200
_seen: set[str] = set()


def operation_label(name: str | None) -> str:
    """Operation names are client-chosen: keep metric labels to a bounded set."""
    if not name:
        return "anonymous"
    if name in _seen:
        return name
    if _NAME.match(name) and len(_seen) < _MAX_NAMES:
        _seen.add(name)
        return name
    return "other"


class OperationMetricsExtension(SchemaExtension):
    """Records each GraphQL operation once it has run."""

    def on_operation(self) -> Iterator[None]:
        """Time the operation, then record name, type, latency and error codes."""
        started = time.perf_counter()
        yield
        context = self.execution_context
        name = operation_label(context.operation_name)
        try:
            kind = context.operation_type.value
        except RuntimeError:  # the document did not parse
            kind = OperationType.QUERY.value
        note_request(operation=name, operation_type=kind)
        metrics = getattr(context.context, "metrics", None)
        if metrics is None:
            return
        metrics.operated(name, kind, time.perf_counter() - started)
        result = context.result
        for error in getattr(result, "errors", None) or []:
            code = (error.extensions or {}).get("code", "GRAPHQL_ERROR")
            metrics.errors.labels(str(code)).inc()
