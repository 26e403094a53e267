"""Writes through the API: who may do what, idempotency, the audit trail.

Every operation is one call of :func:`perform` with a :class:`Rule` saying what it acts
on and who may: the record is read (not found?), the caller checked against its tier
and its ties to the record (the first wall), the record locked where it can change, the
operation's own checks and statements run, and an audit event written, all in one
transaction as the ``odx_writer`` role, where row-level security checks again (the
second wall). With an idempotency key, a retried operation returns the first result and
changes nothing; the same key with a different request is a conflict.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from odx_graph.access import Principal, Scope, Tier, may_write
from odx_graph.credentials import create_key
from odx_graph.db import Connection, Database, Record
from odx_graph.errors import ConflictError, ForbiddenError, InputError, NotFoundError
from odx_graph.repo import keys as key_repo
from odx_graph.repo import writes as repo

PENNY = Decimal("0.01")
PERCEPTION_MEASURES = tuple(f"TP{n:02d}" for n in range(1, 13))
LANDLORD = frozenset({Tier.PROVIDER, Tier.ADMIN})
LANDLORD_OR_RESIDENT = frozenset({Tier.RESIDENT, Tier.PROVIDER, Tier.ADMIN})
LANDLORD_OR_CONTRACTOR = frozenset({Tier.PROVIDER, Tier.CONTRACTOR, Tier.ADMIN})


@dataclass(frozen=True, slots=True)
class Written:
    """What an operation wrote: the record's type and key, whether this was a replay,
    and a secret shown only this once (a new resident token)."""

    type: str
    key: int
    replayed: bool = False
    secret: str | None = None


@dataclass(frozen=True, slots=True)
class Change:
    """What an operation did, for its result and its audit event."""

    type: str  # the GraphQL type of the record written
    table: str  # ... and its table, as the audit trail names it
    key: int
    landlord: int | None
    audit: dict[str, Any]
    secret: str | None = None


@dataclass(frozen=True, slots=True)
class Rule:
    """What an operation acts on and who may: one of ``tiers``, and tied to the record as
    its landlord, its assigned contractor or its home's resident (whichever of these the
    tiers include), with ``scope`` for resident tokens."""

    subject: str  # "home", "repair", "component", "damp_mould_case", "api_key"
    field: str  # the input field naming the record
    tiers: frozenset[Tier]
    refusal: str
    scope: Scope | None = None


@dataclass(frozen=True, slots=True)
class Line:
    """A Schedule of Rates line of a completion."""

    sor_code: str
    quantity: Decimal
    unit_cost: Decimal | None = None
    cost: Decimal | None = None


@dataclass(frozen=True, slots=True)
class HomeRef:
    """A home named by exactly one of its key, its UPRN or an organisation's reference."""

    id: int | None = None
    uprn: str | None = None
    reference: str | None = None
    allocated_by: int | None = None


@dataclass(frozen=True, slots=True)
class TokenPolicy:
    """How long resident tokens last: the default and the longest allowed, in days."""

    default_days: int = 90
    max_days: int = 365


