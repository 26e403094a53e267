"""The demo dataset generator: determinism, shape, formats and sums without a database, and
the damp and mould cases and EPCs it adds loaded into PostgreSQL against the tables' checks."""

from __future__ import annotations

import csv
import os
import re
import subprocess
import sys
from collections import Counter
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta
from decimal import ROUND_HALF_UP
from decimal import Decimal
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from odx_graph.services.demo import COLUMNS
from odx_graph.services.demo import TABLES
from odx_graph.services.demo import Batch
from odx_graph.services.demo import Code
from odx_graph.services.demo import CodeLists
from odx_graph.services.demo import ComponentTypeCode
from odx_graph.services.demo import EpcBandCode
from odx_graph.services.demo import HazardLevelCode
from odx_graph.services.demo import PriorityCode
from odx_graph.services.demo import RepairStatusCode
from odx_graph.services.demo import catalogue as demo_places
from odx_graph.services.demo import generate
from odx_graph.services.demo.certificates import Dwelling
from odx_graph.services.demo.damp import fabric_factor
from odx_graph.services.demo.damp import yearly_rate

AS_OF = date(2025, 10, 27)
NOW = datetime(2025, 10, 27, tzinfo=UTC)
POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][0-9A-Z]? [0-9][ABDEFGHJLNPQRSTUWXYZ]{2}$")

# A small sample of real NHF SOR v7 codes with their schedules (codes only, no descriptions).
SOR_SAMPLE = (
    *(
        ("Responsive", c)
        for c in (
            "001101",
            "017407",
            "035003",
            "101303",
            "103317",
            "140049",
            "215001",
            "301105",
            "146013",
            "431701",
            "931003",
        )
    ),
    *(("Gas", c) for c in ("GA115012", "GA675039", "GA701831", "GA714019", "GA720413")),
    *(("Electrical", c) for c in ("EE040101", "EE050107", "EE070805", "EI011203")),
    *(("Lifts", c) for c in ("LD010001", "LD010167", "LD060007")),
    *(("Fire Alarms", c) for c in ("EL010001", "FA020037")),
    *(("Controlled Door Entry", c) for c in ("DE910319", "PA010374")),
)

# Distinctive real registered-provider names, checked even where the full list is absent.
REAL_PROVIDERS = (
    "Clarion",
    "Peabody",
    "Sanctuary",
    "Places for People",
    "L&Q",
    "Riverside",
    "Notting Hill Genesis",
    "Guinness",
    "Orbit",
    "Sovereign",
    "Home Group",
    "Platform Housing",
    "Great Places",
    "Onward",
    "Together Housing",
)
PROVIDERS_CSV = Path(__file__).resolve().parents[2] / "shared" / "data" / "registered_providers.csv"


