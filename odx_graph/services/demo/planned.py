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
from typing import NamedTuple

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


class Place(NamedTuple):
    """Where an item is: a component at a home or in a building, or a home."""

    home_id: int | None
    building_id: int | None
    component_id: int | None


def _label(year: int) -> str:
    return f"{year}/{(year + 1) % 100:02d}"


async def plan_demo_works(conn: Connection, seed: int, as_of: dt.date) -> int:
    """Write the demo's programmes and planned works; returns how many works.

    Every landlord's items are drawn from its own seeded generator, a year at a time
    (last, this, next), programme by programme, then the damp remediation: written in a
    few statements a year for all landlords at once, whatever the number of homes."""
    this_year = financial_year_of(as_of)
    landlords = await repo.landlords_with_homes(conn)
    limits = {int(r["landlord_id"]): max(2, int(r["homes"]) // HOMES_PER_ITEM) for r in landlords}
    rngs = {key: seeded_random(f"{seed}:planned-works:{key}") for key in limits}
    written = 0
    for year in (this_year - 1, this_year, this_year + 1):
        rows = await repo.components_due_for_landlords(
            conn, limits, [p[1] for p in PROGRAMMES], financial_year_end(year)
        )
        due: dict[tuple[int, str], list[Place]] = {}
        for row in rows:
            place = Place(row["home_id"], row["building_id"], row["id"])
            due.setdefault((row["landlord_id"], row["component_type_code"]), []).append(place)
        drawn = [
            (landlord, kind, component_type, cost, due[landlord, component_type])
            for landlord in limits
            for kind, component_type, cost in PROGRAMMES
            if (landlord, component_type) in due
        ]
        written += await _write_year(conn, rngs, drawn, year, this_year, as_of)
    # Damp remediation last year at the homes with most earlier cases.
    kind, component_type, cost = DAMP
    homes = await repo.homes_with_most_damp_cases(conn, limits, dt.date(this_year - 1, 4, 1))
    places: dict[int, list[Place]] = {}
    for home in homes:
        places.setdefault(home["landlord_id"], []).append(Place(home["home_id"], None, None))
    drawn = [(key, kind, component_type, cost, places[key]) for key in limits if key in places]
    written += await _write_year(conn, rngs, drawn, this_year - 1, this_year, as_of)
    return written


async def _write_year(
    conn: Connection,
    rngs: dict[int, random.Random],
    drawn: list[tuple[int, str, str, int, list[Place]]],
    year: int,
    this_year: int,
    as_of: dt.date,
) -> int:
    """Write a year's programmes, each (landlord, kind, component type, typical cost, the
    places of its items), their items, and the components they replaced."""
    programmes = [
        (
            landlord,
            f"{'Damp remediation' if kind == DAMP[0] else kind.title()} {_label(year)}",
            year,
            kind,
            Decimal(cost * len(places) if kind == DAMP[0] else cost * len(places) * 11 // 10),
        )
        for landlord, kind, _, cost, places in drawn
    ]
    if not programmes:
        return 0
    keys = await repo.insert_programmes(conn, programmes)
    works: list[repo.NewWork] = []
    replaced: list[tuple[int, dt.date]] = []
    for (landlord, _, component_type, cost, places), programme in zip(
        drawn, programmes, strict=True
    ):
        rng = rngs[landlord]
        for place in places:
            work = _work(
                rng,
                keys[landlord, year, programme[1]],
                place,
                component_type,
                cost,
                year,
                this_year,
                as_of,
            )
            works.append(work)
            if work.completed_on is not None and place.component_id is not None:
                replaced.append((place.component_id, work.completed_on))
    await repo.insert_planned_works(conn, works)
    await repo.mark_components_replaced(conn, replaced)
    return len(works)


def _work(
    rng: random.Random,
    programme: int,
    place: Place,
    component_type: str,
    cost: int,
    year: int,
    this_year: int,
    as_of: dt.date,
) -> repo.NewWork:
    """One item: planned in its year, done (last year, or this year's first half so
    far) with an actual cost near the estimate, or in progress, or planned."""
    start = dt.date(year, 4, 1)
    planned = start + dt.timedelta(days=rng.randrange(365))
    estimate = Decimal(round(cost * rng.uniform(0.8, 1.2)))
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
        status = "planned"
    return repo.NewWork(
        programme,
        place.home_id,
        place.building_id,
        place.component_id,
        component_type,
        planned,
        estimate,
        actual,
        status,
        done_by,
    )
