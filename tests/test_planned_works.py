"""Planned works: programmes and their items written by their landlord only (and checked a
second time by row-level security), read by everyone on both GraphQL paths, and the
"due for planned replacement" rule pinned at the edge of its window."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx
import pytest

from odx_graph.core.access import Principal
from odx_graph.core.access import Tier
from odx_graph.core.config import Settings
from odx_graph.core.ids import decode_int_id
from odx_graph.core.ids import encode_global_id
from odx_graph.services.credentials import create_key
from odx_graph.store.db import Database
from odx_graph.store.planned_works import due_for_repairs
from tests.support import PLANNED_DUE_AFRESH


@dataclass
class World:
    """A landlord with a home, a component of it and a repair to that component; another
    landlord; keys for both, a contractor and the public; apps on both read paths."""

    db: Database
    http: httpx.AsyncClient
    resolver_http: httpx.AsyncClient
    landlord: int
    other_landlord: int
    home: int
    component: int
    component_type: str
    repair: int
    keys: dict[str, str]

    async def gql(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        key: str | None = None,
        *,
        compiled: bool = True,
    ) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self.keys[key]}"} if key else {}
        http = self.http if compiled else self.resolver_http
        response = await http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        assert "errors" not in body, body["errors"]
        return body["data"]  # type: ignore[no-any-return]


@pytest.fixture
async def world(fresh_db: Database) -> AsyncIterator[World]:
    from odx_graph.web.app import create_app

    landlords = [
        r["id"]
        for r in await fresh_db.fetch(
            "SELECT id FROM organisation WHERE kind_code = 'landlord' ORDER BY id LIMIT 2"
        )
    ]
    row = await fresh_db.fetchrow(
        "SELECT r.id AS repair, c.id AS component, c.home_id, c.component_type_code "
        "FROM repair r JOIN component c ON c.id = r.component_id "
        "JOIN home h ON h.id = c.home_id WHERE h.landlord_id = $1 ORDER BY r.id LIMIT 1",
        landlords[0],
    )
    contractor = await fresh_db.fetchval(
        "SELECT id FROM organisation WHERE kind_code = 'contractor' ORDER BY id LIMIT 1"
    )
    # The demo's own planned works at this home would be due too: start without them.
    await fresh_db.execute("DELETE FROM planned_work WHERE home_id = $1", row["home_id"])
    keys = {}
    async with fresh_db.connection() as conn:
        for name, tier, org in [
            ("provider", Tier.PROVIDER, landlords[0]),
            ("other_provider", Tier.PROVIDER, landlords[1]),
            ("contractor", Tier.CONTRACTOR, contractor),
            ("admin", Tier.ADMIN, None),
        ]:
            _, keys[name] = await create_key(conn, tier=tier, name=name, organisation_id=org)
    settings = Settings.from_env({}, base_iri="http://odx.test")
    compiled = create_app(settings, database=fresh_db)
    resolver = create_app(dataclasses.replace(settings, compiled_queries=False), database=fresh_db)
    async with (
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=compiled), base_url="http://odx.test"
        ) as http,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=resolver), base_url="http://odx.test"
        ) as resolver_http,
    ):
        yield World(
            fresh_db,
            http,
            resolver_http,
            landlords[0],
            landlords[1],
            row["home_id"],
            row["component"],
            row["component_type_code"],
            row["repair"],
            keys,
        )


CREATE = """mutation($landlord: ID!, $name: String!, $year: Int!, $budget: Decimal) {
  createProgramme(input: {landlordId: $landlord, name: $name, financialYear: $year,
                          kind: KITCHENS, budget: $budget}) {
    __typename
    ... on InvestmentProgrammePayload { investmentProgramme { id name financialYear budget
                                                                kind { code } } }
    ... on MutationError { code field message }
  }
}"""

ADD = """mutation($input: AddPlannedWorkInput!) {
  addPlannedWork(input: $input) {
    __typename
    ... on PlannedWorkPayload { plannedWork { id plannedDate financialYear estimatedCost
                                              status { code } componentType { code }
                                              home { id } component { id }
                                              replacesRepairs { id } } }
    ... on MutationError { code field message }
  }
}"""

COMPLETE = """mutation($id: ID!, $day: Date!, $cost: Decimal!) {
  completePlannedWork(input: {plannedWorkId: $id, completionDate: $day, actualCost: $cost}) {
    __typename
    ... on PlannedWorkPayload { plannedWork { status { code } completionDate actualCost
                                              component { installDate } } }
    ... on MutationError { code field message }
  }
}"""

CANCEL = """mutation($id: ID!) {
  cancelPlannedWork(input: {plannedWorkId: $id}) {
    __typename
    ... on PlannedWorkPayload { plannedWork { status { code } } }
    ... on MutationError { code field message }
  }
}"""

UPDATE = """mutation($id: ID!, $cost: Decimal, $started: Boolean) {
  updatePlannedWork(input: {plannedWorkId: $id, actualCost: $cost, started: $started}) {
    __typename
    ... on PlannedWorkPayload { plannedWork { status { code } actualCost } }
    ... on MutationError { code field message }
  }
}"""


def _id(kind: str, key: int) -> str:
    return encode_global_id(kind, key)


async def _programme(world: World, key: str = "provider", year: int = 2027) -> dict[str, Any]:
    data = await world.gql(
        CREATE,
        {
            "landlord": _id("Organisation", world.landlord),
            "name": "Kitchens",
            "year": year,
            "budget": "250000.00",
        },
        key,
    )
    return data["createProgramme"]  # type: ignore[no-any-return]


async def test_a_landlord_creates_a_programme_and_plans_a_component(world: World) -> None:
    made = await _programme(world)
    assert made["__typename"] == "InvestmentProgrammePayload", made
    programme = made["investmentProgramme"]
    assert programme["financialYear"] == 2027 and programme["kind"]["code"] == "kitchens"
    assert programme["budget"] == "250000.00"
    again = await _programme(world)
    assert again["code"] == "CONFLICT" and again["field"] == "name"
    added = await world.gql(
        ADD,
        {
            "input": {
                "programmeId": programme["id"],
                "plannedDate": "2028-03-31",
                "componentId": _id("Component", world.component),
                "estimatedCost": "4200",
                "replacesRepairIds": [_id("Repair", world.repair)],
            }
        },
        "provider",
    )
    work = added["addPlannedWork"]["plannedWork"]
    # 31 March is the last day of the financial year that started the April before.
    assert work["financialYear"] == 2027
    assert work["status"]["code"] == "planned"
    assert work["componentType"]["code"] == world.component_type
    assert work["home"]["id"] == _id("Home", world.home)
    assert work["replacesRepairs"] == [{"id": _id("Repair", world.repair)}]
    # Everyone reads it, on both paths alike.
    query = """query($id: ID!) { node(id: $id) { ... on PlannedWork { plannedDate
      estimatedCost programme { name estimatedTotal actualTotal landlord { id } } } } }"""
    compiled = await world.gql(query, {"id": work["id"]})
    assert compiled == await world.gql(query, {"id": work["id"]}, compiled=False)
    assert compiled["node"]["programme"]["estimatedTotal"] == "4200.00"
    listed = """query($l: [ID!]) {
      investmentProgrammes(filter: {financialYear: 2027, kind: [KITCHENS], landlord: $l}) {
      totalCount edges { node { name plannedWorks { edges { node { plannedDate } } } } } } }"""
    mine = {"l": [_id("Organisation", world.landlord)]}
    both = await world.gql(listed, mine), await world.gql(listed, mine, compiled=False)
    assert both[0] == both[1]
    # The demo has its own programmes: this landlord's 2027 kitchens are the demo's and ours.
    names = [e["node"]["name"] for e in both[0]["investmentProgrammes"]["edges"]]
    assert "Kitchens" in names


async def test_only_the_landlord_may_write_its_programmes(world: World) -> None:
    for key in ("other_provider", "contractor"):
        refused = await _programme(world, key)
        assert refused["code"] == "FORBIDDEN", refused
    programme = (await _programme(world))["investmentProgramme"]["id"]
    other_home = await world.db.fetchval(
        "SELECT id FROM home WHERE landlord_id = $1 ORDER BY id LIMIT 1", world.other_landlord
    )
    cases = [
        ({"homeId": _id("Home", other_home), "componentType": "kitchen"}, "homeId"),
        ({"homeId": _id("Home", world.home)}, "componentType"),
        ({"homeId": _id("Home", world.home), "componentType": "no-such-type"}, "componentType"),
        (
            {"homeId": _id("Home", world.home), "componentId": _id("Component", world.component)},
            "homeId",
        ),
        (
            {
                "homeId": _id("Home", world.home),
                "componentType": "kitchen",
                "estimatedCost": "-0.01",
            },
            "estimatedCost",
        ),
    ]
    for extra, field in cases:
        answer = await world.gql(
            ADD,
            {"input": {"programmeId": programme, "plannedDate": "2027-06-01", **extra}},
            "provider",
        )
        assert answer["addPlannedWork"]["code"] == "BAD_USER_INPUT", (extra, answer)
        assert answer["addPlannedWork"]["field"] == field, (extra, answer)
    refused = await world.gql(
        ADD,
        {
            "input": {
                "programmeId": programme,
                "plannedDate": "2027-06-01",
                "homeId": _id("Home", world.home),
                "componentType": "kitchen",
            }
        },
        "other_provider",
    )
    assert refused["addPlannedWork"]["code"] == "FORBIDDEN"
    assert (
        await world.db.fetchval(
            "SELECT count(*) FROM planned_work WHERE programme_id = $1",
            decode_int_id(programme, "InvestmentProgramme"),
        )
        == 0
    )


async def test_row_level_security_refuses_another_landlords_programme(world: World) -> None:
    async def insert_as(organisation: int) -> None:
        async with world.db.connection() as conn, conn.transaction():
            await conn.execute("SET LOCAL ROLE odx_writer")
            await conn.execute(
                "SELECT set_config('odx.tier', 'provider', true), "
                "set_config('odx.organisation', $1, true)",
                str(organisation),
            )
            await conn.execute(
                "INSERT INTO investment_programme (landlord_id, name, financial_year, "
                "kind_code) VALUES ($1, 'x', 2027, 'roofs')",
                world.landlord,
            )

    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await insert_as(world.other_landlord)
    await insert_as(world.landlord)  # the landlord's own key may


async def test_completing_and_cancelling_follow_the_item_state(world: World) -> None:
    programme = (await _programme(world))["investmentProgramme"]["id"]
    ids = []
    for _ in range(2):
        added = await world.gql(
            ADD,
            {
                "input": {
                    "programmeId": programme,
                    "plannedDate": "2027-09-01",
                    "componentId": _id("Component", world.component),
                }
            },
            "provider",
        )
        ids.append(added["addPlannedWork"]["plannedWork"]["id"])
    free = await world.gql(
        """mutation($id: ID!) { updatePlannedWork(input: {plannedWorkId: $id, estimatedCost: 0}) {
          ... on PlannedWorkPayload { plannedWork { estimatedCost } } } }""",
        {"id": ids[1]},
        "provider",
    )
    assert free["updatePlannedWork"]["plannedWork"]["estimatedCost"] == "0.00"  # 0 is a value
    early = await world.gql(UPDATE, {"id": ids[0], "cost": "10"}, "provider")
    assert early["updatePlannedWork"]["field"] == "actualCost"  # not started yet
    started = await world.gql(UPDATE, {"id": ids[0], "cost": "10", "started": True}, "provider")
    assert started["updatePlannedWork"]["plannedWork"] == {
        "status": {"code": "in-progress"},
        "actualCost": "10.00",
    }
    done = await world.gql(
        COMPLETE, {"id": ids[0], "day": "2027-08-15", "cost": "3999.50"}, "provider"
    )
    assert done["completePlannedWork"]["plannedWork"] == {
        "status": {"code": "done"},
        "completionDate": "2027-08-15",
        "actualCost": "3999.50",
        "component": {"installDate": "2027-08-15"},
    }
    for query, variables in (
        (COMPLETE, {"id": ids[0], "day": "2027-08-16", "cost": "1"}),
        (CANCEL, {"id": ids[0]}),
    ):
        again = await world.gql(query, variables, "provider")
        assert next(iter(again.values()))["code"] == "CONFLICT"
    cancelled = await world.gql(CANCEL, {"id": ids[1]}, "provider")
    assert cancelled["cancelPlannedWork"]["plannedWork"]["status"]["code"] == "cancelled"
    audit = await world.db.fetch(
        "SELECT operation FROM audit_event WHERE subject_type = 'planned_work' ORDER BY id"
    )
    assert [r["operation"] for r in audit] == [
        "addPlannedWork",
        "addPlannedWork",
        "updatePlannedWork",
        "updatePlannedWork",
        "completePlannedWork",
        "cancelPlannedWork",
    ]  # refused writes leave no audit event


async def _plan(world: World, planned: dt.date, **values: Any) -> int:
    programme = await world.db.fetchval(
        "INSERT INTO investment_programme (landlord_id, name, financial_year, kind_code) "
        "VALUES ($1, $2, 2027, 'kitchens') RETURNING id",
        world.landlord,
        f"p{planned}{values}",
    )
    columns = {
        "programme_id": programme,
        "landlord_id": world.landlord,
        "home_id": world.home,
        "component_type_code": world.component_type,
        "planned_date": planned,
        **values,
    }
    names = ", ".join(columns)
    marks = ", ".join(f"${n}" for n in range(1, len(columns) + 1))
    key: int = await world.db.fetchval(
        f"INSERT INTO planned_work ({names}) VALUES ({marks}) RETURNING id", *columns.values()
    )
    return key


async def test_a_repair_is_due_for_planned_replacement_up_to_the_window_s_last_day(
    world: World,
) -> None:
    reported = dt.date(2026, 1, 31)
    await world.db.execute(
        "UPDATE repair SET reported_at = $2, raised_at = $2, target_at = NULL, "
        "completed_at = NULL WHERE id = $1",
        world.repair,
        dt.datetime(2026, 1, 31, 23, 30, tzinfo=dt.UTC),  # 31 January in London too
    )

    async def due() -> int | None:
        found = await due_for_repairs(world.db, [world.repair])
        return found[world.repair]["id"] if world.repair in found else None

    # One day past the window (12 months after 31 January 2026 is 31 January 2027).
    late = await _plan(world, dt.date(2027, 2, 1))
    assert await due() is None
    # Exactly on its last day: due. The item of the component itself counts too.
    edge = await _plan(world, dt.date(2027, 1, 31), component_id=world.component)
    assert await due() == edge
    await world.db.execute("UPDATE planned_work SET status_code = 'cancelled' WHERE id = $1", edge)
    assert await due() is None
    # Done on the day the repair was reported: replaced already, not due.
    await _plan(world, dt.date(2026, 6, 1), status_code="done", completed_on=reported)
    assert await due() is None
    # Done the day after: it was still due when the repair was reported.
    done_after = await _plan(
        world, dt.date(2026, 6, 1), status_code="done", completed_on=dt.date(2026, 2, 1)
    )
    assert await due() == done_after
    # Overdue items (planned before the report, not done) are due; the earliest wins.
    overdue = await _plan(world, dt.date(2025, 12, 1))
    assert await due() == overdue
    assert late not in (edge, overdue, done_after)
    # Another type in the same home is never the repair's component's replacement.
    other = "bathroom" if world.component_type != "bathroom" else "kitchen"
    await world.db.execute("UPDATE planned_work SET component_type_code = $1", other)
    assert await due() is None


async def _kept_as_worked_out(world: World) -> set[int]:
    """The rows kept of when repairs are due (migration 0043) equal those worked out
    afresh, and the repairs they make due within the window are those of migration
    0025's view; returns those repairs."""
    differences = await world.db.fetchval(
        f"SELECT count(*) FROM (({PLANNED_DUE_AFRESH} EXCEPT ALL "
        "SELECT * FROM repair_planned_due) UNION ALL (SELECT * FROM repair_planned_due "
        f"EXCEPT ALL {PLANNED_DUE_AFRESH})) AS d"
    )
    assert differences == 0
    kept = {
        r["id"]
        for r in await world.db.fetch(
            "SELECT id FROM repair_planned_due "
            "WHERE due_on <= reported_on + planned_replacement_window()"
        )
    }
    viewed = {
        r["repair_id"]
        for r in await world.db.fetch("SELECT DISTINCT repair_id FROM repair_planned_replacement")
    }
    assert kept == viewed
    return kept