def code_lists(**overrides: Any) -> CodeLists:
    """Code lists shaped like the ones the ontology loads, embedded for tests."""
    lifetimes = {
        "wall-structure": (80, 80, 80, True),
        "lintels": (60, 60, 60, True),
        "brickwork": (30, 30, 30, True),
        "wall-finish": (60, 60, 30, True),
        "roof-structure": (50, 30, 30, True),
        "roof-finish": (50, 30, 30, True),
        "chimney": (50, 50, None, True),
        "windows": (40, 30, 30, True),
        "external-doors": (40, 30, 30, True),
        "kitchen": (30, 30, 30, False),
        "bathroom": (40, 40, 40, False),
        "gas-boiler": (15, 15, 15, True),
        "heating-distribution": (40, 40, 40, False),
        "other-heating": (30, 30, 30, True),
        "electrics": (30, 30, 30, True),
        "lift": (None, None, None, False),
        "door-entry": (None, None, None, False),
        "fire-detection": (None, None, None, False),
        "smoke-alarm": (None, None, None, False),
        "ventilation": (15, 15, 15, False),
    }
    trades = {  # HACT trade codes, labelled as the ontology labels them
        "B2": "Bricklaying gang",
        "BL": "Bricklayer",
        "C2": "Carpentry gang",
        "DA": "Disabled adaptation multi-skilled operative",
        "DR": "Drainlayer",
        "E": "Electrician (E)",
        "E2": "Electrician gang",
        "EE": "Electrical engineer",
        "GL": "Glazier",
        "GM": "Grounds maintenance operative",
        "GM-GA": "Grounds maintenance - gardener",
        "HE": "Heating engineer (HE)",
        "JR": "Carpenter and joiner",
        "M": "Multi-skilled operative",
        "M-GN": "Multi-skilled operative - general",
        "ME-LI": "Mechanical engineer - lift contract/care",
        "PA": "Painter and decorator",
        "PL": "Plumber",
        "PL-DR": "Plumber - plumbing/drainage",
        "PT": "Plasterer",
        "R2": "Roofing gang",
        "RF": "Roofer",
        "SP-DE": "Specialist - door entry",
        "SP-FS": "Specialist - fire safety",
    }
    statuses = (
        ("cancelled", "Cancelled", False),
        ("complete", "Complete", False),
        ("estimating", "Estimating", True),
        ("hold", "On hold", True),
        ("in-progress", "In progress", True),
        ("pending-approval", "Pending approval", True),
        ("reported", "Reported", True),
        ("scheduled", "Scheduled", True),
        ("superseded", "Superseded", False),
    )
    values: dict[str, Any] = {
        "component_types": tuple(
            ComponentTypeCode(code, code.replace("-", " ").capitalize(), key, h, low, high)
            for code, (h, low, high, key) in sorted(lifetimes.items())
        ),
        "trades": tuple(Code(code, label) for code, label in sorted(trades.items())),
        "priorities": (
            PriorityCode("1", "Immediate", 2, None, True),
            PriorityCode("2", "Emergency", 24, None, True),
            PriorityCode("3", "Urgent", None, 5, False),
            PriorityCode("4", "Routine", None, 21, False),
            PriorityCode("5", "Inspection or planned", None, None, False),
        ),
        "repair_statuses": tuple(RepairStatusCode(*s) for s in statuses),
        "sor_codes": tuple(sorted((code, schedule) for schedule, code in SOR_SAMPLE)),
        "conditions": (
            Code("failed", "Failed"),
            Code("fair", "Fair"),
            Code("good", "Good"),
            Code("poor", "Poor"),
        ),
        "property_types": (
            Code("bedsit", "Bedsit"),
            Code("bungalow", "Bungalow"),
            Code("flat", "Flat"),
            Code("house", "House"),
            Code("maisonette", "Maisonette"),
            Code("park-home", "Park home"),
        ),
        "built_forms": (
            Code("detached", "Detached"),
            Code("enclosed-end-terrace", "Enclosed end-terrace"),
            Code("enclosed-mid-terrace", "Enclosed mid-terrace"),
            Code("end-terrace", "End-terrace"),
            Code("mid-terrace", "Mid-terrace"),
            Code("semi-detached", "Semi-detached"),
        ),
        "organisation_kinds": (
            Code("contractor", "Contractor"),
            Code("landlord", "Landlord"),
            Code("local-authority", "Local authority"),
        ),
        "hhsrs_hazards": (
            Code("1", "Damp and mould growth"),
            Code("2", "Excess cold"),
            Code("24", "Fire"),
        ),
        "hhsrs_categories": (Code("1", "Category 1"), Code("2", "Category 2")),
        "hazard_levels": (
            HazardLevelCode("emergency", "Emergency hazard", 24, None, None, 24, None),
            HazardLevelCode("none", "No emergency or significant hazard", *(None,) * 5),
            HazardLevelCode("significant", "Significant hazard", None, 10, 3, None, 5),
        ),
        "damp_severities": (Code("high", "High"), Code("low", "Low"), Code("medium", "Medium")),
        "epc_bands": tuple(
            EpcBandCode(band, band, low, high)
            for band, low, high in (
                ("A", 92, None),
                ("B", 81, 91),
                ("C", 69, 80),
                ("D", 55, 68),
                ("E", 39, 54),
                ("F", 21, 38),
                ("G", 1, 20),
            )
        ),
        "certificate_types": (
            Code("eicr", "Electrical Installation Condition Report"),
            Code("epc", "Energy Performance Certificate"),
            Code("lgsr", "Landlord gas safety record"),
        ),
    }
    values.update(overrides)
    return CodeLists(**values)


CODES = code_lists()


def tables(batches: list[Batch]) -> dict[str, list[dict[str, Any]]]:
    """All rows per table, as dicts by column name."""
    out: dict[str, list[dict[str, Any]]] = {t: [] for t in TABLES}
    for batch in batches:
        assert batch.columns == COLUMNS[batch.table]
        out[batch.table].extend(dict(zip(batch.columns, row, strict=True)) for row in batch.rows)
    return out


@pytest.fixture(scope="module")
def data() -> dict[str, list[dict[str, Any]]]:
    return tables(list(generate(homes=500, seed=7, as_of=AS_OF, codes=CODES)))


def test_same_arguments_give_identical_rows() -> None:
    first = list(generate(homes=300, seed=11, as_of=AS_OF, codes=CODES, chunk_homes=120))
    second = list(generate(homes=300, seed=11, as_of=AS_OF, codes=CODES, chunk_homes=120))
    assert first == second
    other = list(generate(homes=300, seed=12, as_of=AS_OF, codes=CODES, chunk_homes=120))
    assert tables(first)["repair"] != tables(other)["repair"]
    assert tables(first)["home"] != tables(other)["home"]


def test_output_does_not_depend_on_hash_seed() -> None:
    code = (
        "import hashlib, sys; sys.path.insert(0, 'tests'); import test_demo_generator as t; "
        "rows = [b.rows for b in t.generate(homes=80, seed=5, as_of=t.AS_OF, codes=t.CODES)]; "
        "print(hashlib.sha256(repr(rows).encode()).hexdigest())"
    )
    root = Path(__file__).resolve().parents[1]
    digests = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            cwd=root,
            env={**os.environ, "PYTHONHASHSEED": hash_seed},
        ).stdout
        for hash_seed in ("1", "2")
    }
    assert len(digests) == 1
    assert len(digests.pop().strip()) == 64


def test_batches_come_in_foreign_key_order_and_chunks() -> None:
    order = [
        b.table for b in generate(homes=250, seed=3, as_of=AS_OF, codes=CODES, chunk_homes=100)
    ]
    assert order[:2] == ["organisation", "reference"]
    assert order.count("home") == 3
    rank = {t: i for i, t in enumerate(TABLES)}
    chunks: list[list[str]] = [[]]
    for table in order[2:]:  # a chunk's tables come in rising foreign-key rank
        if chunks[-1] and rank[table] <= rank[chunks[-1][-1]]:
            chunks.append([])
        chunks[-1].append(table)
    assert len(chunks) == 3
    assert all({"home", "reference", "component", "repair"} <= set(c) for c in chunks)


