"""Landlord scorecards: the same numbers as the GraphQL insight queries, protected values
shown as protected (never zero), charts with their tables, and a CSV of every number."""

from __future__ import annotations

import csv
import io
import re

import httpx
from graphql import parse
from graphql import validate

from odx_graph.api.schema import build_schema
from odx_graph.core.ids import decode_int_id
from odx_graph.services.insight.providers import Measure
from odx_graph.web.charts import line_chart
from odx_graph.web.charts import nice_ceiling
from odx_graph.web.charts import point_map
from odx_graph.web.scorecard import LABELS
from odx_graph.web.scorecard import SCORECARD_QUERY
from odx_graph.web.scorecard import shown
from tests.conftest import GraphQLClient

MEASURE_ENUMS = {
    Measure.WITHIN_TARGET_EMERGENCY_PCT: "WITHIN_TARGET_EMERGENCY_PCT",
    Measure.AWAAB_BREACH_PCT: "AWAAB_BREACH_PCT",
}


def test_protected_values_are_never_numbers() -> None:
    """Protected wins over any value, zero included; no value is 'No data'; zero is 0."""
    assert shown(0.0, True, "%") == "Protected"
    assert shown(12.5, True, "%") == "Protected"
    assert shown(None, True, "%") == "Protected"
    assert shown(None, False, "%") == "No data"
    assert shown(0.0, False, "%") == "0.0%"
    assert shown(1234.56, False, "per 1,000 homes") == "1,234.6 per 1,000 homes"


def test_chart_scale_and_gaps() -> None:
    """The scale's top is the next round number; a missing value leaves a gap (two lines),
    never a point at zero; title and description are there, escaped."""
    assert [nice_ceiling(v) for v in (0, 1, 1.01, 2, 2.01, 2.5, 2.51, 5.01, 100, 101)] == [
        1.0, 1.0, 2.0, 2.0, 2.5, 2.5, 5.0, 10.0, 100.0, 200.0,
    ]  # fmt: skip
    svg = str(line_chart("c", "A <b> title", "Desc & more", [("a", 1.0), ("b", 2.0),
              ("c", None), ("d", 3.0), ("e", 4.0)]))  # fmt: skip
    assert svg.count("<polyline") == 2
    assert svg.count("<circle") == 4
    assert '<title id="c-title">A &lt;b&gt; title</title>' in svg
    assert '<desc id="c-desc">Desc &amp; more</desc>' in svg
    assert 'aria-labelledby="c-title c-desc"' in svg
    lone = str(line_chart("d", "t", "d", [("a", None), ("b", 5.0), ("c", None)]))
    assert "<polyline" not in lone and lone.count("<circle") == 1


def test_map_fits_its_points() -> None:
    """Points are drawn inside the square, the northernmost highest."""
    svg = str(point_map("m", "t", "d", [(53.8, -1.5, "north"), (53.7, -1.6, "south")]))
    ys = {label: float(y) for y, label in re.findall(r'cy="([\d.]+)" r="5"><title>(\w+)', svg)}
    assert ys["north"] < ys["south"]
    xs = [float(x) for x in re.findall(r'cx="([\d.-]+)"', svg)]
    assert all(0 <= x <= 480 for x in xs)
    assert "<circle" not in str(point_map("e", "t", "d", []))


def test_the_linked_query_is_valid() -> None:
    """The 'same data in GraphQL' link's query validates against the schema."""
    assert validate(build_schema()._schema, parse(SCORECARD_QUERY)) == []


async def _landlord_ids(client: httpx.AsyncClient) -> list[int]:
    page = await client.get("/landlords")
    assert page.status_code == 200
    return [int(i) for i in re.findall(r'href="/landlords/(\d+)"', page.text)]


async def test_scorecard_matches_graphql(client: httpx.AsyncClient, gql: GraphQLClient) -> None:
    """The page and its CSV give the values GraphQL's providerComparison gives the
    public, protected ones as protected."""
    ids = await _landlord_ids(client)
    assert len(ids) >= 2
    seen_protected = seen_value = False
    for measure, enum in MEASURE_ENUMS.items():
        answer = await gql(
            "query($m: PerformanceMeasure!) { providerComparison(measure: $m) {"
            " peerMedian providers { landlordId value suppressed outlier } } }",
            {"m": enum},
        )
        comparison = answer["data"]["providerComparison"]
        for provider in comparison["providers"]:
            landlord = decode_int_id(provider["landlordId"], "Organisation")
            assert landlord in ids
            rows = list(csv.DictReader(io.StringIO(
                (await client.get(f"/landlords/{landlord}/scorecard.csv")).text
            )))  # fmt: skip
            row = next(r for r in rows if r["measure"] == measure.value and not r["month"])
            page = (await client.get(f"/landlords/{landlord}")).text
            label = LABELS[measure][0].replace("'", "&#39;")
            cell = re.search(re.escape(label) + r"</th>\s*<td[^>]*>(.*?)</td>", page, re.S)
            assert cell is not None
            if provider["suppressed"]:
                seen_protected = True
                assert row["value"] == "" and row["status"] == "protected"
                assert "Protected" in cell.group(1)
            elif provider["value"] is not None:
                seen_value = True
                assert float(row["value"]) == round(provider["value"], 4)
                assert row["status"] == "published"
                assert f"{provider['value']:.1f}%" in cell.group(1)
            assert row["outlier"] == ("yes" if provider["outlier"] else "no")
            assert row["disclosure"] == "perturbed"
            if comparison["peerMedian"] is not None:
                assert float(row["peer_median"]) == round(comparison["peerMedian"], 4)
    assert seen_protected and seen_value


async def test_csv_has_every_number_of_the_page(client: httpx.AsyncClient) -> None:
    """Every number shown in the page's tables is in the CSV."""
    landlord = (await _landlord_ids(client))[0]
    page = (await client.get(f"/landlords/{landlord}")).text
    response = await client.get(f"/landlords/{landlord}/scorecard.csv")
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    in_csv = {round(float(r[k]), 1) for r in rows for k in ("value", "peer_median") if r[k]}
    cells = re.findall(r'<td class="num">([-\d,.]+)(?:%| )', page)
    assert cells
    for cell in cells:
        assert round(float(cell.replace(",", "")), 1) in in_csv, cell
    trend = [r for r in rows if r["section"] == "monthly trend"]
    assert trend and {r["status"] for r in trend} <= {"published", "protected", "no data"}
    assert page.count('role="img"') == 3
    assert page.count("<desc ") == 3


async def test_unknown_landlord_is_not_found(client: httpx.AsyncClient) -> None:
    """A landlord that does not exist is a 404 on the page and the CSV."""
    assert (await client.get("/landlords/999999")).status_code == 404
    assert (await client.get("/landlords/999999/scorecard.csv")).status_code == 404
    assert (await client.get("/landlords/abc")).status_code == 404
