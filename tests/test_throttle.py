"""Rate limits come first: a flood gets 429 (not 503), keyed users keep being served
through an anonymous flood, and keys that do not work stop costing database look-ups."""

from __future__ import annotations

import asyncio
import secrets
import string
from collections import Counter
from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from odx_graph.core.access import Tier
from odx_graph.core.config import Settings
from odx_graph.services.credentials import create_key
from odx_graph.store.db import Database
from odx_graph.web.app import create_app
from odx_graph.web.throttle import client_key
from tests.conftest import Server
from tests.support import served_app

QUERY = {"query": "{ priorities { code } }"}


@pytest.fixture(scope="module")
async def keyed_db(pg_server: Server, template_db: str) -> AsyncIterator[tuple[Database, str]]:
    """A private copy of the demo database with a regulator key: ``(db, key)``."""
    name = await pg_server.create_database(template_db)
    db = await Database.connect(pg_server.dsn(name), max_size=4)
    try:
        async with db.connection() as conn:
            _, key = await create_key(conn, tier=Tier.REGULATOR, name="throttle tests")
        yield db, key
    finally:
        await db.close()
        await pg_server.drop_database(name)


def _app_with_a_slow_route(db: Database, **settings: object) -> httpx.AsyncClient:
    app = create_app(Settings.from_env({}, **settings), database=db)  # type: ignore[arg-type]

    async def slow(request: Request) -> JSONResponse:
        await asyncio.sleep(0.3)
        return JSONResponse({"ok": True})

    app.router.routes.append(Route("/slow", slow))
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://odx.test", timeout=30
    )


async def test_a_flood_gets_429_beyond_its_burst_not_503(seeded_db: Database) -> None:
    async with _app_with_a_slow_route(
        seeded_db,
        max_concurrent_requests=2,
        max_queued_requests=1,
        queue_timeout_ms=200,
        rate_limit_per_minute=5,  # one more every 12 s: none while the 40 are sent
        rate_limit_burst=5,
    ) as http:
        statuses = Counter(
            r.status_code for r in await asyncio.gather(*(http.get("/slow") for _ in range(40)))
        )
    # Before, the limit was applied inside the request slots: 2 served, 38 shed with 503.
    assert statuses[429] == 35, statuses
    assert statuses[200] >= 2 and statuses[200] + statuses[503] == 5


async def test_keyed_users_are_served_through_an_anonymous_flood(
    keyed_db: tuple[Database, str],
) -> None:
    db, key = keyed_db
    keyed = {"Authorization": f"Bearer {key}"}
    async with _app_with_a_slow_route(
        db, max_concurrent_requests=4, max_queued_requests=2, queue_timeout_ms=300
    ) as http:
        assert (await http.post("/graphql", json=QUERY, headers=keyed)).status_code == 200
        flooding = True
        shed = Counter[int]()

        async def flood() -> None:
            while flooding:
                shed[(await http.get("/slow")).status_code] += 1
                await asyncio.sleep(0.02)  # a refusal is instant: let the others run too

        flooders = [asyncio.ensure_future(flood()) for _ in range(30)]
        await asyncio.sleep(0.3)
        answers = []
        for _ in range(10):
            answers.append((await http.post("/graphql", json=QUERY, headers=keyed)).status_code)
            await asyncio.sleep(0.1)
        flooding = False
        await asyncio.gather(*flooders)
    assert shed[503] + shed[429] > 30, shed  # the flood was refused...
    assert answers == [200] * 10  # ...and the keyed user was not


def _random_key() -> str:
    alphabet = string.ascii_lowercase + string.digits
    prefix = "".join(secrets.choice(alphabet) for _ in range(10))
    return f"odx_{prefix}_{secrets.token_urlsafe(32)}"


