"""Worker processes for SPARQL queries, each killed if its query runs past its time.

Up to ``sparql_concurrency`` workers (see ``sparql_worker``), started ahead of the first
query and reused while they behave. A worker whose query times out, is cancelled or dies
(for example at its memory limit) is killed and waited for before its slot is given back,
and a fresh one is started in its place; ``stopped`` counts them. When the store changes,
``refresh`` has the idle workers open it again one at a time in the background, so that
the next queries do not pay for the open; ``reopened_for_query`` counts the queries that
still had to (a worker busy at the change, or a change just before the query).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import pickle
import sys
from pathlib import Path

from odx_graph.core.errors import InputError
from odx_graph.core.errors import QueryTimeoutError
from odx_graph.services.linked_data.sparql_worker import LENGTH
from odx_graph.services.linked_data.sparql_worker import Answer
from odx_graph.services.linked_data.sparql_worker import Request
from odx_graph.services.linked_data.sparql_worker import encode

log = logging.getLogger(__name__)

# How often a busy worker's resident memory is read against its limit.
MEMORY_CHECK_SECONDS = 0.05
# How long an idle worker may take to open the store again before it is replaced.
REFRESH_SECONDS = 30.0

# Imported by name, not run as ``__main__``: the pickles name its classes by module.
WORKER = (
    "import sys; from odx_graph.services.linked_data.sparql_worker import serve; "
    "serve(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))"
)


class WorkerPool:
    """Idle worker processes over one store directory."""

    def __init__(self, directory: str, size: int, memory_mb: int, timeout_ms: int) -> None:
        self._directory = directory
        self._timeout_ms = timeout_ms  # as configured, for the message
        self._size = size
        self._memory_mb = memory_mb
        self._idle: list[asyncio.subprocess.Process] = []
        self._busy = 0
        self._running: set[asyncio.subprocess.Process] = set()  # idle and busy
        self._closed = False
        self._generation = 0  # the store's latest generation the pool has heard of
        self._starting: set[asyncio.Task[None]] = set()
        self._opened: dict[int, int] = {}  # the generation each worker's store is at
        self._refreshing = False
        self._refreshed: asyncio.Event | None = None  # set when the worker in hand is back
        self.stopped = 0  # workers killed mid-query since the pool was made
        self.reopened_for_query = 0  # queries whose worker opened the store first

    def pids(self) -> list[int]:
        """Process ids of the idle workers."""
        return [p.pid for p in self._idle]

    def stale(self) -> int:
        """How many workers (idle, busy or opening it) have the store open at an older
        generation than the latest the pool has heard of."""
        return sum(self._opened.get(p.pid, -1) < self._generation for p in self._running)

    def advance(self, generation: int) -> None:
        """Note that the store has reached ``generation``: workers at an older one are
        stale from now on."""
        self._generation = max(self._generation, generation)

    async def refresh(self, generation: int) -> None:
        """Have the idle workers open the store at ``generation`` (or a later one heard of
        meanwhile), one at a time so that the others stay free for queries; a worker
        that fails to is replaced. A call while one runs only moves its target."""
        self.advance(generation)
        if self._refreshing:
            return
        self._refreshing = True
        try:
            while not self._closed:
                stale = [p for p in self._idle if self._opened.get(p.pid, -1) < self._generation]
                if not stale:
                    return
                process = stale[0]
                self._idle.remove(process)
                self._busy += 1
                self._refreshed = asyncio.Event()
                target = self._generation
                request = Request(target, None, [], [], 0, REFRESH_SECONDS)
                try:
                    await asyncio.wait_for(self._exchange(process, request), REFRESH_SECONDS)
                except (TimeoutError, asyncio.IncompleteReadError, ConnectionError):
                    self._busy -= 1
                    await self._replace(process, stopped_query=False)
                    continue
                except BaseException:
                    self._busy -= 1
                    await asyncio.shield(self._replace(process, stopped_query=False))
                    raise
                finally:
                    self._refreshed.set()
                    self._refreshed = None
                self._busy -= 1
                self._opened[process.pid] = target
                if len(self._idle) < self._size:
                    self._idle.append(process)
                else:  # a query started a worker meanwhile: the pool keeps its size
                    await _kill(process)
                    self._running.discard(process)
                    self._opened.pop(process.pid, None)
        finally:
            self._refreshing = False

    async def start(self, generation: int | None = None) -> None:
        """Start the workers, so that no query waits for one to start; new ones open the
        store as it is at ``generation`` (by default the last one asked for)."""
        if generation is not None:
            self._generation = generation
        while len(self._idle) + self._busy < self._size:
            self._idle.append(await self._spawn())

    async def ask(self, request: Request) -> Answer:
        """Run ``request`` in an idle worker (a new one if none is idle), killing it at
        ``request.seconds``. Raises ``InputError`` or ``QueryTimeoutError``."""
        self._generation = request.generation
        if not self._idle and self._refreshed is not None:
            # The one worker free is opening the store: sooner back than a new one.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._refreshed.wait(), request.seconds)
        process = self._idle.pop() if self._idle else await self._spawn()
        self._busy += 1
        watch = asyncio.create_task(self._watch_memory(process))
        try:
            exchange = self._exchange(process, request)
            kind, payload, reopened = await asyncio.wait_for(exchange, request.seconds)
        except TimeoutError:
            self._busy -= 1
            await self._replace(process)
            raise QueryTimeoutError(f"the SPARQL query ran past {self._timeout_ms} ms") from None
        except (asyncio.IncompleteReadError, ConnectionError):
            self._busy -= 1
            await self._replace(process)
            raise QueryTimeoutError(
                "the SPARQL query was stopped: its worker ended "
                f"(a query may use at most {self._memory_mb} MB)"
            ) from None
        except BaseException:  # cancelled mid-query: the worker's pipe is out of step
            self._busy -= 1
            await asyncio.shield(self._replace(process))
            raise
        finally:
            watch.cancel()
        self._busy -= 1
        self._opened[process.pid] = request.generation
        self.reopened_for_query += reopened
        if len(self._idle) < self._size:
            self._idle.append(process)
        else:  # a replacement came up while this one was busy
            await _kill(process)
            self._running.discard(process)
            self._opened.pop(process.pid, None)
        if kind == "input":
            raise InputError(str(payload))
        assert isinstance(payload, Answer)
        return payload

    async def close(self) -> None:
        """Stop every worker, busy ones too (their queries end as if cancelled)."""
        self._closed = True
        for task in list(self._starting):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._idle = []
        for process in list(self._running):
            await _kill(process)
        self._running.clear()

    async def _watch_memory(self, process: asyncio.subprocess.Process) -> None:
        """Kill ``process`` when its resident memory passes the limit (read every
        ``MEMORY_CHECK_SECONDS``); its query then ends as a worker that died. Resident
        memory, not address space: a worker maps far more than it uses."""
        limit = self._memory_mb * 1024 * 1024
        while process.returncode is None:
            if resident_bytes(process.pid) > limit:
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
                return
            await asyncio.sleep(MEMORY_CHECK_SECONDS)

    async def _spawn(self) -> asyncio.subprocess.Process:
        if self._closed:
            raise QueryTimeoutError("the SPARQL workers have been stopped")
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            WORKER,
            self._directory,
            str(self._memory_mb),
            str(self._generation),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        self._running.add(process)
        self._opened[process.pid] = self._generation
        return process

    async def _exchange(
        self, process: asyncio.subprocess.Process, request: Request
    ) -> tuple[str, object, bool]:
        assert process.stdin is not None and process.stdout is not None
        process.stdin.write(encode(request))
        await process.stdin.drain()
        head = await process.stdout.readexactly(LENGTH.size)
        body = await process.stdout.readexactly(LENGTH.unpack(head)[0])
        kind, payload, reopened = pickle.loads(body)  # noqa: S301 (our own child's answer)
        return str(kind), payload, bool(reopened)

    async def _replace(
        self, process: asyncio.subprocess.Process, *, stopped_query: bool = True
    ) -> None:
        """Kill ``process``, wait until it is gone, and start another in the background;
        ``stopped`` counts it when it was stopped mid-query."""
        await _kill(process)
        self._running.discard(process)
        self._opened.pop(process.pid, None)
        self.stopped += stopped_query
        if self._closed:
            return
        task = asyncio.create_task(self._refill())
        self._starting.add(task)
        task.add_done_callback(self._starting.discard)

    async def _refill(self) -> None:
        try:
            await self.start()
        except Exception:  # the next query starts one itself
            log.exception("starting a SPARQL worker failed")


def resident_bytes(pid: int) -> int:
    """Resident memory of process ``pid`` in bytes (Linux's ``/proc``); 0 when unknown."""
    try:
        fields = Path(f"/proc/{pid}/statm").read_text().split()
    except OSError:
        return 0
    return int(fields[1]) * os.sysconf("SC_PAGE_SIZE")


async def _kill(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
    await process.wait()
