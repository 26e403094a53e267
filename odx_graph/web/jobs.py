"""The contractor job board (``/jobs``): open jobs in a postcode district by trade, what
such work usually takes and costs there per SOR code, and the jobs as points on a plain
map drawn from their homes' coordinates (no tiles: it works offline)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from odx_graph.core.disclosure import Disclosure
from odx_graph.core.errors import InputError
from odx_graph.services.job_board import MAX_JOBS
from odx_graph.services.job_board import JobBoard
from odx_graph.services.job_board import districts_with_open_jobs
from odx_graph.services.job_board import job_board
from odx_graph.services.refdata import labels_of
from odx_graph.web.charts import point_map
from odx_graph.web.pages import codes_for
from odx_graph.web.pages import day
from odx_graph.web.pages import graphql_link
from odx_graph.web.pages import one_version
from odx_graph.web.pages import reader_for
from odx_graph.web.pages import records_of
from odx_graph.web.pages import render

MAX_TRADES = 10
PROTECTED = "Protected"

JOBS_QUERY = """query JobBoard($postcode: String!, $trade: [String!]) {
  contractorMarket(postcode: $postcode, trade: $trade) {
    openJobs { postcodeDistrict tradeCode tradeLabel jobs unassigned suppressed }
    rates { postcodeDistrict sorCode jobs medianWorkingDays medianCost medianUnitCost suppressed }
  }
  repairs(filter: {postcode: $postcode, open: true, trade: $trade},
          orderBy: TARGET_AT, direction: ASC, first: 100) {
    nodes { iri reportedAt targetAt priority { label } trade { label }
            home { postcodeSector latitude longitude } }
  }
}"""


def _count(value: int | None, suppressed: bool) -> str:
    return PROTECTED if suppressed or value is None else f"{value:,}"


def _median(value: float | None, suppressed: bool, unit: str) -> str:
    if suppressed:
        return PROTECTED
    if value is None:
        return "No data"
    return f"£{value:,.2f}" if unit == "£" else f"{value:,.1f} {unit}"


def _board_context(
    board: JobBoard, trades: dict[str, str], priorities: dict[str, str]
) -> dict[str, object]:
    located = [j for j in board.jobs if j.latitude is not None and j.longitude is not None]
    trade_text = ", ".join(trades.get(t, t) for t in board.trades) or "all trades"
    return {
        "board": board,
        "open_rows": [
            {
                "district": j.postcode_district,
                "trade": j.trade_label or j.trade_code or "No trade",
                "jobs": _count(j.jobs, j.suppressed),
                "unassigned": _count(j.unassigned, j.suppressed),
                "protected": j.suppressed,
            }
            for j in board.open_jobs
        ],
        "rate_rows": [
            {
                "district": r.postcode_district,
                "sor_code": r.sor_code,
                "jobs": _count(r.jobs, r.suppressed),
                "days": _median(r.median_working_days, r.suppressed, "working days"),
                "cost": _median(r.median_cost, r.suppressed, "£"),
                "unit_cost": _median(r.median_unit_cost, r.suppressed, "£"),
                "protected": r.suppressed,
            }
            for r in board.rates
            if not r.suppressed
        ],
        "rates_protected": sum(1 for r in board.rates if r.suppressed),
        "jobs": [
            {
                "iri": j.iri,
                "path": f"/id/repair/{j.key}",
                "reported": day(j.reported_at),
                "target": day(j.target_at) or "None set",
                "priority": priorities.get(j.priority_code or "", j.priority_code or ""),
                "trade": trades.get(j.trade_code or "", j.trade_code or "No trade"),
                "sector": j.postcode_sector or "",
                "planned": j.planned_replacement or "",
            }
            for j in board.jobs
        ],
        "map": point_map(
            "jobs-map",
            f"Open jobs in {board.postcode}, {trade_text}",
            f"{len(located)} open jobs drawn at their homes' coordinates, north at the top. "
            "The same jobs are listed in the table below.",
            [
                (
                    float(j.latitude or 0),
                    float(j.longitude or 0),
                    f"{trades.get(j.trade_code or '', '')} job, sector {j.postcode_sector}",
                )
                for j in located
            ],
        ),
        "located": len(located),
        "perturbed": board.disclosure is Disclosure.PERTURBED,
        "more_jobs": board.more_jobs,
        "max_jobs": MAX_JOBS,
        "graphql_link": graphql_link(JOBS_QUERY),
    }


async def job_board_page(request: Request) -> Response:
    """``GET /jobs?postcode=M14&trade=PL``: the board for a district (any postcode level)
    and trades; without a postcode, the districts with open jobs to choose from."""
    db, principal = reader_for(request)
    settings = request.app.state.settings
    postcode = request.query_params.get("postcode", "").strip()
    chosen = tuple(t for t in request.query_params.getlist("trade") if t)[:MAX_TRADES]
    lists = await codes_for(request, db, principal, "Trade", "Priority")
    trades = labels_of(lists["Trade"])
    cache = getattr(request.app.state, "insight_cache", None)
    districts = await districts_with_open_jobs(db, cache)
    context: dict[str, object] = {
        "title": "Contractor job board",
        "postcode": postcode,
        "chosen": chosen,
        "trades": sorted(trades.items(), key=lambda item: item[1]),
        "districts": districts,
        "error": None,
        "board": None,
    }
    if not postcode:
        return render(request, "jobs.html", context)
    try:
        records = records_of(request)
        board = await job_board(db, settings, principal, postcode, chosen, cache, records)
    except InputError as exc:
        field = "trade" if "trade" in (exc.field or "") else "postcode"
        context["error"] = {"field": field, "message": exc.message}
        return render(request, "jobs.html", context, status_code=400)
    context.update(_board_context(board, trades, labels_of(lists["Priority"])))
    context["title"] = f"Open jobs in {board.postcode}"
    return render(request, "jobs.html", context)


ROUTES = [Route("/jobs", one_version(job_board_page))]
