"""One SPARQL evaluation, and the worker process that runs them one at a time.

A query runs in a child process (``serve``, started by ``sparql_pool``) that opens the
server's on-disk store read-only, so that a query past its time can be stopped by killing
the process: Oxigraph has no way to interrupt a running query. A read-only open is a
snapshot of the store as it was then (writes not yet flushed included), so the worker
opens it again whenever the server says the store has changed since: while it is idle,
when the pool asks it to (a request with no query), or else before its next query. Requests and
answers are pickles, each after its length in 8 bytes, on the worker's standard input
and output; the worker is the server's own child, never a peer.
"""

from __future__ import annotations

import os
import pickle
import struct
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from typing import BinaryIO

import pyoxigraph as ox

from odx_graph.core.errors import InputError

LENGTH = struct.Struct(">Q")  # the length of each message, before it


class AnswerKind(StrEnum):
    """What a query returns."""

    SOLUTIONS = "solutions"  # SELECT
    BOOLEAN = "boolean"  # ASK
    GRAPH = "graph"  # CONSTRUCT, DESCRIBE


@dataclass(frozen=True, slots=True)
class Answer:
    """A query's answer before serialisation: solutions (with their variables), a
    boolean, or triples; ``truncated`` when the cap cut it."""

    kind: AnswerKind
    variables: list[str]
    rows: list[Any]
    boolean: bool = False
    truncated: bool = False


@dataclass(frozen=True, slots=True)
class Request:
    """One query for a worker; ``generation`` names the store's state it must see. With
    no ``text`` the worker only opens the store at that generation and says so."""

    generation: int
    text: str | None
    default_graphs: list[str]
    named_graphs: list[str]
    cap: int
    seconds: float


def evaluate(
    store: ox.Store,
    text: str,
    default_graphs: list[str],
    named_graphs: list[str],
    cap: int,
    stop: Callable[[], bool],
) -> Answer:
    """Evaluate ``text`` over ``store``, at most ``cap`` rows, reading no further once
    ``stop()`` is true. Raises ``InputError`` for a query that does not parse."""
    options: dict[str, Any] = {}
    if default_graphs:
        options["default_graph"] = [ox.NamedNode(g) for g in default_graphs]
    else:
        options["use_default_graph_as_union"] = True
    if named_graphs:
        options["named_graphs"] = [ox.NamedNode(g) for g in named_graphs]
    try:
        result = store.query(text, **options)
    except (SyntaxError, ValueError) as exc:
        raise InputError(f"the query does not parse: {exc}") from None
    if isinstance(result, ox.QueryBoolean):
        return Answer(AnswerKind.BOOLEAN, [], [], boolean=bool(result))
    rows: list[Any] = []
    truncated = False
    for item in result:
        if len(rows) == cap:
            truncated = True
            break
        if stop():
            break  # the caller has its timeout answer already
        rows.append(item)
    if isinstance(result, ox.QuerySolutions):
        variables = [v.value for v in result.variables]
        values = [[s[v] for v in variables] for s in rows]
        return Answer(AnswerKind.SOLUTIONS, variables, values, truncated=truncated)
    return Answer(AnswerKind.GRAPH, [], rows, truncated=truncated)


def encode(message: object) -> bytes:
    """``message`` as the worker protocol carries it: its length, then its pickle."""
    body = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    return LENGTH.pack(len(body)) + body


def _read(channel: BinaryIO) -> Request | None:
    head = channel.read(LENGTH.size)
    if len(head) < LENGTH.size:
        return None  # the server closed the pipe: time to go
    request = pickle.loads(channel.read(LENGTH.unpack(head)[0]))  # noqa: S301 (our parent)
    assert isinstance(request, Request)
    return request


def _answer(store: ox.Store, request: Request) -> tuple[str, object]:
    if request.text is None:
        return "opened", request.generation
    deadline = time.monotonic() + request.seconds
    try:
        answer = evaluate(
            store,
            request.text,
            request.default_graphs,
            request.named_graphs,
            request.cap,
            lambda: time.monotonic() > deadline,
        )
    except InputError as exc:
        return "input", str(exc)
    return "answer", answer


# Opening a read-only view can race the server's store compacting: a file the manifest
# names is deleted between reading the one and opening the other. Tried again, the open
# reads the new manifest.
OPEN_TRIES = 10
OPEN_PAUSE_SECONDS = 0.02


def open_read_only(directory: str, tries: int = OPEN_TRIES) -> ox.Store:
    """A read-only view of the store in ``directory``, opened again (``tries`` times in
    all) while the server's compaction removes files under it."""
    for attempt in range(1, tries + 1):
        try:
            return ox.Store.read_only(directory)
        except (OSError, RuntimeError):
            if attempt == tries:
                raise
            time.sleep(OPEN_PAUSE_SECONDS * attempt)
    raise AssertionError("unreachable")  # pragma: no cover


def serve(directory: str, memory_mb: int, generation: int) -> None:
    """Answer requests from standard input until it closes, over the store as it is at
    ``generation`` (opened now, before the first request) and later ones. Each answer
    says whether the store had to be opened again for it."""
    # The pool watches this process's resident memory against ``memory_mb`` and kills it
    # past the limit: a cap on address space instead stopped workers that had only
    # mapped the store, before any query.
    del memory_mb
    requests = sys.stdin.buffer
    # The protocol owns standard output; anything printed goes to standard error.
    answers = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    store: ox.Store | None = open_read_only(directory)
    opened = generation
    while (request := _read(requests)) is not None:
        reopened = False
        if store is None or request.generation != opened:
            reopened = True
            store = None  # let go of the old snapshot first
            store = open_read_only(directory)
            opened = request.generation
        try:
            reply = _answer(store, request)
        except OSError:
            # A file of the old snapshot may be gone, compacted away by the server's
            # store since: once more over a fresh one.
            store = None
            store = open_read_only(directory)
            reply = _answer(store, request)
        answers.write(encode((*reply, reopened)))
        answers.flush()
