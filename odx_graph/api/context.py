"""Per-request context: the caller, settings, database and a fresh set of DataLoaders."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

from strawberry.dataloader import DataLoader

from odx_graph.access import Principal
from odx_graph.config import Settings
from odx_graph.db import Database, Record
from odx_graph.mapping import MAPPING, Entity, Relation
from odx_graph.query import ListRequest
from odx_graph.repo import graph
from odx_graph.repo.graph import Page


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

    def by_key(self, entity: Entity, via: str = "") -> DataLoader[Any, Record | None]:
        """Rows of ``entity`` by primary key.

        One loader per path (``via``, e.g. ``Home.landlord``) rather than per entity:
        sharing would merge batches only when they happen to fall in the same tick, which
        makes the number of statements depend on timing.
        """

        async def load(keys: list[Any]) -> list[Record | None]:
            return await graph.fetch_by_keys(self.db, entity, keys, self.principal, self.base_iri)

        return self._get(("key", entity.name, via), load)

    def children(
        self, parent: Entity, relation: Relation, request: ListRequest
    ) -> DataLoader[Any, Page]:
        """Pages of a to-many relation, one per parent key."""
        target = MAPPING[relation.target]

        async def load(keys: list[Any]) -> list[Page]:
            return await graph.fetch_children(
                self.db, parent, relation, target, keys, request, self.principal, self.base_iri
            )

        return self._get(("children", parent.name, relation.name, request.signature), load)

    def child_counts(
        self, parent: Entity, relation: Relation, request: ListRequest
    ) -> DataLoader[Any, int]:
        """Counts of a to-many relation, one per parent key."""
        target = MAPPING[relation.target]

        async def load(keys: list[Any]) -> list[int]:
            return await graph.count_children(self.db, parent, relation, target, keys, request)

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
    hub: Any = None  # live updates (odx_graph.live.RepairHub)
    client: str = ""  # who the caller is for per-client limits: its key, else its address

    @property
    def base_iri(self) -> str:
        """Base of this server's IRIs."""
        return self.settings.base_iri


def make_context(
    settings: Settings,
    db: Database,
    principal: Principal,
    request_id: str = "",
    metrics: Any = None,
    hub: Any = None,
    client: str = "",
) -> Context:
    """A context with fresh loaders, as built for each request."""
    loaders = Loaders(db, principal, settings.base_iri)
    return Context(settings, db, principal, loaders, request_id, metrics, hub, client)
