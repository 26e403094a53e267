"""The fixed tables of the demo's world: postcode districts, landlords and contractors.

The postcode districts, their local authority codes and approximate centroids are real; the
landlords, contractors and UPRN ranges are invented. No name here belongs to a registered
provider of social housing.
"""

from __future__ import annotations

from typing import NamedTuple

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
    # Damp and mould cases per home relative to a typical landlord with the same stock.
    damp_factor: float = 1.0
    # Where a large demo's added districts are this landlord's (see `geography`).
    region: str = "south"


LANDLORDS: tuple[LandlordSpec, ...] = (
    LandlordSpec(
        "Kestrelbrook Homes",
        "L9817",
        "KBH",
        "https://kestrelbrook-homes.example",
        0.45,
        0.55,
        0.9,
        (("E1", 25), ("E3", 20), ("SE15", 25), ("N17", 20), ("BS5", 10)),
        0.8,
        "south",
    ),
    LandlordSpec(
        "Thornmere Housing Trust",
        "LH9642",
        "THT",
        "https://thornmere.example",
        0.35,
        0.30,
        1.2,
        (("M13", 20), ("M14", 20), ("L8", 15), ("LS8", 15), ("LS9", 15), ("S2", 10), ("NE6", 5)),
        # The outlier a comparison of providers should find: far more damp and mould.
        1.9,
        "north",
    ),
    LandlordSpec(
        "Ashcombe Vale Housing Association",
        "9381",
        "AVH",
        "https://ashcombe-vale.example",
        0.20,
        0.30,
        1.0,
        (("B10", 30), ("B11", 25), ("NG7", 25), ("CF24", 15), ("M14", 5)),
        0.85,
        "midlands",
    ),
)

_LONDON = ("E1", "E3", "SE15", "N17")
_NORTH = ("M13", "M14", "L8", "LS8", "LS9", "S2", "NE6")
_MIDLANDS_WEST = ("B10", "B11", "NG7", "BS5", "CF24")
_ALL = _LONDON + _NORTH + _MIDLANDS_WEST
# The fixed districts of each region; a contractor serving at least half of a region's works
# in the districts a large demo adds there too.
REGIONS: dict[str, tuple[str, ...]] = {
    "south": _LONDON,
    "north": _NORTH,
    "midlands": _MIDLANDS_WEST,
}


# The trades of a general building contractor, before those each one adds.
_GENERAL_BUILDING = ("general", "carpentry", "plumbing", "plastering", "decorating", "drainage")


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
        "Brightwater Heating Services Ltd",
        "https://brightwater-heating.example",
        ("gas", "heating", "plumbing"),
        _ALL,
        0.09,
        1.05,
    ),
    ContractorSpec(
        "Larkvale Electrical Ltd",
        "https://larkvale-electrical.example",
        ("electrical", "fire", "door-entry"),
        _ALL,
        0.11,
        1.00,
    ),
    ContractorSpec(
        "Tidemark Building Maintenance Ltd",
        "https://tidemark-maintenance.example",
        (*_GENERAL_BUILDING, "bricklaying", "glazing", "roofing"),
        (*_LONDON, "BS5"),
        0.16,
        1.12,
    ),
    ContractorSpec(
        "Northdale Property Services Ltd",
        "https://northdale-property.example",
        (*_GENERAL_BUILDING, "bricklaying", "electrical"),
        _NORTH,
        0.13,
        0.95,
    ),
    ContractorSpec(
        "Copperfield Repairs Ltd",
        "https://copperfield-repairs.example",
        (*_GENERAL_BUILDING, "glazing", "roofing", "bricklaying"),
        (*_MIDLANDS_WEST, "M14"),
        0.19,
        0.92,
    ),
    ContractorSpec(
        "Fernbrook Roofing and Glazing Ltd",
        "https://fernbrook-roofing.example",
        ("roofing", "glazing", "bricklaying"),
        _NORTH + _MIDLANDS_WEST,
        0.12,
        1.03,
    ),
    ContractorSpec(
        "Wyvern Lift and Access Engineering Ltd",
        "https://wyvern-lifts.example",
        ("lifts", "door-entry", "fire"),
        _ALL,
        0.07,
        1.20,
    ),
    ContractorSpec(
        "Quayside Damp and Decorating Ltd",
        "https://quayside-damp.example",
        ("decorating", "plastering", "damp"),
        _LONDON + _NORTH,
        0.14,
        0.98,
    ),
)
