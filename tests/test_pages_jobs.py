"""The contractor job board: the same open jobs and rates as GraphQL gives the public,
protected counts shown as protected, bad input as a form error, and filtering by trade in
a real browser."""

from __future__ import annotations

import html as html_module
import re
import urllib.parse
from typing import Any

import httpx
from graphql import parse
from graphql import validate

from odx_graph.api.schema import build_schema
from odx_graph.store.db import Database
from odx_graph.web.jobs import JOBS_QUERY
from tests.browser import offline_page
from tests.browser import screenshot
from tests.conftest import GraphQLClient


def test_the_linked_query_is_valid() -> None:
    """The 'same data in GraphQL' query validates against the schema."""
    assert validate(build_schema()._schema, parse(JOBS_QUERY)) == []


async def test_board_lists_what_graphql_gives(
    client: httpx.AsyncClient, gql: GraphQLClient
) -> None:
    """The jobs listed are GraphQL's open repairs in the district, earliest target first;
    each open-jobs row is protected exactly when GraphQL's is."""
    answer = (await gql(JOBS_QUERY, {"postcode": "M14", "trade": None}))["data"]
    index = (await client.get("/jobs")).text
    assert 'href="/jobs?postcode=M14"' in index  # M14 has open jobs
    assert 'href="/jobs?postcode=SW1A"' not in index  # no homes there
    page = await client.get("/jobs", params={"postcode": "m14"})
    assert page.status_code == 200
    listed = re.findall(r'<th scope="row"><a href="(/id/repair/\d+)\?format=html">', page.text)
    expected = [n["iri"].removeprefix("http://odx.test") for n in answer["repairs"]["nodes"]]
    assert listed == expected and listed
    table = page.text.split('id="open-jobs"')[1].split("</table>")[0]
    rows = re.findall(r"<tr><td>(\w+)</td><th scope=\"row\">([^<]+)</th><td[^>]*>([^<]+)<", table)
    assert len(rows) == len(answer["contractorMarket"]["openJobs"])
    for (district, _trade, jobs), row in zip(
        rows, answer["contractorMarket"]["openJobs"], strict=True
    ):
        assert district == row["postcodeDistrict"]
        assert jobs == ("Protected" if row["suppressed"] else f"{row['jobs']:,}")
    published = [r for r in answer["contractorMarket"]["rates"] if not r["suppressed"]]
    assert published
    for rate in published:
        assert f"<code>{rate['sorCode']}</code>" in page.text
        assert f"£{rate['medianCost']:,.2f}" in page.text
    hidden = len(answer["contractorMarket"]["rates"]) - len(published)
    assert f"{hidden} more SOR codes" in page.text
    located = [n for n in answer["repairs"]["nodes"] if n["home"]["latitude"] is not None]
    assert located
    assert page.text.count('<circle class="point"') == len(located)


async def test_bad_input_is_a_form_error(client: httpx.AsyncClient) -> None:
    """A postcode that is not one, or an unknown trade, answers 400 with the error next
    to the field and in a summary linking to it."""
    bad = await client.get("/jobs", params={"postcode": "NOT A PLACE"})
    assert bad.status_code == 400
    assert 'href="#postcode"' in bad.text and 'id="postcode-error"' in bad.text
    unknown = await client.get("/jobs", params={"postcode": "M14", "trade": "ZZ"})
    assert unknown.status_code == 400
    assert 'href="#trade"' in unknown.text and 'id="trade-error"' in unknown.text


async def test_board_filters_by_trade_in_a_browser(pages_site: str, pages_browser: Any) -> None:
    """Choosing a district and a trade and pressing the button shows only that trade."""
    async with offline_page(pages_browser, pages_site) as tab:
        await tab.page.goto(pages_site + "/jobs")
        await tab.page.fill("#postcode", "M14")
        await tab.page.select_option("#trade", label="Plumber")
        await tab.page.click("form button")
        await tab.page.wait_for_url(re.compile(r"/jobs\?postcode=M14&trade=PL"))
        trades = await tab.page.locator("#jobs tbody td:nth-child(2)").all_inner_texts()
        assert trades and set(trades) == {"Plumber"}
        everything = await tab.page.locator("#open-jobs tbody th").all_inner_texts()
        assert set(everything) == {"Plumber"}
        await screenshot(tab.page, "jobs-plumber")
        assert tab.blocked == [] and tab.errors == []


async def test_linked_data_pages_link_to_the_pages(
    client: httpx.AsyncClient, seeded_db: Database, gql: GraphQLClient
) -> None:
    """A landlord's page links its scorecard, a home's and a repair's the job board of
    their district, and each the GraphQL query for the same thing, which answers it."""
    html = {"Accept": "text/html"}
    landlord = await seeded_db.fetchval("SELECT landlord_id FROM home ORDER BY id LIMIT 1")
    page = (await client.get(f"/id/organisation/{landlord}", headers=html)).text
    assert f'href="/landlords/{landlord}"' in page
    home, district = await seeded_db.fetchrow(
        "SELECT id, postcode_district FROM home ORDER BY id LIMIT 1"
    )
    page = (await client.get(f"/id/home/{home}", headers=html)).text
    assert f'href="/jobs?postcode={district}"' in page and 'href="/home"' in page
    repair = await seeded_db.fetchval("SELECT id FROM repair WHERE home_id = $1 LIMIT 1", home)
    page = (await client.get(f"/id/repair/{repair}", headers=html)).text
    assert f'href="/jobs?postcode={district}"' in page
    link = re.search(r'href="/graphql\?query=([^"]+)"', page)
    assert link is not None
    query = urllib.parse.parse_qs("query=" + html_module.unescape(link.group(1)))["query"][0]
    answer = await gql(query)
    assert answer["data"]["node"]["iri"] == f"http://odx.test/id/repair/{repair}"
    contractor = await seeded_db.fetchval(
        "SELECT id FROM organisation o WHERE NOT EXISTS "
        "(SELECT 1 FROM home h WHERE h.landlord_id = o.id) AND kind_code <> 'landlord' LIMIT 1"
    )
    page = (await client.get(f"/id/organisation/{contractor}", headers=html)).text
    assert "/landlords/" not in page
