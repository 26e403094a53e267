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

from math import cos, exp, pi, radians, sin, sqrt
from typing import NamedTuple

from odx_graph.services.demo.catalogue import DISTRICTS, UPRN_BLOCK, District
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


AREAS: tuple[Area, ...] = (
    Area("AB", "Aberdeen", 57.1497, -2.0943, 40, "S12000033", "north"),
    Area("AL", "St Albans", 51.7527, -0.3394, 10, "E07000240", "south"),
    Area("B", "Birmingham", 52.4862, -1.8904, 75, "E08000025", "midlands"),
    Area("BA", "Bath", 51.3811, -2.3590, 16, "E06000022", "midlands"),
    Area("BB", "Blackburn", 53.7486, -2.4875, 18, "E06000008", "north"),
    Area("BD", "Bradford", 53.7960, -1.7594, 24, "E08000032", "north"),
    Area("BH", "Bournemouth", 50.7192, -1.8808, 25, "E06000058", "south"),
    Area("BL", "Bolton", 53.5769, -2.4282, 10, "E08000001", "north"),
    Area("BN", "Brighton", 50.8225, -0.1372, 45, "E06000043", "south"),
    Area("BR", "Bromley", 51.4039, 0.0198, 8, "E09000006", "south"),
    Area("BS", "Bristol", 51.4545, -2.5879, 40, "E06000023", "midlands"),
    Area("CA", "Carlisle", 54.8925, -2.9329, 28, "E06000063", "north"),
    Area("CB", "Cambridge", 52.2053, 0.1218, 25, "E07000008", "south"),
    Area("CF", "Cardiff", 51.4816, -3.1791, 45, "W06000015", "midlands"),
    Area("CH", "Chester", 53.1934, -2.8931, 45, "E06000050", "north"),
    Area("CM", "Chelmsford", 51.7356, 0.4685, 24, "E07000070", "south"),
    Area("CO", "Colchester", 51.8959, 0.8919, 16, "E07000071", "south"),
    Area("CR", "Croydon", 51.3762, -0.0982, 9, "E09000008", "south"),
    Area("CT", "Canterbury", 51.2802, 1.0789, 21, "E07000106", "south"),
    Area("CV", "Coventry", 52.4068, -1.5197, 40, "E08000026", "midlands"),
    Area("CW", "Crewe", 53.0979, -2.4416, 12, "E06000049", "north"),
    Area("DA", "Dartford", 51.4462, 0.2169, 18, "E07000107", "south"),
    Area("DD", "Dundee", 56.4620, -2.9707, 11, "S12000042", "north"),
    Area("DE", "Derby", 52.9225, -1.4746, 50, "E06000015", "midlands"),
    Area("DG", "Dumfries", 55.0709, -3.6051, 16, "S12000006", "north"),
    Area("DH", "Durham", 54.7761, -1.5733, 9, "E06000047", "north"),
    Area("DL", "Darlington", 54.5236, -1.5595, 17, "E06000005", "north"),
    Area("DN", "Doncaster", 53.5228, -1.1285, 41, "E08000017", "north"),
    Area("DT", "Dorchester", 50.7154, -2.4367, 11, "E06000059", "south"),
    Area("DY", "Dudley", 52.5123, -2.0811, 14, "E08000027", "midlands"),
    Area("E", "London", 51.5390, -0.0300, 20, "E09000030", "south"),
    Area("EH", "Edinburgh", 55.9533, -3.1883, 55, "S12000036", "north"),
    Area("EN", "Enfield", 51.6523, -0.0807, 11, "E09000010", "south"),
    Area("EX", "Exeter", 50.7184, -3.5339, 39, "E07000041", "south"),
    Area("FK", "Falkirk", 56.0019, -3.7839, 21, "S12000014", "north"),
    Area("FY", "Blackpool", 53.8175, -3.0357, 8, "E06000009", "north"),
    Area("G", "Glasgow", 55.8642, -4.2518, 80, "S12000049", "north"),
    Area("GL", "Gloucester", 51.8642, -2.2382, 45, "E07000081", "midlands"),
    Area("GU", "Guildford", 51.2362, -0.5704, 52, "E07000209", "south"),
    Area("HA", "Harrow", 51.5806, -0.3420, 9, "E09000015", "south"),
    Area("HD", "Huddersfield", 53.6458, -1.7850, 9, "E08000034", "north"),
    Area("HG", "Harrogate", 53.9921, -1.5418, 5, "E06000065", "north"),
    Area("HP", "Hemel Hempstead", 51.7526, -0.4692, 23, "E07000096", "south"),
    Area("HR", "Hereford", 52.0567, -2.7160, 9, "E06000019", "midlands"),
    Area("HU", "Hull", 53.7676, -0.3274, 20, "E06000010", "north"),
    Area("HX", "Halifax", 53.7248, -1.8658, 7, "E08000033", "north"),
    Area("IG", "Ilford", 51.5590, 0.0741, 11, "E09000026", "south"),
    Area("IP", "Ipswich", 52.0567, 1.1482, 33, "E07000202", "south"),
    Area("IV", "Inverness", 57.4778, -4.2247, 50, "S12000017", "north"),
    Area("KA", "Kilmarnock", 55.6117, -4.4957, 30, "S12000008", "north"),
    Area("KT", "Kingston upon Thames", 51.4123, -0.3007, 24, "E09000021", "south"),
    Area("KY", "Kirkcaldy", 56.1165, -3.1588, 16, "S12000047", "north"),
    Area("L", "Liverpool", 53.4084, -2.9916, 40, "E08000012", "north"),
    Area("LA", "Lancaster", 54.0466, -2.8007, 23, "E07000121", "north"),
    Area("LD", "Llandrindod Wells", 52.2418, -3.3784, 8, "W06000023", "midlands"),
    Area("LE", "Leicester", 52.6369, -1.1398, 60, "E06000016", "midlands"),
    Area("LL", "Llandudno", 53.3241, -3.8276, 60, "W06000003", "midlands"),
    Area("LN", "Lincoln", 53.2307, -0.5406, 13, "E07000138", "north"),
    Area("LS", "Leeds", 53.8008, -1.5491, 29, "E08000035", "north"),
    Area("LU", "Luton", 51.8787, -0.4200, 7, "E06000032", "south"),
    Area("M", "Manchester", 53.4808, -2.2426, 60, "E08000003", "north"),
    Area("ME", "Maidstone", 51.2704, 0.5227, 20, "E07000110", "south"),
    Area("MK", "Milton Keynes", 52.0406, -0.7594, 46, "E06000042", "south"),
    Area("ML", "Motherwell", 55.7892, -3.9919, 12, "S12000050", "north"),
    Area("N", "London", 51.5650, -0.1050, 22, "E09000014", "south"),
    Area("NE", "Newcastle upon Tyne", 54.9783, -1.6178, 70, "E08000021", "north"),
    Area("NG", "Nottingham", 52.9548, -1.1581, 34, "E06000018", "midlands"),
    Area("NN", "Northampton", 52.2405, -0.9027, 18, "E06000062", "midlands"),
    Area("NP", "Newport", 51.5842, -2.9977, 40, "W06000022", "midlands"),
    Area("NR", "Norwich", 52.6309, 1.2974, 35, "E07000148", "south"),
    Area("NW", "London", 51.5450, -0.1750, 11, "E09000007", "south"),
    Area("OL", "Oldham", 53.5409, -2.1114, 16, "E08000004", "north"),
    Area("OX", "Oxford", 51.7520, -1.2577, 45, "E07000178", "south"),
    Area("PA", "Paisley", 55.8473, -4.4401, 75, "S12000038", "north"),
    Area("PE", "Peterborough", 52.5695, -0.2405, 38, "E06000031", "midlands"),
    Area("PH", "Perth", 56.3950, -3.4308, 50, "S12000048", "north"),
    Area("PL", "Plymouth", 50.3755, -4.1427, 35, "E06000026", "south"),
    Area("PO", "Portsmouth", 50.8198, -1.0880, 41, "E06000044", "south"),
    Area("PR", "Preston", 53.7632, -2.7031, 26, "E07000123", "north"),
    Area("RG", "Reading", 51.4543, -0.9781, 45, "E06000038", "south"),
    Area("RH", "Redhill", 51.2403, -0.1700, 20, "E07000211", "south"),
    Area("RM", "Romford", 51.5750, 0.1837, 20, "E09000016", "south"),
    Area("S", "Sheffield", 53.3811, -1.4701, 75, "E08000019", "north"),
    Area("SA", "Swansea", 51.6214, -3.9436, 70, "W06000011", "midlands"),
    Area("SE", "London", 51.4700, -0.0600, 28, "E09000028", "south"),
    Area("SG", "Stevenage", 51.9038, -0.1966, 19, "E07000243", "south"),
    Area("SK", "Stockport", 53.4106, -2.1575, 23, "E08000007", "north"),
    Area("SL", "Slough", 51.5105, -0.5950, 10, "E06000039", "south"),
    Area("SM", "Sutton", 51.3618, -0.1945, 7, "E09000029", "south"),
    Area("SN", "Swindon", 51.5558, -1.7797, 26, "E06000030", "midlands"),
    Area("SO", "Southampton", 50.9097, -1.4044, 40, "E06000045", "south"),
    Area("SP", "Salisbury", 51.0688, -1.7945, 11, "E06000054", "south"),
    Area("SR", "Sunderland", 54.9069, -1.3838, 8, "E08000024", "north"),
    Area("SS", "Southend-on-Sea", 51.5459, 0.7077, 17, "E06000033", "south"),
    Area("ST", "Stoke-on-Trent", 53.0027, -2.1794, 21, "E06000021", "midlands"),
    Area("SW", "London", 51.4750, -0.1600, 20, "E09000022", "south"),
    Area("SY", "Shrewsbury", 52.7073, -2.7553, 25, "E06000051", "midlands"),
    Area("TA", "Taunton", 51.0153, -3.1069, 24, "E06000066", "south"),
    Area("TD", "Galashiels", 55.6166, -2.8067, 15, "S12000026", "north"),
    Area("TF", "Telford", 52.6784, -2.4453, 13, "E06000020", "midlands"),
    Area("TN", "Tonbridge", 51.1953, 0.2736, 40, "E07000115", "south"),
    Area("TQ", "Torquay", 50.4619, -3.5253, 14, "E06000027", "south"),
    Area("TR", "Truro", 50.2632, -5.0510, 27, "E06000052", "south"),
    Area("TS", "Middlesbrough", 54.5742, -1.2350, 29, "E06000002", "north"),
    Area("TW", "Twickenham", 51.4470, -0.3300, 20, "E09000027", "south"),
    Area("UB", "Southall", 51.5110, -0.3760, 11, "E09000009", "south"),
    Area("W", "London", 51.5150, -0.2000, 14, "E09000033", "south"),
    Area("WA", "Warrington", 53.3900, -2.5970, 16, "E06000007", "north"),
    Area("WD", "Watford", 51.6565, -0.3903, 23, "E07000103", "south"),
    Area("WF", "Wakefield", 53.6833, -1.4977, 17, "E08000036", "north"),
    Area("WN", "Wigan", 53.5450, -2.6325, 8, "E08000010", "north"),
    Area("WR", "Worcester", 52.1920, -2.2200, 15, "E07000237", "midlands"),
    Area("WS", "Walsall", 52.5862, -1.9829, 15, "E08000030", "midlands"),
    Area("WV", "Wolverhampton", 52.5870, -2.1288, 16, "E08000031", "midlands"),
    Area("YO", "York", 53.9600, -1.0873, 60, "E06000014", "north"),
)


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
