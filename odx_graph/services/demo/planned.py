"""The demo's planned works: for every landlord, programmes for last, this and next
financial year, their items drawn from components whose Decent Homes lifetime ends by the
programme's year (the replacement forecast's rule) and, for damp remediation, homes with
earlier damp and mould cases. Last year's works are done with actual costs (and their
components recorded as replaced), this year's a mix, next year's planned; so investment
insight, the resident's page and the contractor's jobs have something to show."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from odx_graph.services.demo.draws import seeded_random
from odx_graph.services.writes.planned_works import financial_year_end
from odx_graph.services.writes.planned_works import financial_year_of
from odx_graph.store import planned_works as repo
from odx_graph.store.db import Connection

# (programme kind, component type, typical cost in GBP) of the component programmes.
PROGRAMMES = (
    ("kitchens", "kitchen", 5500),
    ("bathrooms", "bathroom", 4500),
    ("roofs", "roof-finish", 7000),
    ("heating", "gas-boiler", 3200),
    ("windows", "windows", 4800),
)
DAMP = ("damp-remediation", "wall-finish", 2500)
# One item per this many of a landlord's homes, per programme (at least 2).
HOMES_PER_ITEM = 100


def _label(year: int) -> str:
    return f"{year}/{(year + 1) % 100:02d}"


async def plan_demo_works(conn: Connection, seed: int, as_of: dt.date) -> int:
    """Write the demo's programmes and planned works; returns how many works."""
    this_year = financial_year_of(as_of)
    written = 0
    for landlord in await repo.landlords_with_homes(conn):
        landlord_id = int(landlord["landlord_id"])
        rng = seeded_random(f"{seed}:planned-works:{landlord_id}")
        limit = max(2, int(landlord["homes"]) // HOMES_PER_ITEM)
        for year in (this_year - 1, this_year, this_year + 1):
            for kind, component_type, cost in PROGRAMMES:
                rows = await repo.components_due_by(
                    conn, landlord_id, component_type, financial_year_end(year), limit
                )
                if not rows:
                    continue
                programme = await repo.insert_programme(
                    conn,
                    landlord_id,
                    f"{kind.title()} {_label(year)}",
                    year,
                    kind,
                    Decimal(cost * len(rows) * 11 // 10),
                )
                for row in rows:
                    place = {"home_id": row["home_id"], "building_id": row["building_id"]}
                    await _work(
                        conn,
                        rng,
                        programme,
                        place,
                        row["id"],
                        component_type,
                        cost,
                        year,
                        this_year,
                        as_of,
                    )
                    written += 1
        # Damp remediation last year at the homes with most earlier cases.
        kind, component_type, cost = DAMP
        start = dt.date(this_year - 1, 4, 1)
        homes = await repo.homes_with_damp_cases(conn, landlord_id, start, limit)
        if homes:
            programme = await repo.insert_programme(
                conn,
                landlord_id,
                f"Damp remediation {_label(this_year - 1)}",
                this_year - 1,
                kind,
                Decimal(cost * len(homes)),
            )
            for home in homes:
                place = {"home_id": home, "building_id": None}
                await _work(
                    conn,
                    rng,
                    programme,
                    place,
                    None,
                    component_type,
                    cost,
                    this_year - 1,
                    this_year,
                    as_of,
                )
                written += 1
    return written


async def _work(
    conn: Connection,
    rng: random.Random,
    programme: int,
    place: dict[str, int | None],
    component: int | None,
    component_type: str,
    cost: int,
    year: int,
    this_year: int,
    as_of: dt.date,
) -> None:
    """One item: planned in its year, done (last year, or this year's first half so
    far) with an actual cost near the estimate, or in progress, or planned."""
    start = dt.date(year, 4, 1)
    planned = start + dt.timedelta(days=rng.randrange(365))
    estimate = Decimal(round(cost * rng.uniform(0.8, 1.2)))
    key = await repo.insert_planned_work(
        conn, programme, place, component, component_type, planned, estimate, []
    )
    done_by: dt.date | None = None
    actual: Decimal | None = None
    if year < this_year or (planned < as_of and rng.random() < 0.6):
        status, done_by = "done", min(planned, as_of - dt.timedelta(days=1))
        actual = (estimate * Decimal(str(round(rng.uniform(0.85, 1.25), 2)))).quantize(
            Decimal("1.00")
        )
    elif year == this_year and rng.random() < 0.3:
        status = "in-progress"
    else:
        return  # still planned
    await repo.update_planned_work(
        conn,
        key,
        planned_date=planned,
        estimated_cost=estimate,
        actual_cost=actual,
        status=status,
        completed_on=done_by,
        replaces=[],
    )
    if done_by is not None and component is not None:
        await repo.mark_component_replaced(conn, component, done_by)
