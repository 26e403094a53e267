"""Planned works: a landlord's investment programmes and their planned items (component
replacements and improvements to homes and buildings)."""

from __future__ import annotations

from odx_graph.mapping.model import Cardinality
from odx_graph.mapping.model import Entity
from odx_graph.mapping.model import Field
from odx_graph.mapping.model import Filter
from odx_graph.mapping.model import Form
from odx_graph.mapping.model import Order
from odx_graph.mapping.model import Relation
from odx_graph.mapping.model import Write
from odx_graph.mapping.shorthand import DATE
from odx_graph.mapping.shorthand import DATE_FILTER
from odx_graph.mapping.shorthand import DECIMAL
from odx_graph.mapping.shorthand import HOME_POSTCODE
from odx_graph.mapping.shorthand import ID_ORDER
from odx_graph.mapping.shorthand import IDS
from odx_graph.mapping.shorthand import INT
from odx_graph.mapping.shorthand import INT_FILTER
from odx_graph.mapping.shorthand import STRING
from odx_graph.mapping.shorthand import by_codes
from odx_graph.mapping.shorthand import by_landlord
from odx_graph.mapping.shorthand import coded
from odx_graph.mapping.shorthand import generated_by
from odx_graph.mapping.shorthand import many
from odx_graph.mapping.shorthand import newest_first
from odx_graph.mapping.shorthand import one

# The declarations below are laid out as tables, one field or relation per line.
# fmt: off
INVESTMENT_PROGRAMME = Entity(
    name="InvestmentProgramme", table="investment_programme", iri_segment="programme",
    collection="investmentProgrammes",
    owners=(("landlord", "{t}.landlord_id"),),
    description="A landlord's programme of planned works for one financial year, such as "
                "2027/28 kitchens or roofs, with its budget and its planned items.",
    # The planned-works template writes these (its own reader and writer: imported=False).
    fields=(
        Field("name", STRING, "The landlord's name for the programme.", nullable=False,
              write=Write(column="programme", about="The programme's name",
                          example="Kitchens 2027/28", required=True, imported=False)),
        Field("financialYear", INT,
              "The financial year, as the year it starts: 2027 is 2027/28 (1 April 2027 to "
              "31 March 2028).", nullable=False,
              write=Write(about="The programme's financial year as the year it starts (2027 "
                                "is 2027/28)", example="2027", required=True,
                          bounds=(1990, 2100), imported=False)),
        Field("budget", DECIMAL, "What the programme has to spend, in pounds (GBP).",
              write=Write(about="The programme's budget in pounds", example="250000",
                          form=Form.MONEY, imported=False)),
        Field("estimatedTotal", DECIMAL,
              "The sum of its items' estimated costs, cancelled items left out (GBP).",
              sql="(SELECT coalesce(sum(w.estimated_cost), 0) FROM planned_work w "
                  "WHERE w.programme_id = {t}.id AND w.status_code <> 'cancelled')",
              term="estimatedCost", derived=True, nullable=False),
        Field("actualTotal", DECIMAL,
              "The sum of its items' actual costs recorded so far (GBP).",
              sql="(SELECT coalesce(sum(w.actual_cost), 0) FROM planned_work w "
                  "WHERE w.programme_id = {t}.id)",
              term="actualCost", derived=True, nullable=False),
    ),
    relations=(
        one("landlord", "Organisation", "The landlord whose programme it is.", "landlord",
            nullable=False),
        coded("kind", "ProgrammeKind", "What kind of work the programme does.",
              "programmeKind", nullable=False),
        many("plannedWorks", "PlannedWork", "programme_id",
             "The programme's planned items, by planned date unless asked otherwise.",
             "hasPlannedWork"),
        generated_by(),
    ),
    filters=(
        by_landlord("Programmes of any of these landlords."),
        Filter("financialYear", INT_FILTER, "{t}.financial_year = {p}",
               "Programmes of this financial year (2027 for 2027/28).", bounds=(1990, 2100)),
        by_codes("kind", "Any of these programme kinds.", codes="ProgrammeKind"),
    ),
    orders=(
        newest_first("FINANCIAL_YEAR", INT, "financial year"),
        ID_ORDER,
    ),
)

PLANNED_WORK = Entity(
    name="PlannedWork", table="planned_work", iri_segment="planned-work",
    collection="plannedWorks",
    owners=(("landlord", "{t}.landlord_id"),),
    description="One planned item of an investment programme: replacing a component (or "
                "a type of component) of a home or a building by a planned date, with its "
                "estimated and actual cost and where it stands.",
    # The planned-works template writes these (its own reader and writer: imported=False).
    fields=(
        Field("plannedDate", DATE, "The day by which the work is due.", nullable=False,
              write=Write(about="The day it is due, YYYY-MM-DD", example="2027-11-30",
                          required=True, imported=False)),
        Field("financialYear", INT,
              "The financial year the planned date falls in, as the year it starts (a "
              "planned date of 2028-02-01 is in 2027, that is 2027/28).",
              sql="(extract(year FROM {t}.planned_date)::integer - "
                  "CASE WHEN extract(month FROM {t}.planned_date) < 4 THEN 1 ELSE 0 END)",
              term="plannedYear", derived=True, nullable=False),
        Field("estimatedCost", DECIMAL, "The estimated cost in pounds (GBP).",
              write=Write(about="Estimated cost in pounds", example="5200", form=Form.MONEY,
                          imported=False)),
        Field("actualCost", DECIMAL, "What it cost in pounds (GBP), once under way or done.",
              write=Write(about="Actual cost in pounds (in progress or done)",
                          form=Form.MONEY, imported=False)),
        Field("completionDate", DATE, "The day it was done (when done).",
              sql="{t}.completed_on",
              write=Write(about="The day it was done, YYYY-MM-DD (done only)",
                          imported=False)),
    ),
    relations=(
        one("programme", "InvestmentProgramme", "The programme it belongs to.", "partOfPlan",
            nullable=False),
        one("landlord", "Organisation", "The programme's landlord.", "landlord",
            nullable=False),
        one("home", "Home", "The home (null for a building's communal work).", "about"),
        one("building", "Building", "The building, for communal work.", "about"),
        one("component", "Component", "The recorded component it replaces, when known.",
            "replacesComponent"),
        coded("componentType", "ComponentType", "The type of component it replaces or "
              "installs.", "plannedComponentType", nullable=False),
        coded("status", "PlannedWorkStatus", "Planned, in progress, done or cancelled.",
              "plannedWorkStatus", nullable=False),
        Relation("replacesRepairs", "Repair", Cardinality.LIST, "replaces_repair_ids", "id",
                 "Repairs this work makes unnecessary.", "replacesRepair", nullable=False,
                 source_is_array=True),
        generated_by(),
    ),
    filters=(
        HOME_POSTCODE,
        by_landlord("Items of any of these landlords' programmes."),
        Filter("programme", IDS, "{t}.programme_id = ANY({p})",
               "Items of any of these programmes.", target="InvestmentProgramme"),
        by_codes("status", "Any of these statuses.", codes="PlannedWorkStatus"),
        by_codes("componentType", "Component type codes, e.g. ['kitchen']."),
        Filter("plannedFrom", DATE_FILTER, "{t}.planned_date >= {p}",
               "Planned on or after."),
        Filter("plannedTo", DATE_FILTER, "{t}.planned_date <= {p}",
               "Planned on or before."),
    ),
    orders=(
        Order("PLANNED_DATE", "{t}.planned_date", DATE,
              "By planned date, soonest first unless DESC is asked for."),
        ID_ORDER,
    ),
)
# fmt: on
