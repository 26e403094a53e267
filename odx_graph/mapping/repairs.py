"""Repairs: work orders, their Schedule of Rates lines and their status history."""

from __future__ import annotations

from odx_graph.mapping.model import Entity
from odx_graph.mapping.model import Field
from odx_graph.mapping.model import Filter
from odx_graph.mapping.model import Form
from odx_graph.mapping.model import Order
from odx_graph.mapping.model import Write
from odx_graph.mapping.shorthand import BOOLEAN_FILTER
from odx_graph.mapping.shorthand import DATETIME
from odx_graph.mapping.shorthand import DATETIME_FILTER
from odx_graph.mapping.shorthand import DATETIME_NOTE
from odx_graph.mapping.shorthand import DECIMAL
from odx_graph.mapping.shorthand import ID_ORDER
from odx_graph.mapping.shorthand import IDS
from odx_graph.mapping.shorthand import INT
from odx_graph.mapping.shorthand import REPAIR_POSTCODE
from odx_graph.mapping.shorthand import STRING
from odx_graph.mapping.shorthand import STRINGS
from odx_graph.mapping.shorthand import by_codes
from odx_graph.mapping.shorthand import by_landlord
from odx_graph.mapping.shorthand import coded
from odx_graph.mapping.shorthand import generated_by
from odx_graph.mapping.shorthand import many
from odx_graph.mapping.shorthand import newest_first
from odx_graph.mapping.shorthand import one
from odx_graph.mapping.shorthand import references

# The declarations below are laid out as tables, one field or relation per line.
# fmt: off
REPAIR = Entity(
    name="Repair", table="repair", iri_segment="repair", collection="repairs",
    owners=(("landlord", "{t}.landlord_id"), ("contractor", "{t}.contractor_id"),
            ("home", "{t}.home_id")),
    description="A responsive repair work order raised by a landlord for a home.",
    fields=(
        Field("description", STRING,
              "Description of the work as reported. Free text, so private: null for the "
              "public tier.", private=True,
              write=Write(about="Description of the work (private free text)",
                          example="Leak under kitchen sink")),
        Field("reportedAt", DATETIME, "When the problem was reported.", nullable=False,
              write=Write(about="When the repair was reported; " + DATETIME_NOTE,
                          example="2024-03-01T09:30:00Z", required=True)),
        # Not null in the table, but optional in files: it defaults to reportedAt.
        Field("raisedAt", DATETIME, "When the work order was raised.", nullable=False,
              write=Write(about="When the work order was raised (default: reported_at)",
                          example="2024-03-01T10:00:00Z")),
        Field("targetAt", DATETIME, "The landlord's target completion time for the priority.",
              write=Write(about="Target completion", example="2024-03-02T09:30:00Z")),
        Field("completedAt", DATETIME, "When the work was completed.",
              write=Write(about="When the work was completed", example="2024-03-01T16:45:00Z")),
        Field("cost", DECIMAL, "Total cost in GBP, when complete.",
              write=Write(column="repair_cost", about="Total cost of the repair in pounds",
                          example="142.50", form=Form.MONEY)),
    ),
    relations=(
        one("home", "Home", "The home repaired.", "forHome", nullable=False,
            copies=(("postcodeDistrict", "postcode_district"),)),
        one("landlord", "Organisation", "The landlord that raised the repair.", "landlord",
            nullable=False),
        one("contractor", "Organisation", "The contractor assigned, if any.", "contractor"),
        one("component", "Component", "The component repaired, if known.", "affectsComponent"),
        coded("priority", "Priority", "The repair's priority.", "priority", nullable=False),
        coded("status", "RepairStatus", "The current status.", "status", nullable=False),
        coded("trade", "Trade", "The main trade needed.", "trade"),
        many("lines", "RepairLine", "repair_id",
             "Schedule of Rates lines: what was (or will be) done.", "hasLine", paged=False),
        many("statusHistory", "RepairStatusEvent", "repair_id",
             "Every status change, oldest first.", "hasStatusEvent", paged=False),
        references("repair"),
        generated_by(),
    ),
    filters=(
        by_codes("status", "Statuses, e.g. [SCHEDULED, IN_PROGRESS].", codes="RepairStatus"),
        Filter("open", BOOLEAN_FILTER,
               "{t}.is_open = {p}",
               "true: only repairs still needing work; false: only closed ones."),
        by_codes("priority", "Priorities, e.g. [P1, P2].", codes="Priority"),
        by_codes("trade", "Trade codes, e.g. ['PL']; an unknown code is an error.", codes="Trade"),
        Filter("sorCode", STRINGS,
               "EXISTS (SELECT 1 FROM repair_line l WHERE l.repair_id = {t}.id "
               "AND l.sor_code = ANY({p}))",
               "Repairs with a line of any of these SOR codes (NHF SOR v7 or a landlord's "
               "own); an unknown code is an error.", codes="SorCode"),
        by_landlord("Repairs raised by any of these landlords."),
        Filter("contractor", IDS, "{t}.contractor_id = ANY({p})",
               "Repairs assigned to any of these contractors.", target="Organisation"),
        Filter("unassigned", BOOLEAN_FILTER, "({t}.contractor_id IS NULL) = {p}",
               "true: only repairs with no contractor yet."),
        REPAIR_POSTCODE,
        Filter("reportedFrom", DATETIME_FILTER, "{t}.reported_at >= {p}",
               "Reported at or after."),
        Filter("reportedTo", DATETIME_FILTER, "{t}.reported_at < {p}", "Reported before."),
        Filter("completedFrom", DATETIME_FILTER, "{t}.completed_at >= {p}",
               "Completed at or after."),
        Filter("completedTo", DATETIME_FILTER, "{t}.completed_at < {p}", "Completed before."),
    ),
    orders=(
        newest_first("REPORTED_AT", DATETIME, "reported time"),
        Order("TARGET_AT", "coalesce({t}.target_at, 'infinity'::timestamptz)", DATETIME,
              "By target time (no target last when ascending)."),
        Order("COST", "coalesce({t}.cost, 0)", DECIMAL, "By cost."),
        ID_ORDER,
    ),
)

