"""SPARQL over the open graph: an embedded Oxigraph store that follows the change log.

The store holds one named graph per thing (named by the thing's IRI) with the triples of
its latest version; queries see the union of them as the default graph, which is the
dump. Built from the log's latest versions when the server starts, it then applies every
new version in order, each batch in one atomic update, so a query never sees a thing
half replaced. Queries run at most ``sparql_concurrency`` at once, with a timeout and a
cap on the results. SELECT queries over mapped terms are answered by PostgreSQL when the
store has a database to ask (``sparql_sql``: the same answer, without walking every
triple); the rest each in a worker process over a read-only view of the store, killed
when its time is up (``sparql_pool``), or with ``sparql_in_processes`` off in a thread,
which Oxigraph cannot stop (the caller gets its timeout answer, the thread runs on).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from collections.abc import Iterable
from typing import Any

import pyoxigraph as ox

from odx_graph.core.config import Settings
from odx_graph.core.errors import InputError
from odx_graph.core.errors import QueryTimeoutError
from odx_graph.core.tasks import cancelled_meanwhile
from odx_graph.services.insight.cache import InsightCache
from odx_graph.services.insight.cache import cached
from odx_graph.services.linked_data.feed import publish_all
from odx_graph.services.linked_data.feed import rebase
from odx_graph.services.linked_data.sparql_answers import Compiled
from odx_graph.services.linked_data.sparql_answers import rows_needed
from odx_graph.services.linked_data.sparql_answers import solutions
from odx_graph.services.linked_data.sparql_pool import WorkerPool
from odx_graph.services.linked_data.sparql_sql import compile_query
from odx_graph.services.linked_data.sparql_sql import may_translate
from odx_graph.services.linked_data.sparql_terms import is_federated
from odx_graph.services.linked_data.sparql_worker import Answer as Answer
from odx_graph.services.linked_data.sparql_worker import AnswerKind as AnswerKind
from odx_graph.services.linked_data.sparql_worker import Request
from odx_graph.services.linked_data.sparql_worker import evaluate
from odx_graph.store import changes
from odx_graph.store.db import Database
from odx_graph.store.graph_match import run_match

log = logging.getLogger(__name__)

# Answers of translated aggregates kept per data version (each at most the result cap).
ANSWERS_KEPT = 64
# Versions applied per atomic update while catching up.
APPLY_BATCH = 2000
BUILD_SLICE = 20_000  # things bulk-loaded at once when the store is built
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


SOLUTION_FORMATS = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
GRAPH_FORMATS = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}
FORMAT_NAMES = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "ttl": "text/turtle",
    "turtle": "text/turtle",
    "nt": "application/n-triples",
    "jsonld": "application/ld+json",
    "rdfxml": "application/rdf+xml",
    "html": "text/html",
}


class SparqlStore:
    """The embedded store and how far into the change log it is."""

    def __init__(
        self,
        settings: Settings,
        reader: Callable[[], Database] | None = None,
        answers: InsightCache | None = None,
    ) -> None:
        self.settings = settings
        # The open data's reader for the aggregates PostgreSQL answers (None: the store
        # answers everything), and their answers kept per data version (None: none kept).
        self.reader = reader
        self.answers = answers
        # On disk, in a directory of its own that lives as long as the store, and rebuilt
        # from the change log at every start: held in memory, the 5,000-home demo's
        # 3.4 million quads took the server past 1.7 GB.
        self._directory = tempfile.mkdtemp(prefix="odx-sparql-")
        # Off (ODX_SPARQL_STORE=false): never built; PostgreSQL answers what it can.
        self.kept = settings.sparql_store
        self.store = ox.Store(self._directory) if self.kept else ox.Store()
        self.position = 0  # the last change log position applied
        self.generation = 0  # counts the store's changes, so that workers know to reopen it
        self.ready = False
        self.workers: WorkerPool | None = None
        if settings.sparql_in_processes and self.kept:
            self.workers = WorkerPool(
                self._directory,
                settings.sparql_concurrency,
                settings.sparql_worker_memory_mb,
                settings.sparql_timeout_ms,
            )
        self._slots = asyncio.Semaphore(settings.sparql_concurrency)
        self._writing = asyncio.Lock()
        self._refreshing: set[asyncio.Task[None]] = set()

    async def stop_workers(self) -> None:
        """Stop the worker processes (before ``close``)."""
        if self.workers is not None:
            await self.workers.close()
        for task in list(self._refreshing):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def close(self) -> None:
        """Let go of the store and delete its files."""
        del self.store
        shutil.rmtree(self._directory, ignore_errors=True)

    async def build(self, db: Database) -> None:
        """Load the latest version of every thing (the dump) from the log."""
        async with self._writing:
            position, lines = await changes.latest_nquads(db)
            # In slices, so that the whole dump is never one string as well.
            for start in range(0, len(lines), BUILD_SLICE):
                text = "".join(_quads(self.settings.base_iri, lines[start : start + BUILD_SLICE]))
                await asyncio.to_thread(self.store.bulk_load, text.encode(), ox.RdfFormat.N_QUADS)
            del lines
            self.position = position
            self.generation += 1
            if self.workers is not None:
                await self.workers.start(self.generation)
            self.ready = True

    async def catch_up(self, db: Database) -> int:
        """Apply the versions published since the last call; how many were applied. The
        idle workers then open the changed store in the background."""
        applied = 0
        async with self._writing:
            while True:
                batch = await changes.versions(db, self.position + 1, self.position + APPLY_BATCH)
                if not batch:
                    break
                update = _update(self.settings.base_iri, batch)
                await asyncio.to_thread(self.store.update, update)
                self.position = batch[-1].position
                self.generation += 1
                if self.workers is not None:
                    self.workers.advance(self.generation)
                applied += len(batch)
        if applied and self.workers is not None:
            task = asyncio.create_task(self.workers.refresh(self.generation))
            self._refreshing.add(task)
            task.add_done_callback(self._refreshed)
        return applied

    def _refreshed(self, task: asyncio.Task[None]) -> None:
        self._refreshing.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("opening the SPARQL store in the workers failed", exc_info=task.exception())

    async def translated(
        self, text: str, default_graphs: list[str], named_graphs: list[str]
    ) -> Compiled | None:
        """``text`` translated for PostgreSQL (see ``sparql_sql``), or ``None`` when the
        store answers it."""
        whole_graph = not default_graphs and not named_graphs
        if self.reader is None or not whole_graph or not may_translate(text):
            return None
        return await asyncio.to_thread(compile_query, text, self.settings.base_iri)

    async def can_answer(
        self, text: str, default_graphs: list[str], named_graphs: list[str]
    ) -> bool:
        """Whether ``text`` can be answered now: the store is built, or PostgreSQL
        answers it (a translated query needs no store), or it is refused anyway (a
        federated one, or one only a store not kept could answer)."""
        if self.ready or is_federated(text) or not self.kept:
            return True
        return await self.translated(text, default_graphs, named_graphs) is not None

    async def query(self, text: str, default_graphs: list[str], named_graphs: list[str]) -> Answer:
        """Evaluate ``text`` within the timeout and cap. Raises ``InputError`` for a
        query that does not parse or asks another endpoint (``SERVICE``),
        ``QueryTimeoutError`` when it runs too long."""
        if is_federated(text):
            # Oxigraph would send the query to the address named: no requests out.
            raise InputError("federated queries (SERVICE) are not answered by this endpoint")
        timeout = self.settings.sparql_timeout_ms / 1000
        deadline = time.monotonic() + timeout
        compiled = await self.translated(text, default_graphs, named_graphs)
        if compiled is None and not self.kept:
            # Over the empty store: a query that does not parse is told so.
            evaluate(self.store, text, default_graphs, named_graphs, 0, lambda: True)
            raise InputError(
                "this server keeps no SPARQL store (ODX_SPARQL_STORE=false), and only the "
                "store answers this query: the SELECT queries PostgreSQL answers are listed "
                "in docs/linked-data.md; the dumps and the change feed hold the whole graph"
            )
        try:
            await asyncio.wait_for(self._slots.acquire(), max(deadline - time.monotonic(), 0.001))
        except TimeoutError:
            raise QueryTimeoutError("the SPARQL query waited too long") from None
        if compiled is not None and self.reader is not None:
            try:
                return await self._in_database(self.reader(), compiled, deadline)
            finally:
                self._slots.release()
        if self.workers is None:
            return await self._in_thread(text, default_graphs, named_graphs, deadline)
        request = Request(
            self.generation,
            text,
            default_graphs,
            named_graphs,
            self.settings.sparql_max_results,
            max(deadline - time.monotonic(), 0.001),
        )
        try:
            return await self.workers.ask(request)
        finally:
            # Only now: a query past its time has had its worker killed already.
            self._slots.release()

    async def _in_database(self, reader: Database, compiled: Compiled, deadline: float) -> Answer:
        """A translated query's answer from PostgreSQL, within the time left; kept until
        the next committed write (the data version moves), as insight answers are."""
        cap = self.settings.sparql_max_results
        needed = rows_needed(compiled, cap)
        sql = compiled.sql if needed is None else f"{compiled.sql} LIMIT {needed}"

        async def work() -> Answer:
            left_ms = max(int((deadline - time.monotonic()) * 1000), 1)
            records = await run_match(reader, sql, compiled.args, left_ms)
            rows = solutions(compiled, records, self.settings.base_iri)
            return Answer(
                AnswerKind.SOLUTIONS, compiled.variables, rows[:cap], truncated=len(rows) > cap
            )

        key = ("sparql", sql, tuple(compiled.args), cap)
        return await cached(reader, self.answers, key, work)

    async def _in_thread(
        self, text: str, default_graphs: list[str], named_graphs: list[str], deadline: float
    ) -> Answer:
        cancelled = threading.Event()
        cap = self.settings.sparql_max_results

        def stop() -> bool:
            return cancelled.is_set() or time.monotonic() > deadline

        work = _in_daemon_thread(
            lambda: evaluate(self.store, text, default_graphs, named_graphs, cap, stop)
        )
        # The slot is given back when the thread ends, not when the caller stops waiting:
        # a query past its time still holds one until Oxigraph lets go of it (Oxigraph
        # cannot be interrupted; the thread is a daemon so it never holds up shutdown).
        work.add_done_callback(lambda _: self._slots.release())
        try:
            return await asyncio.wait_for(
                asyncio.shield(work), max(deadline - time.monotonic(), 0.001)
            )
        except TimeoutError:
            cancelled.set()
            raise QueryTimeoutError(
                f"the SPARQL query ran past {self.settings.sparql_timeout_ms} ms",
            ) from None


def _in_daemon_thread(work: Callable[[], Answer]) -> asyncio.Future[Answer]:
    """Run ``work`` in a new daemon thread; its result as a future of the running loop."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[Answer] = loop.create_future()

    def settle(result: Answer | None, error: BaseException | None) -> None:
        if future.done():
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)  # type: ignore[arg-type]

    def run() -> None:
        try:
            result = work()
        except BaseException as exc:  # handed to the waiting coroutine
            loop.call_soon_threadsafe(settle, None, exc)
        else:
            loop.call_soon_threadsafe(settle, result, None)

    threading.Thread(target=run, name="sparql-query", daemon=True).start()
    return future


