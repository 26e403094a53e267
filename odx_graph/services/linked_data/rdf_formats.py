"""RDF formats: content negotiation, whole-graph serialisation and streaming writers."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from enum import StrEnum
from typing import Any

from rdflib import BNode
from rdflib import Graph
from rdflib import Literal
from rdflib import URIRef
from rdflib.term import Node

from odx_graph.core.vocab import PREFIXES

Triple = tuple[Node, Node, Node]


class RdfFormat(StrEnum):
    """The representations a Linked Data resource is offered in."""

    TURTLE = "ttl"
    JSONLD = "jsonld"
    NTRIPLES = "nt"
    HTML = "html"

    @property
    def media_type(self) -> str:
        """The IANA media type."""
        return _MEDIA_TYPES[self]


_MEDIA_TYPES = {
    RdfFormat.TURTLE: "text/turtle",
    RdfFormat.JSONLD: "application/ld+json",
    RdfFormat.NTRIPLES: "application/n-triples",
    RdfFormat.HTML: "text/html",
}
# Other names clients use for the same formats.
_ACCEPTED = {
    "text/turtle": RdfFormat.TURTLE,
    "application/x-turtle": RdfFormat.TURTLE,
    "application/ld+json": RdfFormat.JSONLD,
    "application/json": RdfFormat.JSONLD,
    "application/n-triples": RdfFormat.NTRIPLES,
    "text/plain": RdfFormat.NTRIPLES,
    "text/html": RdfFormat.HTML,
    "application/xhtml+xml": RdfFormat.HTML,
}
_OVERRIDES = {
    "ttl": RdfFormat.TURTLE,
    "turtle": RdfFormat.TURTLE,
    "jsonld": RdfFormat.JSONLD,
    "json-ld": RdfFormat.JSONLD,
    "json": RdfFormat.JSONLD,
    "nt": RdfFormat.NTRIPLES,
    "ntriples": RdfFormat.NTRIPLES,
    "n-triples": RdfFormat.NTRIPLES,
    "html": RdfFormat.HTML,
}
ALL_FORMATS = (RdfFormat.TURTLE, RdfFormat.JSONLD, RdfFormat.NTRIPLES, RdfFormat.HTML)


def format_override(name: str) -> RdfFormat | None:
    """The format named by a ``?format=`` value (``ttl``, ``jsonld``, ``nt``, ``html``)."""
    return _OVERRIDES.get(name.strip().lower())


def accept_entries(accept: str) -> list[tuple[str, float]]:
    """Each media range of an ``Accept`` header, lower-cased, with its quality: its ``q``
    (the last given), 1 without one, 0 when it is not a number."""
    entries: list[tuple[str, float]] = []
    for part in accept.split(","):
        media, *params = (p.strip() for p in part.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        entries.append((media.lower(), quality))
    return entries


def negotiate(accept: str | None, offered: tuple[RdfFormat, ...] = ALL_FORMATS) -> RdfFormat | None:
    """The best offered format for an ``Accept`` header; ``None`` means 406.

    No header, or ``*/*``, gives the first offered format (Turtle); ties in quality go to
    the earlier entry of the header, as browsers list HTML first. A type given ``q=0`` is
    refused even when a wildcard would otherwise admit it.
    """
    if not accept or not accept.strip():
        return offered[0]
    entries = [(m, q if math.isfinite(q) else 0.0) for m, q in accept_entries(accept)]
    refused = {_ACCEPTED[m] for m, q in entries if q <= 0 and m in _ACCEPTED}
    best: tuple[float, int, RdfFormat] | None = None
    for position, (media, quality) in enumerate(entries):
        if quality <= 0:
            continue
        if media in ("*/*", "text/*", "application/*"):
            candidates = [
                f
                for f in offered
                if f not in refused and (media == "*/*" or f.media_type.startswith(media[:-1]))
            ]
        else:
            match = _ACCEPTED.get(media)
            candidates = [match] if match in offered and match not in refused else []
        for candidate in candidates[:1]:
            rank = (quality, -position, candidate)
            if best is None or rank[:2] > best[:2]:
                best = rank
    return best[2] if best else None


def bind_prefixes(graph: Graph) -> Graph:
    """Bind the project's prefixes, so Turtle and JSON-LD come out readable."""
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True, replace=True)
    return graph


def serialise(graph: Graph, fmt: RdfFormat) -> bytes:
    """A whole (small) graph in Turtle, N-Triples or JSON-LD."""
    bind_prefixes(graph)
    if fmt is RdfFormat.TURTLE:
        writer = TurtleWriter()
        ordered = sorted(graph, key=lambda t: (str(t[0]), str(t[1]) != _RDF_TYPE, str(t[1])))
        return (writer.header() + writer.chunk(ordered)).encode("utf-8")
    if fmt is RdfFormat.NTRIPLES:
        return NTriplesWriter().chunk(sorted(graph)).encode("utf-8")
    if fmt is RdfFormat.JSONLD:
        return json_ld(graph).encode("utf-8")
    raise ValueError(f"{fmt} is not an RDF syntax")


def json_ld(graph: Graph) -> str:
    """A graph as compacted JSON-LD with the project's prefixes as its context."""
    writer = JsonLdWriter()
    return writer.header() + writer.chunk(graph) + writer.footer()


