"""A place (postcode area, district or sector) against the whole country: its homes and
landlords, repair performance and damp and mould rates next to the national figures, and
its open jobs by trade, all from the insight services under the disclosure rules."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from odx_graph.core.access import Principal
from odx_graph.core.config import Settings
from odx_graph.core.disclosure import Disclosure
from odx_graph.core.disclosure import publisher_for
from odx_graph.core.errors import InputError
from odx_graph.core.postcodes import PostcodeLevel
from odx_graph.core.postcodes import parse_postcode_query
from odx_graph.mapping.query import postcode_location
from odx_graph.services.insight.cache import InsightCache
from odx_graph.services.insight.damp import DampRates
from odx_graph.services.insight.damp import damp_rates
from odx_graph.services.insight.repairs import OpenJobs
from odx_graph.services.insight.repairs import PerformanceGroup
from odx_graph.services.insight.repairs import market_open_jobs
from odx_graph.services.insight.repairs import performance
from odx_graph.store.analytics import Dimension
from odx_graph.store.analytics import MarketScope
from odx_graph.store.analytics import RepairScope
from odx_graph.store.damp import DampScope
from odx_graph.store.db import Database

T = TypeVar("T")

# The repair measures an area page compares with the country.
AREA_MEASURES = (
    "within_target_emergency_pct",
    "within_target_non_emergency_pct",
    "median_working_days",
    "repeat_30_pct",
    "first_time_fix_pct",
)


@dataclass(frozen=True, slots=True)
class AreaProfile:
    """A place and the country, as one caller may see them."""

    place: str
    level: PostcodeLevel
    repairs: PerformanceGroup | None
    national_repairs: PerformanceGroup | None
    damp: DampRates | None
    national_damp: DampRates | None
    landlords: tuple[PerformanceGroup, ...]
    open_jobs: tuple[OpenJobs, ...]
    disclosure: Disclosure


def _only(groups: list[T]) -> T | None:
    return groups[0] if groups else None


async def area_profile(
    db: Database,
    settings: Settings,
    principal: Principal,
    postcode: str,
    cache: InsightCache | None = None,
) -> AreaProfile:
    """The profile of a postcode area, district or sector (a full postcode is refused:
    a place that small is one street); a bad postcode raises ``InputError``. Its answers
    are kept in ``cache`` per data version, like the GraphQL insight queries'."""
    query = parse_postcode_query(postcode)
    if query.level is PostcodeLevel.UNIT:
        raise InputError("give an area (M), a district (M14) or a sector (M14 5)", field="postcode")
    column, value = postcode_location(postcode, "postcode")
    here = RepairScope(postcode_column=column, postcode_value=value)
    damp_here = DampScope(postcode_column=column, postcode_value=value)
    repairs = await performance(db, settings, principal, [], here, AREA_MEASURES, cache)
    national = await performance(db, settings, principal, [], RepairScope(), AREA_MEASURES, cache)
    by_landlord = await performance(
        db, settings, principal, [Dimension.LANDLORD], here, AREA_MEASURES[:1], cache
    )
    damp = await damp_rates(db, settings, principal, [], damp_here, cache=cache)
    national_damp = await damp_rates(db, settings, principal, [], DampScope(), cache=cache)
    jobs = await market_open_jobs(db, settings, principal, MarketScope(column, value), cache)
    return AreaProfile(
        value,
        query.level,
        _only(repairs),
        _only(national),
        _only(damp),
        _only(national_damp),
        tuple(by_landlord),
        tuple(jobs),
        publisher_for(principal, settings).disclosure,
    )
