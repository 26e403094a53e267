"""What every grouped insight answer shares in GraphQL: the disclosure its values are
published under, the enum of what it can be grouped by and its group keys (nodes named
by their global IDs), the checks of its grouping and scope, and the call of its service
for the caller."""

from __future__ import annotations

import enum
from collections.abc import Awaitable
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from typing import Any
from typing import Generic
from typing import Optional
from typing import Protocol
from typing import TypedDict
from typing import TypeVar

import strawberry
from strawberry.types import Info
from strawberry.types.base import get_object_definition

from odx_graph.api.codes import declared_enum
from odx_graph.api.context import Context
from odx_graph.core import disclosure
from odx_graph.core.errors import InputError
from odx_graph.core.ids import decode_int_id
from odx_graph.core.ids import encode_global_id
from odx_graph.mapping.query import MAX_FILTER_VALUES
from odx_graph.mapping.query import postcode_location

T = TypeVar("T")
K = TypeVar("K")


def grouping_enum(name: str, description: str, groupings: Mapping[enum.Enum, str]) -> Any:
    """The GraphQL enum ``name`` of what an insight can be grouped by: a member per
    declared dimension (its name and value), described as declared in ``groupings``."""
    return declared_enum(name, description, [(d.name, d.value, t) for d, t in groupings.items()])


@strawberry.enum(
    description="Which values an insight answer holds: exact, or protected by the "
    "disclosure rules of open statistics."
)
class Disclosure(enum.Enum):
    """Values are ``disclosure.Disclosure`` values."""

    EXACT = strawberry.enum_value(
        "exact", description="Exact values and no suppression (regulators and admins)."
    )
    PERTURBED = strawberry.enum_value(
        "perturbed",
        description="Groups under the threshold suppressed, counts and magnitudes "
        "perturbed by the cell key method (see docs/insight.md): everyone else.",
    )


# The words of the fields and arguments grouped answers share.
EXACT_OR_PROTECTED = "Whether the values are exact or protected."
PERTURBED_OR_SUPPRESSED = (
    "Whether the values are exact or protected (perturbed, small groups suppressed)."
)
TOO_FEW_HOMES = "True when too few homes to publish."
NULL_WHEN_TOO_FEW_HOMES = (
    "True when the group covers too few homes to publish: every value is then null rather "
    "than a misleading zero."
)
SMALL_GROUPS_PROTECTED = (
    " Below the regulator tier, groups with too few homes are suppressed and values "
    "perturbed by the cell key method (see `disclosure`)."
)


def group_by_argument(most: int, covered: str = "") -> Any:
    """The ``groupBy`` argument of up to ``most`` dimensions (checked by
    :func:`check_group_by`); none gives one group for all (of ``covered``)."""
    return strawberry.argument(
        description=f"Up to {most} dimensions; none gives one group for all{covered}."
    )


def disclosure_of(value: disclosure.Disclosure) -> Disclosure:
    """The GraphQL value of a disclosure level."""
    return Disclosure(value.value)


class GroupCoordinate:
    """What is known before the schema is built of a type ``group_key_type`` makes."""

    dimension: Any
    value: str | None
    label: str | None


def group_key_type(name: str, description: str, dimension: Any, value: str) -> Any:
    """The GraphQL type ``name`` of one coordinate of a group: its ``dimension`` (a
    member of that grouping enum), its value (described as ``value``) and a label."""
    namespace: dict[str, Any] = {
        "__doc__": "The dimension, its value and a label.",
        "__annotations__": {"dimension": dimension, "value": Optional[str], "label": Optional[str]},
        "dimension": strawberry.field(description="The grouping dimension."),
        "value": strawberry.field(description=value),
        "label": strawberry.field(description="A readable label of the value."),
    }
    return strawberry.type(type(name, (), namespace), description=description)


@strawberry.type
class ProtectedGroup(Generic[K]):
    """The fields a group of homes under the disclosure rules starts with: its key (a list
    of ``K``, its coordinates) and how its values are published. A base of the grouped
    answers' types, which add their values."""

    key: list[K] = strawberry.field(description="The group's coordinates.")
    disclosure: Disclosure = strawberry.field(description=PERTURBED_OR_SUPPRESSED)
    suppressed: bool = strawberry.field(description=NULL_WHEN_TOO_FEW_HOMES)


