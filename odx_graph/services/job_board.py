"""The contractor job board: open jobs in a postcode district by trade, typical duration
and cost per SOR code there, and the open jobs themselves with their homes' coordinates.

The counts and medians come from the contractor market insight (under the disclosure
rules); the jobs are read through the mapping as GraphQL's ``repairs`` list reads them,
so a caller sees exactly the fields it would see through the API.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from odx_graph.core.access import Principal
from odx_graph.core.config import Settings
from odx_graph.core.disclosure import Disclosure
from odx_graph.core.disclosure import publisher_for
from odx_graph.core.ids import encode_global_id
from odx_graph.mapping import MAPPING
from odx_graph.mapping.query import make_list_request
from odx_graph.mapping.query import postcode_location
from odx_graph.services.insight.cache import InsightCache
from odx_graph.services.insight.cache import cached
from odx_graph.services.insight.repairs import OpenJobs
from odx_graph.services.insight.repairs import SorRate
from odx_graph.services.insight.repairs import contractor_market
from odx_graph.store import reads
from odx_graph.store.analytics import MarketScope
from odx_graph.store.analytics import districts_with_open_repairs
from odx_graph.store.db import Database
from odx_graph.store.planned_works import due_for_repairs

# The open jobs drawn on the map and listed: the API's largest page.
MAX_JOBS = 100
# What a job shows of its home (read through the mapping, as GraphQL's
# ``repairs { nodes { home { ... } } }`` reads these fields and no others).
JOB_HOME_FIELDS = frozenset({"postcodeSector", "latitude", "longitude", "addressLine1", "postcode"})


@dataclass(frozen=True, slots=True)
class Job:
    """One open job as the caller may see it, with its home's place."""

    key: int
    iri: str
    reported_at: dt.datetime | None
    target_at: dt.datetime | None
    priority_code: str | None
    trade_code: str | None
    postcode_sector: str | None
    latitude: float | None
    longitude: float | None
    status_code: str | None = None
    description: str | None = None  # private: only a caller allowed to see it gets it
    address: str | None = None
    # The planned replacement the job's component is due for, if any (open data):
    # "Kitchen, planned by 31 March 2028 (Kitchens 2027/28)".
    planned_replacement: str | None = None


@dataclass(frozen=True, slots=True)
class JobBoard:
    """What the board shows for one district (or everywhere) and trades."""

    postcode: str
    trades: tuple[str, ...]
    open_jobs: tuple[OpenJobs, ...]
    rates: tuple[SorRate, ...]
    jobs: tuple[Job, ...]
    more_jobs: bool
    disclosure: Disclosure


def _planned(due: Mapping[str, Any] | None) -> str | None:
    """A planned replacement in words."""
    if due is None:
        return None
    day = due["planned_date"]
    return (
        f"{due['component_type_label']}, planned by {day.day} {day:%B %Y} ({due['programme_name']})"
    )


def _job(
    row: Mapping[str, Any], home: Mapping[str, Any] | None, due: Mapping[str, Any] | None = None
) -> Job:
    return Job(
        key=row["_key"],
        iri=row["iri"],
        reported_at=row["reportedAt"],
        target_at=row["targetAt"],
        priority_code=row["_src_priority_code"],
        trade_code=row["_src_trade_code"],
        postcode_sector=None if home is None else home["postcodeSector"],
        latitude=None if home is None else home["latitude"],
        longitude=None if home is None else home["longitude"],
        status_code=row["_src_status_code"],
        description=row["description"],
        address=None if home is None else f"{home['addressLine1']}, {home['postcode']}",
        planned_replacement=_planned(due),
    )


