"""GraphiQL from the package: it runs a query in a real browser with every request to
anything but the server blocked, under a strict Content-Security-Policy."""

from __future__ import annotations

import gzip
from typing import Any

import httpx
from graphql import parse
from graphql import validate

from odx_graph.api.schema import build_schema
from odx_graph.web.graphiql import EXAMPLES
from tests.browser import offline_page
from tests.browser import screenshot


def test_every_example_is_a_valid_query() -> None:
    """Each kind of user's example validates against the schema, and every kind has one."""
    schema = build_schema()._schema
    for example in EXAMPLES:
        assert validate(schema, parse(example.query)) == [], example.user
    users = {example.user for example in EXAMPLES}
    assert {"app builder", "contractor", "resident", "integrator"} <= users


async def test_graphiql_runs_a_query_offline(pages_site: str, pages_browser: Any) -> None:
    """The page loads only from the server, opens on the first example and runs it."""
    async with offline_page(pages_browser, pages_site) as tab:
        response = await tab.page.goto(pages_site + "/graphql")
        assert response is not None
        csp = response.headers["content-security-policy"]
        assert "script-src 'self';" in csp
        assert "unsafe-inline" not in csp
        assert "unsafe-eval" not in csp
        await tab.page.wait_for_selector(".graphiql-container", timeout=20_000)
        tabs = tab.page.locator(".graphiql-tab")
        assert await tabs.count() == len(EXAMPLES)
        await tab.page.click(".graphiql-execute-button")
        result = tab.page.locator(".result-window")
        await result.get_by_text('"totalCount"').wait_for(timeout=20_000)
        text = await result.inner_text()
        assert '"errors"' not in text
        assert '"uprn"' in text
        await screenshot(tab.page, "graphiql")
        assert tab.blocked == []
        assert tab.errors == []


async def test_static_files_gzip_or_plain(client: httpx.AsyncClient) -> None:
    """A gzipped asset goes out as stored to gzip clients and inflated to others; paths
    outside the static folder are not found."""
    zipped = await client.get(
        "/static/graphiql/react.production.min.js", headers={"accept-encoding": "gzip"}
    )
    assert zipped.status_code == 200
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.headers["content-type"] == "text/javascript; charset=utf-8"
    assert "immutable" in zipped.headers["cache-control"]
    plain = await client.get(
        "/static/graphiql/react.production.min.js", headers={"accept-encoding": "identity"}
    )
    assert "content-encoding" not in plain.headers
    assert plain.content.startswith(b"/**\n * @license React")
    assert plain.content == zipped.content  # httpx inflates the gzipped one
    for bad in ("/static/graphiql/nothing.js", "/static/../pages.py", "/static/.hidden"):
        assert (await client.get(bad)).status_code == 404, bad


async def test_licences_ship_beside_the_assets(client: httpx.AsyncClient) -> None:
    """Every vendored file's licence is in the package."""
    for name in ("LICENSE.graphiql", "LICENSE.react", "LICENSE.react-dom"):
        response = await client.get(f"/static/graphiql/{name}")
        assert response.status_code == 200
        assert b"MIT License" in response.content


def test_stored_assets_are_gzip() -> None:
    """The stored ``.gz`` files are gzip (a plain file renamed would be served broken)."""
    from importlib.resources import files

    folder = files("odx_graph.web") / "static" / "graphiql"
    stored = [item for item in folder.iterdir() if item.name.endswith(".gz")]
    assert len(stored) == 4
    for item in stored:
        assert gzip.decompress(item.read_bytes())
