"""Every GraphQL example in README.md and docs/ runs against the demo dataset and returns
data: a newcomer who pastes one into GraphiQL sees something.

The examples name places, codes and ids the demo has whatever its size and seed (the
generator's districts, the first home's id, the first landlord's id), so they hold both for
the tests' small demo and for the 5,000 homes ``odx-graph serve`` loads.
"""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from odx_graph.core.access import Tier
from odx_graph.core.config import Settings
from odx_graph.core.ids import decode_int_id
from odx_graph.services.credentials import create_key
from odx_graph.store.db import Database
from tests.support import served_app
from tests.support import subscribe

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
_BLOCK = re.compile(r"```graphql\n(.*?)```", re.DOTALL)


def examples() -> list[tuple[str, str]]:
    """Every ```graphql block of the pages, as ``(page#n, text)``."""
    found = []
    for page in PAGES:
        for number, match in enumerate(_BLOCK.finditer(page.read_text()), start=1):
            found.append((f"{page.name}#{number}", match.group(1)))
    return found


EXAMPLES = examples()


def _kind(text: str) -> str:
    first = text.lstrip().split(None, 1)[0]
    return first if first in ("mutation", "subscription") else "query"


def has_data(value: Any) -> bool:
    """Whether a field's value shows something: not null, not an empty list or page."""
    if value is None:
        return False
    if isinstance(value, list):
        return bool(value)
    if isinstance(value, dict):
        if "nodes" in value:
            return bool(value["nodes"])
        return any(has_data(v) for v in value.values())
    return True


def test_the_pages_have_examples_of_every_kind() -> None:
    assert len(EXAMPLES) >= 14
    assert {_kind(text) for _, text in EXAMPLES} == {"query", "mutation", "subscription"}


QUERIES = [(name, text) for name, text in EXAMPLES if _kind(text) == "query"]


@pytest.mark.parametrize(("name", "text"), QUERIES, ids=[name for name, _ in QUERIES])
async def test_every_example_query_returns_data(
    client: httpx.AsyncClient, name: str, text: str
) -> None:
    response = await client.post("/graphql", json={"query": text})
    body = response.json()
    assert response.status_code == 200 and "errors" not in body, (name, body)
    empty = [field for field, value in body["data"].items() if not has_data(value)]
    assert empty == [], (name, body["data"])


MUTATIONS = [(name, text) for name, text in EXAMPLES if _kind(text) == "mutation"]
SUBSCRIPTIONS = [(name, text) for name, text in EXAMPLES if _kind(text) == "subscription"]


@pytest.mark.parametrize(("name", "text"), MUTATIONS, ids=[name for name, _ in MUTATIONS])
async def test_every_example_mutation_works_with_a_key(
    module_db: Database, name: str, text: str
) -> None:
    """The examples act on the first home, with its landlord's provider key."""
    from odx_graph.web.app import create_app

    landlord = await module_db.fetchval("SELECT landlord_id FROM home WHERE id = 1")
    async with module_db.connection() as conn:
        _, key = await create_key(
            conn, tier=Tier.PROVIDER, name=f"docs {name}", organisation_id=landlord
        )
    app = create_app(Settings.from_env({}, base_iri="http://odx.test"), database=module_db)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://odx.test"
    ) as http:
        body = (
            await http.post(
                "/graphql", json={"query": text}, headers={"Authorization": f"Bearer {key}"}
            )
        ).json()
    assert "errors" not in body, (name, body)
    ((field, payload),) = body["data"].items()
    assert payload.get("__typename") != "MutationError" and "code" not in payload, (name, payload)
    assert has_data(payload), (name, payload)
    if field == "reportRepair":
        assert payload["repair"]["status"] == {"value": "REPORTED"}, payload
    if field == "issueResidentToken":
        assert payload["token"].startswith("odx_"), payload


async def _repair_of(db: Database, text: str) -> int | None:
    """A repair of the demo the subscription example is about (by id, home or district)."""
    by_id = re.search(r'repairId: "([^"]+)"', text)
    if by_id is not None:
        key = decode_int_id(by_id.group(1), "Repair", field="repairId")
        found: int | None = await db.fetchval("SELECT id FROM repair WHERE id = $1", key)
        return found
    by_home = re.search(r'homeId: "([^"]+)"', text)
    if by_home is not None:
        home = decode_int_id(by_home.group(1), "Home", field="homeId")
        return await db.fetchval(
            "SELECT id FROM repair WHERE home_id = $1 ORDER BY id LIMIT 1", home
        )
    district = re.search(r'postcodeDistrict: "([^"]+)"', text)
    assert district is not None, text
    return await db.fetchval(
        "SELECT r.id FROM repair r JOIN home h ON h.id = r.home_id "
        "WHERE h.postcode_district = $1 ORDER BY r.id LIMIT 1",
        district.group(1),
    )


@pytest.mark.parametrize(("name", "text"), SUBSCRIPTIONS, ids=[name for name, _ in SUBSCRIPTIONS])
async def test_every_example_subscription_delivers(
    module_db: Database, name: str, text: str
) -> None:
    repair = await _repair_of(module_db, text)
    assert repair is not None, f"{name}: no such repair in the demo"
    async with served_app(module_db) as (url, _):
        ws = await subscribe(url, text, {})
        try:
            await asyncio.sleep(0.3)  # the subscription is listening
            await module_db.execute(
                "UPDATE repair SET target_at = target_at + interval '1 hour' WHERE id = $1",
                repair,
            )
            message = json.loads(await asyncio.wait_for(ws.recv(), 10))
        finally:
            await ws.close()
    assert message["type"] == "next", message
    assert has_data(message["payload"]["data"]["repairUpdated"])
