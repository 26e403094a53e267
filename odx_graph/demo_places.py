"""The demo dataset's world: where homes are, who owns and repairs them, what they contain
and what goes wrong with them, and `Places`, which invents streets, blocks, postcodes and
UPRNs. The generator that turns these into rows is `odx_graph.demo`.

The postcode districts, their local authority codes and approximate centroids are real; the
landlords, contractors, street names, inward codes and UPRN ranges are invented. No name here
belongs to a registered provider of social housing.
"""

from __future__ import annotations

import random
from bisect import bisect
from dataclasses import dataclass
from itertools import accumulate
from math import cos, pi, sin
from typing import NamedTuple

# Letters allowed in the last two places of an inward code.
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"

# Each district owns a block of UPRNs: homes below base + HOME_UPRN_SPAN, buildings above it.
HOME_UPRN_SPAN = 60_000_000
UPRN_BLOCK = 100_000_000


class District(NamedTuple):
    """A real postcode district with a plausible centroid and an invented UPRN block."""

    code: str
    town: str
    local_authority_code: str
    latitude: float
    longitude: float
    sectors: str  # sector digits used for invented inward codes
    uprn_base: int


DISTRICTS: tuple[District, ...] = (
    District("E1", "London", "E09000030", 51.5173, -0.0570, "0123456", 6_000_000_000),
    District("E3", "London", "E09000030", 51.5290, -0.0250, "2345", 6_200_000_000),
    District("SE15", "London", "E09000028", 51.4705, -0.0660, "123456", 200_100_000_000),
    District("N17", "London", "E09000014", 51.5985, -0.0700, "06789", 100_200_000_000),
    District("M13", "Manchester", "E08000003", 53.4590, -2.2110, "09", 77_100_000_000),
    District("M14", "Manchester", "E08000003", 53.4480, -2.2230, "4567", 77_300_000_000),
    District("L8", "Liverpool", "E08000012", 53.3920, -2.9650, "0123456789", 38_000_000_000),
    District("LS8", "Leeds", "E08000035", 53.8220, -1.5100, "12345", 72_000_000_000),
    District("LS9", "Leeds", "E08000035", 53.7990, -1.5120, "06789", 72_200_000_000),
    District("S2", "Sheffield", "E08000019", 53.3710, -1.4590, "12345", 100_500_000_000),
    District("NE6", "Newcastle upon Tyne", "E08000021", 54.9770, -1.5730, "12345", 4_510_000_000),
    District("B10", "Birmingham", "E08000025", 52.4740, -1.8470, "09", 100_700_000_000),
    District("B11", "Birmingham", "E08000025", 52.4580, -1.8610, "1234", 100_900_000_000),
    District("NG7", "Nottingham", "E06000018", 52.9560, -1.1780, "1234567", 101_100_000_000),
    District("BS5", "Bristol", "E06000023", 51.4610, -2.5560, "06789", 361_000_000),
    District("CF24", "Cardiff", "W06000015", 51.4850, -3.1590, "012345", 101_300_000_000),
)


class LandlordSpec(NamedTuple):
    """An invented landlord: share of the demo's homes, share in blocks, districts it owns in."""

    name: str
    registration_number: str
    reference_prefix: str
    website: str
    home_share: float
    flat_share: float
    late_factor: float  # how much more often than its contractors' norm its jobs run late
    districts: tuple[tuple[str, float], ...]  # (district code, weight)


LANDLORDS: tuple[LandlordSpec, ...] = (
    LandlordSpec(
        "Kestrelbrook Homes", "L9817", "KBH", "https://kestrelbrook-homes.example",
        0.45, 0.55, 0.9,
        (("E1", 25), ("E3", 20), ("SE15", 25), ("N17", 20), ("BS5", 10)),
    ),
    LandlordSpec(
        "Thornmere Housing Trust", "LH9642", "THT", "https://thornmere.example",
        0.35, 0.30, 1.2,
        (("M13", 20), ("M14", 20), ("L8", 15), ("LS8", 15), ("LS9", 15), ("S2", 10), ("NE6", 5)),
    ),
    LandlordSpec(
        "Ashcombe Vale Housing Association", "9381", "AVH", "https://ashcombe-vale.example",
        0.20, 0.30, 1.0,
        (("B10", 30), ("B11", 25), ("NG7", 25), ("CF24", 15), ("M14", 5)),
    ),
)

