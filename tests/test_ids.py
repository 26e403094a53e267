"""Global IDs and cursors: round trips, and garbage rejected with a clear code."""

from __future__ import annotations

import datetime as dt

import pytest

from odx_graph.core.errors import ErrorCode, InputError
from odx_graph.core.ids import (
    Cursor,
    decode_cursor,
    decode_global_id,
    decode_int_id,
    encode_cursor,
    encode_global_id,
)


def test_global_id_round_trip_matches_the_relay_convention() -> None:
    assert encode_global_id("Home", 42) == "SG9tZTo0Mg=="
    assert decode_global_id("SG9tZTo0Mg==") == ("Home", "42")
    assert decode_int_id(encode_global_id("Repair", 7), "Repair") == 7


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "abc",
        "SG9tZQ==",
        "%%%",
        "SG9tZTo=",
        "🏠",
        encode_global_id("Home", "x1"),
        encode_global_id("Home", "9" * 30),
    ],
)
def test_malformed_ids_raise_invalid_id(bad: str) -> None:
    with pytest.raises(InputError) as caught:
        decode_int_id(bad, "Home")
    assert caught.value.code is ErrorCode.INVALID_ID


def test_an_id_of_another_type_is_refused() -> None:
    with pytest.raises(InputError, match="not the ID of a Home"):
        decode_int_id(encode_global_id("Repair", 1), "Home")


def test_cursor_round_trip() -> None:
    when = dt.datetime(2025, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    text = encode_cursor(Cursor("REPORTED_AT", True, when, 99))
    assert decode_cursor(text) == Cursor("REPORTED_AT", True, when.isoformat(), 99)


@pytest.mark.parametrize("bad", ["", "zzz", "e30", "WzEsMiwzXQ", "bnVsbA", "WyJBIiwxLDIsM10"])
def test_garbage_cursors_raise_invalid_cursor(bad: str) -> None:
    with pytest.raises(InputError) as caught:
        decode_cursor(bad)
    assert caught.value.code is ErrorCode.INVALID_CURSOR
