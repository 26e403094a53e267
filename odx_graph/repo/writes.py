"""SQL of writes made through the API. Every function runs inside :func:`acting_as`, which
opens a transaction as the ``odx_writer`` role with the caller in ``odx.*`` settings, so
row-level security checks each write a second time."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Any

import asyncpg

from odx_graph.access import Principal
from odx_graph.db import Connection, Database, Record, translate_error
from odx_graph.errors import ForbiddenError, InputError


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


async def home_for_write(conn: Connection, home_id: int) -> Record | None:
    """A home's landlord, and whether it exists."""
    row: Record | None = await conn.fetchrow(
        "SELECT id, landlord_id FROM home WHERE id = $1", home_id
    )
    return row


# The status's openness by a subquery, not a join: locked with FOR UPDATE, a row changed by
# a concurrent write is re-read, and a join would be rechecked against the old status row
# (and find nothing) where the subquery looks at the new one.
_REPAIR_STATE = (
    "SELECT r.id, r.landlord_id, r.contractor_id, r.home_id, r.status_code, r.reported_at, "
    "(SELECT s.is_open FROM repair_status s WHERE s.code = r.status_code) AS is_open "
    "FROM repair r WHERE r.id = $1"
)


async def repair_for_write(conn: Connection, repair_id: int) -> Record | None:
    """A repair's owners and state. Read without a lock, so a caller who may not change it
    is told so rather than finding nothing; :func:`lock_repair` it once allowed."""
    row: Record | None = await conn.fetchrow(_REPAIR_STATE, repair_id)
    return row


async def lock_repair(conn: Connection, repair_id: int) -> Record | None:
    """Lock a repair for the rest of the transaction and read its state again under the
    lock (another write may have changed it since :func:`repair_for_write`)."""
    row: Record | None = await conn.fetchrow(_REPAIR_STATE + " FOR UPDATE", repair_id)
    return row


async def lock(conn: Connection, table: str, key: int) -> None:
    """Lock a row for the rest of the transaction (after the caller was allowed to)."""
    if table not in ("component", "damp_mould_case"):
        raise ValueError(table)
    await conn.execute(f"SELECT 1 FROM {table} WHERE id = $1 FOR UPDATE", key)


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
        "SELECT $1, $2, $3, p.code, 'reported', $5, $6, now(), now(), "
        "CASE WHEN p.response_hours IS NOT NULL THEN now() + make_interval(hours => "
        "p.response_hours) WHEN p.response_working_days IS NOT NULL THEN (SELECT "
        "(w.day + 1)::timestamp AT TIME ZONE 'Europe/London' FROM working_calendar w "
        "WHERE w.is_working_day AND w.working_day_number = (SELECT c.working_day_number + "
        "p.response_working_days FROM working_calendar c WHERE c.day = "
        "(now() AT TIME ZONE 'Europe/London')::date)) END "
        "FROM priority p WHERE p.code = $4 RETURNING id",
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
) -> str:
    """Assign a contractor (and optionally a priority and target); a reported repair
    becomes scheduled. Returns the new status."""
    status: str = await conn.fetchval(
        "UPDATE repair SET contractor_id = $2, priority_code = coalesce($3, priority_code), "
        "target_at = coalesce($4, target_at), status_code = CASE status_code WHEN 'reported' "
        "THEN 'scheduled' ELSE status_code END, updated_at = now() WHERE id = $1 "
        "RETURNING status_code",
        repair_id,
        contractor_id,
        priority,
        target_at,
    )
    return status


async def set_repair_status(conn: Connection, repair_id: int, status: str) -> None:
    """Change a repair's status."""
    await conn.execute(
        "UPDATE repair SET status_code = $2, updated_at = now() WHERE id = $1", repair_id, status
    )


async def complete_repair(
    conn: Connection,
    repair_id: int,
    completed_at: dt.datetime,
    cost: Decimal | None,
    lines: Sequence[tuple[str, Decimal, Decimal | None, Decimal | None]],
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
        await conn.execute("DELETE FROM repair_line WHERE repair_id = $1", repair_id)
        await conn.executemany(
            "INSERT INTO repair_line (repair_id, line_number, sor_code, quantity, unit_cost, "
            "cost) VALUES ($1, $2, $3, $4, $5, $6)",
            [(repair_id, n, *line) for n, line in enumerate(lines, start=1)],
        )


async def insert_component(
    conn: Connection,
    home_id: int,
    component_type: str,
    install_date: dt.date | None,
    condition: str | None,
    make: str | None,
    model: str | None,
) -> int:
    """A new component of a home."""
    key: int = await conn.fetchval(
        "INSERT INTO component (home_id, component_type_code, install_date, condition_code, "
        "make, model) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        home_id,
        component_type,
        install_date,
        condition,
        make,
        model,
    )
    return key


async def component_for_write(conn: Connection, component_id: int) -> Record | None:
    """A component with its home's landlord (see :func:`repair_for_write`)."""
    row: Record | None = await conn.fetchrow(
        "SELECT c.id, c.home_id, h.landlord_id FROM component c LEFT JOIN home h "
        "ON h.id = c.home_id WHERE c.id = $1",
        component_id,
    )
    return row


async def replace_component(
    conn: Connection,
    component_id: int,
    install_date: dt.date,
    condition: str | None,
    make: str | None,
    model: str | None,
) -> None:
    """Record that a component was replaced by a new one of the same type: its install
    date, condition, make and model become the new one's (its repair history stays)."""
    await conn.execute(
        "UPDATE component SET install_date = $2, condition_code = $3, make = $4, model = $5, "
        "updated_at = now() WHERE id = $1",
        component_id,
        install_date,
        condition,
        make,
        model,
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


async def case_for_write(conn: Connection, case_id: int) -> Record | None:
    """A damp and mould case's owners and dates (see :func:`repair_for_write`)."""
    row: Record | None = await conn.fetchrow(
        "SELECT id, landlord_id, home_id, aware_at FROM damp_mould_case WHERE id = $1",
        case_id,
    )
    return row


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
    db: Database, landlord_id: int | None, after: int | None, first: int
) -> list[Record]:
    """Audit events, newest first, of one landlord's records (all with ``None``)."""
    rows: list[Record] = await db.fetch(
        "SELECT id, occurred_at, tier, organisation_id, operation, subject_type, subject_id, "
        "landlord_id, changes::text AS changes FROM audit_event "
        "WHERE ($1::bigint IS NULL OR landlord_id = $1) AND ($2::bigint IS NULL OR id < $2) "
        "ORDER BY id DESC LIMIT $3",
        landlord_id,
        after,
        first,
    )
    return rows