Action = Callable[[Connection], Awaitable[Written]]
Act = Callable[[Connection, Record], Awaitable[Change]]
_NOUNS = {
    "home": "home",
    "repair": "repair",
    "component": "component",
    "damp_mould_case": "damp and mould case",
    "api_key": "resident token",
}


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
                    raise ConflictError(
                        "this idempotency key was used for a different request",
                        field="idempotencyKey",
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


async def perform(
    db: Database,
    principal: Principal,
    operation: str,
    rule: Rule,
    key: int | Callable[[Connection], Awaitable[int]],
    request: dict[str, Any],
    idempotency_key: str | None,
    act: Act,
) -> Written:
    """The one shape of every write: find the record ``rule`` names (by ``key``, or by a
    look-up run in the transaction), check the caller, lock it, ``act``, audit."""

    async def action(conn: Connection) -> Written:
        found = key if isinstance(key, int) else await key(conn)
        record = await _subject(conn, principal, rule, found)
        change = await act(conn, record)
        await repo.audit(
            conn, principal, operation, change.table, change.key, change.landlord, change.audit
        )
        return Written(change.type, change.key, secret=change.secret)

    return await run(db, principal, operation, idempotency_key, request, action)


async def _subject(conn: Connection, principal: Principal, rule: Rule, key: int) -> Record:
    """The record, once ``principal`` was found allowed by ``rule``; locked (and read
    again under the lock) where it can change, so checks of its state cannot be
    overtaken by another write."""
    not_found = NotFoundError(f"no such {_NOUNS[rule.subject]}", field=rule.field)
    record = await repo.read_subject(conn, rule.subject, key)
    if record is None:
        raise not_found
    allowed = principal.tier in rule.tiers and may_write(
        principal,
        landlord=record["landlord_id"],
        contractor=record["contractor_id"],
        home=record["home_id"],
    )
    if not allowed:
        raise ForbiddenError(rule.refusal)
    if rule.scope is not None and not principal.has_scope(rule.scope):
        raise ForbiddenError(f"this token does not have the {rule.scope.value!r} scope")
    if repo.lockable(rule.subject):
        record = await repo.read_subject(conn, rule.subject, key, lock=True)
        if record is None:
            raise not_found
    return record


_CODE_LISTS = {
    "priority": "priority",
    "repair_status": "repair status",
    "trade": "trade",
    "component_type": "component type",
    "condition": "condition",
    "awaab_hazard_level": "hazard level",
    "damp_mould_severity": "severity",
    "hhsrs_category": "HHSRS category",
    "tsm_answer": "TSM answer",
}


async def check_codes(conn: Connection, *checks: tuple[str, str | None, str]) -> None:
    """Each ``(code list, code, field)`` given (``None`` codes are not) must be a code of
    its list."""
    for table, code, field_name in checks:
        if code is not None and not await repo.code_exists(conn, table, code):
            raise InputError(f"unknown {_CODE_LISTS[table]} code {code!r}", field=field_name)


def _landlord_of(record: Record, field_name: str) -> int:
    landlord: int | None = record["landlord_id"]
    if landlord is None:
        raise InputError("the home has no landlord", field=field_name)
    return landlord


def _open(repair: Record) -> None:
    if not repair["is_open"]:
        raise ConflictError(f"the repair is closed ({repair['status_code']})", field="repairId")


# -- repairs ----------------------------------------------------------------------------

REPORT_REPAIR = Rule(
    "home",
    "homeId",
    LANDLORD_OR_RESIDENT,
    "only the home's resident or landlord may report a repair to it",
    Scope.REPAIRS,
)


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
        landlord = _landlord_of(home, "homeId")
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

    return await perform(
        db, principal, "reportRepair", REPORT_REPAIR, home_id, request, idempotency_key, act
    )


ASSIGN_REPAIR = Rule("repair", "repairId", LANDLORD, "only the repair's landlord may assign it")


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
        _open(repair)
        if await repo.organisation_kind(conn, contractor_id) != "contractor":
            raise InputError("not a contractor", field="contractorId")
        await check_codes(conn, ("priority", priority, "priority"))
        if target_at is not None and target_at < repair["reported_at"]:
            raise InputError("targetAt is before the repair was reported", field="targetAt")
        after = await repo.assign_repair(conn, repair_id, contractor_id, priority, target_at)
        if after["status_code"] != repair["status_code"]:
            await repo.add_status_event(conn, repair_id, after["status_code"], None)
        changes = {**request, "status": after["status_code"], "target": after["target_at"]}
        return Change("Repair", "repair", repair_id, repair["landlord_id"], changes)

    return await perform(
        db, principal, "assignRepair", ASSIGN_REPAIR, repair_id, request, idempotency_key, act
    )


UPDATE_REPAIR_STATUS = Rule(
    "repair",
    "repairId",
    LANDLORD_OR_CONTRACTOR,
    "only the repair's landlord or its assigned contractor may change its status",
)


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
        _open(repair)
        if status == repair["status_code"]:
            raise ConflictError(f"the repair is {status} already", field="status")
        await repo.set_repair_status(conn, repair_id, status)
        await repo.add_status_event(conn, repair_id, status, note)
        changes = {"from": repair["status_code"], "to": status}
        return Change("Repair", "repair", repair_id, repair["landlord_id"], changes)

    return await perform(
        db,
        principal,
        "updateRepairStatus",
        UPDATE_REPAIR_STATUS,
        repair_id,
        request,
        idempotency_key,
        act,
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


COMPLETE_REPAIR = Rule(
    "repair",
    "repairId",
    LANDLORD_OR_CONTRACTOR,
    "only the repair's landlord or its assigned contractor may complete it",
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
        _open(repair)
        when = _completion(repair, completed_at, dt.datetime.now(dt.UTC))
        priced = priced_lines(lines)
        total = repair_cost(cost, priced)
        await _known_sor_codes(conn, repair["landlord_id"], priced)
        rows = [(x.sor_code, x.quantity, x.unit_cost, x.cost) for x in priced]
        await repo.complete_repair(conn, repair_id, when, total, rows)
        await repo.add_status_event(conn, repair_id, "complete", note, when)
        changes = {**request, "cost": total, "lines": rows}
        return Change("Repair", "repair", repair_id, repair["landlord_id"], changes)

    return await perform(
        db, principal, "completeRepair", COMPLETE_REPAIR, repair_id, request, idempotency_key, act
    )


CORRECT_REPAIR = Rule(
    "repair", "repairId", LANDLORD, "only the repair's landlord may correct its completion"
)


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
        total = repair_cost(
            cost if cost is not None or lines is not None else repair["cost"], checked
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

    return await perform(
        db, principal, "correctRepair", CORRECT_REPAIR, repair_id, request, idempotency_key, act
    )


# -- components -------------------------------------------------------------------------

ADD_COMPONENT = Rule(
    "home", "homeId", LANDLORD, "only the home's landlord may record its components"
)


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

    async def act(conn: Connection, home: Record) -> Change:
        await check_codes(
            conn,
            ("component_type", component_type, "componentType"),
            ("condition", condition, "condition"),
        )
        key = await repo.insert_component(
            conn, home_id, component_type, install_date, condition, make, model
        )
        return Change("Component", "component", key, home["landlord_id"], request)

    return await perform(
        db, principal, "addComponent", ADD_COMPONENT, home_id, request, idempotency_key, act
    )


REPLACE_COMPONENT = Rule(
    "component", "componentId", LANDLORD, "only the home's landlord may replace its components"
)


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

    async def act(conn: Connection, component: Record) -> Change:
        await check_codes(conn, ("condition", condition, "condition"))
        await repo.replace_component(conn, component_id, install_date, condition, make, model)
        return Change("Component", "component", component_id, component["landlord_id"], request)

    return await perform(
        db,
        principal,
        "replaceComponent",
        REPLACE_COMPONENT,
        component_id,
        request,
        idempotency_key,
        act,
    )


# -- damp and mould ---------------------------------------------------------------------

REPORT_DAMP_MOULD = Rule(
    "home",
    "homeId",
    LANDLORD_OR_RESIDENT,
    "only the home's resident or landlord may report damp and mould in it",
    Scope.DAMP_MOULD,
)


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

    async def act(conn: Connection, home: Record) -> Change:
        landlord = _landlord_of(home, "homeId")
        if principal.tier is Tier.RESIDENT and (aware_at is not None or hazard_level is not None):
            raise InputError(
                "the clock starts when you report; the landlord assesses the hazard level",
                field="awareAt" if aware_at is not None else "hazardLevel",
            )
        if aware_at is not None and aware_at > dt.datetime.now(dt.UTC):
            raise InputError("awareAt is in the future", field="awareAt")
        await check_codes(
            conn,
            ("awaab_hazard_level", hazard_level, "hazardLevel"),
            ("damp_mould_severity", severity, "severity"),
        )
        key = await repo.insert_damp_mould_case(
            conn, landlord, home_id, hazard_level, severity, aware_at
        )
        return Change("DampMouldCase", "damp_mould_case", key, landlord, request)

    return await perform(
        db,
        principal,
        "reportDampMould",
        REPORT_DAMP_MOULD,
        home_id,
        request,
        idempotency_key,
        act,
    )


RECORD_INSPECTION = Rule(
    "damp_mould_case",
    "caseId",
    LANDLORD,
    "only the case's landlord may record its investigation",
)


async def record_inspection(
    db: Database,
    principal: Principal,
    *,
    case_id: int,
    investigation_started_at: dt.datetime | None = None,
    investigation_completed_at: dt.datetime | None = None,
    written_summary_sent_at: dt.datetime | None = None,
    made_safe_at: dt.datetime | None = None,
    hazard_level: str | None = None,
    hhsrs_category: str | None = None,
    severity: str | None = None,
    further_works_required: bool | None = None,
    idempotency_key: str | None = None,
) -> Written:
    """The landlord records an investigation's dates and findings on a case (only the
    values given are set)."""
    given = {
        "investigation_started_at": investigation_started_at,
        "investigation_completed_at": investigation_completed_at,
        "written_summary_sent_at": written_summary_sent_at,
        "made_safe_at": made_safe_at,
        "hazard_level_code": hazard_level,
        "hhsrs_category_code": hhsrs_category,
        "severity_code": severity,
        "further_works_required": further_works_required,
    }
    values = {k: v for k, v in given.items() if v is not None}

    async def act(conn: Connection, case: Record) -> Change:
        await check_codes(
            conn,
            ("hhsrs_category", hhsrs_category, "hhsrs_category_code"),
            ("damp_mould_severity", severity, "severity_code"),
            ("awaab_hazard_level", hazard_level, "hazard_level_code"),
        )
        now = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)
        for column, value in values.items():
            if isinstance(value, dt.datetime) and not case["aware_at"] <= value <= now:
                raise InputError("must fall between awareness and now", field=column)
        await repo.record_inspection(conn, case_id, values)
        return Change("DampMouldCase", "damp_mould_case", case_id, case["landlord_id"], values)

    return await perform(
        db,
        principal,
        "recordInspection",
        RECORD_INSPECTION,
        case_id,
        values,
        idempotency_key,
        act,
    )


# -- satisfaction -----------------------------------------------------------------------

SUBMIT_SATISFACTION = Rule(
    "home",
    "homeId",
    LANDLORD_OR_RESIDENT,
    "only the home's resident or landlord may record its satisfaction answers",
    Scope.SATISFACTION,
)


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

    async def act(conn: Connection, home: Record) -> Change:
        landlord = _landlord_of(home, "homeId")
        if measure not in PERCEPTION_MEASURES:
            raise InputError("a perception measure is TP01 to TP12", field="measure")
        await check_codes(conn, ("tsm_answer", answer, "answer"))
        day = survey_date or dt.datetime.now(dt.UTC).date()
        if day > dt.datetime.now(dt.UTC).date():
            raise InputError("surveyDate is in the future", field="surveyDate")
        key = await repo.insert_satisfaction(conn, home_id, landlord, measure, answer, day)
        return Change(
            "SatisfactionResponse", "satisfaction_response", key, landlord, {"measure": measure}
        )

    return await perform(
        db,
        principal,
        "submitSatisfaction",
        SUBMIT_SATISFACTION,
        home_id,
        request,
        idempotency_key,
        act,
    )


# -- resident tokens --------------------------------------------------------------------

ISSUE_RESIDENT_TOKEN = Rule(
    "home", "home", LANDLORD, "only the home's landlord may issue resident tokens for it"
)


def token_expiry(
    policy: TokenPolicy,
    now: dt.datetime,
    expires_at: dt.datetime | None,
    expires_in_days: int | None,
) -> dt.datetime:
    """When a new resident token expires: at ``expires_at``, or ``expires_in_days`` (the
    policy's default when neither is given) from ``now``; never later than the policy's
    maximum from ``now``, and never at or before ``now``."""
    if expires_at is not None and expires_in_days is not None:
        raise InputError("give expiresAt or expiresInDays, not both", field="expiresAt")
    if expires_in_days is not None and expires_in_days < 1:
        raise InputError("expiresInDays must be at least 1", field="expiresInDays")
    field_name = "expiresAt" if expires_at is not None else "expiresInDays"
    when = expires_at or now + dt.timedelta(days=expires_in_days or policy.default_days)
    if when <= now:
        raise InputError("the expiry must be in the future", field=field_name)
    if when > now + dt.timedelta(days=policy.max_days):
        raise InputError(f"a resident token lasts at most {policy.max_days} days", field=field_name)
    return when


async def issue_resident_token(
    db: Database,
    principal: Principal,
    *,
    home: HomeRef,
    name: str,
    expires_at: dt.datetime | None,
    expires_in_days: int | None,
    scopes: Sequence[str] | None,
    idempotency_key: str | None,
    policy: TokenPolicy,
) -> Written:
    """A landlord issues a token for a resident of one of its homes: the token is shown
    this once (a replay with the same idempotency key does not show it again)."""
    request = {
        "home": [home.id, home.uprn, home.reference, home.allocated_by],
        "name": name,
        "expires": expires_at,
        "days": expires_in_days,
        "scopes": None if scopes is None else sorted({Scope(s).value for s in scopes}),
    }
    when = token_expiry(policy, dt.datetime.now(dt.UTC), expires_at, expires_in_days)
    if not name.strip() or len(name) > 200:
        raise InputError("give the token a name (1 to 200 characters)", field="name")
    if scopes is not None and not scopes:
        raise InputError("give at least one scope, or none for all", field="scopes")

    async def find(conn: Connection) -> int:
        return await _home_key(conn, home)

    async def act(conn: Connection, found: Record) -> Change:
        key_id, secret = await create_key(
            conn,
            tier=Tier.RESIDENT,
            name=name,
            home_id=found["id"],
            expires_at=when,
            scopes=None if scopes is None else [Scope(s) for s in scopes],
            issued_by_key_id=principal.api_key_id,
        )
        changes = {"home": found["id"], "name": name, "expires": when, "scopes": request["scopes"]}
        return Change("ResidentToken", "api_key", key_id, found["landlord_id"], changes, secret)

    return await perform(
        db,
        principal,
        "issueResidentToken",
        ISSUE_RESIDENT_TOKEN,
        find,
        request,
        idempotency_key,
        act,
    )


async def _home_key(conn: Connection, home: HomeRef) -> int:
    given = [x for x in (home.id, home.uprn, home.reference) if x is not None]
    if len(given) != 1:
        raise InputError("give exactly one of id, uprn or reference", field="home")
    if home.id is not None:
        return home.id
    keys = await repo.home_keys(conn, home.uprn, home.reference, home.allocated_by)
    if not keys:
        raise NotFoundError("no such home", field="home")
    if len(keys) > 1:
        raise InputError(
            "several homes carry this reference; give allocatedBy",
            field="home.reference.allocatedBy",
        )
    return keys[0]


REVOKE_RESIDENT_TOKEN = Rule(
    "api_key", "tokenId", LANDLORD, "only the home's landlord may revoke its resident tokens"
)


async def revoke_resident_token(
    db: Database,
    principal: Principal,
    *,
    token_id: int,
    idempotency_key: str | None,
) -> Written:
    """A landlord revokes a resident token of one of its homes: it stops working at once,
    open subscriptions using it included."""

    async def act(conn: Connection, token: Record) -> Change:
        if token["tier"] != "resident":
            raise NotFoundError("no such resident token", field="tokenId")
        if token["revoked_at"] is not None:
            raise ConflictError("the token was revoked already", field="tokenId")
        await key_repo.revoke_key(conn, token_id)
        return Change("ResidentToken", "api_key", token_id, token["landlord_id"], {})

    return await perform(
        db,
        principal,
        "revokeResidentToken",
        REVOKE_RESIDENT_TOKEN,
        token_id,
        {"token": token_id},
        idempotency_key,
        act,
    )
