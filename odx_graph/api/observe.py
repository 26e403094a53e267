"""Per-operation observability: name and type in the access log, counts, latency and
error codes in the metrics."""

from __future__ import annotations

import time
from collections.abc import Iterator

from graphql import OperationType
from strawberry.extensions import SchemaExtension

from odx_graph.logs import note_request


class OperationMetricsExtension(SchemaExtension):
    """Records each GraphQL operation once it has run."""

    def on_operation(self) -> Iterator[None]:
        """Time the operation, then record name, type, latency and error codes."""
        started = time.perf_counter()
        yield
        context = self.execution_context
        name = context.operation_name or "anonymous"
        try:
            kind = context.operation_type.value
        except RuntimeError:  # the document did not parse
            kind = OperationType.QUERY.value
        note_request(operation=name, operation_type=kind)
        metrics = getattr(context.context, "metrics", None)
        if metrics is None:
            return
        metrics.operations.labels(name, kind).inc()
        metrics.operation_latency.labels(name).observe(time.perf_counter() - started)
        result = context.result
        for error in getattr(result, "errors", None) or []:
            code = (error.extensions or {}).get("code", "GRAPHQL_ERROR")
            metrics.errors.labels(str(code)).inc()
