"""Scores through GraphQL: a home's damp and mould risk and its components' failure risk
for its landlord, its resident and admins only (every tier tried), the proactive work
list for the landlord's own keys, and roll-ups under the disclosure rules."""

from __future__ import annotations

import bisect
import datetime as dt
import json
import math
from typing import Any

import pytest

from odx_graph.core.ids import decode_int_id
from odx_graph.services.prediction import models
from odx_graph.services.prediction.features import ModelKind
from tests.conftest import DEMO_AS_OF
from tests.test_access import World
from tests.test_access import gid
from tests.test_access import world as access_world

SEES = {"provider", "resident", "admin"}
EVERY = ["provider", "other_provider", "contractor", "other_contractor", "resident", "regulator"]
HOME_RISK = """query($id: ID!) { node(id: $id) { ... on Home {
  dampRisk { probability points baseline modelVersion asOf
             contributions { feature reason points } }
  components { nodes { id failureRisk { probability points baseline expectedCost
                                expectedEmergencyRepairs contributions { points } } } }
} } }"""


@pytest.fixture
async def scored(access_world: World) -> World:
    for kind in ModelKind:
        await models.train(access_world.db, kind, DEMO_AS_OF)
        await models.score(access_world.db, kind, DEMO_AS_OF)
    return access_world


world = access_world  # the fixture `scored` builds on


async def _raw(w: World, query: str, variables: dict[str, Any], key: str | None) -> Any:
    headers = {"Authorization": f"Bearer {w.keys[key]}"} if key else {}
    response = await w.http.post(
        "/graphql", json={"query": query, "variables": variables}, headers=headers
    )
    return response.json()


async def test_a_homes_scores_go_to_its_landlord_resident_and_admins_only(scored: World) -> None:
    w = scored
    for key in [None, *EVERY, "admin"]:
        data = await w.gql(HOME_RISK, {"id": gid("Home", w.home)}, key)
        home = data["node"]
        parts = home["components"]["nodes"]
        assert parts
        if key in SEES:
            risk = home["dampRisk"]
            assert risk is not None, key
            assert risk["modelVersion"] == 1
            total = risk["baseline"] + sum(c["points"] for c in risk["contributions"])
            assert risk["points"] == pytest.approx(total, abs=1e-9)
            assert 0 < risk["probability"] < 1
            assert all(c["reason"] for c in risk["contributions"])
            for part in parts:
                fr = part["failureRisk"]
                assert fr is not None
                total = fr["baseline"] + sum(c["points"] for c in fr["contributions"])
                assert fr["points"] == pytest.approx(total, abs=1e-9)
                assert fr["expectedCost"] >= 0
        else:
            assert home["dampRisk"] is None, key
            assert all(p["failureRisk"] is None for p in parts), key
    # the other landlord's home: its own provider sees it, ours does not
    other = {"id": gid("Home", w.other_home)}
    assert (await w.gql(HOME_RISK, other, "other_provider"))["node"]["dampRisk"] is not None
    assert (await w.gql(HOME_RISK, other, "provider"))["node"]["dampRisk"] is None
    assert (await w.gql(HOME_RISK, other, "resident"))["node"]["dampRisk"] is None


async def test_scores_are_null_before_any_scoring(access_world: World) -> None:
    data = await access_world.gql(HOME_RISK, {"id": gid("Home", access_world.home)}, "admin")
    assert data["node"]["dampRisk"] is None


WORK = """query($l: ID!, $n: Int) { proactiveWork(landlord: $l, first: $n) {
  kind homeId componentId probability expectedAvoidedCost reason suggestedSorCode suggestedWork
} }"""


async def test_the_proactive_work_list_is_the_landlords_own(scored: World) -> None:
    w = scored
    args = {"l": gid("Organisation", w.landlord), "n": 30}
    items = (await w.gql(WORK, args, "provider"))["proactiveWork"]
    assert 0 < len(items) <= 30
    costs = [i["expectedAvoidedCost"] for i in items]
    assert costs == sorted(costs, reverse=True)
    assert {i["kind"] for i in items} <= {"DAMP_MOULD", "COMPONENT_FAILURE"}
    assert all(i["reason"] and i["suggestedWork"] for i in items)
    assert any(i["suggestedSorCode"] for i in items)
    assert len((await w.gql(WORK, {**args, "n": 1}, "admin"))["proactiveWork"]) == 1
    for key in [None, "other_provider", "contractor", "resident", "regulator"]:
        body = await _raw(w, WORK, args, key)
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", key
        assert body["data"] is None


