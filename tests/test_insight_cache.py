"""Insight answers kept per data version: asked again, answered without working them out;
any committed write, in any process, code lists included, moves the version; concurrent
writers never wait for each other on it. (Whole GraphQL responses over HTTP:
``test_insight_responses.py``.)"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable

import asyncpg

from odx_graph.core.access import PUBLIC
from odx_graph.core.access import Principal
from odx_graph.core.access import Tier
from odx_graph.core.config import Settings
from odx_graph.services.insight.cache import InsightCache
from odx_graph.services.insight.cache import cached
from odx_graph.services.insight.damp import breach_rates
from odx_graph.services.insight.repairs import performance
from odx_graph.store.analytics import Dimension
from odx_graph.store.analytics import RepairScope
from odx_graph.store.damp import DampScope
from odx_graph.store.db import Database
from odx_graph.store.version import data_state

ADMIN = Principal(Tier.ADMIN)
SETTINGS = Settings.from_env({})
# Not data: the version itself, what is derived from the data, and access bookkeeping.
UNTRACKED = {
    "data_version",
    "repair_fact",
    "organisation_district",
    "repair_fact_pending",
    "repair_summary",
    "repair_summary_days",
    "repair_summary_home_month",
    "repair_summary_home",
    "repair_summary_month",
    "repair_summary_landlord",
    "repair_summary_home_priority",
    "repair_summary_priority",
    "repair_summary_home_year",
    "repair_summary_year",
    "repair_summary_home_priority_year",
    "repair_summary_priority_year",
    "repair_summary_delta",
    "repair_summary_pending",
    "repair_summary_hours",  # kept with the facts (migration 0044)
    "repair_summary_cost",
    "repair_value_delta",
    "repair_value_pending",
    "repair_work",  # kept with the facts (migration 0036)
    "repair_planned_due",  # likewise (migration 0043)
    "awaab_deadline",  # kept with the cases, the calendar and the timescales (0037)
    "api_key",
    "audit_event",
    "idempotency_key",
    "schema_migrations",
    "change_pending",
    "rate_usage",  # what callers spent, shared between server processes: not data
}


async def test_every_table_of_data_moves_the_version(seeded_db: Database) -> None:
    rows = await seeded_db.fetch(
        "SELECT c.relname, EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgrelid = c.oid "
        "AND t.tgname = 'data_version_bumped') AS tracked "
        "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition"
    )
    untracked = {r["relname"] for r in rows if not r["tracked"]}
    assert untracked == UNTRACKED
    assert {"repair", "home", "priority", "bank_holiday", "home_record_key"} <= {
        r["relname"] for r in rows if r["tracked"]
    }


async def test_asked_again_an_answer_comes_from_the_cache(seeded_db: Database) -> None:
    group_by = [Dimension.LANDLORD, Dimension.PRIORITY]
    # a scope no other test asks for: the first answer is worked out here
    scope = RepairScope(reported_from=dt.datetime(2020, 1, 2, 3, 4, 5, tzinfo=dt.UTC))
    sent: list[str] = []
    cache = InsightCache(8)
    seeded_db.add_listener(sent.append)
    try:
        first = await performance(seeded_db, SETTINGS, PUBLIC, group_by, scope, cache=cache)
        worked_out = sum("repair_fact" in s for s in sent)
        again = await performance(seeded_db, SETTINGS, PUBLIC, group_by, scope, cache=cache)
        exact = await performance(seeded_db, SETTINGS, ADMIN, group_by, scope, cache=cache)
    finally:
        seeded_db.remove_listener(sent.append)
    assert again == first
    # asked again: one statement (the version), no repair facts read; the exact answer
    # is another one, worked out
    assert worked_out == 1
    assert sum("repair_fact" in s for s in sent) == 2
    assert sum("data_version" in s for s in sent) == 3
    assert exact != first


async def test_a_write_in_another_process_moves_the_version(fresh_db: Database) -> None:
    cache = InsightCache(8)
    before = await performance(fresh_db, SETTINGS, ADMIN, [], RepairScope(), cache=cache)
    other = await Database.connect(fresh_db.dsn, max_size=1)  # as another server would
    try:
        version = (await data_state(other)).version
        await other.execute(
            "INSERT INTO repair (landlord_id, home_id, priority_code, status_code, "
            "reported_at, raised_at) SELECT landlord_id, id, '4', 'reported', now(), now() "
            "FROM home ORDER BY id LIMIT 1"
        )
        assert (await data_state(other)).version > version
    finally:
        await other.close()
    [after] = await performance(fresh_db, SETTINGS, ADMIN, [], RepairScope(), cache=cache)
    assert cache.hits == 0
    assert after.counts["raised"] == (before[0].counts["raised"] or 0) + 1


async def test_a_code_list_change_moves_the_version(fresh_db: Database) -> None:
    measures = ("within_target_emergency_pct",)
    cache = InsightCache(8)
    [before] = await performance(fresh_db, SETTINGS, ADMIN, [], RepairScope(), measures, cache)
    version = (await data_state(fresh_db)).version
    await fresh_db.execute("UPDATE priority SET is_emergency = NOT is_emergency WHERE code = '4'")
    assert (await data_state(fresh_db)).version > version
    [after] = await performance(fresh_db, SETTINGS, ADMIN, [], RepairScope(), measures, cache)
    assert after.measures != before.measures and cache.hits == 0


async def test_concurrent_writers_do_not_wait_for_each_other(fresh_db: Database) -> None:
    """Two open transactions each change the data: neither waits on the version for the
    other (a lock wait of more than a second would fail the second one)."""
    first = await asyncpg.connect(fresh_db.dsn)
    second = await asyncpg.connect(fresh_db.dsn)
    try:
        version = (await data_state(fresh_db)).version
        for conn in (first, second):
            await conn.execute("SET lock_timeout = '1s'")
        one, two = first.transaction(), second.transaction()
        await one.start()
        await two.start()
        for _ in range(5):  # many statements each, all while both stay open
            await first.execute("UPDATE home SET bedrooms = bedrooms WHERE id = 1")
            await second.execute("UPDATE home SET bedrooms = bedrooms WHERE id = 2")
        # neither change is visible yet: nobody may file an answer under a new version
        assert (await data_state(fresh_db)).version == version
        await one.commit()
        await two.commit()
        assert (await data_state(fresh_db)).version == version + 10
    finally:
        await first.close()
        await second.close()


async def test_clocks_as_at_now_are_kept_until_the_next_deadline(fresh_db: Database) -> None:
    now = await fresh_db.fetchval("SELECT now()")
    await fresh_db.execute(
        "INSERT INTO damp_mould_case (landlord_id, home_id, hazard_level_code, aware_at) "
        "SELECT landlord_id, id, 'emergency', $1 FROM home ORDER BY id LIMIT 1",
        now - dt.timedelta(hours=20),
    )
    rates = await breach_rates(fresh_db, SETTINGS, ADMIN, DampScope(), cache=InsightCache(4))
    due = min(r.next_due_at for r in rates if r.next_due_at is not None)
    assert due == now + dt.timedelta(hours=4)  # the new case's 24 hours run out first
    cache = InsightCache(4)
    cache.put("k", 7, "answer", due)
    assert cache.get("k", 7, due) == (True, "answer")  # still due at the deadline itself
    assert cache.get("k", 7, due + dt.timedelta(microseconds=1)) == (False, None)
    assert cache.get("k", 8, now) == (False, None)  # another version


def test_the_cache_holds_at_most_its_entries() -> None:
    cache = InsightCache(2)
    for key in ("a", "b", "c"):
        cache.put(key, 1, key.upper(), None)
    assert len(cache) == 2 and cache.get("a", 1, dt.datetime.now(dt.UTC)) == (False, None)
    assert cache.get("c", 1, dt.datetime.now(dt.UTC)) == (True, "C")
    cache.get("b", 1, dt.datetime.now(dt.UTC))  # b is now the most recently used
    cache.put("d", 1, "D", None)
    assert cache.get("b", 1, dt.datetime.now(dt.UTC)) == (True, "B")
    assert cache.get("c", 1, dt.datetime.now(dt.UTC)) == (False, None)


async def test_answers_are_not_kept_when_the_cache_is_off(seeded_db: Database) -> None:
    sent: list[str] = []
    seeded_db.add_listener(sent.append)
    try:
        for cache in (InsightCache(0), InsightCache(0), None, None):  # sized 0, or none
            await performance(
                seeded_db, SETTINGS, PUBLIC, [Dimension.TRADE], RepairScope(), cache=cache
            )
    finally:
        seeded_db.remove_listener(sent.append)
    assert sum("repair_fact" in s for s in sent) == 4
    assert not any("data_version" in s for s in sent)


async def test_concurrent_askers_get_the_same_answer(seeded_db: Database) -> None:
    group_by = [Dimension.MONTH]
    cache = InsightCache(8)
    answers = await asyncio.gather(
        *(
            performance(seeded_db, SETTINGS, PUBLIC, group_by, RepairScope(), cache=cache)
            for _ in range(3)
        )
    )
    assert answers[0] == answers[1] == answers[2]


async def test_concurrent_misses_work_the_answer_out_once(seeded_db: Database) -> None:
    """Eight askers of the same answer together: one statement of the repair facts, the
    same answer to all."""
    sent: list[str] = []
    cache = InsightCache(8)
    seeded_db.add_listener(sent.append)
    try:
        ask = [
            performance(seeded_db, SETTINGS, PUBLIC, [Dimension.TRADE], RepairScope(), cache=cache)
            for _ in range(8)
        ]
        answers = await asyncio.gather(*ask)
    finally:
        seeded_db.remove_listener(sent.append)
    assert sum("repair_fact" in s for s in sent) == 1
    assert all(a == answers[0] for a in answers)
    # Each of the seven others either waited for the first's answer or, its version read
    # only after that answer was filed (a busy machine), found it: none worked it out.
    assert cache.waits + cache.hits == 7 and cache.misses == 1 + cache.waits


async def test_an_error_releases_every_waiter(seeded_db: Database) -> None:
    """The first asker's error reaches all those waiting for its answer (worked out once);
    nothing is kept, so the next asker works it out again."""
    cache = InsightCache(8)
    calls: list[int] = []
    release = asyncio.Event()

    async def failing() -> int:
        calls.append(1)
        await release.wait()
        raise ValueError("the answer could not be worked out")

    tasks = [asyncio.create_task(cached(seeded_db, cache, "k", failing)) for _ in range(5)]
    await _until(lambda: cache.waits >= 4)
    release.set()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert len(calls) == 1
    assert all(isinstance(r, ValueError) for r in results)

    async def working() -> int:
        calls.append(2)
        return 42

    assert await cached(seeded_db, cache, "k", working) == 42 and calls == [1, 2]


async def test_a_cancelled_asker_hands_the_work_on(seeded_db: Database) -> None:
    """The first asker cancelled while working the answer out: one of those waiting works
    it out (once) and the others get its answer; a waiter cancelled does not disturb the
    rest."""
    cache = InsightCache(8)
    calls: list[int] = []
    release = asyncio.Event()

    async def slow() -> int:
        calls.append(1)
        await release.wait()
        return 7

    first = asyncio.create_task(cached(seeded_db, cache, "k", slow))
    await _until(lambda: bool(calls))
    waiting = [asyncio.create_task(cached(seeded_db, cache, "k", slow)) for _ in range(4)]
    await _until(lambda: cache.waits >= 4)
    first.cancel()
    waiting[0].cancel()
    await _until(lambda: len(calls) >= 2)
    release.set()
    results = await asyncio.gather(*waiting, return_exceptions=True)
    assert isinstance(results[0], asyncio.CancelledError) and results[1:] == [7, 7, 7]
    assert len(calls) == 2 and first.cancelled()


async def _until(condition: Callable[[], bool]) -> None:
    """Wait (up to five seconds) until ``condition()`` holds."""
    for _ in range(500):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the condition never held")


async def test_a_page_reads_the_data_version_once_and_the_next_page_anew(
    fresh_db: Database,
) -> None:
    """Within one page (``one_data_version``) every answer is looked up at the version
    read first, one statement; the next page reads it again and sees a write made
    between the two."""
    from odx_graph.services.insight.cache import one_data_version

    cache = InsightCache(8)
    sent: list[str] = []
    fresh_db.add_listener(sent.append)
    try:
        with one_data_version():
            [first] = await performance(fresh_db, SETTINGS, ADMIN, [], RepairScope(), cache=cache)
            sent.clear()
            await performance(fresh_db, SETTINGS, ADMIN, [], RepairScope(), cache=cache)
            await breach_rates(fresh_db, SETTINGS, ADMIN, DampScope(), cache=cache)
            # the damp answer worked out: its statements, but no data version read again
            assert sent and not any("data_version" in s for s in sent)
        await fresh_db.execute(
            "INSERT INTO repair (landlord_id, home_id, priority_code, status_code, "
            "reported_at, raised_at) SELECT landlord_id, id, '4', 'reported', now(), now() "
            "FROM home ORDER BY id LIMIT 1"
        )
        sent.clear()
        with one_data_version():
            [after] = await performance(fresh_db, SETTINGS, ADMIN, [], RepairScope(), cache=cache)
        assert sum("data_version" in s for s in sent) == 1
        assert after.counts["raised"] == (first.counts["raised"] or 0) + 1
        sent.clear()
        await performance(fresh_db, SETTINGS, ADMIN, [], RepairScope(), cache=cache)
        await performance(fresh_db, SETTINGS, ADMIN, [], RepairScope(), cache=cache)
        assert sum("data_version" in s for s in sent) == 2  # outside a page: each time
    finally:
        fresh_db.remove_listener(sent.append)
