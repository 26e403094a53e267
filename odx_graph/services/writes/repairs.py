"""Repairs: reported, assigned, moved along, completed with lines whose costs check
themselves, and corrected by their landlord."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP
from decimal import Decimal

from odx_graph.core.access import Principal
from odx_graph.core.access import Tier
from odx_graph.core.errors import ConflictError
from odx_graph.core.errors import InputError
from odx_graph.services.writes.operation import Change
from odx_graph.services.writes.operation import Written
from odx_graph.services.writes.operation import check_codes
from odx_graph.services.writes.operation import landlord_of
from odx_graph.services.writes.operation import perform
from odx_graph.services.writes.operation import still_open
from odx_graph.store import writes as repo
from odx_graph.store.db import Connection
from odx_graph.store.db import Database
from odx_graph.store.db import Record

PENNY = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class Line:
    """A Schedule of Rates line of a completion."""

    sor_code: str
    quantity: Decimal
    unit_cost: Decimal | None = None
    cost: Decimal | None = None


async def report_repair(
    db: Database,
    principal: Principal,
    *,
    home_id: int,
    description: str | None,
    priority: str | None,
    trade: str | None,
    idempotency_key: str | None,
) -> Written:
    """A resident (of that home) or the home's landlord reports a repair."""
    request = {"home": home_id, "description": description, "priority": priority, "trade": trade}

    async def act(conn: Connection, home: Record) -> Change:
        landlord = landlord_of(home, "homeId")
        if principal.tier is Tier.RESIDENT and priority is not None:
            raise InputError("the landlord sets the priority", field="priority")
        chosen = priority or "4"
        await check_codes(conn, ("priority", chosen, "priority"), ("trade", trade, "trade"))
        key = await repo.insert_repair(
            conn,
            landlord_id=landlord,
            home_id=home_id,
            component_id=None,
            priority=chosen,
            trade=trade,
            description=description,
        )
        return Change("Repair", "repair", key, landlord, {**request, "priority": chosen})

    return await perform(db, principal, "reportRepair", home_id, request, idempotency_key, act)


async def assign_repair(
    db: Database,
    principal: Principal,
    *,
    repair_id: int,
    contractor_id: int,
    priority: str | None,
    target_at: dt.datetime | None,
    idempotency_key: str | None,
) -> Written:
    """The landlord raises the work order: assigns a contractor, optionally with a new
    priority (whose timescale sets the target, unless one is given) or target."""
    request = {
        "repair": repair_id,
        "contractor": contractor_id,
        "priority": priority,
        "target": target_at,
    }

    async def act(conn: Connection, repair: Record) -> Change:
        still_open(repair)
        if "contractor" not in await repo.organisation_roles(conn, contractor_id):
            raise InputError("not a contractor", field="contractorId")
        await check_codes(conn, ("priority", priority, "priority"))
        if target_at is not None and target_at < repair["reported_at"]:
            raise InputError("targetAt is before the repair was reported", field="targetAt")
        after = await repo.assign_repair(conn, repair_id, contractor_id, priority, target_at)
        if after["status_code"] != repair["status_code"]:
            await repo.add_status_event(conn, repair_id, after["status_code"], None)
        changes = {**request, "status": after["status_code"], "target": after["target_at"]}
        return Change("Repair", "repair", repair_id, repair["landlord_id"], changes)

    return await perform(db, principal, "assignRepair", repair_id, request, idempotency_key, act)


async def update_repair_status(
    db: Database,
    principal: Principal,
    *,
    repair_id: int,
    status: str,
    note: str | None,
    idempotency_key: str | None,
) -> Written:
    """The landlord or the assigned contractor moves a repair along (not to complete:
    completing records lines and cost, see :func:`complete_repair`)."""
    request = {"repair": repair_id, "status": status, "note": note}

    async def act(conn: Connection, repair: Record) -> Change:
        if status == "complete":
            raise InputError("use completeRepair to complete a repair", field="status")
        await check_codes(conn, ("repair_status", status, "status"))
        still_open(repair)
        if status == repair["status_code"]:
            raise ConflictError(f"the repair is {status} already", field="status")
        await repo.set_repair_status(conn, repair_id, status)
        await repo.add_status_event(conn, repair_id, status, note)
        changes = {"from": repair["status_code"], "to": status}
        return Change("Repair", "repair", repair_id, repair["landlord_id"], changes)

    return await perform(
        db, principal, "updateRepairStatus", repair_id, request, idempotency_key, act
    )


def priced_lines(lines: Sequence[Line]) -> list[Line]:
    """The lines with each cost worked out as quantity x unit cost (rounded half up to the
    penny) where only the unit cost is given; a cost given with a unit cost must be that
    product. Quantities and costs cannot be negative."""
    priced = []
    for n, line in enumerate(lines):
        where = f"lines[{n}]"
        if line.quantity < 0 or any(v is not None and v < 0 for v in (line.unit_cost, line.cost)):
            raise InputError("quantities and costs cannot be negative", field=where)
        cost = line.cost
        if line.unit_cost is not None:
            worked = (line.quantity * line.unit_cost).quantize(PENNY, ROUND_HALF_UP)
            if cost is None:
                cost = worked
            elif cost != worked:
                raise InputError(
                    f"the line's cost {cost} is not its quantity times its unit cost "
                    f"({line.quantity} x {line.unit_cost} = {worked})",
                    field=f"{where}.cost",
                )
        priced.append(Line(line.sor_code, line.quantity, line.unit_cost, cost))
    return priced


