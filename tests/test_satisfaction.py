"""Tenant Satisfaction Measures results: each measure against an independent computation
on a small dataset checked by hand (don't know and not applicable left out, the latest
answer of a home, the financial year's first and last days, a repair exactly 12 months
before the answer, communal areas), disclosure control at the threshold, access per tier,
a resident's estate, and landlords' aggregate returns imported by template."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from odx_graph.core.access import Tier
from odx_graph.core.config import Settings
from odx_graph.core.ids import encode_global_id
from odx_graph.services.credentials import create_key
from odx_graph.store.db import Database

BASE = "http://odx.test"
THRESHOLD = 4  # suppress groups of fewer than 4 respondents
UK = ZoneInfo("Europe/London")
D = dt.date

# (home index, measure, answer, survey date); homes 0-2 are in a building, 3-5 are not.
ANSWERS = [
    # TP01: the first and last days of 2024/25 count, the days either side do not; a
    # home's later answer replaces its earlier one; don't know is left out.
    (0, "TP01", "very-satisfied", D(2024, 4, 1)),
    (1, "TP01", "fairly-satisfied", D(2024, 5, 1)),
    (1, "TP01", "very-dissatisfied", D(2024, 8, 1)),
    (2, "TP01", "neither", D(2024, 6, 1)),
    (3, "TP01", "dont-know", D(2024, 6, 1)),
    (4, "TP01", "fairly-satisfied", D(2025, 3, 31)),
    (5, "TP01", "very-satisfied", D(2025, 4, 1)),
    (5, "TP01", "very-satisfied", D(2024, 3, 31)),
    # TP02: home 0 had a repair in the 12 months; home 1's repair is exactly 12 months
    # before (counts), home 3's 12 months and a day before (does not); home 2 had none;
    # not applicable is left out.
    (0, "TP02", "fairly-satisfied", D(2025, 1, 1)),
    (1, "TP02", "very-satisfied", D(2024, 9, 15)),
    (3, "TP02", "very-satisfied", D(2024, 9, 16)),
    (2, "TP02", "very-dissatisfied", D(2024, 10, 1)),
    (4, "TP02", "not-applicable", D(2024, 10, 1)),
    (0, "TP03", "neither", D(2025, 1, 1)),
    # TP08 is agreement: the same answer codes.
    (0, "TP08", "fairly-satisfied", D(2024, 7, 1)),
    (1, "TP08", "very-dissatisfied", D(2024, 7, 1)),
    (2, "TP08", "fairly-satisfied", D(2024, 7, 1)),
    (3, "TP08", "very-satisfied", D(2024, 7, 1)),
    # TP10: only homes with communal areas (in a building).
    (0, "TP10", "very-satisfied", D(2024, 7, 1)),
    (1, "TP10", "fairly-dissatisfied", D(2024, 7, 1)),
    (3, "TP10", "very-satisfied", D(2024, 7, 1)),
    (2, "TP10", "not-applicable", D(2024, 7, 1)),
]
# Repairs completed (UK time): home 0 in June 2024, homes 1 and 3 on 15 September 2023.
REPAIRS = [
    (0, dt.datetime(2024, 6, 10, 12, tzinfo=dt.UTC)),
    (1, dt.datetime(2023, 9, 14, 23, 30, tzinfo=dt.UTC)),  # 00:30 on the 15th in London
    (3, dt.datetime(2023, 9, 15, 9, tzinfo=dt.UTC)),
]
# Worked out by hand from the rows above: (valid responses, satisfied).
BY_HAND = {"TP01": (4, 2), "TP02": (2, 2), "TP03": (1, 0), "TP08": (4, 3), "TP10": (2, 1)}


@dataclass
class World:
    http: httpx.AsyncClient
    db: Database
    landlord: int
    homes: list[int]
    estate: int
    keys: dict[str, str]

    async def gql(self, query: str, variables: dict[str, Any], key: str | None) -> Any:
        headers = {"Authorization": f"Bearer {self.keys[key]}"} if key else {}
        response = await self.http.post(
            "/graphql", json={"query": query, "variables": variables}, headers=headers
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert "errors" not in body, body["errors"]
        return body["data"]


@pytest.fixture
async def world(fresh_db: Database) -> AsyncIterator[World]:
    from odx_graph.web.app import create_app

    db = fresh_db
    await db.execute("DELETE FROM satisfaction_response")
    landlord = await db.fetchval(
        "INSERT INTO organisation (name, kind_code, role_codes) "
        "VALUES ('Survey Homes', 'landlord', ARRAY['landlord']) RETURNING id"
    )
    building = await db.fetchval(
        "INSERT INTO building (name, landlord_id, postcode) "
        "VALUES ('Survey House', $1, 'ZZ1 1AA') RETURNING id",
        landlord,
    )
    homes = []
    for n in range(6):
        homes.append(
            await db.fetchval(
                "INSERT INTO home (landlord_id, building_id, address_line_1, postcode) "
                "VALUES ($1, $2, $3, $4) RETURNING id",
                landlord,
                building if n < 3 else None,
                f"{n + 1} Survey Road",
                "ZZ1 1AA" if n < 3 else "ZZ1 2AB",
            )
        )
    for n, completed in REPAIRS:
        await db.execute(
            "INSERT INTO repair (landlord_id, home_id, priority_code, status_code, "
            "reported_at, raised_at, completed_at) VALUES ($1, $2, '3', 'complete', $3, $3, $3)",
            landlord,
            homes[n],
            completed,
        )
    for n, measure, answer, day in ANSWERS:
        await db.execute(
            "INSERT INTO satisfaction_response (home_id, landlord_id, measure_code, "
            "answer_code, survey_date) VALUES ($1, $2, $3, $4, $5)",
            homes[n],
            landlord,
            measure,
            answer,
            day,
        )
    estate = await db.fetchval(
        "INSERT INTO estate (landlord_id, reference, name, postcodes) "
        "VALUES ($1, 'S-1', 'Survey Estate', ARRAY['ZZ1 1', 'ZZ1 2']) RETURNING id",
        landlord,
    )
    keys = {}
    async with db.connection() as conn:
        for name, tier, org, home in [
            ("provider", Tier.PROVIDER, landlord, None),
            ("regulator", Tier.REGULATOR, None, None),
            ("admin", Tier.ADMIN, None, None),
            ("resident", Tier.RESIDENT, None, homes[0]),
        ]:
            _, keys[name] = await create_key(
                conn, tier=tier, name=name, organisation_id=org, home_id=home
            )
    settings = Settings.from_env({}, base_iri=BASE, suppress_below_homes=THRESHOLD)
    app = create_app(settings, database=db)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as http:
        yield World(http, db, landlord, homes, estate, keys)


def _independent(
    answers: list[tuple[int, str, str, dt.date]],
    repairs: list[tuple[int, dt.datetime]],
    in_building: set[int],
    year: int,
) -> dict[str, tuple[int, int]]:
    """The measures worked out in plain Python from the technical requirements."""
    first, last = D(year, 4, 1), D(year + 1, 3, 31)
    latest: dict[tuple[int, str], tuple[dt.date, int, str]] = {}
    for order, (home, measure, answer, day) in enumerate(answers):
        if first <= day <= last:
            held = latest.get((home, measure))
            if held is None or (day, order) > held[:2]:
                latest[(home, measure)] = (day, order, answer)
    found: dict[str, list[int]] = {}
    for (home, measure), (day, _, answer) in latest.items():
        if answer in ("dont-know", "not-applicable"):
            continue
        if measure in ("TP02", "TP03"):
            year_before = day.replace(year=day.year - 1)
            local = [c.astimezone(UK).date() for h, c in repairs if h == home]
            if not any(year_before <= c <= day for c in local):
                continue
        if measure == "TP10" and home not in in_building:
            continue
        counts = found.setdefault(measure, [0, 0])
        counts[0] += 1
        counts[1] += answer in ("very-satisfied", "fairly-satisfied")
    return {m: (v, s) for m, (v, s) in found.items()}


QUERY = """query($year: Int!, $by: [SatisfactionGrouping!]!, $scope: SatisfactionScopeInput) {
  tenantSatisfaction(year: $year, groupBy: $by, scope: $scope) {
    key { dimension value label } measure source disclosure suppressed
    respondents satisfied percentSatisfied
  }
}"""


def gid(node: str, key: int) -> str:
    return encode_global_id(node, key)


async def _mine(w: World, key: str | None, by: list[str], **scope: Any) -> list[dict[str, Any]]:
    data = await w.gql(
        QUERY,
        {"year": 2024, "by": by, "scope": {"landlord": [gid("Organisation", w.landlord)], **scope}},
        key,
    )
    return data["tenantSatisfaction"]  # type: ignore[no-any-return]


async def test_each_measure_equals_the_independent_computation(world: World) -> None:
    expected = _independent(ANSWERS, REPAIRS, {0, 1, 2}, 2024)
    assert expected == BY_HAND
    rows = await _mine(world, "regulator", ["LANDLORD"])
    assert {r["key"][0]["value"] for r in rows} == {gid("Organisation", world.landlord)}
    assert {r["source"] for r in rows} == {"ANSWERS"}
    assert {r["disclosure"] for r in rows} == {"EXACT"}
    got = {r["measure"]: (r["respondents"], r["satisfied"]) for r in rows}
    assert got == expected
    percent = {r["measure"]: r["percentSatisfied"] for r in rows}
    assert percent == {"TP01": 50.0, "TP02": 100.0, "TP03": 0.0, "TP08": 75.0, "TP10": 50.0}
    assert rows[0]["key"][0]["label"] == "Survey Homes"

    # By postcode district and estate: the same answers split by place.
    by_district = await _mine(world, "admin", ["POSTCODE_DISTRICT"])
    assert {r["key"][0]["value"] for r in by_district} == {"ZZ1"}
    assert {r["measure"]: r["respondents"] for r in by_district} == {
        m: v for m, (v, _) in expected.items()
    }
    in_building = _independent(
        [a for a in ANSWERS if a[0] < 3], REPAIRS, {0, 1, 2}, 2024
    )  # sector ZZ1 1 is the building's homes
    by_sector = await _mine(world, "regulator", [], postcode="ZZ1 1")
    assert {r["measure"]: (r["respondents"], r["satisfied"]) for r in by_sector} == in_building
    by_estate = await _mine(world, "regulator", ["ESTATE"])
    assert {r["key"][0]["value"] for r in by_estate} == {gid("Estate", world.estate)}
    assert {r["measure"]: (r["respondents"], r["satisfied"]) for r in by_estate} == expected

    # The next year holds only the answer of 1 April 2025.
    data = await world.gql(
        QUERY,
        {"year": 2025, "by": [], "scope": {"landlord": [gid("Organisation", world.landlord)]}},
        "regulator",
    )
    assert [(r["measure"], r["respondents"]) for r in data["tenantSatisfaction"]] == [("TP01", 1)]


async def test_public_results_are_protected_and_small_groups_suppressed(world: World) -> None:
    for key in (None, "provider", "resident"):
        rows = {r["measure"]: r for r in await _mine(world, key, ["LANDLORD"])}
        assert {r["disclosure"] for r in rows.values()} == {"PERTURBED"}
        # 4 respondents, exactly the threshold: published, with perturbed counts.
        assert not rows["TP01"]["suppressed"]
        assert rows["TP01"]["respondents"] % 5 == 0
        if rows["TP01"]["respondents"]:
            assert rows["TP01"]["percentSatisfied"] == min(
                100.0, 100 * rows["TP01"]["satisfied"] / rows["TP01"]["respondents"]
            )
        # 2 respondents, below it: nothing but the flag.
        assert rows["TP02"]["suppressed"]
        assert (rows["TP02"]["respondents"], rows["TP02"]["satisfied"]) == (None, None)
        assert rows["TP02"]["percentSatisfied"] is None
    # The same cell gets the same noise whoever asks.
    public = await _mine(world, None, ["LANDLORD"])
    again = await _mine(world, "provider", ["LANDLORD"])
    assert public == again


async def test_a_resident_sees_their_estates_results_through_their_token(world: World) -> None:
    query = """query($year: Int!) { viewer { home { estates { reference
      tenantSatisfaction(year: $year) { measure source disclosure suppressed respondents }
    } } } }"""
    data = await world.gql(query, {"year": 2024}, "resident")
    [estate] = data["viewer"]["home"]["estates"]
    assert estate["reference"] == "S-1"
    rows = {r["measure"]: r for r in estate["tenantSatisfaction"]}
    assert set(rows) == set(BY_HAND)
    assert {r["disclosure"] for r in rows.values()} == {"PERTURBED"}
    assert rows["TP03"]["suppressed"] and rows["TP03"]["respondents"] is None
    # Nobody reads an answer one by one: there is no field for it, and the table is
    # closed to the open data's reader.
    async with world.db.connection() as conn, conn.transaction():
        await conn.execute("SET LOCAL ROLE odx_reader")
        with pytest.raises(Exception, match="permission denied"):
            await conn.fetchval("SELECT count(*) FROM satisfaction_response")


async def test_the_year_and_measures_are_checked(world: World) -> None:
    response = await world.http.post(
        "/graphql",
        json={"query": QUERY, "variables": {"year": 1999, "by": []}},
    )
    assert response.json()["errors"][0]["extensions"]["field"] == "year"
    response = await world.http.post(
        "/graphql",
        json={
            "query": QUERY,
            "variables": {"year": 2024, "by": [], "scope": {"measure": ["RP02"]}},
        },
    )
    assert response.json()["errors"][0]["extensions"]["field"] == "scope.measure[0]"


# -- landlords' aggregate returns -----------------------------------------------------------

RETURN = (
    "estate_ref,financial_year,measure,answer,respondents\n"
    ",2024,TP01,very-satisfied,10\n"
    ",2024,TP01,fairly-satisfied,5\n"
    ",2024,TP01,neither,3\n"
    ",2024,TP01,fairly-dissatisfied,1\n"
    ",2024,TP01,very-dissatisfied,1\n"
    ",2024,TP01,dont-know,4\n"
    "S-1,2024,tp01,very-satisfied,2\n"
    "S-1,2024,TP01,neither,2\n"
    ",2023,TP01,very-satisfied,9\n"
)


async def _import(world: World, text: str, **options: Any) -> Any:
    from odx_graph.services.importing.service import run_import

    return await run_import(
        world.db,
        text.encode(),
        fmt="tsm-returns",
        file_name="returns.csv",
        organisation=str(world.landlord),
        **options,
    )


async def test_a_return_gives_results_that_say_so(world: World) -> None:
    report = await _import(world, RETURN)
    assert report.ok and report.written, report.as_text()
    assert (report.records_read, report.created) == (9, 9)
    rows = await _mine(world, "regulator", ["LANDLORD"], measure=["TP01"])
    by_source = {r["source"]: r for r in rows}
    # Answers: 4 valid, 2 satisfied. Return: 20 valid (don't know left out), 15 satisfied.
    assert (by_source["ANSWERS"]["respondents"], by_source["ANSWERS"]["satisfied"]) == (4, 2)
    assert (by_source["RETURN"]["respondents"], by_source["RETURN"]["satisfied"]) == (20, 15)
    assert by_source["RETURN"]["percentSatisfied"] == 75.0
    by_estate = await _mine(world, "regulator", ["ESTATE"], measure=["TP01"])
    returned = [r for r in by_estate if r["source"] == "RETURN"]
    assert [(r["respondents"], r["satisfied"]) for r in returned] == [(4, 2)]
    assert returned[0]["key"][0]["value"] == gid("Estate", world.estate)
    # Returns are not by postcode.
    placed = await _mine(world, "regulator", ["LANDLORD"], postcode="ZZ1")
    assert {r["source"] for r in placed} == {"ANSWERS"}
    # Public: the return's counts are perturbed too.
    public = await _mine(world, None, ["LANDLORD"], measure=["TP01"])
    assert {r["disclosure"] for r in public} == {"PERTURBED"}
    assert all(r["respondents"] % 5 == 0 for r in public)

    # Again: unchanged; a changed count replaces the one held.
    assert (await _import(world, RETURN)).unchanged == 9
    changed = await _import(world, RETURN.replace(",2024,TP01,neither,3", ",2024,TP01,neither,8"))
    assert (changed.updated, changed.unchanged) == (1, 8)
    rows = await _mine(world, "regulator", ["LANDLORD"], measure=["TP01"])
    assert [r["respondents"] for r in rows if r["source"] == "RETURN"] == [25]


async def test_percentages_are_published_to_one_decimal_place_halves_away_from_zero(
    world: World,
) -> None:
    """5 satisfied of 16 is 31.25%: served as 31.3, as the Regulator publishes the
    results (rounding halves to even would give 31.2)."""
    text = (
        "estate_ref,financial_year,measure,answer,respondents\n"
        ",2024,TP01,very-satisfied,5\n"
        ",2024,TP01,neither,11\n"
    )
    report = await _import(world, text)
    assert report.ok and report.written, report.as_text()
    rows = await _mine(world, "regulator", ["LANDLORD"], measure=["TP01"])
    returned = {r["source"]: r for r in rows}["RETURN"]
    assert (returned["respondents"], returned["satisfied"]) == (16, 5)
    assert returned["percentSatisfied"] == 31.3


async def test_a_bad_return_reports_every_problem_and_writes_nothing(world: World) -> None:
    text = (
        "estate_ref,financial_year,measure,answer,respondents\n"
        ",2024,TP13,very-satisfied,10\n"  # row 2: not a perception measure
        ",2024,TP01,meh,5\n"  # row 3: unknown answer
        ",2024,TP01,neither,-1\n"  # row 4: negative
        "NOPE,2024,TP01,neither,3\n"  # row 5: no such estate
        ",1999,TP01,neither,3\n"  # row 6: year out of range
        ",2024,TP02,neither,3\n"  # row 7: fine
        ",2024,TP02,neither,4\n"  # row 8: the same count again
    )
    report = await _import(world, text)
    assert not report.written
    found = {(p.record, p.field) for p in report.problems}
    assert found == {
        ("row 2", "measure"),
        ("row 3", "answer"),
        ("row 4", "respondents"),
        ("row 5", "estate_ref"),
        ("row 6", "financial_year"),
        ("row 8", "answer"),
    }, report.as_text()
    assert await world.db.fetchval("SELECT count(*) FROM tsm_return") == 0


async def test_merging_landlords_keeps_one_count_of_each_return_and_estate(world: World) -> None:
    from odx_graph.services import organisations

    db = world.db
    other = await db.fetchval(
        "INSERT INTO organisation (name, kind_code, role_codes) "
        "VALUES ('Survey Homes Two', 'landlord', ARRAY['landlord']) RETURNING id"
    )
    # The other landlord's home and building, listed in its own estate with the kept
    # landlord's estate's reference, and at a postcode sector of its own.
    building = await db.fetchval(
        "INSERT INTO building (name, landlord_id, postcode) "
        "VALUES ('Twin House', $1, 'ZZ2 1AA') RETURNING id",
        other,
    )
    home = await db.fetchval(
        "INSERT INTO home (landlord_id, address_line_1, postcode) "
        "VALUES ($1, '1 Twin Road', 'ZZ3 1AA') RETURNING id",
        other,
    )
    twin = await db.fetchval(
        "INSERT INTO estate (landlord_id, reference, name, building_ids, home_ids, postcodes) "
        "VALUES ($1, 'S-1', 'Twin', ARRAY[$2::bigint], ARRAY[$3::bigint], "
        "ARRAY['ZZ1 1', 'ZZ4 1']) RETURNING id",
        other,
        building,
        home,
    )
    for landlord, estate, answer, count in [
        (world.landlord, None, "very-satisfied", 10),
        (other, None, "very-satisfied", 7),  # the same landlord-wide count: the kept one stands
        (other, None, "neither", 3),
        (world.landlord, world.estate, "neither", 5),
        (other, twin, "neither", 4),  # the kept estate's count of the same answer stands
        (other, twin, "very-satisfied", 2),  # the kept estate has none: it moves over
    ]:
        await db.execute(
            "INSERT INTO tsm_return (landlord_id, estate_id, financial_year, measure_code, "
            "answer_code, respondents) VALUES ($1, $2, 2024, 'TP01', $3, $4)",
            landlord,
            estate,
            answer,
            count,
        )
    async with db.connection() as conn, conn.transaction():
        await organisations.merge(conn, other, world.landlord)
    rows = await db.fetch(
        "SELECT estate_id, answer_code, respondents FROM tsm_return WHERE landlord_id = $1 "
        "ORDER BY estate_id NULLS FIRST, answer_code",
        world.landlord,
    )
    assert [(r["estate_id"], r["answer_code"], r["respondents"]) for r in rows] == [
        (None, "neither", 3),
        (None, "very-satisfied", 10),
        (world.estate, "neither", 5),
        (world.estate, "very-satisfied", 2),
    ]
    assert await db.fetchval("SELECT count(*) FROM estate WHERE id = $1", twin) == 0
    # The twin's members joined the kept estate's: its building, its home and its sector.
    kept = await db.fetchrow(
        "SELECT name, building_ids, home_ids, postcodes FROM estate WHERE id = $1", world.estate
    )
    assert kept["name"] == "Survey Estate"
    assert list(kept["building_ids"]) == [building]
    assert list(kept["home_ids"]) == [home]
    assert list(kept["postcodes"]) == ["ZZ1 1", "ZZ1 2", "ZZ4 1"]
    members = await db.fetch(
        "SELECT home_id FROM estate_home_member WHERE estate_id = $1", world.estate
    )
    assert {m["home_id"] for m in members} == {*world.homes, home}


async def test_merging_homes_keeps_them_listed_in_their_estates(world: World) -> None:
    """A home listed in an estate that is merged into another home leaves the other
    listed in its place."""
    from odx_graph.services import organisations

    db = world.db
    other = await db.fetchval(
        "INSERT INTO organisation (name, kind_code, role_codes) "
        "VALUES ('Survey Homes Two', 'landlord', ARRAY['landlord']) RETURNING id"
    )
    kept_home, dup_home = (
        world.homes[0],
        await db.fetchval(
            "INSERT INTO home (landlord_id, address_line_1, postcode) "
            "VALUES ($1, '1 Survey Road', 'ZZ9 9ZZ') RETURNING id",
            other,
        ),
    )
    listing = await db.fetchval(
        "INSERT INTO estate (landlord_id, reference, name, home_ids) "
        "VALUES ($1, 'T-9', 'Listed', ARRAY[$2::bigint]) RETURNING id",
        other,
        dup_home,
    )
    for landlord, subject in [(world.landlord, kept_home), (other, dup_home)]:
        await db.execute(
            "INSERT INTO reference (subject_type, subject_id, allocated_by_id, value) "
            "VALUES ('home', $1, $2, 'H-1')",
            subject,
            landlord,
        )
    async with db.connection() as conn, conn.transaction():
        await organisations.merge(conn, other, world.landlord)
    assert await db.fetchval("SELECT count(*) FROM home WHERE id = $1", dup_home) == 0
    assert list(await db.fetchval("SELECT home_ids FROM estate WHERE id = $1", listing)) == [
        kept_home
    ]


ESTATES_PAGE = """query($first: Int!, $landlord: ID!) {
  estates(first: $first, orderBy: ID, filter: {landlord: [$landlord]}) { nodes {
  reference tenantSatisfaction(year: 2024) { key { value } measure respondents satisfied }
} } }"""


async def test_a_page_of_estates_reads_its_results_in_one_batch(world: World) -> None:
    """The results of every estate on a page are read together: one statement for the
    answers and one for the returns, for one estate as for three; each estate's results
    are those it has alone."""
    db = world.db
    for ref, postcodes in [("S-2", ["ZZ1 1"]), ("S-3", ["ZZ1 2"])]:
        await db.execute(
            "INSERT INTO estate (landlord_id, reference, name, postcodes) VALUES ($1, $2, $2, $3)",
            world.landlord,
            ref,
            postcodes,
        )
    sent: list[str] = []
    db.add_listener(sent.append)
    counts, pages = {}, {}
    try:
        for first in (1, 3):
            sent.clear()
            variables = {"first": first, "landlord": gid("Organisation", world.landlord)}
            data = await world.gql(ESTATES_PAGE, variables, "regulator")
            # Statements reading answers or returns (others, such as the data version
            # the results are kept under, are read once per request or per server).
            counts[first] = sum("satisfaction_response" in q or "tsm_return" in q for q in sent)
            pages[first] = {n["reference"]: n for n in data["estates"]["nodes"]}
    finally:
        db.remove_listener(sent.append)
    assert list(pages[3]) == ["S-1", "S-2", "S-3"]
    assert counts[1] == counts[3] == 2, counts  # the answers' and the returns' statement
    # Estate S-2 is the building's homes (sector ZZ1 1), S-3 the others (ZZ1 2).
    split = {
        "S-1": _independent(ANSWERS, REPAIRS, {0, 1, 2}, 2024),
        "S-2": _independent([a for a in ANSWERS if a[0] < 3], REPAIRS, {0, 1, 2}, 2024),
        "S-3": _independent([a for a in ANSWERS if a[0] >= 3], REPAIRS, {0, 1, 2}, 2024),
    }
    for ref, node in pages[3].items():
        rows = node["tenantSatisfaction"]
        assert {r["measure"]: (r["respondents"], r["satisfied"]) for r in rows} == split[ref]
        assert len({r["key"][0]["value"] for r in rows}) <= 1
    assert pages[1]["S-1"] == pages[3]["S-1"]


async def test_a_single_residents_answer_is_never_published(world: World) -> None:
    """An estate of one answering home, and one tenure group of one home, give the open
    tier nothing but the suppressed flag, whatever the path; the home's Linked Data and
    the schema carry no answer."""
    db = world.db
    lone = await db.fetchval(
        "INSERT INTO estate (landlord_id, reference, name, home_ids) "
        "VALUES ($1, 'ONE', 'One Home', ARRAY[$2::bigint]) RETURNING id",
        world.landlord,
        world.homes[0],
    )
    await db.execute(
        "UPDATE home SET tenure_code = 'shared-ownership' WHERE id = $1", world.homes[0]
    )
    estate_query = """query($id: ID!) { node(id: $id) { ... on Estate {
      tenantSatisfaction(year: 2024) { measure suppressed respondents satisfied
        percentSatisfied } } } }"""
    for key in (None, "provider", "resident"):
        by_both = await _mine(world, key, ["LANDLORD", "TENURE_GROUP"])
        paths = [
            (await world.gql(estate_query, {"id": gid("Estate", lone)}, key))["node"][
                "tenantSatisfaction"
            ],
            # Every group of the lone estate's homes (it is in the other estate too).
            await _mine(world, key, ["ESTATE"], estate=[gid("Estate", lone)]),
            await _mine(world, key, ["TENURE_GROUP"], tenureGroup=["LCHO"]),
            [r for r in by_both if r["key"][1]["value"] == "LCHO"],
        ]
        for rows in paths:
            assert {r["measure"] for r in rows} == set(BY_HAND), rows
            for r in rows:
                assert r["suppressed"], r
                assert (r["respondents"], r["satisfied"], r["percentSatisfied"]) == (None,) * 3
    # The regulator sees the exact counts: the lone home's answers are there to hide.
    exact = await _mine(world, "regulator", ["TENURE_GROUP"], tenureGroup=["LCHO"])
    assert {r["measure"]: r["respondents"] for r in exact} == {
        "TP01": 1,
        "TP02": 1,
        "TP03": 1,
        "TP08": 1,
        "TP10": 1,
    }
    # No field of the schema reads an answer, and the home's Linked Data states none.
    schema = (await world.http.get("/schema.graphql")).text
    assert "type SatisfactionResponse" not in schema
    page = await world.http.get(f"/id/home/{world.homes[0]}", headers={"Accept": "text/turtle"})
    assert page.status_code == 200
    assert "tsm-answer" not in page.text and "very-satisfied" not in page.text
