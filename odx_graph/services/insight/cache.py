"""Insight answers kept per data version.

Every insight answer is filed under the data version it was worked out at (the sum of
the change counters of migration 0014, which every committed write, import or code-list
change moves, in any server process) and under the database's date. Asking again, a
caller reads the version (one small statement) and gets the filed answer while nothing
has changed. Answers judged "as at now" (Awaab's Law clocks) are kept only until the
earliest deadline they depend on. The cache lives in the process, one per connection
pool, and holds at most ``insight_cache_entries`` answers, least recently used first out.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import Any, TypeVar

from odx_graph.core.config import Settings
from odx_graph.store.db import Database
from odx_graph.store.version import data_state

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class _Entry:
    version: int
    value: Any
    valid_until: dt.datetime | None


class InsightCache:
    """Answers by key, each with the data version it holds for."""

    def __init__(self, max_entries: int) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[Hashable, _Entry] = OrderedDict()
        self.hits = 0
        self.misses = 0

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

    def __len__(self) -> int:
        return len(self._entries)


# One cache per database (per connection URL) in the process; its answers are filed
# under the database's identity too, so a database dropped and made again under the same
# name never sees the old one's answers.
_CACHES: dict[str, InsightCache] = {}


def cache_for(db: Database, settings: Settings) -> InsightCache:
    """The cache of ``db``'s database."""
    cache = _CACHES.get(db.dsn)
    if cache is None or cache.max_entries != settings.insight_cache_entries:
        cache = _CACHES[db.dsn] = InsightCache(settings.insight_cache_entries)
    return cache


async def cached(
    db: Database,
    settings: Settings,
    key: Hashable,
    compute: Callable[[], Awaitable[T]],
    valid_until: Callable[[T], dt.datetime | None] | None = None,
) -> T:
    """``compute()``'s answer, or the one filed under ``key`` at the current data version
    and date. The version is read before the answer is worked out, so an answer is never
    filed under a version newer than the data it saw."""
    if settings.insight_cache_entries <= 0:
        return await compute()
    state = await data_state(db)
    cache = cache_for(db, settings)
    dated = (key, state.database, state.today)
    found, value = cache.get(dated, state.version, state.now)
    if found:
        return value  # type: ignore[no-any-return]
    answer = await compute()
    cache.put(dated, state.version, answer, None if valid_until is None else valid_until(answer))
    return answer
