"""Strawberry types derived from the mapping: one object type per entity, plus its
connection, edge, filter input and sort enum.

Rows from the repositories are passed through as the GraphQL source objects; the schema's
default resolver reads fields by key, so scalar fields cost no Python code per field.
Generated classes are registered in this module's namespace so string annotations
(``"Repair"``) resolve, which is how mutually recursive types are declared.
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import inspect
import sys
from collections.abc import Awaitable
from collections.abc import Callable
from collections.abc import Mapping
from typing import Annotated
from typing import Any
from typing import Optional
from typing import cast

import strawberry
from strawberry.types import Info

from odx_graph.api.codes import code_enums
from odx_graph.api.context import Context
from odx_graph.api.planned_works import EXTRA_FIELDS as PLANNED_WORK_FIELDS
from odx_graph.api.prediction import EXTRA_FIELDS
from odx_graph.api.satisfaction import EXTRA_FIELDS as SATISFACTION_FIELDS
from odx_graph.core.ids import Cursor
from odx_graph.core.ids import encode_cursor
from odx_graph.mapping import MAPPING
from odx_graph.mapping import Cardinality
from odx_graph.mapping import Entity
from odx_graph.mapping import Field
from odx_graph.mapping import Relation
from odx_graph.mapping import Scalar
from odx_graph.mapping.query import LIST_CAP
from odx_graph.mapping.query import ListRequest
from odx_graph.mapping.query import make_list_request
from odx_graph.store.reads import Page
from odx_graph.store.reads import check_codes
from odx_graph.store.sql import source_alias

_NAMESPACE = sys.modules[__name__].__dict__
_PYTHON_TYPES: dict[Scalar, Any] = {
    Scalar.STRING: str,
    Scalar.INT: int,
    Scalar.FLOAT: float,
    Scalar.BOOLEAN: bool,
    Scalar.DATE: dt.date,
    Scalar.DATETIME: dt.datetime,
    Scalar.DECIMAL: decimal.Decimal,
}


@strawberry.interface(description="An object with a global ID, fetchable with `node(id:)`.")
class Node:
    """Relay's Node interface."""

    id: strawberry.ID = strawberry.field(description="Global ID of the object.")


@strawberry.enum(description="Sort direction.")
class SortDirection(enum.Enum):
    """Ascending or descending."""

    ASC = strawberry.enum_value("ASC", description="Smallest first.")
    DESC = strawberry.enum_value("DESC", description="Largest (newest) first.")


@strawberry.type(description="Where a page sits in its connection.")
class PageInfo:
    """Relay page information."""

    has_next_page: bool = strawberry.field(description="Whether more items follow this page.")
    has_previous_page: bool = strawberry.field(
        description="Whether items precede this page (paging forward: true when `after` was given)."
    )
    start_cursor: Optional[str] = strawberry.field(
        description="Cursor of the first item; pass it as `before` for the page before."
    )
    end_cursor: Optional[str] = strawberry.field(
        description="Cursor of the last item; pass it as `after` for the next page."
    )


class ConnectionSource:
    """What a connection field returns: the page plus a lazy total count."""

    def __init__(
        self, page: Page, request: ListRequest, entity: Entity, total: Callable[[], Awaitable[int]]
    ) -> None:
        self.page = page
        self.request = request
        self.entity = entity
        self.total = total

    def cursor(self, row: Mapping[str, Any]) -> str:
        """The opaque cursor pointing at ``row``."""
        order = self.request.order or self.entity.orders[0]
        return encode_cursor(Cursor(order.name, self.request.descending, row["_ord"], row["_key"]))

    def __getitem__(self, name: str) -> Any:
        if name == "nodes":
            return self.page.rows
        if name == "edges":
            return [{"cursor": self.cursor(r), "node": r} for r in self.page.rows]
        if name == "pageInfo":
            rows = self.page.rows
            request = self.request
            # Paging backward, "more" lies before the page and the cursor after it.
            more, came_from = self.page.has_next, request.cursor is not None
            return {
                "has_next_page": came_from if request.backward else more,
                "has_previous_page": more if request.backward else came_from,
                "start_cursor": self.cursor(rows[0]) if rows else None,
                "end_cursor": self.cursor(rows[-1]) if rows else None,
            }
        raise KeyError(name)