_LONDON = ("E1", "E3", "SE15", "N17")
_NORTH = ("M13", "M14", "L8", "LS8", "LS9", "S2", "NE6")
_MIDLANDS_WEST = ("B10", "B11", "NG7", "BS5", "CF24")
_ALL = _LONDON + _NORTH + _MIDLANDS_WEST


class ContractorSpec(NamedTuple):
    """An invented contractor: the trade roles it covers, where, and how often it runs late."""

    name: str
    website: str
    trade_roles: tuple[str, ...]
    districts: tuple[str, ...]
    late_rate: float
    price_factor: float


CONTRACTORS: tuple[ContractorSpec, ...] = (
    ContractorSpec(
        "Brightwater Heating Services Ltd", "https://brightwater-heating.example",
        ("gas", "heating", "plumbing"), _ALL, 0.09, 1.05,
    ),
    ContractorSpec(
        "Larkvale Electrical Ltd", "https://larkvale-electrical.example",
        ("electrical", "fire", "door-entry"), _ALL, 0.11, 1.00,
    ),
    ContractorSpec(
        "Tidemark Building Maintenance Ltd", "https://tidemark-maintenance.example",
        ("general", "carpentry", "plumbing", "plastering", "decorating", "drainage",
         "bricklaying", "glazing", "roofing"),
        (*_LONDON, "BS5"), 0.16, 1.12,
    ),
    ContractorSpec(
        "Northdale Property Services Ltd", "https://northdale-property.example",
        ("general", "carpentry", "plumbing", "plastering", "decorating", "drainage",
         "bricklaying", "electrical"),
        _NORTH, 0.13, 0.95,
    ),
    ContractorSpec(
        "Copperfield Repairs Ltd", "https://copperfield-repairs.example",
        ("general", "carpentry", "plumbing", "plastering", "decorating", "drainage",
         "glazing", "roofing", "bricklaying"),
        (*_MIDLANDS_WEST, "M14"), 0.19, 0.92,
    ),
    ContractorSpec(
        "Fernbrook Roofing and Glazing Ltd", "https://fernbrook-roofing.example",
        ("roofing", "glazing", "bricklaying"), _NORTH + _MIDLANDS_WEST, 0.12, 1.03,
    ),
    ContractorSpec(
        "Wyvern Lift and Access Engineering Ltd", "https://wyvern-lifts.example",
        ("lifts", "door-entry", "fire"), _ALL, 0.07, 1.20,
    ),
    ContractorSpec(
        "Quayside Damp and Decorating Ltd", "https://quayside-damp.example",
        ("decorating", "plastering", "damp"), _LONDON + _NORTH, 0.14, 0.98,
    ),
)

STREET_WORDS: tuple[str, ...] = (
    "Alder", "Ashdown", "Aspen", "Barley", "Beacon", "Beech", "Bellflower", "Birchfield",
    "Blackthorn", "Bramble", "Brook", "Buttercup", "Campion", "Cedar", "Chalk", "Clover",
    "Coltsfoot", "Coppice", "Cowslip", "Cress", "Dale", "Dipper", "Dunlin", "Elder", "Elm",
    "Fennel", "Fern", "Fieldfare", "Foxglove", "Furlong", "Gorse", "Granary", "Hawthorn",
    "Hazel", "Heron", "Holly", "Hornbeam", "Juniper", "Kestrel", "Kingfisher", "Lapwing",
    "Larch", "Laurel", "Linden", "Linnet", "Maple", "Marigold", "Meadow", "Medlar", "Mill",
    "Nightjar", "Nuthatch", "Oak", "Orchard", "Osier", "Plover", "Poplar", "Primrose",
    "Quarry", "Redwing", "Reed", "Rowan", "Saffron", "Sandpiper", "Sedge", "Siskin", "Sorrel",
    "Spindle", "Starling", "Sycamore", "Tansy", "Teasel", "Thistle", "Thrush", "Tinker",
    "Wagtail", "Walnut", "Warbler", "Weaver", "Willow", "Wren", "Yarrow",
)
STREET_SUFFIXES: tuple[str, ...] = (
    "Street", "Road", "Close", "Grove", "Terrace", "Avenue", "Lane", "Way", "Gardens",
    "Place", "Crescent", "Walk", "Row",
)
LOW_RISE_BLOCK_SUFFIXES: tuple[str, ...] = ("House", "Court", "Lodge", "Mansions", "Buildings")
HIGH_RISE_BLOCK_SUFFIXES: tuple[str, ...] = ("Tower", "House", "Point", "Heights", "Court")

