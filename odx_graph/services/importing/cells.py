"""Typed cells: text values checked and turned into Python values, with plain reasons.

Each ``parse_*`` function takes a non-empty, stripped value and returns the typed value or
raises :class:`CellError` with a reason that never repeats the value (the value is echoed
separately, through :func:`~odx_graph.services.importing.textfile.safe_echo`);
:mod:`odx_graph.services.importing.columns` applies them to the rows of a file.

The rules:

* Whole numbers are plain digits (``-`` allowed where the bounds allow it); scientific
  notation (``1e400``), ``NaN``, ``inf``, thousands separators and numbers of more than 15
  digits are refused with a reason.
* Money: non-negative, at most 2 decimal places, below 10,000,000,000, no currency sign.
  Quantities: more than 0, at most 3 decimal places, below 10,000,000.
* Dates are ISO 8601 ``YYYY-MM-DD`` only: ``01/03/2024`` is refused because it reads as
  1 March in the UK and 3 January in the US. Years run from 1000 to 2999.
* Date-times are ISO 8601 (``T`` or a space between date and time) with ``Z`` or an
  offset; a time without offset is UK local time (Europe/London) and a date alone means
  00:00 UK local time. A local time the clocks skip in spring is refused; one they repeat
  in autumn is taken as the first (BST). Results are aware datetimes in UTC.
* UPRNs are 1 to 12 digits, at least 1; leading zeros are accepted and dropped (the EPC
  register writes UPRNs zero-padded to 12 digits) as long as the whole is at most 12
  digits.
* Lists are ``|``-separated; items are stripped, repeats dropped, empty items refused.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal
from typing import TypeVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from odx_graph.core.errors import InputError
from odx_graph.core.postcodes import normalise_postcode

UK_TIME = ZoneInfo("Europe/London")
MIN_YEAR, MAX_YEAR = 1000, 2999
MONEY_MAX = Decimal("10000000000")
QUANTITY_MAX = Decimal("10000000")

T = TypeVar("T")


class CellError(ValueError):
    """A value that cannot be read; ``reason`` says why in plain words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


_INTEGER = re.compile(r"^[+-]?[0-9]+$")
_DECIMAL = re.compile(r"^[+-]?[0-9]+(\.[0-9]+)?$")
_SCIENTIFIC = re.compile(r"^[+-]?[0-9]*\.?[0-9]+[eE][+-]?[0-9]+$")
_CURRENCY = re.compile(r"^[£$€]")
_THOUSANDS = re.compile(r"^[+-]?[0-9,]+(\.[0-9]+)?$")
_NOT_FINITE = frozenset({"nan", "inf", "+inf", "-inf", "infinity", "+infinity", "-infinity"})


def _number_shape(text: str, pattern: re.Pattern[str], what: str) -> None:
    if text.lower() in _NOT_FINITE:
        raise CellError(f"is not a number; expected {what}")
    if _SCIENTIFIC.match(text):
        raise CellError(f"uses scientific notation; write {what} in full")
    if _CURRENCY.match(text.lstrip("+-")):
        raise CellError(f"has a currency sign; write {what} as digits only")
    if "," in text and _THOUSANDS.match(text):
        raise CellError(f"has a thousands separator; write {what} without commas")
    if not pattern.match(text):
        raise CellError(f"is not {what}")


def parse_int(text: str, low: int, high: int) -> int:
    """A whole number from ``low`` to ``high``."""
    if not (text.isascii() and text.isdigit() and len(text) <= 15):  # else the slow checks
        _number_shape(text, _INTEGER, "a whole number")
        if len(text.lstrip("+-").lstrip("0")) > 15:
            raise CellError(f"has too many digits; expected {low} to {high}")
    value = int(text)
    if not low <= value <= high:
        raise CellError(f"is out of range; expected {low} to {high}")
    return value


def parse_float(text: str, low: float, high: float) -> float:
    """A decimal number from ``low`` to ``high`` (coordinates)."""
    _number_shape(text, _DECIMAL, "a decimal number")
    if len(text) > 30:
        raise CellError("has too many digits")
    value = float(text)
    if not low <= value <= high:
        raise CellError(f"is out of range; expected {low} to {high}")
    return value


def _decimal(text: str, places: int, maximum: Decimal, what: str) -> Decimal:
    _number_shape(text, _DECIMAL, what)
    if text.startswith("-"):
        raise CellError("must not be negative")
    whole, _, fraction = text.lstrip("+").partition(".")
    if len(fraction) > places:
        raise CellError(f"has more than {places} decimal places")
    if len(whole.lstrip("0")) > len(str(maximum)):
        raise CellError(f"is too large; expected less than {maximum:,}")
    value = Decimal(text)
    if value >= maximum:
        raise CellError(f"is too large; expected less than {maximum:,}")
    return value


# The common shapes, accepted at once: what they match is below the maximum and within
# the places, so the full checks (which explain what is wrong) would accept it too.
_PLAIN_MONEY = re.compile(r"[0-9]{1,10}(?:\.[0-9]{1,2})?")
_PLAIN_QUANTITY = re.compile(r"[0-9]{1,7}(?:\.[0-9]{1,3})?")


def parse_money(text: str) -> Decimal:
    """A non-negative amount in pounds with at most 2 decimal places."""
    if _PLAIN_MONEY.fullmatch(text):
        return Decimal(text)
    return _decimal(text, 2, MONEY_MAX, "an amount in pounds")


