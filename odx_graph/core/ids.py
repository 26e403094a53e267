"""Global IDs (Relay) and opaque keyset cursors."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import decimal
import json
import re
from dataclasses import dataclass
from typing import Any

from odx_graph.core.errors import ErrorCode
from odx_graph.core.errors import InputError

# Keys are ASCII digits without leading zeros (str.isdigit() would accept "²" and "١").
KEY = re.compile(r"^[1-9][0-9]{0,17}$")
MAX_CURSOR_LENGTH = 512


def encode_global_id(type_name: str, key: int | str) -> str:
    """Base64 of ``Type:key``, the Relay convention (PostgreSQL computes the same)."""
    return base64.b64encode(f"{type_name}:{key}".encode()).decode("ascii")


def decode_global_id(global_id: str, *, field: str = "id") -> tuple[str, str]:
    """Split a global ID into ``(type name, key)``; malformed IDs raise ``InputError``."""
    try:
        text = base64.b64decode(global_id.encode("ascii"), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeError, ValueError):
        text = ""
    type_name, sep, key = text.partition(":")
    if not sep or not type_name or not key:
        raise InputError(f"{global_id!r} is not a valid ID", field=field, code=ErrorCode.INVALID_ID)
    return type_name, key


def decode_int_id(global_id: str, expected_type: str, *, field: str = "id") -> int:
    """The integer key of a global ID that must name ``expected_type``."""
    type_name, key = decode_global_id(global_id, field=field)
    if type_name != expected_type or not KEY.match(key):
        raise InputError(
            f"{global_id!r} is not the ID of a {expected_type}",
            field=field,
            code=ErrorCode.INVALID_ID,
        )
    return int(key)


@dataclass(frozen=True, slots=True)
class Cursor:
    """A position in an ordered list: the sort value and key of the last row seen."""

    order: str
    descending: bool
    value: Any
    key: Any


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


def encode_cursor(cursor: Cursor) -> str:
    """Serialise a cursor as URL-safe base64 JSON."""
    payload = [cursor.order, cursor.descending, _plain(cursor.value), _plain(cursor.key)]
    raw = json.dumps(payload, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_cursor(text: str, field: str = "after") -> Cursor:
    """Parse a cursor made by :func:`encode_cursor`; anything else raises ``InputError``."""
    try:
        if len(text) > MAX_CURSOR_LENGTH:
            raise ValueError(text)
        padded = text + "=" * (-len(text) % 4)
        payload = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
        order, descending, value, key = payload
        if not isinstance(order, str) or not isinstance(descending, bool):
            raise ValueError(text)
        if not isinstance(key, int | str) or isinstance(key, bool):
            raise ValueError(text)
    except (ValueError, TypeError, UnicodeError, binascii.Error):
        raise InputError(
            f"{text!r} is not a cursor from this API", field=field, code=ErrorCode.INVALID_CURSOR
        ) from None
    return Cursor(order, descending, value, key)
