"""Invented places: streets, blocks, postcodes and UPRNs, district by district.

The street names, inward codes and UPRNs are invented; they fall in the postcode districts
of the run's plan (`catalogue`'s fixed ones and, for a large demo, `geography`'s).
"""

from __future__ import annotations

import random
from bisect import bisect
from dataclasses import dataclass
from itertools import accumulate
from math import cos
from math import pi
from math import sin
from typing import NamedTuple

from odx_graph.services.demo.catalogue import HOME_UPRN_SPAN
from odx_graph.services.demo.catalogue import District
from odx_graph.services.demo.names import HIGH_RISE_BLOCK_SUFFIXES
from odx_graph.services.demo.names import LOW_RISE_BLOCK_SUFFIXES
from odx_graph.services.demo.names import STREET_SUFFIXES
from odx_graph.services.demo.names import STREET_WORDS

# Letters allowed in the last two places of an inward code.
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"

# Construction eras of houses and low-rise blocks: (first year, last year, weight).
ERAS: tuple[tuple[int, int, float], ...] = (
    (1890, 1918, 10.0),
    (1919, 1944, 15.0),
    (1945, 1964, 25.0),
    (1965, 1980, 20.0),
    (1981, 2000, 15.0),
    (2001, 2023, 15.0),
)


class HomeSpec(NamedTuple):
    """Where a home is and what it is, before it gets an id, a landlord and code values."""

    uprn: int | None
    address_line_1: str
    address_line_2: str | None
    postcode: str
    latitude: float
    longitude: float
    kind: str  # house, bungalow, maisonette or flat
    built_form: str | None  # detached, semi-detached, mid-terrace or end-terrace
    bedrooms: int
    floor_level: int | None
    year_built: int


class BlockSpec(NamedTuple):
    """A block of flats with its flats."""

    uprn: int
    toid: str
    name: str
    storeys: int
    construction_type: str
    year_built: int
    postcode: str
    flats: list[HomeSpec]


@dataclass
class _Street:
    name: str
    latitude: float
    longitude: float
    step_lat: float  # per house number along the street
    step_lon: float
    year: int
    left: int  # house numbers still to give out
    number: int = 1
    postcode: str = ""
    postcode_left: int = 0


