"""GraphQL for Awaab's Law clocks per damp and mould case: `awaabCaseClocks`, a
connection in case order paged both ways, and `awaabClocks`, the list it replaces."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from typing import Annotated
from typing import Optional

import strawberry
from strawberry.types import Info

from odx_graph.api.context import Context
from odx_graph.api.input_fields import optional
from odx_graph.api.insight_damp import ClocksAsOf
from odx_graph.api.insight_damp import DampScopeInput
from odx_graph.api.insight_damp import after_argument
from odx_graph.api.insight_damp import first_argument
from odx_graph.api.insight_damp import page_start
from odx_graph.api.insight_damp import scope_of
from odx_graph.api.insight_groups import id_list
from odx_graph.api.insight_groups import value_list
from odx_graph.api.paging import CASE_ORDER
from odx_graph.api.paging import PageAfter
from odx_graph.api.paging import PageBefore
from odx_graph.api.paging import PageFirst
from odx_graph.api.paging import PageLast
from odx_graph.api.paging import Slice
from odx_graph.api.paging import connection_type
from odx_graph.api.paging import paging_window
from odx_graph.core.ids import encode_global_id
from odx_graph.services.insight import damp
from odx_graph.store.damp import ClockFilter


@strawberry.enum(description="Where an Awaab's Law clock stands.")
class AwaabClockStatus(enum.Enum):
    """Statuses as computed by ``awaab_clocks()`` in PostgreSQL."""

    ON_TIME = strawberry.enum_value("ON_TIME", description="Done no later than the deadline.")
    BREACHED = strawberry.enum_value(
        "BREACHED", description="Done after the deadline, or not done and the deadline passed."
    )
    DUE = strawberry.enum_value("DUE", description="Not done yet; the deadline has not passed.")
    NOT_APPLICABLE = strawberry.enum_value(
        "NOT_APPLICABLE",
        description="No deadline: no hazard level or no such timescale for it, or the "
        "clock's start (the investigation's completion) has not happened.",
    )


@strawberry.input(description="Which cases' clocks to list.")
class AwaabClockFilter:
    """Scope plus case-level filters."""

    scope: Optional[DampScopeInput] = optional("Dates, landlords and postcode.")
    home: Optional[list[strawberry.ID]] = optional("Only cases about these homes (Home IDs).")
    hazard_level: Optional[list[str]] = optional("Hazard level codes, e.g. ['emergency'].")
    status: Optional[list[AwaabClockStatus]] = optional(
        "Only cases with at least one clock in one of these."
    )


@strawberry.type(description="One Awaab's Law clock of a case.")
class AwaabClock:
    """A deadline, when it was met and its status."""

    due_at: Optional[dt.datetime] = strawberry.field(
        description="The deadline: N hours after awareness, or the end (24:00 UK time) of "
        "the Nth working day after the clock's start date; null when not applicable."
    )
    done_at: Optional[dt.datetime] = strawberry.field(
        description="When it was done (investigation completed, summary sent, made safe)."
    )
    status: AwaabClockStatus = strawberry.field(description="Where the clock stands.")
    within_hours: Optional[int] = strawberry.field(
        description="The timescale in hours, when set in hours."
    )
    within_working_days: Optional[int] = strawberry.field(
        description="The timescale in working days, when set in working days."
    )


@strawberry.type(description="The Awaab's Law clocks of one damp and mould case.")
class AwaabCaseClocks:
    """Investigation, written summary and make-safe clocks."""

    case_id: strawberry.ID = strawberry.field(description="The DampMouldCase ID.")
    home_id: strawberry.ID = strawberry.field(description="The Home ID.")
    landlord_id: strawberry.ID = strawberry.field(description="The landlord's Organisation ID.")
    hazard_level: Optional[str] = strawberry.field(description="Hazard level code.")
    aware_at: dt.datetime = strawberry.field(description="When the landlord became aware.")
    investigation: AwaabClock = strawberry.field(
        description="Investigate within 24 hours (emergency) or 10 working days of awareness."
    )
    written_summary: AwaabClock = strawberry.field(
        description="Written summary within 3 working days of the investigation's completion "
        "(significant hazards)."
    )
    make_safe: AwaabClock = strawberry.field(
        description="Make safe within 24 hours of awareness (emergency) or 5 working days "
        "of the investigation's completion (significant)."
    )


def _clock(clock: damp.Clock) -> AwaabClock:
    return AwaabClock(
        due_at=clock.due_at,
        done_at=clock.done_at,
        status=AwaabClockStatus[clock.status],
        within_hours=clock.within_hours,
        within_working_days=clock.within_working_days,
    )


def _case(c: damp.CaseClocks) -> AwaabCaseClocks:
    return AwaabCaseClocks(
        case_id=strawberry.ID(encode_global_id("DampMouldCase", c.case_id)),
        home_id=strawberry.ID(encode_global_id("Home", c.home_id)),
        landlord_id=strawberry.ID(encode_global_id("Organisation", c.landlord_id)),
        hazard_level=c.hazard_level,
        aware_at=c.aware_at,
        investigation=_clock(c.investigation),
        written_summary=_clock(c.written_summary),
        make_safe=_clock(c.make_safe),
    )


def _cases(given: AwaabClockFilter | None) -> ClockFilter:
    """The store's filter of the cases ``given`` selects, before paging."""
    given = given or AwaabClockFilter()
    levels = value_list(given.hazard_level, "filter.hazardLevel")
    return ClockFilter(
        scope=scope_of(given.scope, "filter.scope"),
        home_ids=id_list(given.home, "Home", "filter.home"),
        hazard_levels=levels,
        statuses=tuple(s.name for s in given.status or []),
    )