def test_counts_are_in_the_expected_ranges(data: dict[str, list[dict[str, Any]]]) -> None:
    organisations = data["organisation"]
    kinds = Counter(o["kind_code"] for o in organisations)
    assert kinds["landlord"] == 3
    assert 6 <= kinds["contractor"] <= 8
    assert len(data["home"]) == 500
    assert 6.5 <= len(data["component"]) / 500 <= 9.5
    assert 10 <= len(data["repair"]) / 500 <= 14
    assert 1.3 <= len(data["repair_line"]) / len(data["repair"]) <= 2.5
    assert 2 <= len(data["repair_status_event"]) / len(data["repair"]) <= 5
    flats = sum(h["building_id"] is not None for h in data["home"])
    assert 0.25 <= flats / 500 <= 0.6  # blocks come whole, so small samples vary
    homes_by_landlord = Counter(h["landlord_id"] for h in data["home"])
    assert len(homes_by_landlord) == 3
    assert min(homes_by_landlord.values()) >= 50
    districts = {h["postcode"].split()[0] for h in data["home"]}
    assert 12 <= len(districts) <= 20


def test_ids_are_unique_and_foreign_keys_resolve(data: dict[str, list[dict[str, Any]]]) -> None:
    ids = {t: [r["id"] for r in data[t]] for t in TABLES}
    for table, values in ids.items():
        assert len(values) == len(set(values)), table
        assert sorted(values) == list(range(1, len(values) + 1)), table
    orgs, buildings, homes = set(ids["organisation"]), set(ids["building"]), set(ids["home"])
    components, repairs = set(ids["component"]), set(ids["repair"])
    kind = {o["id"]: o["kind_code"] for o in data["organisation"]}
    for b in data["building"]:
        assert kind[b["landlord_id"]] == "landlord"
    for h in data["home"]:
        assert kind[h["landlord_id"]] == "landlord"
        assert h["building_id"] is None or h["building_id"] in buildings
    for c in data["component"]:
        assert (c["home_id"] is None) != (c["building_id"] is None)
        assert c["home_id"] in homes or c["building_id"] in buildings
    home_landlord = {h["id"]: h["landlord_id"] for h in data["home"]}
    for r in data["repair"]:
        assert r["landlord_id"] == home_landlord[r["home_id"]]
        assert r["component_id"] is None or r["component_id"] in components
        assert r["contractor_id"] is None or kind[r["contractor_id"]] == "contractor"
    assert {line["repair_id"] for line in data["repair_line"]} <= repairs
    assert {e["repair_id"] for e in data["repair_status_event"]} == repairs
    cases = {c["id"] for c in data["damp_mould_case"]}
    assert cases
    for c in data["damp_mould_case"]:
        assert c["landlord_id"] == home_landlord[c["home_id"]]
    assert {e["home_id"] for e in data["energy_performance_certificate"]} <= homes
    subjects = {"home": homes, "repair": repairs, "organisation": orgs, "damp_mould_case": cases}
    seen = set()
    for ref in data["reference"]:
        assert ref["subject_id"] in subjects[ref["subject_type"]]
        assert kind[ref["allocated_by_id"]] == "landlord"
        key = (ref["subject_type"], ref["allocated_by_id"], ref["value"])
        assert key not in seen
        seen.add(key)
    case_refs = [r for r in data["reference"] if r["subject_type"] == "damp_mould_case"]
    assert sorted(r["subject_id"] for r in case_refs) == sorted(cases)
    case_landlord = {c["id"]: c["landlord_id"] for c in data["damp_mould_case"]}
    for ref in case_refs:
        assert re.fullmatch(r"DM-\d{6}", ref["value"])
        assert ref["allocated_by_id"] == case_landlord[ref["subject_id"]]


def test_references_link_homes_across_landlords(data: dict[str, list[dict[str, Any]]]) -> None:
    home_refs = Counter(r["subject_id"] for r in data["reference"] if r["subject_type"] == "home")
    assert set(home_refs) == {h["id"] for h in data["home"]}
    shared = sum(1 for n in home_refs.values() if n == 2)
    assert 0.02 <= shared / 500 <= 0.09
    repair_refs = [r for r in data["reference"] if r["subject_type"] == "repair"]
    assert len(repair_refs) == len(data["repair"])
    assert all(re.fullmatch(r"[A-Z]{3}-J\d{7}", r["value"]) for r in repair_refs)


def test_places_have_valid_formats(data: dict[str, list[dict[str, Any]]]) -> None:
    home_uprns = [h["uprn"] for h in data["home"] if h["uprn"] is not None]
    building_uprns = [b["uprn"] for b in data["building"]]
    assert len(set(home_uprns)) == len(home_uprns)
    assert not set(home_uprns) & set(building_uprns)
    assert all(9 <= len(str(u)) <= 12 for u in home_uprns + building_uprns)
    assert 0 <= 500 - len(home_uprns) <= 25
    for row in data["home"] + data["building"]:
        assert POSTCODE.match(row["postcode"]), row["postcode"]
    known_districts = {d.code: d for d in demo_places.DISTRICTS}
    for h in data["home"]:
        district = known_districts[h["postcode"].split()[0]]
        assert h["local_authority_code"] == district.local_authority_code
        assert abs(h["latitude"] - district.latitude) < 0.02
        assert abs(h["longitude"] - district.longitude) < 0.03
        assert 49 <= h["latitude"] <= 61
        assert -9 <= h["longitude"] <= 2.5
        assert 0 <= h["bedrooms"] <= 5
        assert 1890 <= h["year_built"] <= AS_OF.year
        if h["building_id"] is None:
            assert re.fullmatch(r"\d+ [A-Z][a-z]+ [A-Z][a-z]+", h["address_line_1"])
            assert h["built_form_code"] is not None
            assert h["floor_level"] is None
        else:
            assert h["address_line_1"].startswith("Flat ")
            assert h["floor_level"] >= 0
            assert h["property_type_code"] == "flat"
    for b in data["building"]:
        assert re.fullmatch(r"osgb\d{13,16}", b["toid"])
        assert 3 <= b["storeys"] <= 20
    blocks = {b["id"]: b for b in data["building"]}
    lifts = {c["building_id"] for c in data["component"] if c["component_type_code"] == "lift"}
    assert lifts == {i for i, b in blocks.items() if b["storeys"] >= 6}


