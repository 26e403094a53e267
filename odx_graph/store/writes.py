"""SQL of writes made through the API. Every function runs inside :func:`acting_as`, which
opens a transaction as the ``odx_writer`` role with the caller in ``odx.*`` settings, so
row-level security checks each write a second time."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator
from collections.abc import Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import asyncpg

from odx_graph.core.access import Principal
from odx_graph.core.errors import ErrorCode
from odx_graph.core.errors import ForbiddenError
from odx_graph.core.errors import InputError
from odx_graph.store.db import Connection
from odx_graph.store.db import Database
from odx_graph.store.db import Record
from odx_graph.store.db import translate_error


@asynccontextmanager
async def acting_as(db: Database, principal: Principal) -> AsyncIterator[Connection]:
    """A connection in a transaction running as ``odx_writer`` for ``principal``."""
    async with db.connection() as conn:
        try:
            async with conn.transaction():
                await conn.execute("SET LOCAL ROLE odx_writer")
                await conn.execute(
                    "SELECT set_config('odx.tier', $1, true), "
                    "set_config('odx.organisation', $2, true), set_config('odx.home', $3, true)",
                    principal.tier.value,
                    str(principal.organisation_id or ""),
                    str(principal.home_id or ""),
                )
                yield conn
        except asyncpg.InsufficientPrivilegeError as exc:
            # Row-level security refused what the rules above it let through.
            raise ForbiddenError("you may not change this record") from exc
        except asyncpg.IntegrityConstraintViolationError as exc:
            raise InputError(
                f"the change breaks a rule of the data ({exc.constraint_name or 'constraint'})"
            ) from exc
        except asyncpg.PostgresError as exc:
            raise translate_error(exc) from exc


async def claim_idempotency_key(
    conn: Connection, api_key_id: int, key: str, operation: str, request_hash: str
) -> Record | None:
    """Claim ``key`` for this request; returns the earlier request's row when the key was
    used already (waiting for a concurrent one with the same key to finish)."""
    inserted = await conn.fetchval(
        "INSERT INTO idempotency_key (api_key_id, key, operation, request_hash, result) "
        "VALUES ($1, $2, $3, $4, 'null') ON CONFLICT DO NOTHING RETURNING true",
        api_key_id,
        key,
        operation,
        request_hash,
    )
    if inserted:
        return None
    row: Record | None = await conn.fetchrow(
        "SELECT operation, request_hash, result FROM idempotency_key "
        "WHERE api_key_id = $1 AND key = $2",
        api_key_id,
        key,
    )
    return row


async def store_idempotent_result(
    conn: Connection, api_key_id: int, key: str, result: dict[str, Any]
) -> None:
    """Keep the result a retry with the same key will get."""
    await conn.execute(
        "UPDATE idempotency_key SET result = $3::jsonb WHERE api_key_id = $1 AND key = $2",
        api_key_id,
        key,
        json.dumps(result),
    )


async def audit(
    conn: Connection,
    principal: Principal,
    operation: str,
    subject_type: str,
    subject_id: int,
    landlord_id: int | None,
    changes: dict[str, Any],
) -> None:
    """Record who changed what, when."""
    await conn.execute(
        "INSERT INTO audit_event (api_key_id, tier, organisation_id, operation, subject_type, "
        "subject_id, landlord_id, changes) VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb)",
        principal.api_key_id,
        principal.tier.value,
        principal.organisation_id,
        operation,
        subject_type,
        subject_id,
        landlord_id,
        json.dumps(changes, default=str),
    )


# What a write acts on, read with the ties that decide who may change it: its landlord, the
# contractor assigned to it and the home it is about. A repair's openness is read by a
# subquery, not a join: locked with FOR UPDATE, a row changed by a concurrent write is
# re-read, and a join would be rechecked against the old status row (and find nothing)
# where the subquery looks at the new one.
_SUBJECTS = {
    "home": "SELECT h.id, h.landlord_id, NULL::bigint AS contractor_id, h.id AS home_id "
    "FROM home h WHERE h.id = $1",
    "repair": "SELECT r.id, r.landlord_id, r.contractor_id, r.home_id, r.status_code, "
    "r.priority_code, r.reported_at, r.completed_at, r.cost, "
    "(SELECT s.is_open FROM repair_status s WHERE s.code = r.status_code) AS is_open "
    "FROM repair r WHERE r.id = $1",
    "component": "SELECT c.id, h.landlord_id, NULL::bigint AS contractor_id, c.home_id "
    "FROM component c LEFT JOIN home h ON h.id = c.home_id WHERE c.id = $1",
    "damp_mould_case": "SELECT d.id, d.landlord_id, NULL::bigint AS contractor_id, d.home_id, "
    "d.aware_at FROM damp_mould_case d WHERE d.id = $1",
    "api_key": "SELECT k.id, h.landlord_id, NULL::bigint AS contractor_id, k.home_id, k.tier, "
    "k.revoked_at FROM api_key k LEFT JOIN home h ON h.id = k.home_id WHERE k.id = $1",
    "landlord": "SELECT o.id, o.id AS landlord_id, NULL::bigint AS contractor_id, "
    "NULL::bigint AS home_id FROM organisation o "
    "WHERE o.id = $1 AND 'landlord' = ANY (o.role_codes)",
    "estate": "SELECT e.id, e.landlord_id, NULL::bigint AS contractor_id, NULL::bigint AS home_id "
    "FROM estate e WHERE e.id = $1",
    "programme": "SELECT p.id, p.landlord_id, NULL::bigint AS contractor_id, "
    "NULL::bigint AS home_id, p.financial_year FROM investment_programme p WHERE p.id = $1",
    "planned_work": "SELECT w.id, w.landlord_id, NULL::bigint AS contractor_id, "
    "NULL::bigint AS home_id, w.programme_id, w.home_id AS place_home_id, w.building_id, "
    "w.component_id, w.planned_date, w.estimated_cost, w.actual_cost, w.status_code, "
    "w.completed_on, w.replaces_repair_ids FROM planned_work w WHERE w.id = $1",
}
# Homes are only read by writes (nothing changes them through the API), so never locked.
_LOCKABLE = {
    "repair": "r",
    "component": "c",
    "damp_mould_case": "d",
    "api_key": "k",
    "estate": "e",
    "programme": "p",
    "planned_work": "w",
}


async def read_subject(
    conn: Connection, subject: str, key: int, *, lock: bool = False
) -> Record | None:
    """The record a write acts on (see ``_SUBJECTS``), or None. Read first without a lock,
    so a caller who may not change it is told so rather than kept waiting; read again with
    ``lock`` once allowed, to lock it for the rest of the transaction and see its state as
    another write may have left it."""
    sql = _SUBJECTS[subject]
    if lock:
        sql += f" FOR UPDATE OF {_LOCKABLE[subject]}"
    row: Record | None = await conn.fetchrow(sql, key)
    return row


def lockable(subject: str) -> bool:
    """Whether :func:`read_subject` can lock records of ``subject``."""
    return subject in _LOCKABLE


async def code_exists(conn: Connection, table: str, code: str) -> bool:
    """Whether ``code`` is in the code list held in ``table`` (a name from code)."""
    allowed = {
        "priority",
        "repair_status",
        "trade",
        "component_type",
        "condition",
        "awaab_hazard_level",
        "damp_mould_severity",
        "hhsrs_category",
        "tsm_measure",
        "tsm_answer",
        "programme_kind",
    }
    if table not in allowed:
        raise ValueError(table)
    return bool(await conn.fetchval(f"SELECT EXISTS (SELECT 1 FROM {table} WHERE code = $1)", code))


async def unknown_sor_codes(conn: Connection, landlord_id: int, codes: Sequence[str]) -> list[str]:
    """The codes that are neither NHF SOR v7 codes nor the landlord's own."""
    rows = await conn.fetch(
        "SELECT c FROM unnest($1::text[]) AS u(c) WHERE NOT EXISTS "
        "(SELECT 1 FROM sor_code s WHERE s.code = c) AND NOT EXISTS "
        "(SELECT 1 FROM custom_sor_code k WHERE k.organisation_id = $2 AND k.code = c)",
        list(codes),
        landlord_id,
    )
    return [r["c"] for r in rows]