# Construction eras of houses and low-rise blocks: (first year, last year, weight).
ERAS: tuple[tuple[int, int, float], ...] = (
    (1890, 1918, 10.0), (1919, 1944, 15.0), (1945, 1964, 25.0), (1965, 1980, 20.0),
    (1981, 2000, 15.0), (2001, 2023, 15.0),
)

# What a home contains: components of every home, then (role, probability) extras.
HOME_COMPONENTS: tuple[str, ...] = ("kitchen", "bathroom", "heating-distribution", "windows",
                                    "external-doors", "electrics")
HOUSE_EXTRAS: tuple[tuple[str, float], ...] = (
    ("roof-finish", 1.0), ("smoke-alarm", 0.5), ("wall-finish", 0.35), ("roof-structure", 0.2))
FLAT_EXTRAS: tuple[tuple[str, float], ...] = (("smoke-alarm", 0.5), ("wall-finish", 0.15))
COMMUNAL_COMPONENTS: tuple[str, ...] = ("roof-structure", "roof-finish", "door-entry",
                                        "fire-detection")  # plus lifts from 6 storeys
# Typical lives where the code list gives none (they are not Decent Homes components).
DEFAULT_LIFETIME: dict[str, int] = {"lift": 25, "door-entry": 15, "fire-detection": 15,
                                    "smoke-alarm": 10}
SERVICE_DAYS: dict[str, int] = {"gas-boiler": 365, "lift": 183, "fire-detection": 365,
                                "door-entry": 365, "smoke-alarm": 365}
MAKES: dict[str, tuple[tuple[str, str], ...]] = {
    "gas-boiler": (("Worcester Bosch", "Greenstar 30i"), ("Vaillant", "ecoTEC plus 832"),
                   ("Baxi", "800 Combi 2"), ("Ideal", "Logic Combi2 C30"),
                   ("Glow-worm", "Energy 30c"), ("Potterton", "Assure Combi 30"),
                   ("Vokera", "Unica 28")),
    "other-heating": (("Dimplex", "Quantum QM100"), ("Elnur", "Ecombi HHR 20")),
    "lift": (("Otis", "Gen2"), ("Schindler", "3300"), ("Kone", "MonoSpace 500")),
    "door-entry": (("Videx", "VX2200"), ("Comelit", "Simplebus 2")),
    "fire-detection": (("Kentec", "Syncro AS"), ("Advanced", "MxPro 5")),
    "smoke-alarm": (("Aico", "Ei3016"), ("FireAngel", "SW1-R")),
}


class Work(NamedTuple):
    """A kind of repair: what it concerns, who does it, which SOR schedule, which priorities."""

    component_roles: tuple[str, ...]  # the first the home has is the repair's component
    requires: str | None  # component role the home (or its block) must have
    trade_role: str
    schedule: str
    weights: tuple[float, float, float, float, float]  # relative weight at priorities 1..5
    texts: tuple[str, ...]


