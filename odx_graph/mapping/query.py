"""What a list request asks for, checked and typed before any SQL is built.

The API layer turns GraphQL arguments into a :class:`ListRequest`; the repositories
render it with the entity's mapped SQL. Every value a client sends is validated here
and later bound as a parameter, but for the numbers and days of range filters, written
into the statement as typed literals from their parsed values (see ``_literal``).
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from odx_graph.core.errors import ErrorCode
from odx_graph.core.errors import InputError
from odx_graph.core.ids import Cursor
from odx_graph.core.ids import decode_cursor
from odx_graph.core.ids import decode_int_id
from odx_graph.core.postcodes import PostcodeLevel
from odx_graph.core.postcodes import parse_postcode_query
from odx_graph.core.uprn import parse_uprn
from odx_graph.mapping import Entity
from odx_graph.mapping import Filter
from odx_graph.mapping import FilterKind
from odx_graph.mapping import Order
from odx_graph.mapping import Scalar

_POSTCODE_COLUMNS = {
    PostcodeLevel.AREA: "postcode_area",
    PostcodeLevel.DISTRICT: "postcode_district",
    PostcodeLevel.SECTOR: "postcode_sector",
    PostcodeLevel.UNIT: "postcode",
}
MAX_FILTER_VALUES = 500
# Short lists (a repair's lines, references, status history) are returned whole up to this.
LIST_CAP = 1000


@dataclass(frozen=True, slots=True)
class BoundFilter:
    """A filter with its validated value; ``sql`` still holds ``{t}`` and ``{p}``.
    ``codes`` names the open code list the values must be codes of, which only the
    database can tell (see :attr:`ListRequest.code_checks`)."""

    sql: str
    value: Any
    codes: str = ""
    field: str = ""
    # The value as a typed SQL literal, written into the statement instead of a
    # parameter (see :func:`_literal`); empty when bound as a parameter.
    literal: str = ""


@dataclass(frozen=True, slots=True)
class CodeCheck:
    """Values a filter takes that must be codes of an open code list."""

    code_list: str  # the code list's entity name, e.g. "Trade"
    values: tuple[str, ...]
    field: str


@dataclass(frozen=True, slots=True)
class ListRequest:
    """Filters, order and page of one list or connection. A backward page (``last``,
    ``before``) holds the ``first`` items before ``before``; its rows are read in the
    reverse order and handed out in the list's own order."""

    filters: tuple[BoundFilter, ...] = ()
    order: Order | None = None
    descending: bool = False
    first: int = 20
    after: Cursor | None = None
    before: Cursor | None = None
    backward: bool = False

    @property
    def cursor(self) -> Cursor | None:
        """The cursor the page starts from, whichever way it goes."""
        return self.before if self.backward else self.after

    @property
    def scan_descending(self) -> bool:
        """Whether rows are read largest first (the list's order, or its reverse when
        paging backward)."""
        return self.descending != self.backward

    @property
    def code_checks(self) -> tuple[CodeCheck, ...]:
        """The values of open code lists that must be checked against the database."""
        return tuple(CodeCheck(f.codes, tuple(f.value), f.field) for f in self.filters if f.codes)

    @property
    def signature(self) -> tuple[Any, ...]:
        """Hashable identity, so equal requests share one DataLoader."""
        order = self.order.name if self.order else None
        filters = tuple((f.sql, _hashable(f.value)) for f in self.filters)
        return (
            filters,
            order,
            self.descending,
            self.first,
            self.after,
            self.before,
            self.backward,
        )


def _hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def postcode_location(raw: str, field: str) -> tuple[str, str]:
    """``(home column, normalised value)`` for a postcode at any level; a bad postcode
    raises ``InputError`` naming ``field``."""
    try:
        query = parse_postcode_query(raw)
    except InputError as exc:
        exc.field = field
        raise
    return _POSTCODE_COLUMNS[query.level], query.value


def bind_filters(entity: Entity, values: Mapping[str, Any]) -> tuple[BoundFilter, ...]:
    """Validate each given filter value of ``entity`` (``None`` means not given)."""
    by_name = {f.name: f for f in entity.filters}
    bound = []
    for name, value in values.items():
        if value is None:
            continue
        spec = by_name.get(name)
        if spec is None:
            raise InputError(f"{entity.name} has no filter {name!r}", field=f"filter.{name}")
        bound.append(_bind(spec, value))
    return tuple(bound)


def _one_of(sql: str, values: list[Any], array_type: str) -> str:
    """``sql`` for a list of ``values``: with one value, ``= ANY({p})`` becomes an equality
    with the list's first element. A prepared statement's generic plan (which PostgreSQL
    may use after five runs, not knowing the values) can then read an index whose columns
    the equalities name in the index's order, a page at a time; with ``= ANY`` it cannot
    keep the order and may walk the whole table in the page's order instead."""
    if len(values) != 1:
        return sql
    return sql.replace("= ANY({p})", f"= ({{p}}::{array_type})[1]")


