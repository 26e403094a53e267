"""Template columns and the rows read through them.

:class:`Column` describes a column once (kind, bounds, whether required, description and
example); :class:`Cells` reads one row through those descriptions, so the bounds that are
documented are the bounds that are checked. The value rules are in
:mod:`odx_graph.services.importing.cells`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any
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


class Cells:
    """One row's values read through column descriptions, collecting problems.

    A missing required value is reported unless the column is absent from the file (the
    header problem already says so). ``ok`` turns false on any problem of the row.
    """

    def __init__(
        self,
        location: str,
        values: Mapping[str, str],
        columns: Mapping[str, Column],
        problems: list[Problem],
    ) -> None:
        self.location = location
        self.values = values
        self.columns = columns
        self.problems = problems
        self.ok = True

    def report(self, field: str, value: str, reason: str) -> None:
        """Add a problem about this row (``value`` is echoed safely)."""
        self.problems.append(Problem(self.location, field, safe_echo(value), reason))
        self.ok = False

    def raw(self, name: str) -> str:
        """The stripped text of ``name`` ("" when empty or absent)."""
        return self.values.get(name, "")

    def _read(self, name: str, kinds: tuple[Kind, ...], parse: Callable[[str], T]) -> T | None:
        column = self.columns[name]
        if column.kind not in kinds:  # a reader asking for the wrong type: a bug, not input
            raise TypeError(f"column {name} is {column.kind}, not {kinds}")
        text = self.raw(name)
        if not text:
            if column.required:
                if name in self.values:
                    self.report(name, "", "a value is required")
                else:
                    self.ok = False
            return None
        try:
            return parse(text)
        except CellError as error:
            self.report(name, text, error.reason)
            return None

    def _bounds(self, name: str) -> tuple[float, float]:
        # A column without bounds takes any value a PostgreSQL integer holds.
        column = self.columns[name]
        low = -(2**31) if column.low is None else column.low
        return low, 2**31 - 1 if column.high is None else column.high

    def text(self, name: str) -> str | None:
        """A text or code value (``None`` when empty)."""
        return self._read(name, (Kind.TEXT, Kind.CODE), str)

    def integer(self, name: str) -> int | None:
        """A whole number within the column's bounds."""
        low, high = self._bounds(name)
        return self._read(name, (Kind.INTEGER,), lambda t: parse_int(t, int(low), int(high)))

    def number(self, name: str) -> float | None:
        """A decimal number within the column's bounds."""
        low, high = self._bounds(name)
        return self._read(name, (Kind.NUMBER,), lambda t: parse_float(t, low, high))

    def money(self, name: str) -> Decimal | None:
        """An amount in pounds."""
        return self._read(name, (Kind.MONEY,), parse_money)

    def quantity(self, name: str) -> Decimal | None:
        """A quantity."""
        return self._read(name, (Kind.QUANTITY,), parse_quantity)

    def boolean(self, name: str) -> bool | None:
        """A true/false value."""
        return self._read(name, (Kind.BOOLEAN,), parse_bool)

    def date(self, name: str) -> dt.date | None:
        """An ISO date."""
        return self._read(name, (Kind.DATE,), parse_date)

    def datetime(self, name: str) -> dt.datetime | None:
        """A date-time in UTC."""
        return self._read(name, (Kind.DATETIME,), parse_datetime)

    def uprn(self, name: str) -> int | None:
        """A UPRN."""
        return self._read(name, (Kind.UPRN,), parse_uprn)

    def postcode(self, name: str) -> str | None:
        """A normalised full postcode."""
        return self._read(name, (Kind.POSTCODE,), parse_postcode)

    def items(self, name: str) -> tuple[str, ...]:
        """A |-separated list of codes or postcode districts (empty tuple when empty)."""
        check = parse_district if self.columns[name].kind is Kind.DISTRICTS else None
        value = self._read(name, (Kind.CODES, Kind.DISTRICTS), lambda t: parse_items(t, check))
        return value or ()

    def url(self, name: str) -> str | None:
        """An http(s) web address."""
        return self._read(name, (Kind.URL,), parse_url)

    def pattern(self, name: str, transform: Callable[[str], str] = str) -> str | None:
        """Text that must fully match the column's pattern after ``transform``."""
        regex = re.compile(self.columns[name].pattern or "")

        def parse(text: str) -> str:
            value = transform(text)
            if not regex.fullmatch(value):
                raise CellError(f"does not have the expected form ({self.columns[name].example})")
            return value

        return self._read(name, (Kind.PATTERN,), parse)

    def value(self, name: str) -> Any:
        """The value of ``name`` read by its column's kind (a mapped field's column)."""
        return getattr(self, _READERS[self.columns[name].kind])(name)

    def mapped(self, record_type: type, entity: Entity, *read_here: str) -> dict[str, Any]:
        """The values of ``entity``'s imported fields as keyword arguments of
        ``record_type``: by attribute, and the others in ``more_fields`` (empty cells left
        out). ``read_here`` names the attributes the reader reads itself (with rules of
        their own), which are skipped."""
        values: dict[str, Any] = {}
        more: dict[str, Any] = {}
        for attribute, item, column in mapped_attributes(record_type, entity):
            if attribute in read_here or column not in self.columns:
                continue
            value = self.value(column)
            if attribute:
                values[attribute] = value
            elif value is not None:
                more[item.name] = value
        return {**values, "more_fields": more}


