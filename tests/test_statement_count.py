"""A nested query costs the same number of SQL statements whatever the page size."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import httpx
import pytest

from odx_graph.core.config import Settings
from odx_graph.store.db import Database
from odx_graph.web.app import create_app
from tests.conftest import GraphQLClient

NESTED = """query($first: Int!) {
  homes(first: $first) {
    totalCount
    nodes {
      uprn landlord { name } building { name } propertyType { label }
      references { value allocatedBy { name } }
      components(first: 10) { totalCount nodes { componentType { label } condition { label } } }
      repairs(first: 3) { nodes {
        reportedAt contractor { name } priority { label } status { label }
        lines { sorCode sorItem { schedules } } statusHistory { status { code } }
      } }
    }
  }
}"""


@pytest.fixture
def statements(seeded_db: Database) -> Iterator[list[str]]:
    sent: list[str] = []
    seeded_db.add_listener(sent.append)
    yield sent
    seeded_db.remove_listener(sent.append)


@pytest.mark.parametrize(("compiled", "expected"), [(False, 19), (True, 1)])
async def test_statements_do_not_grow_with_the_page(
    seeded_db: Database, settings: Settings, statements: list[str], compiled: bool, expected: int
) -> None:
    app = create_app(replace(settings, compiled_queries=compiled), database=seeded_db)
    transport = httpx.ASGITransport(app=app)
    counts = {}
    async with httpx.AsyncClient(transport=transport, base_url="http://odx.test") as http:
        gql = GraphQLClient(http)
        for first in (1, 10, 100):
            statements.clear()
            body = await gql(NESTED, {"first": first})
            assert len(body["data"]["homes"]["nodes"]) == first
            counts[first] = len(statements)
    # Resolvers: one statement for the homes, one for their count, one per relation in
    # the query (16) and one for the components' count: 19 at most, whatever the page
    # size (a smaller page may need fewer: no statement when every key is null). The
    # compiled path: one statement for the whole response.
    assert counts[1] <= counts[10] <= counts[100] == expected, counts


async def test_every_statement_binds_its_values(gql: GraphQLClient, statements: list[str]) -> None:
    await gql("""{ homes(filter: {postcode: "E1"}, first: 2) { nodes { uprn } } }""")
    assert statements and all("'E1'" not in s for s in statements)
