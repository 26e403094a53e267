"""Template columns and the rows read through them.

:class:`Column` describes a column once (kind, bounds, whether required, description and
example); :class:`Columns` works out once per file how each is read, and :class:`Cells`
reads one row through them, so the bounds that are documented are the bounds that are
checked. The value rules are in :mod:`odx_graph.services.importing.cells`.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from collections.abc import Callable
from collections.abc import Collection
from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from functools import lru_cache
from functools import partial
from typing import Any
from typing import Generic
from typing import TypeVar

from odx_graph.mapping import Entity
from odx_graph.mapping import Field
from odx_graph.mapping import Form
from odx_graph.mapping import Scalar
from odx_graph.services.importing.cells import CellError
from odx_graph.services.importing.cells import parse_bool
from odx_graph.services.importing.cells import parse_date
from odx_graph.services.importing.cells import parse_datetime
from odx_graph.services.importing.cells import parse_district
from odx_graph.services.importing.cells import parse_float
from odx_graph.services.importing.cells import parse_int
from odx_graph.services.importing.cells import parse_items
from odx_graph.services.importing.cells import parse_money
from odx_graph.services.importing.cells import parse_postcode
from odx_graph.services.importing.cells import parse_quantity
from odx_graph.services.importing.cells import parse_uprn
from odx_graph.services.importing.cells import parse_url
from odx_graph.services.importing.records import HomeLink
from odx_graph.services.importing.records import Problem
from odx_graph.services.importing.records import mapped_attributes
from odx_graph.services.importing.textfile import safe_echo

T = TypeVar("T")


class Kind(StrEnum):
    """How a column's values are written; the docs show the value."""

    TEXT = "text"
    CODE = "code"
    INTEGER = "whole number"
    NUMBER = "decimal number"
    MONEY = "amount (£)"
    QUANTITY = "quantity"
    BOOLEAN = "true/false"
    DATE = "date"
    DATETIME = "date-time"
    UPRN = "UPRN"
    POSTCODE = "postcode"
    CODES = "codes, |-separated"
    DISTRICTS = "postcode districts, |-separated"
    URL = "web address"
    PATTERN = "text matching a pattern"


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a template: the one description used by readers, docs and tests."""

    name: str
    kind: Kind
    description: str
    example: str = ""
    required: bool = False
    low: float | None = None
    high: float | None = None
    pattern: str | None = None  # for Kind.PATTERN, a full-match regular expression

    @property
    def type_label(self) -> str:
        """The kind as shown in the docs, with its bounds or pattern."""
        if self.kind is Kind.PATTERN:
            return f"text matching `{self.pattern}`"
        if self.low is not None and self.high is not None:
            return f"{self.kind.value}, {self.low:g} to {self.high:g}"
        return self.kind.value


_KINDS = {
    Scalar.STRING: Kind.TEXT,
    Scalar.INT: Kind.INTEGER,
    Scalar.FLOAT: Kind.NUMBER,
    Scalar.DECIMAL: Kind.NUMBER,
    Scalar.BOOLEAN: Kind.BOOLEAN,
    Scalar.DATE: Kind.DATE,
    Scalar.DATETIME: Kind.DATETIME,
}


def mapped_column(item: Field) -> Column:
    """The template column of a mapped field, from its ``Write`` in the mapping."""
    write = item.write
    assert write is not None, item.name
    # A form the type does not say is the column kind of the same name (Form.UPRN: Kind.UPRN).
    if write.form is not Form.PLAIN:
        kind = Kind[write.form.name]
    else:
        kind = Kind.PATTERN if write.pattern else _KINDS[item.type]
    low, high = write.bounds or (None, None)
    return Column(
        item.template_column,
        kind,
        write.about or item.description,
        write.example,
        required=write.required,
        low=low,
        high=high,
        pattern=write.pattern or None,
    )


def mapped_columns(entity: Entity, first: str, last: str = "") -> tuple[Column, ...]:
    """The template columns of ``entity``'s written fields from ``first`` to ``last``
    (to the end when not given), in the mapping's order. A field added to the mapping
    after ``last`` of a template's final run of fields is therefore in the template."""
    written = entity.written_fields
    names = [f.name for f in written]
    end = names.index(last) + 1 if last else len(names)
    return tuple(mapped_column(f) for f in written[names.index(first) : end])