class ServiceKey(Protocol):
    """One coordinate of a group as an insight service gives it."""

    @property
    def dimension(self) -> enum.Enum:
        """The grouping dimension (its member of the same name is the GraphQL one)."""

    @property
    def value(self) -> str | None:
        """The group's value: a node's key for the dimensions naming nodes."""

    @property
    def label(self) -> str | None:
        """A readable label of the value."""


def group_keys(
    key_type: Any, dimension: Any, keys: Iterable[ServiceKey], nodes: Mapping[str, str]
) -> list[Any]:
    """The GraphQL ``key_type`` of each of a group's ``keys``; the value of a dimension
    naming a node (in ``nodes``, with its type) is the node's global ID, as everywhere
    else in the API."""
    return [
        key_type(
            dimension=dimension[k.dimension.name],
            value=encode_global_id(nodes[k.dimension.value], k.value)
            if k.dimension.value in nodes and k.value is not None
            else k.value,
            label=k.label,
        )
        for k in keys
    ]


def check_group_by(group_by: Sequence[Any], most: int) -> None:
    """Fail unless ``group_by`` names up to ``most`` different dimensions."""
    if len(group_by) > most or len(set(group_by)) != len(group_by):
        raise InputError(f"group by up to {most} different dimensions", field="groupBy")


def id_list(
    given: list[strawberry.ID] | None, type_name: str, field: str, what: str = "values"
) -> tuple[int, ...]:
    """The keys of the global IDs ``given`` (of ``type_name``), at most the filter's
    number of values (``what`` names them in the error)."""
    return tuple(decode_int_id(v, type_name, field=field) for v in value_list(given, field, what))


def value_list(given: Sequence[T] | None, field: str, what: str = "values") -> tuple[T, ...]:
    """The values of a filter ``given`` at ``field`` (none when null), at most the
    filter's number of values (``what`` names them in the error)."""
    values = tuple(given or ())
    if len(values) > MAX_FILTER_VALUES:
        raise InputError(f"at most {MAX_FILTER_VALUES} {what}", field=field)
    return values


def postcode_scope(postcode: str | None, field: str) -> tuple[str, str]:
    """The postcode column and value a scope's ``postcode`` (at ``field``) selects, or
    two empty strings for every postcode."""
    return ("", "") if postcode is None else postcode_location(postcode, field)


class PlaceInput(Protocol):
    """The filters of places a scope input has: landlords, a postcode and estates."""

    @property
    def landlord(self) -> list[strawberry.ID] | None:
        """Only these landlords (Organisation IDs)."""

    @property
    def postcode(self) -> str | None:
        """Only this postcode area, district, sector or unit."""

    @property
    def estate(self) -> list[strawberry.ID] | None:
        """Only these estates (Estate IDs)."""


class PlaceScope(TypedDict):
    """The places a scope input selects, named as the store's scopes name them."""

    landlord_ids: tuple[int, ...]
    postcode_column: str
    postcode_value: str
    estate_ids: tuple[int, ...]


def place_scope(given: PlaceInput, field: str = "scope", landlords: str = "values") -> PlaceScope:
    """The landlords, postcode and estates the scope input ``given`` (at ``field``)
    selects, checked in that order (``landlords`` names too many landlords in the error)."""
    column, value = postcode_scope(given.postcode, f"{field}.postcode")
    return PlaceScope(
        landlord_ids=id_list(given.landlord, "Organisation", f"{field}.landlord", landlords),
        postcode_column=column,
        postcode_value=value,
        estate_ids=id_list(given.estate, "Estate", f"{field}.estate"),
    )


def from_result(type_: Callable[..., T], result: object, **given: Any) -> T:
    """The GraphQL ``type_`` of a service's ``result``: each field not ``given`` is the
    result's attribute of the same name, and a disclosure level its GraphQL value."""
    values = dict(given)
    for field in get_object_definition(type_, strict=True).fields:
        if field.python_name not in values:
            values[field.python_name] = getattr(result, field.python_name)
    if isinstance(values.get("disclosure"), disclosure.Disclosure):
        values["disclosure"] = disclosure_of(values["disclosure"])
    return type_(**values)


async def ask(info: Info[Context, None], service: Callable[..., Awaitable[T]], *args: Any) -> T:
    """The answer of an insight ``service`` to the caller: it is given the database, the
    settings and the caller, then ``args``, then the insight cache."""
    context = info.context
    return await service(
        context.db, context.settings, context.principal, *args, context.insight_cache
    )
