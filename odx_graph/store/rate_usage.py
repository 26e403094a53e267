"""What callers spent of their rate limits on each server process (migration 0030): each
process appends its own spending and reads the others' since it last looked."""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from odx_graph.store.db import Database

KEPT_FOR = "2 minutes"


async def last_position(db: Database) -> int:
    """The newest row's position: a process starting reads only what comes after it."""
    position = await db.fetchval("SELECT coalesce(max(id), 0) FROM rate_usage")
    return int(position)


async def exchange(
    db: Database, server: uuid.UUID, spent: Mapping[str, int], after: int
) -> tuple[dict[str, int], int]:
    """Append what ``server``'s callers spent (bucket: requests) and return what the other
    processes' callers spent in rows after position ``after``, summed per bucket, with the
    position read up to."""
    buckets = [b for b, n in spent.items() if n > 0]
    rows = await db.fetch(
        """
        WITH added AS (
            INSERT INTO rate_usage (server, bucket, spent)
            SELECT $1, b, n FROM unnest($2::text[], $3::integer[]) AS x(b, n)
        )
        SELECT id, bucket, spent FROM rate_usage WHERE id > $4 AND server <> $1 ORDER BY id
        """,
        server,
        buckets,
        [spent[b] for b in buckets],
        after,
    )
    others: dict[str, int] = {}
    for row in rows:
        others[row["bucket"]] = others.get(row["bucket"], 0) + int(row["spent"])
        after = max(after, int(row["id"]))
    return others, after


async def forget_old(db: Database) -> None:
    """Delete rows older than every process still needs."""
    await db.execute(f"DELETE FROM rate_usage WHERE at < now() - interval '{KEPT_FOR}'")
