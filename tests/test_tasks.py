"""A background task lives exactly as long as its block: cancelled and awaited when the
block ends, normally or by an exception."""

from __future__ import annotations

import asyncio

import pytest

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
