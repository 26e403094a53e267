"""The UPRN (Unique Property Reference Number): the national identifier of a property,
1 to 12 digits, never 0."""

from __future__ import annotations

import re

from odx_graph.core.errors import ErrorCode
from odx_graph.core.errors import InputError

_DIGITS = re.compile(r"^[0-9]{1,12}$")


def parse_uprn(text: str, field: str = "uprn") -> int:
    """The UPRN in ``text`` (surrounding spaces allowed); ``InputError`` with the code
    ``INVALID_UPRN`` for anything else."""
    value = text.strip()
    if not _DIGITS.fullmatch(value) or int(value) == 0:
        raise InputError(
            f"{text!r} is not a UPRN (1 to 12 digits)", field=field, code=ErrorCode.INVALID_UPRN
        )
    return int(value)
