"""Damp and mould cases, handled under Awaab's Law."""

from __future__ import annotations

from odx_graph.mapping.model import Entity
from odx_graph.mapping.model import Field
from odx_graph.mapping.model import Filter
from odx_graph.mapping.model import Write
from odx_graph.mapping.shorthand import BOOLEAN
from odx_graph.mapping.shorthand import BOOLEAN_FILTER
from odx_graph.mapping.shorthand import DATETIME
from odx_graph.mapping.shorthand import DATETIME_FILTER
from odx_graph.mapping.shorthand import DATETIME_NOTE
from odx_graph.mapping.shorthand import HOME_POSTCODE
from odx_graph.mapping.shorthand import ID_ORDER
from odx_graph.mapping.shorthand import by_codes
from odx_graph.mapping.shorthand import by_landlord
from odx_graph.mapping.shorthand import coded
from odx_graph.mapping.shorthand import generated_by
from odx_graph.mapping.shorthand import newest_first
from odx_graph.mapping.shorthand import one
from odx_graph.mapping.shorthand import references

# The declarations below are laid out as tables, one field or relation per line.
# fmt: off
DAMP_MOULD_CASE = Entity(
    name="DampMouldCase", table="damp_mould_case", iri_segment="damp-mould-case",
    owners=(("landlord", "{t}.landlord_id"), ("home", "{t}.home_id")),
    collection="dampMouldCases",
    description="A damp and mould hazard report handled under Awaab's Law, from the moment "
                "the landlord became aware of it to the home being made safe and put right.",
    fields=(
        Field("awareAt", DATETIME,
              "When the landlord became aware of the potential hazard; the Awaab's Law "
              "clocks start here.", nullable=False,
              write=Write(about="When you became aware of the hazard; " + DATETIME_NOTE,
                          example="2025-11-03T08:15:00Z", required=True)),
        Field("investigationStartedAt", DATETIME, "When the investigation started.",
              write=Write(about="Investigation started", example="2025-11-05T10:00:00Z")),
        Field("investigationCompletedAt", DATETIME,
              "When the investigation was completed and its findings known.",
              write=Write(about="Investigation completed", example="2025-11-05T12:00:00Z")),
        Field("writtenSummarySentAt", DATETIME,
              "When the written summary of the findings was sent to the resident.",
              write=Write(about="Written summary sent to the resident",
                          example="2025-11-06T09:00:00Z")),
        Field("madeSafeAt", DATETIME, "When the work to make the home safe was done.",
              write=Write(about="Hazard made safe", example="2025-11-10T15:00:00Z")),
        Field("furtherWorksRequired", BOOLEAN,
              "Whether works beyond making safe are needed to put the cause right.",
              write=Write(about="Further works needed", example="true")),
        Field("furtherWorksStartedAt", DATETIME, "When further works started.",
              write=Write(about="Further works started", example="2025-12-01T08:00:00Z")),
        Field("furtherWorksCompletedAt", DATETIME, "When further works were completed.",
              write=Write(about="Further works completed", example="2025-12-12T16:00:00Z")),
        Field("escalatedAt", DATETIME, "When the case was escalated, if it was.",
              write=Write(about="Case escalated")),
        Field("alternativeAccommodationOffered", BOOLEAN,
              "Whether the household was offered somewhere else to stay while the home "
              "could not be made safe.",
              write=Write(about="Alternative accommodation offered", example="false")),
    ),
    relations=(
        one("home", "Home", "The home the case is about.", "about", nullable=False),
        one("landlord", "Organisation", "The landlord handling the case.", "landlord",
            nullable=False),
        coded("hazardLevel", "AwaabHazardLevel",
              "Emergency or significant hazard, which sets the timescales.", "hazardLevel",
              column="hazard_level_code"),
        coded("hhsrsHazard", "HhsrsHazard", "The HHSRS hazard (1: damp and mould growth).",
              "hhsrsHazard", nullable=False),
        coded("hhsrsCategory", "HhsrsCategory", "HHSRS category 1 or 2, once assessed.",
              "hhsrsCategory"),
        coded("severity", "DampMouldSeverity", "How severe the damp and mould is.",
              "dampMouldSeverity"),
        references("damp_mould_case"),
        generated_by(),
    ),
    filters=(
        HOME_POSTCODE,
        by_landlord("Cases of any of these landlords."),
        by_codes("hazardLevel", "Awaab's Law hazard levels, e.g. ['emergency']."),
        Filter("madeSafe", BOOLEAN_FILTER, "({t}.made_safe_at IS NOT NULL) = {p}",
               "true: only cases where the home has been made safe; false: only the others."),
        Filter("awareFrom", DATETIME_FILTER, "{t}.aware_at >= {p}", "Aware at or after."),
        Filter("awareTo", DATETIME_FILTER, "{t}.aware_at < {p}", "Aware before."),
    ),
    orders=(
        newest_first("AWARE_AT", DATETIME, "awareness time"),
        ID_ORDER,
    ),
)
# fmt: on
