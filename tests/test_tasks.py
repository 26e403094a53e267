"""A background task lives exactly as long as its block: cancelled and awaited when the
block ends, normally or by an exception."""

from __future__ import annotations

import asyncio

import pytest

from odx_graph.core.tasks import cancelled_meanwhile
from odx_graph.core.tasks import running


async def test_the_task_runs_during_the_block_and_is_gone_after_it() -> None:
    ticks: list[int] = []
    stopped = asyncio.Event()

    async def work() -> None:
        try:
            while True:
                ticks.append(1)
                await asyncio.sleep(0)
        finally:
            stopped.set()

    async with running(work()) as task:
        await asyncio.sleep(0.01)
        assert ticks and not task.done()
    assert task.cancelled() and stopped.is_set()
    seen = len(ticks)
    await asyncio.sleep(0.01)
    assert len(ticks) == seen


async def test_an_exception_in_the_block_still_stops_the_task() -> None:
    async def forever() -> None:
        await asyncio.Event().wait()

    with pytest.raises(ValueError, match="boom"):
        async with running(forever()) as task:
            raise ValueError("boom")
    assert task.cancelled()


async def test_a_task_that_finished_on_its_own_is_left_as_it_ended() -> None:
    async def quick() -> int:
        return 7

    async with running(quick()) as task:
        await asyncio.sleep(0)
        await asyncio.sleep(0)
    assert task.done() and not task.cancelled() and task.result() == 7


async def test_a_task_that_loses_its_cancellation_is_cancelled_again() -> None:
    lost = 0

    async def retries_on_errors() -> None:
        nonlocal lost
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            # Cleaning up fails in its turn: another error takes the cancellation's place,
            # and the loop below carries on as after any error.
            lost += 1
        await asyncio.Event().wait()  # carries on, until cancelled again

    async def block() -> asyncio.Task[None]:
        async with running(retries_on_errors()) as task:
            await asyncio.sleep(0)
        return task

    ending = asyncio.create_task(block())
    # Waited for, not cancelled at a timeout (a cancellation would reach the task too).
    done, _ = await asyncio.wait({ending}, timeout=10)
    if not done:
        ending.cancel()
    assert done, "the block never ended: its task lost its cancellation"
    task = ending.result()
    assert task.cancelled() and lost == 1


async def test_a_loop_sees_a_cancellation_another_error_took_the_place_of() -> None:
    seen: list[bool] = []

    async def loop() -> None:
        while True:
            try:
                try:
                    await asyncio.Event().wait()
                except asyncio.CancelledError:
                    raise RuntimeError("the clean-up failed") from None
            except RuntimeError:
                seen.append(cancelled_meanwhile())
                if cancelled_meanwhile():
                    raise asyncio.CancelledError from None

    assert not cancelled_meanwhile()
    async with running(loop()) as task:
        await asyncio.sleep(0)
    assert task.cancelled() and seen == [True]
