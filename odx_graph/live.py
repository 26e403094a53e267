"""Live repair updates: one PostgreSQL ``LISTEN`` connection fanned out to subscribers.

Every insert or update of a repair sends a notification (a trigger, see migration 0005)
with its id, home, landlord, contractor, postcode district and status; each subscriber
gets the ids that match its filter. Notifications are sent at commit, so a subscriber
never sees a change that was rolled back. The listening connection is re-opened by itself
if the database restarts; updates made while it was down are not replayed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import asyncpg

from odx_graph.errors import ErrorCode, InputError

log = logging.getLogger(__name__)

CHANNEL = "odx_repair"
QUEUE_SIZE = 1000  # a subscriber this far behind loses the oldest updates, not the server


@dataclass(frozen=True, slots=True)
class RepairFilter:
    """Which repairs a subscriber wants: all the given conditions must hold."""

    repair_id: int | None = None
    home_id: int | None = None
    postcode_district: str | None = None

    def matches(self, event: dict[str, Any]) -> bool:
        """Whether a notification is one this subscriber asked for."""
        return (
            (self.repair_id is None or event.get("id") == self.repair_id)
            and (self.home_id is None or event.get("home_id") == self.home_id)
            and (self.postcode_district is None or event.get("district") == self.postcode_district)
        )


class RepairHub:
    """Listens on :data:`CHANNEL` and hands matching repair ids to subscribers."""

    def __init__(self, dsn: str) -> None:
        self.dsn = dsn
        self._subscribers: dict[asyncio.Queue[int | None], RepairFilter] = {}
        self._owners: Counter[str] = Counter()  # open subscriptions per client
        self._task: asyncio.Task[None] | None = None
        self._conn: asyncpg.Connection | None = None
        self._closed = asyncio.Event()
        self.ready = asyncio.Event()

    @property
    def subscriber_count(self) -> int:
        """How many subscriptions are open."""
        return len(self._subscribers)

    def start(self) -> None:
        """Start listening (in the background, reconnecting as needed)."""
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def close(self) -> None:
        """Stop listening and end every subscription cleanly."""
        self._closed.set()
        for queue in list(self._subscribers):
            with contextlib.suppress(asyncio.QueueFull):
                queue.put_nowait(None)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def subscriptions_of(self, owner: str) -> int:
        """How many subscriptions ``owner`` has open."""
        return self._owners[owner]

    async def subscribe(
        self, wanted: RepairFilter, owner: str = "", limit: int = 0
    ) -> AsyncIterator[int]:
        """Repair ids matching ``wanted``, as their changes commit, until closed. With a
        ``limit``, ``owner`` (a key or a client address) may hold at most that many
        subscriptions at once: one more raises :class:`InputError` (``RATE_LIMITED``)."""
        if limit and self._owners[owner] >= limit:
            raise InputError(
                f"at most {limit} subscriptions may be open at once per key or client "
                "address; close one first",
                code=ErrorCode.RATE_LIMITED,
            )
        self.start()
        queue: asyncio.Queue[int | None] = asyncio.Queue(QUEUE_SIZE)
        self._subscribers[queue] = wanted
        self._owners[owner] += 1
        try:
            while True:
                key = await queue.get()
                if key is None:
                    return
                yield key
        finally:
            self._subscribers.pop(queue, None)
            self._owners[owner] -= 1
            if self._owners[owner] <= 0:
                del self._owners[owner]

    def _deliver(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        try:
            event = json.loads(payload)
        except ValueError:
            return
        for queue, wanted in list(self._subscribers.items()):
            if wanted.matches(event):
                if queue.full():
                    queue.get_nowait()  # drop the oldest for a slow subscriber
                queue.put_nowait(int(event["id"]))

    async def _run(self) -> None:
        delay = 0.5
        while not self._closed.is_set():
            try:
                self._conn = await asyncpg.connect(self.dsn, timeout=5)
                await self._conn.add_listener(CHANNEL, self._deliver)
                lost = asyncio.Event()
                self._conn.add_termination_listener(lambda _conn, lost=lost: lost.set())
                self.ready.set()
                delay = 0.5
                waits = {
                    asyncio.ensure_future(lost.wait()),
                    asyncio.ensure_future(self._closed.wait()),
                }
                _, pending = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
                for waiting in pending:
                    waiting.cancel()
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError):
                log.warning("live updates: listening connection lost; retrying", exc_info=True)
            finally:
                self.ready.clear()
                if self._conn is not None and not self._conn.is_closed():
                    with contextlib.suppress(Exception):
                        await self._conn.close(timeout=2)
            if not self._closed.is_set():
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10)