@dataclass(frozen=True, slots=True)
class _Rule:
    """How the cells of one column are read, worked out once for every row of a file."""

    kind: Kind
    required: bool
    parse: Callable[[str], Any]  # the column's parser, its bounds or pattern applied
    example: str


@dataclass(frozen=True, slots=True)
class _Reading(Generic[T]):
    """The kinds of column a reading method takes, typed by what their parsers give (a
    method asked for another kind of column is a bug of the reader, not a problem of the
    file)."""

    kinds: Collection[Kind]


_TEXT = (Kind.TEXT, Kind.CODE)
_INTEGER: _Reading[int] = _Reading((Kind.INTEGER,))
_NUMBER: _Reading[float] = _Reading((Kind.NUMBER,))
_MONEY: _Reading[Decimal] = _Reading((Kind.MONEY,))
_QUANTITY: _Reading[Decimal] = _Reading((Kind.QUANTITY,))
_BOOLEAN: _Reading[bool] = _Reading((Kind.BOOLEAN,))
_DATE: _Reading[dt.date] = _Reading((Kind.DATE,))
_DATETIME: _Reading[dt.datetime] = _Reading((Kind.DATETIME,))
_UPRN: _Reading[int] = _Reading((Kind.UPRN,))
_POSTCODE: _Reading[str] = _Reading((Kind.POSTCODE,))
_ITEMS: _Reading[tuple[str, ...]] = _Reading((Kind.CODES, Kind.DISTRICTS))
_URL: _Reading[str] = _Reading((Kind.URL,))
_PATTERN: _Reading[str] = _Reading((Kind.PATTERN,))
# The kinds of column a mapped field may have, each read by its parser as the method of
# its kind reads it (a text is itself, a pattern is checked untransformed).
_MAPPED: _Reading[Any] = _Reading(
    frozenset(
        {
            Kind.TEXT,
            Kind.INTEGER,
            Kind.NUMBER,
            Kind.MONEY,
            Kind.BOOLEAN,
            Kind.DATE,
            Kind.DATETIME,
            Kind.UPRN,
            Kind.POSTCODE,
            Kind.PATTERN,
        }
    )
)

# The parser of each kind of column that has neither bounds nor a pattern.
_PARSERS: dict[Kind, Callable[[str], Any]] = {
    Kind.TEXT: str,
    Kind.CODE: str,
    Kind.MONEY: parse_money,
    Kind.QUANTITY: parse_quantity,
    Kind.BOOLEAN: parse_bool,
    Kind.DATE: parse_date,
    Kind.DATETIME: parse_datetime,
    Kind.UPRN: parse_uprn,
    Kind.POSTCODE: parse_postcode,
    Kind.CODES: parse_items,
    Kind.URL: parse_url,
}


# Kinds whose values often repeat down a file (a line's quantity of 1, its cost as the
# line's, the unit's and the repair's, a home's UPRN on each of its repairs): their parsers
# remember the latest values read, per file. A value refused is not remembered: its
# problem is found again, the same.
_REMEMBERED = frozenset({Kind.INTEGER, Kind.MONEY, Kind.QUANTITY, Kind.UPRN, Kind.POSTCODE})
_REMEMBER = 1024  # values per parser


def _parser(column: Column) -> Callable[[str], Any]:
    """``column``'s parser with its bounds or pattern bound in."""
    kind = column.kind
    if kind is Kind.INTEGER or kind is Kind.NUMBER:
        # A column without bounds takes any value a PostgreSQL integer holds.
        low = -(2**31) if column.low is None else column.low
        high = 2**31 - 1 if column.high is None else column.high
        if kind is Kind.NUMBER:
            return partial(parse_float, low=low, high=high)
        return partial(parse_int, low=int(low), high=int(high))
    if kind is Kind.DISTRICTS:
        return partial(parse_items, item=parse_district)
    if kind is Kind.PATTERN:
        return _pattern_parser(column, str)
    return _PARSERS[kind]


def _pattern_parser(column: Column, transform: Callable[[str], str]) -> Callable[[str], str]:
    """A parser of text that must fully match ``column``'s pattern after ``transform``."""
    regex = re.compile(column.pattern or "")
    reason = f"does not have the expected form ({column.example})"

    def parse(text: str) -> str:
        value = transform(text)
        if not regex.fullmatch(value):
            raise CellError(reason)
        return value

    return parse