def test_uprn_blocks_do_not_overlap() -> None:
    bases = sorted(d.uprn_base for d in demo_places.DISTRICTS)
    assert all(b - a >= demo_places.UPRN_BLOCK for a, b in pairwise(bases))
    assert all(len(str(b)) >= 9 and len(str(b + demo_places.UPRN_BLOCK)) <= 12 for b in bases)


def test_components_age_around_their_lifetimes(data: dict[str, list[dict[str, Any]]]) -> None:
    lifetime = {c.code: c.lifetime_house for c in CODES.component_types}
    houses = {h["id"] for h in data["home"] if h["building_id"] is None}
    in_houses = [
        c
        for c in data["component"]
        if c["home_id"] in houses and lifetime[c["component_type_code"]]
    ]
    ratios = [
        (AS_OF - c["install_date"]).days / 365.25 / lifetime[c["component_type_code"]]
        for c in in_houses
    ]
    past = sum(r > 1 for r in ratios) / len(ratios)
    assert 0.03 <= past <= 0.3
    grade = {"good": 0, "fair": 1, "poor": 2, "failed": 3}
    young = [grade[c["condition_code"]] for c, r in zip(in_houses, ratios, strict=True) if r < 0.3]
    old = [grade[c["condition_code"]] for c, r in zip(in_houses, ratios, strict=True) if r > 1.1]
    assert sum(old) / len(old) > sum(young) / len(young) + 1
    boilers = [c for c in data["component"] if c["component_type_code"] == "gas-boiler"]
    assert boilers
    assert all(c["make"] and c["model"] and c["last_serviced_date"] for c in boilers)


def test_repair_dates_are_ordered(data: dict[str, list[dict[str, Any]]]) -> None:
    events: dict[int, list[dict[str, Any]]] = {}
    for e in data["repair_status_event"]:
        events.setdefault(e["repair_id"], []).append(e)
    start = NOW - timedelta(days=3 * 365 + 1)
    for r in data["repair"]:
        assert start <= r["reported_at"] <= r["raised_at"] < NOW
        assert r["raised_at"] - r["reported_at"] <= timedelta(days=1, minutes=5)
        end = r["completed_at"] or NOW
        history = events[r["id"]]
        times = [e["occurred_at"] for e in history]
        assert times == sorted(times)
        assert r["reported_at"] <= times[0]
        assert times[-1] <= end
        assert history[0]["status_code"] == "reported"
        assert history[-1]["status_code"] == r["status_code"]
        if r["status_code"] == "complete":
            assert r["completed_at"] is not None
            assert r["completed_at"] >= r["reported_at"]
        else:
            assert r["completed_at"] is None
            assert r["cost"] is None
        if r["priority_code"] in ("1", "2"):
            hours = 2 if r["priority_code"] == "1" else 24
            assert r["target_at"] == r["reported_at"] + timedelta(hours=hours)
        elif r["priority_code"] in ("3", "4"):
            assert r["target_at"].weekday() < 5
            assert r["target_at"] - r["reported_at"] >= timedelta(days=5)
        else:
            assert r["target_at"] is None


def test_repair_outcomes_look_realistic(data: dict[str, list[dict[str, Any]]]) -> None:
    repairs = data["repair"]
    status = Counter(r["status_code"] for r in repairs)
    assert 0.015 <= status["cancelled"] / len(repairs) <= 0.05
    completed = [r for r in repairs if r["status_code"] == "complete" and r["target_at"]]
    late = sum(r["completed_at"] > r["target_at"] for r in completed) / len(completed)
    assert 0.08 <= late <= 0.18
    recent = [r for r in repairs if r["reported_at"] > NOW - timedelta(days=14)]
    still_open = [r for r in recent if r["status_code"] not in ("complete", "cancelled")]
    assert len(still_open) >= len(recent) / 3
    assert {r["status_code"] for r in still_open} <= {
        "reported",
        "scheduled",
        "in-progress",
        "hold",
    }
    unassigned = [r for r in repairs if r["contractor_id"] is None]
    assert unassigned
    assert all(r["status_code"] == "reported" for r in unassigned)
    component_type = {c["id"]: c["component_type_code"] for c in data["component"]}
    boiler_jobs = {
        r["id"] for r in repairs if component_type.get(r["component_id"]) == "gas-boiler"
    }
    boiler_lines = {
        line["sor_code"] for line in data["repair_line"] if line["repair_id"] in boiler_jobs
    }
    assert boiler_lines
    assert all(c.startswith("GA") for c in boiler_lines)
    for r in repairs:
        expected = {
            "gas-boiler": "HE",
            "electrics": "E",  # an electrician, now that the code says so
            "lift": "ME-LI",
            "door-entry": "SP-DE",
            "fire-detection": "SP-FS",
            "windows": "GL",
        }
        if r["component_id"] is not None and component_type[r["component_id"]] in expected:
            assert r["trade_code"] in (expected[component_type[r["component_id"]]], "PA")
    used = {r["trade_code"] for r in repairs}
    assert not used & {"GM", "GM-GA", "B2", "C2", "E2", "R2", "M-GN", "DA"}


