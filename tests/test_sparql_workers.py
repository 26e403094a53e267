"""/sparql queries run in worker processes that are killed when a query runs past its time."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import pyoxigraph as ox
import pytest

from odx_graph.core.errors import QueryTimeoutError
from odx_graph.services.linked_data import sparql_worker
from odx_graph.services.linked_data.sparql import SparqlStore
from odx_graph.store.db import Database
from tests.support import running_app

ODX = "https://w3id.org/odx/def#"
# Every triple against every triple against every triple, sorted: hours on the test data,
# far beyond any timeout, so only killing its process stops it.
RUNAWAY = "SELECT ?a ?b ?c WHERE { ?a ?p ?x . ?b ?q ?y . ?c ?r ?z } ORDER BY ?x ?y ?z LIMIT 1"
# isIRI is not translated, so the store answers it, not PostgreSQL (see sparql_sql).
HOMES = f"PREFIX odx: <{ODX}> SELECT ?h WHERE {{ ?h a odx:Home FILTER (isIRI(?h)) }}"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


async def test_a_runaway_query_is_stopped_and_its_slot_comes_back(module_db: Database) -> None:
    timeout_ms = 500
    async with running_app(module_db, sparql_timeout_ms=timeout_ms, sparql_concurrency=2) as (
        http,
        app,
    ):
        store: SparqlStore = app.state.sparql
        assert store.workers is not None
        workers = store.workers.pids()
        assert len(workers) == 2 and all(_alive(pid) for pid in workers)
        expected = (await http.get("/sparql", params={"query": HOMES})).json()

        # Both slots at once: each query gets its 503 on time and its worker is gone by
        # then (the slot is given back only after the kill has been waited for).
        started = time.monotonic()
        answers = await asyncio.gather(
            *(http.get("/sparql", params={"query": RUNAWAY}) for _ in range(2))
        )
        took = time.monotonic() - started
        assert [a.status_code for a in answers] == [503, 503]
        assert {a.json()["errors"][0]["extensions"]["code"] for a in answers} == {"QUERY_TIMEOUT"}
        assert all("ran past 500 ms" in a.json()["errors"][0]["message"] for a in answers)
        assert timeout_ms / 1000 <= took < timeout_ms / 1000 + 1.5
        assert store.workers.stopped == 2
        assert not any(_alive(pid) for pid in workers)

        # The slots are back: more queries than slots, at once, all answered.
        again = await asyncio.gather(
            *(http.get("/sparql", params={"query": HOMES}) for _ in range(5))
        )
        assert [a.status_code for a in again] == [200] * 5
        assert all(a.json() == expected for a in again)
        # Two fresh workers replace the killed ones, and no more.
        deadline = time.monotonic() + 5
        while len(store.workers.pids()) < 2:
            assert time.monotonic() < deadline, "the workers were not replaced"
            await asyncio.sleep(0.05)
        fresh = store.workers.pids()
        assert len(fresh) == 2 and not set(fresh) & set(workers)
        assert all(_alive(pid) for pid in fresh)
    # Shutting down stops the workers too.
    assert not any(_alive(pid) for pid in fresh)


async def test_a_query_within_its_time_keeps_its_worker(module_db: Database) -> None:
    async with running_app(module_db, sparql_concurrency=1) as (http, app):
        store: SparqlStore = app.state.sparql
        assert store.workers is not None
        workers = store.workers.pids()
        for _ in range(3):
            assert (await http.get("/sparql", params={"query": HOMES})).status_code == 200
        assert store.workers.pids() == workers and store.workers.stopped == 0
        broken = await http.get("/sparql", params={"query": "SELEKT nothing"})
        assert broken.status_code == 400
        assert store.workers.pids() == workers  # a bad query is no reason to kill it


async def test_a_query_past_its_memory_is_stopped(module_db: Database) -> None:
    async with running_app(
        module_db, sparql_timeout_ms=30_000, sparql_worker_memory_mb=768, sparql_concurrency=1
    ) as (http, app):
        store: SparqlStore = app.state.sparql
        assert store.workers is not None
        # Sorting a cross product holds all of it in memory: far more than 768 MB.
        hungry = "SELECT ?a ?b WHERE { ?a ?p ?x . ?b ?q ?y } ORDER BY ?x ?y LIMIT 1"
        started = time.monotonic()
        answer = await http.get("/sparql", params={"query": hungry})
        assert answer.status_code == 503, answer.text
        assert "768 MB" in answer.json()["errors"][0]["message"]
        assert time.monotonic() - started < 30
        assert store.workers.stopped == 1
        assert (await http.get("/sparql", params={"query": HOMES})).status_code == 200


@pytest.mark.parametrize("in_processes", [True, False])
async def test_both_models_answer_alike(module_db: Database, in_processes: bool) -> None:
    async with running_app(module_db, sparql_in_processes=in_processes) as (http, app):
        assert (app.state.sparql.workers is not None) is in_processes
        answer = await http.get("/sparql", params={"query": HOMES})
        assert answer.status_code == 200
        assert len(answer.json()["results"]["bindings"]) > 50


def test_the_worker_memory_setting_at_its_floor() -> None:
    from odx_graph.core.config import Settings
    from odx_graph.core.errors import ConfigError

    assert Settings.from_env({"ODX_SPARQL_WORKER_MEMORY_MB": "512"}).sparql_worker_memory_mb == 512
    with pytest.raises(ConfigError):
        Settings.from_env({"ODX_SPARQL_WORKER_MEMORY_MB": "511"})
    assert Settings.from_env({"ODX_SPARQL_IN_PROCESSES": "false"}).sparql_in_processes is False


async def test_a_cancelled_query_is_stopped_and_its_slot_comes_back(module_db: Database) -> None:
    # A client that goes away mid-query cancels the request: its worker goes with it.
    async with running_app(module_db, sparql_timeout_ms=60_000, sparql_concurrency=1) as (
        _,
        app,
    ):
        store: SparqlStore = app.state.sparql
        assert store.workers is not None
        (worker,) = store.workers.pids()
        running = asyncio.create_task(store.query(RUNAWAY, [], []))
        await asyncio.sleep(0.3)
        assert not running.done()
        running.cancel()
        with pytest.raises(asyncio.CancelledError):
            await running
        assert not _alive(worker) and store.workers.stopped == 1
        answer = await asyncio.wait_for(store.query(HOMES, [], []), 10)
        assert answer.rows


async def test_shutting_down_stops_a_busy_worker(module_db: Database) -> None:
    async with running_app(module_db, sparql_timeout_ms=60_000, sparql_concurrency=1) as (
        _,
        app,
    ):
        store: SparqlStore = app.state.sparql
        assert store.workers is not None
        (worker,) = store.workers.pids()
        running = asyncio.create_task(store.query(RUNAWAY, [], []))
        await asyncio.sleep(0.3)
        assert not running.done() and _alive(worker)
    # The lifespan has ended while the query ran: its worker is gone, the query answered.
    assert not _alive(worker)
    with pytest.raises(QueryTimeoutError):
        await asyncio.wait_for(running, 5)


async def test_idle_workers_open_the_changed_store_before_the_next_query(
    module_db: Database,
) -> None:
    """After a change is applied, the idle workers open the store again in the
    background, one at a time: the next queries see the change without opening it."""
    async with running_app(module_db, sparql_concurrency=2) as (http, app):
        store: SparqlStore = app.state.sparql
        assert store.workers is not None
        before = (await http.get("/sparql", params={"query": HOMES})).json()
        workers = sorted(store.workers.pids())
        home = await module_db.fetchval("SELECT max(id) FROM home")
        bedrooms = await module_db.fetchval("SELECT bedrooms FROM home WHERE id = $1", home)
        await module_db.execute(
            "UPDATE home SET bedrooms = coalesce(bedrooms, 0) + 1 WHERE id = $1", home
        )
        generation = store.generation
        deadline = time.monotonic() + 5
        while store.generation == generation or store.workers.stale():
            assert time.monotonic() < deadline, "the workers did not open the changed store"
            await asyncio.sleep(0.02)
        assert sorted(store.workers.pids()) == workers  # opened again, not replaced
        opened = store.workers.reopened_for_query
        ask = (
            f"PREFIX odx: <{ODX}> ASK {{ ?h odx:bedrooms {(bedrooms or 0) + 1} . "
            f"FILTER(STRENDS(STR(?h), '/home/{home}')) }}"
        )
        for _ in range(2):
            answer = await http.get("/sparql", params={"query": ask})
            assert answer.json()["boolean"] is True
        assert (await http.get("/sparql", params={"query": HOMES})).json() == before
        assert store.workers.reopened_for_query == opened
        await module_db.execute("UPDATE home SET bedrooms = $1 WHERE id = $2", bedrooms, home)
        # Queries racing a refresh take the workers there are: none is started, and the
        # pool keeps its size and its processes.
        generation = store.generation
        while store.generation == generation:
            await http.get("/sparql", params={"query": HOMES})
            await asyncio.sleep(0.01)
        for _ in range(10):
            assert (await http.get("/sparql", params={"query": HOMES})).status_code == 200
        deadline = time.monotonic() + 5
        while store.workers.stale():
            assert time.monotonic() < deadline
            await asyncio.sleep(0.02)
        assert sorted(store.workers.pids()) == workers
        assert store.workers.stopped == 0


def test_a_read_only_open_racing_a_compaction_is_tried_again(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Opening a view while the server's store compacts can find a file the manifest
    names already gone: the open is tried again, and given up only after its tries."""
    ox.Store(str(tmp_path)).flush()
    real = ox.Store.read_only
    failures = [RuntimeError("Corruption: IO error: No such file or directory: 000009.sst")] * 2
    calls = []

    def flaky(directory: str) -> ox.Store:
        calls.append(directory)
        if failures:
            raise failures.pop()
        return real(directory)

    monkeypatch.setattr(sparql_worker, "OPEN_PAUSE_SECONDS", 0.001)
    monkeypatch.setattr(ox.Store, "read_only", staticmethod(flaky))
    assert len(sparql_worker.open_read_only(str(tmp_path))) == 0
    assert len(calls) == 3
    failures.extend([RuntimeError("Corruption")] * sparql_worker.OPEN_TRIES)
    with pytest.raises(RuntimeError, match="Corruption"):
        sparql_worker.open_read_only(str(tmp_path))