async def test_when_a_repair_is_due_is_kept_as_items_components_and_repairs_change(
    world: World,
) -> None:
    """Each write a repair's due date depends on, committed on its own, leaves the kept
    rows as they are worked out afresh: items added, moved, cancelled, done and removed;
    the component's type changed; the repair moved to another component and day."""
    reported = dt.date(2026, 1, 31)
    await world.db.execute(
        "UPDATE repair SET reported_at = $2, raised_at = $2, target_at = NULL, "
        "completed_at = NULL WHERE id = $1",
        world.repair,
        dt.datetime(2026, 1, 31, 23, 30, tzinfo=dt.UTC),
    )
    assert world.repair not in await _kept_as_worked_out(world)
    # An item of the component's type for its home, on the window's last day: due.
    item = await _plan(world, dt.date(2027, 1, 31))
    assert world.repair in await _kept_as_worked_out(world)
    # Moved a day later: kept (a wider window would make it due), but not due.
    await world.db.execute(
        "UPDATE planned_work SET planned_date = '2027-02-01' WHERE id = $1", item
    )
    assert world.repair not in await _kept_as_worked_out(world)
    assert await world.db.fetchval(
        "SELECT due_on FROM repair_planned_due WHERE id = $1", world.repair
    ) == dt.date(2027, 2, 1)
    # An item of the component itself, done the day the repair was reported: never due.
    own = await _plan(
        world,
        dt.date(2026, 3, 1),
        component_id=world.component,
        status_code="done",
        completed_on=reported,
    )
    assert world.repair not in await _kept_as_worked_out(world)
    # Done a day later instead: it was live, and earliest.
    await world.db.execute("UPDATE planned_work SET completed_on = '2026-02-01' WHERE id = $1", own)
    assert world.repair in await _kept_as_worked_out(world)
    await world.db.execute(
        "UPDATE planned_work SET status_code = 'cancelled', completed_on = NULL WHERE id = $1", own
    )
    assert world.repair not in await _kept_as_worked_out(world)
    # The component becomes another type: the home's item of the old type is not its.
    other = "bathroom" if world.component_type != "bathroom" else "kitchen"
    await world.db.execute(
        "UPDATE component SET component_type_code = $2 WHERE id = $1", world.component, other
    )
    await _kept_as_worked_out(world)
    assert not await world.db.fetchval(
        "SELECT count(*) FROM repair_planned_due WHERE id = $1", world.repair
    )
    await world.db.execute(
        "UPDATE component SET component_type_code = $2 WHERE id = $1",
        world.component,
        world.component_type,
    )
    # Reported a day later: the item planned 2027-02-01 comes into the window.
    await world.db.execute(
        "UPDATE repair SET reported_at = reported_at + interval '1 day', "
        "raised_at = raised_at + interval '1 day' WHERE id = $1",
        world.repair,
    )
    assert world.repair in await _kept_as_worked_out(world)
    # Moved to a component of another type, with no item: not kept.
    elsewhere = await world.db.fetchval(
        "SELECT id FROM component WHERE home_id = $1 AND component_type_code <> $2 LIMIT 1",
        world.home,
        world.component_type,
    )
    if elsewhere is not None:
        await world.db.execute(
            "UPDATE repair SET component_id = $2 WHERE id = $1", world.repair, elsewhere
        )
        assert world.repair not in await _kept_as_worked_out(world)
        await world.db.execute(
            "UPDATE repair SET component_id = $2 WHERE id = $1", world.repair, world.component
        )
        assert world.repair in await _kept_as_worked_out(world)
    # The item removed: nothing left to be due for.
    await world.db.execute("DELETE FROM planned_work WHERE id = $1", item)
    await world.db.execute("DELETE FROM planned_work WHERE id = $1", own)
    assert world.repair not in await _kept_as_worked_out(world)
    assert not await world.db.fetchval(
        "SELECT count(*) FROM repair_planned_due WHERE id = $1", world.repair
    )


