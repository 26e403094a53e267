"""Reading RDF that someone else wrote (Turtle, JSON-LD): nothing is ever fetched on its
behalf, and what it may cost is bounded while it is read.

* **No fetching.** rdflib's JSON-LD parser has one door to other documents: the loading
  of a context named by IRI, which every form reaches (an ``@context`` string, an array
  of them, ``@import`` inside a context object, a context scoped to a term or a type, a
  context in a nested node, with or without ``@propagate``). That door is given a loader
  that answers an odx-graph context (an ``http(s)`` IRI ending in ``/context.jsonld``)
  with the packaged context, from memory, and refuses every other IRI, ``file:`` ones
  included, with :class:`ContextRefused`. Turtle has no such door.
* **Statements are counted while they are read.** The store refuses the statement past
  ``limit`` and the parse stops there, instead of building the whole graph first.
* **In a worker process.** :func:`isolated` runs a reading function in a child process
  (unless this process already is one), so the memory an untrusted graph and its
  validation took is given back when the reading ends.
"""

from __future__ import annotations

import contextvars
import copy
import json
import urllib.parse
from collections.abc import Callable
from functools import cache
from typing import Any
from typing import TypeVar

from rdflib import Graph
from rdflib.plugins.shared.jsonld.context import Context
from rdflib.plugins.stores.memory import Memory

from odx_graph.services import workers

T = TypeVar("T")

MAX_STATEMENTS = 100_000
CONTEXT_SUFFIX = "/context.jsonld"
# The limits of one reading (a setting of the server; see set_limits).
_statement_limit: contextvars.ContextVar[int] = contextvars.ContextVar(
    "rdf_statement_limit", default=MAX_STATEMENTS
)
# A reading done outside an import worker (the command line, tests) gets a child of its own.
READING_LIMITS = workers.Limits(seconds=600.0, memory_bytes=1024 * 1024 * 1024)


class RdfInputError(Exception):
    """The document cannot be read: ``reason`` says why, ``value`` what was at fault."""

    def __init__(self, reason: str, value: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.value = value


class ContextRefused(RdfInputError):
    """A JSON-LD document named a context that is not ours: it is never fetched."""

    def __init__(self, iri: str) -> None:
        super().__init__(
            "names a remote JSON-LD context, which is never fetched: put the context in the "
            "document, or use an odx-graph server's /context.jsonld",
            iri,
        )


class TooManyStatements(RdfInputError):
    """The document holds more statements than a reading may take."""


def set_statement_limit(limit: int) -> contextvars.Token[int]:
    """Cap the statements a reading in this context may take (``ODX_IMPORT_MAX_RDF_STATEMENTS``)."""
    return _statement_limit.set(limit)


def statement_limit() -> int:
    """The cap in force for readings in this context."""
    return _statement_limit.get()


def is_odx_context(iri: str) -> bool:
    """Whether ``iri`` names an odx-graph server's JSON-LD context (never fetched: the
    packaged one is used)."""
    parts = urllib.parse.urlsplit(iri)
    return parts.scheme in ("http", "https") and parts.path.endswith(CONTEXT_SUFFIX)


@cache
def _packaged_context() -> dict[str, Any]:
    from odx_graph.services.linked_data.dataset import graphql_context

    return graphql_context()


def load_context(iri: str) -> dict[str, Any]:
    """The document loader: ours from memory (a fresh copy: rdflib edits what it gets
    for ``@import``), anything else refused."""
    if is_odx_context(iri):
        return copy.deepcopy(_packaged_context())
    raise ContextRefused(iri)


def _fetch_context(
    self: Context, source: str, base: str | None, referenced_contexts: set[str]
) -> Any:
    # Replaces rdflib's Context._fetch_context, the one place it fetches a document.
    iri = urllib.parse.urljoin(base or "", source)
    if iri in referenced_contexts:
        raise RdfInputError("a JSON-LD context includes itself", iri)
    referenced_contexts.add(iri)
    return load_context(iri)


Context._fetch_context = _fetch_context  # type: ignore[method-assign]


class _CountingMemory(Memory):
    """rdflib's memory store, refusing the statement past ``limit`` while reading."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit: int | None = limit
        self.added = 0

    def add(self, triple: Any, context: Any, quoted: bool = False) -> None:
        """Add one statement, counting it against the limit."""
        if self.limit is not None:
            self.added += 1
            if self.added > self.limit:
                raise TooManyStatements(
                    f"has more than {self.limit:,} statements; split it into smaller files"
                )
        super().add(triple, context, quoted)


def parse_graph(data: bytes, syntax: str, limit: int | None = None) -> Graph:
    """Parse ``data`` (``"turtle"`` or ``"json-ld"``) into a graph, safely (see the module
    docs). Raises :class:`RdfInputError` saying what is wrong."""
    limit = statement_limit() if limit is None else limit
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RdfInputError(f"is not UTF-8 (first bad byte at offset {exc.start})") from None
    if syntax == "json-ld":
        try:
            json.loads(text)  # a clear message for what is not JSON at all
        except RecursionError:
            raise RdfInputError("the JSON is nested too deeply") from None
        except ValueError as exc:
            raise RdfInputError(f"is not JSON: {exc}") from None
    store = _CountingMemory(limit)
    graph = Graph(store=store)
    try:
        graph.parse(data=text, format=syntax)
    except RdfInputError:
        raise
    except RecursionError:
        raise RdfInputError("the document is nested too deeply") from None
    except Exception as exc:  # rdflib raises many kinds, all meaning "not valid syntax"
        raise RdfInputError(f"is not valid {syntax}: {str(exc)[:300]}") from None
    store.limit = None  # what the reader adds afterwards is not the file's
    if len(graph) == 0:
        raise RdfInputError("holds no triples")
    return graph


def isolated(read: Callable[..., T], *args: Any) -> T:
    """``read(*args)`` in a worker process of its own, or here when this process is one
    already (an upload's import worker). The statement limit goes with it."""
    if workers.inside_worker():
        return read(*args)
    result: T = workers.run(_with_limit, statement_limit(), read, args, limits=READING_LIMITS)
    return result


def _with_limit(limit: int, read: Callable[..., T], args: tuple[Any, ...]) -> T:
    set_statement_limit(limit)
    return read(*args)
