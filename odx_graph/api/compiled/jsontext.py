"""SQL expressions that write values as JSON text, byte for byte as the resolver path does.

The resolver path serialises with strawberry's scalars and ``json.dumps(separators=(",",
":"))``: ``DateTime`` and ``Date`` by ``isoformat()`` of what asyncpg decodes (UTC,
``+00:00``), ``Decimal`` by ``str()``, ``Float`` by ``repr()``. Each function here returns
an SQL expression of type ``text`` that is never NULL. Where PostgreSQL cannot match the
Python text exactly (rare values: floats of 1e15 to 1e16, Decimal that Python would print
in exponent form, years outside 1-9999) the expression raises a data error instead, and
the request is answered by the resolver path. Non-ASCII characters are left raw by
PostgreSQL and escaped afterwards by :func:`ascii_json`.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Sequence
from dataclasses import dataclass

from odx_graph.mapping import Scalar
from odx_graph.store.db import quote_literal


@dataclass(frozen=True, slots=True)
class Lit:
    """A constant piece of JSON text."""

    text: str


# A JSON value under construction: constants and SQL ``text`` expressions, concatenated.
Piece = Lit | str
Pieces = list[Piece]


def render(pieces: Sequence[Piece]) -> str:
    """One SQL ``text`` expression concatenating ``pieces`` (adjacent constants merged)."""
    merged: list[Piece] = []
    for piece in pieces:
        if isinstance(piece, Lit) and merged and isinstance(merged[-1], Lit):
            merged[-1] = Lit(merged[-1].text + piece.text)
        else:
            merged.append(piece)
    if not merged:
        return "''"
    return " || ".join(quote_literal(p.text) if isinstance(p, Lit) else f"({p})" for p in merged)


def json_object(members: Sequence[tuple[str, Pieces]]) -> Pieces:
    """A JSON object with ``members`` in the order given."""
    pieces: Pieces = [Lit("{")]
    for index, (key, value) in enumerate(members):
        pieces.append(Lit(("," if index else "") + json.dumps(key) + ":"))
        pieces.extend(value)
    pieces.append(Lit("}"))
    return pieces


def json_array(items_or_null: str) -> Pieces:
    """A JSON array around ``items_or_null``, a comma-joined text (NULL when empty)."""
    return [Lit("["), f"coalesce({items_or_null}, '')", Lit("]")]


def fail(value: str) -> str:
    """An expression that raises a data error when evaluated (and only then: it depends
    on ``value``, so the planner cannot fold it away)."""
    return f"('compiled-path fallback: ' || coalesce(({value})::text, ''))::integer::text"


def _nullable(value: str, rendered: str) -> str:
    return f"CASE WHEN ({value}) IS NULL THEN 'null' ELSE {rendered} END"


def string_json(value: str) -> str:
    """A ``String`` (or a list of strings) as a JSON string or array."""
    return f"coalesce(to_json({value})::text, 'null')"


def int_json(value: str) -> str:
    """An ``Int``: out of GraphQL's 32-bit range it is an error on the resolver path."""
    return (
        f"CASE WHEN ({value}) IS NULL THEN 'null' "
        f"WHEN ({value}) BETWEEN -2147483648 AND 2147483647 THEN ({value})::text "
        f"ELSE {fail(value)} END"
    )


def float_json(value: str) -> str:
    """A ``Float`` as Python's ``repr``: PostgreSQL writes the same shortest digits, but
    ``1`` where Python writes ``1.0`` and ``1e+15`` where Python writes digits."""
    v = f"({value})::float8"
    return (
        f"CASE WHEN {v} IS NULL THEN 'null' "
        f"WHEN {v}::text IN ('NaN', 'Infinity', '-Infinity', '-0') "
        f"OR abs({v}) BETWEEN 1e15 AND 1e16 THEN {fail(v)} "
        f"WHEN {v} = trunc({v}) AND abs({v}) < 1e15 THEN {v}::text || '.0' "
        f"ELSE {v}::text END"
    )


def boolean_json(value: str) -> str:
    """A ``Boolean``."""
    return f"coalesce(({value})::text, 'null')"


def decimal_json(value: str) -> str:
    """A ``Decimal`` as ``str(Decimal)``, a JSON string; Python switches to exponent form
    below 1e-6 (``1E-7``), which is left to the resolver path."""
    v = f"({value})::numeric"
    return _nullable(
        value,
        f"CASE WHEN abs({v}) < 0.000001 AND scale({v}) > 6 THEN {fail(v)} "
        f"ELSE '\"' || {v}::text || '\"' END",
    )


