"""UK postcodes: normalisation and the levels users query by (area, district, sector, unit)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from enum import auto

from odx_graph.core.errors import ErrorCode
from odx_graph.core.errors import InputError

# Outward code: area (1-2 letters) + district (digit, then an optional digit or letter).
_OUTWARD = r"[A-Z]{1,2}[0-9][0-9A-Z]?"
_UNIT = re.compile(rf"^({_OUTWARD})([0-9][A-Z]{{2}})$")
_SECTOR = re.compile(rf"^({_OUTWARD}) ?([0-9])$")
_DISTRICT = re.compile(rf"^{_OUTWARD}$")
_AREA = re.compile(r"^[A-Z]{1,2}$")


class PostcodeLevel(StrEnum):
    """How much of a postcode a query names."""

    AREA = auto()
    DISTRICT = auto()
    SECTOR = auto()
    UNIT = auto()


@dataclass(frozen=True, slots=True)
class PostcodeQuery:
    """A normalised postcode prefix and the level it names."""

    level: PostcodeLevel
    value: str


def normalise_postcode(raw: str) -> str:
    """Return the full postcode upper-cased with one space before the inward code.

    Raises :class:`InputError` when ``raw`` is not a full UK postcode.
    """
    compact = re.sub(r"\s+", "", raw).upper()
    match = _UNIT.match(compact)
    if match is None:
        raise InputError(
            f"{raw!r} is not a full UK postcode (e.g. 'SW1A 2AA')",
            code=ErrorCode.INVALID_POSTCODE,
        )
    return f"{match.group(1)} {match.group(2)}"


def parse_postcode_query(raw: str) -> PostcodeQuery:
    """Classify ``raw`` as an area (``SW``), district (``SW1A``), sector or full unit.

    A district and a sector cannot be told apart without a space for some inputs
    (``E12`` is the district E12, not sector 2 of E1), so a sector needs its space.
    """
    text = " ".join(raw.upper().split())
    if _AREA.match(text):
        return PostcodeQuery(PostcodeLevel.AREA, text)
    if _DISTRICT.match(text):
        return PostcodeQuery(PostcodeLevel.DISTRICT, text)
    sector = _SECTOR.match(text)
    if sector is not None and " " in text:
        return PostcodeQuery(PostcodeLevel.SECTOR, f"{sector.group(1)} {sector.group(2)}")
    try:
        return PostcodeQuery(PostcodeLevel.UNIT, normalise_postcode(text))
    except InputError:
        raise InputError(
            f"{raw!r} is not a postcode area (SW), district (SW1A), sector (SW1A 2) "
            "or full postcode (SW1A 2AA)",
            code=ErrorCode.INVALID_POSTCODE,
        ) from None
