"""The country's postcode areas, so that a large demo spreads the way social housing does.

Each area is a real postcode area with the approximate centre of its principal post town,
about how many districts it has, the current ONS code of that town's local authority, and the
demo region whose landlord and contractors work there. A demo larger than `FIRST_GROWTH_AT`
homes adds one district per `HOMES_PER_DISTRICT` homes beyond it, taken every area's first
district first, then every area's second, and so on, so the stock spreads over the whole
country as it grows. Generated districts have the real format (the area's letters and a
number) and lie on a spiral round the town centre, the lowest numbers nearest; real district
numbers are not all in use and a generated district is not placed where the real one of the
same name is (a coastal town's outer districts may even fall in the sea).
"""

from __future__ import annotations

import csv
from math import cos
from math import exp
from math import pi
from math import radians
from math import sin
from math import sqrt
from typing import NamedTuple

from odx_graph.core.vocab import data_dir
from odx_graph.services.demo.catalogue import DISTRICTS
from odx_graph.services.demo.catalogue import UPRN_BLOCK
from odx_graph.services.demo.catalogue import District
from odx_graph.services.demo.draws import seeded_random

# Up to this many homes the demo keeps its sixteen fixed districts.
FIRST_GROWTH_AT = 5_000
# Beyond it, one more district for about this many homes.
HOMES_PER_DISTRICT = 350
# Generated districts own UPRN blocks from here on, clear of the fixed districts' blocks.
GENERATED_UPRN_BASE = 300_000_000_000
# Degrees of latitude between the spiral's rings (about 1.3 km).
SPIRAL_STEP = 0.012
GOLDEN_ANGLE = pi * (3 - sqrt(5))
# The areas, one a row, in the package's reference data.
AREAS_FILE = "postcode_areas.csv"


class Area(NamedTuple):
    """A real postcode area: its principal town's centre, district count and authority."""

    code: str
    town: str
    latitude: float
    longitude: float
    districts: int
    local_authority_code: str
    region: str  # south, north or midlands: whose landlord and contractors work there


class GeneratedDistrict(NamedTuple):
    """A district added for a large demo, with its region and its weight among its landlord's."""

    district: District
    region: str
    weight: float


def _areas() -> tuple[Area, ...]:
    with (data_dir() / AREAS_FILE).open(encoding="utf-8", newline="") as f:
        return tuple(
            Area(
                row["code"],
                row["town"],
                float(row["latitude"]),
                float(row["longitude"]),
                int(row["districts"]),
                row["local_authority_code"],
                row["region"],
            )
            for row in csv.DictReader(f)
        )


AREAS = _areas()


def generated_district_count(homes: int) -> int:
    """How many districts a demo of `homes` homes adds to the fixed ones."""
    most = sum(area.districts for area in AREAS) - len(DISTRICTS)  # the fixed ones are in it
    return min(most, max(0, homes - FIRST_GROWTH_AT) // HOMES_PER_DISTRICT)


def generated_districts(count: int, taken: frozenset[str]) -> tuple[GeneratedDistrict, ...]:
    """The first `count` generated districts, skipping the codes in `taken`.

    The same count always gives the same districts, and a larger count the same ones and
    more. A district's weight (its share of its landlord's homes, against the fixed
    districts' weights of 5 to 30) is drawn from its code alone: most hold a few hundred
    homes of a large demo, the innermost districts of the big cities several times that.
    """
    made: list[GeneratedDistrict] = []
    number = 0
    deepest = max(area.districts for area in AREAS)
    while len(made) < count and number < deepest:
        number += 1
        for area in AREAS:
            if len(made) >= count:
                break
            code = f"{area.code}{number}"
            if number > area.districts or code in taken:
                continue
            made.append(_district(area, number, code, len(made)))
    return tuple(made)


def _district(area: Area, number: int, code: str, position: int) -> GeneratedDistrict:
    rng = seeded_random(f"district:{code}")
    radius = SPIRAL_STEP * sqrt(number - 1)
    angle = (number - 1) * GOLDEN_ANGLE
    latitude = area.latitude + radius * cos(angle)
    longitude = area.longitude + radius * sin(angle) / cos(radians(area.latitude))
    sectors = "".join(d for d in "0123456789" if rng.random() < 0.6) or "1"
    weight = exp(rng.gauss(0.45, 0.8))
    if number <= 2 and area.districts >= 40:
        weight *= 3  # a big city's centre is denser
    district = District(
        code,
        area.town,
        area.local_authority_code,
        round(latitude, 4),
        round(longitude, 4),
        sectors,
        GENERATED_UPRN_BASE + position * UPRN_BLOCK,
    )
    return GeneratedDistrict(district, area.region, round(weight, 3))
