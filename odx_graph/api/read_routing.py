"""Where a GraphQL operation runs: queries on a read replica when there are any, mutations
and subscriptions on the primary. A mutation's response carries its commit token (the
``ODX-Commit-LSN`` header and ``extensions.commitLsn``); a query sent with it in the
``ODX-Read-After`` header reads that write back (``store.replicas``)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

from graphql import OperationType
from strawberry.extensions import SchemaExtension

from odx_graph.core.errors import OdxError

log = logging.getLogger(__name__)

COMMIT_HEADER = "ODX-Commit-LSN"
READ_AFTER_HEADER = "ODX-Read-After"


def read_after_of(headers: Any) -> str | None:
    """The commit token a request presents (``ODX-Read-After``), if any."""
    value = headers.get(READ_AFTER_HEADER.lower())
    return str(value) if value else None


class ReadRouting(SchemaExtension):
    """Sends queries to a replica and gives mutations their commit token."""

    token: str | None = None

    def _kind(self) -> str | None:
        try:
            return self.execution_context.operation_type.value
        except RuntimeError:  # the document did not parse
            return None

    async def on_execute(self) -> AsyncIterator[None]:
        """Route a query before it runs; after a mutation, note the primary's position."""
        context = self.execution_context.context
        replicas = getattr(context, "replicas", None)
        kind = self._kind()
        if replicas is not None and kind == OperationType.QUERY.value:
            await context.route_reads()
        yield
        if replicas is None or kind != OperationType.MUTATION.value:
            return
        try:
            self.token = await replicas.commit_token()
        except OdxError:
            log.warning("no commit token: the primary did not answer", exc_info=True)
            return
        response = getattr(context, "response", None)
        if response is not None:
            response.headers[COMMIT_HEADER] = self.token

    def get_results(self) -> dict[str, Any]:
        """``extensions.commitLsn`` of a mutation's response when there are replicas."""
        return {"commitLsn": self.token} if self.token else {}