def test_costs_are_the_sum_of_their_lines(data: dict[str, list[dict[str, Any]]]) -> None:
    by_repair: dict[int, list[dict[str, Any]]] = {}
    for line in data["repair_line"]:
        by_repair.setdefault(line["repair_id"], []).append(line)
        assert line["cost"] == (line["quantity"] * line["unit_cost"]).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP
        )
        assert min(line["cost"], line["unit_cost"]) >= 0
        assert line["quantity"] > 0
    zero = sum(line["unit_cost"] == 0 for line in data["repair_line"])
    assert 0 < zero < len(data["repair_line"]) * 0.1
    for r in data["repair"]:
        lines = by_repair.get(r["id"], [])
        assert [line["line_number"] for line in lines] == list(range(1, len(lines) + 1))
        assert len(lines) <= 4
        if r["status_code"] == "complete":
            assert lines
            assert r["cost"] == sum(line["cost"] for line in lines)
        if r["status_code"] == "cancelled":
            assert not lines


def test_priorities_mix_roughly_as_specified(data: dict[str, list[dict[str, Any]]]) -> None:
    mix = Counter(r["priority_code"] for r in data["repair"])
    total = sum(mix.values())
    for code, share in {"1": 0.03, "2": 0.17, "3": 0.20, "4": 0.55, "5": 0.05}.items():
        assert abs(mix[code] / total - share) < 0.04, (code, mix[code] / total)


def test_damp_and_mould_peaks_in_winter(data: dict[str, list[dict[str, Any]]]) -> None:
    damp = [
        r
        for r in data["repair"]
        if re.search(r"[Mm]ould|[Dd]amp|[Cc]ondensation", r["description"])
    ]
    assert len(damp) >= 100
    winter = sum(r["reported_at"].month in (10, 11, 12, 1, 2, 3) for r in damp)
    assert winter / len(damp) > 0.8


def test_no_real_provider_is_named() -> None:
    invented = [s.name for s in demo_places.LANDLORDS] + [s.name for s in demo_places.CONTRACTORS]
    numbers = {s.registration_number for s in demo_places.LANDLORDS}
    real_names = list(REAL_PROVIDERS)
    if PROVIDERS_CSV.exists():
        with PROVIDERS_CSV.open(newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        real_names += [r["organisation_name"] for r in rows]
        assert not numbers & {r["registration_number"] for r in rows}
    for name in invented:
        distinctive = name.split()[0].lower()
        for real in real_names:
            assert distinctive not in real.lower(), (name, real)
            assert real.lower() not in name.lower(), (name, real)
    assert all(re.fullmatch(r"L\d{4}|LH\d{4}|C\d{4}|\d{4}", n) for n in numbers)


def test_descriptions_are_short_and_name_no_one(data: dict[str, list[dict[str, Any]]]) -> None:
    texts = {r["description"] for r in data["repair"]}
    assert len(texts) >= 100
    assert all(len(t) <= 80 for t in texts)
    words = {w for t in texts for w in re.findall(r"\b(Mr|Mrs|Ms|Miss|Dr)\b", t)}
    assert not words


def test_missing_optional_codes_give_nulls() -> None:
    codes = code_lists(
        built_forms=(),
        property_types=(),
        conditions=(),
        component_types=CODES.component_types[:12],
        sor_codes=(),
    )
    rows = tables(list(generate(homes=60, seed=1, as_of=AS_OF, codes=codes)))
    assert all(h["built_form_code"] is None for h in rows["home"])
    assert rows["repair_line"]
    assert all(line["sor_code"].startswith("DEMO") for line in rows["repair_line"])


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="homes"):
        list(generate(homes=-1, seed=1, as_of=AS_OF, codes=CODES))
    with pytest.raises(ValueError, match="priority"):
        list(generate(homes=5, seed=1, as_of=AS_OF, codes=code_lists(priorities=())))


def test_generator_module_does_not_import_asyncpg() -> None:
    code = "import sys, odx_graph.services.demo; print('asyncpg' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert out.stdout.strip() == "False"


# -- damp and mould cases and EPCs ---------------------------------------------------------

BANDS = {b.code: (b.sap_score_min or 1, b.sap_score_max or 200) for b in CODES.epc_bands}
CASE_DATES = (
    "investigation_started_at",
    "investigation_completed_at",
    "written_summary_sent_at",
    "made_safe_at",
    "further_works_started_at",
    "further_works_completed_at",
    "escalated_at",
)


@pytest.fixture(scope="module")
def stock() -> dict[str, list[dict[str, Any]]]:
    """A bigger demo (the default seed), for rates and shares that need more cases."""
    return tables(list(generate(homes=3000, seed=20251027, as_of=AS_OF, codes=CODES)))


def working_days(start: datetime, end: datetime) -> int:
    """Weekdays after `start`'s day up to and including `end`'s day."""
    days = (end.date() - start.date()).days
    return sum((start + timedelta(days=d)).weekday() < 5 for d in range(1, days + 1))


