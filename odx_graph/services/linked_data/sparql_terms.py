"""The constants and IRIs of a SPARQL query as the translation reads them.

A literal is compared only as the store would read it (its integers are 64-bit, its
decimals have 18 places); an IRI names a thing or a concept only as this server writes it;
an object of the code lists' statements is matched by term in a pattern and by value in
a filter. A query that asks another endpoint (``SERVICE``) is recognised here, so that no
request ever leaves the server.
"""

from __future__ import annotations

import datetime as dt
import decimal
import re
from typing import Any

from rdflib import XSD
from rdflib import BNode
from rdflib import Literal
from rdflib import URIRef
from rdflib.paths import InvPath
from rdflib.paths import Path
from rdflib.paths import SequencePath

from odx_graph.mapping import Entity
from odx_graph.mapping import Scalar
from odx_graph.services.linked_data.rdf import node_iri
from odx_graph.services.linked_data.rdf import parse_concept_iri
from odx_graph.services.linked_data.rdf import parse_node_iri
from odx_graph.services.linked_data.sparql_meaning import Kind
from odx_graph.services.linked_data.sparql_meaning import Unsupported
from odx_graph.services.linked_data.sparql_meaning import code_lists

NUMBERS = {Scalar.INT, Scalar.DECIMAL, Scalar.FLOAT}
ORDERED = NUMBERS | {Scalar.STRING, Scalar.DATE, Scalar.DATETIME}
LITERAL_SCALARS = {
    XSD.integer: Scalar.INT,
    XSD.decimal: Scalar.DECIMAL,
    XSD.double: Scalar.FLOAT,
    XSD.boolean: Scalar.BOOLEAN,
    XSD.date: Scalar.DATE,
    XSD.dateTime: Scalar.DATETIME,
    XSD.string: Scalar.STRING,
}
# What is not a keyword: long and short strings, IRIs, comments.
_NOT_KEYWORDS = re.compile(
    r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\''
    r"|<[^<>\"{}|^`\\\s]*>|#[^\n]*"
)
_SERVICE = re.compile(r"(?<![\w:?$])SERVICE(?=[\s<?$])", re.IGNORECASE)
INTEGER = re.compile(r"[+-]?[0-9]+")
DECIMAL = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)")
DECIMAL_PLACES = 18  # Oxigraph's xsd:decimal: fixed point, 18 digits after the point


def is_federated(text: str) -> bool:
    """Whether ``text`` asks another endpoint (``SERVICE``), which would have the server
    send requests to any address a client names. Strings, IRIs and comments are passed
    over, so a literal that says "service" is no reason to refuse a query."""
    bare = _NOT_KEYWORDS.sub(" ", text)
    return _SERVICE.search(bare) is not None


def path_steps(s: Any, p: Any, o: Any) -> list[tuple[Any, Any, Any]]:
    """A pattern whose predicate is a sequence (``a/b``) or inverse (``^a``) path as plain
    patterns joined by fresh blank nodes; other paths are not translated."""
    if isinstance(p, InvPath):
        return path_steps(o, p.arg, s)
    if isinstance(p, SequencePath):
        steps = []
        start = s
        for index, step in enumerate(p.args):
            end = o if index == len(p.args) - 1 else BNode()
            steps += path_steps(start, step, end)
            start = end
        return steps
    if isinstance(p, Path):
        raise Unsupported
    return [(s, p, o)]


def iri_key(base: str, kind: Kind, iri: str) -> Any:
    """The key or code an IRI names for ``kind``, or ``None`` when it names none."""
    if kind.tag == "node":
        parsed = _node_named(base, iri)
        return parsed[1] if parsed is not None and parsed[0] is kind.entity else None
    if kind.tag == "code":
        return _code_named(kind.entity, iri)
    raise Unsupported  # a value that names a resource


def iri_kind(base: str, iri: str) -> Kind:
    """The kind of a thing or concept named by its IRI (as this server writes it)."""
    parsed = _node_named(base, iri)
    if parsed is not None:
        return Kind("node", parsed[0])
    for entity in code_lists():
        if _code_named(entity, iri) is not None:
            return Kind("code", entity)
    raise Unsupported


def _node_named(base: str, iri: str) -> tuple[Entity, int] | None:
    """The node an IRI names, only as this server writes it (``/home/01`` names none)."""
    parsed = parse_node_iri(base, iri)
    return parsed if parsed is not None and node_iri(base, *parsed) == iri else None


def _code_named(entity: Entity, iri: str) -> str | None:
    """The code of ``entity``'s list an IRI names, only as this server writes it:
    ``/priority/%31`` is another IRI than ``/priority/1``."""
    code = parse_concept_iri(entity, iri)
    return code if code is not None and entity.concept_iri(code) == iri else None


