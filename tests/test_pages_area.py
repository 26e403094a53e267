"""The area page: a place's figures next to the country's, as GraphQL gives them to the
public, protected ones as protected; full postcodes and bad input refused."""

from __future__ import annotations

import re

import httpx
from graphql import parse
from graphql import validate

from odx_graph.api.schema import build_schema
from odx_graph.web.area import AREA_QUERY
from tests.conftest import GraphQLClient


def test_the_linked_query_is_valid() -> None:
    """The 'same data in GraphQL' query validates against the schema."""
    assert validate(build_schema()._schema, parse(AREA_QUERY)) == []


def _cells(page: str) -> dict[str, tuple[str, str]]:
    table = page.split('id="measures"')[1].split("</table>")[0]
    rows = re.findall(
        r'<th scope="row">([^<]+)</th><td class="num">([^<]+)</td><td class="num">([^<]+)</td>',
        table,
    )
    return {label.replace("&#39;", "'"): (here, national) for label, here, national in rows}


async def test_area_matches_graphql(client: httpx.AsyncClient, gql: GraphQLClient) -> None:
    """Each figure of the place and of the country is GraphQL's."""
    for postcode in ("M14", "M", "E1"):
        answer = (await gql(AREA_QUERY, {"postcode": postcode}))["data"]
        page = await client.get("/areas", params={"postcode": postcode.lower()})
        assert page.status_code == 200
        cells = _cells(page.text)
        assert len(cells) == 6
        here, national = answer["here"][0], answer["national"][0]
        emergency = cells["Emergency repairs completed within the landlord's target (RP02)"]
        if here["suppressed"]:
            assert emergency[0] == "Protected"
        elif here["withinTargetEmergencyPct"] is not None:
            assert emergency[0] == f"{here['withinTargetEmergencyPct']:.1f}%"
        assert emergency[1] == f"{national['withinTargetEmergencyPct']:.1f}%"
        days = cells["Median time to complete a repair"]
        assert days[1] == f"{national['medianWorkingDays']:,.1f} working days"
        damp = answer["dampMouldRates"][0]
        damp_cell = cells["Damp and mould cases"][0]
        if damp["suppressed"]:
            assert damp_cell == "Protected"
        else:
            assert damp_cell == f"{damp['casesPer1000Homes']:,.1f} per 1,000 homes"
        trades = re.findall(
            r'<th scope="row">([^<]+)</th><td class="num">([^<]+)</td>',
            page.text.split('id="open-jobs"')[1].split("</table>")[0],
        )
        assert len(trades) == len(answer["contractorMarket"]["openJobs"])


async def test_area_refuses_streets_and_nonsense(client: httpx.AsyncClient) -> None:
    """A full postcode is one street: refused, as is what is not a postcode."""
    for bad in ("M14 5AA", "NOT A PLACE"):
        response = await client.get("/areas", params={"postcode": bad})
        assert response.status_code == 400
        assert 'href="#postcode"' in response.text
    assert (await client.get("/areas")).status_code == 200