def band_of(score: int) -> str:
    (band,) = [code for code, (low, high) in BANDS.items() if low <= score <= high]
    return band


def test_damp_cases_and_certificates_are_deterministic() -> None:
    def new_rows(seed: int) -> tuple[list[Any], list[Any]]:
        rows = tables(list(generate(homes=400, seed=seed, as_of=AS_OF, codes=CODES)))
        return rows["damp_mould_case"], rows["energy_performance_certificate"]

    first, second, other = new_rows(11), new_rows(11), new_rows(12)
    assert first[0] and first[1]
    assert first == second
    assert first[0] != other[0]
    assert first[1] != other[1]
    older = code_lists(hhsrs_hazards=(), certificate_types=())
    without = tables(list(generate(homes=400, seed=11, as_of=AS_OF, codes=older)))
    with_all = tables(list(generate(homes=400, seed=11, as_of=AS_OF, codes=CODES)))
    # the new models draw after everything else, so the other rows are unchanged
    for table in ("home", "component", "repair", "repair_line", "repair_status_event"):
        assert without[table] == with_all[table], table
    kept = [r for r in with_all["reference"] if r["subject_type"] != "damp_mould_case"]
    assert kept == without["reference"]


def test_damp_case_dates_keep_the_table_checks(stock: dict[str, list[dict[str, Any]]]) -> None:
    start = NOW - timedelta(days=3 * 365 + 1)
    assert any(c["investigation_completed_at"] is None for c in stock["damp_mould_case"])
    for c in stock["damp_mould_case"]:
        aware = c["aware_at"]
        assert start <= aware < NOW
        assert all(c[f] is None or aware <= c[f] < NOW for f in CASE_DATES), c
        started, completed = c["investigation_started_at"], c["investigation_completed_at"]
        assert completed is None or completed >= (started or aware)
        summary = c["written_summary_sent_at"]
        assert summary is None or completed is None or summary >= completed
        works_started, works_done = c["further_works_started_at"], c["further_works_completed_at"]
        assert works_done is None or works_done >= (works_started or aware)
        assert c["hhsrs_hazard_code"] == "1"
        if completed is None:  # not investigated yet: nothing after the investigation
            assert c["made_safe_at"] is None
            assert summary is None
            assert works_started is None
            assert c["severity_code"] is None
            assert c["hhsrs_category_code"] is None
            assert c["hazard_level_code"] in ("emergency", "significant")
        else:
            assert c["severity_code"] in ("high", "medium", "low")
            assert c["further_works_required"] is not None
        if c["hazard_level_code"] == "none":
            assert c["made_safe_at"] is None
            assert c["hhsrs_category_code"] is None
            assert c["further_works_required"] is False
        if works_started is not None:
            assert c["further_works_required"]
            assert c["made_safe_at"] is not None
            assert works_started >= c["made_safe_at"]


def test_damp_cases_peak_in_winter(stock: dict[str, list[dict[str, Any]]]) -> None:
    cases = stock["damp_mould_case"]
    months = Counter(c["aware_at"].month for c in cases)
    winter = sum(months[m] for m in (10, 11, 12, 1, 2, 3))
    assert 0.65 <= winter / len(cases) <= 0.9
    assert months[1] > 3 * months[7]
    assert all(months[m] for m in range(1, 13))  # damp is worst in winter, not only then


def test_damp_rates_vary_by_landlord_with_one_outlier(
    stock: dict[str, list[dict[str, Any]]],
) -> None:
    years = (3 * 365 + 1) / 365.25
    homes = Counter(h["landlord_id"] for h in stock["home"])
    cases = Counter(c["landlord_id"] for c in stock["damp_mould_case"])
    overall = sum(cases.values()) / sum(homes.values()) / years
    assert 0.03 <= overall <= 0.065
    rates = sorted(cases[landlord] / n / years for landlord, n in homes.items())
    assert rates[-1] > 1.7 * rates[-2]  # one landlord clearly worse than the others
    assert rates[0] >= 0.02
    level = Counter(c["hazard_level_code"] for c in stock["damp_mould_case"])
    assert 0.05 <= level["emergency"] / len(stock["damp_mould_case"]) <= 0.15
    assert level["significant"] > 0.8 * len(stock["damp_mould_case"])


def test_damp_cases_are_likelier_in_older_homes_and_flats(
    stock: dict[str, list[dict[str, Any]]],
) -> None:
    cases = Counter(c["home_id"] for c in stock["damp_mould_case"])

    def rate(homes: list[dict[str, Any]]) -> float:
        return sum(cases[h["id"]] for h in homes) / len(homes)

    old = [h for h in stock["home"] if h["year_built"] < 1945]
    new = [h for h in stock["home"] if h["year_built"] >= 2001]
    assert rate(old) > 1.8 * rate(new)
    latest: dict[int, int] = {}
    for e in stock["energy_performance_certificate"]:  # ids rise with lodgement per home
        latest[e["home_id"]] = e["sap_score"]
    low = [h for h in stock["home"] if latest.get(h["id"], 100) < 55]
    high = [h for h in stock["home"] if latest.get(h["id"], 0) >= 69]
    assert rate(low) > 1.5 * rate(high)
    # The model itself, other things equal (samples mix flats with newer, warmer homes).
    flat, house = Dwelling(1, 0, "flat", None, 1, 1970), Dwelling(2, 0, "house", None, 0, 1970)
    assert yearly_rate(flat, 60) > 1.2 * yearly_rate(house, 60)
    assert yearly_rate(house._replace(year_built=1910), 60) > 1.2 * yearly_rate(house, 60)
    assert yearly_rate(house, 40) > 1.5 * yearly_rate(house, 70)


