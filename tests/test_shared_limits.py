"""Rate limits shared across server processes: the bucket arithmetic (web/throttle.py)
and the exchange through the database (store/rate_usage.py, migration 0030)."""

from __future__ import annotations

import uuid

from odx_graph.store import rate_usage
from odx_graph.store.db import Database
from odx_graph.web.throttle import RateLimiter
from odx_graph.web.throttle import bucket_name


def test_what_was_let_through_is_counted_by_hashed_bucket_only_when_sharing() -> None:
    limiter = RateLimiter(60, 3)
    limiter.take("key:abc", now=0.0)
    assert limiter.spent_since_last() == {}  # not sharing: nothing kept
    limiter.sharing = True
    for _ in range(4):  # the fourth is refused and not counted
        limiter.take("ip:10.0.0.1", now=0.0)
    name = bucket_name("ip:10.0.0.1")
    assert limiter.spent_since_last() == {name: 3}
    assert limiter.spent_since_last() == {}  # each spending is told once
    assert "10.0.0.1" not in name and len(name) == 24


def test_spending_elsewhere_is_taken_from_the_callers_bucket_here() -> None:
    limiter = RateLimiter(60, 5)  # a token a second, bursts of 5
    limiter.owe({bucket_name("key:k"): 4}, now=10.0)
    assert limiter.take("key:k", now=10.0) == 0.0  # 5 - 4 = 1 left: allowed
    assert limiter.take("key:k", now=10.0) == 1.0  # empty: a second to wait
    assert limiter.take("key:other", now=10.0) == 0.0  # other callers untouched


def test_a_debt_shrinks_as_the_bucket_would_have_refilled() -> None:
    limiter = RateLimiter(60, 5)
    limiter.owe({bucket_name("key:k"): 5}, now=0.0)
    # Two seconds later two tokens have come back: two requests go, the third waits.
    assert limiter.take("key:k", now=2.0) == 0.0
    assert limiter.take("key:k", now=2.0) == 0.0
    assert limiter.take("key:k", now=2.0) > 0


def test_a_debt_past_the_burst_is_paid_back_but_no_further() -> None:
    limiter = RateLimiter(60, 5)
    limiter.owe({bucket_name("key:k"): 50}, now=0.0)
    assert limiter.take("key:k", now=0.0) == 6.0  # -5: six seconds to one token
    assert limiter.take("key:k", now=6.0) == 0.0


async def test_processes_see_each_others_spending_once(fresh_db: Database) -> None:
    first, second = uuid.uuid4(), uuid.uuid4()
    start = await rate_usage.last_position(fresh_db)
    seen, after_1 = await rate_usage.exchange(fresh_db, first, {"a": 3, "b": 1}, start)
    assert seen == {}
    seen, after_2 = await rate_usage.exchange(fresh_db, second, {"a": 2}, start)
    assert seen == {"a": 3, "b": 1}
    seen, after_1 = await rate_usage.exchange(fresh_db, first, {}, after_1)
    assert seen == {"a": 2}
    assert await rate_usage.exchange(fresh_db, first, {}, after_1) == ({}, after_1)
    assert await rate_usage.exchange(fresh_db, second, {}, after_2) == ({}, after_2)
    # Rows are forgotten after two minutes, not before.
    await fresh_db.execute("UPDATE rate_usage SET at = now() - interval '119 seconds'")
    await rate_usage.forget_old(fresh_db)
    assert await fresh_db.fetchval("SELECT count(*) FROM rate_usage") == 3
    await fresh_db.execute("UPDATE rate_usage SET at = now() - interval '121 seconds'")
    await rate_usage.forget_old(fresh_db)
    assert await fresh_db.fetchval("SELECT count(*) FROM rate_usage") == 0


async def test_no_reader_or_writer_may_read_the_counts(fresh_db: Database) -> None:
    for role in ("odx_reader", "odx_writer"):
        assert not await fresh_db.fetchval(
            "SELECT has_table_privilege($1, 'rate_usage', 'SELECT')", role
        )