def repair_cost(cost: Decimal | None, lines: Sequence[Line]) -> Decimal | None:
    """The repair's cost checked against its (priced) lines. When every line has a cost
    the repair's cost is their sum: worked out when not given, refused when given and
    different. When some line has none, a given cost stands, but it cannot be less than
    the lines' costs that are known."""
    if cost is not None and cost < 0:
        raise InputError("the cost cannot be negative", field="cost")
    known = [x.cost for x in lines if x.cost is not None]
    total = sum(known, Decimal(0))
    if lines and len(known) == len(lines):
        if cost is None:
            return total
        if cost != total:
            raise InputError(
                f"the cost {cost} is not the sum of the lines' costs ({total})", field="cost"
            )
        return cost
    if cost is not None and cost < total:
        raise InputError(
            f"the cost {cost} is less than the lines' known costs ({total})", field="cost"
        )
    return cost


def _completion(repair: Record, completed_at: dt.datetime | None, now: dt.datetime) -> dt.datetime:
    when = completed_at or now
    if when < repair["reported_at"]:
        raise InputError("completedAt is before the repair was reported", field="completedAt")
    if when > now + dt.timedelta(minutes=5):
        raise InputError("completedAt is in the future", field="completedAt")
    return when


async def _known_sor_codes(conn: Connection, landlord: int, lines: Sequence[Line]) -> None:
    unknown = await repo.unknown_sor_codes(conn, landlord, [x.sor_code for x in lines])
    if unknown:
        raise InputError(
            f"not NHF SOR v7 codes nor the landlord's own: {', '.join(unknown)}", field="lines"
        )


async def complete_repair(
    db: Database,
    principal: Principal,
    *,
    repair_id: int,
    completed_at: dt.datetime | None,
    cost: Decimal | None,
    lines: Sequence[Line],
    note: str | None,
    idempotency_key: str | None,
) -> Written:
    """The assigned contractor (or the landlord) completes a repair with its SOR lines;
    line costs and the repair's cost are checked against each other (see
    :func:`priced_lines` and :func:`repair_cost`)."""
    request = {
        "repair": repair_id,
        "completed": completed_at,
        "cost": cost,
        "note": note,
        "lines": [(x.sor_code, x.quantity, x.unit_cost, x.cost) for x in lines],
    }

    async def act(conn: Connection, repair: Record) -> Change:
        still_open(repair)
        when = _completion(repair, completed_at, dt.datetime.now(dt.UTC))
        priced = priced_lines(lines)
        total = repair_cost(cost, priced)
        await _known_sor_codes(conn, repair["landlord_id"], priced)
        rows = [(x.sor_code, x.quantity, x.unit_cost, x.cost) for x in priced]
        await repo.complete_repair(conn, repair_id, when, total, rows)
        await repo.add_status_event(conn, repair_id, "complete", note, when)
        changes = {**request, "cost": total, "lines": rows}
        return Change("Repair", "repair", repair_id, repair["landlord_id"], changes)

    return await perform(db, principal, "completeRepair", repair_id, request, idempotency_key, act)


async def correct_repair(
    db: Database,
    principal: Principal,
    *,
    repair_id: int,
    reason: str,
    cost: Decimal | None,
    lines: Sequence[Line] | None,
    completed_at: dt.datetime | None,
    idempotency_key: str | None,
) -> Written:
    """The landlord corrects a completed repair's cost, lines or completion time. The
    values it replaces are kept, with the reason, in the correction's audit event; the
    lines and cost are checked as on completion."""
    request = {
        "repair": repair_id,
        "reason": reason,
        "cost": cost,
        "completed": completed_at,
        "lines": None
        if lines is None
        else [(x.sor_code, x.quantity, x.unit_cost, x.cost) for x in lines],
    }

    async def act(conn: Connection, repair: Record) -> Change:
        if cost is None and lines is None and completed_at is None:
            raise InputError("give the cost, lines or completion time to correct", field="input")
        if not reason.strip() or len(reason) > 1000:
            raise InputError(
                "give the reason for the correction (1 to 1000 characters)", field="reason"
            )
        if repair["status_code"] != "complete":
            raise ConflictError(
                f"only a completed repair can be corrected; this one is {repair['status_code']}",
                field="repairId",
            )
        before = await repo.repair_lines(conn, repair_id)
        new_lines = (
            before
            if lines is None
            else [(x.sor_code, x.quantity, x.unit_cost, x.cost) for x in priced_lines(lines)]
        )
        checked = [Line(*x) for x in new_lines]
        if cost is None and lines is None:
            total = repair["cost"]  # only the completion time is corrected
        else:
            # New lines without a new cost: their sum when all are priced, else the cost
            # as it was (checked against them).
            priced = bool(checked) and all(x.cost is not None for x in checked)
            total = repair_cost(
                cost if cost is not None else None if priced else repair["cost"], checked
            )
        when = _completion(repair, completed_at or repair["completed_at"], dt.datetime.now(dt.UTC))
        if lines is not None:
            await _known_sor_codes(conn, repair["landlord_id"], checked)
            await repo.replace_lines(conn, repair_id, new_lines)
        await repo.correct_completion(conn, repair_id, when, total)
        changes = {
            "reason": reason,
            "before": {
                "cost": repair["cost"],
                "completed": repair["completed_at"],
                "lines": before,
            },
            "after": {"cost": total, "completed": when, "lines": new_lines},
        }
        return Change("Repair", "repair", repair_id, repair["landlord_id"], changes)

    return await perform(db, principal, "correctRepair", repair_id, request, idempotency_key, act)
