"""A publisher of the change log cancelled in the middle of a batch (a server stopping)
ends cancelled, with its batch undone and its lock released: the clean-up after the
cancellation must not fail in the aborted transaction and put another error in its
place, which the SPARQL store's follower would take for a failure to retry, and the
server would wait for it for ever."""

from __future__ import annotations

import asyncio

import pytest

from odx_graph.store import changes
from odx_graph.store.db import Database
from odx_graph.store.db import connect_once


async def test_a_publisher_cancelled_mid_batch_ends_cancelled(fresh_db: Database) -> None:
    db = fresh_db
    home = await db.fetchval("SELECT min(id) FROM home")
    await db.execute("DELETE FROM change_pending")
    await db.execute("INSERT INTO change_pending (segment, key) VALUES ('home', $1)", home)
    blocker = await connect_once(db.dsn)  # outside the pool, which the publisher uses
    try:
        async with blocker.transaction():
            # The batch reads the home as the open tier: it waits for this lock.
            await blocker.execute("LOCK TABLE home IN ACCESS EXCLUSIVE MODE")
            publishing = asyncio.create_task(changes.publish(db, lambda entity, row: ""))
            for _ in range(250):  # until the batch waits on the lock
                await asyncio.sleep(0.02)
                waiting = await blocker.fetchval(
                    "SELECT count(*) FROM pg_locks WHERE NOT granted "
                    "AND relation = 'home'::regclass"
                )
                if waiting:
                    break
            assert waiting, "the batch never reached the home"
            publishing.cancel()
            with pytest.raises(asyncio.CancelledError):
                await publishing
    finally:
        await blocker.close()
    # Nothing of the batch stayed, and another publisher may take the lock.
    assert await db.fetchval("SELECT count(*) FROM change_pending") == 1
    assert await changes.publish(db, lambda entity, row: "") == 1
