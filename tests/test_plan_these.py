"""Plan these: the proactive work list exported as CSV (the same items as GraphQL gives),
and turned, or the replacement forecast turned, into planned works of a programme, by
the mutation and by the command line, leaving out components already planned."""

from __future__ import annotations

import asyncio
import csv
import io
from typing import Any

import pytest

from odx_graph.cli import main
from odx_graph.core.access import Principal
from odx_graph.core.access import Tier
from odx_graph.core.ids import decode_int_id
from odx_graph.services.planning import proactive_work_csv
from odx_graph.services.prediction import models
from odx_graph.services.prediction.features import ModelKind
from tests.conftest import DEMO_AS_OF
from tests.test_access import World
from tests.test_access import gid
from tests.test_access import world as access_world

world = access_world  # the fixture `scored` builds on

WORK = """query($l: ID!, $n: Int) { proactiveWork(landlord: $l, first: $n) {
  kind homeId componentId probability } }"""
CREATE = """mutation($l: ID!, $y: Int!) { createProgramme(input: {landlordId: $l,
  name: "Planned from the list", financialYear: $y, kind: OTHER}) {
  ... on InvestmentProgrammePayload { investmentProgramme { id } }
  ... on MutationError { code message } } }"""
PLAN = """mutation($p: ID!, $s: PlanSourceValue!, $t: String, $n: Int!) {
  planThese(input: {programmeId: $p, source: $s, plannedDate: "2027-10-01",
                    componentType: $t, limit: $n, estimatedCostEach: "1000"}) {
    ... on InvestmentProgrammePayload { investmentProgramme { plannedWorks(first: 100) {
      totalCount nodes { component { id } home { id } componentType { code }
                         plannedDate estimatedCost } } } }
    ... on MutationError { code field message } } }"""


@pytest.fixture
async def scored(access_world: World) -> World:
    for kind in ModelKind:
        await models.train(access_world.db, kind, DEMO_AS_OF)
        await models.score(access_world.db, kind, DEMO_AS_OF)
    return access_world


async def _programme(w: World, year: int = 2027) -> str:
    made = await w.gql(CREATE, {"l": gid("Organisation", w.landlord), "y": year}, "provider")
    return str(made["createProgramme"]["investmentProgramme"]["id"])


async def test_the_csv_is_the_proactive_work_list(scored: World) -> None:
    w = scored
    listed = (await w.gql(WORK, {"l": gid("Organisation", w.landlord), "n": 20}, "provider"))[
        "proactiveWork"
    ]
    text = await proactive_work_csv(w.db, Principal(Tier.ADMIN), w.landlord, 20)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == len(listed) > 0
    for rank, (row, item) in enumerate(zip(rows, listed, strict=True), start=1):
        assert row["rank"] == str(rank)
        assert row["kind"] == item["kind"].lower().replace("_", "-")
        assert row["home_id"] == (item["homeId"] or "")
        assert row["component_id"] == (item["componentId"] or "")
        assert float(row["probability"]) == pytest.approx(item["probability"], abs=5e-5)


async def test_plan_these_from_the_proactive_list_skips_what_is_planned(scored: World) -> None:
    w = scored
    listed = (await w.gql(WORK, {"l": gid("Organisation", w.landlord), "n": 100}, "provider"))[
        "proactiveWork"
    ]
    planned = {
        gid("Component", r["component_id"])
        for r in await w.db.fetch(
            "SELECT component_id FROM planned_work WHERE component_id IS NOT NULL "
            "AND status_code IN ('planned', 'in-progress')"
        )
    }
    expected = [
        (i["componentId"], None if i["componentId"] else i["homeId"])
        for i in listed
        if i["componentId"] is None or i["componentId"] not in planned
    ][:5]
    programme = await _programme(w)
    refused = await w.gql(
        PLAN, {"p": programme, "s": "PROACTIVE_WORK", "t": None, "n": 5}, "other_provider"
    )
    assert refused["planThese"]["code"] == "FORBIDDEN"
    done = await w.gql(PLAN, {"p": programme, "s": "PROACTIVE_WORK", "t": None, "n": 5}, "provider")
    works = done["planThese"]["investmentProgramme"]["plannedWorks"]["nodes"]
    got = [
        ((n["component"] or {}).get("id"), None if n["component"] else n["home"]["id"])
        for n in works
    ]
    assert sorted(got, key=str) == sorted(expected, key=str)
    assert {n["plannedDate"] for n in works} == {"2027-10-01"}
    assert {n["estimatedCost"] for n in works} == {"1000.00"}


def _lifetime(row: Any) -> int | None:
    if row["storeys"] is not None and row["storeys"] >= 6:
        return row["lifetime_high_rise_flat"]  # type: ignore[no-any-return]
    if row["building_id"] is not None or row["property_type_code"] in (
        "flat",
        "maisonette",
        "bedsit",
    ):
        return row["lifetime_low_rise_flat"]  # type: ignore[no-any-return]
    return row["lifetime_house"]  # type: ignore[no-any-return]


async def test_plan_these_from_the_forecast_by_command_line(
    access_world: World, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    w = access_world
    rows = await w.db.fetch(
        "SELECT c.id, c.install_date, coalesce(c.building_id, h.building_id) AS building_id, "
        "h.property_type_code, b.storeys, t.lifetime_house, t.lifetime_low_rise_flat, "
        "t.lifetime_high_rise_flat FROM component c JOIN home h ON h.id = c.home_id "
        "LEFT JOIN building b ON b.id = coalesce(c.building_id, h.building_id) "
        "JOIN component_type t ON t.code = c.component_type_code "
        "WHERE h.landlord_id = $1 AND c.component_type_code = 'kitchen' "
        "AND c.install_date IS NOT NULL AND NOT EXISTS (SELECT 1 FROM planned_work p "
        "WHERE p.component_id = c.id AND p.status_code IN ('planned', 'in-progress'))",
        w.landlord,
    )
    # Due when install year + lifetime is at most 2028 (2027/28 ends on 31 March 2028).
    due = sorted(
        (r["install_date"].year + _lifetime(r), r["id"])
        for r in rows
        if _lifetime(r) is not None and r["install_date"].year + _lifetime(r) <= 2028
    )
    expected = {gid("Component", key) for _, key in due[:3]}
    programme = await _programme(w)
    monkeypatch.setenv("ODX_DATABASE_URL", w.db.dsn)
    key = decode_int_id(programme, "InvestmentProgramme")
    status = await asyncio.to_thread(
        main,
        ["plan", "these", "--key", w.keys["provider"], "--programme", str(key),
         "--source", "replacement-forecast", "--component-type", "kitchen",
         "--date", "2027-06-01", "--limit", "3"],
    )  # fmt: skip
    assert status == 0
    assert "now has" in capsys.readouterr().out
    got = {
        gid("Component", r["component_id"])
        for r in await w.db.fetch(
            "SELECT w.component_id FROM planned_work w JOIN investment_programme p "
            "ON p.id = w.programme_id WHERE p.name = 'Planned from the list'"
        )
    }
    assert got == expected and len(got) == min(3, len(due))
