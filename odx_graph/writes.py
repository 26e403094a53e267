"""Writes through the API: who may do what, idempotency, the audit trail.

Each operation checks the caller's tier and ownership here (the first wall), then writes
in one transaction as the ``odx_writer`` role, where row-level security checks again (the
second wall). Every write leaves an audit event. With an idempotency key, a retried
operation returns the first result and changes nothing; the same key with a different
request is refused.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from odx_graph.access import Principal, Tier, may_write
from odx_graph.db import Connection, Database
from odx_graph.errors import ErrorCode, ForbiddenError, InputError, NotFoundError
from odx_graph.repo import writes as repo

CLOSING = ("complete", "cancelled", "superseded")


@dataclass(frozen=True, slots=True)
class Written:
    """What an operation wrote: the record's type and key, and whether this was a replay."""

    type: str
    key: int
    replayed: bool = False


@dataclass(frozen=True, slots=True)
class Line:
    """A Schedule of Rates line of a completion."""

    sor_code: str
    quantity: Decimal
    unit_cost: Decimal | None = None
    cost: Decimal | None = None


Action = Callable[[Connection], Awaitable[Written]]


async def run(
    db: Database,
    principal: Principal,
    operation: str,
    idempotency_key: str | None,
    request: dict[str, Any],
    action: Action,
) -> Written:
    """Run ``action`` for ``principal`` once per idempotency key, in one transaction."""
    if not principal.is_authenticated or principal.api_key_id is None:
        raise ForbiddenError("writes need an API key (Authorization: Bearer ...)")
    digest = hashlib.sha256(
        json.dumps([operation, request], sort_keys=True, default=str).encode()
    ).hexdigest()
    async with repo.acting_as(db, principal) as conn:
        if idempotency_key is not None:
            earlier = await repo.claim_idempotency_key(
                conn, principal.api_key_id, idempotency_key, operation, digest
            )
            if earlier is not None:
                if earlier["operation"] != operation or earlier["request_hash"] != digest:
                    raise InputError(
                        "this idempotency key was used for a different request",
                        field="idempotencyKey",
                        code=ErrorCode.BAD_USER_INPUT,
                    )
                first = json.loads(earlier["result"])
                return Written(first["type"], first["key"], replayed=True)
        written = await action(conn)
        if idempotency_key is not None:
            await repo.store_idempotent_result(
                conn,
                principal.api_key_id,
                idempotency_key,
                {"type": written.type, "key": written.key},
            )
        return written


async def _code(conn: Connection, table: str, code: str | None, field: str, what: str) -> None:
    if code is not None and not await repo.code_exists(conn, table, code):
        raise InputError(f"unknown {what} code {code!r}", field=field)


def _check(allowed: bool, message: str) -> None:
    if not allowed:
        raise ForbiddenError(message)


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

    async def act(conn: Connection) -> Written:
        home = await repo.home_for_write(conn, home_id)
        if home is None:
            raise NotFoundError("no such home", field="homeId")
        _check(
            principal.tier in (Tier.RESIDENT, Tier.PROVIDER, Tier.ADMIN)
            and may_write(principal, landlord=home["landlord_id"], contractor=None, home=home_id),
            "only the home's resident or landlord may report a repair to it",
        )
        if home["landlord_id"] is None:
            raise InputError("the home has no landlord to report the repair to", field="homeId")
        chosen = priority or "4"
        if principal.tier is Tier.RESIDENT and priority is not None:
            raise InputError("the landlord sets the priority", field="priority")
        await _code(conn, "priority", chosen, "priority", "priority")
        await _code(conn, "trade", trade, "trade", "trade")
        key = await repo.insert_repair(
            conn,
            landlord_id=home["landlord_id"],
            home_id=home_id,
            component_id=None,
            priority=chosen,
            trade=trade,
            description=description,
        )
        await repo.audit(
            conn,
            principal,
            "reportRepair",
            "repair",
            key,
            home["landlord_id"],
            {**request, "priority": chosen},
        )
        return Written("Repair", key)

    return await run(db, principal, "reportRepair", idempotency_key, request, act)


