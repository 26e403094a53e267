"""Tenant Satisfaction Measures results, declared once: what they can be grouped by, and
which answers each perception measure counts, as the Regulator of Social Housing's
"Tenant Satisfaction Measures: Technical Requirements" (April 2023) defines them (see
docs/insight.md). The statements (``store.satisfaction``), the service and the GraphQL
enum (``api.satisfaction``) derive from these declarations."""

from __future__ import annotations

from enum import StrEnum
from enum import auto

PERCEPTION_MEASURES = tuple(f"TP{n:02d}" for n in range(1, 13))
# Measures asked only of tenants who had a repair in the 12 months before they answered.
AFTER_A_REPAIR = ("TP02", "TP03")
# Asked only of tenants with communal areas: in the graph, homes in a building.
WITH_COMMUNAL_AREAS = ("TP10",)
# Months before the answer in which a completed repair makes a tenant one "who has
# received a repair in the last 12 months" (TP02, TP03): a repair completed on the same
# day of the month 12 months before the survey date still counts.
REPAIR_WINDOW_MONTHS = 12


class SatisfactionDimension(StrEnum):
    """What satisfaction results can be grouped by."""

    LANDLORD = auto()
    POSTCODE_AREA = auto()
    POSTCODE_DISTRICT = auto()
    ESTATE = auto()
    TENURE_GROUP = auto()


SATISFACTION_GROUPINGS: dict[SatisfactionDimension, str] = {
    SatisfactionDimension.LANDLORD: "The landlord the answers rate (Organisation ID).",
    SatisfactionDimension.POSTCODE_AREA: "Postcode area of the respondent's home, e.g. 'LS'.",
    SatisfactionDimension.POSTCODE_DISTRICT: "Postcode district of the respondent's home, "
    "e.g. 'LS9'.",
    SatisfactionDimension.ESTATE: "An estate the respondent's home is a member of (Estate "
    "ID): a home counts under each of its estates, and under null when in none.",
    SatisfactionDimension.TENURE_GROUP: "The Regulator's tenure group of the respondent's "
    "home, LCRA (low cost rental accommodation) or LCHO (low cost home ownership), which "
    "the measures are reported for separately; null when the home's tenure is not recorded.",
}

# The Regulator of Social Housing's tenure groups (the tenure code list's tenureGroup):
# the Tenant Satisfaction Measures are reported for each separately.
TENURE_GROUPS = {
    "LCRA": "Low cost rental accommodation",
    "LCHO": "Low cost home ownership",
}

# Groupings that a landlord's aggregate return can be read at: the landlord (a return for
# the whole landlord) and the estate (a return for one estate).
RETURN_GROUPINGS = frozenset({SatisfactionDimension.LANDLORD, SatisfactionDimension.ESTATE})
