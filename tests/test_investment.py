"""Investment insight against figures worked out by hand on a small dataset: a landlord
of its own with ten homes in one postcode (ZE9 9ZZ), kitchen, roof and damp remediation
works, repairs at the windows' edges in London time, and damp and mould cases; the
threshold rule at exactly ten homes for the public."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import httpx
import pytest

from odx_graph.core.access import Principal
from odx_graph.core.access import Tier
from odx_graph.core.config import Settings
from odx_graph.core.disclosure import Disclosure
from odx_graph.core.ids import encode_global_id
from odx_graph.services.insight.investment import Side
from odx_graph.services.insight.investment import impact
from odx_graph.services.insight.investment import spend
from odx_graph.store.db import Database
from odx_graph.store.investment import InvestmentDimension
from odx_graph.store.investment import InvestmentScope

ADMIN = Principal(Tier.ADMIN)
SETTINGS = Settings.from_env({}, insight_cache_entries=0)
UTC = dt.UTC
DONE = dt.date(2025, 6, 15)  # every done work was completed on this day


async def _repair(
    db: Database,
    landlord: int,
    home: int,
    component: int | None,
    at: dt.datetime,
    cost: str | None,
    status: str = "complete",
) -> None:
    await db.execute(
        "INSERT INTO repair (landlord_id, home_id, component_id, priority_code, status_code, "
        "reported_at, raised_at, completed_at, cost) VALUES ($1, $2, $3, '4', $4, $5, $5, $6, $7)",
        landlord,
        home,
        component,
        status,
        at,
        at + dt.timedelta(hours=1) if status == "complete" else None,
        None if cost is None else Decimal(cost),
    )


@pytest.fixture(scope="module")
async def world(module_db: Database) -> dict[str, Any]:
    db = module_db
    landlord = await db.fetchval(
        "INSERT INTO organisation (kind_code, name, role_codes) "
        "VALUES ('landlord', 'Hand Checked Homes', '{landlord}') RETURNING id"
    )
    homes = [
        await db.fetchval(
            "INSERT INTO home (landlord_id, address_line_1, postcode) "
            "VALUES ($1, $2, 'ZE9 9ZZ') RETURNING id",
            landlord,
            f"{n} Test Row",
        )
        for n in range(10)
    ]
    kitchens = [
        await db.fetchval(
            "INSERT INTO component (home_id, component_type_code, install_date) "
            "VALUES ($1, 'kitchen', '2000-01-01') RETURNING id",
            home,
        )
        for home in homes
    ]

    async def programme(name: str, year: int, kind: str) -> int:
        key: int = await db.fetchval(
            "INSERT INTO investment_programme (landlord_id, name, financial_year, kind_code) "
            "VALUES ($1, $2, $3, $4) RETURNING id",
            landlord,
            name,
            year,
            kind,
        )
        return key

    async def work(
        programme_id: int,
        home: int,
        component: int | None,
        kind: str,
        estimate: str,
        status: str,
        actual: str | None,
    ) -> None:
        await db.execute(
            "INSERT INTO planned_work (programme_id, landlord_id, home_id, component_id, "
            "component_type_code, planned_date, estimated_cost, actual_cost, status_code, "
            "completed_on) VALUES ($1, $2, $3, $4, $5, '2025-06-01', $6, $7, $8, $9)",
            programme_id,
            landlord,
            home,
            component,
            kind,
            Decimal(estimate),
            None if actual is None else Decimal(actual),
            status,
            DONE if status == "done" else None,
        )

    kitchen = await programme("Kitchens 2025/26", 2025, "kitchens")
    for n in range(10):
        status, actual = (
            ("done", "4000")
            if n < 6
            else ("planned", None)
            if n < 8
            else ("in-progress", "1000")
            if n == 8
            else ("cancelled", None)
        )
        await work(kitchen, homes[n], kitchens[n], "kitchen", "5000", status, actual)
    roofs = await programme("Roofs 2026/27", 2026, "roofs")
    await work(roofs, homes[9], None, "roof-finish", "8000", "planned", None)
    damp = await programme("Damp 2025/26", 2025, "damp-remediation")
    await work(damp, homes[2], None, "wall-finish", "2000", "done", "1500")

    bst = dt.timezone(dt.timedelta(hours=1))
    # On the first kitchen: the before-window's first day (00:30 in London, still the
    # 14th in UTC), the day before it, the completion day, the after-window's last day
    # and the day after it.
    await _repair(
        db, landlord, homes[0], kitchens[0], dt.datetime(2024, 6, 15, 0, 30, tzinfo=bst), "100"
    )
    await _repair(
        db, landlord, homes[0], kitchens[0], dt.datetime(2024, 6, 14, 12, 0, tzinfo=UTC), "900"
    )
    await _repair(
        db, landlord, homes[0], kitchens[0], dt.datetime(2025, 6, 15, 10, 0, tzinfo=UTC), "900"
    )
    await _repair(
        db, landlord, homes[0], kitchens[0], dt.datetime(2026, 6, 15, 23, 30, tzinfo=bst), "50"
    )
    await _repair(
        db, landlord, homes[0], kitchens[0], dt.datetime(2026, 6, 16, 0, 30, tzinfo=bst), "900"
    )
    # At the first home on no component; on the second kitchen, cancelled and not.
    await _repair(db, landlord, homes[0], None, dt.datetime(2025, 1, 10, 9, 0, tzinfo=UTC), "70")
    await _repair(
        db,
        landlord,
        homes[1],
        kitchens[1],
        dt.datetime(2025, 3, 1, 9, 0, tzinfo=UTC),
        None,
        "cancelled",
    )
    await _repair(
        db, landlord, homes[1], kitchens[1], dt.datetime(2025, 12, 1, 9, 0, tzinfo=UTC), "30"
    )
    # A kitchen not yet done: nothing of its home counts.
    await _repair(
        db, landlord, homes[7], kitchens[7], dt.datetime(2025, 12, 1, 9, 0, tzinfo=UTC), "900"
    )
    for home, aware in [
        (homes[2], dt.datetime(2025, 1, 1, 9, 0, tzinfo=UTC)),  # before the damp works
        (homes[2], dt.datetime(2025, 9, 1, 9, 0, tzinfo=UTC)),  # after
        (homes[2], dt.datetime(2024, 1, 1, 9, 0, tzinfo=UTC)),  # before the window
        (homes[3], dt.datetime(2025, 1, 1, 9, 0, tzinfo=UTC)),  # no damp works there
    ]:
        await db.execute(
            "INSERT INTO damp_mould_case (landlord_id, home_id, aware_at) VALUES ($1, $2, $3)",
            landlord,
            home,
            aware,
        )
    # An estate of the first five homes (the damp works' home among them).
    estate = await db.fetchval(
        "INSERT INTO estate (landlord_id, reference, name, home_ids) "
        "VALUES ($1, 'E-1', 'Test Row North', $2) RETURNING id",
        landlord,
        homes[:5],
    )
    return {"db": db, "landlord": landlord, "homes": homes, "estate": estate}


def _scope(world: dict[str, Any], **extra: Any) -> InvestmentScope:
    return InvestmentScope(landlord_ids=(world["landlord"],), **extra)


async def test_spend_by_landlord_and_kind_is_what_the_works_add_up_to(
    world: dict[str, Any],
) -> None:
    db = world["db"]
    [whole] = await spend(db, SETTINGS, ADMIN, [InvestmentDimension.LANDLORD], _scope(world))
    assert whole.disclosure is Disclosure.EXACT
    # Ten homes (the cancelled kitchen's home has its roof); 9 kitchens + 1 roof + 1 damp.
    assert (whole.units, whole.items, whole.done_items) == (10, 11, 7)
    assert whole.planned_spend == 9 * 5000 + 8000 + 2000
    assert whole.actual_spend == 6 * 4000 + 1000 + 1500
    by_kind = await spend(db, SETTINGS, ADMIN, [InvestmentDimension.PROGRAMME_KIND], _scope(world))
    got = {
        g.key[0].value: (g.units, g.items, g.done_items, g.planned_spend, g.actual_spend)
        for g in by_kind
    }
    assert got == {
        "damp-remediation": (1, 1, 1, 2000.0, 1500.0),
        "kitchens": (9, 9, 6, 45000.0, 25000.0),
        "roofs": (1, 1, 0, 8000.0, None),
    }
    by_year = await spend(db, SETTINGS, ADMIN, [InvestmentDimension.FINANCIAL_YEAR], _scope(world))
    assert [(g.key[0].value, g.key[0].label, g.items) for g in by_year] == [
        ("2025", "2025/26", 10),
        ("2026", "2026/27", 1),
    ]
    [area] = await spend(
        db,
        SETTINGS,
        ADMIN,
        [InvestmentDimension.POSTCODE_AREA],
        InvestmentScope(postcode_column="postcode_district", postcode_value="ZE9"),
    )
    assert (area.key[0].value, area.items) == ("ZE", 11)


async def test_the_public_gets_ten_homes_protected_and_nine_suppressed(
    world: dict[str, Any],
) -> None:
    public = Principal(Tier.PUBLIC)
    [ten] = await spend(world["db"], SETTINGS, public, [], _scope(world))
    assert not ten.suppressed and ten.disclosure is Disclosure.PERTURBED
    assert ten.items is not None and ten.items % 5 == 0  # rounded by the cell key method
    [nine] = await spend(world["db"], SETTINGS, public, [], _scope(world, kinds=("kitchens",)))
    assert nine.suppressed and nine.items is None and nine.planned_spend is None


async def test_impact_counts_repairs_in_equal_windows_with_both_edges_in(
    world: dict[str, Any],
) -> None:
    db = world["db"]
    groups = await impact(
        db,
        SETTINGS,
        ADMIN,
        [InvestmentDimension.PROGRAMME_KIND],
        _scope(world),
        window_months=12,
        as_of=dt.date(2026, 6, 15),
    )
    got = {g.key[0].value: g for g in groups}
    assert set(got) == {"kitchens", "damp-remediation"}
    kitchens = got["kitchens"]
    assert (kitchens.units, kitchens.items) == (6, 6)
    # Before: [15 June 2024, 15 June 2025); after: (15 June 2025, 15 June 2026].
    assert kitchens.component_repairs_before == Side(1, 100.0)
    assert kitchens.component_repairs_after == Side(2, 80.0)
    assert kitchens.home_repairs_before == Side(2, 170.0)
    assert kitchens.home_repairs_after == Side(2, 80.0)
    assert (kitchens.damp_items, kitchens.damp_cases_before, kitchens.damp_cases_after) == (
        0,
        0,
        0,
    )
    damp = got["damp-remediation"]
    assert (damp.items, damp.damp_items, damp.damp_cases_before, damp.damp_cases_after) == (
        1,
        1,
        1,
        1,
    )
    assert damp.component_repairs_before == Side(0, 0.0)
    # A day earlier no after-window has ended yet: nothing to compare.
    assert (
        await impact(
            db, SETTINGS, ADMIN, [], _scope(world), window_months=12, as_of=dt.date(2026, 6, 14)
        )
        == []
    )


async def test_investment_insight_over_graphql(world: dict[str, Any]) -> None:
    from odx_graph.web.app import create_app

    app = create_app(Settings.from_env({}, base_iri="http://odx.test"), database=world["db"])
    landlord = encode_global_id("Organisation", world["landlord"])
    query = """query($l: ID!) {
      investmentSpend(groupBy: [PROGRAMME_KIND], scope: {landlord: [$l]}) {
        key { dimension value label } suppressed disclosure plannedSpend }
      investmentImpact(groupBy: [], scope: {landlord: [$l]}, asOf: "2026-06-15") {
        suppressed items homeRepairsBefore { count cost } }
    }"""
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://odx.test"
    ) as http:
        response = await http.post("/graphql", json={"query": query, "variables": {"l": landlord}})
    body = response.json()
    assert "errors" not in body, body
    spend_rows = body["data"]["investmentSpend"]
    assert [r["key"][0]["value"] for r in spend_rows] == ["damp-remediation", "kitchens", "roofs"]
    assert all(r["suppressed"] and r["plannedSpend"] is None for r in spend_rows)
    assert {r["disclosure"] for r in spend_rows} == {"PERTURBED"}
    # Seven homes with done works: under the threshold for the public.
    assert body["data"]["investmentImpact"] == [
        {"suppressed": True, "items": None, "homeRepairsBefore": {"count": None, "cost": None}}
    ]


async def test_spend_and_impact_by_estate(world: dict[str, Any]) -> None:
    db = world["db"]
    by_estate = await spend(db, SETTINGS, ADMIN, [InvestmentDimension.ESTATE], _scope(world))
    got = {g.key[0].value: (g.key[0].label, g.units, g.items, g.planned_spend) for g in by_estate}
    # Homes 0-4: five kitchens and the damp works at home 2; the rest in no estate: the
    # kitchens of homes 5-8 (home 9's is cancelled) and home 9's roof.
    assert got == {
        str(world["estate"]): ("Test Row North", 5, 6, 5 * 5000 + 2000.0),
        None: (None, 5, 5, 4 * 5000 + 8000.0),
    }
    [scoped] = await spend(db, SETTINGS, ADMIN, [], _scope(world, estate_ids=(world["estate"],)))
    assert (scoped.units, scoped.items) == (5, 6)
    [estate, nowhere] = await impact(
        db,
        SETTINGS,
        ADMIN,
        [InvestmentDimension.ESTATE],
        _scope(world),
        window_months=12,
        as_of=dt.date(2026, 6, 15),
    )
    # Done: kitchens of homes 0-5 (0-4 in the estate) and the damp works at home 2.
    assert (estate.key[0].value, estate.items, nowhere.key[0].value, nowhere.items) == (
        str(world["estate"]),
        6,
        None,
        1,
    )
    assert estate.home_repairs_before == Side(2, 170.0)
    assert (estate.damp_cases_before, estate.damp_cases_after) == (1, 1)


async def test_a_building_s_communal_work_counts_every_home_in_it(fresh_db: Database) -> None:
    """A roof renewed on a block: one unit (the building), its postcode its first home's,
    and the repairs of every home in it before and after."""
    db = fresh_db
    landlord = await db.fetchval(
        "INSERT INTO organisation (kind_code, name, role_codes) "
        "VALUES ('landlord', 'Block Homes', '{landlord}') RETURNING id"
    )
    block = await db.fetchval(
        "INSERT INTO building (landlord_id, name, storeys) VALUES ($1, 'Tower', 8) RETURNING id",
        landlord,
    )
    flats = [
        await db.fetchval(
            "INSERT INTO home (landlord_id, building_id, address_line_1, postcode) "
            "VALUES ($1, $2, $3, $4) RETURNING id",
            landlord,
            block,
            f"Flat {n}",
            postcode,
        )
        for n, postcode in enumerate(("ZE8 1AA", "ZE8 1AB"), start=1)
    ]
    roof = await db.fetchval(
        "INSERT INTO component (building_id, component_type_code, install_date) "
        "VALUES ($1, 'roof-finish', '1980-01-01') RETURNING id",
        block,
    )
    programme = await db.fetchval(
        "INSERT INTO investment_programme (landlord_id, name, financial_year, kind_code) "
        "VALUES ($1, 'Roofs', 2025, 'roofs') RETURNING id",
        landlord,
    )
    await db.execute(
        "INSERT INTO planned_work (programme_id, landlord_id, building_id, component_type_code, "
        "planned_date, estimated_cost, actual_cost, status_code, completed_on) "
        "VALUES ($1, $2, $3, 'roof-finish', '2025-06-01', 90000, 85000, 'done', $4)",
        programme,
        landlord,
        block,
        DONE,
    )
    at = dt.datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
    await _repair(db, landlord, flats[0], roof, at, "300")  # the roof, before
    await _repair(db, landlord, flats[1], None, at, "40")  # the other flat, before
    await _repair(db, landlord, flats[1], roof, at + dt.timedelta(days=200), "60")  # after
    scope = InvestmentScope(landlord_ids=(landlord,))
    [area] = await spend(db, SETTINGS, ADMIN, [InvestmentDimension.POSTCODE_DISTRICT], scope)
    assert (area.key[0].value, area.units, area.items, area.actual_spend) == (
        "ZE8",
        1,
        1,
        85000.0,
    )
    [done] = await impact(
        db, SETTINGS, ADMIN, [], scope, window_months=12, as_of=dt.date(2026, 7, 1)
    )
    assert done.component_repairs_before == Side(1, 300.0)
    assert done.component_repairs_after == Side(1, 60.0)
    assert done.home_repairs_before == Side(2, 340.0)
    assert done.home_repairs_after == Side(1, 60.0)