REPAIR_LINE = Entity(
    name="RepairLine", table="repair_line", iri_segment="repair-line",
    description="One Schedule of Rates line of a repair: code, quantity and cost.",
    # The repairs template's line columns (read and written with their repair: imported=False).
    fields=(
        Field("lineNumber", INT, "Position within the repair.", nullable=False,
              write=Write(about="Order of the line in the repair (default: order of the rows)",
                          example="1", bounds=(1, 9999), imported=False)),
        Field("sorCode", STRING, "The SOR code as given: NHF SOR v7 or the landlord's own code.",
              nullable=False,
              write=Write(about="NHF Schedule of Rates code or your custom code",
                          example="PL010315", imported=False)),
        Field("quantity", DECIMAL, "Quantity of the item.", nullable=False,
              write=Write(about="Quantity of the SOR line", example="1", form=Form.QUANTITY,
                          imported=False)),
        Field("unitCost", DECIMAL, "Cost per unit in GBP.",
              write=Write(about="Cost per unit in pounds", example="95.00", form=Form.MONEY,
                          imported=False)),
        Field("cost", DECIMAL, "Line cost in GBP.",
              write=Write(column="line_cost", about="Cost of the line in pounds",
                          example="95.00", form=Form.MONEY, imported=False)),
    ),
    relations=(
        coded("sorItem", "SorCode",
              "The NHF Schedule of Rates item, when the code is one (null for custom codes).",
              "sorItem", column="sor_code", enforced=False),
    ),
    orders=(Order("LINE_NUMBER", "{t}.line_number", INT, "By line number."),),
)

REPAIR_STATUS_EVENT = Entity(
    name="RepairStatusEvent", table="repair_status_event", iri_segment="repair-status-event",
    owners=tuple((role, f"(SELECT r.{column} FROM repair r WHERE r.id = {{t}}.repair_id)")
                 for role, column in (("landlord", "landlord_id"),
                                      ("contractor", "contractor_id"), ("home", "home_id"))),
    description="A dated change of a repair's status (UKHDS JobStatusUpdate).",
    fields=(
        Field("occurredAt", DATETIME, "When the status changed.", nullable=False),
        Field("note", STRING, "Free-text note. Private: null for the public tier.",
              private=True),
    ),
    relations=(
        coded("status", "RepairStatus", "The new status.", "status", nullable=False),
    ),
    orders=(Order("OCCURRED_AT", "{t}.occurred_at", DATETIME, "Oldest first."),),
)
# fmt: on
