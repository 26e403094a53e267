"""Whole responses of insight queries kept per data version.

The services keep their answers per data version already, but turning an answer of
thousands of groups into GraphQL objects and resolving them field by field costs far
more than the answer's look-up. So a query made only of insight fields is kept whole:
its result, filed in the application's insight cache under the operation's text, name
and variables, the caller, the database and its date, and the data version read before
it ran. Asked again while nothing has changed, the kept result is the response and no
resolver runs. Any committed write moves the version, and the next request works the
answer out again.

Awaab's Law clocks and breach rates are left out: judged "as at now", they are kept by
the services only until their next deadline.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from collections.abc import Hashable

from graphql import ExecutionResult
from graphql import FieldNode
from graphql import OperationDefinitionNode
from graphql import OperationType
from strawberry.extensions import SchemaExtension

from odx_graph.api.context import Context

# Root fields whose answers depend only on the data, the caller and the date.
KEPT_FIELDS = frozenset(
    {
        "repairPerformance",
        "providerComparison",
        "contractorMarket",
        "replacementForecast",
        "dampMouldRates",
        "modernFacilityAges",
    }
)


def _operation(context: object) -> OperationDefinitionNode | None:
    document = getattr(context, "graphql_document", None)
    name = getattr(context, "operation_name", None)
    operations = [
        d
        for d in (document.definitions if document is not None else ())
        if isinstance(d, OperationDefinitionNode)
        and (name is None or (d.name is not None and d.name.value == name))
    ]
    return operations[0] if len(operations) == 1 else None


def response_key(
    query: str | None,
    operation: OperationDefinitionNode | None,
    variables: dict[str, object] | None,
    context: Context,
) -> Hashable | None:
    """What a response is kept under, or ``None`` when it is not kept: only a query
    whose root selections are fields of ``KEPT_FIELDS`` (and ``__typename``), with no
    fragments."""
    if query is None or operation is None or operation.operation is not OperationType.QUERY:
        return None
    names = [
        s.name.value if isinstance(s, FieldNode) else "" for s in operation.selection_set.selections
    ]
    if not set(names) & KEPT_FIELDS or not set(names) <= KEPT_FIELDS | {"__typename"}:
        return None
    given = json.dumps(variables or {}, sort_keys=True, default=str)
    name = operation.name.value if operation.name else None
    return ("response", query, name, given, context.principal)


class InsightResponseCache(SchemaExtension):
    """Answers a query made only of insight fields from the insight cache when the data
    has not changed since it was kept, and keeps the result of one worked out."""

    async def on_execute(self) -> AsyncIterator[None]:
        """Look the response up before execution; keep it after, when it has no errors."""
        execution = self.execution_context
        context = execution.context
        cache = getattr(context, "insight_cache", None)
        key = None
        if execution.result is None and cache is not None and cache.enabled:
            key = response_key(execution.query, _operation(execution), execution.variables, context)
        if key is None or cache is None:
            yield
            return
        stamp = await cache.stamp(context.db, key)
        found, data = cache.find(stamp)
        if found:
            execution.result = ExecutionResult(data=data, errors=None)
            yield
            return
        # Missed: the first of the requests missing it together runs the query, and the
        # others answer with its result (errors and all) instead of running it again.
        flight, shared = await cache.lead_or_wait(stamp)
        if flight is None:
            errors = list(shared.errors) if shared.errors else None
            execution.result = ExecutionResult(data=shared.data, errors=errors)
            yield
            return
        try:
            yield
        except BaseException as error:
            flight.fail(error)
            raise
        result = execution.result
        if isinstance(result, ExecutionResult) and not result.errors:
            cache.keep(stamp, result.data)
            flight.succeed(ExecutionResult(data=result.data, errors=None))
        elif isinstance(result, ExecutionResult):
            flight.succeed(result)
        else:
            flight.fail(asyncio.CancelledError())
