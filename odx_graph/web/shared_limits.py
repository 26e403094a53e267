"""Rate limits shared by the server processes on one database: every
``ODX_RATE_LIMIT_SHARE_MS`` each process writes what its callers spent (by a hash of the
caller) and takes what the others' let through from the same callers' buckets, so a key
gets its ``ODX_RATE_LIMIT_PER_MINUTE`` across all of them rather than that much from
each. One statement per interval, never one per request: a caller spreading requests
over processes may get one interval's worth more than its limit before it is caught up.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from odx_graph.core.errors import OdxError
from odx_graph.core.tasks import running
from odx_graph.store import rate_usage
from odx_graph.store.db import Database
from odx_graph.web.throttle import RateLimiter

log = logging.getLogger(__name__)
FORGET_EVERY = 60  # exchanges between two clean-ups of old rows


async def share(limiter: RateLimiter, db: Database, interval: float) -> None:
    """Exchange spending with the other processes every ``interval`` seconds, until
    cancelled; a database that does not answer leaves each process to its own counts."""
    server = uuid.uuid4()
    after: int | None = None
    rounds = 0
    while True:
        await asyncio.sleep(interval)
        try:
            if after is None:
                after = await rate_usage.last_position(db)
            spent = limiter.spent_since_last()
            others, after = await rate_usage.exchange(db, server, spent, after)
            limiter.owe(others)
            rounds += 1
            if rounds % FORGET_EVERY == 0:
                await rate_usage.forget_old(db)
        except OdxError:
            log.warning("rate limits not shared this round: the database did not answer")
        except Exception:  # never end the task: each process then counts alone
            log.exception("rate limits not shared this round")


@asynccontextmanager
async def sharing_rate_limits(state: Any) -> AsyncIterator[None]:
    """Share the request rate limit with the other processes for the app's life
    (``ODX_RATE_LIMIT_SHARE_MS``; 0 or no rate limit: each process counts alone)."""
    settings, limiter = state.settings, state.throttle.requests
    if not settings.rate_limit_share_ms or not settings.rate_limit_per_minute:
        yield
        return
    # A handle of its own on the pool: statements counted per request never see these.
    db = Database(state.db.pool, state.db.dsn, state.db.acquire_timeout)
    limiter.sharing = True
    try:
        async with running(share(limiter, db, settings.rate_limit_share_ms / 1000)):
            yield
    finally:
        limiter.sharing = False
