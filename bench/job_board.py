"""A contractor's job board on a large demo database: the open jobs in one postcode
district, their count and the first page, through GraphQL and as the two statements it
runs, with the district as it is now (on the repair, ``repair.postcode_district``,
migration 0033) against the form before it (the repair's home looked up for its
district), run alternately on the same database in the same run.

    odx-graph demo --homes 100000   # with ODX_DATABASE_URL naming a scratch database
    python bench/job_board.py --database "$ODX_DATABASE_URL" --rounds 5
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import platform
import statistics
import time

import asyncpg
import httpx

from odx_graph.core.config import Settings
from odx_graph.store.db import Database
from odx_graph.web.app import create_app

JOBS = """query($d: [String!], $p: String!) {
  organisations(filter: {kind: ["contractor"], servesPostcodeDistrict: $d}, first: 5) { nodes {
    name jobs(first: 10, filter: {open: true, postcode: $p}) {
      totalCount pageInfo { hasNextPage endCursor }
      nodes { reportedAt targetAt priority { label } home { postcode } } } } } }"""
OPEN = "t.is_open = true"
FORMS = {
    "before (the home's district looked up)": (
        "EXISTS (SELECT 1 FROM home h WHERE h.id = t.home_id AND h.postcode_district = $2)"
    ),
    "now (repair.postcode_district)": "t.postcode_district = $2",
}


def _statements(district_sql: str) -> tuple[str, str]:
    where = f"t.contractor_id = $1 AND {OPEN} AND {district_sql}"
    return (
        f"SELECT count(*) FROM repair t WHERE {where}",
        f"SELECT t.id FROM repair t WHERE {where} ORDER BY t.reported_at DESC, t.id DESC LIMIT 11",
    )


async def _sql(url: str, pairs: list[tuple[int, str]], rounds: int) -> dict[str, list[float]]:
    conn = await asyncpg.connect(url)
    times: dict[str, list[float]] = {name: [] for name in FORMS}
    try:
        for _ in range(rounds):
            for name, district_sql in FORMS.items():  # alternately, so load hits both alike
                count, page = _statements(district_sql)
                for contractor, district in pairs:
                    began = time.perf_counter()
                    await conn.fetchval(count, contractor, district)
                    await conn.fetch(page, contractor, district)
                    times[name].append((time.perf_counter() - began) * 1000)
    finally:
        await conn.close()
    return times


async def _graphql(url: str, districts: list[str], rounds: int) -> list[float]:
    db = await Database.connect(url, max_size=4)
    settings = Settings.from_env({}, rate_limit_per_minute=0, statement_timeout_ms=60_000)
    app = create_app(settings, database=db)
    times: list[float] = []
    try:
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://bench"
            ) as http,
        ):
            for _ in range(rounds):
                for district in districts:
                    began = time.perf_counter()
                    response = await http.post(
                        "/graphql",
                        json={"query": JOBS, "variables": {"d": [district], "p": district}},
                    )
                    assert "errors" not in response.json(), response.text[:500]
                    times.append((time.perf_counter() - began) * 1000)
    finally:
        await db.close()
    return times


def _row(name: str, values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"| {name} | {len(values)} | {statistics.median(values):.1f} | {p95:.1f} |"


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True, help="a database holding a large demo")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--districts", type=int, default=6, help="the largest N districts")
    args = parser.parse_args()
    conn = await asyncpg.connect(args.database)
    try:
        homes = await conn.fetchval("SELECT count(*) FROM home")
        repairs = await conn.fetchval("SELECT count(*) FROM repair")
        districts = [
            r[0]
            for r in await conn.fetch(
                "SELECT postcode_district FROM home GROUP BY 1 ORDER BY count(*) DESC LIMIT $1",
                args.districts,
            )
        ]
        pairs = [
            (r[0], r[1])
            for r in await conn.fetch(
                "SELECT o.id, d FROM organisation o, unnest($1::text[]) d "
                "WHERE 'contractor' = ANY(o.role_codes) AND d = ANY(o.postcode_districts)",
                districts,
            )
        ]
    finally:
        await conn.close()
    sql = await _sql(args.database, pairs, args.rounds)
    web = await _graphql(args.database, districts, args.rounds)
    print(f"# job board, {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {platform.machine()}")
    print(
        f"\n{homes:,} homes, {repairs:,} repairs; districts {', '.join(districts)}; "
        f"{len(pairs)} (contractor, district) pairs\n"
    )
    print(
        "| statement pair (count + first page) per contractor and district | runs | "
        "median ms | p95 ms |\n| --- | ---: | ---: | ---: |"
    )
    for name, values in sql.items():
        print(_row(name, values))
    before, now = (statistics.median(v) for v in sql.values())
    print(f"\nbefore / now (medians): {before / now:.1f}x\n")
    print(
        "| GraphQL request (5 contractors, count and 10 jobs each) | runs | median ms | "
        "p95 ms |\n| --- | ---: | ---: | ---: |"
    )
    print(_row("now", web))


if __name__ == "__main__":
    asyncio.run(main())
