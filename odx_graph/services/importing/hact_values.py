"""Typed value checks for the HACT reader: each reads one JSON value at a path or reports why not.

Kept apart from :mod:`odx_graph.services.importing.hact` (which knows the document shapes and the
mapping) so each stays small. Every check reports into a :class:`Checker` and returns ``None``
on failure, so a reader can carry on and report every problem of an object, not the first.
JSON ``null`` counts as absent throughout (serialisers write it for unset optional fields).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from decimal import InvalidOperation
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from odx_graph.core.errors import InputError
from odx_graph.core.postcodes import normalise_postcode
from odx_graph.services.importing.records import GivenReference
from odx_graph.services.importing.records import Problem
from odx_graph.services.importing.records import shown

JsonObject = dict[str, Any]

PRIORITY_CODES = frozenset({"1", "2", "3", "4", "5"})
MAX_QUANTITY = Decimal(1_000_000)  # far above any real SOR quantity; fits numeric(12, 3)
_THOUSANDTH = Decimal("0.001")
_UPRN = re.compile(r"[0-9]{1,12}")
_FIRST_YEAR, _LAST_YEAR = 1900, 2100
_FORMULA_STARTS = ("=", "+", "-", "@")


class BadNumber(str):
    """A JSON number Python should not hold: NaN, Infinity or too many digits (kept as text)."""

    __slots__ = ()


def parse_int(text: str) -> int | BadNumber:
    """``json.loads`` hook: an ``int``, or the text when it has too many digits to be sane.

    ``int()`` refuses more than 4,300 digits with a ValueError that would abort the whole
    parse; keeping the text lets the field that holds it be reported instead.
    """
    return BadNumber(text) if len(text.lstrip("-")) > 30 else int(text)


@cache
def _london() -> ZoneInfo:
    # Loaded on first use so importing the module never needs the time-zone database.
    return ZoneInfo("Europe/London")


def _escaped(char: str) -> str:
    if char.isprintable():
        return char
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def echo(value: object) -> str:
    """``value`` as safe text for a problem report.

    Control and other invisible characters are escaped, and text a spreadsheet would run as a
    formula (starting ``=``, ``+``, ``-`` or ``@``) gets a leading ``'``. Objects and arrays are
    not echoed, only named: they may hold data that must not be repeated.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, dict):
        text = "{…}"
    elif isinstance(value, list):
        text = "[…]"
    else:
        text = "".join(_escaped(c) for c in str(value)[:400])  # cut first: values may be huge
    if text.startswith(_FORMULA_STARTS):
        text = "'" + text
    return shown(text)