async def districts_with_open_jobs(db: Database, cache: InsightCache | None = None) -> list[str]:
    """The postcode districts with open jobs, to choose from. Which districts have open
    repairs is open data (GraphQL's ``repairs(filter: {open: true, postcode: ...})``
    lists them to anyone), so the list is the same for every caller, no count is
    published here and no disclosure rule applies:
    the list is read from the repairs' (district, open) index, a probe or two a district,
    whatever the number of repairs. Kept in ``cache`` per data version, like the insight
    answers."""

    async def compute() -> list[str]:
        return await districts_with_open_repairs(db)

    return await cached(db, cache, ("job-board-districts",), compute)


async def _open_jobs(
    db: Database,
    settings: Settings,
    principal: Principal,
    filters: dict[str, object],
    cache: InsightCache | None = None,
) -> tuple[list[Job], bool]:
    """Open repairs matching ``filters`` (GraphQL's ``repairs`` filters), earliest target
    first, at most ``MAX_JOBS``, with their homes' places; and whether more follow. Kept
    in ``cache`` per data version when given."""

    async def read() -> tuple[list[Job], bool]:
        return await _read_open_jobs(db, settings, principal, filters)

    chosen = tuple(sorted((name, repr(value)) for name, value in filters.items()))
    key = ("open jobs", chosen, principal, settings.base_iri)
    return await cached(db, cache, key, read)


async def _read_open_jobs(
    db: Database, settings: Settings, principal: Principal, filters: dict[str, object]
) -> tuple[list[Job], bool]:
    repair, home = MAPPING["Repair"], MAPPING["Home"]
    request = make_list_request(
        repair,
        first=MAX_JOBS,
        after=None,
        order=next(o for o in repair.orders if o.name == "TARGET_AT"),
        descending=False,
        filters={**filters, "open": True},
        default_size=MAX_JOBS,
        max_size=MAX_JOBS,
    )
    await reads.check_codes(db, request.code_checks)  # an unknown trade is an error
    page = await reads.fetch_page(db, repair, request, principal, settings.base_iri)
    home_keys = sorted({row["_src_home_id"] for row in page.rows})
    homes = await reads.fetch_by_keys(
        db, home, home_keys, principal, settings.base_iri, JOB_HOME_FIELDS
    )
    place = {k: row for k, row in zip(home_keys, homes, strict=True) if row is not None}
    due = await due_for_repairs(db, [row["_key"] for row in page.rows])
    jobs = [_job(row, place.get(row["_src_home_id"]), due.get(row["_key"])) for row in page.rows]
    return jobs, page.has_next


async def job_board(
    db: Database,
    settings: Settings,
    principal: Principal,
    postcode: str,
    trades: tuple[str, ...] = (),
    cache: InsightCache | None = None,
    records: InsightCache | None = None,
) -> JobBoard:
    """The board for ``postcode`` (any level; an invalid one raises ``InputError``) and
    ``trades`` (all when empty), oldest target first. The counts and rates are kept in
    ``cache`` per data version, the jobs themselves in ``records`` (when given)."""
    column, value = postcode_location(postcode, "postcode")
    open_jobs, rates = await contractor_market(
        db, settings, principal, MarketScope(column, value, trades), cache
    )
    filters: dict[str, object] = {"postcode": value}
    if trades:
        filters["trade"] = list(trades)
    jobs, more = await _open_jobs(db, settings, principal, filters, records)
    return JobBoard(
        value,
        trades,
        tuple(open_jobs),
        tuple(rates),
        tuple(jobs),
        more,
        publisher_for(principal, settings).disclosure,
    )


async def assigned_jobs(
    db: Database, settings: Settings, principal: Principal, cache: InsightCache | None = None
) -> list[Job]:
    """The open jobs assigned to a contractor, earliest target first (at most
    ``MAX_JOBS``), as GraphQL's ``repairs(filter: {contractor, open})`` gives them. With
    a ``cache`` they are kept per data version: a status just set is read anew."""
    if principal.organisation_id is None:
        return []
    mine: dict[str, object] = {
        "contractor": [encode_global_id("Organisation", principal.organisation_id)]
    }
    jobs, _more = await _open_jobs(db, settings, principal, mine, cache)
    return jobs
