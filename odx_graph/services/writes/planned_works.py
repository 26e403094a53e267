"""Planned works through the API: a landlord creates investment programmes, adds planned
items to them, updates, completes and cancels them (turning its proactive work list or
the replacement forecast into planned items is in :mod:`.plan_these`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable
from collections.abc import Callable
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from odx_graph.core.access import Principal
from odx_graph.core.errors import ConflictError
from odx_graph.core.errors import InputError
from odx_graph.services.writes.operation import Change
from odx_graph.services.writes.operation import Written
from odx_graph.services.writes.operation import check_codes
from odx_graph.services.writes.operation import perform
from odx_graph.store import planned_works as repo
from odx_graph.store import writes as write_repo
from odx_graph.store.db import Connection
from odx_graph.store.db import Database
from odx_graph.store.db import Record


def financial_year_of(day: dt.date) -> int:
    """The financial year (as the year it starts) a day falls in: 1 April starts one."""
    return day.year if day.month >= 4 else day.year - 1


def financial_year_end(year: int) -> dt.date:
    """The last day of financial year ``year`` (31 March of the next year)."""
    return dt.date(year + 1, 3, 31)


def money(value: Decimal | None, field: str) -> Decimal | None:
    """``value``, refused when negative (``field`` names it)."""
    if value is not None and value < 0:
        raise InputError("an amount of money cannot be negative", field=field)
    return value


# -- programmes -------------------------------------------------------------------------


async def create_programme(
    db: Database,
    principal: Principal,
    *,
    landlord_id: int,
    name: str,
    financial_year: int,
    kind: str,
    budget: Decimal | None,
    idempotency_key: str | None,
) -> Written:
    """The landlord creates an investment programme for a financial year."""
    name = name.strip()
    request = {
        "landlord": landlord_id,
        "name": name,
        "year": financial_year,
        "kind": kind,
        "budget": budget,
    }

    async def act(conn: Connection, landlord: Record) -> Change:
        if not name or len(name) > 200:
            raise InputError("a programme needs a name of 1 to 200 characters", field="name")
        if not 1990 <= financial_year <= 2100:
            raise InputError("the financial year must be from 1990 to 2100", field="financialYear")
        money(budget, "budget")
        await check_codes(conn, ("programme_kind", kind, "kind"))
        if "landlord" not in await write_repo.organisation_roles(conn, landlord_id):
            raise InputError("the organisation is not a landlord", field="landlordId")
        if await repo.programme_exists(conn, landlord_id, financial_year, name):
            raise ConflictError(
                "the landlord already has a programme of this name in this year", field="name"
            )
        key = await repo.insert_programme(conn, landlord_id, name, financial_year, kind, budget)
        return Change("InvestmentProgramme", "investment_programme", key, landlord_id, request)

    return await perform(
        db, principal, "createProgramme", landlord_id, request, idempotency_key, act
    )


# -- planned items ----------------------------------------------------------------------


async def _place(
    conn: Connection,
    landlord_id: int,
    home_id: int | None,
    building_id: int | None,
    component_id: int | None,
    component_type: str | None,
) -> tuple[Record, str]:
    """Where an item is, checked: one of a component, a home or a building; the
    landlord's own; and its component type (a component's own)."""
    if sum(x is not None for x in (home_id, building_id, component_id)) != 1:
        raise InputError("give exactly one of componentId, homeId and buildingId", field="homeId")
    field = "componentId" if component_id else "homeId" if home_id else "buildingId"
    place = await repo.place_of(conn, home_id, building_id, component_id)
    if place is None:
        raise InputError(f"no such {field.removesuffix('Id')}", field=field)
    if place["landlord_id"] != landlord_id:
        raise InputError(f"the {field.removesuffix('Id')} is not the landlord's", field=field)
    if component_id is not None:
        if component_type is not None and component_type != place["component_type_code"]:
            raise InputError("the component is of another type", field="componentType")
        return place, str(place["component_type_code"])
    if component_type is None:
        raise InputError(
            "a planned work needs a component or a component type", field="componentType"
        )
    await check_codes(conn, ("component_type", component_type, "componentType"))
    return place, component_type


async def _check_repairs(conn: Connection, replaces: Sequence[int], place: Record) -> list[int]:
    keys = sorted(set(replaces))
    foreign = await repo.foreign_repairs(conn, keys, place["home_id"], place["building_id"])
    if foreign:
        raise InputError(
            f"{len(foreign)} of the repairs replaced are not at the planned work's place",
            field="replacesRepairIds",
        )
    return keys


async def add_planned_work(
    db: Database,
    principal: Principal,
    *,
    programme_id: int,
    planned_date: dt.date,
    home_id: int | None = None,
    building_id: int | None = None,
    component_id: int | None = None,
    component_type: str | None = None,
    estimated_cost: Decimal | None = None,
    replaces_repair_ids: list[int] | None = None,
    idempotency_key: str | None = None,
) -> Written:
    """The landlord adds a planned item to one of its programmes."""
    request = {
        "programme": programme_id,
        "date": planned_date,
        "home": home_id,
        "building": building_id,
        "component": component_id,
        "type": component_type,
        "estimate": estimated_cost,
        "replaces": replaces_repair_ids,
    }

    async def act(conn: Connection, programme: Record) -> Change:
        landlord = programme["landlord_id"]
        place, kind = await _place(
            conn, landlord, home_id, building_id, component_id, component_type
        )
        money(estimated_cost, "estimatedCost")
        replaces = await _check_repairs(conn, replaces_repair_ids or [], place)
        key = await repo.insert_planned_work(
            conn, programme_id, place, component_id, kind, planned_date, estimated_cost, replaces
        )
        return Change("PlannedWork", "planned_work", key, landlord, request)

    return await perform(
        db, principal, "addPlannedWork", programme_id, request, idempotency_key, act
    )


# What an operation writes to an open planned item (read and locked, as ``work``).
WorkChange = Callable[[Connection, Record], Awaitable[None]]


def _still_open(work: Record) -> None:
    if work["status_code"] not in ("planned", "in-progress"):
        raise ConflictError(f"the planned work is {work['status_code']}", field="plannedWorkId")


async def update_planned_work(
    db: Database,
    principal: Principal,
    *,
    planned_work_id: int,
    planned_date: dt.date | None = None,
    estimated_cost: Decimal | None = None,
    actual_cost: Decimal | None = None,
    started: bool | None = None,
    replaces_repair_ids: list[int] | None = None,
    idempotency_key: str | None = None,
) -> Written:
    """The landlord moves a planned item's date, changes its estimate or its cost so far,
    marks it started, or changes the repairs it replaces (given values only)."""
    request = {
        "work": planned_work_id,
        "date": planned_date,
        "estimate": estimated_cost,
        "actual": actual_cost,
        "started": started,
        "replaces": replaces_repair_ids,
    }

    async def update(conn: Connection, work: Record) -> None:
        status = work["status_code"]
        if started is not None:
            status = "in-progress" if started else "planned"
        if actual_cost is not None and status != "in-progress":
            raise InputError("a cost so far needs the work started", field="actualCost")
        replaces = list(work["replaces_repair_ids"])
        if replaces_repair_ids is not None:
            place = {"home_id": work["place_home_id"], "building_id": work["building_id"]}
            replaces = await _check_repairs(conn, replaces_repair_ids, place)
        await repo.update_planned_work(
            conn,
            planned_work_id,
            planned_date=planned_date or work["planned_date"],
            estimated_cost=(
                work["estimated_cost"]
                if estimated_cost is None
                else money(estimated_cost, "estimatedCost")
            ),
            actual_cost=(
                money(actual_cost, "actualCost")
                if actual_cost is not None
                else (work["actual_cost"] if status == "in-progress" else None)
            ),
            status=status,
            completed_on=None,
            replaces=replaces,
        )

    return await _change_open_work(
        db, principal, "updatePlannedWork", planned_work_id, request, idempotency_key, update
    )


async def complete_planned_work(
    db: Database,
    principal: Principal,
    *,
    planned_work_id: int,
    completion_date: dt.date,
    actual_cost: Decimal,
    idempotency_key: str | None = None,
) -> Written:
    """The landlord records a planned item done on a day at a cost; a named component is
    recorded as replaced that day."""
    request = {"work": planned_work_id, "done": completion_date, "actual": actual_cost}
    close = _ended(planned_work_id, "done", actual_cost, completion_date)
    return await _change_open_work(
        db, principal, "completePlannedWork", planned_work_id, request, idempotency_key, close
    )


async def cancel_planned_work(
    db: Database,
    principal: Principal,
    *,
    planned_work_id: int,
    idempotency_key: str | None = None,
) -> Written:
    """The landlord cancels a planned item that is not done."""
    request = {"work": planned_work_id}
    close = _ended(planned_work_id, "cancelled", None, None)
    return await _change_open_work(
        db, principal, "cancelPlannedWork", planned_work_id, request, idempotency_key, close
    )


def _ended(
    planned_work_id: int, status: str, actual_cost: Decimal | None, completed_on: dt.date | None
) -> WorkChange:
    """The change ending an open planned item as planned: its ``status``, actual cost and
    the day it was done (when done, a named component is recorded as replaced that day)."""

    async def close(conn: Connection, work: Record) -> None:
        if actual_cost is not None:
            money(actual_cost, "actualCost")
        await repo.update_planned_work(
            conn,
            planned_work_id,
            planned_date=work["planned_date"],
            estimated_cost=work["estimated_cost"],
            actual_cost=actual_cost,
            status=status,
            completed_on=completed_on,
            replaces=work["replaces_repair_ids"],
        )
        if completed_on is not None and work["component_id"] is not None:
            await repo.mark_component_replaced(conn, work["component_id"], completed_on)

    return close


async def _change_open_work(
    db: Database,
    principal: Principal,
    operation: str,
    planned_work_id: int,
    request: dict[str, Any],
    idempotency_key: str | None,
    change: WorkChange,
) -> Written:
    """``operation`` on a planned item, refused unless it is still open: ``change``
    writes it, and the change is audited as one to the planned item."""

    async def act(conn: Connection, work: Record) -> Change:
        _still_open(work)
        await change(conn, work)
        return Change("PlannedWork", "planned_work", planned_work_id, work["landlord_id"], request)

    return await perform(db, principal, operation, planned_work_id, request, idempotency_key, act)