async def home_keys(
    conn: Connection, uprn: str | None, reference: str | None, allocated_by: int | None
) -> list[int]:
    """Keys of the homes with this UPRN, or carrying this reference (from one allocator,
    or any); at most two, enough to tell one from several."""
    if uprn is not None:
        text = uprn.strip()
        if not text.isdigit() or not 1 <= len(text) <= 12 or int(text) == 0:
            raise InputError(
                f"{uprn!r} is not a UPRN (1 to 12 digits)",
                field="home.uprn",
                code=ErrorCode.INVALID_UPRN,
            )
        rows = await conn.fetch("SELECT id FROM home WHERE uprn = $1 LIMIT 2", int(text))
    else:
        rows = await conn.fetch(
            "SELECT DISTINCT subject_id AS id FROM reference WHERE subject_type = 'home' "
            "AND value = $1 AND ($2::bigint IS NULL OR allocated_by_id = $2) ORDER BY 1 LIMIT 2",
            reference,
            allocated_by,
        )
    return [int(r["id"]) for r in rows]


async def organisation_roles(conn: Connection, organisation_id: int) -> list[str]:
    """The roles an organisation plays (none when it does not exist)."""
    roles: list[str] | None = await conn.fetchval(
        "SELECT role_codes FROM organisation WHERE id = $1", organisation_id
    )
    return roles or []