# The kinds of responsive repair, weighted within each priority.
WORKS: tuple[Work, ...] = (
    Work(("gas-boiler",), "gas-boiler", "gas", "Gas", (1, 30, 15, 5, 6), (
        "No heating or hot water", "Boiler keeps losing pressure", "Boiler showing a fault code",
        "Boiler making a banging noise", "No hot water but heating works",
        "Boiler annual service follow-up")),
    Work(("other-heating",), "other-heating", "heating", "Electrical", (0, 14, 10, 6, 2), (
        "Storage heater not warming up", "Heater not working in living room",
        "Hot water cylinder not heating")),
    Work(("heating-distribution",), None, "heating", "Responsive", (0, 4, 10, 30, 3), (
        "Radiator leaking in bedroom", "Radiator cold at the top", "Radiator valve stuck",
        "Pipes knocking when heating is on")),
    Work(("bathroom",), None, "plumbing", "Responsive", (25, 25, 15, 30, 5), (
        "Water coming through ceiling", "Leak under bathroom sink", "Toilet leaking at the base",
        "Bath seal failed and leaking", "Overflow pipe dripping outside")),
    Work(("bathroom",), None, "plumbing", "Responsive", (0, 5, 12, 35, 2), (
        "Toilet not flushing", "Cistern keeps running", "Shower not working",
        "Bath panel loose", "Wash basin cracked")),
    Work(("kitchen",), None, "carpentry", "Responsive", (0, 0, 5, 40, 3), (
        "Kitchen cupboard door hanging off", "Worktop damaged near sink",
        "Kitchen drawer runner broken", "Kitchen unit swollen from leak")),
    Work(("kitchen",), None, "plumbing", "Responsive", (0, 6, 10, 25, 1), (
        "Kitchen tap dripping", "Blocked kitchen sink", "Leak behind washing machine valve")),
    Work(("electrics",), None, "electrical", "Electrical", (30, 25, 15, 20, 5), (
        "No power to kitchen sockets", "Lights not working in hallway",
        "Fuse board keeps tripping", "Bathroom extractor fan not working",
        "Burning smell from a socket")),
    Work(("smoke-alarm", "electrics"), None, "electrical", "Electrical", (5, 15, 10, 8, 2), (
        "Smoke alarm beeping", "Smoke alarm chirping every minute",
        "Heat detector in kitchen faulty")),
    Work(("windows",), None, "glazing", "Responsive", (5, 10, 12, 30, 3), (
        "Window will not close", "Cracked window pane", "Window handle broken",
        "Misted double glazing unit", "Window frame rotten")),
    Work(("external-doors",), None, "carpentry", "Responsive", (25, 15, 8, 25, 2), (
        "Front door will not lock", "Front door damaged after forced entry",
        "Back door sticking", "Letterbox broken", "Door frame rotten at the bottom")),
    Work(("roof-finish",), "roof-finish", "roofing", "Responsive", (5, 10, 15, 20, 8), (
        "Roof leaking into bedroom", "Slipped roof tiles", "Gutter blocked and overflowing",
        "Flat roof leaking", "Downpipe broken")),
    Work(("wall-finish",), None, "plastering", "Responsive", (0, 0, 5, 35, 8), (
        "Cracked plaster in living room", "Ceiling plaster coming away", "Hole in hallway wall",
        "Loose skirting board")),
    Work((), None, "drainage", "Responsive", (15, 20, 15, 15, 2), (
        "Blocked drain outside", "Toilet blocked", "Smell of sewage from drain",
        "Manhole cover broken")),
    Work((), None, "general", "Responsive", (0, 2, 8, 45, 10), (
        "Fence panel blown down", "Loose handrail on stairs", "Floorboard loose",
        "Gate hinge broken", "Paving slab cracked", "Shed door broken")),
    Work(("lift",), "lift", "lifts", "Lifts", (15, 25, 5, 3, 1), (
        "Lift out of order", "Lift doors not closing", "Lift stuck between floors")),
    Work(("door-entry",), "door-entry", "door-entry", "Controlled Door Entry",
         (5, 15, 10, 10, 1), (
        "Door entry buzzer not working", "Communal door not closing",
        "Fob not opening main door")),
    Work(("fire-detection",), "fire-detection", "fire", "Fire Alarms", (10, 10, 5, 5, 2), (
        "Communal smoke detector beeping", "Fire alarm panel showing a fault",
        "Emergency light out on stairwell")),
)
# Seasonal damp and mould reports, on top of the kinds above (October to March).
DAMP_WORK = Work(("wall-finish", "windows"), None, "damp", "Responsive", (0, 15, 55, 30, 0), (
    "Black mould on bedroom ceiling", "Mould around bedroom window",
    "Condensation running down windows", "Damp patch spreading on living room wall",
    "Mould in bathroom corners", "Mould behind wardrobe", "Wallpaper peeling with damp",
    "Damp smell in small bedroom"))
