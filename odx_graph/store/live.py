"""Live repair updates: one PostgreSQL ``LISTEN`` connection fanned out to subscribers.

Every insert or update of a repair sends a notification (a trigger, see migration 0005)
with its id, home, landlord, contractor, postcode district and status; each subscriber
gets the ids that match its filter. Notifications are sent at commit, so a subscriber
never sees a change that was rolled back. The listening connection is re-opened by itself
if the database restarts; updates made while it was down are not replayed.

A subscription made with a key ends when the key stops working: revoked (a notification
from migration 0011's trigger, heard by every server process, and a re-check of the keys
in use whenever the listening connection is re-opened) or expired (a timer).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from enum import Enum
from typing import Any

import asyncpg

from odx_graph.core.errors import ErrorCode
from odx_graph.core.errors import InputError

log = logging.getLogger(__name__)

CHANNEL = "odx_repair"
KEY_CHANNEL = "odx_key"
QUEUE_SIZE = 1000  # a subscriber this far behind loses the oldest updates, not the server


class Ended(Enum):
    """Why a subscription made with a key ended."""

    REVOKED = "revoked"
    EXPIRED = "expired"


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


@dataclass(frozen=True, slots=True)
class Subscriber:
    """What one subscription wants, and the key it was made with (if any)."""

    wanted: RepairFilter
    key_id: int | None = None


Item = int | Ended | None


def seconds_left(expires_at: dt.datetime | None, now: dt.datetime) -> float | None:
    """Seconds until a key expiring at ``expires_at`` stops working (0 once it has);
    ``None`` when it does not expire."""
    if expires_at is None:
        return None
    return max(0.0, (expires_at - now).total_seconds())


class RepairHub:
    """Listens on :data:`CHANNEL` and hands matching repair ids to subscribers."""

    def __init__(self, dsn: str) -> None:
        self.dsn = dsn
        self._subscribers: dict[asyncio.Queue[Item], Subscriber] = {}
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
        self,
        wanted: RepairFilter,
        *,
        key_id: int | None = None,
        expires_at: dt.datetime | None = None,
        key_is_valid: Any = None,
        owner: str = "",
        limit: int = 0,
    ) -> AsyncIterator[int | Ended]:
        """Repair ids matching ``wanted``, as their changes commit, until closed. Made
        with a key, it ends with :class:`Ended` when the key is revoked or expires;
        ``key_is_valid`` (a coroutine function) checks that the key was not revoked once
        the subscription is in place, so a revocation just before cannot be missed. With a
        ``limit``, ``owner`` (a key or a client address) may hold at most that many
        subscriptions at once: one more raises :class:`InputError` (``RATE_LIMITED``)."""
        if limit and self._owners[owner] >= limit:
            raise InputError(
                f"at most {limit} subscriptions may be open at once per key or client "
                "address; close one first",
                code=ErrorCode.RATE_LIMITED,
            )
        self.start()
        queue: asyncio.Queue[Item] = asyncio.Queue(QUEUE_SIZE)
        self._subscribers[queue] = Subscriber(wanted, key_id)
        self._owners[owner] += 1
        try:
            if key_is_valid is not None and not await key_is_valid():
                yield Ended.REVOKED
                return
            while True:
                left = seconds_left(expires_at, dt.datetime.now(dt.UTC))
                try:
                    item = await asyncio.wait_for(queue.get(), left)
                except TimeoutError:
                    yield Ended.EXPIRED
                    return
                if item is None:
                    return
                yield item
                if isinstance(item, Ended):
                    return
        finally:
            self._subscribers.pop(queue, None)
            self._owners[owner] -= 1
            if self._owners[owner] <= 0:
                del self._owners[owner]

    def _deliver(self, _conn: Any, _pid: int, channel: str, payload: str) -> None:
        try:
            event = json.loads(payload)
        except ValueError:
            return
        if channel == KEY_CHANNEL:
            self._end_key(int(event["id"]))
            return
        for queue, subscriber in list(self._subscribers.items()):
            if subscriber.wanted.matches(event):
                _put(queue, int(event["id"]))

    def _end_key(self, key_id: int) -> None:
        """End every subscription made with the key ``key_id``."""
        for queue, subscriber in list(self._subscribers.items()):
            if subscriber.key_id == key_id:
                _put(queue, Ended.REVOKED)

    async def _recheck_keys(self, conn: asyncpg.Connection) -> None:
        """End the subscriptions of keys revoked while nobody was listening."""
        in_use = sorted({s.key_id for s in self._subscribers.values() if s.key_id is not None})
        if not in_use:
            return
        rows = await conn.fetch(
            "SELECT id FROM api_key WHERE id = ANY($1::bigint[]) AND revoked_at IS NOT NULL",
            in_use,
        )
        for row in rows:
            self._end_key(int(row["id"]))

    async def _run(self) -> None:
        delay = 0.5
        while not self._closed.is_set():
            try:
                self._conn = await asyncpg.connect(self.dsn, timeout=5)
                await self._conn.add_listener(CHANNEL, self._deliver)
                await self._conn.add_listener(KEY_CHANNEL, self._deliver)
                await self._recheck_keys(self._conn)
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


def _put(queue: asyncio.Queue[Item], item: Item) -> None:
    if queue.full():
        queue.get_nowait()  # drop the oldest for a slow subscriber
    queue.put_nowait(item)