async def test_an_item_and_a_repair_written_at_once_leave_the_kept_rows_right(
    world: World,
) -> None:
    """A planned item for a type the home has no component of yet, and, while it is
    uncommitted, a new component of that type with a repair in another transaction:
    however the two commit, the repair's due date is kept (the item's write locks the
    home, so the component's waits for it and its rewrite sees the item)."""
    other = await world.db.fetchval(
        "SELECT t.code FROM component_type t WHERE NOT EXISTS (SELECT 1 FROM component c "
        "WHERE c.home_id = $1 AND c.component_type_code = t.code) ORDER BY t.code LIMIT 1",
        world.home,
    )
    programme = await world.db.fetchval(
        "INSERT INTO investment_programme (landlord_id, name, financial_year, kind_code) "
        "VALUES ($1, 'at once', 2027, 'kitchens') RETURNING id",
        world.landlord,
    )
    async with world.db.connection() as first, world.db.connection() as second:
        item = first.transaction()
        await item.start()
        await first.execute(
            "INSERT INTO planned_work (programme_id, landlord_id, home_id, component_type_code, "
            "planned_date) VALUES ($1, $2, $3, $4, '2000-01-01')",
            programme,
            world.landlord,
            world.home,
            other,
        )
        repair = second.transaction()
        await repair.start()

        async def add_component_and_repair() -> int:
            component = await second.fetchval(
                "INSERT INTO component (home_id, component_type_code) VALUES ($1, $2) RETURNING id",
                world.home,
                other,
            )
            key: int = await second.fetchval(
                "INSERT INTO repair (landlord_id, home_id, component_id, contractor_id, "
                "priority_code, status_code, trade_code, reported_at, raised_at) "
                "SELECT landlord_id, home_id, $2, contractor_id, priority_code, 'reported', "
                "trade_code, reported_at, raised_at FROM repair WHERE id = $1 RETURNING id",
                world.repair,
                component,
            )
            return key

        adding = asyncio.create_task(add_component_and_repair())
        done, _ = await asyncio.wait([adding], timeout=1.0)
        if done:  # not held up: the repair commits first, the item after
            await repair.commit()
            await item.commit()
        else:
            await item.commit()
            await adding
            await repair.commit()
        added = adding.result()
    assert added in await _kept_as_worked_out(world)
    assert not done, "the component was added while the item was uncommitted"


