"""UPRN checks (core/uprn.py), shared by the filters, the home lookup and the compiled path."""

from __future__ import annotations

import pytest

from odx_graph.core.errors import ErrorCode
from odx_graph.core.errors import InputError
from odx_graph.core.uprn import parse_uprn


@pytest.mark.parametrize(
    ("text", "value"),
    [("1", 1), ("100023336956", 100023336956), ("000000000001", 1), (" 42 ", 42)],
)
def test_a_uprn_is_1_to_12_digits(text: str, value: int) -> None:
    assert parse_uprn(text) == value


@pytest.mark.parametrize(
    "text", ["0", "000000000000", "1000233369561", "", " ", "-1", "12a", "1.0"]
)
def test_anything_else_is_refused_with_its_code_and_field(text: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_uprn(text, "filter.uprn")
    assert caught.value.code is ErrorCode.INVALID_UPRN
    assert caught.value.field == "filter.uprn"
    assert caught.value.message == f"{text!r} is not a UPRN (1 to 12 digits)"