async def _locked_repair(
    conn: Connection,
    principal: Principal,
    repair_id: int,
    tiers: tuple[Tier, ...],
    *,
    contractor_may: bool,
    refusal: str,
) -> Any:
    """The repair's state, read under its row lock once ``principal`` was found allowed
    (a tier of ``tiers``, and the landlord's or, if ``contractor_may``, the assigned
    contractor's): checks of that state cannot be overtaken by another write."""
    repair = await repo.repair_for_write(conn, repair_id)
    if repair is None:
        raise NotFoundError("no such repair", field="repairId")
    contractor = repair["contractor_id"] if contractor_may else None
    _check(
        principal.tier in tiers
        and may_write(principal, landlord=repair["landlord_id"], contractor=contractor, home=None),
        refusal,
    )
    locked = await repo.lock_repair(conn, repair_id)
    if locked is None:
        raise NotFoundError("no such repair", field="repairId")
    return locked


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
    """The landlord raises the work order: assigns a contractor (priority, target)."""
    request = {
        "repair": repair_id,
        "contractor": contractor_id,
        "priority": priority,
        "target": target_at,
    }

    async def act(conn: Connection) -> Written:
        repair = await _locked_repair(
            conn,
            principal,
            repair_id,
            (Tier.PROVIDER, Tier.ADMIN),
            contractor_may=False,
            refusal="only the repair's landlord may assign it",
        )
        if not repair["is_open"]:
            raise InputError("the repair is closed", field="repairId")
        if "contractor" not in await repo.organisation_roles(conn, contractor_id):
            raise InputError("not a contractor", field="contractorId")
        await _code(conn, "priority", priority, "priority", "priority")
        status = await repo.assign_repair(conn, repair_id, contractor_id, priority, target_at)
        if status != repair["status_code"]:
            await repo.add_status_event(conn, repair_id, status, None)
        await repo.audit(
            conn,
            principal,
            "assignRepair",
            "repair",
            repair_id,
            repair["landlord_id"],
            {**request, "status": status},
        )
        return Written("Repair", repair_id)

    return await run(db, principal, "assignRepair", idempotency_key, request, act)


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

    async def act(conn: Connection) -> Written:
        repair = await _locked_repair(
            conn,
            principal,
            repair_id,
            (Tier.PROVIDER, Tier.CONTRACTOR, Tier.ADMIN),
            contractor_may=True,
            refusal="only the repair's landlord or its assigned contractor may change its status",
        )
        if status == "complete":
            raise InputError("use completeRepair to complete a repair", field="status")
        await _code(conn, "repair_status", status, "status", "repair status")
        if not repair["is_open"]:
            raise InputError("the repair is closed", field="repairId")
        if status == repair["status_code"]:
            raise InputError(f"the repair is {status} already", field="status")
        await repo.set_repair_status(conn, repair_id, status)
        await repo.add_status_event(conn, repair_id, status, note)
        await repo.audit(
            conn,
            principal,
            "updateRepairStatus",
            "repair",
            repair_id,
            repair["landlord_id"],
            {"from": repair["status_code"], "to": status},
        )
        return Written("Repair", repair_id)

    return await run(db, principal, "updateRepairStatus", idempotency_key, request, act)


async def complete_repair(
    db: Database,
    principal: Principal,
    *,
    repair_id: int,
    completed_at: dt.datetime | None,
    cost: Decimal | None,
    lines: list[Line],
    note: str | None,
    idempotency_key: str | None,
) -> Written:
    """The assigned contractor (or the landlord) completes a repair with its SOR lines."""
    request = {
        "repair": repair_id,
        "completed": completed_at,
        "cost": cost,
        "note": note,
        "lines": [(x.sor_code, x.quantity, x.unit_cost, x.cost) for x in lines],
    }

    async def act(conn: Connection) -> Written:
        repair = await _locked_repair(
            conn,
            principal,
            repair_id,
            (Tier.PROVIDER, Tier.CONTRACTOR, Tier.ADMIN),
            contractor_may=True,
            refusal="only the repair's landlord or its assigned contractor may complete it",
        )
        if not repair["is_open"]:
            raise InputError("the repair is closed", field="repairId")
        when = completed_at or dt.datetime.now(dt.UTC)
        if when < repair["reported_at"]:
            raise InputError("completedAt is before the repair was reported", field="completedAt")
        if when > dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5):
            raise InputError("completedAt is in the future", field="completedAt")
        for n, line in enumerate(lines):
            if line.quantity < 0 or any(
                v is not None and v < 0 for v in (line.unit_cost, line.cost)
            ):
                raise InputError("quantities and costs cannot be negative", field=f"lines[{n}]")
        if cost is not None and cost < 0:
            raise InputError("the cost cannot be negative", field="cost")
        unknown = await repo.unknown_sor_codes(
            conn, repair["landlord_id"], [x.sor_code for x in lines]
        )
        if unknown:
            raise InputError(
                f"not NHF SOR v7 codes nor the landlord's own: {', '.join(unknown)}",
                field="lines",
            )
        await repo.complete_repair(
            conn,
            repair_id,
            when,
            cost,
            [(x.sor_code, x.quantity, x.unit_cost, x.cost) for x in lines],
        )
        await repo.add_status_event(conn, repair_id, "complete", note, when)
        await repo.audit(
            conn, principal, "completeRepair", "repair", repair_id, repair["landlord_id"], request
        )
        return Written("Repair", repair_id)

    return await run(db, principal, "completeRepair", idempotency_key, request, act)


