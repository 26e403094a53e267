"""The GraphQL schema: ``Query`` fields derived from the mapping, plus lookups by ID, UPRN
and reference."""

from __future__ import annotations

import asyncio
import functools
from typing import Annotated
from typing import Any
from typing import Optional

import strawberry
from graphql import GraphQLError
from graphql.execution import Executor
from strawberry.schema.config import StrawberryConfig
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types import ExecutionContext
from strawberry.types import Info

from odx_graph.api import audit
from odx_graph.api import awaab
from odx_graph.api import entity_types as gen
from odx_graph.api import insight
from odx_graph.api import insight_damp
from odx_graph.api import insight_investment
from odx_graph.api import prediction
from odx_graph.api import residents
from odx_graph.api import satisfaction
from odx_graph.api.context import Context
from odx_graph.api.errors import ErrorShapeExtension
from odx_graph.api.insight_responses import InsightResponseCache
from odx_graph.api.limits import limit_extensions
from odx_graph.api.lookup import ReferenceInput
from odx_graph.api.lookup import home_lookup
from odx_graph.api.mutations import Mutation
from odx_graph.api.observe import OperationMetricsExtension
from odx_graph.api.read_routing import ReadRouting
from odx_graph.api.subscriptions import subscription_type
from odx_graph.core.errors import ErrorCode
from odx_graph.core.errors import InputError
from odx_graph.core.ids import decode_global_id
from odx_graph.core.ids import decode_int_id
from odx_graph.mapping import MAPPING
from odx_graph.mapping import Entity
from odx_graph.mapping.query import make_list_request
from odx_graph.store import reads

MAX_NODES = 100


def _default_resolver(source: Any, name: str) -> Any:
    """Rows and dicts are read by key; anything else by attribute."""
    if hasattr(source, "__getitem__"):
        return source[name]
    return getattr(source, name)


async def _node(context: Context, global_id: str, field: str) -> Any:
    type_name, _ = decode_global_id(global_id, field=field)
    entity = MAPPING.by_name.get(type_name)
    if entity is None or not entity.is_node:
        raise InputError(
            f"{global_id!r} is not the ID of a node", field=field, code=ErrorCode.INVALID_ID
        )
    return await context.loaders.by_key(entity).load(
        decode_int_id(global_id, type_name, field=field)
    )


async def resolve_node(
    info: Info[Context, None],
    id: Annotated[strawberry.ID, strawberry.argument(description="A global ID.")],
) -> Optional[gen.Node]:
    """Fetch any object by its global ID; null when it does not exist."""
    return await _node(info.context, id, "id")  # type: ignore[no-any-return]


async def resolve_nodes(
    info: Info[Context, None],
    ids: Annotated[
        list[strawberry.ID], strawberry.argument(description=f"Up to {MAX_NODES} global IDs.")
    ],
) -> list[Optional[gen.Node]]:
    """Fetch several objects by global ID, in the order given (null where missing)."""
    if len(ids) > MAX_NODES:
        raise InputError(f"at most {MAX_NODES} IDs at once", field="ids")
    # Gathered, so the DataLoaders batch them: one statement per type, not per ID.
    return list(await asyncio.gather(*(_node(info.context, gid, "ids") for gid in ids)))


async def resolve_home(
    info: Info[Context, None],
    id: Annotated[
        Optional[strawberry.ID],
        strawberry.argument(description="Global ID of the home."),
    ] = None,
    uprn: Annotated[
        Optional[str],
        strawberry.argument(description="The home's UPRN (1-12 digits)."),
    ] = None,
    reference: Annotated[
        Optional[ReferenceInput],
        strawberry.argument(description="A landlord's own reference."),
    ] = None,
) -> Optional[Any]:
    """Find one home by exactly one of: global ID, UPRN or an organisation's reference."""
    context = info.context
    named = None if reference is None else (reference.value, reference.allocated_by)
    lookup = home_lookup(id, uprn, named)
    home = MAPPING["Home"]
    key = lookup.key
    if lookup.uprn is not None:
        key = await reads.home_key_by_uprn(context.db, lookup.uprn)
    elif lookup.reference is not None:
        keys = await reads.subject_key_by_reference(
            context.db, "home", lookup.reference, lookup.allocated_by
        )
        if len(keys) > 1:
            raise InputError(
                "several homes carry this reference; give allocatedBy",
                field="reference.allocatedBy",
            )
        key = keys[0] if keys else None
    return None if key is None else await context.loaders.by_key(home).load(key)


