"""The demo's geography grows with its size: the country's postcode areas, district by district."""

from __future__ import annotations

import re
import statistics
from collections import Counter
from itertools import pairwise

import pytest

from odx_graph.services.demo import generate
from odx_graph.services.demo import geography as geo
from odx_graph.services.demo.catalogue import DISTRICTS
from odx_graph.services.demo.catalogue import LANDLORDS
from odx_graph.services.demo.catalogue import UPRN_BLOCK
from odx_graph.services.demo.codes import TRADE_ROLES
from odx_graph.services.demo.plan import Plan
from tests.test_demo_generator import AS_OF
from tests.test_demo_generator import CODES
from tests.test_demo_generator import POSTCODE

DISTRICT = re.compile(r"^[A-Z]{1,2}[0-9]{1,2}$")
FIXED = frozenset(d.code for d in DISTRICTS)
EVERY = geo.generated_districts(10_000, FIXED)


def expected_homes(plan: Plan, homes: int) -> dict[str, float]:
    """Each district's expected homes from the plan's landlord shares and district weights."""
    expected: dict[str, float] = {}
    for li, spec in enumerate(LANDLORDS):
        cum = plan.landlord_district_cum[li]
        for k, d in enumerate(plan.landlord_districts[li]):
            weight = cum[k] - (cum[k - 1] if k else 0.0)
            code = plan.districts[d].code
            expected[code] = expected.get(code, 0.0) + homes * spec.home_share * weight / cum[-1]
    return expected


def test_small_demos_keep_the_fixed_districts_and_growth_starts_past_the_bound() -> None:
    at_bound = geo.FIRST_GROWTH_AT
    assert geo.generated_district_count(0) == 0
    assert geo.generated_district_count(at_bound) == 0
    assert geo.generated_district_count(at_bound + geo.HOMES_PER_DISTRICT - 1) == 0
    assert geo.generated_district_count(at_bound + geo.HOMES_PER_DISTRICT) == 1
    assert geo.generated_district_count(at_bound + 10 * geo.HOMES_PER_DISTRICT) == 10
    assert Plan(CODES, 1, AS_OF, at_bound).districts == DISTRICTS
    assert Plan(CODES, 1, AS_OF).districts == DISTRICTS
    grown = Plan(CODES, 1, AS_OF, at_bound + geo.HOMES_PER_DISTRICT).districts
    assert grown[: len(DISTRICTS)] == DISTRICTS and len(grown) == len(DISTRICTS) + 1