def list_of(item: Any) -> Any:
    """``list[item]`` where ``item`` may be a type's name, resolved later by strawberry."""
    return cast(Any, list)[item]


def optional(item: Any) -> Any:
    """``Optional[item]`` where ``item`` may be a type's name."""
    return cast(Any, Optional)[item]


def _annotation(scalar: Scalar, *, nullable: bool, many: bool = False) -> Any:
    python_type = _PYTHON_TYPES[scalar]
    if many:
        python_type = list_of(python_type)
    return optional(python_type) if nullable else python_type


def _field_of(spec: Field) -> tuple[Any, Any]:
    return (
        _annotation(spec.type, nullable=spec.nullable, many=spec.many),
        strawberry.field(name=spec.name, description=spec.description),
    )


def make_resolver(
    fn: Callable[..., Any], params: list[inspect.Parameter], returns: Any
) -> Callable[..., Any]:
    """``fn`` as a strawberry resolver taking ``root``, ``info`` and ``params``."""
    base = [
        inspect.Parameter("root", inspect.Parameter.POSITIONAL_OR_KEYWORD),
        inspect.Parameter("info", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Info),
    ]
    fn.__signature__ = inspect.Signature(base + params, return_annotation=returns)  # type: ignore[attr-defined]
    fn.__module__ = __name__
    return fn


def _kw(name: str, annotation: Any, description: str) -> inspect.Parameter:
    return inspect.Parameter(
        name,
        inspect.Parameter.KEYWORD_ONLY,
        default=None,
        annotation=Annotated[annotation, strawberry.argument(description=description)],
    )


def list_arguments(entity: Entity) -> list[inspect.Parameter]:
    """``first``, ``after``, ``filter``, ``orderBy`` and ``direction`` for a connection."""
    params = [
        _kw(
            "first",
            Optional[int],
            "Page size (default and maximum are settings).",
        ),
        _kw("after", Optional[str], "Cursor after which the page starts."),
        _kw(
            "last",
            Optional[int],
            "Page backward: this many items before `before` (or the end of the list); "
            "not with `first` or `after`.",
        ),
        _kw("before", Optional[str], "Cursor before which a backward page ends."),
    ]
    if entity.filters:
        params.append(
            _kw(
                "filter",
                optional(_NAMESPACE[f"{entity.name}Filter"]),
                "Only items matching all of these.",
            )
        )
    params.append(
        _kw(
            "order_by",
            optional(_NAMESPACE[f"{entity.name}OrderField"]),
            "Sort key.",
        )
    )
    params.append(
        _kw(
            "direction",
            Optional[SortDirection],
            "Sort direction (the sort key's default when omitted).",
        )
    )
    return params


def read_list_request(entity: Entity, context: Context, kwargs: Mapping[str, Any]) -> ListRequest:
    """Validate connection arguments into a :class:`ListRequest`."""
    order_field = kwargs.get("order_by")
    order = entity.order(order_field.value) if order_field is not None else entity.orders[0]
    direction = kwargs.get("direction")
    descending = order.descending if direction is None else direction is SortDirection.DESC
    filter_input = kwargs.get("filter")
    filters = (
        {f.name: getattr(filter_input, f.name) for f in entity.filters}
        if filter_input is not None
        else {}
    )
    settings = context.settings
    return make_list_request(
        entity,
        first=kwargs.get("first"),
        after=kwargs.get("after"),
        last=kwargs.get("last"),
        before=kwargs.get("before"),
        order=order,
        descending=descending,
        filters=filters,
        default_size=settings.page_size_default,
        max_size=settings.page_size_max,
    )


