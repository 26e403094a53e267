"""GraphQL for planned works beyond the mapping: ``Repair.plannedReplacement``, the
planned item a repair's component is due for (docs/insight.md states the rule)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from typing import Optional

import strawberry
from strawberry.types import Info

from odx_graph.api.context import Context
from odx_graph.core.ids import encode_global_id
from odx_graph.store import planned_works as store


@strawberry.type(
    description="A planned replacement a repair's component is due for: repairing it may be "
    "money spent twice, so the landlord may bring the replacement forward instead."
)
class PlannedReplacement:
    """The planned item, in short."""

    planned_work_id: strawberry.ID = strawberry.field(
        description="The PlannedWork's global ID (read it with `node`)."
    )
    planned_date: dt.date = strawberry.field(description="The day it is planned by.")
    financial_year: int = strawberry.field(
        description="Its programme's financial year, as the year it starts (2027: 2027/28)."
    )
    status: str = strawberry.field(description="Its status code: planned or in-progress.")
    component_type: str = strawberry.field(description="Its component type code.")
    component_type_label: str = strawberry.field(description="Its component type, in words.")
    programme_name: str = strawberry.field(description="Its programme's name.")


async def planned_replacement(root: Any, info: Info[Context, None]) -> Optional[PlannedReplacement]:
    """The planned replacement this repair's component is due for, when there is one: a
    planned item of the component itself (or of its type in the same home or building),
    not cancelled, not done by the day the repair was reported, and planned on or before
    that day plus the server's window (ODX_PLANNED_REPLACEMENT_MONTHS, 12 by default).
    Planned works are open data, so everyone sees this."""
    context = info.context

    async def load(keys: list[int]) -> list[Any]:
        found = await store.due_for_repairs(context.db, keys)
        return [found.get(k) for k in keys]

    row = await context.loaders.batched(("planned-replacement",), load).load(int(root["_key"]))
    if row is None:
        return None
    return PlannedReplacement(
        planned_work_id=strawberry.ID(encode_global_id("PlannedWork", row["id"])),
        planned_date=row["planned_date"],
        financial_year=row["financial_year"],
        status=row["status_code"],
        component_type=row["component_type_code"],
        component_type_label=row["component_type_label"],
        programme_name=row["programme_name"],
    )


EXTRA_FIELDS: dict[str, dict[str, tuple[Any, Any]]] = {
    "Repair": {"plannedReplacement": (planned_replacement, Optional[PlannedReplacement])},
}
