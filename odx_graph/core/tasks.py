"""A background task that lives exactly as long as a block of code; a step of work
awaited and timed."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from collections.abc import Awaitable
from collections.abc import Callable
from collections.abc import Coroutine
from contextlib import asynccontextmanager
from typing import Any
from typing import TypeVar

T = TypeVar("T")
# Told of each step of a long piece of work as it ends: its name and the seconds it took.
Steps = Callable[[str, float], None]

# How long a cancelled task has to end before it is cancelled again. A cancellation can
# be lost: code cleaning up after it may fail in its turn (a statement on a connection
# whose transaction the cancellation aborted) and raise another error in its place, which
# a loop that retries on errors then catches and carries on.
CANCEL_AGAIN_AFTER = 1.0


@asynccontextmanager
async def running(work: Coroutine[Any, Any, Any]) -> AsyncIterator[asyncio.Task[Any]]:
    """Run ``work`` as a task while the block runs; when the block ends (however it ends)
    the task is cancelled and awaited, so nothing of it outlives the block. A task still
    running :data:`CANCEL_AGAIN_AFTER` seconds after a cancellation is cancelled again."""
    task = asyncio.create_task(work)
    try:
        yield task
    finally:
        while not task.done():
            task.cancel()
            await asyncio.wait({task}, timeout=CANCEL_AGAIN_AFTER)
        with contextlib.suppress(asyncio.CancelledError):
            await task


def cancelled_meanwhile() -> bool:
    """Whether the running task has been asked to stop: a loop that carries on after
    errors asks this before it does, as a cancellation may have ended up as another error
    (see :data:`CANCEL_AGAIN_AFTER`)."""
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


async def timed(steps: Steps | None, name: str, work: Awaitable[T]) -> T:
    """Await ``work``, then tell ``steps`` (when given) it ended as the step ``name``, with
    the seconds it took."""
    started = time.monotonic()
    result = await work
    if steps is not None:
        steps(name, time.monotonic() - started)
    return result
