"""Read replicas: streaming standbys that serve reads, kept in rotation while they keep up.

Writes, ``LISTEN`` and anything that must see the latest commit go to the primary. A read
goes to the next replica in rotation (round robin). A client that wrote holds the commit
position its write returned (:meth:`ReplicaSet.commit_token`); a read presenting it is
served by a replica once that replica has replayed the position, waiting at most
``wait`` seconds, else by the primary: a client always reads its own writes.

:meth:`ReplicaSet.watch` checks every replica at an interval: one that does not answer,
is no longer a standby, or is more than ``max_lag`` seconds behind leaves the rotation
and comes back by itself once it answers and has caught up. A read that finds its replica
gone takes it out at once (the next read goes elsewhere).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field

from odx_graph.core.errors import OdxError
from odx_graph.core.replication import LagClock
from odx_graph.core.replication import format_lsn
from odx_graph.core.replication import in_rotation
from odx_graph.core.replication import parse_lsn
from odx_graph.store.db import CONNECT_TIMEOUT_MS
from odx_graph.store.db import Database
from odx_graph.store.db import PoolOptions

log = logging.getLogger(__name__)

_POSITION = "(pg_current_wal_lsn() - '0/0'::pg_lsn)::bigint"
_REPLAYED = "(pg_last_wal_replay_lsn() - '0/0'::pg_lsn)::bigint"
_STANDBY = f"SELECT pg_is_in_recovery() AS standby, {_REPLAYED} AS replayed"


def replica_name(dsn: str) -> str:
    """How a replica is named in logs and metrics: ``host:port/database``, never its
    credentials."""
    parts = urllib.parse.urlsplit(dsn)
    query = urllib.parse.parse_qs(parts.query)
    host = parts.hostname or query.get("host", ["localhost"])[0]
    port = parts.port or query.get("port", ["5432"])[0]
    return f"{host}:{port}{parts.path or '/'}"


@dataclass
class Replica:
    """One standby and what the last check found."""

    dsn: str
    name: str
    db: Database | None = None
    reachable: bool = False
    standby: bool = False
    replayed: int | None = None  # byte offset replayed at the last check
    lag: float | None = None  # seconds behind at the last check
    serving: bool = False  # in rotation
    reads: int = 0  # reads routed to it

    def note_gone(self) -> None:
        """A read found the replica unreachable: out of rotation until a check brings it
        back."""
        if self.serving:
            log.warning("read replica unreachable: out of rotation", extra={"replica": self.name})
        self.reachable = self.serving = False


@dataclass(frozen=True, slots=True)
class ReplicaState:
    """A replica as ``/metrics`` reports it."""

    name: str
    serving: bool
    lag: float | None
    reads: int


@dataclass
class ReplicaSet:
    """The primary and its read replicas. Create with :meth:`open`."""

    primary: Database
    replicas: list[Replica]
    max_lag: float
    wait: float
    pool: PoolOptions = field(default_factory=PoolOptions)
    clock: LagClock = field(default_factory=LagClock)
    primary_reads: int = 0  # reads that went to the primary (no replica, or not caught up)
    _turn: itertools.count[int] = field(default_factory=itertools.count)

    @classmethod
    async def open(
        cls,
        primary: Database,
        dsns: Sequence[str],
        *,
        max_lag_ms: int,
        wait_ms: int,
        pool: PoolOptions | None = None,
    ) -> ReplicaSet:
        """Replicas at ``dsns`` behind ``primary``, checked once: the server starts even
        when a replica is down (it joins the rotation when it answers)."""
        replicas = [Replica(dsn, replica_name(dsn)) for dsn in dsns]
        found = cls(
            primary,
            replicas,
            max_lag_ms / 1000,
            wait_ms / 1000,
            pool or PoolOptions(),
            LagClock(window=max(60.0, 10 * max_lag_ms / 1000)),
        )
        await found.check()
        return found

    async def close(self) -> None:
        """Close the replicas' pools."""
        for replica in self.replicas:
            if replica.db is not None:
                await replica.db.close()
                replica.db = None

    async def watch(self, interval: float) -> None:
        """Check every replica each ``interval`` seconds, until cancelled."""
        while True:
            await asyncio.sleep(interval)
            try:
                await self.check()
            except Exception:  # a check must never end the watch
                log.exception("read replica check failed")

    async def check(self) -> None:
        """Measure the primary's position and each replica's, and set the rotation."""
        try:
            position = await self.primary.fetchval(f"SELECT {_POSITION}")
        except OdxError:
            return  # the primary is away: nothing to measure lag against
        self.clock.record(time.monotonic(), int(position))
        for replica in self.replicas:
            await self._check(replica)

    async def _check(self, replica: Replica) -> None:
        was = replica.serving
        try:
            if replica.db is None:
                replica.db = await self._connect(replica)
            row = await asyncio.wait_for(
                replica.db.fetchrow(_STANDBY),
                self.pool.get("connect_timeout_ms", CONNECT_TIMEOUT_MS) / 1000,
            )
        except (OdxError, TimeoutError):
            replica.reachable = replica.serving = False
        else:
            assert row is not None
            replica.reachable = True
            replica.standby = bool(row["standby"])
            replica.replayed = None if row["replayed"] is None else int(row["replayed"])
            replica.lag = (
                None
                if replica.replayed is None
                else self.clock.lag(time.monotonic(), replica.replayed)
            )
            replica.serving = in_rotation(
                True,
                replica.standby and replica.replayed is not None,
                replica.lag if replica.lag is not None else float("inf"),
                self.max_lag,
            )
        if was != replica.serving:
            log.warning(
                "read replica " + ("back in rotation" if replica.serving else "out of rotation"),
                extra={
                    "replica": replica.name,
                    "reachable": replica.reachable,
                    "standby": replica.standby,
                    "lag_s": replica.lag,
                },
            )

    async def _connect(self, replica: Replica) -> Database:
        db = await Database.connect(replica.dsn, **self.pool)
        db.on_unavailable = replica.note_gone
        return db

    def _next(self, candidates: list[Replica]) -> Replica | None:
        if not candidates:
            return None
        return candidates[next(self._turn) % len(candidates)]

    def _serving(self) -> list[Replica]:
        return [r for r in self.replicas if r.serving and r.db is not None]

    def _on(self, replica: Replica | None, role: str | None) -> Database:
        if replica is None or replica.db is None:
            self.primary_reads += 1
            return self.primary.with_role(role)
        replica.reads += 1
        return replica.db.with_role(role)

    def reader(self, role: str | None) -> Database:
        """Where a read that needs no particular position goes: the next replica in
        rotation, else the primary; as ``role``."""
        return self._on(self._next(self._serving()), role)

    async def for_read(self, role: str | None, after: str | None) -> Database:
        """Where a read goes, as ``role``; ``after`` is a commit token the client holds
        (``None``: none). A malformed token reads from the primary."""
        if after is None:
            return self.reader(role)
        target = parse_lsn(after)
        serving = self._serving()
        if target is None or not serving:
            return self._on(None, role)
        caught_up = [r for r in serving if r.replayed is not None and r.replayed >= target]
        if caught_up:
            return self._on(self._next(caught_up), role)
        replica = self._next(serving)
        assert replica is not None and replica.db is not None
        if await self._replayed(replica, replica.db, target):
            return self._on(replica, role)
        return self._on(None, role)

    async def _replayed(self, replica: Replica, db: Database, target: int) -> bool:
        """Wait (at most ``wait`` seconds) for ``replica`` to replay ``target``."""
        deadline = time.monotonic() + self.wait
        pause = 0.002
        while True:
            try:
                replayed = await db.fetchval(f"SELECT {_REPLAYED}")
            except OdxError:
                return False
            if replayed is not None and int(replayed) >= target:
                replica.replayed = max(replica.replayed or 0, int(replayed))
                return True
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            await asyncio.sleep(min(pause, left))
            pause = min(pause * 2, 0.05)

    async def commit_token(self) -> str:
        """The primary's write position now: at or after every commit that returned, so
        a read presenting it sees them."""
        position = await self.primary.fetchval(f"SELECT {_POSITION}")
        return format_lsn(int(position))

    def states(self) -> list[ReplicaState]:
        """Each replica's rotation, lag and reads, for ``/metrics``."""
        return [ReplicaState(r.name, r.serving, r.lag, r.reads) for r in self.replicas]