def _wrong_kind(name: str, kind: Kind, kinds: Collection[Kind]) -> TypeError:
    """A reader asking for a column of another kind: a bug of the reader, not input."""
    return TypeError(f"column {name} is {kind}, not {kinds}")


# A mapped field as :meth:`Cells.mapped` reads it: the attribute holding it (or ""), the
# field's name and its column.
_MappedRead = tuple[str, str, str]


class Columns(dict[str, Column]):
    """A template's columns by name, with how each is read worked out once (its parser
    with its bounds or pattern; which columns a mapped record reads), so that reading a
    cell of any row costs a look-up and the parse, nothing more. Not to be changed once
    made."""

    def __init__(self, columns: Iterable[Column]) -> None:
        # Names interned, as the file's header is: a look-up by name then finds its key by
        # identity rather than by comparing the text.
        super().__init__((sys.intern(c.name), c) for c in columns)
        # Columns that read alike share one memory of their latest values.
        remembered: dict[tuple[Kind, float | None, float | None], Callable[[str], Any]] = {}
        self.rules: dict[str, _Rule] = {}
        for name, c in self.items():
            parse = _parser(c)
            if c.kind in _REMEMBERED:
                alike = (c.kind, c.low, c.high)
                parse = remembered.setdefault(alike, lru_cache(maxsize=_REMEMBER)(parse))
            self.rules[name] = _Rule(c.kind, c.required, parse, c.example)
        self._mapped: dict[tuple[type, str, tuple[str, ...]], tuple[_MappedRead, ...]] = {}
        self._patterns: dict[tuple[str, Callable[[str], str]], Callable[[str], str]] = {}

    def pattern_parser(self, name: str, transform: Callable[[str], str]) -> Callable[[str], str]:
        """The parser of column ``name``'s pattern, applied to its text after ``transform``."""
        key = (name, transform)
        parse = self._patterns.get(key)
        if parse is None:
            parse = self._patterns[key] = _pattern_parser(self[name], transform)
        return parse

    def mapped_reads(
        self, record_type: type, entity: Entity, read_here: tuple[str, ...]
    ) -> tuple[_MappedRead, ...]:
        """The mapped fields of ``entity`` that :meth:`Cells.mapped` reads for
        ``record_type`` from these columns (the attributes in ``read_here`` left out)."""
        key = (record_type, entity.name, read_here)
        reads = self._mapped.get(key)
        if reads is None:
            reads = tuple(
                (attribute, item.name, sys.intern(column))
                for attribute, item, column in mapped_attributes(record_type, entity)
                if attribute not in read_here and column in self
            )
            self._mapped[key] = reads
        return reads


