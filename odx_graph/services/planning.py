"""The proactive work list as a CSV file a landlord can open in a spreadsheet or give to
its planners (the command line's ``plan export``)."""

from __future__ import annotations

import csv
import io

from odx_graph.core.access import Principal
from odx_graph.core.ids import encode_global_id
from odx_graph.services.prediction.forecast import proactive_work
from odx_graph.store.db import Database

COLUMNS = (
    "rank",
    "kind",
    "home_id",
    "building_id",
    "component_id",
    "postcode",
    "probability",
    "expected_avoided_cost",
    "reason",
    "suggested_sor_code",
    "suggested_work",
)


async def proactive_work_csv(
    db: Database, principal: Principal, landlord_id: int, limit: int
) -> str:
    """The landlord's proactive work list, best first, as CSV (UTF-8 text with a header;
    global IDs, so a row can be passed to the API; the probability to 4 places, the cost
    in pounds to the penny). For the landlord's own keys and admins only."""
    items = await proactive_work(db, principal, landlord_id, limit)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for rank, item in enumerate(items, start=1):
        writer.writerow(
            (
                rank,
                item.kind.value,
                "" if item.home_id is None else encode_global_id("Home", item.home_id),
                "" if item.building_id is None else encode_global_id("Building", item.building_id),
                ""
                if item.component_id is None
                else encode_global_id("Component", item.component_id),
                item.postcode or "",
                f"{item.probability:.4f}",
                f"{item.expected_avoided_cost:.2f}",
                item.reason,
                item.suggested_sor_code or "",
                item.suggested_work,
            )
        )
    return out.getvalue()