def _quads(base: str, lines: Iterable[tuple[str, str]]) -> Iterable[str]:
    """N-Quads of each thing's triples in the graph named after it."""
    for graph, triples in lines:
        iri = f"<{base}{graph}>"
        for line in rebase(triples, base).splitlines():
            yield f"{line[:-1]}{iri} .\n"


def _update(base: str, versions: list[changes.Version]) -> str:
    """One SPARQL update replacing each versioned thing's graph, in order."""
    operations = []
    for version in versions:
        graph = f"<{base}/id/{version.segment}/{version.key}>"
        operations.append(f"DROP SILENT GRAPH {graph}")
        if version.triples:
            triples = rebase(version.triples, base)
            operations.append(f"INSERT DATA {{ GRAPH {graph} {{\n{triples}}} }}")
    return " ;\n".join(operations)


def _json_term(term: Any) -> dict[str, str]:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    out = {"type": "literal", "value": term.value}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype.value != XSD_STRING:
        out["datatype"] = term.datatype.value
    return out


def results_json(answer: Answer) -> bytes:
    """SPARQL 1.1 Query Results JSON of solutions or a boolean."""
    if answer.kind is AnswerKind.BOOLEAN:
        return json.dumps({"head": {}, "boolean": answer.boolean}).encode()
    bindings = [
        {
            name: _json_term(value)
            for name, value in zip(answer.variables, row, strict=True)
            if value
        }
        for row in answer.rows
    ]
    body = {"head": {"vars": answer.variables}, "results": {"bindings": bindings}}
    return json.dumps(body, ensure_ascii=False).encode()


