"""Writing the ``estates`` template: each estate's rows become its whole membership."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from odx_graph.services.importing.records import EstateMemberRecord
from odx_graph.store import estates as repo
from odx_graph.store import imports

if TYPE_CHECKING:
    from odx_graph.services.importing.writer import Writer


async def estates(w: Writer, records: list[EstateMemberRecord]) -> None:
    """Create or update the importer's estates (landlords only), one per estate_ref."""
    records = w.landlord_only(records, "estates")
    if not records:
        return
    landlord = w.org.id
    homes = await w.resolve_homes([(r.location, r.home) for r in records if r.home is not None])
    owners = await imports.home_landlords(w.conn, homes.values())
    buildings = await repo.buildings_by_uprn(
        w.conn, [r.building_uprn for r in records if r.building_uprn is not None]
    )
    groups: dict[str, list[EstateMemberRecord]] = defaultdict(list)
    for r in records:
        groups[r.reference].append(r)
    known = await repo.estates_by_reference(w.conn, landlord, list(groups))
    failed = {p.record for p in w.outcome.problems}
    for reference, rows in groups.items():
        first = rows[0]
        bad = False
        for r in rows:
            if r.name != first.name:
                w.problem(
                    r.location,
                    "estate_name",
                    r.name,
                    f"the estate {reference!r} is named {first.name!r} on {first.location}",
                )
                bad = True
            if r.home is not None and r.location in homes:
                if owners.get(homes[r.location]) != landlord:
                    w.problem(r.location, "home", r.home.reference or r.home.uprn, "not your home")
                    bad = True
            elif r.home is not None or r.location in failed:
                bad = True  # no such home: already a problem
            if r.building_uprn is not None:
                found = buildings.get(r.building_uprn)
                if found is None or found[1] != landlord:
                    reason = "no such building" if found is None else "not your building"
                    w.problem(r.location, "building_uprn", r.building_uprn, reason)
                    bad = True
        if bad:
            continue
        values = {
            "reference": reference,
            "name": first.name,
            "home_ids": [homes[r.location] for r in rows if r.home is not None],
            "building_ids": [
                buildings[r.building_uprn][0] for r in rows if r.building_uprn is not None
            ],
            "postcodes": [r.postcode for r in rows if r.postcode is not None],
        }
        key = known.get(reference)
        if key is None:
            await repo.insert_estate(w.conn, landlord, values, w.import_id)
            fate = "created"
        else:
            changed = await repo.update_estate(w.conn, key, values, w.import_id)
            fate = "updated" if changed else "unchanged"
        for r in rows:
            w.outcome.mark(r.location, fate)