def date_json(value: str) -> str:
    """A ``Date`` as ``date.isoformat()``."""
    v = f"({value})::date"
    return _nullable(
        value,
        f"CASE WHEN NOT isfinite({v}) OR {v} < '0001-01-01' THEN {fail(v)} "
        f"ELSE '\"' || to_char({v}, 'YYYY-MM-DD') || '\"' END",
    )


_SECONDS = quote_literal('YYYY-MM-DD"T"HH24:MI:SS"+00:00"')
_MICROSECONDS = quote_literal('YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"')


def datetime_json(value: str, *, infinite_as_python: bool = False) -> str:
    """A ``DateTime`` as ``isoformat()`` of asyncpg's UTC datetime (microseconds only when
    not zero). With ``infinite_as_python``, infinities are written as asyncpg decodes
    them (naive maximum and minimum datetimes), as cursors of ``coalesce(..., 'infinity')``
    sort keys are."""
    v = f"({value})::timestamptz"
    utc = f"({v} AT TIME ZONE 'UTC')"
    finite = (
        f"CASE WHEN {utc} < '0001-01-01' OR {utc} >= '10000-01-01' THEN {fail(v)} "
        f"ELSE '\"' || to_char({utc}, CASE WHEN date_trunc('second', {utc}) = {utc} "
        f"THEN {_SECONDS} ELSE {_MICROSECONDS} END) || '\"' END"
    )
    if infinite_as_python:
        infinite = (
            f"WHEN {v} = 'infinity' THEN '\"9999-12-31T23:59:59.999999\"' "
            f"WHEN {v} = '-infinity' THEN '\"0001-01-01T00:00:00\"' "
        )
    else:
        infinite = f"WHEN NOT isfinite({v}) THEN {fail(v)} "
    return _nullable(value, f"CASE {infinite}ELSE {finite} END")


def scalar_json(scalar: Scalar, value: str, *, many: bool = False) -> str | None:
    """JSON text of a mapped field's value; ``None`` when the type is not supported."""
    if many:
        return string_json(value) if scalar is Scalar.STRING else None
    return {
        Scalar.STRING: string_json,
        Scalar.INT: int_json,
        Scalar.FLOAT: float_json,
        Scalar.BOOLEAN: boolean_json,
        Scalar.DECIMAL: decimal_json,
        Scalar.DATE: date_json,
        Scalar.DATETIME: datetime_json,
    }[scalar](value)


def _ascii_string(value: str) -> str:
    """A string inside a cursor: Python escapes non-ASCII there, before base64."""
    return (
        f"CASE WHEN octet_length({value}) = char_length({value}) "
        f"AND strpos({value}, chr(127)) = 0 THEN to_json({value})::text "
        f"ELSE {fail(value)} END"
    )


def cursor_value_json(scalar: Scalar, value: str) -> str | None:
    """A sort value or key as ``ids.encode_cursor`` writes it; ``None`` if unsupported."""
    if scalar is Scalar.INT:
        return f"coalesce(({value})::text, 'null')"
    if scalar is Scalar.STRING:
        return _ascii_string(value)
    if scalar is Scalar.DATETIME:
        return datetime_json(value, infinite_as_python=True)
    if scalar is Scalar.DATE:
        return date_json(value)
    if scalar is Scalar.DECIMAL:
        return decimal_json(value)
    return None


def base64url_json_string(payload: str) -> str:
    """A JSON string holding URL-safe base64 (unpadded) of the ASCII text ``payload``."""
    encoded = f"encode(convert_to({payload}, 'UTF8'), 'base64')"
    return f"'\"' || rtrim(translate({encoded}, '+/' || chr(10), '-_'), '=') || '\"'"


def _escape_non_ascii(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeEncodeError):
        raise error
    out = []
    for char in error.object[error.start : error.end]:
        code = ord(char)
        if code > 0xFFFF:
            code -= 0x10000
            out.append(f"\\u{0xD800 | (code >> 10):04x}\\u{0xDC00 | (code & 0x3FF):04x}")
        else:
            out.append(f"\\u{code:04x}")
    return "".join(out), error.end


_ERRORS = "odx-json-ascii"
codecs.register_error(_ERRORS, _escape_non_ascii)


def ascii_json(text: str) -> bytes:
    """JSON text from PostgreSQL as ``json.dumps`` (``ensure_ascii``) writes it: every
    non-ASCII character and DEL escaped. Outside strings the text is ASCII already."""
    data = text.encode("ascii", errors=_ERRORS)
    if b"\x7f" in data:
        data = data.replace(b"\x7f", b"\\u007f")
    return data
