"""The collector is paused for a block and back as it was when the last block ends."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from odx_graph.core import collector


@pytest.fixture(autouse=True)
def _enabled_after() -> Iterator[None]:
    was = gc.isenabled()
    yield
    if was:
        gc.enable()


def test_a_block_pauses_collection_and_the_end_resumes_it() -> None:
    gc.enable()
    with collector.paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_overlapping_blocks_resume_only_when_the_last_ends() -> None:
    gc.enable()
    outer = collector.paused()
    inner = collector.paused()
    outer.__enter__()
    inner.__enter__()
    outer.__exit__(None, None, None)  # the first to begin ends first
    assert not gc.isenabled()
    inner.__exit__(None, None, None)
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off_and_an_error_still_resumes() -> None:
    gc.disable()
    with collector.paused():
        pass
    assert not gc.isenabled()
    gc.enable()
    with pytest.raises(RuntimeError), collector.paused():
        raise RuntimeError
    assert gc.isenabled()