async def insert_repair(
    conn: Connection,
    *,
    landlord_id: int,
    home_id: int,
    component_id: int | None,
    priority: str,
    trade: str | None,
    description: str | None,
) -> int:
    """A newly reported repair, with its target from the priority's timescale and its
    first status event."""
    key: int = await conn.fetchval(
        "INSERT INTO repair (landlord_id, home_id, component_id, priority_code, status_code, "
        "trade_code, description, reported_at, raised_at, target_at) "
        "VALUES ($1, $2, $3, $4, 'reported', $5, $6, now(), now(), repair_target($4, now())) "
        "RETURNING id",
        landlord_id,
        home_id,
        component_id,
        priority,
        trade,
        description,
    )
    await add_status_event(conn, key, "reported", None)
    return key


async def add_status_event(
    conn: Connection, repair_id: int, status: str, note: str | None, at: dt.datetime | None = None
) -> None:
    """Append a status change to a repair's history."""
    await conn.execute(
        "INSERT INTO repair_status_event (repair_id, status_code, occurred_at, note) "
        "VALUES ($1, $2, coalesce($3, now()), $4)",
        repair_id,
        status,
        at,
        note,
    )


async def assign_repair(
    conn: Connection,
    repair_id: int,
    contractor_id: int,
    priority: str | None,
    target_at: dt.datetime | None,
) -> Record:
    """Assign a contractor (and optionally a priority and target); a reported repair
    becomes scheduled. A new priority without a target sets the target from the new
    priority's timescale, counted from when the repair was reported. Returns the new
    status and target."""
    row: Record = await conn.fetchrow(
        "UPDATE repair SET contractor_id = $2, priority_code = coalesce($3, priority_code), "
        "target_at = CASE WHEN $4::timestamptz IS NOT NULL THEN $4 "
        "WHEN $3::text IS NOT NULL AND $3 <> priority_code THEN repair_target($3, reported_at) "
        "ELSE target_at END, "
        "status_code = CASE status_code WHEN 'reported' THEN 'scheduled' ELSE status_code END, "
        "updated_at = now() WHERE id = $1 RETURNING status_code, target_at",
        repair_id,
        contractor_id,
        priority,
        target_at,
    )
    return row


async def set_repair_status(conn: Connection, repair_id: int, status: str) -> None:
    """Change a repair's status."""
    await conn.execute(
        "UPDATE repair SET status_code = $2, updated_at = now() WHERE id = $1", repair_id, status
    )


Line = tuple[str, Decimal, Decimal | None, Decimal | None]


async def complete_repair(
    conn: Connection,
    repair_id: int,
    completed_at: dt.datetime,
    cost: Decimal | None,
    lines: Sequence[Line],
) -> None:
    """Mark a repair complete, with its lines (replacing any) and cost."""
    await conn.execute(
        "UPDATE repair SET status_code = 'complete', completed_at = $2, cost = $3, "
        "updated_at = now() WHERE id = $1",
        repair_id,
        completed_at,
        cost,
    )
    if lines:
        await replace_lines(conn, repair_id, lines)


async def replace_lines(conn: Connection, repair_id: int, lines: Sequence[Line]) -> None:
    """Replace a repair's Schedule of Rates lines."""
    await conn.execute("DELETE FROM repair_line WHERE repair_id = $1", repair_id)
    await conn.executemany(
        "INSERT INTO repair_line (repair_id, line_number, sor_code, quantity, unit_cost, "
        "cost) VALUES ($1, $2, $3, $4, $5, $6)",
        [(repair_id, n, *line) for n, line in enumerate(lines, start=1)],
    )


async def repair_lines(conn: Connection, repair_id: int) -> list[Line]:
    """A repair's lines as they stand, in order."""
    rows = await conn.fetch(
        "SELECT sor_code, quantity, unit_cost, cost FROM repair_line WHERE repair_id = $1 "
        "ORDER BY line_number",
        repair_id,
    )
    return [(r["sor_code"], r["quantity"], r["unit_cost"], r["cost"]) for r in rows]


