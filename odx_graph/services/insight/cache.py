"""Insight answers kept per data version.

Every insight answer is filed under the data version it was worked out at (the sum of
the change counters of migration 0014, which every committed write, import or code-list
change moves, in any server process) and under the database and its date. Asking again,
a caller reads the version (one small statement) and gets the filed answer while nothing
has changed. Answers judged "as at now" (Awaab's Law clocks) are kept only until the
earliest deadline they depend on.

The cache is a resource like the pool: the web application makes one in its lifespan
(``insight_cache_entries`` answers at most, least recently used first out) and hands it
to every request. The services take it as an argument; without one they work every
answer out. Concurrent misses of one answer are worked out once: the first caller works
it out and the others wait for it (an error reaches them all; a caller cancelled while
working it out hands the work to one of those waiting). Besides the services' answers
it keeps whole GraphQL responses (:mod:`odx_graph.api.insight_responses`), filed the
same way. The same mechanism keeps the records of the pages for people
(:data:`RECORDS_KEPT`), in a cache of their own.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import OrderedDict
from collections.abc import Awaitable
from collections.abc import Callable
from collections.abc import Hashable
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any
from typing import TypeVar

from odx_graph.store.db import Database
from odx_graph.store.version import DataState
from odx_graph.store.version import data_state

T = TypeVar("T")

# The records read for one person's page (a resident's home, a contractor's jobs, a
# board's open jobs) kept per data version by the web application, whatever the size of
# the insight cache: read again while nothing has changed, a page costs one statement for
# them. Any committed write moves the version, so the next page shows it. A home with
# a hundred repairs and their status changes takes about 300 kB.
RECORDS_KEPT = 128


@dataclass(frozen=True, slots=True)
class _Entry:
    version: int
    value: Any
    valid_until: dt.datetime | None


@dataclass(frozen=True, slots=True)
class Stamp:
    """Where an answer is filed: its key with the database and date, the data version
    and the database's time, read before the answer is worked out."""

    key: Hashable
    version: int
    now: dt.datetime


# The data state read first within :func:`one_data_version` (an empty list until then).
_READ_ONCE: ContextVar[list[DataState] | None] = ContextVar("odx_data_state_once", default=None)


@contextmanager
def one_data_version() -> Iterator[None]:
    """Within the block, answers are looked up at the data version read first in it: one
    statement however many answers a page asks for. For reads only (a page shown): read
    before everything the block reads, it is never newer than what they see, so nothing
    is filed under a version newer than its data; a write in the block would not be seen
    by the look-ups after it."""
    token = _READ_ONCE.set([])
    try:
        yield
    finally:
        _READ_ONCE.reset(token)


async def _data_state(db: Database) -> DataState:
    once = _READ_ONCE.get()
    if once is None:
        return await data_state(db)
    if not once:
        once.append(await data_state(db))
    return once[0]


class _Abandoned(Exception):
    """The caller working an answer out was cancelled: one of those waiting takes over."""


class Flight:
    """One working-out of an answer at a stamp, which other callers missing the same
    answer wait for instead of working it out again."""

    def __init__(self, flights: dict[Hashable, Flight], key: Hashable) -> None:
        self._flights = flights
        self._key = key
        self.outcome: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        flights[key] = self

    def _finish(self) -> None:
        if self._flights.get(self._key) is self:
            del self._flights[self._key]

    def succeed(self, value: Any) -> None:
        """Hand ``value`` to every caller waiting."""
        self._finish()
        if not self.outcome.done():
            self.outcome.set_result(value)

    def fail(self, error: BaseException) -> None:
        """Raise ``error`` in every caller waiting (a cancellation hands the work on)."""
        self._finish()
        if not self.outcome.done():
            cancelled = isinstance(error, asyncio.CancelledError | GeneratorExit)
            self.outcome.set_exception(_Abandoned() if cancelled else error)
            self.outcome.exception()  # retrieved: nobody may be waiting


class InsightCache:
    """Answers by key, each with the data version it holds for."""

    def __init__(self, max_entries: int) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[Hashable, _Entry] = OrderedDict()
        self._flights: dict[Hashable, Flight] = {}
        self.hits = 0
        self.misses = 0
        self.waits = 0

    @property
    def enabled(self) -> bool:
        """Whether answers are kept at all (``insight_cache_entries`` above 0)."""
        return self.max_entries > 0

    def get(self, key: Hashable, version: int, now: dt.datetime) -> tuple[bool, Any]:
        """``(True, answer)`` when ``key`` was filed at ``version`` and is still valid at
        ``now``; ``(False, None)`` otherwise."""
        entry = self._entries.get(key)
        if entry is None or entry.version != version:
            self.misses += 1
            return False, None
        if entry.valid_until is not None and now > entry.valid_until:
            self.misses += 1
            return False, None
        self._entries.move_to_end(key)
        self.hits += 1
        return True, entry.value

    def put(self, key: Hashable, version: int, value: Any, valid_until: dt.datetime | None) -> None:
        """File ``value`` under ``key`` for ``version`` (until ``valid_until`` when set)."""
        self._entries[key] = _Entry(version, value, valid_until)
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    async def stamp(self, db: Database, key: Hashable) -> Stamp:
        """Where an answer to ``key`` from ``db`` is filed now (one statement, or none
        within :func:`one_data_version` once it was read)."""
        state = await _data_state(db)
        return Stamp((key, state.database, state.today), state.version, state.now)

    def find(self, stamp: Stamp) -> tuple[bool, Any]:
        """The answer filed at ``stamp``, as :meth:`get` gives it."""
        return self.get(stamp.key, stamp.version, stamp.now)

    def keep(self, stamp: Stamp, value: Any, valid_until: dt.datetime | None = None) -> None:
        """File ``value`` at ``stamp``."""
        self.put(stamp.key, stamp.version, value, valid_until)

    async def lead_or_wait(self, stamp: Stamp) -> tuple[Flight | None, Any]:
        """After a miss at ``stamp``: ``(flight, None)`` when the caller is to work the
        answer out (and finish ``flight`` with it), or ``(None, answer)`` once another
        caller already working it out has it; that caller's error is raised here."""
        key = (stamp.key, stamp.version)
        while True:
            running = self._flights.get(key)
            if running is None:
                return Flight(self._flights, key), None
            self.waits += 1
            try:
                # Shielded: a waiter cancelled does not cancel the others' answer.
                return None, await asyncio.shield(running.outcome)
            except _Abandoned:
                continue

    def __len__(self) -> int:
        return len(self._entries)


async def cached(
    db: Database,
    cache: InsightCache | None,
    key: Hashable,
    compute: Callable[[], Awaitable[T]],
    valid_until: Callable[[T], dt.datetime | None] | None = None,
) -> T:
    """``compute()``'s answer, or the one ``cache`` filed under ``key`` at the current
    data version and date (without a cache, or with an empty one, always worked out).
    Callers missing it together wait for the first one's answer (or its error).
    The version is read before the answer is worked out, so an answer is never filed
    under a version newer than the data it saw."""
    if cache is None or not cache.enabled:
        return await compute()
    stamp = await cache.stamp(db, key)
    found, value = cache.find(stamp)
    if found:
        return value  # type: ignore[no-any-return]
    flight, value = await cache.lead_or_wait(stamp)
    if flight is None:
        return value  # type: ignore[no-any-return]
    try:
        answer = await compute()
    except BaseException as error:
        flight.fail(error)
        raise
    cache.keep(stamp, answer, None if valid_until is None else valid_until(answer))
    flight.succeed(answer)
    return answer
