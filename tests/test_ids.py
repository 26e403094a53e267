"""Global IDs and cursors: round trips, and garbage rejected with a clear code."""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

import pytest

from odx_graph.core.errors import ErrorCode
from odx_graph.core.errors import InputError
from odx_graph.core.ids import MAX_CURSOR_LENGTH
from odx_graph.core.ids import Cursor
from odx_graph.core.ids import decode_cursor
from odx_graph.core.ids import decode_global_id
from odx_graph.core.ids import decode_int_id
from odx_graph.core.ids import encode_cursor
from odx_graph.core.ids import encode_global_id


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


def test_keys_have_at_most_18_digits() -> None:
    """Every 18-digit key fits a bigint; a 19-digit one may not (9999999999999999999), so
    it is refused here as an invalid ID rather than reaching the database."""
    assert decode_int_id(encode_global_id("Home", "9" * 18), "Home") == int("9" * 18)
    for key in ("1" + "0" * 18, "9" * 19, "0", "01"):
        with pytest.raises(InputError) as caught:
            decode_int_id(encode_global_id("Home", key), "Home")
        assert caught.value.code is ErrorCode.INVALID_ID


async def test_a_19_digit_key_is_an_invalid_id_not_a_database_error(gql: Any, client: Any) -> None:
    for digits, code in (("9" * 18, None), ("9" * 19, "INVALID_ID")):
        body = await gql(
            "query($id: ID!) { node(id: $id) { id } }",
            {"id": encode_global_id("Home", digits)},
            expect_errors=True,
        )
        assert body["data"] == {"node": None}
        assert [e["extensions"]["code"] for e in body.get("errors", [])] == ([code] if code else [])
        page = await client.get(f"/id/home/{digits}", headers={"Accept": "text/turtle"})
        assert page.status_code == 404


def _cursor_of(payload: str) -> str:
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def test_a_cursor_may_be_exactly_the_maximum_length() -> None:
    assert MAX_CURSOR_LENGTH == 512
    # ["A",false,"xxx...",1]: the padding string brings the text to 512 characters exactly
    filler = ""
    text = _cursor_of(f'["A",false,"{filler}",1]')
    while len(text) < 512:
        filler += "x"
        text = _cursor_of(f'["A",false,"{filler}",1]')
    assert len(text) == 512
    assert decode_cursor(text) == Cursor("A", False, filler, 1)
    longer = _cursor_of(f'["A",false,"{filler}x",1]')
    assert len(longer) > MAX_CURSOR_LENGTH
    with pytest.raises(InputError) as caught:
        decode_cursor(longer)
    assert caught.value.code is ErrorCode.INVALID_CURSOR


@pytest.mark.parametrize(
    "payload",
    [
        '["A",false,1,true]',
        '["A",false,1,false]',
        '["A",1,1,1]',
        "[1,false,1,1]",
        '["A",false,1,null]',
    ],
)
def test_a_cursor_key_must_be_a_number_or_text(payload: str) -> None:
    with pytest.raises(InputError) as caught:
        decode_cursor(_cursor_of(payload))
    assert caught.value.code is ErrorCode.INVALID_CURSOR
    assert decode_cursor(_cursor_of('["A",false,1,"k"]')).key == "k"


@pytest.mark.parametrize("length", range(8))
def test_cursors_of_every_length_round_trip(length: int) -> None:
    """Base64 text without its padding: every remainder of the length modulo 4 must come
    back."""
    cursor = Cursor("A", False, "x" * length, 1)
    assert decode_cursor(encode_cursor(cursor)) == cursor


@pytest.mark.parametrize("text", ["Home:", ":42", "Home42", ":"])
def test_an_id_needs_a_type_a_colon_and_a_key(text: str) -> None:
    with pytest.raises(InputError) as caught:
        decode_global_id(base64.b64encode(text.encode()).decode())
    assert caught.value.code is ErrorCode.INVALID_ID


@pytest.mark.parametrize(
    "bad", ["SG9tZTo0Mg==!", "SG9t ZTo0Mg==", "SG9tZTo0Mg==\n", "*SG9tZTo0Mg=="]
)
def test_ids_with_characters_outside_base64_are_refused(bad: str) -> None:
    """Lenient decoding would drop the stray characters and read Home:42."""
    with pytest.raises(InputError) as caught:
        decode_global_id(bad)
    assert caught.value.code is ErrorCode.INVALID_ID
    assert decode_global_id("SG9tZTo0Mg==") == ("Home", "42")