QUALIFIERS: tuple[str, ...] = (
    "", "", "", "", "", "", " - getting worse", " - reported before", " - photos available",
    " since last week", " - second report this month")
NOTES: tuple[str, ...] = (
    "No access, card left", "Parts ordered", "Follow-on work needed",
    "Appointment rebooked at resident's request", "Made safe, return visit booked",
    "Second operative needed")


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

    def __init__(self, this_year: int) -> None:
        n = len(DISTRICTS)
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
            street = _Street(self._street_name(rng, district), lat, lon, cos(angle) * 0.00003,
                             sin(angle) * 0.00005, self._year(rng), 20 + int(rnd() * 60))
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
            form = ("mid-terrace" if f < 0.4 else "end-terrace" if f < 0.6
                    else "semi-detached" if f < 0.92 else "detached")
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
            self._home_uprn(rng, district), f"{number} {street.name}", None, street.postcode,
            round(street.latitude + number * street.step_lat + (rnd() - 0.5) * 0.0001, 6),
            round(street.longitude + number * street.step_lon + (rnd() - 0.5) * 0.0001, 6),
            kind, form, bedrooms, None,
            min(self.this_year, max(1890, street.year + int(rnd() * 5) - 2)))

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
        construction = ("large panel system" if high and 1962 <= year <= 1972 and rnd() < 0.5
                        else "concrete frame" if high
                        else "timber frame" if year > 2000 and rnd() < 0.4
                        else "traditional masonry")
        name = (f"{STREET_WORDS[int(rnd() * len(STREET_WORDS))]} "
                f"{suffixes[int(rnd() * len(suffixes))]}")
        street = self._street_name(rng, district)
        postcode = self._postcode(rng, district)
        lat, lon = self._spot(rng, district)
        self.building_uprn[district] += 1 + int(rnd() * 97)
        self.toid += 1 + int(rnd() * 4000)
        flats = [HomeSpec(self._home_uprn(rng, district), f"Flat {k + 1}, {name}", street,
                          postcode, round(lat, 6), round(lon, 6), "flat", None,
                          bisect((0.08, 0.43, 0.83), rnd()), k // per_floor, year)
                 for k in range(max(1, min(storeys * per_floor, most_flats)))]
        return BlockSpec(
            DISTRICTS[district].uprn_base + HOME_UPRN_SPAN + self.building_uprn[district],
            f"osgb{1_000_000_000_000_000 + self.toid}", name, storeys, construction, year,
            postcode, flats)

    def _home_uprn(self, rng: random.Random, district: int) -> int | None:
        if rng.random() < 0.02:  # not every home has been matched to a UPRN
            return None
        self.home_uprn[district] += 1 + int(rng.random() * 29)
        return DISTRICTS[district].uprn_base + self.home_uprn[district]

    def _postcode(self, rng: random.Random, district: int) -> str:
        d, rnd, used = DISTRICTS[district], rng.random, self.postcodes[district]
        for _ in range(40):
            postcode = (f"{d.code} {d.sectors[int(rnd() * len(d.sectors))]}"
                        f"{INWARD_LETTERS[int(rnd() * 20)]}{INWARD_LETTERS[int(rnd() * 20)]}")
            if postcode not in used:
                break
        used.add(postcode)
        return postcode

    def _street_name(self, rng: random.Random, district: int) -> str:
        rnd, used = rng.random, self.street_names[district]
        for _ in range(20):
            name = (f"{STREET_WORDS[int(rnd() * len(STREET_WORDS))]} "
                    f"{STREET_SUFFIXES[int(rnd() * len(STREET_SUFFIXES))]}")
            if name not in used:
                break
        used.add(name)
        return name

    def _spot(self, rng: random.Random, district: int) -> tuple[float, float]:
        d = DISTRICTS[district]  # within about 650 m of the district's centre
        return (d.latitude + (rng.random() - 0.5) * 0.012,
                d.longitude + (rng.random() - 0.5) * 0.018)

    def _year(self, rng: random.Random) -> int:
        start, end, _ = ERAS[bisect(self.era_cum, rng.random() * self.era_cum[-1])]
        return min(start + int(rng.random() * (end - start + 1)), self.this_year)