def fixed_indices(kind: Kind, constant: Any) -> list[int]:
    """Where a pattern's constant is among the objects the code lists state: the same
    term (``"1"`` is ``"1"^^xsd:string``; the store keeps ``01`` and ``1`` as one
    integer, but ``1`` and ``1.0`` as two terms)."""
    assert kind.table is not None
    wanted = _category(constant)
    found = []
    for index, stated in enumerate(kind.table.objects):
        if _category(stated) != wanted:
            continue
        if wanted not in ("number", "boolean"):
            same = _plain(stated) == _plain(constant)
        elif stated.datatype == constant.datatype:
            same = _literal_value(stated) == _literal_value(constant)
        else:
            same = False
        if same:
            found.append(index)
    return found


def fixed_matches(kind: Kind, constant: Any) -> list[int]:
    """Where a filter's ``=`` holds between the code lists' objects and a constant:
    numbers by value whatever their type. Only when every object is of the constant's
    category: otherwise SPARQL's answer may be an error, which the store gives."""
    assert kind.table is not None
    wanted = _category(constant)
    if any(_category(stated) != wanted for stated in kind.table.objects):
        raise Unsupported
    if wanted == "number":
        return [
            i
            for i, o in enumerate(kind.table.objects)
            if _literal_value(o) == _literal_value(constant)
        ]
    return fixed_indices(kind, constant)


def _category(term: Any) -> str:
    """IRI, text, text in a language, number or boolean; anything else is not compared."""
    if isinstance(term, URIRef):
        return "iri"
    if not isinstance(term, Literal) or term.ill_typed:
        raise Unsupported
    if term.language:
        return f"text@{term.language.lower()}"
    if term.datatype in (None, XSD.string):
        return "text"
    scalar = literal_scalar(term)
    if scalar in NUMBERS:
        return "number"
    if scalar is Scalar.BOOLEAN:
        return "boolean"
    raise Unsupported


def _literal_value(term: Literal) -> Any:
    """A number's or a flag's value, numbers as decimals so that types compare."""
    value = term.toPython()
    return decimal.Decimal(str(value)) if not isinstance(value, bool) else value


def _plain(term: Any) -> Any:
    """A term, with ``"x"^^xsd:string`` written as ``"x"`` (one term in RDF 1.1)."""
    if isinstance(term, Literal) and term.datatype == XSD.string:
        return Literal(str(term))
    return term


def key_scalar(kind: Kind) -> Scalar:
    """The type a key of ``kind`` is bound as: a node's number, a concept's code."""
    return Scalar.INT if kind.tag == "node" else Scalar.STRING


def literal_scalar(value: Any) -> Scalar | None:
    """The mapping's type of a constant, or ``None`` when the translation does not
    compare it (a language-tagged text, another datatype, a value the store refuses)."""
    if not isinstance(value, Literal) or value.language:
        return None
    if value.datatype is None:
        return Scalar.STRING
    scalar = LITERAL_SCALARS.get(value.datatype)
    if scalar is None or not _store_reads(value, scalar):
        return None  # not a type the mapping writes, or not a value the store takes
    return scalar


def _store_reads(value: Literal, scalar: Scalar) -> bool:
    """Whether the store reads ``value`` as a value of ``scalar``: its integers are 64-bit,
    its decimals have at most 18 places (and 20 digits before the point)."""
    text = str(value).strip()
    if scalar is Scalar.INT:
        return INTEGER.fullmatch(text) is not None and -(2**63) <= int(text) < 2**63
    if scalar is Scalar.DECIMAL:
        if DECIMAL.fullmatch(text) is None:
            return False
        whole, _, fraction = text.lstrip("+-").partition(".")
        digits = len(whole.lstrip("0"))
        return digits <= 20 and len(fraction.rstrip("0")) <= DECIMAL_PLACES
    if scalar is Scalar.BOOLEAN:
        return text in ("true", "false", "1", "0")
    if scalar is Scalar.FLOAT:
        try:
            float(text)
        except ValueError:
            return False
        return True
    if scalar is Scalar.DATE:
        return isinstance(value.toPython(), dt.date)
    if scalar is Scalar.DATETIME:
        return isinstance(value.toPython(), dt.datetime)
    return True


def comparable(left: Scalar, right: Scalar | None, op: str) -> bool:
    """Whether values of ``left`` and ``right`` compare with ``op`` without error."""
    if right is None:
        return False
    if left in NUMBERS and right in NUMBERS:
        return True
    if left is not right:
        return False
    return left in ORDERED or op in ("=", "!=")