async def add_component(
    db: Database,
    principal: Principal,
    *,
    home_id: int,
    component_type: str,
    install_date: dt.date | None,
    condition: str | None,
    make: str | None,
    model: str | None,
    idempotency_key: str | None,
) -> Written:
    """The landlord records a new component of a home."""
    request = {
        "home": home_id,
        "type": component_type,
        "installed": install_date,
        "condition": condition,
        "make": make,
        "model": model,
    }

    async def act(conn: Connection) -> Written:
        home = await repo.home_for_write(conn, home_id)
        if home is None:
            raise NotFoundError("no such home", field="homeId")
        _check(
            principal.tier in (Tier.PROVIDER, Tier.ADMIN)
            and may_write(principal, landlord=home["landlord_id"], contractor=None, home=None),
            "only the home's landlord may record its components",
        )
        await _code(conn, "component_type", component_type, "componentType", "component type")
        await _code(conn, "condition", condition, "condition", "condition")
        key = await repo.insert_component(
            conn, home_id, component_type, install_date, condition, make, model
        )
        await repo.audit(
            conn, principal, "addComponent", "component", key, home["landlord_id"], request
        )
        return Written("Component", key)

    return await run(db, principal, "addComponent", idempotency_key, request, act)


async def replace_component(
    db: Database,
    principal: Principal,
    *,
    component_id: int,
    install_date: dt.date,
    condition: str | None,
    make: str | None,
    model: str | None,
    idempotency_key: str | None,
) -> Written:
    """The landlord records that a component was replaced by a new one of its type."""
    request = {
        "component": component_id,
        "installed": install_date,
        "condition": condition,
        "make": make,
        "model": model,
    }

    async def act(conn: Connection) -> Written:
        component = await repo.component_for_write(conn, component_id)
        if component is None:
            raise NotFoundError("no such component", field="componentId")
        _check(
            principal.tier in (Tier.PROVIDER, Tier.ADMIN)
            and may_write(principal, landlord=component["landlord_id"], contractor=None, home=None),
            "only the home's landlord may replace its components",
        )
        await repo.lock(conn, "component", component_id)
        await _code(conn, "condition", condition, "condition", "condition")
        await repo.replace_component(conn, component_id, install_date, condition, make, model)
        await repo.audit(
            conn,
            principal,
            "replaceComponent",
            "component",
            component_id,
            component["landlord_id"],
            request,
        )
        return Written("Component", component_id)

    return await run(db, principal, "replaceComponent", idempotency_key, request, act)


async def report_damp_mould(
    db: Database,
    principal: Principal,
    *,
    home_id: int,
    hazard_level: str | None,
    severity: str | None,
    aware_at: dt.datetime | None,
    idempotency_key: str | None,
) -> Written:
    """A resident or the landlord reports damp and mould: the Awaab's Law clocks start."""
    request = {"home": home_id, "level": hazard_level, "severity": severity, "aware": aware_at}

    async def act(conn: Connection) -> Written:
        home = await repo.home_for_write(conn, home_id)
        if home is None:
            raise NotFoundError("no such home", field="homeId")
        _check(
            principal.tier in (Tier.RESIDENT, Tier.PROVIDER, Tier.ADMIN)
            and may_write(principal, landlord=home["landlord_id"], contractor=None, home=home_id),
            "only the home's resident or landlord may report damp and mould in it",
        )
        if home["landlord_id"] is None:
            raise InputError("the home has no landlord to report to", field="homeId")
        if principal.tier is Tier.RESIDENT and (aware_at is not None or hazard_level is not None):
            raise InputError(
                "the clock starts when you report; the landlord assesses the hazard level",
                field="awareAt" if aware_at is not None else "hazardLevel",
            )
        if aware_at is not None and aware_at > dt.datetime.now(dt.UTC):
            raise InputError("awareAt is in the future", field="awareAt")
        await _code(conn, "awaab_hazard_level", hazard_level, "hazardLevel", "hazard level")
        await _code(conn, "damp_mould_severity", severity, "severity", "severity")
        key = await repo.insert_damp_mould_case(
            conn, home["landlord_id"], home_id, hazard_level, severity, aware_at
        )
        await repo.audit(
            conn, principal, "reportDampMould", "damp_mould_case", key, home["landlord_id"], request
        )
        return Written("DampMouldCase", key)

    return await run(db, principal, "reportDampMould", idempotency_key, request, act)


