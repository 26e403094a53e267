"""Writing the ``tsm-returns`` template: a landlord's aggregate survey counts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from odx_graph.services.importing.records import TsmReturnRecord
from odx_graph.store import estates
from odx_graph.store import satisfaction

if TYPE_CHECKING:
    from odx_graph.services.importing.writer import Writer


async def tsm_returns(w: Writer, records: list[TsmReturnRecord]) -> None:
    """The counts of the importer's returns (landlords only), for it or its estates."""
    records = w.landlord_only(records, "Tenant Satisfaction Measures returns")
    if not records:
        return
    named = sorted({r.estate_reference for r in records if r.estate_reference})
    found = await estates.estates_by_reference(w.conn, w.org.id, named)
    kept = []
    for r in records:
        if r.estate_reference and r.estate_reference not in found:
            w.problem(
                r.location,
                "estate_ref",
                r.estate_reference,
                "no estate of yours has this reference (import it with the estates template)",
            )
        else:
            kept.append(r)
    rows = [
        (
            found[r.estate_reference] if r.estate_reference else None,
            r.financial_year,
            r.measure,
            r.answer,
            r.respondents,
        )
        for r in kept
    ]
    fates = await satisfaction.write_returns(w.conn, w.org.id, rows, w.import_id)
    for r, fate in zip(kept, fates, strict=True):
        w.outcome.mark(r.location, fate)
