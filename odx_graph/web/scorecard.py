"""Landlord scorecards (public): each measure beside the peer median with the outlier
flag and its threshold, monthly trends as SVG charts with their tables, and a CSV of
every number on the page. Read through the insight services, as GraphQL does."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from odx_graph.core.disclosure import Disclosure
from odx_graph.services.insight.providers import Measure
from odx_graph.services.insight.scorecard import TREND_MEASURES
from odx_graph.services.insight.scorecard import Scorecard
from odx_graph.services.insight.scorecard import landlord_scorecard
from odx_graph.store.analytics import landlords
from odx_graph.web.charts import line_chart
from odx_graph.web.pages import graphql_link
from odx_graph.web.pages import one_version
from odx_graph.web.pages import reader_for
from odx_graph.web.pages import render

# What each measure is called, and its unit, in one place (a translation changes these).
LABELS: dict[Measure, tuple[str, str]] = {
    Measure("within_target_emergency_pct"): (
        "Emergency repairs completed within the landlord's target (RP02)",
        "%",
    ),
    Measure("within_target_non_emergency_pct"): (
        "Non-emergency repairs completed within the landlord's target (RP02)",
        "%",
    ),
    Measure("median_working_days"): ("Median time to complete a repair", "working days"),
    Measure("repeat_30_pct"): ("Repeat repairs within 30 days", "%"),
    Measure("first_time_fix_pct"): ("Repairs fixed first time", "%"),
    Measure("damp_mould_per_1000_homes"): ("Damp and mould cases", "per 1,000 homes"),
    Measure("awaab_breach_pct"): ("Damp and mould cases past an Awaab's Law deadline", "%"),
}
PROTECTED = "Protected"
NO_DATA = "No data"

SCORECARD_QUERY = """query Scorecard($landlord: ID!) {
  providerComparison(measure: WITHIN_TARGET_EMERGENCY_PCT) {
    peerMedian threshold disclosure
    providers { landlordId name value robustZ outlier suppressed }
  }
  repairPerformance(groupBy: [MONTH], scope: {landlord: [$landlord]}) {
    key { value } suppressed withinTargetEmergencyPct withinTargetNonEmergencyPct
    medianWorkingDays
  }
}"""


def shown(value: float | None, suppressed: bool, unit: str) -> str:
    """A value as a person reads it: protected values say so, never zero."""
    if suppressed:
        return PROTECTED
    if value is None:
        return NO_DATA
    if unit == "%":
        return f"{value:.1f}%"
    return f"{value:,.1f} {unit}"


def _status(value: float | None, suppressed: bool) -> str:
    return "protected" if suppressed else "no data" if value is None else "published"


def _csv_number(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}".rstrip("0").rstrip(".")


def csv_rows(card: Scorecard) -> Iterator[list[str]]:
    """Every number on the scorecard page, one row each (protected ones empty)."""
    yield [
        "landlord",
        "section",
        "measure",
        "unit",
        "month",
        "value",
        "status",
        "peer_median",
        "robust_z",
        "outlier",
        "outlier_threshold",
        "disclosure",
    ]
    name = card.name or ""
    for line in card.lines:
        value = None if line.suppressed else line.value
        yield [
            name,
            "compared with peers",
            line.measure.value,
            LABELS[line.measure][1],
            "",
            _csv_number(value),
            _status(line.value, line.suppressed),
            _csv_number(line.peer_median),
            _csv_number(line.robust_z),
            "yes" if line.outlier else "no",
            _csv_number(line.threshold),
            card.disclosure.value,
        ]
    for point in card.trend:
        for measure in TREND_MEASURES:
            value = None if point.suppressed else point.values[measure]
            yield [
                name,
                "monthly trend",
                measure.value,
                LABELS[measure][1],
                point.month,
                _csv_number(value),
                _status(point.values[measure], point.suppressed),
                "",
                "",
                "",
                "",
                card.disclosure.value,
            ]


def _charts(card: Scorecard) -> list[dict[str, object]]:
    charts: list[dict[str, object]] = []
    for index, measure in enumerate(TREND_MEASURES):
        label, unit = LABELS[measure]
        points = [(p.month, None if p.suppressed else p.values[measure]) for p in card.trend]
        description = (
            f"{label}, {unit}, by the month repairs were reported, from "
            f"{card.trend[0].month} to {card.trend[-1].month}. "
            "Gaps are months protected or without data."
            if card.trend
            else f"{label}: no months to show."
        )
        charts.append(
            {
                "id": f"trend-{index}",
                "label": label,
                "unit": unit,
                "svg": line_chart(
                    f"trend-{index}",
                    f"{label} ({unit}), by month",
                    description,
                    points,
                    maximum=100.0 if unit == "%" else None,
                ),
                "rows": [
                    (p.month, shown(p.values[measure], p.suppressed, unit)) for p in card.trend
                ],
            }
        )
    return charts


async def landlord_index(request: Request) -> Response:
    """``GET /landlords``: every landlord, each linking to its scorecard."""
    db, _principal = reader_for(request)
    rows = [(int(r["id"]), r["name"]) for r in await landlords(db)]
    return render(request, "landlords.html", {"title": "Landlords", "landlords": rows})


async def _card(request: Request) -> Scorecard | None:
    key = request.path_params["landlord"]
    db, principal = reader_for(request)
    state = request.app.state
    cache = getattr(state, "insight_cache", None)
    return await landlord_scorecard(db, state.settings, principal, key, cache)


async def landlord_page(request: Request) -> Response:
    """``GET /landlords/{id}``: one landlord's scorecard."""
    card = await _card(request)
    if card is None:
        return render(request, "not_found.html", {"title": "Page not found"}, status_code=404)
    base = request.app.state.settings.base_iri
    path = f"/id/organisation/{card.landlord_id}"
    lines = [
        {
            "label": LABELS[line.measure][0],
            "value": shown(line.value, line.suppressed, LABELS[line.measure][1]),
            "peer_median": shown(line.peer_median, False, LABELS[line.measure][1]),
            "robust_z": "" if line.robust_z is None else f"{line.robust_z:+.2f}",
            "outlier": line.outlier,
            "protected": line.suppressed,
        }
        for line in card.lines
    ]
    return render(
        request,
        "scorecard.html",
        {
            "title": card.name or f"Landlord {card.landlord_id}",
            "card": card,
            "lines": lines,
            "threshold": card.lines[0].threshold,
            "charts": _charts(card),
            "perturbed": card.disclosure is Disclosure.PERTURBED,
            "iri": base + path,
            "html_link": path + "?format=html",
            "turtle_link": path + "?format=ttl",
            "graphql_link": graphql_link(SCORECARD_QUERY),
            "csv_link": f"/landlords/{card.landlord_id}/scorecard.csv",
        },
    )


async def landlord_csv(request: Request) -> Response:
    """``GET /landlords/{id}/scorecard.csv``: every number of the scorecard page."""
    card = await _card(request)
    if card is None:
        return Response("no such landlord\n", status_code=404, media_type="text/plain")
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(csv_rows(card))
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="scorecard-{card.landlord_id}.csv"'},
    )


ROUTES = [
    Route("/landlords", one_version(landlord_index)),
    Route("/landlords/{landlord:int}", one_version(landlord_page)),
    Route("/landlords/{landlord:int}/scorecard.csv", one_version(landlord_csv)),
]