class Checker:
    """Collects the problems of one HACT object while its values are read."""

    def __init__(self, location: str) -> None:
        self.location = location
        self.problems: list[Problem] = []

    def fail(self, path: str, value: object, reason: str) -> None:
        """Report ``value`` at ``path`` as wrong, for ``reason``."""
        self.problems.append(Problem(self.location, path, echo(value), reason))

    def obj(self, value: object, path: str, *, required: bool = False) -> JsonObject | None:
        """A JSON object, or ``None`` (reported when required or of the wrong type)."""
        if isinstance(value, dict):
            return value
        if value is not None:
            self.fail(path, value, "expected an object ({...})")
        elif required:
            self.fail(path, "", "missing")
        return None

    def array(self, value: object, path: str) -> list[tuple[str, object]]:
        """The items of an optional JSON array, each with its path."""
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail(path, value, "expected an array ([...])")
            return []
        return [(f"{path}[{i}]", item) for i, item in enumerate(value)]

    def objects(self, value: object, path: str) -> list[tuple[str, JsonObject]]:
        """The objects of an optional JSON array; other items are reported."""
        found = []
        for item_path, item in self.array(value, path):
            block = self.obj(item, item_path, required=True)
            if block is not None:
                found.append((item_path, block))
        return found

    def text(
        self, value: object, path: str, *, required: bool = False, limit: int = 200
    ) -> str | None:
        """Stripped text of at most ``limit`` characters; empty text counts as absent."""
        if value is None:
            if required:
                self.fail(path, "", "missing")
            return None
        if not isinstance(value, str):
            self.fail(path, value, "expected text")
            return None
        text = value.strip()
        if not text:
            if required:
                self.fail(path, "", "missing")
            return None
        if len(text) > limit:
            self.fail(path, text, f"too long: at most {limit} characters")
            return None
        # PostgreSQL text holds neither NUL nor lone surrogates (JSON can spell both).
        if "\x00" in text or (not text.isascii() and _has_surrogate(text)):
            self.fail(path, text, "contains a NUL character or broken Unicode")
            return None
        return text

    def when(self, value: object, path: str, *, required: bool = False) -> dt.datetime | None:
        """An ISO 8601 date or date-time as an aware UTC datetime.

        A time without an offset is Europe/London time (one the clocks repeat in autumn is
        taken as the first, BST); a date alone is 00:00 London time.
        """
        text = self.text(value, path, required=required, limit=40)
        if text is None:
            return None
        try:
            parsed = dt.datetime.fromisoformat(text)
            local = parsed.tzinfo is None
            if local:
                parsed = parsed.replace(tzinfo=_london())
            moment = parsed.astimezone(dt.UTC)
        except (ValueError, OverflowError):
            self.fail(path, text, "not an ISO 8601 date or date-time (2024-03-01T09:30:00Z)")
            return None
        if not _FIRST_YEAR <= moment.year <= _LAST_YEAR:
            self.fail(path, text, f"year outside {_FIRST_YEAR}-{_LAST_YEAR}")
            return None
        # A UK time the clocks skip in spring names no moment; refuse it rather than guess.
        wall = parsed.replace(tzinfo=None)
        if local and moment.astimezone(_london()).replace(tzinfo=None) != wall:
            self.fail(path, text, "a UK local time skipped when the clocks went forward")
            return None
        return moment

    def priority(self, value: object, path: str) -> str | None:
        """A HACT WorkPriorityCode "1".."5" (text per the schema; a JSON integer is accepted)."""
        if isinstance(value, int) and not isinstance(value, bool):
            code: str | None = str(value)
        else:
            code = self.text(value, path, required=True, limit=10)
            if code is None:
                return None
        if code not in PRIORITY_CODES:
            self.fail(path, code, "not a HACT priority code: expected 1 to 5")
            return None
        return code

    def reference_id(self, value: object, path: str) -> str | None:
        """The ID of a HACT Reference ``{ID, AllocatedBy, Description}``."""
        block = self.obj(value, path, required=True)
        if block is None:
            return None
        raw = block.get("ID")
        if isinstance(raw, int) and not isinstance(raw, bool):
            raw = str(raw)  # the schema says text, but numeric IDs are common on the wire
        return self.text(raw, f"{path}.ID", required=True)

    def allocated_by(self, value: object, path: str) -> str | None:
        """The AllocatedBy of a HACT Reference object (``None`` when not given)."""
        if not isinstance(value, dict):
            return None
        return self.text(value.get("AllocatedBy"), f"{path}.AllocatedBy")

    def home_references(
        self, value: object, path: str
    ) -> tuple[int | None, str | None, tuple[GivenReference, ...]]:
        """A unit's UPRN (the Reference allocated by "UPRN"), its first Reference with no
        AllocatedBy, and the other References with the AllocatedBy each names."""
        uprn: int | None = None
        own: str | None = None
        allocated: list[GivenReference] = []
        for ref_path, ref in self.objects(value, path):
            ident = self.reference_id(ref, ref_path)
            by = self.allocated_by(ref, ref_path)
            if ident is None:
                continue
            if by is not None and by.upper() == "UPRN":
                number = self.uprn(ident, f"{ref_path}.ID")
                if number is not None and uprn is not None and number != uprn:
                    self.fail(f"{ref_path}.ID", ident, f"a second, different UPRN (first {uprn})")
                uprn = uprn or number
            elif by is None and own is None:
                own = ident
            elif (ident, by) not in allocated:
                allocated.append((ident, by))
        return uprn, own, tuple(allocated)

    def uprn(self, text: str, path: str) -> int | None:
        """A UPRN: 1 to 12 digits, not zero."""
        if _UPRN.fullmatch(text) is None or int(text) == 0:
            self.fail(path, text, "not a UPRN: 1 to 12 digits, not zero")
            return None
        return int(text)

    def postcode(self, value: object, path: str) -> str | None:
        """A full UK postcode, normalised ("SW1A 2AA")."""
        text = self.text(value, path, required=True, limit=16)
        if text is None:
            return None
        try:
            return normalise_postcode(text)
        except InputError:
            self.fail(path, text, "not a full UK postcode (e.g. SW1A 2AA)")
            return None

    def address_lines(self, address: JsonObject, path: str) -> tuple[list[str], str | None]:
        """The address as lines (premises, then street, then AddressLine[]) and its town."""

        def part(key: str) -> str | None:
            return self.text(address.get(key), f"{path}.{key}")

        premises = ", ".join(p for p in (part("Room"), part("BuildingName")) if p)
        street = " ".join(p for p in (part("BuildingNumber"), part("StreetName")) if p)
        lines = [line for line in (premises, street) if line]
        for line_path, line in self.array(address.get("AddressLine"), f"{path}.AddressLine"):
            text = self.text(line, line_path)
            if text is not None:
                lines.append(text)
        return lines, part("CityName")

    def quantity(self, value: object, path: str) -> Decimal | None:
        """A non-negative decimal below a million with at most 3 decimal places."""
        if isinstance(value, BadNumber):
            self.fail(path, value, "not a usable number (NaN, Infinity or too many digits)")
            return None
        if isinstance(value, bool) or not isinstance(value, int | Decimal):
            self.fail(path, value, "expected a number")
            return None
        amount = Decimal(value)
        if not amount.is_finite() or amount < 0 or amount >= MAX_QUANTITY:
            self.fail(path, value, "out of range: expected 0 or more and under 1,000,000")
            return None
        try:
            exact = amount == amount.quantize(_THOUSANDTH)
        except InvalidOperation:
            exact = False
        if not exact:
            self.fail(path, value, "more than 3 decimal places")
            return None
        return amount


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False
