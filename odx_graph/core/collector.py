"""Full collections of the cyclic garbage collector held off while a block builds many
objects that live on.

An import holds every record of its file, and the messages, states and rows made from
them, until it ends: hundreds of thousands of objects that all stay alive. Each full
collection walks every one of them, and a heap that keeps growing triggers one each time
it grows by a quarter, so an import of 30,000 repairs spent most of a second walking
objects it was about to use. The young generations are still collected as usual, so
short-lived reference cycles (a refused row's exception and its traceback, say) are freed
as they go, in this process's other work too; what the block keeps is freed by reference
counts when it ends, and any old cycle at the first full collection after.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

# Young collections between two full ones while a block runs: never, in practice (the
# interpreter's default is 10).
HELD_OFF = 1_000_000_000

_lock = threading.Lock()
_holders = 0  # blocks inside full_collections_held_off() now, in any thread
_thresholds: tuple[int, int, int] = gc.get_threshold()  # as they were when the first began


@contextmanager
def full_collections_held_off() -> Iterator[None]:
    """Run the block with no full collection; the collector's thresholds are back as they
    were before the first of several overlapping blocks began when the last of them ends
    (however it ends)."""
    global _holders, _thresholds
    with _lock:
        if _holders == 0:
            _thresholds = gc.get_threshold()
            gc.set_threshold(_thresholds[0], _thresholds[1], HELD_OFF)
        _holders += 1
    try:
        yield
    finally:
        with _lock:
            _holders -= 1
            if _holders == 0:
                gc.set_threshold(*_thresholds)
