"""The database as the open data's reader, shared by the Linked Data routes, the pages and
the GraphQL context for callers without a key."""

from __future__ import annotations

from typing import Any

from odx_graph.store.db import READER_ROLE
from odx_graph.store.db import Database


def open_reader(state: Any, *, primary: bool = False) -> Database:
    """The database as the open data's reader (``odx_reader``: no private columns): a
    read replica in rotation when there are any (Linked Data, dumps, pages), the primary
    when ``primary`` (the change log, read right after publishing) or there are none."""
    replicas = getattr(state, "replicas", None)
    if replicas is not None and not primary:
        return replicas.reader(READER_ROLE)  # type: ignore[no-any-return]
    reader = getattr(state, "reader", None)
    if reader is None or reader.pool is not state.db.pool:
        reader = state.reader = state.db.with_role(READER_ROLE)
    return reader  # type: ignore[no-any-return]
