"""SQL of the HACT export: repairs with their home, lines, references and status history,
a batch at a time in id order."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from odx_graph.store.db import Connection
from odx_graph.store.sql import Params

# A repair's target when it has none of its own: the standard one of its priority, from
# when it was reported (calendar hours, or the start of the day after the Nth working
# day, as a repair reported through the API gets).
_PRIORITY_TARGET = (
    "CASE WHEN p.response_hours IS NOT NULL "
    "THEN r.reported_at + make_interval(hours => p.response_hours) "
    "WHEN p.response_working_days IS NOT NULL THEN (SELECT (w.day + 1)::timestamp AT TIME ZONE "
    "'Europe/London' FROM working_calendar w WHERE w.is_working_day AND w.working_day_number = "
    "(SELECT c.working_day_number + p.response_working_days FROM working_calendar c "
    "WHERE c.day = (r.reported_at AT TIME ZONE 'Europe/London')::date)) END"
)


@dataclass(frozen=True, slots=True)
class Selection:
    """Which repairs to export: a landlord's, optionally narrowed."""

    landlord_id: int | None = None
    contractor_id: int | None = None
    statuses: tuple[str, ...] = ()
    open_only: bool = False
    reported_since: dt.datetime | None = None
    postcode_prefix: str | None = None  # an area, district, sector or full postcode
    repair_ids: tuple[int, ...] = ()


@dataclass(slots=True)
class ExportedRepair:
    """One repair and what hangs off it, as the export needs it."""

    row: dict[str, Any]
    lines: list[dict[str, Any]] = field(default_factory=list)
    references: list[tuple[str, str]] = field(default_factory=list)  # (value, allocated by)
    home_references: list[tuple[str, str]] = field(default_factory=list)
    events: list[tuple[str, dt.datetime]] = field(default_factory=list)


def _where(selection: Selection, after: int) -> tuple[str, list[Any]]:
    clauses, args = ["r.id > $1"], [after]
    arg = Params(args)
    if selection.landlord_id is not None:
        clauses.append(f"r.landlord_id = {arg(selection.landlord_id)}")
    if selection.contractor_id is not None:
        clauses.append(f"r.contractor_id = {arg(selection.contractor_id)}")
    clauses += arg.any_of(("r.status_code", selection.statuses, "text"))
    if selection.open_only:
        clauses.append("s.is_open")
    if selection.reported_since is not None:
        clauses.append(f"r.reported_at >= {arg(selection.reported_since)}")
    if selection.postcode_prefix:
        clauses.append(
            f"(h.postcode = {arg(selection.postcode_prefix)} OR "
            f"h.postcode_sector = ${len(args)} OR h.postcode_district = ${len(args)} "
            f"OR h.postcode_area = ${len(args)})"
        )
    clauses += arg.any_of(("r.id", selection.repair_ids, "bigint"))
    return " AND ".join(clauses), args


async def repairs_batch(
    conn: Connection, selection: Selection, after: int, limit: int, *, private: bool
) -> list[ExportedRepair]:
    """Up to ``limit`` selected repairs with ids above ``after``, in id order; the free-text
    description only when ``private`` (the open data's reader may not read it)."""
    where, args = _where(selection, after)
    description = "r.description" if private else "NULL::text AS description"
    rows = await conn.fetch(
        f"SELECT r.id, r.home_id, r.priority_code, r.status_code, r.trade_code, {description}, "
        "r.reported_at, r.target_at, r.completed_at, o.name AS landlord, "
        f"CASE WHEN r.target_at IS NULL THEN {_PRIORITY_TARGET} END AS priority_target, "
        "h.uprn, h.address_line_1, h.address_line_2, h.town, h.postcode "
        "FROM repair r JOIN home h ON h.id = r.home_id JOIN organisation o ON o.id = r.landlord_id "
        "JOIN repair_status s ON s.code = r.status_code "
        "LEFT JOIN priority p ON p.code = r.priority_code "
        f"WHERE {where} ORDER BY r.id LIMIT {int(limit)}",
        *args,
    )
    found = {r["id"]: ExportedRepair(dict(r)) for r in rows}
    if not found:
        return []
    ids = list(found)
    homes = sorted({r["home_id"] for r in rows})
    for line in await conn.fetch(
        "SELECT l.repair_id, l.sor_code, l.quantity, c.schedules FROM repair_line l "
        "LEFT JOIN sor_code c ON c.code = l.sor_code WHERE l.repair_id = ANY($1::bigint[]) "
        "ORDER BY l.repair_id, l.line_number",
        ids,
    ):
        found[line["repair_id"]].lines.append(dict(line))
    by_home: dict[int, list[ExportedRepair]] = {}
    for repair in found.values():
        by_home.setdefault(repair.row["home_id"], []).append(repair)
    for ref in await _references(conn, ids, homes):
        if ref["subject_type"] == "repair":
            found[ref["subject_id"]].references.append((ref["value"], ref["name"]))
        else:
            for repair in by_home[ref["subject_id"]]:
                repair.home_references.append((ref["value"], ref["name"]))
    for event in await conn.fetch(
        "SELECT repair_id, status_code, occurred_at FROM repair_status_event "
        "WHERE repair_id = ANY($1::bigint[]) ORDER BY repair_id, occurred_at, id",
        ids,
    ):
        found[event["repair_id"]].events.append((event["status_code"], event["occurred_at"]))
    return list(found.values())


async def _references(conn: Connection, repairs: Sequence[int], homes: Sequence[int]) -> Any:
    """The references of the repairs and homes, the landlord's first, then by age."""
    return await conn.fetch(
        "SELECT x.subject_type, x.subject_id, x.value, o.name FROM reference x "
        "JOIN organisation o ON o.id = x.allocated_by_id "
        "WHERE (x.subject_type = 'repair' AND x.subject_id = ANY($1::bigint[])) "
        "OR (x.subject_type = 'home' AND x.subject_id = ANY($2::bigint[])) "
        "ORDER BY x.subject_type, x.subject_id, x.id",
        list(repairs),
        list(homes),
    )