async def test_keys_that_do_not_work_stop_reaching_the_database(
    keyed_db: tuple[Database, str],
) -> None:
    db, key = keyed_db
    lookups = 0

    def count(sql: str) -> None:
        nonlocal lookups
        lookups += "FROM api_key WHERE prefix" in sql

    db.add_listener(count)
    try:
        async with _app_with_a_slow_route(db, key_lookups_per_minute=5) as http:
            good = {"Authorization": f"Bearer {key}"}
            assert (await http.post("/graphql", json=QUERY, headers=good)).status_code == 200
            assert lookups == 1
            bad = [_random_key() for _ in range(30)]
            statuses = [
                (
                    await http.post(
                        "/graphql", json=QUERY, headers={"Authorization": f"Bearer {k}"}
                    )
                ).status_code
                for k in bad
            ]
            # The budget has 5 look-ups a minute; the good key spent one.
            assert statuses == [401] * 4 + [429] * 26
            assert lookups == 5
            # A key found bad is refused again without a look-up.
            again = {"Authorization": f"Bearer {bad[0]}"}
            assert (await http.post("/graphql", json=QUERY, headers=again)).status_code == 401
            assert lookups == 5
            # The key that works is still served from the same address, looked up each time.
            assert (await http.post("/graphql", json=QUERY, headers=good)).status_code == 200
            assert lookups == 6
    finally:
        db.remove_listener(count)


@pytest.mark.parametrize(
    ("client", "key"),
    [
        (("203.0.113.7", 5), "ip:203.0.113.7"),
        (("2001:db8:1:2:aaaa::1", 5), "ip:2001:db8:1:2::/64"),
        (("2001:db8:1:2:bbbb::9", 5), "ip:2001:db8:1:2::/64"),
        (("2001:db8:1:3::1", 5), "ip:2001:db8:1:3::/64"),
        (("::ffff:198.51.100.4", 5), "ip:198.51.100.4"),
        (None, "ip:unknown"),
    ],
)
def test_clients_are_known_by_address_and_ipv6_by_network(client: object, key: str) -> None:
    assert client_key(client) == key


async def test_a_local_client_cannot_pose_as_other_addresses(seeded_db: Database) -> None:
    # uvicorn believes X-Forwarded-For from loopback unless told otherwise: a flood from
    # this machine could then give every request an address of its own.
    async with (
        served_app(seeded_db, rate_limit_per_minute=2, rate_limit_burst=2) as (address, _),
        httpx.AsyncClient(base_url=f"http://{address}", timeout=10) as http,
    ):
        statuses = [
            (
                await http.post(
                    "/graphql", json=QUERY, headers={"X-Forwarded-For": f"198.51.100.{n}"}
                )
            ).status_code
            for n in range(3)
        ]
    assert statuses == [200, 200, 429]


async def test_fragments_have_buckets_of_their_own_ten_times_as_large() -> None:
    # A TPF client asks for fragments by the thousand to answer one query: they have their
    # own bucket, FRAGMENTS_PER_REQUEST times the request limit, and neither kind of
    # request spends the other's. Nothing behind the limiter costs anything here, and the
    # fragment bucket takes 3 s to refill a token: the requests are made well within it.
    from odx_graph.web.throttle import FRAGMENTS_PER_REQUEST
    from odx_graph.web.throttle import RateLimitMiddleware
    from odx_graph.web.throttle import Throttle

    async def ok(scope: object, receive: object, send: object) -> None:
        await JSONResponse({"ok": True})(scope, receive, send)  # type: ignore[arg-type]

    limited = RateLimitMiddleware(ok, throttle=Throttle(2, 2, 10))  # type: ignore[arg-type]
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=limited), base_url="http://odx.test"
    ) as http:
        requests = [(await http.get("/graphql")).status_code for _ in range(3)]
        assert requests == [200, 200, 429]
        fragments = [(await http.get("/fragments")).status_code for _ in range(21)]
        assert FRAGMENTS_PER_REQUEST == 10
        assert fragments == [200] * 20 + [429]
        assert (await http.get("/id/home/1")).status_code == 429  # still the request bucket