ROLLUP = """query($g: FailureForecastGroup!) { componentFailureForecast(groupBy: $g) {
  disclosure asOf until rows { key components expectedRepairs expectedEmergencyRepairs
                               expectedCost suppressed }
} }"""


async def test_roll_ups_follow_the_disclosure_rules(scored: World) -> None:
    w = scored
    exact = (await w.gql(ROLLUP, {"g": "LANDLORD"}, "regulator"))["componentFailureForecast"]
    assert exact["disclosure"] == "EXACT"
    assert exact["asOf"] == DEMO_AS_OF.isoformat()
    total = await w.db.fetchval("SELECT sum(probability) FROM component_failure_risk")
    assert sum(r["expectedRepairs"] for r in exact["rows"]) == pytest.approx(total)
    public = (await w.gql(ROLLUP, {"g": "POSTCODE_DISTRICT"}, None))["componentFailureForecast"]
    assert public["disclosure"] == "PERTURBED"
    small = await w.db.fetch(
        """SELECT coalesce(h.postcode_district, postcode_district(b.postcode)) AS d,
                  count(DISTINCT s.home_id) + count(DISTINCT s.building_id) AS n
           FROM component_failure_risk s LEFT JOIN home h ON h.id = s.home_id
           LEFT JOIN building b ON b.id = s.building_id GROUP BY 1"""
    )
    homes = {r["d"]: r["n"] for r in small}
    for row in public["rows"]:
        if homes[row["key"]] < 10:
            assert row["suppressed"] and row["expectedCost"] is None
        else:
            assert not row["suppressed"]
            assert row["components"] % 5 == 0  # counts are rounded by the cell key method


async def test_a_home_handed_to_another_landlord_takes_its_scores_with_it(scored: World) -> None:
    w = scored
    await w.db.execute("UPDATE home SET landlord_id = $1 WHERE id = $2", w.other_landlord, w.home)
    home = {"id": gid("Home", w.home)}
    assert (await w.gql(HOME_RISK, home, "provider"))["node"]["dampRisk"] is None
    moved = (await w.gql(HOME_RISK, home, "other_provider"))["node"]
    assert moved["dampRisk"] is not None
    assert all(p["failureRisk"] is not None for p in moved["components"]["nodes"])
    assert (await w.gql(HOME_RISK, home, "resident"))["node"]["dampRisk"] is not None


YEARS = """query($g: FailureForecastGroup!, $years: Int!) {
  componentFailureForecast(groupBy: $g, years: $years) {
    asOf until rows { key year yearStarts components expectedRepairs
                      expectedEmergencyRepairs expectedCost suppressed }
} }"""


def _by_year_independently(rows: list[Any], card: dict[str, Any], years: int) -> dict[Any, Any]:
    """Expected repairs, emergency repairs and cost per landlord and year, worked out
    here from the scores, the components' install dates and lifetimes and the model's
    life-used points: age moves on a year a year, everything else stays."""
    life = next(f for f in card["features"] if f["name"] == "life_used")
    edges, tenths = life["edges"], life["tenths"]
    scale = card["points_to_double_odds"] / math.log(2)

    def life_bin(age: float | None, lifetime: float | None) -> int:
        if age is None or not lifetime:
            return 0
        return 1 + bisect.bisect_right(edges, age / lifetime)

    totals: dict[Any, list[float]] = {}
    for r in rows:
        age = None if r["install_date"] is None else (r["as_of"] - r["install_date"]).days / 365.25
        if r["building_id"] is not None:
            lifetime = r["low_rise"] if (r["own_storeys"] or 1) < 6 else r["high_rise"]
        elif r["home_building"] is None:
            lifetime = r["house"]
        else:
            lifetime = r["low_rise"] if (r["home_storeys"] or 1) < 6 else r["high_rise"]
        now = life_bin(age, lifetime)
        for year in range(1, years + 1):
            if year == 1:
                p = r["probability"]
            else:
                then = life_bin(None if age is None else age + year - 1, lifetime)
                points = float(r["points"]) + (tenths[then] - tenths[now]) / 10
                p = 1 / (1 + math.exp(-points / scale))
            share = r["expected_emergency"] / r["probability"]
            cost = float(r["expected_cost"]) / r["probability"]
            t = totals.setdefault((str(r["landlord"]), year), [0.0, 0.0, 0.0])
            t[0] += p
            t[1] += p * share
            t[2] += p * cost
    return totals