async def test_a_building_s_item_makes_its_communal_components_repairs_due(
    world: World,
) -> None:
    """An item for a building names its communal components of the type: every repair
    on them (recorded against any of the building's homes) is due, and no longer when
    the item is cancelled."""
    row = await world.db.fetchrow(
        "SELECT c.id, c.building_id, c.component_type_code, b.landlord_id FROM component c "
        "JOIN building b ON b.id = c.building_id "
        "WHERE EXISTS (SELECT 1 FROM repair r WHERE r.component_id = c.id) ORDER BY c.id LIMIT 1"
    )
    assert row is not None, "the demo has repairs to communal components"
    repairs = {
        r["id"]
        for r in await world.db.fetch(
            "SELECT r.id FROM repair r WHERE r.component_id = $1",
            row["id"],
        )
    }
    await world.db.execute(
        "DELETE FROM planned_work WHERE building_id = $1 OR component_id = $2",
        row["building_id"],
        row["id"],
    )
    assert not repairs & await _kept_as_worked_out(world)
    programme = await world.db.fetchval(
        "INSERT INTO investment_programme (landlord_id, name, financial_year, kind_code) "
        "VALUES ($1, 'communal', 2027, 'kitchens') RETURNING id",
        row["landlord_id"],
    )
    item = await world.db.fetchval(
        "INSERT INTO planned_work (programme_id, landlord_id, building_id, component_type_code, "
        "planned_date) VALUES ($1, $2, $3, $4, '2000-01-01') RETURNING id",
        programme,
        row["landlord_id"],
        row["building_id"],
        row["component_type_code"],
    )
    assert repairs <= await _kept_as_worked_out(world)
    await world.db.execute("UPDATE planned_work SET status_code = 'cancelled' WHERE id = $1", item)
    assert not repairs & await _kept_as_worked_out(world)