class StreamWriter:
    """Writes a dump piece by piece: a header, any number of chunks, a footer."""

    def header(self) -> str:
        """Text before the first chunk."""
        return ""

    def chunk(self, triples: Iterable[Triple]) -> str:
        """The text of some triples."""
        raise NotImplementedError

    def footer(self) -> str:
        """Text after the last chunk."""
        return ""


class NTriplesWriter(StreamWriter):
    """N-Triples: one line per triple, written directly (no intermediate graph)."""

    def chunk(self, triples: Iterable[Triple]) -> str:
        """Triples as N-Triples lines."""
        return "".join(f"{_nt(s)} {_nt(p)} {_nt(o)} .\n" for s, p, o in triples)


_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})


_IRI_UNSAFE = re.compile(r'[\x00-\x20<>"{}|^`\\]')


def safe_iri(iri: str) -> str:
    """``iri`` with the characters an IRI may not hold percent-encoded (defence in depth:
    the IRIs minted here never contain them)."""
    return _IRI_UNSAFE.sub(lambda m: "".join(f"%{b:02X}" for b in m.group().encode()), iri)


def _nt(node: Node) -> str:
    if isinstance(node, URIRef):
        return f"<{safe_iri(str(node))}>"
    if isinstance(node, Literal):
        text = '"' + str(node).translate(_ESCAPES) + '"'
        if node.language:
            return f"{text}@{node.language}"
        return f"{text}^^<{node.datatype}>" if node.datatype else text
    return node.n3()


class TurtleWriter(StreamWriter):
    """Turtle: prefixes once, then one statement per subject within each chunk.

    Terms are written in full lexical form (rdflib's Turtle serialiser abbreviates doubles
    and loses digits doing so).
    """

    def header(self) -> str:
        """The prefix declarations."""
        return "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in PREFIXES.items()) + "\n"

    def chunk(self, triples: Iterable[Triple]) -> str:
        """Triples as Turtle statements (prefixes already declared)."""
        subjects: dict[Node, list[tuple[Node, Node]]] = {}
        for s, p, o in triples:
            subjects.setdefault(s, []).append((p, o))
        parts = []
        for subject, pairs in subjects.items():
            body = " ;\n    ".join(f"{_turtle(p, predicate=True)} {_turtle(o)}" for p, o in pairs)
            parts.append(f"{_turtle(subject)} {body} .\n\n")
        return "".join(parts)


_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_LOCAL = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_-]*$")


def _turtle(node: Node, *, predicate: bool = False) -> str:
    if predicate and str(node) == _RDF_TYPE:
        return "a"
    if isinstance(node, URIRef):
        short = compact(str(node))
        local = short.partition(":")[2]
        return short if short != str(node) and _LOCAL.match(local) else f"<{safe_iri(str(node))}>"
    if isinstance(node, Literal) and node.datatype is not None:
        lexical = Literal(str(node)).n3()
        return f"{lexical}^^{_turtle(URIRef(node.datatype))}"
    return node.n3()


class JsonLdWriter(StreamWriter):
    """JSON-LD: one ``@graph`` array, a node object per subject."""

    def __init__(self) -> None:
        self._first = True

    def header(self) -> str:
        """Opens the document with its context."""
        return '{"@context": ' + json.dumps(PREFIXES) + ', "@graph": [\n'

    def chunk(self, triples: Iterable[Triple]) -> str:
        """Node objects for the subjects of these triples."""
        nodes: dict[Node, dict[str, Any]] = {}
        for s, p, o in triples:
            node = nodes.setdefault(s, {"@id": _node_id(s)})
            if str(p) == "http://www.w3.org/1999/02/22-rdf-syntax-ns#type":
                node.setdefault("@type", []).append(compact(str(o)))
            else:
                node.setdefault(compact(str(p)), []).append(_value(o))
        parts = []
        for node in nodes.values():
            text = json.dumps(
                {k: v[0] if isinstance(v, list) and len(v) == 1 else v for k, v in node.items()},
                ensure_ascii=False,
            )
            parts.append(("" if self._first else ",\n") + text)
            self._first = False
        return "".join(parts)

    def footer(self) -> str:
        """Closes the document."""
        return "\n]}\n"


def compact(iri: str) -> str:
    """``prefix:local`` for IRIs under a known prefix, else the IRI itself."""
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace) and "/" not in iri[len(namespace) :]:
            return f"{prefix}:{iri[len(namespace) :]}"
    return iri


def _node_id(node: Node) -> str:
    return f"_:{node}" if isinstance(node, BNode) else str(node)


def _value(node: Node) -> Any:
    if isinstance(node, URIRef | BNode):
        return {"@id": _node_id(node)}
    assert isinstance(node, Literal)
    if node.datatype is None:
        return {"@value": str(node), "@language": node.language} if node.language else str(node)
    return {"@value": str(node), "@type": compact(str(node.datatype))}


WRITERS: dict[RdfFormat, type[StreamWriter]] = {
    RdfFormat.NTRIPLES: NTriplesWriter,
    RdfFormat.TURTLE: TurtleWriter,
    RdfFormat.JSONLD: JsonLdWriter,
}
