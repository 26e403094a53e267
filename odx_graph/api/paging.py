"""Connections of records that are not mapped entities (audit events, resident tokens,
Awaab's Law clocks): in the order of their numeric key (newest first, or case order),
paged forward (``first``, ``after``) or backward (``last``, ``before``) with the same
opaque cursors and page rules as mapped lists."""

from __future__ import annotations

from collections.abc import Awaitable
from collections.abc import Callable
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated
from typing import Any
from typing import Generic
from typing import Optional
from typing import TypeVar

import strawberry
from strawberry.types import Info

from odx_graph.api.context import Context
from odx_graph.api.entity_types import PageInfo
from odx_graph.core.errors import ErrorCode
from odx_graph.core.errors import InputError
from odx_graph.core.ids import Cursor
from odx_graph.core.ids import decode_cursor
from odx_graph.core.ids import encode_cursor
from odx_graph.mapping.query import page_size

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class KeyOrder:
    """The order of a list by its numeric key, as its cursors name it."""

    name: str
    descending: bool
    words: str  # how the connection's description says it


NEWEST = KeyOrder("NEWEST", True, "newest first")
CASE_ORDER = KeyOrder("CASE", False, "in case order")


@dataclass(frozen=True, slots=True)
class Window:
    """Which page of a list in ``order``: ``size`` items after ``after`` or, paging
    ``backward``, the ``size`` items just before ``before``."""

    size: int
    after: int | None = None
    before: int | None = None
    backward: bool = False
    order: KeyOrder = NEWEST


def _key(text: str, field: str, order: KeyOrder) -> int:
    cursor = decode_cursor(text, field=field)
    if (
        cursor.order != order.name
        or cursor.descending is not order.descending
        or not isinstance(cursor.key, int)
        or isinstance(cursor.key, bool)
    ):
        raise InputError(
            "the cursor belongs to a different list", field=field, code=ErrorCode.INVALID_CURSOR
        )
    return cursor.key


def window(
    context: Context,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
    order: KeyOrder = NEWEST,
) -> Window:
    """Check paging arguments as mapped lists do (see ``query.make_list_request``)."""
    settings = context.settings
    backward, size = page_size(
        first, after, last, before, settings.page_size_default, settings.page_size_max
    )
    if backward:
        at = _key(before, "before", order) if before else None
        return Window(size, before=at, backward=True, order=order)
    return Window(size, after=_key(after, "after", order) if after else None, order=order)


def cursor_of(key: int, order: KeyOrder = NEWEST) -> str:
    """The cursor pointing at the record with ``key`` in a list in ``order``."""
    return encode_cursor(Cursor(order.name, order.descending, key, key))


@dataclass
class Slice(Generic[T]):
    """One page: the items (in the list's order), their keys, and whether more lie
    beyond it."""

    items: list[T]
    keys: list[int]
    more: bool
    window: Window
    total: Callable[[], Awaitable[int]]

    @classmethod
    def of(
        cls,
        rows: Sequence[Any],
        key: Callable[[Any], int],
        convert: Callable[[Any], T],
        win: Window,
        total: Callable[[], Awaitable[int]],
    ) -> Slice[T]:
        """A page from ``rows`` read in the list's order with one row beyond the page:
        the last of them paging forward, the first paging backward."""
        more = len(rows) > win.size
        kept = list(rows)
        if more:
            kept = kept[1:] if win.backward else kept[: win.size]
        return cls([convert(r) for r in kept], [key(r) for r in kept], more, win, total)


def connection_type(node: Any, name: str, noun: str, order: KeyOrder = NEWEST) -> Any:
    """``{name}Connection`` (with its ``{name}Edge``) over the strawberry type ``node``,
    for a list in ``order``."""
    edge: Any = strawberry.type(
        type(
            f"{name}Edge",
            (),
            {
                "__annotations__": {"cursor": str, "node": node},
                "cursor": strawberry.field(description="Cursor of this item."),
                "node": strawberry.field(description=f"The {noun}."),
            },
        ),
        name=f"{name}Edge",
        description=f"A {noun} in a connection, with its cursor.",
    )

    def edges(root: strawberry.Parent[Slice[Any]]) -> Any:
        return [
            edge(cursor=cursor_of(k, root.window.order), node=n)
            for k, n in zip(root.keys, root.items, strict=True)
        ]

    def nodes(root: strawberry.Parent[Slice[Any]]) -> Any:
        return root.items

    def page_info(root: strawberry.Parent[Slice[Any]]) -> PageInfo:
        came_from = root.window.before if root.window.backward else root.window.after
        return PageInfo(
            has_next_page=(came_from is not None) if root.window.backward else root.more,
            has_previous_page=root.more if root.window.backward else came_from is not None,
            start_cursor=cursor_of(root.keys[0], root.window.order) if root.keys else None,
            end_cursor=cursor_of(root.keys[-1], root.window.order) if root.keys else None,
        )

    async def total_count(root: strawberry.Parent[Slice[Any]]) -> int:
        return await root.total()

    namespace = {
        "edges": strawberry.field(
            resolver=edges, graphql_type=list[edge], description="Items with their cursors."
        ),
        "nodes": strawberry.field(
            resolver=nodes, graphql_type=list[node], description="Items of this page."
        ),
        "page_info": strawberry.field(resolver=page_info, description="Paging information."),
        "total_count": strawberry.field(
            resolver=total_count, description="Number of items over all pages."
        ),
    }
    return strawberry.type(
        type(f"{name}Connection", (), namespace),
        name=f"{name}Connection",
        description=f"A page of {noun}s, {order.words}.",
    )


# The paging arguments of every connection here, declared once.
PageFirst = Annotated[
    Optional[int], strawberry.argument(description="Page size (default and maximum are settings).")
]
PageAfter = Annotated[
    Optional[str], strawberry.argument(description="Cursor after which the page starts.")
]
PageLast = Annotated[
    Optional[int],
    strawberry.argument(
        description="Page backward: this many items before `before`; not with `first` or `after`."
    ),
]
PageBefore = Annotated[
    Optional[str], strawberry.argument(description="Cursor before which a backward page ends.")
]


def paging_window(
    info: Info[Context, None],
    first: Optional[int],
    after: Optional[str],
    last: Optional[int],
    before: Optional[str],
    order: KeyOrder = NEWEST,
) -> Window:
    """:func:`window` for a resolver's arguments."""
    return window(info.context, first, after, last, before, order)