async def test_the_window_is_the_server_setting_and_shows_on_the_repair(world: World) -> None:
    reported = await world.db.fetchval(
        "SELECT (reported_at AT TIME ZONE 'Europe/London')::date FROM repair WHERE id = $1",
        world.repair,
    )
    work = await _plan(world, reported + dt.timedelta(days=31))
    query = """query($id: ID!) { node(id: $id) { ... on Repair { plannedReplacement {
      plannedWorkId plannedDate componentType programmeName } } } }"""
    data = await world.gql(query, {"id": _id("Repair", world.repair)})
    shown = data["node"]["plannedReplacement"]
    assert decode_int_id(shown["plannedWorkId"], "PlannedWork") == work
    assert shown["componentType"] == world.component_type
    assert data == await world.gql(query, {"id": _id("Repair", world.repair)}, compiled=False)
    # With a window of 0 months only items planned by the day of the report are due.
    narrow = await Database.connect(world.db.dsn, max_size=1, planned_replacement_months=0)
    try:
        assert await due_for_repairs(narrow, [world.repair]) == {}
        await world.db.execute(
            "UPDATE planned_work SET planned_date = $2 WHERE id = $1", work, reported
        )
        assert list(await due_for_repairs(narrow, [world.repair])) == [world.repair]
    finally:
        await narrow.close()


