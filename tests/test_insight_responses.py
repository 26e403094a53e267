"""Whole insight responses kept per data version, over real HTTP: asked again, the kept
response is the answer and no resolver runs; a committed write makes the next request
work it out again; responses are kept per caller, variables and operation, and only
for queries made of insight fields."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from collections.abc import Awaitable
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from odx_graph.core.access import Tier
from odx_graph.core.ids import decode_int_id
from odx_graph.services.credentials import create_key
from odx_graph.services.insight import repairs
from odx_graph.store.db import Database
from tests.support import served_app

PERFORMANCE = """query($since: DateTime) {
  repairPerformance(groupBy: [LANDLORD], scope: {reportedFrom: $since}) {
    key { value } disclosure homes raised } }"""
SINCE = {"since": "2000-01-01T00:00:00Z"}

Post = Callable[..., Awaitable[httpx.Response]]


@pytest.fixture
async def served(
    fresh_db: Database, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[Post, list[str], str]]:
    """``(post, calls, admin key)``: requests to the app under uvicorn on loopback, and
    every call of the repair performance service they make."""
    calls: list[str] = []
    service = repairs.performance

    async def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append("performance")
        return await service(*args, **kwargs)

    monkeypatch.setattr(repairs, "performance", counted)
    async with fresh_db.connection() as conn:
        _, admin = await create_key(conn, tier=Tier.ADMIN, name="board")
    async with (
        served_app(fresh_db) as (url, _),
        httpx.AsyncClient(base_url=f"http://{url}", timeout=60) as http,
    ):

        async def post(
            query: str, variables: dict[str, Any] | None = None, key: str = ""
        ) -> httpx.Response:
            headers = {"Authorization": f"Bearer {key}"} if key else {}
            body = {"query": query, "variables": variables or {}}
            response = await http.post("/graphql", json=body, headers=headers)
            assert response.status_code == 200, response.text
            return response

        yield post, calls, admin


def _raised(response: httpx.Response) -> dict[int, int | None]:
    groups = response.json()["data"]["repairPerformance"]
    return {decode_int_id(g["key"][0]["value"], "Organisation"): g["raised"] for g in groups}


async def test_a_repeated_query_is_answered_whole_until_a_write(
    served: tuple[Post, list[str], str], fresh_db: Database
) -> None:
    post, calls, admin = served
    first = await post(PERFORMANCE, SINCE, admin)
    assert calls == ["performance"]
    again = await post(PERFORMANCE, SINCE, admin)
    assert again.content == first.content
    assert calls == ["performance"]  # kept whole: no resolver ran
    home, landlord = await fresh_db.fetchrow("SELECT id, landlord_id FROM home ORDER BY id LIMIT 1")
    await fresh_db.execute(
        "INSERT INTO repair (landlord_id, home_id, priority_code, status_code, reported_at, "
        "raised_at) VALUES ($1, $2, '4', 'reported', now(), now())",
        landlord,
        home,
    )
    after = await post(PERFORMANCE, SINCE, admin)
    assert calls == ["performance", "performance"]  # the write: worked out again
    before_write, after_write = _raised(first), _raised(after)
    assert after_write[landlord] == (before_write[landlord] or 0) + 1
    assert {k: v for k, v in after_write.items() if k != landlord} == {
        k: v for k, v in before_write.items() if k != landlord
    }
    assert (await post(PERFORMANCE, SINCE, admin)).content == after.content
    assert len(calls) == 2


async def test_responses_are_kept_per_caller_variables_and_operation(
    served: tuple[Post, list[str], str],
) -> None:
    post, calls, admin = served
    public = await post(PERFORMANCE, SINCE)
    exact = await post(PERFORMANCE, SINCE, admin)
    assert public.json()["data"]["repairPerformance"][0]["disclosure"] == "PERTURBED"
    assert exact.json()["data"]["repairPerformance"][0]["disclosure"] == "EXACT"
    later = await post(PERFORMANCE, {"since": "2030-01-01T00:00:00Z"})
    assert later.content != public.content
    assert len(calls) == 3
    # the same again, each: no resolver runs
    assert (await post(PERFORMANCE, SINCE)).content == public.content
    assert (await post(PERFORMANCE, SINCE, admin)).content == exact.content
    assert len(calls) == 3
    named = "query Board" + PERFORMANCE.removeprefix("query")
    await post(named, SINCE)
    assert len(calls) == 4  # another operation text is another response


async def test_only_queries_of_insight_fields_are_kept_whole(
    served: tuple[Post, list[str], str],
) -> None:
    post, calls, _ = served
    mixed = PERFORMANCE.replace("raised }", "raised } homes(first: 1) { totalCount }")
    fragment = (
        "query($since: DateTime) { ...P } fragment P on Query { repairPerformance("
        "groupBy: [LANDLORD], scope: {reportedFrom: $since}) { raised } }"
    )
    for query in (mixed, fragment):
        for _ in range(2):
            body = (await post(query, SINCE)).json()
            assert "errors" not in body and body["data"]["repairPerformance"]
    assert len(calls) == 4  # each asked twice, each time through the resolvers
    typename = "{ __typename repairPerformance(groupBy: []) { raised } }"
    for _ in range(2):
        await post(typename)
    assert len(calls) == 5
    # an error is never kept: the same request is refused each time
    bad = "{ repairPerformance(groupBy: [LANDLORD, LANDLORD]) { raised } }"
    for _ in range(2):
        assert "errors" in (await post(bad)).json()


async def test_concurrent_misses_run_the_query_once(served: tuple[Post, list[str], str]) -> None:
    """Eight requests missing the same response together: one runs the query, the others
    answer with its result, byte for byte."""
    post, calls, admin = served
    answers = await asyncio.gather(*(post(PERFORMANCE, SINCE, admin) for _ in range(8)))
    assert calls == ["performance"]
    assert all(a.content == answers[0].content for a in answers)
    assert answers[0].json()["data"]["repairPerformance"]
