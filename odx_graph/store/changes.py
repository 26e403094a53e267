"""The change log of the open graph (migration 0016): publishing what writers noted, and
reading the published versions in order.

Writers' triggers note the things each statement touched in ``change_pending`` (a bulk
load notes each table it wrote as one run of keys, migration 0046). The
publisher, one at a time under an advisory lock, takes the committed notes, reads those
things as the open tier sees them in the same snapshot (so every version holds at least
the change noted), and appends a version of each that changed to ``change_log`` with the
next position. A change committed after that snapshot is published in a later round,
at a later position.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from odx_graph.core.access import PUBLIC
from odx_graph.mapping import MAPPING
from odx_graph.mapping import Entity
from odx_graph.store import sql
from odx_graph.store.db import READER_ROLE
from odx_graph.store.db import Connection
from odx_graph.store.db import Database
from odx_graph.store.db import Record
from odx_graph.store.db import quote_ident

# Any constant unique to this purpose: one publisher at a time, across server processes.
PUBLISH_LOCK_KEY = 0x0D_C6_A9_4E_00_16

# The triples of one exported row of an entity as sorted N-Triples lines (the services
# layer knows how to make RDF; the store only stores it).
Render = Callable[[Entity, Record], str]


@dataclass(frozen=True, slots=True)
class Version:
    """One published version of a thing: its triples then, or a tombstone."""

    position: int
    published_at: dt.datetime
    changed_at: dt.datetime
    segment: str
    key: int
    kind: str  # create, update or delete
    triples: str  # sorted N-Triples lines; empty for a deletion


def digest(triples: str) -> bytes:
    """The fingerprint a version is compared by (an unchanged thing gets no new one)."""
    return hashlib.sha256(triples.encode()).digest()


async def publish(db: Database, render: Render, batch: int = 2000) -> int | None:
    """Publish up to ``batch`` noted changes; the number of versions appended, or ``None``
    when another publisher holds the lock."""
    unlock = "SELECT pg_advisory_unlock($1)"
    async with db.connection() as conn:
        if not await conn.fetchval("SELECT pg_try_advisory_lock($1)", PUBLISH_LOCK_KEY):
            return None
        try:
            # One snapshot for the notes, the rows they name and the log's end.
            async with conn.transaction(isolation="repeatable_read"):
                appended = await _publish_batch(conn, render, batch)
        except BaseException:
            # Unlocked here if the connection still can; else when the pool takes the
            # connection back (its reset unlocks every advisory lock) or closes it. What
            # ended the batch (a cancellation, say) goes on, whatever the unlock does.
            with contextlib.suppress(Exception):
                await conn.execute(unlock, PUBLISH_LOCK_KEY)
            raise
        await conn.execute(unlock, PUBLISH_LOCK_KEY)
        return appended


@dataclass(frozen=True, slots=True)
class Taken:
    """The things a batch takes from the notes, each once, in the order of its latest
    note with that note's time; the notes it used up, and the one run it took only the
    first keys of (its id and the first key left), if any."""

    things: dict[tuple[str, int], dt.datetime]
    used: list[int]
    rest: tuple[int, int] | None


def take(notes: Sequence[Record], batch: int) -> Taken:
    """Up to ``batch`` things from ``notes`` (in id order; each names a key, or a run of
    keys from ``key`` to ``last_key``): whole notes while they fit, then the first keys of
    the next run, whose other keys wait for the next batch in the same place. Refuses a
    batch of less than one thing, which would take nothing for ever."""
    if batch < 1:
        raise ValueError(f"a batch takes at least one thing, not {batch}")
    things: dict[tuple[str, int], dt.datetime] = {}
    used: list[int] = []
    room = batch
    for note in notes:
        first = int(note["key"])
        last = first if note["last_key"] is None else int(note["last_key"])
        end = min(last, first + room - 1)
        for key in range(first, end + 1):
            subject = (note["segment"], key)
            things.pop(subject, None)
            things[subject] = note["changed_at"]
        room -= end - first + 1
        if end < last:
            return Taken(things, used, (int(note["id"]), end + 1))
        used.append(int(note["id"]))
        if room == 0:
            break
    return Taken(things, used, None)


async def _publish_batch(conn: Connection, render: Render, batch: int) -> int:
    notes = await conn.fetch(
        "SELECT id, changed_at, segment, key, last_key FROM change_pending ORDER BY id LIMIT $1",
        batch,
    )
    if not notes:
        return 0
    taken = take(notes, batch)
    latest = taken.things
    rendered = await _render_current(conn, render, list(latest))
    previous = await _latest_versions(conn, list(latest))
    appended = await _append_changed(
        conn,
        ((s, changed_at, rendered.get(s), previous.get(s)) for s, changed_at in latest.items()),
    )
    await conn.execute("DELETE FROM change_pending WHERE id = ANY($1)", taken.used)
    if taken.rest is not None:
        await conn.execute("UPDATE change_pending SET key = $2 WHERE id = $1", *taken.rest)
    return appended


_LOG_COLUMNS = [
    "position",
    "published_at",
    "changed_at",
    "segment",
    "key",
    "kind",
    "digest",
    "triples",
]


# A thing to publish: its segment and key, when it changed (``None``: as it is published),
# its current triples (``None``: it is gone) and its latest version's kind and digest.
Changed = tuple[tuple[str, int], dt.datetime | None, str | None, tuple[str, bytes] | None]


async def _append_changed(conn: Connection, things: Iterable[Changed]) -> int:
    """Append, at the next positions, a version of each of ``things`` whose triples differ
    from its latest version (a tombstone for a living thing that is gone). The number of
    versions appended."""
    end = await conn.fetchrow(
        "SELECT coalesce(max(position), 0) AS position, "
        "greatest(clock_timestamp(), max(published_at)) AS at FROM change_log"
    )
    assert end is not None  # an aggregate always gives a row
    position, now = int(end["position"]), end["at"]
    records: list[tuple[Any, ...]] = []
    for subject, changed_at, triples, before in things:
        alive_before = before is not None and before[0] != "delete"
        if triples is None:
            if not alive_before:
                continue
            kind, triples = "delete", ""
        elif alive_before and before is not None and before[1] == digest(triples):
            continue
        else:
            kind = "update" if alive_before else "create"
        position += 1
        at = now if changed_at is None else changed_at
        records.append((position, now, at, *subject, kind, digest(triples), triples))
    await _append(conn, records)
    return len(records)


async def _append(conn: Connection, records: list[tuple[Any, ...]]) -> None:
    """Add ``records`` (values of :data:`_LOG_COLUMNS`) to the end of the change log."""
    if records:
        await conn.copy_records_to_table("change_log", records=records, columns=_LOG_COLUMNS)


async def _render_current(
    conn: Connection, render: Render, subjects: Sequence[tuple[str, int]]
) -> dict[tuple[str, int], str]:
    """The current triples of each named thing that exists, read as the open tier."""
    by_segment: dict[str, list[int]] = {}
    for segment, key in subjects:
        by_segment.setdefault(segment, []).append(key)
    out: dict[tuple[str, int], str] = {}
    # For this transaction only: should a statement fail (or be cancelled), the rollback
    # ends the role with it. A RESET in a `finally` would fail in the aborted transaction
    # and put its own error in place of the first (a lost cancellation, for one).
    await conn.execute(f"SET LOCAL ROLE {quote_ident(READER_ROLE)}")
    for segment, keys in by_segment.items():
        entity = MAPPING.by_iri_segment(segment)
        if entity is None:
            continue
        statement = (
            f"SELECT {sql.export_columns(entity, PUBLIC)} FROM {entity.table} {sql.ALIAS} "
            f"WHERE {sql.ALIAS}.{entity.key} = ANY($1)"
        )
        for row in await conn.fetch(statement, keys):
            out[(segment, int(row["_key"]))] = render(entity, row)
    await conn.execute("RESET ROLE")  # the rest of the transaction as the publisher
    return out


async def _latest_versions(
    conn: Connection, subjects: Sequence[tuple[str, int]]
) -> dict[tuple[str, int], tuple[str, bytes]]:
    rows = await conn.fetch(
        "SELECT s.segment, s.key, v.kind, v.digest "
        "FROM unnest($1::text[], $2::bigint[]) AS s (segment, key) "
        "CROSS JOIN LATERAL (SELECT kind, digest FROM change_log c "
        "WHERE c.segment = s.segment AND c.key = s.key ORDER BY position DESC LIMIT 1) AS v",
        [s[0] for s in subjects],
        [s[1] for s in subjects],
    )
    return {(r["segment"], int(r["key"])): (r["kind"], bytes(r["digest"])) for r in rows}


async def pending_count(db: Database) -> int:
    """How many noted changes wait to be published (each key of a run counted)."""
    return int(
        await db.fetchval(
            "SELECT coalesce(sum(coalesce(last_key, key) - key + 1), 0) FROM change_pending"
        )
    )


async def log_end(db: Database) -> tuple[int, dt.datetime | None]:
    """The last position published and its time (``0, None`` for an empty log)."""
    row = await db.fetchrow(
        "SELECT position, published_at FROM change_log ORDER BY position DESC LIMIT 1"
    )
    return (0, None) if row is None else (int(row["position"]), row["published_at"])


async def versions(db: Database, first: int, last: int) -> list[Version]:
    """The published versions with positions ``first`` to ``last``, in order."""
    rows = await db.fetch(
        "SELECT position, published_at, changed_at, segment, key, kind, triples "
        "FROM change_log WHERE position BETWEEN $1 AND $2 ORDER BY position",
        first,
        last,
    )
    return [Version(**dict(row)) for row in rows]


async def position_at(db: Database, since: dt.datetime) -> int | None:
    """The first position published at or after ``since``, if any."""
    value = await db.fetchval(
        "SELECT position FROM change_log WHERE published_at >= $1 "
        "ORDER BY published_at, position LIMIT 1",
        since,
    )
    return None if value is None else int(value)


async def latest_nquads(db: Database) -> tuple[int, list[tuple[str, str]]]:
    """The log's last position and, as of it, each living thing's path (``/id/home/1``)
    with the triples of its latest version: what a store rebuilds the dump from."""
    async with (
        db.connection() as conn,
        conn.transaction(isolation="repeatable_read", readonly=True),
    ):
        await conn.execute("SET LOCAL statement_timeout = 0")
        position = await conn.fetchval("SELECT coalesce(max(position), 0) FROM change_log")
        rows = await conn.fetch(
            "SELECT segment, key, triples FROM ("
            "SELECT DISTINCT ON (segment, key) segment, key, kind, triples FROM change_log "
            "ORDER BY segment, key, position DESC) AS latest WHERE kind <> 'delete'"
        )
    return int(position), [(f"/id/{r['segment']}/{r['key']}", r["triples"]) for r in rows]


async def wait_to_publish(conn: Connection) -> None:
    """Take the publisher's lock for the rest of the caller's transaction (waiting for a
    round in progress to end). Taken first, before any row is written, so that a writer
    that publishes at its end never holds rows a publisher needs while waiting for it."""
    await conn.execute("SELECT pg_advisory_xact_lock($1)", PUBLISH_LOCK_KEY)


async def publish_fixed(conn: Connection, things: dict[str, str], prefix: str) -> int:
    """Publish things kept outside the graph's tables (code lists: segment
    ``code/{scheme}``, key 0) in the caller's transaction: a version of each of
    ``things`` (segment: N-Triples lines) whose triples differ from its latest version,
    and a tombstone for each living thing whose segment starts with ``prefix`` and is
    not in ``things``. The number of versions appended."""
    # Waits for a publisher's round to end; positions follow as they do for it.
    await conn.execute("SELECT pg_advisory_xact_lock($1)", PUBLISH_LOCK_KEY)
    rows = await conn.fetch(
        "SELECT DISTINCT ON (segment) segment, kind, digest FROM change_log "
        "WHERE key = 0 AND starts_with(segment, $1) ORDER BY segment, position DESC",
        prefix,
    )
    latest = {r["segment"]: (r["kind"], bytes(r["digest"])) for r in rows}
    segments = sorted({*things, *latest})
    return await _append_changed(
        conn, (((g, 0), None, things.get(g), latest.get(g)) for g in segments)
    )