class Cells:
    """One row's values read through column descriptions, collecting problems.

    A missing required value is reported unless the column is absent from the file (the
    header problem already says so). ``ok`` turns false on any problem of the row.
    """

    __slots__ = ("columns", "location", "ok", "problems", "rules", "values")

    def __init__(
        self,
        location: str,
        values: Mapping[str, str],
        columns: Columns,
        problems: list[Problem],
    ) -> None:
        self.location = location
        self.values = values
        self.columns = columns
        self.rules = columns.rules
        self.problems = problems
        self.ok = True

    def report(self, field: str, value: str, reason: str) -> None:
        """Add a problem about this row (``value`` is echoed safely)."""
        self.problems.append(Problem(self.location, field, safe_echo(value), reason))
        self.ok = False

    def raw(self, name: str) -> str:
        """The stripped text of ``name`` ("" when empty or absent)."""
        return self.values.get(name, "")

    def _missing(self, name: str) -> None:
        """A required value is missing: a problem when the column is in the file."""
        if name in self.values:
            self.report(name, "", "a value is required")
        else:
            self.ok = False

    def _read(
        self, name: str, reading: _Reading[T], parse: Callable[[str], T] | None = None
    ) -> T | None:
        """The value of ``name`` read by ``parse`` (by default the column's parser), or
        ``None`` when the cell is empty or its problem has been reported."""
        rule = self.rules[name]
        if rule.kind not in reading.kinds:
            raise _wrong_kind(name, rule.kind, reading.kinds)
        text = self.values.get(name, "")
        if not text:
            if rule.required:
                self._missing(name)
            return None
        try:
            return (parse or rule.parse)(text)
        except CellError as error:
            self.report(name, text, error.reason)
            return None

    def text(self, name: str) -> str | None:
        """A text or code value (``None`` when empty)."""
        rule = self.rules[name]
        if rule.kind not in _TEXT:
            raise _wrong_kind(name, rule.kind, _TEXT)
        text = self.values.get(name, "")
        if not text and rule.required:
            self._missing(name)
        return text or None

    def integer(self, name: str) -> int | None:
        """A whole number within the column's bounds."""
        return self._read(name, _INTEGER)

    def number(self, name: str) -> float | None:
        """A decimal number within the column's bounds."""
        return self._read(name, _NUMBER)

    def money(self, name: str) -> Decimal | None:
        """An amount in pounds."""
        return self._read(name, _MONEY)

    def quantity(self, name: str) -> Decimal | None:
        """A quantity."""
        return self._read(name, _QUANTITY)

    def boolean(self, name: str) -> bool | None:
        """A true/false value."""
        return self._read(name, _BOOLEAN)

    def date(self, name: str) -> dt.date | None:
        """An ISO date."""
        return self._read(name, _DATE)

    def datetime(self, name: str) -> dt.datetime | None:
        """A date-time in UTC."""
        return self._read(name, _DATETIME)

    def uprn(self, name: str) -> int | None:
        """A UPRN."""
        return self._read(name, _UPRN)

    def postcode(self, name: str) -> str | None:
        """A normalised full postcode."""
        return self._read(name, _POSTCODE)

    def items(self, name: str) -> tuple[str, ...]:
        """A |-separated list of codes or postcode districts (empty tuple when empty)."""
        return self._read(name, _ITEMS) or ()

    def url(self, name: str) -> str | None:
        """An http(s) web address."""
        return self._read(name, _URL)

    def pattern(self, name: str, transform: Callable[[str], str] = str) -> str | None:
        """Text that must fully match the column's pattern after ``transform``."""
        parse = None if transform is str else self.columns.pattern_parser(name, transform)
        return self._read(name, _PATTERN, parse)

    def value(self, name: str) -> Any:
        """The value of ``name`` read by its column's kind (a mapped field's column)."""
        return self._read(name, _MAPPED)

    def mapped(self, record_type: type, entity: Entity, *read_here: str) -> dict[str, Any]:
        """The values of ``entity``'s imported fields as keyword arguments of
        ``record_type``: by attribute, and the others in ``more_fields`` (empty cells left
        out). ``read_here`` names the attributes the reader reads itself (with rules of
        their own), which are skipped."""
        values: dict[str, Any] = {}
        more: dict[str, Any] = {}
        for attribute, field_name, column in self.columns.mapped_reads(
            record_type, entity, read_here
        ):
            value = self._read(column, _MAPPED)
            if attribute:
                values[attribute] = value
            elif value is not None:
                more[field_name] = value
        values["more_fields"] = more
        return values


def home_link(cells: Cells, ref: str, uprn: str) -> HomeLink | None:
    """The home a row names by ``ref`` and/or ``uprn``; reports when neither is given."""
    reference, number = cells.text(ref), cells.uprn(uprn)
    if reference is None and number is None:
        if cells.raw(uprn):
            return None  # the UPRN was given but is invalid: already reported
        cells.report(ref, "", f"give {ref} or {uprn} (or both)")
        return None
    return HomeLink(reference, number)


def rows_label(lines: Sequence[int]) -> str:
    """``"row 4"``, ``"rows 4-6"`` or ``"rows 4-5, 9"`` for the given file lines."""
    if len(lines) == 1:
        return f"row {lines[0]}"
    ordered = sorted(set(lines))
    if len(ordered) == 1:
        return f"row {ordered[0]}"
    runs: list[list[int]] = []
    for line in ordered:
        if runs and line == runs[-1][-1] + 1:
            runs[-1].append(line)
        else:
            runs.append([line])
    return "rows " + ", ".join(f"{r[0]}-{r[-1]}" if len(r) > 1 else f"{r[0]}" for r in runs)