# The Cells method reading each kind of column a mapped field may have.
_READERS = {
    Kind.TEXT: "text",
    Kind.INTEGER: "integer",
    Kind.NUMBER: "number",
    Kind.MONEY: "money",
    Kind.BOOLEAN: "boolean",
    Kind.DATE: "date",
    Kind.DATETIME: "datetime",
    Kind.UPRN: "uprn",
    Kind.POSTCODE: "postcode",
    Kind.PATTERN: "pattern",
}


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


class Duplicates:
    """Finds the values of one field that are on more than one record, as records arrive.

    Only each value's first place is held (its location alone when the value is its own
    key), and every place of a repeated value, so a large file costs one small entry per
    distinct value. ``key`` turns the text into what must be unique (``None``: not
    checked); without it, an empty text is not checked.
    """

    def __init__(self, key: Callable[[str], object] | None = None) -> None:
        self.key = key
        self.first: dict[object, int | str | tuple[int | str, str]] = {}
        self.repeated: dict[object, list[tuple[int | str, str]]] = {}

    def add(self, text: str, location: int | str, key: object = None) -> None:
        """Note ``text`` at ``location`` (a row number or a record's name); ``key``, when
        given, is what must be unique instead of the converted text."""
        if key is None:
            key = self.key(text) if self.key is not None else (text or None)
        if key is None:
            return
        if key in self.repeated:
            self.repeated[key].append((location, text))
        elif key in self.first:
            first = self.first[key]
            place = first if isinstance(first, tuple) else (first, str(key))
            self.repeated[key] = [place, (location, text)]
        else:
            self.first[key] = location if key == text else (location, text)

    def report(self, problems: list[Problem], field_name: str, what: str) -> None:
        """Add a problem to each place of a repeated value, naming the other places, in
        the order the values first appeared."""
        for places in (self.repeated[k] for k in self.first if k in self.repeated):
            names = [_where(location) for location, _ in places]
            for (_, text), name in zip(places, names, strict=True):
                others = ", ".join(n for n in names if n != name)
                reason = f"the same {what} is also on {others}"
                problems.append(Problem(name, field_name, safe_echo(text), reason))


def _where(location: int | str) -> str:
    return f"row {location}" if isinstance(location, int) else location


def report_duplicates(
    problems: list[Problem], field_name: str, keyed: Iterable[tuple[object, str, str]], what: str
) -> None:
    """Report every value of ``field_name`` that is on more than one record.

    ``keyed`` yields ``(key, location, text as given)``; each record of a repeated key
    gets a problem naming the other locations.
    """
    found = Duplicates()
    for key, location, text in keyed:
        if key is not None:
            found.add(text, location, key)
    found.report(problems, field_name, what)
