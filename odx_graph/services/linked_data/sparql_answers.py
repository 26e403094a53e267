"""The rows of a translated SPARQL query as solutions: the store's very terms.

Oxigraph keeps literals by value, so it writes them in canonical form: a decimal without
trailing zeros (``300``, ``12.5``), a double as Rust prints it (``51.5``, ``1``), an
instant in UTC with ``Z``, fractions of a second without trailing zeros. An average of
whole numbers or decimals is a decimal division, which Oxigraph truncates at 18 places.
The answers here are written the same way, so both paths give the same terms.
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Callable
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from typing import Any

import pyoxigraph as ox
from rdflib import XSD
from rdflib import Literal
from rdflib import URIRef

from odx_graph.mapping import Field
from odx_graph.mapping import Scalar
from odx_graph.services.linked_data.rdf import XSD_TYPES
from odx_graph.services.linked_data.rdf import node_iri
from odx_graph.services.linked_data.sparql_meaning import Kind
from odx_graph.services.linked_data.sparql_terms import DECIMAL_PLACES
from odx_graph.services.linked_data.sparql_terms import LITERAL_SCALARS


@dataclass(slots=True)
class Output:
    """One column of the answer: how to read its term (and its sort key) from a row."""

    kind: str  # "term" (a group variable), "count", "sum", "avg", "min", "max"
    column: int
    bound: Kind | None = None  # the group variable's or aggregated variable's kind
    extra: int = -1  # avg: the column of the count


@dataclass(slots=True)
class Compiled:
    """A query translated: its SQL, and how to turn the rows into solutions."""

    sql: str
    args: list[Any]
    variables: list[str]
    outputs: dict[str, Output]
    order: list[tuple[str, bool]] = field(default_factory=list)  # (variable, descending)
    distinct: bool = False
    offset: int = 0
    limit: int | None = None
    ordered_in_database: bool = False  # the statement orders its rows as the query does


def rows_needed(compiled: Compiled, cap: int) -> int | None:
    """How many rows of the statement can make the answer when at most ``cap`` solutions
    are sent (one more tells that it was cut); ``None``: all, to be ordered or made
    distinct first."""
    if compiled.distinct or (compiled.order and not compiled.ordered_in_database):
        return None
    wanted = cap + 1 if compiled.limit is None else min(compiled.limit, cap + 1)
    return compiled.offset + wanted


def solutions(compiled: Compiled, records: Sequence[Any], base: str) -> list[list[Any]]:
    """The answer's rows: terms in the order of ``compiled.variables``, ordered,
    de-duplicated and sliced as the query asks."""
    rows = [
        {name: _output(output, record, base) for name, output in compiled.outputs.items()}
        for record in records
    ]
    for name, descending in reversed(compiled.order):
        rows.sort(key=_sort_key(name), reverse=descending)
    out = [[row[v][0] for v in compiled.variables] for row in rows]
    if compiled.distinct:
        seen: set[tuple[str, ...]] = set()
        unique = []
        for solution in out:
            marker = tuple(str(t) for t in solution)
            if marker not in seen:
                seen.add(marker)
                unique.append(solution)
        out = unique
    end = None if compiled.limit is None else compiled.offset + compiled.limit
    return out[compiled.offset : end]


def _sort_key(name: str) -> Callable[[dict[str, tuple[Any, Any]]], Any]:
    def key(row: dict[str, tuple[Any, Any]]) -> Any:
        order = row[name][1]
        return (0,) if order is None else (1, order)

    return key


def _output(output: Output, record: Any, base: str) -> tuple[Any, Any]:
    """One output's term, and the value it orders by (``None`` unbound)."""
    value = record[output.column]
    if output.kind == "count":
        return _integer(int(value)), int(value)
    if output.kind in ("sum", "avg") and value is None:
        return _integer(0), 0  # SPARQL's sum and average of nothing
    if output.kind == "avg":
        quotient = decimal_quotient(decimal.Decimal(value), int(record[output.extra]))
        return _decimal(quotient), quotient
    if value is None:
        return None, None
    kind = output.bound
    assert kind is not None
    if kind.tag == "node":
        iri = node_iri(base, kind.entity, value)
        return ox.NamedNode(iri), iri
    if kind.tag == "code":
        iri = kind.entity.concept_iri(str(value))
        return ox.NamedNode(iri), iri
    if kind.tag == "fixed":
        assert kind.table is not None
        return _stated_term(kind.table.objects[value]), None  # never ordered by
    assert kind.item is not None
    if output.kind == "sum" and kind.item.type is Scalar.INT:
        return _integer(int(value)), int(value)
    return _value_term(kind.item, value)


def decimal_quotient(total: decimal.Decimal, count: int) -> decimal.Decimal:
    """``total / count`` as Oxigraph divides decimals: truncated at 18 places."""
    scaled = int(total.scaleb(DECIMAL_PLACES))
    quotient = abs(scaled) // count
    return decimal.Decimal(-quotient if scaled < 0 else quotient).scaleb(-DECIMAL_PLACES)


def _integer(value: int) -> ox.Literal:
    return ox.Literal(str(value), datatype=ox.NamedNode(str(XSD.integer)))


def _decimal(value: decimal.Decimal) -> ox.Literal:
    whole = value == value.to_integral_value()
    text = str(int(value)) if whole else format(value.normalize(), "f")
    return ox.Literal(text, datatype=ox.NamedNode(str(XSD.decimal)))


def _stated_term(stated: Any) -> Any:
    """A code list's object (an rdflib term) as the store holds it."""
    if isinstance(stated, URIRef):
        return ox.NamedNode(str(stated))
    assert isinstance(stated, Literal)
    if stated.language:
        return ox.Literal(str(stated), language=stated.language)
    scalar = LITERAL_SCALARS.get(stated.datatype) if stated.datatype else None
    if scalar is None:
        return ox.Literal(str(stated))
    return _scalar_term(scalar, stated.toPython())[0]


def _value_term(item: Field, value: Any) -> tuple[Any, Any]:
    """A field value's term as the store holds it, and its order."""
    if item.iri_prefix:
        iri = item.iri_prefix + str(value)
        return ox.NamedNode(iri), iri
    return _scalar_term(item.type, value)


def _scalar_term(scalar: Scalar, value: Any) -> tuple[Any, Any]:
    """A value of ``scalar`` as the store writes it, and its order."""
    datatype = XSD_TYPES[scalar]
    if scalar is Scalar.STRING:
        return ox.Literal(str(value)), str(value)
    if scalar is Scalar.INT:
        text = str(int(value))
    elif scalar is Scalar.DECIMAL:
        return _decimal(decimal.Decimal(value)), decimal.Decimal(value)
    elif scalar is Scalar.FLOAT:
        text = format(decimal.Decimal(repr(float(value))), "f")
        if "." in text:
            text = text.rstrip("0").rstrip(".")
    elif scalar is Scalar.BOOLEAN:
        text = "true" if value else "false"
    elif scalar is Scalar.DATETIME:
        text = _instant(value)
    else:
        text = value.isoformat() if isinstance(value, dt.date) else str(value)
    return ox.Literal(text, datatype=ox.NamedNode(str(datatype))), value


def _instant(value: dt.datetime) -> str:
    """An instant as the store writes it: seconds, a fraction without trailing zeros,
    and ``Z`` for UTC."""
    text = value.strftime("%Y-%m-%dT%H:%M:%S")
    if value.microsecond:
        text += f".{value.microsecond:06d}".rstrip("0")
    offset = value.utcoffset()
    if offset is None:
        return text
    if not offset:
        return text + "Z"
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    return f"{text}{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