async def test_the_plan_shows_to_the_resident_and_on_the_contractor_s_job(world: World) -> None:
    from tests.support import served_app

    contractor = await world.db.fetchval(
        "SELECT id FROM organisation WHERE kind_code = 'contractor' ORDER BY id LIMIT 1"
    )
    reported = dt.datetime.now(dt.UTC) - dt.timedelta(days=2)
    await world.db.execute(
        "UPDATE repair SET status_code = 'scheduled', contractor_id = $2, reported_at = $3, "
        "raised_at = $3, target_at = NULL, completed_at = NULL, cost = NULL WHERE id = $1",
        world.repair,
        contractor,
        reported,
    )
    planned = reported.date() + dt.timedelta(days=200)
    await _plan(world, planned, component_id=world.component)
    label = await world.db.fetchval(
        "SELECT label FROM component_type WHERE code = $1", world.component_type
    )
    year = planned.year if planned.month >= 4 else planned.year - 1
    async with world.db.connection() as conn:
        _, resident = await create_key(conn, tier=Tier.RESIDENT, name="r", home_id=world.home)
        _, contractor_key = await create_key(
            conn, tier=Tier.CONTRACTOR, name="c", organisation_id=contractor
        )
    viewer = await world.http.post(
        "/graphql",
        json={
            "query": "{ viewer { home { plannedWorks { edges { node { plannedDate "
            "componentType { code } } } } } } }"
        },
        headers={"Authorization": f"Bearer {resident}"},
    )
    [edge] = viewer.json()["data"]["viewer"]["home"]["plannedWorks"]["edges"]
    assert edge["node"]["plannedDate"] == planned.isoformat()
    district = await world.db.fetchval(
        "SELECT postcode_district FROM home WHERE id = $1", world.home
    )
    async with served_app(world.db) as (address, _app):
        async with httpx.AsyncClient(base_url=f"http://{address}") as http:
            await http.get("/home/sign-in", params={"token": resident})
            page = (await http.get("/home")).text
            assert f"Due in {year}/{(year + 1) % 100:02d}" in page
            assert label in page.split('id="planned-works"')[1].split("<h2")[0]
        async with httpx.AsyncClient(base_url=f"http://{address}") as http:
            form = (await http.get("/contractor")).text
            found = re.search(r'name="csrf" value="([0-9a-f]{64})"', form)
            assert found is not None  # the sign-in form carries its own token
            await http.post("/contractor/sign-in", data={"key": contractor_key, "csrf": found[1]})
            page = (await http.get("/contractor")).text
            job = page.split(f'id="job-{world.repair}"')[1].split("</section>")[0]
            assert "Due for planned replacement" in job
            assert f"{label}, planned by {planned.day} {planned:%B %Y}" in job
        async with httpx.AsyncClient(base_url=f"http://{address}") as http:
            board = (await http.get("/jobs", params={"postcode": district})).text
            row = board.split(f"/id/repair/{world.repair}?")[1].split("</tr>")[0]
            assert f"{label}, planned by" in row