def _collection_field(entity: Entity) -> Any:
    """A top-level connection (or a full list, for small code lists)."""
    if entity.scheme and not entity.filters:
        returns: Any = gen.list_of(entity.name)

        async def code_list(root: Any, info: Info[Context, None]) -> Any:
            context = info.context
            request = make_list_request(
                entity,
                first=10_000,
                after=None,
                order=None,
                descending=False,
                filters=None,
                default_size=10_000,
                max_size=10_000,
            )
            page = await reads.fetch_page(
                context.db, entity, request, context.principal, context.base_iri
            )
            return page.rows

        resolver = gen.make_resolver(code_list, [], returns)
        return strawberry.field(
            name=entity.collection,
            resolver=resolver,
            description=f"Every code of the {entity.name} list.",
        )

    async def connection(root: Any, info: Info[Context, None], **kwargs: Any) -> Any:
        context = info.context
        request = gen.read_list_request(entity, context, kwargs)
        await reads.check_codes(context.db, request.code_checks)
        page = await reads.fetch_page(
            context.db, entity, request, context.principal, context.base_iri
        )

        async def total() -> int:
            return await reads.count(context.db, entity, request)

        return gen.ConnectionSource(page, request, entity, total)

    returns = f"{entity.name}Connection"
    resolver = gen.make_resolver(connection, gen.list_arguments(entity), returns)
    return strawberry.field(
        name=entity.collection,
        resolver=resolver,
        description=f"{entity.description} Paginated, filterable list.",
    )


def _query_type() -> Any:
    namespace: dict[str, Any] = {
        "__module__": gen.__name__,
        "node": strawberry.field(resolver=resolve_node, description=resolve_node.__doc__),
        "nodes": strawberry.field(resolver=resolve_nodes, description=resolve_nodes.__doc__),
        "home": strawberry.field(
            resolver=resolve_home,
            description=resolve_home.__doc__,
            graphql_type=Optional[gen.generated("Home")],
        ),
    }
    for entity in MAPPING.entities:
        if entity.collection:
            namespace[entity.collection] = _collection_field(entity)
    namespace["audit_trail"] = strawberry.field(
        resolver=audit.audit_trail,
        description=audit.audit_trail.__doc__,
        deprecation_reason="Use auditEvents, which pages with cursors both ways.",
    )
    caller_fields: tuple[Any, ...] = (
        audit.audit_events,
        residents.viewer,
        residents.resident_tokens,
    )
    for field_resolver in caller_fields:
        namespace[field_resolver.__name__] = strawberry.field(
            resolver=field_resolver,
            description=" ".join((field_resolver.__doc__ or "").split()),
        )
    deprecated: dict[str, str] = {
        "awaab_clocks": "Use awaabCaseClocks, which pages with cursors both ways.",
    }
    for resolver in (
        insight.repair_performance,
        insight.provider_comparison,
        insight.contractor_market,
        insight.replacement_forecast,
        insight_damp.damp_mould_rates,
        awaab.awaab_clocks,
        awaab.awaab_case_clocks,
        insight_damp.awaab_breach_rates,
        insight_damp.modern_facility_ages,
        satisfaction.tenant_satisfaction,
        prediction.proactive_work,
        prediction.component_failure_forecast,
        insight_investment.investment_spend,
        insight_investment.investment_impact,
    ):
        namespace[resolver.__name__] = strawberry.field(
            resolver=resolver,
            description=resolver.__doc__,
            deprecation_reason=deprecated.get(resolver.__name__),
        )
    cls = type("Query", (), namespace)
    return strawberry.type(cls, name="Query", description="Read the open housing-data graph.")


class Schema(strawberry.Schema):
    """Strawberry's schema, minus its logging of every error: expected errors are the
    client's business, and unexpected ones are logged once, with the request id, when
    :mod:`odx_graph.api.errors` masks them."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Log nothing here (see the class docstring)."""


class PerEventExecutor(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's executor, with nothing memoised kept from one subscription event to
    the next.

    graphql-core (3.3) runs each event on a shallow copy of the subscription's executor,
    so the copies share its memo of collected sub-fields. That memo is keyed by the
    identity of field lists that every event builds afresh, and keeps them alive: a
    long-lived subscription grew by about 1.7 KB an update for as long as it stayed
    open (found by ``bench/soak.py``; see ``tests/test_soak_memory.py``). Each event now
    starts its own memo, dropped with it.
    """

    def build_per_event_executor(self, payload: Any) -> Executor[Any]:
        """The executor of one event, with memos of its own, and a context with fresh
        DataLoaders: nested fields (a repair's status history, its lines) are read as
        committed at this event, never from a cache filled by an earlier one."""
        executor = super().build_per_event_executor(payload)
        executor._relevant_sub_fields = {}
        executor._stream_usages = type(self._stream_usages)()
        if isinstance(executor.context_value, Context):
            executor.context_value = executor.context_value.for_event()
        return executor


@functools.cache
def build_schema() -> strawberry.Schema:
    """The schema, built once per process from the mapping."""
    types = gen.build_types()
    return Schema(
        query=_query_type(),
        mutation=Mutation,
        subscription=subscription_type(),
        types=types,
        # Outermost first: the metrics see errors after they have been shaped.
        # Responses kept whole come last, after every limit has passed the operation.
        extensions=[
            OperationMetricsExtension,
            ErrorShapeExtension,
            *limit_extensions(),
            ReadRouting,
            InsightResponseCache,
        ],
        config=StrawberryConfig(default_resolver=_default_resolver),
        execution_context_class=PerEventExecutor,
    )


def schema_sdl() -> str:
    """The schema in GraphQL SDL, as committed in ``schema.graphql``."""
    return build_schema().as_str() + "\n"
