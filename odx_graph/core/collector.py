"""The cyclic garbage collector, paused while a block builds many objects that live on.

An import holds every record of its file, and the messages, states and rows made from
them, until it ends: hundreds of thousands of objects that all stay alive. Each full
collection walks every one of them, and a heap that keeps growing triggers one each time
it grows by a quarter, so an import of 30,000 repairs spent most of a second walking
objects it was about to use. Those objects are freed by their reference counts when the
import ends; reference cycles made meanwhile are collected at the first collection after.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_holders = 0  # blocks inside paused() now, in any thread
_resume = False  # whether the collector was enabled when the first of them began


@contextmanager
def paused() -> Iterator[None]:
    """Run the block with automatic collection off; it is back on (if it was on before
    the first of several overlapping blocks began) when the last of them ends."""
    global _holders, _resume
    with _lock:
        if _holders == 0:
            _resume = gc.isenabled()
            gc.disable()
        _holders += 1
    try:
        yield
    finally:
        with _lock:
            _holders -= 1
            if _holders == 0 and _resume:
                gc.enable()
