"""The kinds of repair: what each concerns, which trade and SOR schedule, how it is described."""

from __future__ import annotations

from typing import NamedTuple


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
    Work(
        ("gas-boiler",),
        "gas-boiler",
        "gas",
        "Gas",
        (1, 30, 15, 5, 6),
        (
            "No heating or hot water",
            "Boiler keeps losing pressure",
            "Boiler showing a fault code",
            "Boiler making a banging noise",
            "No hot water but heating works",
            "Boiler annual service follow-up",
        ),
    ),
    Work(
        ("other-heating",),
        "other-heating",
        "heating",
        "Electrical",
        (0, 14, 10, 6, 2),
        (
            "Storage heater not warming up",
            "Heater not working in living room",
            "Hot water cylinder not heating",
        ),
    ),
    Work(
        ("heating-distribution",),
        None,
        "heating",
        "Responsive",
        (0, 4, 10, 30, 3),
        (
            "Radiator leaking in bedroom",
            "Radiator cold at the top",
            "Radiator valve stuck",
            "Pipes knocking when heating is on",
        ),
    ),
    Work(
        ("bathroom",),
        None,
        "plumbing",
        "Responsive",
        (25, 25, 15, 30, 5),
        (
            "Water coming through ceiling",
            "Leak under bathroom sink",
            "Toilet leaking at the base",
            "Bath seal failed and leaking",
            "Overflow pipe dripping outside",
        ),
    ),
    Work(
        ("bathroom",),
        None,
        "plumbing",
        "Responsive",
        (0, 5, 12, 35, 2),
        (
            "Toilet not flushing",
            "Cistern keeps running",
            "Shower not working",
            "Bath panel loose",
            "Wash basin cracked",
        ),
    ),
    Work(
        ("kitchen",),
        None,
        "carpentry",
        "Responsive",
        (0, 0, 5, 40, 3),
        (
            "Kitchen cupboard door hanging off",
            "Worktop damaged near sink",
            "Kitchen drawer runner broken",
            "Kitchen unit swollen from leak",
        ),
    ),
    Work(
        ("kitchen",),
        None,
        "plumbing",
        "Responsive",
        (0, 6, 10, 25, 1),
        ("Kitchen tap dripping", "Blocked kitchen sink", "Leak behind washing machine valve"),
    ),
    Work(
        ("electrics",),
        None,
        "electrical",
        "Electrical",
        (30, 25, 15, 20, 5),
        (
            "No power to kitchen sockets",
            "Lights not working in hallway",
            "Fuse board keeps tripping",
            "Bathroom extractor fan not working",
            "Burning smell from a socket",
        ),
    ),
    Work(
        ("smoke-alarm", "electrics"),
        None,
        "electrical",
        "Electrical",
        (5, 15, 10, 8, 2),
        (
            "Smoke alarm beeping",
            "Smoke alarm chirping every minute",
            "Heat detector in kitchen faulty",
        ),
    ),
    Work(
        ("windows",),
        None,
        "glazing",
        "Responsive",
        (5, 10, 12, 30, 3),
        (
            "Window will not close",
            "Cracked window pane",
            "Window handle broken",
            "Misted double glazing unit",
            "Window frame rotten",
        ),
    ),
    Work(
        ("external-doors",),
        None,
        "carpentry",
        "Responsive",
        (25, 15, 8, 25, 2),
        (
            "Front door will not lock",
            "Front door damaged after forced entry",
            "Back door sticking",
            "Letterbox broken",
            "Door frame rotten at the bottom",
        ),
    ),
    Work(
        ("roof-finish",),
        "roof-finish",
        "roofing",
        "Responsive",
        (5, 10, 15, 20, 8),
        (
            "Roof leaking into bedroom",
            "Slipped roof tiles",
            "Gutter blocked and overflowing",
            "Flat roof leaking",
            "Downpipe broken",
        ),
    ),
    Work(
        ("wall-finish",),
        None,
        "plastering",
        "Responsive",
        (0, 0, 5, 35, 8),
        (
            "Cracked plaster in living room",
            "Ceiling plaster coming away",
            "Hole in hallway wall",
            "Loose skirting board",
        ),
    ),
    Work(
        (),
        None,
        "drainage",
        "Responsive",
        (15, 20, 15, 15, 2),
        (
            "Blocked drain outside",
            "Toilet blocked",
            "Smell of sewage from drain",
            "Manhole cover broken",
        ),
    ),
    Work(
        (),
        None,
        "general",
        "Responsive",
        (0, 2, 8, 45, 10),
        (
            "Fence panel blown down",
            "Loose handrail on stairs",
            "Floorboard loose",
            "Gate hinge broken",
            "Paving slab cracked",
            "Shed door broken",
        ),
    ),
    Work(
        ("lift",),
        "lift",
        "lifts",
        "Lifts",
        (15, 25, 5, 3, 1),
        ("Lift out of order", "Lift doors not closing", "Lift stuck between floors"),
    ),
    Work(
        ("door-entry",),
        "door-entry",
        "door-entry",
        "Controlled Door Entry",
        (5, 15, 10, 10, 1),
        ("Door entry buzzer not working", "Communal door not closing", "Fob not opening main door"),
    ),
    Work(
        ("fire-detection",),
        "fire-detection",
        "fire",
        "Fire Alarms",
        (10, 10, 5, 5, 2),
        (
            "Communal smoke detector beeping",
            "Fire alarm panel showing a fault",
            "Emergency light out on stairwell",
        ),
    ),
)
# Seasonal damp and mould reports, on top of the kinds above (October to March).
DAMP_WORK = Work(
    ("wall-finish", "windows"),
    None,
    "damp",
    "Responsive",
    (0, 15, 55, 30, 0),
    (
        "Black mould on bedroom ceiling",
        "Mould around bedroom window",
        "Condensation running down windows",
        "Damp patch spreading on living room wall",
        "Mould in bathroom corners",
        "Mould behind wardrobe",
        "Wallpaper peeling with damp",
        "Damp smell in small bedroom",
    ),
)
QUALIFIERS: tuple[str, ...] = (
    "",
    "",
    "",
    "",
    "",
    "",
    " - getting worse",
    " - reported before",
    " - photos available",
    " since last week",
    " - second report this month",
)
NOTES: tuple[str, ...] = (
    "No access, card left",
    "Parts ordered",
    "Follow-on work needed",
    "Appointment rebooked at resident's request",
    "Made safe, return visit booked",
    "Second operative needed",
)
