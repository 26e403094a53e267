"""Everything about one resident's home, read through the mapping as GraphQL's
``viewer { home { ... } }`` reads it (so the resident sees their home's private fields
and nothing else), with the Awaab's Law clocks of its damp and mould cases."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from odx_graph.core.access import Principal
from odx_graph.core.access import Tier
from odx_graph.core.config import Settings
from odx_graph.mapping import MAPPING
from odx_graph.mapping.query import make_list_request
from odx_graph.services.insight.cache import InsightCache
from odx_graph.services.insight.cache import cached
from odx_graph.services.insight.damp import CaseClocks
from odx_graph.services.insight.damp import case_clocks
from odx_graph.services.insight.damp import earliest_due
from odx_graph.store import reads
from odx_graph.store.damp import ClockFilter
from odx_graph.store.db import Database
from odx_graph.store.db import Record

# How many of each kind of record the home page lists (the API's largest page).
MAX_LISTED = 100


@dataclass(frozen=True, slots=True)
class ResidentHome:
    """A home and what hangs off it, as its resident may see them."""

    home: Record
    components: list[Record]
    repairs: list[Record]
    history: dict[int, list[Record]]  # status changes of each repair, oldest first
    damp_cases: list[Record]
    clocks: dict[int, CaseClocks]
    certificates: list[Record]
    # Planned works to the home, soonest first (cancelled ones left out).
    planned_works: list[Record] = field(default_factory=list)


async def _children(
    db: Database,
    settings: Settings,
    principal: Principal,
    parent: str,
    relation: str,
    keys: Sequence[Any],
    order: str | None = None,
    descending: bool = False,
) -> list[list[Record]]:
    entity = MAPPING[parent]
    link = entity.relation(relation)
    target = MAPPING[link.target]
    chosen = next((o for o in target.orders if o.name == order), None)
    request = make_list_request(
        target,
        first=MAX_LISTED,
        after=None,
        order=chosen,
        descending=descending,
        filters=None,
        default_size=MAX_LISTED,
        max_size=MAX_LISTED,
    )
    pages = await reads.fetch_children(
        db, entity, link, keys, request, principal, settings.base_iri
    )
    return [page.rows for page in pages]


def _valid_until(found: ResidentHome | None) -> dt.datetime | None:
    """Until when a home read now holds while nothing changes: the earliest deadline of
    its cases' clocks still due (a clock's status changes then)."""
    return None if found is None else earliest_due(list(found.clocks.values()))


async def resident_home(
    db: Database, settings: Settings, principal: Principal, cache: InsightCache | None = None
) -> ResidentHome | None:
    """The home of a resident's token; ``None`` for any other caller or no such home.
    With a ``cache`` it is kept per data version (and date, and until a clock's next
    deadline): any write moves the version, so a repair just reported is read anew."""
    home_key = principal.home_id
    if principal.tier is not Tier.RESIDENT or home_key is None:
        return None

    async def read() -> ResidentHome | None:
        return await _read_home(db, settings, principal, home_key)

    key = ("resident home", principal, settings.base_iri)
    return await cached(db, cache, key, read, _valid_until)


async def _read_home(
    db: Database, settings: Settings, principal: Principal, home_key: int
) -> ResidentHome | None:
    [home] = await reads.fetch_by_keys(
        db, MAPPING["Home"], [home_key], principal, settings.base_iri
    )
    if home is None:
        return None

    async def of_home(relation: str, order: str | None = None) -> list[Record]:
        rows = await _children(
            db, settings, principal, "Home", relation, [home_key], order, descending=True
        )
        return rows[0]

    repairs = await of_home("repairs", "REPORTED_AT")
    repair_keys = [row["_key"] for row in repairs]
    histories = await _children(
        db, settings, principal, "Repair", "statusHistory", repair_keys, "OCCURRED_AT"
    )
    damp = await of_home("dampMouldCases")
    clocks = await case_clocks(db, settings, ClockFilter(home_ids=(home_key,), limit=MAX_LISTED))
    return ResidentHome(
        home=home,
        components=await of_home("components"),
        repairs=repairs,
        history=dict(zip(repair_keys, histories, strict=True)),
        damp_cases=damp,
        clocks={c.case_id: c for c in clocks},
        certificates=await of_home("energyPerformanceCertificates"),
        planned_works=[
            w
            for w in (
                await _children(
                    db, settings, principal, "Home", "plannedWorks", [home_key], "PLANNED_DATE"
                )
            )[0]
            if w["_src_status_code"] != "cancelled"
        ],
    )
