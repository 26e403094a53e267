"""The area page (``/areas?postcode=M14``): a postcode area, district or sector against the
whole country: homes and landlords there, repair performance and damp and mould rates
next to the national figures, and open jobs by trade."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from odx_graph.core.disclosure import Disclosure
from odx_graph.core.errors import InputError
from odx_graph.services.area import AREA_MEASURES
from odx_graph.services.area import AreaProfile
from odx_graph.services.area import area_profile
from odx_graph.services.insight.providers import Measure
from odx_graph.web.pages import graphql_link
from odx_graph.web.pages import one_version
from odx_graph.web.pages import reader_for
from odx_graph.web.pages import render
from odx_graph.web.scorecard import LABELS
from odx_graph.web.scorecard import PROTECTED
from odx_graph.web.scorecard import shown

AREA_QUERY = """query Area($postcode: String!) {
  here: repairPerformance(groupBy: [], scope: {postcode: $postcode}) {
    suppressed homes withinTargetEmergencyPct withinTargetNonEmergencyPct
    medianWorkingDays repeat30Pct firstTimeFixPct
  }
  national: repairPerformance(groupBy: []) {
    homes withinTargetEmergencyPct withinTargetNonEmergencyPct
    medianWorkingDays repeat30Pct firstTimeFixPct
  }
  dampMouldRates(groupBy: [], scope: {postcode: $postcode}) { homes casesPer1000Homes suppressed }
  contractorMarket(postcode: $postcode) { openJobs { tradeLabel jobs suppressed } }
}"""


def _count(value: int | None, suppressed: bool) -> str:
    return PROTECTED if suppressed or value is None else f"{value:,}"


def _context(profile: AreaProfile) -> dict[str, object]:
    rows = []
    for name in AREA_MEASURES:
        label, unit = LABELS[Measure(name)]
        here, country = profile.repairs, profile.national_repairs
        rows.append(
            {
                "label": label,
                "here": shown(
                    here.measures.get(name) if here else None,
                    here.suppressed if here else False,
                    unit,
                ),
                "national": shown(country.measures.get(name) if country else None, False, unit),
            }
        )
    label, unit = LABELS[Measure("damp_mould_per_1000_homes")]
    damp, country_damp = profile.damp, profile.national_damp
    rows.append(
        {
            "label": label,
            "here": shown(
                damp.per_1000_homes if damp else None, damp.suppressed if damp else False, unit
            ),
            "national": shown(country_damp.per_1000_homes if country_damp else None, False, unit),
        }
    )
    return {
        "profile": profile,
        "homes": _count(damp.homes if damp else None, damp.suppressed if damp else False),
        "rows": rows,
        "landlords": [
            {
                "id": g.key[0].value,
                "name": g.key[0].label or f"Landlord {g.key[0].value}",
                "homes": _count(g.homes, g.suppressed),
            }
            for g in profile.landlords
            if g.key[0].value is not None
        ],
        "open_jobs": [
            {
                "district": j.postcode_district,
                "trade": j.trade_label or j.trade_code or "No trade",
                "jobs": _count(j.jobs, j.suppressed),
                "unassigned": _count(j.unassigned, j.suppressed),
            }
            for j in profile.open_jobs
        ],
        "perturbed": profile.disclosure is Disclosure.PERTURBED,
        "graphql_link": graphql_link(AREA_QUERY),
    }


async def area_page(request: Request) -> Response:
    """``GET /areas?postcode=...``: a place against the country, or the form to choose one."""
    postcode = request.query_params.get("postcode", "").strip()
    context: dict[str, object] = {"title": "Areas", "postcode": postcode, "error": None}
    if not postcode:
        return render(request, "area.html", context)
    db, principal = reader_for(request)
    try:
        state = request.app.state
        cache = getattr(state, "insight_cache", None)
        profile = await area_profile(db, state.settings, principal, postcode, cache)
    except InputError as exc:
        context["error"] = exc.message
        return render(request, "area.html", context, status_code=400)
    context.update(_context(profile))
    context["title"] = f"{profile.place}: homes, repairs and damp"
    return render(request, "area.html", context)


ROUTES = [Route("/areas", one_version(area_page))]
