"""Per-request context: the caller, settings, database and a fresh set of DataLoaders."""

from __future__ import annotations

import dataclasses
from collections.abc import Hashable
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from strawberry.dataloader import DataLoader

from odx_graph.core.access import Principal
from odx_graph.core.config import Settings
from odx_graph.mapping import Entity
from odx_graph.mapping import Relation
from odx_graph.mapping.query import ListRequest
from odx_graph.services.insight.cache import InsightCache
from odx_graph.store import reads
from odx_graph.store.db import Database
from odx_graph.store.db import Record
from odx_graph.store.reads import Page


@dataclass
class Loaders:
    """DataLoaders for one request, created on first use per (relation, arguments).

    Each batch function returns one result per key, in key order; batching makes one
    statement per relation and nesting level, whatever the page size.
    """

    db: Database
    principal: Principal
    base_iri: str
    _loaders: dict[Hashable, DataLoader[Any, Any]] = field(default_factory=dict)

    def _get(self, key: Hashable, load_fn: Any) -> DataLoader[Any, Any]:
        loader = self._loaders.get(key)
        if loader is None:
            loader = self._loaders[key] = DataLoader(load_fn=load_fn)
        return loader

    def batched(self, key: Hashable, load_fn: Any) -> DataLoader[Any, Any]:
        """The request's loader under ``key`` (made from ``load_fn`` on first use), for
        fields that are not mapped (scores)."""
        return self._get(key, load_fn)

    def by_key(self, entity: Entity, via: str = "") -> DataLoader[Any, Record | None]:
        """Rows of ``entity`` by primary key.

        One loader per path (``via``, e.g. ``Home.landlord``) rather than per entity:
        sharing would merge batches only when they happen to fall in the same tick, which
        makes the number of statements depend on timing.
        """

        async def load(keys: list[Any]) -> list[Record | None]:
            return await reads.fetch_by_keys(self.db, entity, keys, self.principal, self.base_iri)

        return self._get(("key", entity.name, via), load)

    def children(
        self, parent: Entity, relation: Relation, request: ListRequest
    ) -> DataLoader[Any, Page]:
        """Pages of a to-many relation, one per parent key."""

        async def load(keys: list[Any]) -> list[Page]:
            return await reads.fetch_children(
                self.db, parent, relation, keys, request, self.principal, self.base_iri
            )

        return self._get(("children", parent.name, relation.name, request.signature), load)

    def child_counts(
        self, parent: Entity, relation: Relation, request: ListRequest
    ) -> DataLoader[Any, int]:
        """Counts of a to-many relation, one per parent key."""

        async def load(keys: list[Any]) -> list[int]:
            return await reads.count_children(self.db, parent, relation, keys, request)

        return self._get(("count", parent.name, relation.name, request.signature), load)


@dataclass
class Context:
    """What every resolver can reach through ``info.context``."""

    settings: Settings
    db: Database
    principal: Principal
    loaders: Loaders
    request_id: str = ""
    metrics: Any = None
    hub: Any = None  # live updates (odx_graph.store.live.RepairHub)
    # graphql-transport-ws: the ``connection_init`` payload (the key may be in it).
    connection_params: dict[str, Any] | None = None
    root_db: Any = None  # the owner's database, whoever the caller (keys are read there)
    auth_error: Any = None  # why the request's header key was refused (WebSockets)
    client: str = ""  # who the caller is for per-client limits: its key, else its address
    # The rate limiter's rules for a key given in ``connection_init`` (web.throttle.KeyGate).
    key_gate: Any = None
    # Insight answers kept per data version, made in the application's lifespan.
    insight_cache: InsightCache | None = None
    # Read replicas (store.replicas.ReplicaSet) when reads may leave the primary, the
    # commit token the client presented, and the HTTP response's headers to be.
    replicas: Any = None
    read_after: str | None = None
    response: Any = None

    async def route_reads(self) -> None:
        """Serve this (read-only) request from a read replica when there are any: one
        that has replayed the client's commit token, else the primary."""
        if self.replicas is None:
            return
        db = await self.replicas.for_read(self.db.role, self.read_after)
        if db is not self.db:
            self.db = db
            self.loaders = Loaders(db, self.principal, self.settings.base_iri)

    @property
    def base_iri(self) -> str:
        """Base of this server's IRIs."""
        return self.settings.base_iri

    def for_event(self) -> Context:
        """This context with fresh DataLoaders, for one subscription event."""
        loaders = Loaders(self.db, self.principal, self.settings.base_iri)
        return dataclasses.replace(self, loaders=loaders)

    def as_caller(self, principal: Principal, db: Database) -> None:
        """Act for ``principal`` (a key given in ``connection_init``) from now on."""
        self.principal = principal
        self.db = db
        self.loaders = Loaders(db, principal, self.settings.base_iri)
        self.client = client_of(principal, self.client)


def client_of(principal: Principal, address: str) -> str:
    """Who the caller is for per-client limits (open subscriptions): its key, else the
    client ``address`` as the rate limiter names it."""
    return f"key:{principal.api_key_id}" if principal.is_authenticated else address


def make_context(
    settings: Settings,
    db: Database,
    principal: Principal,
    request_id: str = "",
    metrics: Any = None,
    hub: Any = None,
    root_db: Database | None = None,
    auth_error: Any = None,
    client: str = "",
    key_gate: Any = None,
    insight_cache: InsightCache | None = None,
    replicas: Any = None,
    read_after: str | None = None,
    response: Any = None,
) -> Context:
    """A context with fresh loaders, as built for each request."""
    loaders = Loaders(db, principal, settings.base_iri)
    return Context(
        settings,
        db,
        principal,
        loaders,
        request_id,
        metrics,
        hub,
        root_db=root_db or db,
        auth_error=auth_error,
        client=client,
        key_gate=key_gate,
        insight_cache=insight_cache,
        replicas=replicas,
        read_after=read_after,
        response=response,
    )
