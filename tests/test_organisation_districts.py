"""The postcode districts an organisation serves, kept one a row (migration 0041) beside
the array they are written in: the same districts after every kind of write, the
``servesPostcodeDistrict`` filter finding exactly the organisations whose array holds a
district, and that filter reading the districts' index, not every organisation's
array, when there are many organisations serving thousands of districts each."""

from __future__ import annotations

from odx_graph.core.access import PUBLIC
from odx_graph.mapping import MAPPING
from odx_graph.mapping.query import ListRequest
from odx_graph.mapping.query import bind_filters
from odx_graph.store.db import Connection
from odx_graph.store.db import Database
from odx_graph.store.sql import page_statement
from tests.conftest import GraphQLClient

ORGANISATION = MAPPING["Organisation"]

KEPT = """SELECT organisation_id, array_agg(postcode_district ORDER BY postcode_district)
          FROM organisation_district GROUP BY 1"""
WRITTEN = """SELECT o.id, array_agg(DISTINCT d ORDER BY d)
             FROM organisation o CROSS JOIN LATERAL unnest(o.postcode_districts) AS d
             WHERE d IS NOT NULL GROUP BY 1"""


async def _agree(conn: Connection) -> dict[int, list[str]]:
    kept = {r[0]: r[1] for r in await conn.fetch(KEPT)}
    written = {r[0]: r[1] for r in await conn.fetch(WRITTEN)}
    assert kept == written
    return kept


async def test_the_districts_kept_follow_every_write_of_the_array(fresh_db: Database) -> None:
    async with fresh_db.connection() as conn, conn.transaction():
        before = await _agree(conn)
        assert before and any(len(d) > 1 for d in before.values())
        landlord, districts = next((k, d) for k, d in before.items() if len(d) > 1)
        # One added, one taken away.
        await conn.execute(
            "UPDATE organisation SET postcode_districts = $2 WHERE id = $1",
            landlord,
            [*districts[1:], "ZZ99"],
        )
        assert (await _agree(conn))[landlord] == sorted([*districts[1:], "ZZ99"])
        # Written again as it is, with a repeat and a NULL: nothing changes.
        await conn.execute(
            "UPDATE organisation SET postcode_districts = postcode_districts || $2 WHERE id = $1",
            landlord,
            ["ZZ99", None],
        )
        assert (await _agree(conn))[landlord] == sorted([*districts[1:], "ZZ99"])
        # Emptied: none kept.
        await conn.execute(
            "UPDATE organisation SET postcode_districts = '{}' WHERE id = $1", landlord
        )
        assert landlord not in await _agree(conn)
        # Another column written: the districts stay.
        other = next(k for k in before if k != landlord)
        await conn.execute(
            "UPDATE organisation SET website = 'https://x.test' WHERE id = $1", other
        )
        assert (await _agree(conn))[other] == before[other]
        # A new organisation, and its removal.
        new = await conn.fetchval(
            "INSERT INTO organisation (kind_code, name, postcode_districts)"
            " VALUES ('contractor', 'New Co', '{LS9, LS9, E1}') RETURNING id"
        )
        assert (await _agree(conn))[new] == ["E1", "LS9"]
        await conn.execute("DELETE FROM organisation WHERE id = $1", new)
        assert new not in await _agree(conn)
        assert not await conn.fetchval(
            "SELECT count(*) FROM organisation_district WHERE organisation_id = $1", new
        )


async def test_the_filter_finds_whose_array_holds_a_district(
    seeded_db: Database, gql: GraphQLClient
) -> None:
    districts = [
        r[0]
        for r in await seeded_db.fetch(
            "SELECT DISTINCT unnest(postcode_districts) FROM organisation ORDER BY 1"
        )
    ]
    asked = [[d] for d in districts[:6]] + [districts[-2:], ["ZZ99"], []]
    query = """query($d: [String!]) { organisations(filter: {servesPostcodeDistrict: $d},
      first: 100) { totalCount nodes { name } } }"""
    for districts_asked in asked:
        expected = [
            r[0]
            for r in await seeded_db.fetch(
                "SELECT name FROM organisation WHERE postcode_districts && $1 ORDER BY name, id",
                districts_asked,
            )
        ]
        body = await gql(query, {"d": districts_asked})
        found = body["data"]["organisations"]
        assert [n["name"] for n in found["nodes"]] == expected, districts_asked
        assert found["totalCount"] == len(expected)


async def test_the_filter_reads_the_districts_index(fresh_db: Database) -> None:
    async with fresh_db.connection() as conn, conn.transaction():
        # A register of many contractors serving many districts each.
        await conn.execute(
            "INSERT INTO organisation (kind_code, name, postcode_districts)"
            " SELECT 'contractor', 'Contractor ' || n,"
            "        ARRAY(SELECT 'D' || ((n * 7 + k) % 3000) FROM generate_series(1, 600) k)"
            " FROM generate_series(1, 300) n"
        )
        await conn.execute("ANALYZE organisation")
        await conn.execute("ANALYZE organisation_district")
        request = ListRequest(
            filters=bind_filters(ORGANISATION, {"servesPostcodeDistrict": ["D42"]}), first=10
        )
        sql, params = page_statement(ORGANISATION, request, PUBLIC, "http://odx.test")
        plan = "\n".join(r[0] for r in await conn.fetch(f"EXPLAIN {sql}", *params))
        assert "organisation_district_pkey" in plan, plan
        assert "postcode_districts" not in plan, plan
