"""Full collections are held off for a block, and the collector's thresholds are back as
they were when the last block ends; the young generations are collected throughout."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from odx_graph.core import collector
from odx_graph.core.collector import full_collections_held_off


@pytest.fixture(autouse=True)
def _thresholds_after() -> Iterator[None]:
    was = gc.get_threshold()
    yield
    gc.set_threshold(*was)


def test_a_block_holds_off_full_collections_and_the_end_restores_them() -> None:
    gc.set_threshold(700, 10, 10)
    with full_collections_held_off():
        assert gc.get_threshold() == (700, 10, collector.HELD_OFF)
        assert gc.isenabled()
    assert gc.get_threshold() == (700, 10, 10)


def test_overlapping_blocks_restore_only_when_the_last_ends() -> None:
    gc.set_threshold(500, 7, 12)
    outer = full_collections_held_off()
    inner = full_collections_held_off()
    outer.__enter__()
    inner.__enter__()
    outer.__exit__(None, None, None)  # the first to begin ends first
    assert gc.get_threshold() == (500, 7, collector.HELD_OFF)
    inner.__exit__(None, None, None)
    assert gc.get_threshold() == (500, 7, 12)


def test_an_error_still_restores_the_thresholds() -> None:
    gc.set_threshold(700, 10, 10)
    with pytest.raises(RuntimeError), full_collections_held_off():
        raise RuntimeError
    assert gc.get_threshold() == (700, 10, 10)


class _Cycle:
    def __init__(self) -> None:
        self.me = self


def test_young_cycles_are_still_collected_in_a_block() -> None:
    gc.set_threshold(700, 10, 10)
    gc.collect()
    with full_collections_held_off():
        before = gc.get_stats()
        for _ in range(20_000):
            _Cycle()  # garbage at once, freed only by the collector
        after = gc.get_stats()
        pairs = zip(after[:2], before[:2], strict=True)
        young = sum(a["collected"] - b["collected"] for a, b in pairs)
        assert young >= 19_000
        assert after[2]["collections"] == before[2]["collections"]
