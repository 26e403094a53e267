"""Work done in a child process of its own: the memory it takes goes back to the system
when it ends, a time limit stops it, and a memory limit makes it fail cleanly instead of
growing the server.

Children are forked from a ``forkserver`` that has the import code loaded already, so
starting one costs a fork, not a Python start-up; each child does one piece of work and
exits. The memory limit is watched from outside: the child's resident memory is read
every quarter of a second and a child past its limit is killed (:class:`WorkerOutOfMemory`).
A child that runs out of memory inside can hang (a thread dies while handing back its
exception), so this is the limit relied on; ``RLIMIT_DATA`` at twice the limit is only a
backstop against a burst between two readings. Exceptions the work raises (domain errors
included) are raised again in the caller.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
import resource
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any
from typing import TypeVar

T = TypeVar("T")

# Loaded once by the fork server, so a child starts with them in memory.
POLL_SECONDS = 0.25
_PAGE = os.sysconf("SC_PAGE_SIZE")
PRELOAD = (
    "odx_graph.services.importing.worker",
    "odx_graph.services.importing.rdf_format",
    "pyshacl",
)

_inside = False  # true in a child: nested work runs in it rather than in a grandchild


class WorkerError(Exception):
    """The child could not finish its work (the reason is in the message)."""


class WorkerTimeout(WorkerError):
    """The child ran past its time limit and was stopped."""


class WorkerOutOfMemory(WorkerError):
    """The child needed more memory than its limit allows."""


@dataclass(frozen=True, slots=True)
class Limits:
    """What one child may use: ``seconds`` of wall time and ``memory_bytes`` of data."""

    seconds: float
    memory_bytes: int


def inside_worker() -> bool:
    """Whether this process is a worker child."""
    return _inside


def _context() -> Any:
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(list(PRELOAD))
    return context


def _child(
    conn: Connection, limits: Limits, func: Callable[..., Any], args: tuple[Any, ...]
) -> None:
    global _inside
    _inside = True
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the server, which stops us
    backstop = 2 * limits.memory_bytes
    resource.setrlimit(resource.RLIMIT_DATA, (backstop, backstop))
    try:
        outcome: tuple[str, Any] = ("ok", func(*args))
    except MemoryError:
        outcome = ("memory", None)
    except Exception as exc:
        outcome = ("error", exc)
    try:
        conn.send(outcome)
    except MemoryError:
        conn.send(("memory", None))
    except Exception as exc:  # an exception that cannot be pickled
        conn.send(("failed", f"{type(exc).__name__}: {exc}"))
    conn.close()


def _start(func: Callable[..., Any], args: tuple[Any, ...], limits: Limits) -> tuple[Any, Any]:
    context = _context()
    receiving, sending = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(sending, limits, func, args), daemon=True)
    process.start()
    sending.close()
    return process, receiving


def _outcome(process: BaseProcess, conn: Connection) -> Any:
    try:
        kind, value = conn.recv()
    except (EOFError, OSError):
        process.join(5)
        code = process.exitcode
        if code == -signal.SIGKILL:
            raise WorkerOutOfMemory("the work was stopped by the system (out of memory)") from None
        raise WorkerError(
            f"the worker process ended without an answer (exit code {code})"
        ) from None
    finally:
        conn.close()
    if kind == "ok":
        return value
    if kind == "memory":
        raise WorkerOutOfMemory("the work needed more memory than a worker may use")
    if kind == "error":
        raise value
    raise WorkerError(str(value))


def resident_bytes(pid: int | None) -> int:
    """The resident memory of process ``pid`` (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/statm") as statm:
            return int(statm.read().split()[1]) * _PAGE
    except (OSError, ValueError, IndexError):
        return 0


def _over_memory(process: BaseProcess, limits: Limits) -> WorkerOutOfMemory | None:
    if resident_bytes(process.pid) > limits.memory_bytes:
        return WorkerOutOfMemory(
            f"the work needed more than {limits.memory_bytes // (1024 * 1024)} MB of memory "
            "and was stopped"
        )
    return None


def _timed_out(limits: Limits) -> WorkerTimeout:
    return WorkerTimeout(f"the work took longer than {limits.seconds:g} s and was stopped")


def _stop(process: BaseProcess) -> None:
    with contextlib.suppress(Exception):
        process.kill()
    process.join(5)


def run(func: Callable[..., T], *args: Any, limits: Limits) -> T:
    """``func(*args)`` in a new child process (in this one when it is a worker already).
    Blocking; ``func`` and the result must be picklable."""
    if _inside:
        return func(*args)
    process, conn = _start(func, args, limits)
    deadline = time.monotonic() + limits.seconds
    try:
        while not conn.poll(min(POLL_SECONDS, max(0.0, deadline - time.monotonic()))):
            if time.monotonic() >= deadline:
                raise _timed_out(limits)
            if (too_big := _over_memory(process, limits)) is not None:
                raise too_big
        result: T = _outcome(process, conn)
        return result
    finally:
        conn.close()
        _stop(process)


async def run_async(func: Callable[..., T], *args: Any, limits: Limits) -> T:
    """:func:`run` without blocking the event loop. Cancelling the caller stops the
    child at once."""
    if _inside:
        return func(*args)
    process, conn = await asyncio.to_thread(_start, func, args, limits)
    loop = asyncio.get_running_loop()
    readable: asyncio.Future[None] = loop.create_future()

    def wake() -> None:
        if not readable.done():
            readable.set_result(None)

    loop.add_reader(conn.fileno(), wake)
    deadline = loop.time() + limits.seconds
    try:
        try:
            while not readable.done():
                left = deadline - loop.time()
                if left <= 0:
                    raise _timed_out(limits)
                await asyncio.wait({readable}, timeout=min(POLL_SECONDS, left))
                if not readable.done() and (too_big := _over_memory(process, limits)):
                    raise too_big
        finally:
            loop.remove_reader(conn.fileno())
        result: T = await asyncio.to_thread(_outcome, process, conn)
        return result
    finally:
        conn.close()
        await asyncio.to_thread(_stop, process)
