"""Notes of the change log that name a run of keys (migration 0046), as a bulk load makes
them: the publisher takes a run a batch at a time, in the notes' order, publishing every
thing of the run that exists once, and counts each of its keys as waiting."""

from __future__ import annotations

import datetime as dt
from typing import Any

import asyncpg
import pytest

from odx_graph.mapping import Entity
from odx_graph.store import changes
from odx_graph.store.db import Database

T0 = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)


def _note(id: int, key: int, last_key: int | None = None, segment: str = "home") -> dict[str, Any]:
    return {
        "id": id,
        "changed_at": T0 + dt.timedelta(minutes=id),
        "segment": segment,
        "key": key,
        "last_key": last_key,
    }


def test_a_run_that_fits_the_batch_exactly_is_used_up() -> None:
    taken = changes.take([_note(1, 10, 14), _note(2, 99)], 5)
    assert list(taken.things) == [("home", k) for k in range(10, 15)]
    assert taken.used == [1]
    assert taken.rest is None


def test_a_run_one_longer_than_the_batch_keeps_its_last_key_in_place() -> None:
    taken = changes.take([_note(1, 10, 15), _note(2, 99)], 5)
    assert list(taken.things) == [("home", k) for k in range(10, 15)]
    assert taken.used == []
    assert taken.rest == (1, 15)


def test_single_notes_then_the_first_keys_of_a_run() -> None:
    taken = changes.take([_note(1, 7), _note(2, 8), _note(3, 20, 30), _note(4, 9)], 4)
    assert list(taken.things) == [("home", 7), ("home", 8), ("home", 20), ("home", 21)]
    assert taken.used == [1, 2]
    assert taken.rest == (3, 22)


def test_a_thing_noted_again_is_taken_once_at_its_latest_note() -> None:
    taken = changes.take([_note(1, 3, 5), _note(2, 4, segment="home"), _note(3, 4, 4)], 10)
    assert list(taken.things) == [("home", 3), ("home", 5), ("home", 4)]
    assert taken.things[("home", 4)] == T0 + dt.timedelta(minutes=3)
    assert taken.used == [1, 2, 3]
    assert taken.rest is None


def test_a_full_batch_of_single_notes_leaves_the_rest() -> None:
    taken = changes.take([_note(1, 1), _note(2, 2), _note(3, 3)], 2)
    assert taken.used == [1, 2]
    assert taken.rest is None
    assert list(taken.things) == [("home", 1), ("home", 2)]


def test_a_batch_takes_at_least_one_thing() -> None:
    assert list(changes.take([_note(1, 10, 20)], 1).things) == [("home", 10)]
    with pytest.raises(ValueError, match="at least one"):
        changes.take([_note(1, 10, 20)], 0)


def _render(entity: Entity, row: Any) -> str:
    return f'<urn:t:{entity.iri_segment}:{row["_key"]}> <urn:p> "run" .\n'


async def test_a_run_is_published_a_batch_at_a_time(fresh_db: Database) -> None:
    db = fresh_db
    first = int(await db.fetchval("SELECT min(id) FROM home"))
    gone = int(await db.fetchval("SELECT max(id) FROM home")) + 1  # a key with no home
    await db.execute("DELETE FROM change_pending")
    end = int(await db.fetchval("SELECT coalesce(max(position), 0) FROM change_log"))
    await db.execute(
        "INSERT INTO change_pending (segment, key, last_key) VALUES ('home', $1, $2)",
        first,
        first + 5,
    )
    await db.execute(
        "INSERT INTO change_pending (segment, key, last_key) VALUES ('home', $1, $2)",
        gone,
        gone + 1,
    )
    await db.execute("INSERT INTO change_pending (segment, key) VALUES ('home', $1)", first + 1)
    assert await changes.pending_count(db) == 9
    counts = []
    for _ in range(4):
        counts.append(await changes.publish(db, _render, batch=4))
        counts.append(await changes.pending_count(db))
    # 4 of the run; its last 2 and the 2 keys with no home (nothing to publish); then the
    # single note, a thing already published in this form (nothing new); then nothing.
    assert counts == [4, 5, 2, 1, 0, 0, 0, 0]
    versions = await db.fetch(
        "SELECT key, kind FROM change_log WHERE position > $1 ORDER BY position", end
    )
    assert [(int(v["key"]), v["kind"]) for v in versions] == [
        (k, "update") for k in range(first, first + 6)
    ]


async def test_a_run_must_not_end_before_it_starts(fresh_db: Database) -> None:
    with pytest.raises(asyncpg.CheckViolationError):
        await fresh_db.execute(
            "INSERT INTO change_pending (segment, key, last_key) VALUES ('home', 5, 4)"
        )
    await fresh_db.execute(
        "INSERT INTO change_pending (segment, key, last_key) VALUES ('home', 5, 5)"
    )