async def test_the_measure_of_repairs_due_for_planned_replacement_matches_python(
    seeded_db: Database,
) -> None:
    """The demo's planned works (drawn by the demo generator) against the rule applied
    in plain Python: per landlord, the % of repairs not cancelled on a component with a
    planned work not cancelled, not done by the day reported, planned within 12 months."""
    from zoneinfo import ZoneInfo

    from odx_graph.services.insight.repairs import performance
    from odx_graph.store.analytics import Dimension
    from odx_graph.store.analytics import RepairScope

    london = ZoneInfo("Europe/London")
    works = await seeded_db.fetch(
        "SELECT component_id, home_id, building_id, component_type_code, planned_date, "
        "status_code, completed_on FROM planned_work"
    )
    assert works, "the demo draws planned works"
    components = {
        r["id"]: r
        for r in await seeded_db.fetch(
            "SELECT id, home_id, building_id, component_type_code FROM component"
        )
    }
    repairs = await seeded_db.fetch(
        "SELECT r.id, r.landlord_id, r.component_id, r.reported_at, r.postcode_district, "
        "(NOT s.is_open AND r.completed_at IS NULL) AS cancelled "
        "FROM repair r JOIN repair_status s ON s.code = r.status_code"
    )

    def plus_months(day: dt.date, months: int) -> dt.date:
        month = day.month - 1 + months
        year, month = day.year + month // 12, month % 12 + 1
        for last in (31, 30, 29, 28):
            try:
                return dt.date(year, month, min(day.day, last))
            except ValueError:
                continue
        raise AssertionError(day)

    def due(repair: Any) -> bool:
        component = components.get(repair["component_id"])
        if component is None:
            return False
        day = repair["reported_at"].astimezone(london).date()
        for w in works:
            same = w["component_id"] == component["id"] or (
                w["component_id"] is None
                and (
                    (w["home_id"] is not None and w["home_id"] == component["home_id"])
                    or (
                        w["building_id"] is not None
                        and w["building_id"] == component["building_id"]
                    )
                )
            )
            if (
                same
                and w["component_type_code"] == component["component_type_code"]
                and w["status_code"] != "cancelled"
                and (w["completed_on"] is None or w["completed_on"] > day)
                and w["planned_date"] <= plus_months(day, 12)
            ):
                return True
        return False

    async def shares_match(scope: RepairScope, district: str | None) -> None:
        """Each landlord's share from the server equals the one worked out here, over
        the repairs in ``district`` (every repair when None)."""
        expected: dict[str, float] = {}
        for landlord in {r["landlord_id"] for r in repairs}:
            mine = [
                r
                for r in repairs
                if r["landlord_id"] == landlord
                and district in (None, r["postcode_district"])
                and not r["cancelled"]
            ]
            if mine:
                expected[str(landlord)] = 100 * sum(due(r) for r in mine) / len(mine)
        assert any(v > 0 for v in expected.values())
        groups = await performance(
            seeded_db, Settings.from_env({}), Principal(Tier.ADMIN), [Dimension.LANDLORD], scope
        )
        got = {g.key[0].value: g.measures["on_planned_replacement_pct"] for g in groups}
        assert got == pytest.approx(expected, rel=1e-9)

    await shares_match(RepairScope(), None)
    # Scoped to a district, only its repairs are looked up: the same shares.
    due_by_district: dict[str, int] = {}
    for r in repairs:
        if not r["cancelled"] and due(r):
            district = r["postcode_district"]
            due_by_district[district] = due_by_district.get(district, 0) + 1
    district = max(due_by_district, key=lambda d: (due_by_district[d], d))
    await shares_match(
        RepairScope(postcode_column="postcode_district", postcode_value=district), district
    )


