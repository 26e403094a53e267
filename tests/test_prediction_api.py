"""Scores through GraphQL: a home's damp and mould risk and its components' failure risk
for its landlord, its resident and admins only (every tier tried), the proactive work
list for the landlord's own keys, and roll-ups under the disclosure rules."""

from __future__ import annotations

from typing import Any

import pytest

from odx_graph.services.prediction import models
from odx_graph.services.prediction.features import ModelKind
from tests.conftest import DEMO_AS_OF
from tests.test_access import World, gid
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