def serialise(answer: Answer, media_type: str) -> bytes:
    """The answer in ``media_type`` (one of ``SOLUTION_FORMATS`` or ``GRAPH_FORMATS``)."""
    if answer.kind is AnswerKind.GRAPH:
        return ox.serialize(answer.rows, format=GRAPH_FORMATS[media_type]) or b""
    as_json = results_json(answer)
    if media_type == "application/sparql-results+json":
        return as_json
    parsed = ox.parse_query_results(as_json, ox.QueryResultsFormat.JSON)
    return parsed.serialize(format=SOLUTION_FORMATS[media_type]) or b""


async def follow(db: Database, reader: Database, store: SparqlStore, interval: float) -> None:
    """Publish noted changes and keep ``store`` in step, every ``interval`` seconds, until
    cancelled (the app's lifespan runs it). Failures are logged and retried."""
    while True:
        try:
            if store.kept and not store.ready:
                # Everything noted is published first, so that the store is bulk-loaded
                # with it rather than fed it one update at a time (a fresh demo notes
                # half a million things at once).
                while await publish_all(db):
                    pass
                await store.build(reader)
            await publish_all(db)  # kept or not: the change log feeds the event stream
            if store.kept:
                await store.catch_up(reader)
        except asyncio.CancelledError:
            raise
        except Exception:
            if cancelled_meanwhile():  # the error took a cancellation's place: stop
                raise asyncio.CancelledError from None
            log.exception("keeping the SPARQL store in step failed; retrying")
        await asyncio.sleep(interval)