async def test_programmes_and_works_are_linked_data(world: World) -> None:
    from rdflib import Graph
    from rdflib import Literal
    from rdflib import Namespace
    from rdflib import URIRef
    from rdflib.namespace import RDF
    from rdflib.namespace import XSD

    odx = Namespace("https://w3id.org/odx/def#")
    work = await _plan(world, dt.date(2027, 5, 1), component_id=world.component)
    programme = await world.db.fetchval("SELECT programme_id FROM planned_work WHERE id = $1", work)
    for path, kind in (
        (f"/id/planned-work/{work}", odx.PlannedWork),
        (f"/id/programme/{programme}", odx.InvestmentProgramme),
    ):
        response = await world.http.get(path, headers={"Accept": "text/turtle"})
        assert response.status_code == 200, response.text
        graph = Graph().parse(data=response.text, format="turtle")
        subject = URIRef(f"http://odx.test{path}")
        assert (subject, RDF.type, kind) in graph
    assert (subject, odx.financialYear, Literal(2027, datatype=XSD.integer)) in graph
    graph = Graph().parse(
        data=(
            await world.http.get(f"/id/planned-work/{work}", headers={"Accept": "text/turtle"})
        ).text,
        format="turtle",
    )
    item = URIRef(f"http://odx.test/id/planned-work/{work}")
    assert (item, odx.plannedDate, Literal(dt.date(2027, 5, 1))) in graph
    assert (item, odx.partOfPlan, subject) in graph
    assert (
        item,
        odx.replacesComponent,
        URIRef(f"http://odx.test/id/component/{world.component}"),
    ) in graph
