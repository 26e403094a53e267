"""The one shape of every write: :func:`perform`, with the operation's rule (from
:mod:`.rules`), finds the record, checks the caller (the first wall), locks it, runs the
operation and audits it, in one transaction as ``odx_writer`` (row-level security is the
second wall), once per idempotency key (:func:`run`)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from odx_graph.core.access import Principal
from odx_graph.core.access import may_write
from odx_graph.core.errors import ConflictError
from odx_graph.core.errors import ForbiddenError
from odx_graph.core.errors import InputError
from odx_graph.core.errors import NotFoundError
from odx_graph.services.writes.rules import RULES
from odx_graph.services.writes.rules import Rule
from odx_graph.store import writes as repo
from odx_graph.store.db import Connection
from odx_graph.store.db import Database
from odx_graph.store.db import Record


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


Action = Callable[[Connection], Awaitable[Written]]
Act = Callable[[Connection, Record], Awaitable[Change]]
_NOUNS = {
    "home": "home",
    "repair": "repair",
    "component": "component",
    "damp_mould_case": "damp and mould case",
    "api_key": "resident token",
    "landlord": "landlord",
    "programme": "investment programme",
    "planned_work": "planned work",
    "estate": "estate",
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
    key: int | Callable[[Connection], Awaitable[int]],
    request: dict[str, Any],
    idempotency_key: str | None,
    act: Act,
) -> Written:
    """The one shape of every write: find the record the operation's rule (in
    :data:`~.rules.RULES`) names (by ``key``, or by a look-up run in the transaction),
    check the caller, lock it, ``act``, audit."""
    rule = RULES[operation]

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
    "programme_kind": "programme kind",
}


async def check_codes(conn: Connection, *checks: tuple[str, str | None, str]) -> None:
    """Each ``(code list, code, field)`` given (``None`` codes are not) must be a code of
    its list."""
    for table, code, field_name in checks:
        if code is not None and not await repo.code_exists(conn, table, code):
            raise InputError(f"unknown {_CODE_LISTS[table]} code {code!r}", field=field_name)


def landlord_of(record: Record, field_name: str) -> int:
    landlord: int | None = record["landlord_id"]
    if landlord is None:
        raise InputError("the home has no landlord", field=field_name)
    return landlord


def still_open(repair: Record) -> None:
    if not repair["is_open"]:
        raise ConflictError(f"the repair is closed ({repair['status_code']})", field="repairId")