def test_some_damp_cases_breach_awaabs_law_and_some_are_open(
    stock: dict[str, list[dict[str, Any]]],
) -> None:
    late_investigation = late_summary = late_safe = 0
    investigated = 0
    emergency_late = 0
    for c in stock["damp_mould_case"]:
        aware, started = c["aware_at"], c["investigation_started_at"]
        completed, safe = c["investigation_completed_at"], c["made_safe_at"]
        if completed is None:
            continue
        investigated += 1
        if c["hazard_level_code"] == "emergency":
            emergency_late += started - aware > timedelta(hours=24) or (
                safe is not None and safe - aware > timedelta(hours=24)
            )
            continue
        late_investigation += working_days(aware, started) > 10
        summary = c["written_summary_sent_at"]
        late_summary += summary is not None and working_days(completed, summary) > 3
        late_safe += safe is not None and working_days(completed, safe) > 5
    for late in (late_investigation, late_summary, late_safe):
        assert 0.04 * investigated <= late <= 0.3 * investigated
    assert emergency_late
    assert late_investigation < 0.9 * investigated  # most are on time
    still_open = [
        c
        for c in stock["damp_mould_case"]
        if c["made_safe_at"] is None and c["hazard_level_code"] != "none"
    ]
    assert still_open
    assert any(c["investigation_completed_at"] is None for c in still_open)
    recent = [c for c in stock["damp_mould_case"] if c["aware_at"] > NOW - timedelta(days=3)]
    assert all(c["made_safe_at"] is None or c["hazard_level_code"] == "emergency" for c in recent)
    works = [c for c in stock["damp_mould_case"] if c["further_works_started_at"]]
    assert works
    assert any(c["further_works_completed_at"] is None for c in works) or len(works) < 50
    assert any(c["escalated_at"] for c in stock["damp_mould_case"])


def test_epc_bands_match_their_scores(stock: dict[str, list[dict[str, Any]]]) -> None:
    certificates = stock["energy_performance_certificate"]
    for e in certificates:
        assert e["certificate_type_code"] == "epc"
        assert e["epc_band_code"] == band_of(e["sap_score"]), e
        assert e["potential_epc_band_code"] == band_of(e["potential_sap_score"]), e
        assert e["potential_sap_score"] >= e["sap_score"]
        assert AS_OF - timedelta(days=12 * 366) <= e["lodgement_date"] < AS_OF
        assert timedelta(days=1) <= e["lodgement_date"] - e["inspection_date"] <= timedelta(21)
        assert re.fullmatch(r"[0-9a-f]{32}", e["lmk_key"])
        assert re.fullmatch(r"\d{4}(-\d{4}){4}", e["certificate_number"])
    assert len({e["lmk_key"] for e in certificates}) == len(certificates)
    assert len({e["certificate_number"] for e in certificates}) == len(certificates)


