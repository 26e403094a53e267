"""How far an import has got, for a progress bar.

An import reports stages ("reading rows", "checking repairs", "writing repairs", ...),
each with how many of how many items are done. The caller installs a callback with
:func:`reporting`; the readers, checks and writers call :func:`tick`, which costs a
context variable look-up when nobody listens. The callback may be called from a worker
thread (readers run off the event loop), so it must not touch the loop.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from collections.abc import Iterator
from contextvars import ContextVar

Progress = Callable[[str, int, int], None]  # stage, done, total (0: not known)

_LISTENER: ContextVar[Progress | None] = ContextVar("odx_import_progress", default=None)
EVERY = 2000  # items between reports inside a stage


@contextlib.contextmanager
def reporting(progress: Progress | None) -> Iterator[None]:
    """Send the progress of what runs inside (in this context) to ``progress``."""
    token = _LISTENER.set(progress)
    try:
        yield
    finally:
        _LISTENER.reset(token)


def tick(stage: str, done: int, total: int = 0) -> None:
    """Report that ``done`` of ``total`` items of ``stage`` are done."""
    listener = _LISTENER.get()
    if listener is not None:
        listener(stage, done, total)


def steps(stage: str, total: int) -> Callable[[int], None]:
    """A reporter for a loop over ``total`` items: call it with each item's number
    (from 1); it reports every :data:`EVERY` items and at the last one."""
    listener = _LISTENER.get()
    if listener is None:
        return _ignore

    def step(done: int) -> None:
        if done % EVERY == 0 or done == total:
            listener(stage, done, total)

    if total:
        listener(stage, 0, total)
    return step


def _ignore(done: int) -> None:
    """No listener: nothing to do."""


def bar(stage: str, done: int, total: int, width: int = 30) -> str:
    """One line for a terminal: the stage, a bar and the share done (counts too, for
    stages of many items); the stage alone when the total is not known."""
    if total <= 0:
        return f"{stage}..."
    share = min(max(done / total, 0.0), 1.0)
    filled = int(width * share)
    counts = f" {min(done, total):,}/{total:,}" if total > EVERY else ""
    return f"{stage} [{'#' * filled}{'.' * (width - filled)}] {int(100 * share):3d}%{counts}"