async def record_inspection(
    db: Database,
    principal: Principal,
    *,
    case_id: int,
    values: dict[str, Any],
    idempotency_key: str | None,
) -> Written:
    """The landlord records an investigation's dates and findings on a case."""

    async def act(conn: Connection) -> Written:
        case = await repo.case_for_write(conn, case_id)
        if case is None:
            raise NotFoundError("no such damp and mould case", field="caseId")
        _check(
            principal.tier in (Tier.PROVIDER, Tier.ADMIN)
            and may_write(principal, landlord=case["landlord_id"], contractor=None, home=None),
            "only the case's landlord may record its investigation",
        )
        await repo.lock(conn, "damp_mould_case", case_id)
        for column, table, what in (
            ("hhsrs_category_code", "hhsrs_category", "HHSRS category"),
            ("severity_code", "damp_mould_severity", "severity"),
            ("hazard_level_code", "awaab_hazard_level", "hazard level"),
        ):
            await _code(conn, table, values.get(column), column, what)
        now = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)
        for column, value in values.items():
            if isinstance(value, dt.datetime) and not case["aware_at"] <= value <= now:
                raise InputError("must fall between awareness and now", field=column)
        await repo.record_inspection(conn, case_id, values)
        await repo.audit(
            conn,
            principal,
            "recordInspection",
            "damp_mould_case",
            case_id,
            case["landlord_id"],
            values,
        )
        return Written("DampMouldCase", case_id)

    return await run(db, principal, "recordInspection", idempotency_key, values, act)


PERCEPTION_MEASURES = tuple(f"TP{n:02d}" for n in range(1, 13))


async def submit_satisfaction(
    db: Database,
    principal: Principal,
    *,
    home_id: int,
    measure: str,
    answer: str,
    survey_date: dt.date | None,
    idempotency_key: str | None,
) -> Written:
    """A resident (or their landlord, entering a survey) answers a TSM perception question
    (TP01-TP12) about the home's landlord. Answers are not published one by one."""
    request = {"home": home_id, "measure": measure, "answer": answer, "date": survey_date}

    async def act(conn: Connection) -> Written:
        home = await repo.home_for_write(conn, home_id)
        if home is None:
            raise NotFoundError("no such home", field="homeId")
        _check(
            principal.tier in (Tier.RESIDENT, Tier.PROVIDER, Tier.ADMIN)
            and may_write(principal, landlord=home["landlord_id"], contractor=None, home=home_id),
            "only the home's resident or landlord may record its satisfaction answers",
        )
        if home["landlord_id"] is None:
            raise InputError("the home has no landlord to rate", field="homeId")
        if measure not in PERCEPTION_MEASURES:
            raise InputError("a perception measure is TP01 to TP12", field="measure")
        await _code(conn, "tsm_answer", answer, "answer", "TSM answer")
        day = survey_date or dt.datetime.now(dt.UTC).date()
        if day > dt.datetime.now(dt.UTC).date():
            raise InputError("surveyDate is in the future", field="surveyDate")
        key = await repo.insert_satisfaction(
            conn, home_id, home["landlord_id"], measure, answer, day
        )
        await repo.audit(
            conn,
            principal,
            "submitSatisfaction",
            "satisfaction_response",
            key,
            home["landlord_id"],
            {"measure": measure},
        )
        return Written("SatisfactionResponse", key)

    return await run(db, principal, "submitSatisfaction", idempotency_key, request, act)