async def correct_completion(
    conn: Connection, repair_id: int, completed_at: dt.datetime, cost: Decimal | None
) -> None:
    """Set a completed repair's completion time and cost to corrected values."""
    await conn.execute(
        "UPDATE repair SET completed_at = $2, cost = $3, updated_at = now() WHERE id = $1",
        repair_id,
        completed_at,
        cost,
    )


@dataclass(frozen=True, slots=True)
class ComponentFacts:
    """What is recorded of a component as installed; a replacement by a new one of its
    type gives it new ones (its type and repair history stay)."""

    install_date: dt.date | None
    condition: str | None
    make: str | None
    model: str | None


async def insert_component(
    conn: Connection, home_id: int, component_type: str, facts: ComponentFacts
) -> int:
    """A new component of a home."""
    key: int = await conn.fetchval(
        "INSERT INTO component (home_id, component_type_code, install_date, condition_code, "
        "make, model) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        home_id,
        component_type,
        facts.install_date,
        facts.condition,
        facts.make,
        facts.model,
    )
    return key


async def replace_component(conn: Connection, component_id: int, facts: ComponentFacts) -> None:
    """Record that a component was replaced by a new one of the same type: its facts
    become the new one's (its repair history stays)."""
    await conn.execute(
        "UPDATE component SET install_date = $2, condition_code = $3, make = $4, model = $5, "
        "updated_at = now() WHERE id = $1",
        component_id,
        facts.install_date,
        facts.condition,
        facts.make,
        facts.model,
    )


async def insert_damp_mould_case(
    conn: Connection,
    landlord_id: int,
    home_id: int,
    hazard_level: str | None,
    severity: str | None,
    aware_at: dt.datetime | None,
) -> int:
    """A new damp and mould case; its Awaab's Law clocks start at ``aware_at`` (now)."""
    key: int = await conn.fetchval(
        "INSERT INTO damp_mould_case (landlord_id, home_id, hazard_level_code, severity_code, "
        "aware_at) VALUES ($1, $2, $3, $4, coalesce($5, now())) RETURNING id",
        landlord_id,
        home_id,
        hazard_level,
        severity,
        aware_at,
    )
    return key


async def record_inspection(conn: Connection, case_id: int, values: dict[str, Any]) -> None:
    """Set the investigation's facts on a case (only the columns given)."""
    allowed = (
        "investigation_started_at",
        "investigation_completed_at",
        "written_summary_sent_at",
        "made_safe_at",
        "hhsrs_category_code",
        "severity_code",
        "hazard_level_code",
        "further_works_required",
    )
    columns = [c for c in allowed if c in values]
    if not columns:
        return
    assignments = ", ".join(f"{c} = ${n}" for n, c in enumerate(columns, start=2))
    await conn.execute(
        f"UPDATE damp_mould_case SET {assignments}, updated_at = now() WHERE id = $1",
        case_id,
        *(values[c] for c in columns),
    )


async def insert_satisfaction(
    conn: Connection,
    home_id: int,
    landlord_id: int,
    measure: str,
    answer: str,
    survey_date: dt.date,
) -> int:
    """Record one answer to one TSM perception question about a home's landlord."""
    key: int = await conn.fetchval(
        "INSERT INTO satisfaction_response (home_id, landlord_id, measure_code, answer_code, "
        "survey_date) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        home_id,
        landlord_id,
        measure,
        answer,
        survey_date,
    )
    return key


async def audit_events(
    db: Database,
    landlord_id: int | None,
    after: int | None,
    before: int | None,
    limit: int,
    backward: bool = False,
) -> list[Record]:
    """Audit events of one landlord's records (all with ``None``), newest first: up to
    ``limit`` older than ``after`` or, ``backward``, the ``limit`` just newer than
    ``before``."""
    rows: list[Record] = await db.fetch(
        "SELECT * FROM (SELECT id, occurred_at, tier, organisation_id, operation, "
        "subject_type, subject_id, landlord_id, changes::text AS changes FROM audit_event "
        "WHERE ($1::bigint IS NULL OR landlord_id = $1) AND ($2::bigint IS NULL OR id < $2) "
        "AND ($3::bigint IS NULL OR id > $3) "
        "ORDER BY CASE WHEN $5 THEN id END ASC, id DESC LIMIT $4) e ORDER BY id DESC",
        landlord_id,
        after,
        before,
        limit,
        backward,
    )
    return rows


async def count_audit_events(db: Database, landlord_id: int | None) -> int:
    """How many audit events one landlord's records have (all with ``None``)."""
    return int(
        await db.fetchval(
            "SELECT count(*) FROM audit_event WHERE ($1::bigint IS NULL OR landlord_id = $1)",
            landlord_id,
        )
    )
