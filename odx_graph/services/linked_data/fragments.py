"""Triple Pattern Fragments over the SPARQL store: the triples matching one pattern, a
page at a time, with Hydra controls and a count, so clients such as Comunica can answer
SPARQL by themselves over plain HTTP.

Terms in the request use the Hydra explicit representation: an IRI as is, a literal
quoted (``"4"^^http://www.w3.org/2001/XMLSchema#integer``, ``"flat"@en``, ``"LS9"``), a
variable or nothing for any value.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pyoxigraph as ox

from odx_graph.core.errors import InputError

PAGE_SIZE = 100
# Counting stops here; past it the count is an estimate (the matches seen so far).
COUNT_LIMIT = 100_000
MAX_PAGE = 100_000

HYDRA = "http://www.w3.org/ns/hydra/core#"
VOID = "http://rdfs.org/ns/void#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"


def parse_term(value: str | None, *, literal_allowed: bool) -> Any:
    """An explicit-representation term, or ``None`` for any value."""
    if value is None or value == "" or value.startswith("?"):
        return None
    if value.startswith('"'):
        if not literal_allowed:
            raise InputError("only the object may be a literal", field="subject")
        end = value.rfind('"')
        if end == 0:
            raise InputError(f"unterminated literal {value!r}", field="object")
        text, rest = value[1:end], value[end + 1 :]
        if rest.startswith("^^"):
            return ox.Literal(text, datatype=ox.NamedNode(rest[2:].strip("<>")))
        if rest.startswith("@"):
            return ox.Literal(text, language=rest[1:])
        if rest:
            raise InputError(f"cannot read the literal {value!r}", field="object")
        return ox.Literal(text)
    try:
        return ox.NamedNode(value.strip("<>"))
    except ValueError:
        raise InputError(f"{value!r} is not an IRI") from None


@dataclass(frozen=True, slots=True)
class Fragment:
    """One page of the triples matching a pattern."""

    triples: list[ox.Triple]
    count: int
    exact: bool  # False when counting stopped at COUNT_LIMIT
    page: int
    has_next: bool


def select(store: ox.Store, subject: Any, predicate: Any, obj: Any, page: int) -> Fragment:
    """Page ``page`` (from 1) of the triples matching the pattern, in all things' graphs."""
    matches = (
        ox.Triple(q.subject, q.predicate, q.object)
        for q in store.quads_for_pattern(subject, predicate, obj, None)
    )
    start = (page - 1) * PAGE_SIZE
    triples = list(itertools.islice(matches, start, start + PAGE_SIZE + 1))
    has_next = len(triples) > PAGE_SIZE
    every = store.quads_for_pattern(subject, predicate, obj, None)
    counted = sum(1 for _ in itertools.islice(every, COUNT_LIMIT))
    return Fragment(triples[:PAGE_SIZE], counted, counted < COUNT_LIMIT, page, has_next)


def _nt(term: Any) -> str:
    return str(term)


def fragment_url(base: str, params: dict[str, str], page: int) -> str:
    """The URL of a page of the fragment of ``params`` (subject, predicate, object)."""
    query = {k: v for k, v in params.items() if v}
    if page > 1:
        query["page"] = str(page)
    return f"{base}/fragments" + (f"?{urlencode(query)}" if query else "")


def controls(base: str, params: dict[str, str], fragment: Fragment) -> list[str]:
    """The Hydra and VoID statements of a fragment page (N-Triples lines)."""
    page_url = f"<{fragment_url(base, params, fragment.page)}>"
    dataset = f"<{base}/fragments#dataset>"
    count = f'"{fragment.count}"^^<{XSD_INTEGER}>'
    lines = [
        f"{dataset} <{RDF}type> <{VOID}Dataset> .",
        f"{dataset} <{RDF}type> <{HYDRA}Collection> .",
        f"{dataset} <{VOID}subset> {page_url} .",
        f"{dataset} <{HYDRA}search> _:search .",
        f'_:search <{HYDRA}template> "{base}/fragments{{?subject,predicate,object}}" .',
        f"_:search <{HYDRA}variableRepresentation> <{HYDRA}ExplicitRepresentation> .",
        f"{page_url} <{RDF}type> <{HYDRA}PartialCollectionView> .",
        f"{page_url} <{HYDRA}totalItems> {count} .",
        f"{page_url} <{VOID}triples> {count} .",
        f'{page_url} <{HYDRA}itemsPerPage> "{PAGE_SIZE}"^^<{XSD_INTEGER}> .',
        f"{page_url} <{HYDRA}first> <{fragment_url(base, params, 1)}> .",
    ]
    for name, prop in (("subject", "subject"), ("predicate", "predicate"), ("object", "object")):
        lines += [
            f"_:search <{HYDRA}mapping> _:{name} .",
            f'_:{name} <{HYDRA}variable> "{name}" .',
            f"_:{name} <{HYDRA}property> <{RDF}{prop}> .",
        ]
    if fragment.has_next:
        following = fragment_url(base, params, fragment.page + 1)
        lines.append(f"{page_url} <{HYDRA}next> <{following}> .")
    if fragment.page > 1:
        previous = fragment_url(base, params, fragment.page - 1)
        lines.append(f"{page_url} <{HYDRA}previous> <{previous}> .")
    return lines


def data_lines(fragment: Fragment) -> list[str]:
    """The fragment's triples as N-Triples lines."""
    return [f"{_nt(t.subject)} {_nt(t.predicate)} {_nt(t.object)} ." for t in fragment.triples]
