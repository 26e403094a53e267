"""Imports at the same time, against PostgreSQL: imports by different organisations run
together, two that create the same home end with one, an organisation's own imports and
merges of organisations still run one at a time, and a large file takes a bounded number
of locks."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from collections.abc import Awaitable
from collections.abc import Iterable
from typing import Any

import pytest

from odx_graph.services import organisations
from odx_graph.services.importing import service
from odx_graph.services.importing.locks import MOST_KEYS
from odx_graph.services.importing.service import ImportReport
from odx_graph.services.importing.service import run_import
from odx_graph.store import imports as repo
from odx_graph.store.db import Database
from tests.test_import_hact_feeds import strict

HEADER = "home_ref,uprn,address_line_1,town,postcode,property_type,built_form,bedrooms,year_built\n"
WAIT = 30.0  # seconds an import held part-way may take to get there


def _homes(prefix: str, uprns: Iterable[int | None]) -> str:
    return HEADER + "".join(
        f"{prefix}-{n},{uprn or ''},{n} Mill Lane,Leeds,LS9 8AB,house,,2,1930\n"
        for n, uprn in enumerate(uprns, start=1)
    )


@pytest.fixture
async def db(pg_server: Any, template_db: str) -> AsyncIterator[Database]:
    """A private copy of the demo database with enough connections for several imports
    at once."""
    name = await pg_server.create_database(template_db)
    database = await Database.connect(pg_server.dsn(name), max_size=6)
    try:
        yield database
    finally:
        await database.close()
        await pg_server.drop_database(name)


class Held:
    """Holds the first import of each organisation named part-way: its records written,
    its transaction (and every lock it took) open until :meth:`release`."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, *names: str) -> None:
        self.reached = {name: asyncio.Event() for name in names}
        self.released = {name: asyncio.Event() for name in names}
        original = service.Writer.write

        async def write(writer: service.Writer, records: Any) -> Any:
            outcome = await original(writer, records)
            name = writer.org.name
            if name in self.reached and not self.reached[name].is_set():
                self.reached[name].set()
                await self.released[name].wait()
            return outcome

        monkeypatch.setattr(service.Writer, "write", write)

    async def start(self, name: str, work: Awaitable[ImportReport]) -> asyncio.Task[Any]:
        """Start ``work`` (an import by ``name``) and wait until it is held."""
        task = asyncio.ensure_future(work)
        waiting = asyncio.ensure_future(self.reached[name].wait())
        await asyncio.wait({task, waiting}, timeout=WAIT, return_when=asyncio.FIRST_COMPLETED)
        waiting.cancel()
        if task.done():
            task.result()  # raises what the import raised
        assert self.reached[name].is_set(), f"the import by {name} was not held"
        return task

    def release(self) -> None:
        """Let every held import go on."""
        for event in self.released.values():
            event.set()


async def _landlord(db: Database, name: str, number: str) -> None:
    async with db.connection() as conn:
        await repo.create_organisation(conn, name, "landlord", number)


async def _import(db: Database, data: str, number: str) -> ImportReport:
    return await run_import(
        db, data.encode(), fmt="homes", file_name="homes.csv", organisation=number
    )


async def _still_waiting(db: Database, task: asyncio.Task[Any]) -> bool:
    """Whether the import ``task`` waits for one of the imports' advisory locks, watched in
    ``pg_locks`` until it does (True) or ends (False): not by the clock, and not fooled by
    a wait on a unique index's uncommitted entry, which an unlocked import would meet."""
    waiting = (
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
        "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
    )
    for _ in range(int(WAIT / 0.05)):
        if task.done():
            task.result()
            return False
        if await db.fetchval(waiting):
            return True
        await asyncio.sleep(0.05)
    raise AssertionError("the import neither waited for an import lock nor ended")


