"""The database as the open data's reader, shared by the Linked Data routes, the pages and
the GraphQL context for callers without a key."""

from __future__ import annotations

from typing import Any

from odx_graph.store.db import READER_ROLE, Database


def open_reader(state: Any) -> Database:
    """The database as the open data's reader (``odx_reader``: no private columns)."""
    reader = getattr(state, "reader", None)
    if reader is None or reader.pool is not state.db.pool:
        reader = state.reader = state.db.with_role(READER_ROLE)
    return reader  # type: ignore[no-any-return]
