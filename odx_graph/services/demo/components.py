"""What homes and blocks contain: components by role, their lives, services and makes."""

from __future__ import annotations

# What a home contains: components of every home, then (role, probability) extras.
HOME_COMPONENTS: tuple[str, ...] = (
    "kitchen",
    "bathroom",
    "heating-distribution",
    "windows",
    "external-doors",
    "electrics",
)
HOUSE_EXTRAS: tuple[tuple[str, float], ...] = (
    ("roof-finish", 1.0),
    ("smoke-alarm", 0.5),
    ("wall-finish", 0.35),
    ("roof-structure", 0.2),
)
FLAT_EXTRAS: tuple[tuple[str, float], ...] = (("smoke-alarm", 0.5), ("wall-finish", 0.15))
# Extractor fans or mechanical ventilation, by form (house, low-rise flat, high-rise flat).
# Drawn on a random stream of their own, after every other row of a chunk, so the rest of
# the demo is the same with or without them.
VENTILATION_SHARE = (0.6, 0.7, 0.7)
COMMUNAL_COMPONENTS: tuple[str, ...] = (
    "roof-structure",
    "roof-finish",
    "door-entry",
    "fire-detection",
)  # plus lifts from 6 storeys
# Typical lives where the code list gives none (they are not Decent Homes components).
DEFAULT_LIFETIME: dict[str, int] = {
    "lift": 25,
    "door-entry": 15,
    "fire-detection": 15,
    "smoke-alarm": 10,
}
SERVICE_DAYS: dict[str, int] = {
    "gas-boiler": 365,
    "lift": 183,
    "fire-detection": 365,
    "door-entry": 365,
    "smoke-alarm": 365,
}
MAKES: dict[str, tuple[tuple[str, str], ...]] = {
    "gas-boiler": (
        ("Worcester Bosch", "Greenstar 30i"),
        ("Vaillant", "ecoTEC plus 832"),
        ("Baxi", "800 Combi 2"),
        ("Ideal", "Logic Combi2 C30"),
        ("Glow-worm", "Energy 30c"),
        ("Potterton", "Assure Combi 30"),
        ("Vokera", "Unica 28"),
    ),
    "other-heating": (("Dimplex", "Quantum QM100"), ("Elnur", "Ecombi HHR 20")),
    "lift": (("Otis", "Gen2"), ("Schindler", "3300"), ("Kone", "MonoSpace 500")),
    "door-entry": (("Videx", "VX2200"), ("Comelit", "Simplebus 2")),
    "fire-detection": (("Kentec", "Syncro AS"), ("Advanced", "MxPro 5")),
    "smoke-alarm": (("Aico", "Ei3016"), ("FireAngel", "SW1-R")),
    "ventilation": (
        ("Vent-Axia", "Lo-Carbon Response"),
        ("Greenwood", "Unity CV2"),
        ("Nuaire", "Drimaster Eco"),
        ("Xpelair", "Simply Silent"),
    ),
}