def _bind(spec: Filter, value: Any) -> BoundFilter:
    field_name = f"filter.{spec.name}"
    if isinstance(value, list) and len(value) > MAX_FILTER_VALUES:
        raise InputError(f"at most {MAX_FILTER_VALUES} values per filter", field=field_name)
    if spec.kind is FilterKind.POSTCODE:
        column, postcode = postcode_location(str(value), field_name)
        sql = dict(spec.by_level).get(column, spec.sql)
        return BoundFilter(sql.replace("{postcode_column}", column), postcode)
    if spec.kind is FilterKind.IDS:
        keys = [decode_int_id(v, spec.target, field=field_name) for v in value]
        return BoundFilter(_one_of(spec.sql, keys, "bigint[]"), keys)
    if spec.kind is FilterKind.CONTAINS:
        text = str(value)
        if not text or len(text) > 200:
            raise InputError("give 1 to 200 characters", field=field_name)
        escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return BoundFilter(spec.sql, f"%{escaped}%")
    if spec.kind is FilterKind.STRINGS:
        # Values of a closed code list come as members of its enum, whose values are codes.
        codes = [str(v.value) if isinstance(v, enum.Enum) else str(v) for v in value]
        closed = bool(value) and all(isinstance(v, enum.Enum) for v in value)
        checked = spec.codes if spec.codes and not closed else ""
        return BoundFilter(_one_of(spec.sql, codes, "text[]"), codes, checked, field_name)
    if spec.kind is FilterKind.UPRNS:
        return BoundFilter(spec.sql, [parse_uprn(str(v), field_name) for v in value])
    low, high = spec.bounds
    if spec.kind is FilterKind.INT and not low <= int(value) <= high:
        raise InputError(f"must be between {low} and {high}", field=field_name)
    return BoundFilter(spec.sql, value, literal=_literal(spec.kind, value))


def _literal(kind: FilterKind, value: Any) -> str:
    """A range filter's number or date as a typed SQL literal, written from the parsed
    value, never from a client's text; ``""`` for any other value, which is bound as a
    parameter.

    Bound, a range's value is unknown to the generic plan PostgreSQL may use for a
    prepared statement after five runs: it then guesses that a range keeps one row in
    two hundred, two ranges hardly any, and reads every home to sort the few it expects
    instead of walking an index in the page's order until the page is full. Numbers and
    days take few values; times (to the second, stepped by clients through windows)
    stay bound, or every request would be a statement of its own to prepare and plan."""
    if kind is FilterKind.INT and type(value) is int:
        return f"({int.__repr__(value)})"
    if kind is FilterKind.DATE and type(value) is dt.date:
        return f"DATE '{dt.date.isoformat(value)}'"
    return ""


def page_size(
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
    default_size: int,
    max_size: int,
) -> tuple[bool, int]:
    """Whether a page goes backward, and its size: a page goes forward (``first``,
    ``after``) or backward (``last``, ``before``), never both, and holds the number asked
    for (else ``default_size``), from 0 to ``max_size``."""
    backward = last is not None or before is not None
    if backward and (first is not None or after is not None):
        raise InputError(
            "page forward (first, after) or backward (last, before), not both",
            field="last" if last is not None else "before",
        )
    size_field = "last" if backward else "first"
    given = last if backward else first
    size = default_size if given is None else given
    if size < 0:
        raise InputError(f"'{size_field}' must not be negative", field=size_field)
    if size > max_size:
        raise InputError(f"'{size_field}' must be at most {max_size}", field=size_field)
    return backward, size


def make_list_request(
    entity: Entity,
    *,
    first: int | None,
    after: str | None,
    order: Order | None,
    descending: bool,
    filters: Mapping[str, Any] | None,
    default_size: int,
    max_size: int,
    last: int | None = None,
    before: str | None = None,
) -> ListRequest:
    """Check page size and cursor against the limits and the chosen order. A page goes
    forward (``first``, ``after``) or backward (``last``, ``before``), never both."""
    backward, size = page_size(first, after, last, before, default_size, max_size)
    order = order or entity.orders[0]
    raw = before if backward else after
    cursor = None
    if raw is not None:
        cursor_field = "before" if backward else "after"
        cursor = decode_cursor(raw, field=cursor_field)
        if cursor.order != order.name or cursor.descending != descending:
            raise InputError(
                "the cursor belongs to a different ordering",
                field=cursor_field,
                code=ErrorCode.INVALID_CURSOR,
            )
        cursor = Cursor(
            cursor.order,
            cursor.descending,
            _cursor_value(cursor.value, order.type, cursor_field),
            _cursor_value(cursor.key, entity.key_type, cursor_field),
        )
    bound = bind_filters(entity, filters or {})
    if backward:
        return ListRequest(bound, order, descending, size, before=cursor, backward=True)
    return ListRequest(bound, order, descending, size, cursor)


def _cursor_value(value: Any, scalar: Scalar, field: str) -> Any:
    try:
        if (
            scalar is Scalar.INT
            and isinstance(value, int)
            and not isinstance(value, bool)
            and -(2**63) <= value < 2**63
        ):
            return value
        if scalar is Scalar.STRING and isinstance(value, str):
            return value
        if scalar is Scalar.DATETIME and isinstance(value, str):
            moment = dt.datetime.fromisoformat(value)
            if moment.tzinfo is not None and 1 < moment.year < 9999:
                return moment
        if scalar is Scalar.DATE and isinstance(value, str):
            return dt.date.fromisoformat(value)
        if scalar is Scalar.DECIMAL and isinstance(value, str):
            number = decimal.Decimal(value)
            if number.is_finite() and abs(number) < 10**15:
                return number
    except (ValueError, decimal.InvalidOperation):
        pass
    raise InputError("the cursor is malformed", field=field, code=ErrorCode.INVALID_CURSOR)