def parse_quantity(text: str) -> Decimal:
    """A quantity greater than 0 with at most 3 decimal places."""
    if _PLAIN_QUANTITY.fullmatch(text):
        value = Decimal(text)
    else:
        value = _decimal(text, 3, QUANTITY_MAX, "a quantity")
    if value == 0:
        raise CellError("must be more than 0")
    return value


_TRUE = frozenset({"true", "yes", "y", "1"})
_FALSE = frozenset({"false", "no", "n", "0"})


def parse_bool(text: str) -> bool:
    """``true/false``, ``yes/no``, ``y/n`` or ``1/0``, in any case."""
    lowered = text.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise CellError("is not true or false (also accepted: yes/no, y/n, 1/0)")


_DATE = re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})$")
_SLASHED = re.compile(r"^[0-9]{1,2}[/.-][0-9]{1,2}[/.-][0-9]{2,4}$")
_DATETIME = re.compile(
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?"
    r"(Z|[+-][0-9]{2}:?[0-9]{2})?$"
)


def parse_date(text: str) -> dt.date:
    """An ISO 8601 calendar date, ``YYYY-MM-DD``."""
    match = _DATE.match(text)
    if match is None:
        if _SLASHED.match(text):
            raise CellError(
                "is not written YYYY-MM-DD; day/month dates are ambiguous (1 March or "
                "3 January?), write e.g. 2024-03-01"
            )
        raise CellError("is not a date written YYYY-MM-DD (e.g. 2024-03-01)")
    year, month, day = (int(g) for g in match.groups())
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise CellError(f"has a year outside {MIN_YEAR} to {MAX_YEAR}")
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise CellError("is not a real calendar date") from None


# The common shape, e.g. 2024-03-01T09:30:00Z, in the years MIN_YEAR to MAX_YEAR: read
# at once by ``fromisoformat``, which refuses what is not a real date and time.
_PLAIN_UTC = re.compile(r"[12][0-9]{3}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")


def parse_datetime(text: str) -> dt.datetime:
    """An ISO 8601 date-time (or date) as an aware UTC datetime; see the module docs."""
    if _PLAIN_UTC.fullmatch(text):
        try:
            return dt.datetime.fromisoformat(text)
        except ValueError:
            pass  # not a real date or time: the checks below say which
    text = text.upper()
    if _DATE.match(text):
        moment = dt.datetime.combine(parse_date(text), dt.time())
    elif _DATETIME.match(text):
        parse_date(text[:10])  # the same reasons for a bad date part
        try:
            moment = dt.datetime.fromisoformat(text)
        except ValueError:
            raise CellError("is not a real date and time") from None
    else:
        raise CellError(
            "is not an ISO 8601 date-time (e.g. 2024-03-01T09:30:00Z or 2024-03-01T09:30:00+01:00)"
        )
    if moment.tzinfo is None:
        local = moment.replace(tzinfo=UK_TIME)
        back = local.astimezone(dt.UTC).astimezone(UK_TIME).replace(tzinfo=None)
        if back != moment:
            raise CellError("is a UK local time skipped when the clocks went forward")
        moment = local
    return moment.astimezone(dt.UTC)


# A number as a spreadsheet shows a long one it has taken for a number: 1.00023E+11, 1234.0
_SPREADSHEET_NUMBER = re.compile(r"^[0-9]+(\.0+)?$|^[0-9.]+[eE]\+?[0-9]+$")


def parse_uprn(text: str) -> int:
    """A UPRN: 1 to 12 digits (leading zeros dropped), not zero."""
    if not (text.isascii() and text.isdigit()):
        if _SPREADSHEET_NUMBER.match(text) and not text.isdigit():
            raise CellError(
                "looks changed by a spreadsheet (decimal or scientific notation); format "
                "the column as text and write the UPRN's digits"
            )
        raise CellError("is not a UPRN (1 to 12 digits)")
    if len(text) > 12:
        raise CellError("has more than 12 digits; a UPRN has 1 to 12")
    value = int(text)
    if value == 0:
        raise CellError("is zero, which is not a UPRN")
    return value


def parse_postcode(text: str) -> str:
    """A full UK postcode, normalised (``SW1A 2AA``)."""
    try:
        return normalise_postcode(text)
    except InputError:
        raise CellError("is not a full UK postcode (e.g. SW1A 2AA)") from None


_DISTRICT = re.compile(r"^[A-Z]{1,2}[0-9][0-9A-Z]?$")


def parse_district(text: str) -> str:
    """A postcode district (outward code) such as ``SW1A`` or ``E1``, upper-cased."""
    value = text.upper()
    if not _DISTRICT.match(value):
        raise CellError("is not a postcode district (e.g. SW1A, E1)")
    return value


def parse_url(text: str) -> str:
    """An absolute ``http`` or ``https`` URL."""
    if len(text) > 2000 or any(c.isspace() or ord(c) < 0x20 for c in text):
        raise CellError("is not a web address (spaces or too long)")
    parts = urlsplit(text)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise CellError("is not a web address starting http:// or https://")
    return text


def parse_items(text: str, item: Callable[[str], str] | None = None) -> tuple[str, ...]:
    """A ``|``-separated list; each item stripped, checked by ``item``, repeats dropped."""
    items: list[str] = []
    for raw in text.split("|"):
        value = raw.strip()
        if not value:
            raise CellError("has an empty item; separate items with a single |")
        value = item(value) if item else value
        if value not in items:
            items.append(value)
    return tuple(items)
