"""Plan these: a landlord turns its proactive work list, or the components the
replacement forecast has due, into planned items of one of its programmes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from odx_graph.core.access import Principal
from odx_graph.core.errors import InputError
from odx_graph.services.prediction import forecast
from odx_graph.services.prediction.features import ModelKind
from odx_graph.services.writes.operation import Change
from odx_graph.services.writes.operation import Written
from odx_graph.services.writes.operation import check_codes
from odx_graph.services.writes.operation import perform
from odx_graph.services.writes.planned_works import financial_year_end
from odx_graph.services.writes.planned_works import money
from odx_graph.store import planned_works as repo
from odx_graph.store.db import Connection
from odx_graph.store.db import Database
from odx_graph.store.db import Record

# The component type a damp and mould item of the proactive work list is planned as
# (the proactive list suggests its SOR job from the same type).
DAMP_COMPONENT_TYPE = "wall-finish"
MAX_PLANNED_AT_ONCE = 500


class PlanSource(StrEnum):
    """Where "plan these" takes its items from."""

    PROACTIVE_WORK = "proactive-work"
    REPLACEMENT_FORECAST = "replacement-forecast"


# -- plan these -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Candidate:
    """A component (or, for damp and mould, a home) to plan."""

    component_id: int | None
    home_id: int | None
    building_id: int | None
    component_type: str


async def _candidates(
    db: Database,
    conn: Connection,
    principal: Principal,
    source: PlanSource,
    landlord_id: int,
    year: int,
    component_type: str | None,
    limit: int,
) -> list[Candidate]:
    if source is PlanSource.REPLACEMENT_FORECAST:
        if component_type is None:
            raise InputError(
                "the replacement forecast is planned one component type at a time",
                field="componentType",
            )
        await check_codes(conn, ("component_type", component_type, "componentType"))
        rows = await repo.components_due_by(
            conn, landlord_id, component_type, financial_year_end(year), limit
        )
        return [
            Candidate(r["id"], r["home_id"], r["building_id"], r["component_type_code"])
            for r in rows
        ]
    items = await forecast.proactive_work(db, principal, landlord_id, forecast.MAX_WORK_ITEMS)
    components = await repo.components_by_keys(
        conn, [i.component_id for i in items if i.component_id is not None]
    )
    planned = await repo.planned_component_ids(conn, list(components))
    found: list[Candidate] = []
    for item in items:
        if item.kind is ModelKind.DAMP_MOULD:
            candidate = Candidate(None, item.home_id, None, DAMP_COMPONENT_TYPE)
        else:
            row = components.get(item.component_id or 0)
            if row is None or row["id"] in planned:
                continue
            candidate = Candidate(
                row["id"], row["home_id"], row["building_id"], row["component_type_code"]
            )
        if component_type is None or candidate.component_type == component_type:
            found.append(candidate)
    return found[:limit]


async def plan_these(
    db: Database,
    principal: Principal,
    *,
    programme_id: int,
    source: str,
    planned_date: dt.date,
    component_type: str | None = None,
    limit: int = 50,
    estimated_cost_each: Decimal | None = None,
    idempotency_key: str | None = None,
) -> Written:
    """Turn the landlord's proactive work list (its top items) or the replacement forecast
    (components of a type due by the end of the programme's year, soonest due first) into
    planned items of a programme, each planned for ``planned_date``; components already
    planned are left out. Returns the programme."""
    request = {
        "programme": programme_id,
        "source": source,
        "date": planned_date,
        "type": component_type,
        "limit": limit,
        "estimate": estimated_cost_each,
    }
    if not 1 <= limit <= MAX_PLANNED_AT_ONCE:
        raise InputError(f"limit must be from 1 to {MAX_PLANNED_AT_ONCE}", field="limit")

    async def act(conn: Connection, programme: Record) -> Change:
        landlord = programme["landlord_id"]
        money(estimated_cost_each, "estimatedCostEach")
        candidates = await _candidates(
            db,
            conn,
            principal,
            PlanSource(source),
            landlord,
            programme["financial_year"],
            component_type,
            limit,
        )
        added = []
        for c in candidates:
            place = {"home_id": c.home_id, "building_id": c.building_id}
            added.append(
                await repo.insert_planned_work(
                    conn,
                    programme_id,
                    place,
                    c.component_id,
                    c.component_type,
                    planned_date,
                    estimated_cost_each,
                    [],
                )
            )
        request["added"] = added
        return Change(
            "InvestmentProgramme", "investment_programme", programme_id, landlord, request
        )

    return await perform(db, principal, "planThese", programme_id, request, idempotency_key, act)