# The arguments both lists of clocks take.
CaseFilter = Annotated[Optional[AwaabClockFilter], strawberry.argument(description="Which cases.")]


async def awaab_clocks(
    info: Info[Context, None],
    filter: CaseFilter = None,
    first: Annotated[int, first_argument("Cases")] = 50,
    after: Annotated[Optional[strawberry.ID], after_argument("caseId")] = None,
    as_of: ClocksAsOf = None,
) -> list[AwaabCaseClocks]:
    """Each damp and mould case's Awaab's Law clocks (investigation, written summary,
    make safe): deadline, when done and status, in case order.
    Deprecated: `awaabCaseClocks` pages the same cases as a connection."""
    where = dataclasses.replace(
        _cases(filter), after_case_id=page_start(first, after, "DampMouldCase"), limit=first
    )
    context = info.context
    cases = await damp.case_clocks(
        context.db, context.settings, where, as_of, context.insight_cache
    )
    return [_case(c) for c in cases]


AwaabCaseClocksConnection = connection_type(
    AwaabCaseClocks, "AwaabCaseClocks", "damp and mould case", CASE_ORDER
)


async def awaab_case_clocks(
    info: Info[Context, None],
    filter: CaseFilter = None,
    first: PageFirst = None,
    after: PageAfter = None,
    last: PageLast = None,
    before: PageBefore = None,
    as_of: ClocksAsOf = None,
) -> AwaabCaseClocksConnection:  # type: ignore[valid-type]
    """Each damp and mould case's Awaab's Law clocks (investigation, written summary,
    make safe): deadline, when done and status, in case order, as a connection paged
    both ways."""
    cases = _cases(filter)
    win = paging_window(info, first, after, last, before, CASE_ORDER)
    page = dataclasses.replace(
        cases,
        after_case_id=win.after or 0,
        before_case_id=win.before,
        backward=win.backward,
        limit=win.size + 1,  # one beyond the page says whether there are more
    )
    context = info.context
    rows = await damp.case_clocks(context.db, context.settings, page, as_of, context.insight_cache)

    async def total() -> int:
        return await damp.count_case_clocks(
            context.db, context.settings, cases, as_of, context.insight_cache
        )

    return Slice.of(rows, lambda c: c.case_id, _case, win, total)