def _relation_resolver(parent: Entity, relation: Relation) -> tuple[Any, Any]:
    target = MAPPING[relation.target]
    via = f"{parent.name}.{relation.name}"
    if relation.cardinality is Cardinality.ONE:
        returns: Any = optional(relation.target) if relation.nullable else relation.target
        column = source_alias(relation.source_column)

        async def one(root: Any, info: Info[Context, None]) -> Any:
            key = root[column]
            if key is None:
                return None
            return await info.context.loaders.by_key(target, via).load(key)

        return make_resolver(one, [], returns), returns

    if relation.source_is_array:
        returns = list_of(relation.target)
        column = source_alias(relation.source_column)

        async def by_array(root: Any, info: Info[Context, None]) -> Any:
            rows = await info.context.loaders.by_key(target, via).load_many(root[column] or [])
            return [row for row in rows if row is not None]

        return make_resolver(by_array, [], returns), returns

    if relation.cardinality is Cardinality.LIST:
        returns = list_of(relation.target)

        async def short_list(root: Any, info: Info[Context, None]) -> Any:
            context = info.context
            request = ListRequest(first=LIST_CAP)
            page = await context.loaders.children(parent, relation, request).load(root["_key"])
            return page.rows

        return make_resolver(short_list, [], returns), returns

    returns = f"{relation.target}Connection"

    async def connection(root: Any, info: Info[Context, None], **kwargs: Any) -> Any:
        context = info.context
        request = read_list_request(target, context, kwargs)
        await check_codes(context.db, request.code_checks)
        key = root["_key"]
        page = await context.loaders.children(parent, relation, request).load(key)

        async def total() -> int:
            return await context.loaders.child_counts(parent, relation, request).load(key)

        return ConnectionSource(page, request, target, total)

    return make_resolver(connection, list_arguments(target), returns), returns


def _is_type_of(name: str) -> Any:
    def check(cls: type, obj: Any, info: Any) -> bool:
        try:
            return bool(obj["__typename"] == name)
        except (KeyError, TypeError):
            return False

    return classmethod(check)


def _object_type(entity: Entity) -> Any:
    annotations: dict[str, Any] = {}
    namespace: dict[str, Any] = {
        "__annotations__": annotations,
        "__module__": __name__,
        "__doc__": entity.description,
    }
    if entity.is_node:
        annotations["id"] = strawberry.ID
        namespace["id"] = strawberry.field(name="id", description="Global ID of the object.")
    annotations["iri"] = str
    namespace["iri"] = strawberry.field(
        name="iri", description="The IRI of this thing: dereference it for Linked Data."
    )
    if entity.enum:
        annotations["value"] = code_enums()[entity.name]
        namespace["value"] = strawberry.field(
            name="value",
            description=f"The code as a value of the {entity.enum} enum, which filters "
            "and mutations take: typed clients switch on this.",
        )
    if entity.private_fields:
        names = ", ".join(f"`{f.name}`" for f in entity.private_fields)
        annotations["redacted"] = list[str]
        namespace["redacted"] = strawberry.field(
            name="redacted",
            description=f"The private fields ({names}) withheld from you on this "
            "object: null there means not shared, not empty. Empty when you may read "
            "them.",
        )
    for spec in entity.fields:
        annotations[spec.name], namespace[spec.name] = _field_of(spec)
    for relation in entity.relations:
        resolver, returns = _relation_resolver(entity, relation)
        annotations[relation.name] = returns
        namespace[relation.name] = strawberry.field(
            name=relation.name, resolver=resolver, description=relation.description
        )
    extras = {
        **EXTRA_FIELDS.get(entity.name, {}),
        **PLANNED_WORK_FIELDS.get(entity.name, {}),
        **SATISFACTION_FIELDS.get(entity.name, {}),
    }
    for name, (resolver, returns) in extras.items():
        annotations[name] = returns
        namespace[name] = strawberry.field(
            name=name, resolver=resolver, description=" ".join((resolver.__doc__ or "").split())
        )
    namespace["is_type_of"] = _is_type_of(entity.name)
    bases = (Node,) if entity.is_node else ()
    cls = type(entity.name, bases, namespace)
    return strawberry.type(cls, name=entity.name, description=entity.description)


