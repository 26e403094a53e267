"""GraphQL subscriptions (graphql-transport-ws over ``/graphql``): live repair updates."""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator
from typing import Annotated
from typing import Any
from typing import Optional

import strawberry
from graphql import GraphQLError
from strawberry.types import Info

from odx_graph.api import entity_types as gen
from odx_graph.api.context import Context
from odx_graph.api.errors import MASKED_MESSAGE
from odx_graph.core.errors import ErrorCode
from odx_graph.core.errors import InputError
from odx_graph.core.errors import OdxError
from odx_graph.core.ids import decode_int_id
from odx_graph.mapping import MAPPING
from odx_graph.store import keys
from odx_graph.store import reads
from odx_graph.store.live import Ended
from odx_graph.store.live import RepairFilter

log = logging.getLogger("odx_graph.api")


async def repair_updated(
    info: Info[Context, None],
    repair_id: Annotated[
        Optional[strawberry.ID], strawberry.argument(description="Only this repair.")
    ] = None,
    home_id: Annotated[
        Optional[strawberry.ID], strawberry.argument(description="Only repairs to this home.")
    ] = None,
    postcode_district: Annotated[
        Optional[str],
        strawberry.argument(description="Only repairs in this postcode district, e.g. 'LS9'."),
    ] = None,
) -> AsyncGenerator[Any, None]:
    """Each repair matching the filter as it is after every committed change (reported,
    assigned, status changed, completed), nested fields included. Private fields follow
    the caller's tier; when the caller's key is revoked or expires, a last event carries
    an UNAUTHENTICATED error and the subscription ends."""
    # Subscription results do not pass the error-shaping extension: shape them here.
    try:
        async for row in _updates(info, repair_id, home_id, postcode_district):
            yield row
    except OdxError as exc:
        extensions: dict[str, object] = {"code": exc.code.value}
        if exc.field:
            extensions["field"] = exc.field
        raise GraphQLError(exc.message, extensions=extensions) from None
    except Exception:
        log.exception("unexpected error in a subscription")
        raise GraphQLError(
            MASKED_MESSAGE,
            extensions={
                "code": ErrorCode.INTERNAL_ERROR.value,
                "requestId": info.context.request_id,
            },
        ) from None


async def _updates(
    info: Info[Context, None],
    repair_id: strawberry.ID | None,
    home_id: strawberry.ID | None,
    postcode_district: str | None,
) -> AsyncGenerator[Any, None]:
    if repair_id is None and home_id is None and postcode_district is None:
        raise InputError("give repairId, homeId or postcodeDistrict", field="repairUpdated")
    wanted = RepairFilter(
        repair_id=decode_int_id(repair_id, "Repair", field="repairId") if repair_id else None,
        home_id=decode_int_id(home_id, "Home", field="homeId") if home_id else None,
        postcode_district=postcode_district.strip().upper() if postcode_district else None,
    )
    context = info.context
    principal = context.principal
    entity = MAPPING["Repair"]
    key_id = principal.api_key_id

    async def key_is_valid() -> bool:
        # Revoked since the connection was opened? (Expiry is the subscription's timer.)
        assert key_id is not None
        stored = await keys.key_state(context.db, key_id)
        return stored is not None and stored.revoked_at is None

    limit = context.settings.max_subscriptions_per_client
    if limit and context.hub.subscriptions_of(context.client) >= limit and context.metrics:
        context.metrics.refused.labels("subscriptions").inc()
    updates = context.hub.subscribe(
        wanted,
        key_id=key_id,
        expires_at=principal.expires_at,
        key_is_valid=key_is_valid if key_id is not None else None,
        owner=context.client,
        limit=limit,
    )
    async for key in updates:
        if isinstance(key, Ended):
            # The last event: an error in place of the repair, then the subscription ends,
            # so nothing more is sent with the key's rights.
            yield GraphQLError(
                f"the API key was {key.value}; subscribe again with a valid key, or none",
                extensions={"code": ErrorCode.UNAUTHENTICATED.value},
            )
            return
        rows = await reads.fetch_by_keys(context.db, entity, [key], principal, context.base_iri)
        if rows[0] is not None:
            yield rows[0]


def subscription_type() -> Any:
    """The Subscription type (after the generated types exist)."""
    namespace = {
        "__module__": gen.__name__,
        "repair_updated": strawberry.subscription(
            resolver=repair_updated,
            graphql_type=gen.generated("Repair"),
            description="Each repair matching the filter as it is after every committed change "
            "(reported, assigned, status changed, completed), nested fields (statusHistory, "
            "lines) included. Private fields follow the caller's tier. When the caller's key "
            "is revoked or expires, a last event carries an UNAUTHENTICATED error and the "
            "subscription ends: subscribe again with a valid key, or none.",
        ),
    }
    cls = type("Subscription", (), namespace)
    return strawberry.type(cls, name="Subscription", description="Live updates.")
