"""SQL of repairs as imports change them: their facts and how recent they are, their
status histories and the status those settle on, and updates waiting for their repair.

A repair's status is the status of its latest event: the one that occurred last, and of
those at the same moment the one at the later stage of a repair's life
(``repair_status.stage``). Events arrive in any order; the status follows the events, not
the order they came in.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from typing import Any

from odx_graph.mapping.repairs import REPAIR
from odx_graph.store.bulk import copy_rows
from odx_graph.store.db import Connection

Event = tuple[int, str, dt.datetime]  # repair id, status code, occurred at


async def own_repairs(conn: Connection, landlord_id: int, repair_ids: Sequence[int]) -> set[int]:
    """Those of the repairs given whose landlord is ``landlord_id``."""
    if not repair_ids:
        return set()
    rows = await conn.fetch(
        "SELECT id FROM repair WHERE id = ANY($1::bigint[]) AND landlord_id = $2",
        sorted(set(repair_ids)),
        landlord_id,
    )
    return {r["id"] for r in rows}


# The facts of a repair an import may state, as columns of ``repair``, in write order: the
# links it names and the Repair's imported fields (mapping).
REPAIR_FACTS = (
    "home_id",
    "component_id",
    "contractor_id",
    "priority_code",
    "trade_code",
    *(f.column for f in REPAIR.imported_fields),
)


async def repair_states(conn: Connection, repair_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """The facts, status and as-of time (``stated_at``, ``stated_stage``) of each repair."""
    if not repair_ids:
        return {}
    rows = await conn.fetch(
        f"SELECT id, landlord_id, status_code, stated_at, stated_stage, {', '.join(REPAIR_FACTS)} "
        "FROM repair WHERE id = ANY($1::bigint[])",
        sorted(set(repair_ids)),
    )
    return {r["id"]: dict(r) for r in rows}


async def repair_lines(
    conn: Connection, repair_ids: Sequence[int]
) -> dict[int, list[tuple[Any, ...]]]:
    """Existing lines of the repairs, as ``(line_number, sor_code, quantity, unit_cost,
    cost)`` in line order."""
    rows = await conn.fetch(
        "SELECT repair_id, line_number, sor_code, quantity, unit_cost, cost FROM repair_line "
        "WHERE repair_id = ANY($1::bigint[]) ORDER BY repair_id, line_number",
        list(repair_ids),
    )
    lines: dict[int, list[tuple[Any, ...]]] = {}
    for r in rows:
        lines.setdefault(r["repair_id"], []).append(tuple(r)[1:])
    return lines


async def replace_repair_lines(conn: Connection, lines: dict[int, list[tuple[Any, ...]]]) -> None:
    """Replace the lines of each repair given by the lines given."""
    if not lines:
        return
    await conn.execute("DELETE FROM repair_line WHERE repair_id = ANY($1::bigint[])", sorted(lines))
    await copy_rows(
        conn,
        "repair_line",
        ["repair_id", "line_number", "sor_code", "quantity", "unit_cost", "cost"],
        [(key, *line) for key, items in lines.items() for line in items],
    )


async def existing_events(conn: Connection, repair_ids: Sequence[int]) -> set[Event]:
    """The status events the repairs have, as ``(repair id, status, occurred at)``."""
    if not repair_ids:
        return set()
    rows = await conn.fetch(
        "SELECT repair_id, status_code, occurred_at FROM repair_status_event "
        "WHERE repair_id = ANY($1::bigint[])",
        sorted(set(repair_ids)),
    )
    return {(r["repair_id"], r["status_code"], r["occurred_at"]) for r in rows}


async def add_events(conn: Connection, events: Sequence[Event]) -> None:
    """Append status events to repairs' histories."""
    if events:
        await copy_rows(
            conn, "repair_status_event", ["repair_id", "status_code", "occurred_at"], events
        )


async def settle_statuses(
    conn: Connection, repair_ids: Sequence[int], import_id: int | None
) -> set[int]:
    """Set each repair's status to that of its latest event; returns the repairs whose
    status changed (they point at ``import_id`` when one is given). A repair without
    events keeps its status."""
    if not repair_ids:
        return set()
    rows = await conn.fetch(
        "UPDATE repair r SET status_code = latest.status_code, updated_at = now(), "
        "import_id = coalesce($2, r.import_id) FROM ("
        "SELECT DISTINCT ON (e.repair_id) e.repair_id, e.status_code "
        "FROM unnest($1::bigint[]) AS u(id) JOIN repair_status_event e ON e.repair_id = u.id "
        "JOIN repair_status s ON s.code = e.status_code "
        "ORDER BY e.repair_id, e.occurred_at DESC, s.stage DESC NULLS FIRST, e.id DESC) latest "
        "WHERE r.id = latest.repair_id AND r.status_code IS DISTINCT FROM latest.status_code "
        "RETURNING r.id",
        sorted(set(repair_ids)),
        import_id,
    )
    return {r["id"] for r in rows}


async def stages(conn: Connection) -> dict[str, int]:
    """Each repair status's stage (0 where the ontology gives none)."""
    rows = await conn.fetch("SELECT code, stage FROM repair_status")
    return {r["code"]: r["stage"] or 0 for r in rows}


# -- updates waiting for their repair ------------------------------------------------------


def _digest(message: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(message, sort_keys=True).encode()).hexdigest()


async def hold_updates(
    conn: Connection,
    organisation_id: int,
    import_id: int,
    updates: Sequence[tuple[str, str, dict[str, Any]]],
) -> set[str]:
    """Keep updates of repairs not imported yet, as ``(location, reference, message)``
    (``message`` JSON-ready); returns the locations of those not held already."""
    if not updates:
        return set()
    rows = await conn.fetch(
        "INSERT INTO pending_repair_update (organisation_id, reference, message, digest, "
        "import_id, location) SELECT $1, r, m::jsonb, d, $2, l "
        "FROM unnest($3::text[], $4::text[], $5::text[], $6::text[]) AS u(l, r, m, d) "
        "ON CONFLICT (organisation_id, reference, digest) DO NOTHING RETURNING location",
        organisation_id,
        import_id,
        [location for location, _, _ in updates],
        [reference for _, reference, _ in updates],
        [json.dumps(message, sort_keys=True) for _, _, message in updates],
        [_digest(message) for _, _, message in updates],
    )
    return {r["location"] for r in rows}


async def pending_updates(
    conn: Connection, organisation_id: int, references: Sequence[str]
) -> list[tuple[int, str, str, dict[str, Any]]]:
    """Updates held for these repair references, as ``(id, reference, where, message)``."""
    if not references:
        return []
    rows = await conn.fetch(
        "SELECT id, reference, location, import_id, message::text AS message "
        "FROM pending_repair_update WHERE organisation_id = $1 AND reference = ANY($2::text[]) "
        "ORDER BY id",
        organisation_id,
        sorted(set(references)),
    )
    return [
        (
            r["id"],
            r["reference"],
            f"{r['location']} of import {r['import_id']}",
            json.loads(r["message"]),
        )
        for r in rows
    ]


async def drop_pending(conn: Connection, ids: Sequence[int]) -> None:
    """Forget held updates once applied."""
    if ids:
        await conn.execute(
            "DELETE FROM pending_repair_update WHERE id = ANY($1::bigint[])", sorted(ids)
        )