def test_most_homes_have_a_plausible_epc(stock: dict[str, list[dict[str, Any]]]) -> None:
    homes = {h["id"]: h for h in stock["home"]}
    per_home = Counter(e["home_id"] for e in stock["energy_performance_certificate"])
    assert 0.58 <= len(per_home) / len(homes) <= 0.72
    assert 0.1 <= sum(n == 2 for n in per_home.values()) / len(per_home) <= 0.35
    assert max(per_home.values()) == 2
    latest: dict[int, dict[str, Any]] = {}
    for e in stock["energy_performance_certificate"]:
        previous = latest.get(e["home_id"])
        if previous is not None:  # an older certificate first, scoring no higher
            assert previous["lodgement_date"] < e["lodgement_date"]
        latest[e["home_id"]] = e
    for e in latest.values():
        assert e["lodgement_date"].year >= homes[e["home_id"]]["year_built"]
    bands = sorted(e["epc_band_code"] for e in latest.values())
    assert bands[len(bands) // 2] in ("C", "D")
    scores = {e["home_id"]: e["sap_score"] for e in latest.values()}

    def median(selected: list[int]) -> int:
        return sorted(selected)[len(selected) // 2]

    old_houses = [
        s
        for h, s in scores.items()
        if not homes[h]["building_id"] and homes[h]["year_built"] < 1945
    ]
    new_flats = [
        s for h, s in scores.items() if homes[h]["building_id"] and homes[h]["year_built"] > 2000
    ]
    assert median(old_houses) < 60 < 80 < median(new_flats)


def test_missing_damp_and_epc_codes_give_no_rows_or_nulls() -> None:
    no_codes = code_lists(hhsrs_hazards=(), certificate_types=())
    rows = tables(list(generate(homes=200, seed=1, as_of=AS_OF, codes=no_codes)))
    assert not rows["damp_mould_case"]
    assert not rows["energy_performance_certificate"]
    assert all(r["subject_type"] != "damp_mould_case" for r in rows["reference"])
    few = code_lists(hazard_levels=(), damp_severities=(), hhsrs_categories=(), epc_bands=())
    rows = tables(list(generate(homes=200, seed=1, as_of=AS_OF, codes=few)))
    assert rows["damp_mould_case"]
    assert rows["energy_performance_certificate"]
    assert all(
        c["hazard_level_code"] is None and c["severity_code"] is None
        for c in rows["damp_mould_case"]
    )
    assert all(e["epc_band_code"] is None for e in rows["energy_performance_certificate"])


async def test_damp_cases_and_certificates_load_into_postgresql(empty_db: str) -> None:
    import asyncpg

    from odx_graph.core.vocab import migrations_dir
    from odx_graph.services.demo import load_demo
    from odx_graph.services.refdata import sync_reference_data
    from odx_graph.store.migrations import migrate

    conn = await asyncpg.connect(empty_db)
    try:
        await migrate(conn, migrations_dir())
        await sync_reference_data(conn)
        # COPY checks every constraint: dates in order, codes in their lists, unique keys
        summary = await load_demo(conn, homes=1500, seed=20251027, as_of=AS_OF)
        counts = summary.counts
        assert counts["damp_mould_case"] > 100
        assert counts["energy_performance_certificate"] > 900
        for table in ("damp_mould_case", "energy_performance_certificate"):
            assert await conn.fetchval(f"SELECT count(*) FROM {table}") == counts[table]
        levels = await conn.fetch(
            "SELECT hazard_level_code, count(*) FROM damp_mould_case GROUP BY 1"
        )
        assert {r[0] for r in levels} == {"emergency", "significant", "none"}
        assert (
            await conn.fetchval(
                "SELECT count(*) FROM damp_mould_case c JOIN home h ON h.id = c.home_id"
                " WHERE c.landlord_id <> h.landlord_id OR c.hhsrs_hazard_code <> '1'"
                " OR c.severity_code IS NULL AND c.investigation_completed_at IS NOT NULL"
                " OR c.hhsrs_category_code IS NULL AND c.hazard_level_code <> 'none'"
                " AND c.investigation_completed_at IS NOT NULL"
            )
            == 0
        )
        mismatched = await conn.fetchval(
            "SELECT count(*) FROM energy_performance_certificate e"
            " JOIN epc_band b ON b.code = e.epc_band_code"
            " JOIN epc_band p ON p.code = e.potential_epc_band_code"
            " WHERE e.sap_score NOT BETWEEN b.sap_score_min AND coalesce(b.sap_score_max, 200)"
            " OR e.potential_sap_score NOT BETWEEN p.sap_score_min"
            " AND coalesce(p.sap_score_max, 200)"
        )
        assert mismatched == 0
        assert (
            await conn.fetchval(
                "SELECT count(*) FROM energy_performance_certificate WHERE epc_band_code IS NULL"
            )
            == 0
        )
        assert (
            await conn.fetchval(
                "SELECT count(*) FROM reference WHERE subject_type = 'damp_mould_case'"
            )
            == counts["damp_mould_case"]
        )
        next_id = await conn.fetchval(
            "INSERT INTO damp_mould_case (landlord_id, home_id, aware_at)"
            " VALUES (1, 1, now()) RETURNING id"
        )
        assert next_id == counts["damp_mould_case"] + 1
    finally:
        await conn.close()


async def test_the_demo_loads_whatever_statement_timeout_the_connection_has(
    empty_db: str,
) -> None:
    # A pool's connections carry the API's statement timeout (5 s by default); a large demo
    # load's COPYs and its council import take longer than that and must not be stopped.
    import asyncpg

    from odx_graph.core.vocab import migrations_dir
    from odx_graph.services.demo import load_demo
    from odx_graph.services.refdata import sync_reference_data
    from odx_graph.store.migrations import migrate

    conn = await asyncpg.connect(empty_db)
    try:
        await migrate(conn, migrations_dir())
        await sync_reference_data(conn)
        await conn.execute("SET statement_timeout = '1ms'")
        summary = await load_demo(conn, homes=300, seed=5, as_of=AS_OF)
        assert summary.counts["home"] == 300
        assert await conn.fetchval("SHOW statement_timeout") == "1ms"  # given back
    finally:
        await conn.close()


def test_homes_have_ventilation_that_counts_for_damp(
    stock: dict[str, list[dict[str, Any]]],
) -> None:
    """About two homes in three have extractor fans or mechanical ventilation recorded,
    with a make, aging around their 15-year lifetime; one past its lifetime multiplies a
    home's damp and mould rate by 1.6 in the stated process. They are drawn on a stream
    of their own: without them the rest of the demo is the same, row for row."""
    homes = {h["id"] for h in stock["home"]}
    fans = [c for c in stock["component"] if c["component_type_code"] == "ventilation"]
    with_fans = {c["home_id"] for c in fans}
    assert with_fans <= homes and 0.55 <= len(with_fans) / len(homes) <= 0.75
    assert all(c["make"] and c["model"] for c in fans)
    past = sum((AS_OF - c["install_date"]).days / 365.25 > 15 for c in fans) / len(fans)
    assert 0.03 <= past <= 0.3
    without = tables(
        list(generate(homes=300, seed=20251027, as_of=AS_OF, codes=CODES, ventilation=False))
    )
    small = tables(list(generate(homes=300, seed=20251027, as_of=AS_OF, codes=CODES)))
    for table in ("home", "repair", "energy_performance_certificate"):
        assert small[table] == without[table], table
    assert [c for c in small["component"] if c["component_type_code"] != "ventilation"] == (
        without["component"]
    )
    kept = len(without["damp_mould_case"])
    assert small["damp_mould_case"][:kept] == without["damp_mould_case"]
    assert fabric_factor(2, 1, ventilation_overdue=True) == pytest.approx(1.6 * fabric_factor(2, 1))