def _connection_types(entity: Entity) -> None:
    name = entity.name
    edge = type(
        f"{name}Edge",
        (),
        {
            "__module__": __name__,
            "__annotations__": {"cursor": str, "node": name},
            "cursor": strawberry.field(name="cursor", description="Cursor of this item."),
            "node": strawberry.field(name="node", description=f"The {name}."),
        },
    )
    _NAMESPACE[edge.__name__] = strawberry.type(
        edge, name=edge.__name__, description=f"A {name} in a connection, with its cursor."
    )

    async def total_count(root: Any, info: Info[Context, None]) -> int:
        return int(await root.total())

    connection = type(
        f"{name}Connection",
        (),
        {
            "__module__": __name__,
            "__annotations__": {
                "edges": list_of(f"{name}Edge"),
                "nodes": list_of(name),
                "pageInfo": PageInfo,
                "totalCount": int,
            },
            "edges": strawberry.field(name="edges", description="Items with their cursors."),
            "nodes": strawberry.field(name="nodes", description="Items of this page."),
            "pageInfo": strawberry.field(name="pageInfo", description="Paging information."),
            "totalCount": strawberry.field(
                name="totalCount",
                resolver=make_resolver(total_count, [], int),
                description="Number of items matching the filters, over all pages.",
            ),
        },
    )
    _NAMESPACE[connection.__name__] = strawberry.type(
        connection, name=connection.__name__, description=f"A page of {name} items."
    )


def _filter_input(entity: Entity) -> None:
    kinds: dict[str, Any] = {
        "strings": list[str],
        "contains": str,
        "int": int,
        "date": dt.date,
        "datetime": dt.datetime,
        "boolean": bool,
        "ids": list[strawberry.ID],
        "postcode": str,
        "uprns": list[str],
    }
    annotations: dict[str, Any] = {}
    namespace: dict[str, Any] = {"__annotations__": annotations, "__module__": __name__}
    for spec in entity.filters:
        closed = code_enums().get(spec.codes)
        kind = list_of(closed) if closed is not None else kinds[spec.kind.value]
        annotations[spec.name] = optional(kind)
        namespace[spec.name] = strawberry.field(
            name=spec.name, description=spec.description, default=None
        )
    name = f"{entity.name}Filter"
    cls = type(name, (), namespace)
    _NAMESPACE[name] = strawberry.input(
        cls, name=name, description=f"Filters for {entity.name} lists; all given must match."
    )


def _order_enum(entity: Entity) -> None:
    name = f"{entity.name}OrderField"
    members = {
        o.name: strawberry.enum_value(o.name, description=o.description) for o in entity.orders
    }
    make_enum: Any = strawberry.enum
    _NAMESPACE[name] = make_enum(
        enum.Enum(name, members),
        name=name,
        description=f"Sort keys for {entity.name}.",
    )


def build_types() -> list[Any]:
    """Create every generated type (once) and return the object types."""
    if "Home" in _NAMESPACE:
        return [_NAMESPACE[e.name] for e in MAPPING.entities]
    for entity in MAPPING.entities:
        _order_enum(entity)
        if entity.filters:
            _filter_input(entity)
        _connection_types(entity)
    types = []
    for entity in MAPPING.entities:
        _NAMESPACE[entity.name] = _object_type(entity)
        types.append(_NAMESPACE[entity.name])
    return types


def generated(name: str) -> Any:
    """A generated type by GraphQL name (after :func:`build_types`)."""
    return _NAMESPACE[name]
