"""Postcode normalisation and the levels users query by."""

from __future__ import annotations

import pytest

from odx_graph.core.errors import ErrorCode
from odx_graph.core.errors import InputError
from odx_graph.core.postcodes import PostcodeLevel
from odx_graph.core.postcodes import PostcodeQuery
from odx_graph.core.postcodes import normalise_postcode
from odx_graph.core.postcodes import parse_postcode_query


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("sw1a2aa", "SW1A 2AA"),
        ("SW1A 2AA", "SW1A 2AA"),
        ("  e1   6an ", "E1 6AN"),
        ("M1 1AE", "M1 1AE"),
        ("B33 8TH", "B33 8TH"),
        ("CR2 6XH", "CR2 6XH"),
        ("DN55 1PT", "DN55 1PT"),
        ("W1A 0AX", "W1A 0AX"),
        ("EC1A 1BB", "EC1A 1BB"),
    ],
)
def test_every_uk_format_normalises(raw: str, expected: str) -> None:
    assert normalise_postcode(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "SW1A",
        "SW1A 2A",
        "1AA 2AA",
        "SW1A 2AAA",
        "SW1A-2AA",
        "Q",
        "ÄB1 2CD",
        "SW1A 2AA; DROP TABLE home",
        "ABC1 2AA",  # an area has one or two letters
    ],
)
def test_bad_postcodes_are_rejected_with_a_code(raw: str) -> None:
    with pytest.raises(InputError) as caught:
        normalise_postcode(raw)
    assert caught.value.code is ErrorCode.INVALID_POSTCODE


@pytest.mark.parametrize(
    ("raw", "level", "value"),
    [
        ("sw", PostcodeLevel.AREA, "SW"),
        ("E", PostcodeLevel.AREA, "E"),
        ("sw1a", PostcodeLevel.DISTRICT, "SW1A"),
        ("E12", PostcodeLevel.DISTRICT, "E12"),
        ("LS9", PostcodeLevel.DISTRICT, "LS9"),
        ("sw1a 2", PostcodeLevel.SECTOR, "SW1A 2"),
        ("E1  6", PostcodeLevel.SECTOR, "E1 6"),
        ("sw1a2aa", PostcodeLevel.UNIT, "SW1A 2AA"),
        ("E1 6AN", PostcodeLevel.UNIT, "E1 6AN"),
    ],
)
def test_query_levels(raw: str, level: PostcodeLevel, value: str) -> None:
    query = parse_postcode_query(raw)
    assert (query.level, query.value) == (level, value)


@pytest.mark.parametrize(
    "raw", ["", "1", "SW1A 2A", "ABC", "E1 6 6", "%", "E1_", "ABC1", "ABC1 2", "SWA1"]
)
def test_bad_queries_explain_the_levels(raw: str) -> None:
    with pytest.raises(InputError, match=r"area .* district .* sector"):
        parse_postcode_query(raw)


@pytest.mark.parametrize("raw", ["SW1A2", "E12A", "M145", "sw1a2"])
def test_a_sector_needs_its_space(raw: str) -> None:
    """Without the space a sector cannot be told from a district (E12 is a district, not
    sector 2 of E1), so the run-together form is refused rather than guessed."""
    with pytest.raises(InputError) as caught:
        parse_postcode_query(raw)
    assert caught.value.code is ErrorCode.INVALID_POSTCODE
    assert parse_postcode_query("E12") == PostcodeQuery(PostcodeLevel.DISTRICT, "E12")
    assert parse_postcode_query(" sw1a  2 ") == PostcodeQuery(PostcodeLevel.SECTOR, "SW1A 2")