class Places:
    """Invents streets, blocks, postcodes and UPRNs district by district.

    Keeps what it has handed out (street names, postcode units, UPRN counters) so that the
    homes of later chunks carry on the same streets and never reuse a UPRN.
    """

    def __init__(self, districts: tuple[District, ...], this_year: int) -> None:
        n = len(districts)
        self.districts = districts
        self.this_year = this_year
        self.home_uprn = [0] * n
        self.building_uprn = [0] * n
        self.toid = 0
        self.postcodes: list[set[str]] = [set() for _ in range(n)]
        self.street_names: list[set[str]] = [set() for _ in range(n)]
        self.streets: list[_Street | None] = [None] * n
        self.era_cum = list(accumulate(w for _, _, w in ERAS))

    def house(self, rng: random.Random, district: int) -> HomeSpec:
        """The next house along the district's current street (a new street when it is full)."""
        rnd = rng.random
        street = self.streets[district]
        if street is None or street.left <= 0:
            lat, lon = self._spot(rng, district)
            angle = rnd() * 2 * pi
            street = _Street(
                self._street_name(rng, district),
                lat,
                lon,
                cos(angle) * 0.00003,
                sin(angle) * 0.00005,
                self._year(rng),
                20 + int(rnd() * 60),
            )
            self.streets[district] = street
        if street.postcode_left <= 0:
            street.postcode = self._postcode(rng, district)
            street.postcode_left = 8 + int(rnd() * 18)
        number = street.number
        street.number += 1 if rnd() < 0.4 else 2
        street.left -= 1
        street.postcode_left -= 1
        r, f = rnd(), rnd()
        if r < 0.8:
            kind = "house"
            form = (
                "mid-terrace"
                if f < 0.4
                else "end-terrace"
                if f < 0.6
                else "semi-detached"
                if f < 0.92
                else "detached"
            )
            bedrooms = 1 + bisect((0.02, 0.32, 0.8, 0.96), rnd())
        elif r < 0.92:
            kind = "bungalow"
            form = "semi-detached" if f < 0.5 else "mid-terrace" if f < 0.8 else "detached"
            bedrooms = 1 + bisect((0.55,), rnd())
        else:
            kind = "maisonette"
            form = "mid-terrace" if f < 0.7 else "end-terrace"
            bedrooms = 2 + bisect((0.7,), rnd())
        return HomeSpec(
            self._home_uprn(rng, district),
            f"{number} {street.name}",
            None,
            street.postcode,
            round(street.latitude + number * street.step_lat + (rnd() - 0.5) * 0.0001, 6),
            round(street.longitude + number * street.step_lon + (rnd() - 0.5) * 0.0001, 6),
            kind,
            form,
            bedrooms,
            None,
            min(self.this_year, max(1890, street.year + int(rnd() * 5) - 2)),
        )

    def block(self, rng: random.Random, district: int, most_flats: int) -> BlockSpec:
        """A new block of flats: mostly low-rise, some 1960s and new high-rise."""
        rnd = rng.random
        r = rnd()
        if r < 0.7:
            storeys, per_floor, year = 3 + int(rnd() * 3), 2 + int(rnd() * 5), self._year(rng)
            suffixes = LOW_RISE_BLOCK_SUFFIXES
        else:
            storeys = 6 + int(rnd() * 5) if r < 0.88 else 11 + int(rnd() * 10)
            per_floor = 4 + int(rnd() * 3)
            year = 1958 + int(rnd() * 19) if rnd() < 0.8 else 2004 + int(rnd() * 19)
            suffixes = HIGH_RISE_BLOCK_SUFFIXES
        year = min(year, self.this_year)
        high = storeys >= 6
        construction = (
            "large panel system"
            if high and 1962 <= year <= 1972 and rnd() < 0.5
            else "concrete frame"
            if high
            else "timber frame"
            if year > 2000 and rnd() < 0.4
            else "traditional masonry"
        )
        name = (
            f"{STREET_WORDS[int(rnd() * len(STREET_WORDS))]} {suffixes[int(rnd() * len(suffixes))]}"
        )
        street = self._street_name(rng, district)
        postcode = self._postcode(rng, district)
        lat, lon = self._spot(rng, district)
        self.building_uprn[district] += 1 + int(rnd() * 97)
        self.toid += 1 + int(rnd() * 4000)
        flats = [
            HomeSpec(
                self._home_uprn(rng, district),
                f"Flat {k + 1}, {name}",
                street,
                postcode,
                round(lat, 6),
                round(lon, 6),
                "flat",
                None,
                bisect((0.08, 0.43, 0.83), rnd()),
                k // per_floor,
                year,
            )
            for k in range(max(1, min(storeys * per_floor, most_flats)))
        ]
        return BlockSpec(
            self.districts[district].uprn_base + HOME_UPRN_SPAN + self.building_uprn[district],
            f"osgb{1_000_000_000_000_000 + self.toid}",
            name,
            storeys,
            construction,
            year,
            postcode,
            flats,
        )

    def _home_uprn(self, rng: random.Random, district: int) -> int | None:
        if rng.random() < 0.02:  # not every home has been matched to a UPRN
            return None
        self.home_uprn[district] += 1 + int(rng.random() * 29)
        return self.districts[district].uprn_base + self.home_uprn[district]

    def _postcode(self, rng: random.Random, district: int) -> str:
        d, rnd, used = self.districts[district], rng.random, self.postcodes[district]
        for _ in range(40):
            postcode = (
                f"{d.code} {d.sectors[int(rnd() * len(d.sectors))]}"
                f"{INWARD_LETTERS[int(rnd() * 20)]}{INWARD_LETTERS[int(rnd() * 20)]}"
            )
            if postcode not in used:
                break
        used.add(postcode)
        return postcode

    def _street_name(self, rng: random.Random, district: int) -> str:
        rnd, used = rng.random, self.street_names[district]
        for _ in range(20):
            name = (
                f"{STREET_WORDS[int(rnd() * len(STREET_WORDS))]} "
                f"{STREET_SUFFIXES[int(rnd() * len(STREET_SUFFIXES))]}"
            )
            if name not in used:
                break
        used.add(name)
        return name

    def _spot(self, rng: random.Random, district: int) -> tuple[float, float]:
        d = self.districts[district]  # within about 650 m of the district's centre
        return (
            d.latitude + (rng.random() - 0.5) * 0.012,
            d.longitude + (rng.random() - 0.5) * 0.018,
        )

    def _year(self, rng: random.Random) -> int:
        start, end, _ = ERAS[bisect(self.era_cum, rng.random() * self.era_cum[-1])]
        return min(start + int(rng.random() * (end - start + 1)), self.this_year)
