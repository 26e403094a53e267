"""A second provider's view of some demo homes, brought in through the real importer.

A fictional borough council sends a stock extract naming one home in fifty by UPRN, with
its own references and, for some homes, a year built that differs from the landlord's.
Imported as an ordinary CSV, it shows what integrators see: one home per UPRN with both
organisations' references, the disagreement kept as assertions with their provenance, and
the import recorded as a PROV activity.
"""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING

from odx_graph.services.importing.service import ImportReport
from odx_graph.services.importing.service import run_import_on
from odx_graph.store import imports as repo

if TYPE_CHECKING:
    from odx_graph.store.db import Connection

COUNCIL = "Harrowfield Borough Council"  # invented, like every demo organisation
FILE_NAME = "harrowfield-council-stock-extract.csv"
EVERY = 50


async def import_council_extract(conn: Connection) -> ImportReport | None:
    """Import the council's extract; ``None`` when no demo home has a UPRN."""
    homes = await repo.homes_with_uprn(conn, every=EVERY)
    if not homes:
        return None
    council = await repo.create_organisation(conn, COUNCIL, "local-authority", None)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["home_ref", "uprn", "address_line_1", "postcode", "year_built", "bedrooms"])
    for n, home in enumerate(homes):
        year = home.year_built
        if year is not None and n % 3 == 0:
            year -= 2 + n % 5  # the council's records disagree on some build years
        writer.writerow(
            [
                f"HBC-{home.id:06d}",
                home.uprn,
                home.address_line_1,
                home.postcode,
                year,
                home.bedrooms,
            ]
        )
    return await run_import_on(
        conn,
        out.getvalue().encode(),
        fmt="homes",
        file_name=FILE_NAME,
        organisation=str(council),
    )