async def test_roll_ups_by_year_match_an_independent_computation(scored: World) -> None:
    """Five years ahead by landlord, as a regulator sees them (exact): year 1 is the
    scores' sums; every year matches the computation above; the years follow each other
    12 months apart; one year gives what the default gives; 0 and 6 years are refused."""
    w = scored
    data = (await w.gql(YEARS, {"g": "LANDLORD", "years": 5}, "regulator"))[
        "componentFailureForecast"
    ]
    card = json.loads(
        await w.db.fetchval(
            "SELECT scorecard FROM prediction_model WHERE kind = 'component-failure' "
            "ORDER BY version DESC LIMIT 1"
        )
    )
    rows = await w.db.fetch(
        """SELECT s.probability, s.points, s.expected_emergency, s.expected_cost, s.as_of,
                  s.building_id, c.install_date, t.lifetime_house AS house,
                  t.lifetime_low_rise_flat AS low_rise, t.lifetime_high_rise_flat AS high_rise,
                  h.building_id AS home_building, hb.storeys AS home_storeys,
                  b.storeys AS own_storeys,
                  coalesce(h.landlord_id, b.landlord_id) AS landlord
           FROM component_failure_risk s
           JOIN component c ON c.id = s.component_id
           JOIN component_type t ON t.code = c.component_type_code
           LEFT JOIN home h ON h.id = s.home_id
           LEFT JOIN building hb ON hb.id = h.building_id
           LEFT JOIN building b ON b.id = s.building_id"""
    )
    expected = _by_year_independently(rows, card, 5)
    got = {(str(decode_int_id(r["key"], "Organisation")), r["year"]): r for r in data["rows"]}
    assert set(got) == set(expected)
    for key, (repairs, emergency, cost) in expected.items():
        row = got[key]
        assert row["expectedRepairs"] == pytest.approx(repairs, rel=1e-9)
        assert row["expectedEmergencyRepairs"] == pytest.approx(emergency, rel=1e-9)
        assert row["expectedCost"] == pytest.approx(cost, rel=1e-6)
    as_of = dt.date.fromisoformat(data["asOf"])
    starts = {r["year"]: r["yearStarts"] for r in data["rows"]}
    assert starts == {
        y: dt.date(as_of.year + y - 1, as_of.month, as_of.day).isoformat() for y in range(1, 6)
    }
    assert data["until"] == dt.date(as_of.year + 5, as_of.month, as_of.day).isoformat()
    # Age moves some components into a bin with other points: later years differ.
    assert any(
        got[(k, 5)]["expectedRepairs"] != pytest.approx(got[(k, 1)]["expectedRepairs"])
        for k, _ in expected
    )
    one = (await w.gql(YEARS, {"g": "LANDLORD", "years": 1}, "regulator"))[
        "componentFailureForecast"
    ]
    default = (await w.gql(ROLLUP, {"g": "LANDLORD"}, "regulator"))["componentFailureForecast"]
    assert [r["expectedCost"] for r in one["rows"]] == [r["expectedCost"] for r in default["rows"]]
    assert [r["year"] for r in data["rows"] if r["year"] == 1] == [1] * len(one["rows"])
    everything = (await w.gql(YEARS, {"g": "ALL", "years": 2}, "regulator"))[
        "componentFailureForecast"
    ]
    assert [(r["key"], r["year"]) for r in everything["rows"]] == [(None, 1), (None, 2)]
    assert everything["rows"][1]["expectedRepairs"] == pytest.approx(
        sum(v[0] for (_, year), v in expected.items() if year == 2), rel=1e-9
    )
    for years in (0, 6):
        body = await _raw(w, YEARS, {"g": "LANDLORD", "years": years}, "regulator")
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", body