async def test_an_organisations_import_runs_while_another_organisations_import_is_open(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _landlord(db, "Council A", "CA1")
    await _landlord(db, "Council B", "CB1")
    held = Held(monkeypatch, "Council A")
    try:
        first = await held.start(
            "Council A", _import(db, _homes("A", range(981000000001, 981000000051)), "CA1")
        )
        # Before, every import took one lock: B waited for A's transaction to end.
        second = await asyncio.wait_for(
            _import(db, _homes("B", range(982000000001, 982000000051)), "CB1"), WAIT / 3
        )
        assert second.written and second.created == 50
        assert not first.done()
    finally:
        held.release()
    report = await asyncio.wait_for(first, WAIT)
    assert report.written and report.created == 50


async def test_two_organisations_naming_one_new_uprn_at_once_make_one_home(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _landlord(db, "Council A", "CA1")
    await _landlord(db, "Council B", "CB1")
    held = Held(monkeypatch, "Council A")
    shared = 983000000001
    try:
        first = await held.start("Council A", _import(db, _homes("A", [shared]), "CA1"))
        # A has written the home but not committed it: B waits for the UPRN's lock, and
        # then finds A's home instead of making a second one (or failing on the UPRN).
        second = asyncio.ensure_future(_import(db, _homes("B", [shared]), "CB1"))
        assert await _still_waiting(db, second)
    finally:
        held.release()
    a, b = await asyncio.wait_for(asyncio.gather(first, second), WAIT)
    assert a.written and a.created == 1
    assert b.written and (b.created, b.updated) == (0, 1)  # B's reference added to A's home
    homes = await db.fetch(
        "SELECT h.id, o.name FROM home h JOIN organisation o ON o.id = h.landlord_id "
        "WHERE h.uprn = $1",
        shared,
    )
    assert [r["name"] for r in homes] == ["Council A"]
    named = await db.fetch(
        "SELECT r.value, r.subject_id FROM reference r WHERE r.subject_type = 'home' "
        "AND r.value IN ('A-1', 'B-1') ORDER BY r.value"
    )
    assert [(r["value"], r["subject_id"]) for r in named] == [
        ("A-1", homes[0]["id"]),
        ("B-1", homes[0]["id"]),
    ]


async def test_imports_naming_the_same_new_uprns_side_by_side_neither_fail_nor_duplicate(
    db: Database,
) -> None:
    await _landlord(db, "Council A", "CA1")
    await _landlord(db, "Council B", "CB1")
    for round_ in range(3):
        base = 984000000000 + 1000 * round_
        # The files overlap in half their UPRNs, named in opposite orders.
        a_uprns = list(range(base + 1, base + 201))
        b_uprns = list(range(base + 300, base + 100, -1))
        a, b = await asyncio.wait_for(
            asyncio.gather(
                _import(db, _homes(f"A{round_}", a_uprns), "CA1"),
                _import(db, _homes(f"B{round_}", b_uprns), "CB1"),
            ),
            WAIT,
        )
        assert a.written and b.written and a.ok and b.ok
        assert a.created + b.created == 300
        count = await db.fetchval(
            "SELECT count(*) FROM home WHERE uprn BETWEEN $1 AND $2", base + 1, base + 300
        )
        assert count == 300


async def test_two_imports_by_one_organisation_still_run_one_after_the_other(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _landlord(db, "Council A", "CA1")
    held = Held(monkeypatch, "Council A")
    try:
        first = await held.start(
            "Council A", _import(db, _homes("A", range(985000000001, 985000000011)), "CA1")
        )
        # Different homes, no UPRN in common: only the organisation's own lock is shared.
        second = asyncio.ensure_future(_import(db, _homes("X", [None, None]), "CA1"))
        assert await _still_waiting(db, second)
    finally:
        held.release()
    a, b = await asyncio.wait_for(asyncio.gather(first, second), WAIT)
    assert (a.created, b.created) == (10, 2)
    ended = await db.fetch(
        "SELECT id, started_at, ended_at FROM data_import WHERE id = ANY($1::bigint[]) ORDER BY id",
        [a.import_id, b.import_id],
    )
    assert ended[0]["ended_at"] <= ended[1]["started_at"]


async def test_a_merge_waits_for_imports_and_imports_wait_for_a_merge(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _landlord(db, "Council A", "CA1")
    await _landlord(db, "Council B", "CB1")
    keys = {}
    for number in ("ON1", "NN1", "ON2", "NN2"):
        await _landlord(db, f"Homes {number}", number)
        keys[number] = await db.fetchval(
            "SELECT id FROM organisation WHERE registration_number = $1", number
        )

    async def merge() -> None:
        async with db.connection() as conn, conn.transaction():
            await conn.execute("SET LOCAL statement_timeout = 0")
            await organisations.merge(conn, keys["ON1"], keys["NN1"])

    held = Held(monkeypatch, "Council A")
    try:
        importing = await held.start("Council A", _import(db, _homes("A", [986000000001]), "CA1"))
        merging = asyncio.ensure_future(merge())
        assert await _still_waiting(db, merging)
    finally:
        held.release()
    await asyncio.wait_for(asyncio.gather(importing, merging), WAIT)

    async with db.connection() as conn, conn.transaction():
        await conn.execute("SET LOCAL statement_timeout = 0")
        await organisations.merge(conn, keys["ON2"], keys["NN2"])  # not committed yet
        waiting = asyncio.ensure_future(_import(db, _homes("B", [986000000002]), "CB1"))
        assert await _still_waiting(db, waiting)
    report = await asyncio.wait_for(waiting, WAIT)
    assert report.written and report.created == 1


@pytest.mark.parametrize(("homes", "locks"), [(MOST_KEYS, MOST_KEYS + 3), (MOST_KEYS + 1, 3)])
async def test_a_large_file_of_new_homes_locks_them_all_at_once(
    db: Database, monkeypatch: pytest.MonkeyPatch, homes: int, locks: int
) -> None:
    await _landlord(db, "Council A", "CA1")
    await _landlord(db, "Council B", "CB1")
    held = Held(monkeypatch, "Council A")
    uprns = range(987000000001, 987000000001 + homes)
    try:
        first = await held.start("Council A", _import(db, _homes("A", uprns), "CA1"))
        taken = await db.fetchval(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
            "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        )
        # The imports' lock (shared), the organisation's, the kind's (shared or alone), and
        # each new UPRN's only up to the bound: a million new homes do not fill the table.
        assert taken == locks
        # Another organisation's import of new homes waits for the file that locks all
        # new homes; not for the one that locks its own.
        other = asyncio.ensure_future(_import(db, _homes("B", [988000000001]), "CB1"))
        assert await _still_waiting(db, other) is (homes > MOST_KEYS)
    finally:
        held.release()
    a, b = await asyncio.wait_for(asyncio.gather(first, other), WAIT)
    assert (a.created, b.created) == (homes, 1)


async def test_two_organisations_naming_one_new_contractor_at_once_make_one(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _landlord(db, "Council A", "CA1")
    await _landlord(db, "Council B", "CB1")
    header = "contractor_ref,name,registration_number,trades,postcode_districts\n"

    def contractors(reference: str) -> bytes:
        return (header + f"{reference},Mill Lane Plumbing Ltd,C7001,PL,LS9\n").encode()

    async def contractors_of(number: str, reference: str) -> ImportReport:
        return await run_import(
            db, contractors(reference), fmt="contractors", file_name="c.csv", organisation=number
        )

    held = Held(monkeypatch, "Council A")
    try:
        first = await held.start("Council A", contractors_of("CA1", "SUP-A"))
        second = asyncio.ensure_future(contractors_of("CB1", "SUP-B"))
        assert await _still_waiting(db, second)  # else it fails on the name, unique
    finally:
        held.release()
    a, b = await asyncio.wait_for(asyncio.gather(first, second), WAIT)
    assert (a.created, b.created, b.updated) == (1, 0, 1)  # B's reference added
    rows = await db.fetch(
        "SELECT o.id, x.value FROM organisation o JOIN reference x ON x.subject_id = o.id "
        "AND x.subject_type = 'organisation' WHERE o.registration_number = 'C7001' ORDER BY 2"
    )
    assert [r["value"] for r in rows] == ["SUP-A", "SUP-B"] and len({r["id"] for r in rows}) == 1


async def test_an_import_writing_another_organisations_references_waits_for_its_imports(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _landlord(db, "Council A", "CA1")
    await _landlord(db, "Council B", "CB1")
    held = Held(monkeypatch, "Council B")
    # A's work order names B's home by B's reference (no UPRN in common with B's file).
    order = strict(9)
    order["SitePropertyUnit"][0]["Reference"] += [
        {"ID": "A-P-9", "AllocatedBy": "Council A"},
        {"ID": "B-P-9", "AllocatedBy": "Council B"},
    ]
    try:
        first = await held.start("Council B", _import(db, _homes("B-P", [None] * 9), "CB1"))
        second = asyncio.ensure_future(
            run_import(
                db, json.dumps(order).encode(), fmt="hact", file_name="o.json", organisation="CA1"
            )
        )
        # Else A would not find B's home (not committed), make a second one, and lose
        # B's reference to it (kept with B's home).
        assert await _still_waiting(db, second)
    finally:
        held.release()
    b, a = await asyncio.wait_for(asyncio.gather(first, second), WAIT)
    assert b.created == 9 and a.written, a.as_text()
    named = await db.fetch(
        "SELECT value, subject_id FROM reference WHERE subject_type = 'home' "
        "AND value IN ('A-P-9', 'B-P-9')"
    )
    assert len(named) == 2 and len({r["subject_id"] for r in named}) == 1


async def test_an_organisation_whose_id_is_past_32_bits_imports(db: Database) -> None:
    # Organisation ids are bigint; their imports' locks took them as 32-bit integers, and
    # every import by (or naming) such an organisation failed before writing anything.
    await db.execute("SELECT setval(pg_get_serial_sequence('organisation', 'id'), $1)", 2**31 + 6)
    await _landlord(db, "Council Z", "CZ1")
    assert await db.fetchval("SELECT id FROM organisation WHERE name = 'Council Z'") > 2**31
    report = await _import(db, _homes("Z", [989000000001, None]), "CZ1")
    assert report.written and report.created == 2


async def test_an_organisation_registered_after_an_import_took_its_locks_is_not_its_allocator(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The import chooses the organisations to lock from the AllocatedBy names it finds, and
    # writes with those: one registered in between (here, between A's locks and A's
    # writing, B is registered and its import starts and holds B's lock) is taken as not
    # registered, as when the locks were chosen. Before, the writer looked the names up
    # again and wrote B's references without holding B's lock.
    from odx_graph.services.importing import locks

    await _landlord(db, "Council A", "CA1")
    held = Held(monkeypatch, "Council B")
    original = locks.lock_for_import
    b_import: list[asyncio.Task[Any]] = []
    a_id = await db.fetchval("SELECT id FROM organisation WHERE registration_number = 'CA1'")

    async def lock_then_register(conn: Any, org_id: int, records: Any) -> Any:
        locked = await original(conn, org_id, records)
        if org_id == a_id:
            await _landlord(db, "Council B", "CB1")
            b_import.append(await held.start("Council B", _import(db, _homes("B", [None]), "CB1")))
        return locked

    monkeypatch.setattr(locks, "lock_for_import", lock_then_register)
    order = strict(9)
    order["SitePropertyUnit"][0]["Reference"] += [{"ID": "B-P-9", "AllocatedBy": "Council B"}]
    try:
        a = await asyncio.wait_for(
            run_import(
                db, json.dumps(order).encode(), fmt="hact", file_name="o.json", organisation="CA1"
            ),
            WAIT / 3,
        )
    finally:
        held.release()
    # As if B were not registered yet: its name is unknown, the reference A's own.
    assert a.written
    assert any("'B-P-9' is taken as Council A's own" in n.reason for n in a.notes), a.notes
    allocated = await db.fetchval(
        "SELECT o.name FROM reference r JOIN organisation o ON o.id = r.allocated_by_id "
        "WHERE r.value = 'B-P-9'"
    )
    assert allocated == "Council A"
    assert (await asyncio.wait_for(b_import[0], WAIT)).written


@pytest.mark.parametrize("deadlocks", [1, 2])
async def test_an_import_ended_to_break_a_deadlock_is_written_again_once(
    db: Database, monkeypatch: pytest.MonkeyPatch, deadlocks: int
) -> None:
    # Imports by different organisations run at the same time, so PostgreSQL may end one
    # to break a deadlock (two landlords raising repairs on each other's homes). Nothing
    # of it is kept: it is written again, once; a second deadlock reaches the caller.
    import asyncpg

    await _landlord(db, "Council A", "CA1")
    original = service.Writer.write
    ended: list[int] = []

    async def write(writer: service.Writer, records: Any) -> Any:
        outcome = await original(writer, records)
        if len(ended) < deadlocks:
            ended.append(writer.import_id)
            raise asyncpg.DeadlockDetectedError("deadlock detected")
        return outcome

    monkeypatch.setattr(service.Writer, "write", write)
    uprns = [989100000001, 989100000002]
    if deadlocks == 1:
        report = await _import(db, _homes("A", uprns), "CA1")
        assert report.written and report.created == 2
        assert report.import_id not in ended  # the first try's import record is gone
    else:
        with pytest.raises(asyncpg.DeadlockDetectedError):
            await _import(db, _homes("A", uprns), "CA1")
    homes = await db.fetchval("SELECT count(*) FROM home WHERE uprn = ANY($1::bigint[])", uprns)
    assert homes == (2 if deadlocks == 1 else 0)
    tries = await db.fetchval(
        "SELECT count(*) FROM data_import WHERE id = ANY($1::bigint[])", ended
    )
    assert tries == 0