def test_the_count_stops_at_the_areas_districts() -> None:
    most = sum(a.districts for a in geo.AREAS)
    areas = {a.code: a.districts for a in geo.AREAS}
    # the fixed districts are among the areas' own
    assert all(
        int(c.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")) <= areas[c.rstrip("0123456789")] for c in FIXED
    )
    assert len(EVERY) == most - len(FIXED) == geo.generated_district_count(10**9)
    assert 2_800 <= most <= 3_300  # about as many as England, Wales and Scotland's mainland


def test_areas_are_real_postcode_areas_with_places_in_great_britain() -> None:
    codes = [a.code for a in geo.AREAS]
    assert len(codes) == len(set(codes)) >= 110
    assert {d.code.rstrip("0123456789") for d in DISTRICTS} <= set(codes)
    for area in geo.AREAS:
        assert re.fullmatch(r"[A-Z]{1,2}", area.code)
        assert re.fullmatch(r"[ENSW][0-9]{8}", area.local_authority_code)
        assert area.region in {spec.region for spec in LANDLORDS}
        assert 49.9 <= area.latitude <= 59 and -6 <= area.longitude <= 1.8
        assert area.districts >= 1


def test_generated_districts_are_well_formed_unique_and_near_their_town() -> None:
    codes = [g.district.code for g in EVERY]
    assert len(codes) == len(set(codes)) and not set(codes) & FIXED
    areas = {a.code: a for a in geo.AREAS}
    for g in EVERY:
        d = g.district
        assert DISTRICT.match(d.code), d.code
        area = areas[d.code.rstrip("0123456789")]
        assert int(d.code[len(area.code) :]) <= area.districts
        assert (d.town, d.local_authority_code) == (area.town, area.local_authority_code)
        assert g.region == area.region and g.weight > 0
        assert d.sectors and set(d.sectors) <= set("0123456789")
        # on a spiral round the town: within about 15 km for the largest areas
        assert abs(d.latitude - area.latitude) <= geo.SPIRAL_STEP * area.districts**0.5 + 1e-9
        assert abs(d.longitude - area.longitude) <= 2 * geo.SPIRAL_STEP * area.districts**0.5


def test_a_larger_demo_keeps_the_smaller_ones_districts() -> None:
    assert geo.generated_districts(300, FIXED) == EVERY[:300]
    assert geo.generated_districts(1, FIXED) == EVERY[:1]
    # every area's first district comes before any area's second
    first = {g.district.code.rstrip("0123456789") for g in EVERY[: len(geo.AREAS)]}
    assert len(first) >= len(geo.AREAS) - len({d.code.rstrip("0123456789") for d in DISTRICTS})


def test_uprn_blocks_of_all_districts_do_not_overlap_and_stay_twelve_digits() -> None:
    bases = sorted([d.uprn_base for d in DISTRICTS] + [g.district.uprn_base for g in EVERY])
    assert all(b - a >= UPRN_BLOCK for a, b in pairwise(bases))
    assert all(len(str(b + UPRN_BLOCK)) <= 12 for b in bases)


def test_a_million_homes_spread_like_the_country() -> None:
    homes = 1_000_000
    plan = Plan(CODES, 20251027, AS_OF, homes)
    expected = expected_homes(plan, homes)
    assert len(expected) == len(plan.districts) >= 2_800
    sizes = sorted(expected.values())
    assert 150 <= statistics.median(sizes) <= 500  # most districts a few hundred homes
    assert sum(s > 2_000 for s in sizes) >= 10  # dense city districts several thousand
    assert sizes[-1] < 10_000
    # no district holds more than 1% of the stock (the old demo put 11% in E1)
    assert sizes[-1] / homes < 0.01


def test_every_added_district_has_a_landlord_and_contractors_for_every_trade() -> None:
    plan = Plan(CODES, 1, AS_OF, geo.FIRST_GROWTH_AT + 400 * geo.HOMES_PER_DISTRICT)
    owned = {d for ds in plan.landlord_districts for d in ds}
    assert owned == set(range(len(plan.districts)))
    for district in range(len(DISTRICTS), len(plan.districts)):
        for role in TRADE_ROLES:
            assert plan.contractors_for(district, role), (plan.districts[district].code, role)
    served = [set(row[5]) for row in plan.organisation_rows]
    assert set().union(*served) == {d.code for d in plan.districts}


def test_homes_of_a_grown_demo_fall_in_their_districts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(geo, "FIRST_GROWTH_AT", 100)
    monkeypatch.setattr(geo, "HOMES_PER_DISTRICT", 40)
    homes = 1_300
    plan = Plan(CODES, 5, AS_OF, homes)
    districts = {d.code: d for d in plan.districts}
    assert len(districts) == len(DISTRICTS) + 30
    seen: Counter[str] = Counter()
    for batch in generate(homes=homes, seed=5, as_of=AS_OF, codes=CODES, chunk_homes=400):
        if batch.table != "home":
            continue
        for row in batch.rows:
            h = dict(zip(batch.columns, row, strict=True))
            assert POSTCODE.match(h["postcode"]), h["postcode"]
            d = districts[h["postcode"].split()[0]]
            seen[d.code] += 1
            assert h["local_authority_code"] == d.local_authority_code
            assert h["postcode"].split()[1][0] in d.sectors
            assert abs(h["latitude"] - d.latitude) < 0.02
            assert abs(h["longitude"] - d.longitude) < 0.03
            if h["uprn"] is not None:
                assert d.uprn_base < h["uprn"] < d.uprn_base + UPRN_BLOCK
    assert len(set(seen) - FIXED) >= 20  # the added districts do get homes


async def test_a_grown_demo_loads_into_postgresql(
    empty_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import asyncpg

    from odx_graph.core.vocab import migrations_dir
    from odx_graph.services.demo import load_demo
    from odx_graph.services.refdata import sync_reference_data
    from odx_graph.store.migrations import migrate

    monkeypatch.setattr(geo, "FIRST_GROWTH_AT", 100)
    monkeypatch.setattr(geo, "HOMES_PER_DISTRICT", 50)
    conn = await asyncpg.connect(empty_db)
    try:
        await migrate(conn, migrations_dir())
        await sync_reference_data(conn)
        # COPY checks every constraint: postcodes, UPRNs, local authority codes
        summary = await load_demo(conn, homes=900, seed=11, as_of=AS_OF)
        assert summary.counts["home"] == 900
        districts = await conn.fetchval(
            "SELECT count(DISTINCT split_part(postcode, ' ', 1)) FROM home"
        )
        assert districts > len(DISTRICTS)
        served = await conn.fetchval(
            "SELECT count(DISTINCT d) FROM organisation, unnest(postcode_districts) d"
        )
        assert served == len(DISTRICTS) + 16
    finally:
        await conn.close()
