"""The CSV templates described once: readers, the docs table and the blank files use this.

Blank template files are the header line only, UTF-8 with a byte-order mark and a CRLF
line ending (RFC 4180): with the mark, Excel opens the file as UTF-8 and saves it back as
UTF-8, so accented names survive the round trip; the readers accept files with or
without the mark.
"""

from __future__ import annotations

from dataclasses import dataclass

from odx_graph.mapping.codes import CUSTOM_SOR_CODE_FIELDS
from odx_graph.mapping.components import COMPONENT
from odx_graph.mapping.damp import DAMP_MOULD_CASE
from odx_graph.mapping.homes import HOME
from odx_graph.mapping.organisations import ORGANISATION
from odx_graph.mapping.planned_works import INVESTMENT_PROGRAMME
from odx_graph.mapping.planned_works import PLANNED_WORK
from odx_graph.mapping.repairs import REPAIR
from odx_graph.mapping.repairs import REPAIR_LINE
from odx_graph.services.importing.columns import Column
from odx_graph.services.importing.columns import Columns
from odx_graph.services.importing.columns import Kind
from odx_graph.services.importing.columns import mapped_column
from odx_graph.services.importing.columns import mapped_columns
from odx_graph.services.importing.records import RecordKind


@dataclass(frozen=True, slots=True)
class TemplateSpec:
    """One CSV template: its name, the records it makes, its columns and rules."""

    name: str
    kind: RecordKind
    description: str
    columns: tuple[Column, ...]
    rules: tuple[str, ...] = ()

    @property
    def column_names(self) -> tuple[str, ...]:
        """The header of the template, in order."""
        return tuple(c.name for c in self.columns)

    @property
    def required(self) -> tuple[str, ...]:
        """The columns that must be present and filled on every row."""
        return tuple(c.name for c in self.columns if c.required)

    @property
    def by_name(self) -> Columns:
        """The columns by name, ready to read a file's rows through."""
        return Columns(self.columns)


def _reference(name: str, what: str, example: str, *, required: bool = True) -> Column:
    """The column of a record's reference in the importer's own system: the record's key
    in its template (required), or a link to a record of another template."""
    return Column(name, Kind.TEXT, f"Your reference of the {what}", example, required=required)


_HOME_LINK = (
    _reference("home_ref", "home (as in the homes template)", "H-1001", required=False),
    Column("home_uprn", Kind.UPRN, "The home's UPRN, 1 to 12 digits", "100023336956"),
)

_TEMPLATES = (
    TemplateSpec(
        "homes",
        RecordKind.HOME,
        "Dwellings, one per row.",
        (
            Column("home_ref", Kind.TEXT, "Your own reference of the home", "H-1001"),
            *mapped_columns(HOME, "uprn", "longitude"),
            Column("property_type", Kind.CODE, "property-type code", "flat"),
            Column("built_form", Kind.CODE, "built-form code", "mid-terrace"),
            Column(
                "tenure",
                Kind.CODE,
                "tenure code (LCRA or LCHO, see the tenure list)",
                "social-rent",
            ),
            *mapped_columns(HOME, "bedrooms"),
        ),
        (
            "Each row needs home_ref or uprn (or both).",
            "latitude and longitude are given together or not at all.",
            "A home_ref or uprn appears on one row only.",
        ),
    ),
    TemplateSpec(
        "components",
        RecordKind.COMPONENT,
        "Components of homes (boilers, roofs, windows...), one per row.",
        (
            _reference("component_ref", "component", "C-77"),
            *_HOME_LINK,
            Column("component_type", Kind.CODE, "component-type code", "gas-boiler", required=True),
            *mapped_columns(COMPONENT, "installDate", "installDate"),
            Column("condition", Kind.CODE, "condition code", "good"),
            *mapped_columns(COMPONENT, "make"),
        ),
        ("Each row needs home_ref or home_uprn.", "A component_ref appears on one row only."),
    ),
    TemplateSpec(
        "repairs",
        RecordKind.REPAIR,
        "Responsive repairs, one row per Schedule of Rates line; the rows of a repair share "
        "its repair_ref and repeat its repair columns.",
        (
            _reference("repair_ref", "repair (work order)", "R-5001"),
            *_HOME_LINK,
            Column("priority", Kind.CODE, "priority code (1 to 5)", "2", required=True),
            Column("status", Kind.CODE, "repair-status code", "complete", required=True),
            Column(
                "status_at",
                Kind.DATETIME,
                "When the repair reached its status (default: completed_at for a complete "
                "repair, else raised_at); orders it among messages about the repair",
                "2024-03-01T16:45:00Z",
            ),
            Column("trade", Kind.CODE, "trade code", "PL"),
            _reference("contractor_ref", "contractor", "K-12", required=False),
            _reference("component_ref", "component repaired", "C-77", required=False),
            *mapped_columns(REPAIR, "description"),
            *mapped_columns(REPAIR_LINE, "lineNumber", "cost"),
        ),
        (
            "Each repair needs home_ref or home_uprn.",
            "Every row of a repair repeats the same repair columns (repair_ref to repair_cost).",
            "A complete repair needs completed_at.",
            "sor_code and quantity are given together; a repair with no lines has one row "
            "with the line columns empty.",
            "line_number is unique within a repair.",
        ),
    ),
    TemplateSpec(
        "contractors",
        RecordKind.CONTRACTOR,
        "Organisations that do work for you, one per row.",
        (
            _reference("contractor_ref", "contractor", "K-12"),
            *mapped_columns(ORGANISATION, "name", "registrationNumber"),
            Column("trades", Kind.CODES, "trade codes", "PL|EL"),
            *mapped_columns(ORGANISATION, "postcodeDistrictsServed", "website"),
        ),
        ("A contractor_ref appears on one row only.",),
    ),
    TemplateSpec(
        "damp-mould-cases",
        RecordKind.DAMP_MOULD_CASE,
        "Damp and mould hazard reports (Awaab's Law), one per row.",
        (
            _reference("case_ref", "case", "DM-301"),
            *_HOME_LINK,
            *mapped_columns(DAMP_MOULD_CASE, "awareAt", "awareAt"),
            Column(
                "hazard_level",
                Kind.CODE,
                "awaab-hazard-level code: emergency or significant",
                "significant",
            ),
            Column(
                "hhsrs_hazard",
                Kind.INTEGER,
                "HHSRS hazard number (1 = damp and mould growth)",
                "1",
                low=1,
                high=29,
            ),
            Column("hhsrs_category", Kind.INTEGER, "HHSRS category", "2", low=1, high=2),
            Column("severity", Kind.CODE, "damp-mould-severity code", "medium"),
            *mapped_columns(DAMP_MOULD_CASE, "investigationStartedAt"),
        ),
        ("Each row needs home_ref or home_uprn.", "A case_ref appears on one row only."),
    ),
    TemplateSpec(
        "estates",
        RecordKind.ESTATE,
        "Your estates: rows of members (a home, a building, a postcode), the rows of an "
        "estate sharing its estate_ref and name; the file's rows are the estate's whole "
        "membership, replacing what it had.",
        (
            _reference("estate_ref", "estate", "EST-7"),
            Column("estate_name", Kind.TEXT, "The estate's name", "Acacia Estate", required=True),
            *_HOME_LINK,
            Column(
                "building_uprn",
                Kind.UPRN,
                "UPRN of a building of yours: every home in it is a member",
                "10023456789",
            ),
            Column(
                "postcode",
                Kind.TEXT,
                "A full postcode or a postcode sector: your homes there are members",
                "BR1 3",
            ),
        ),
        (
            "A row may name a home (home_ref or home_uprn), a building_uprn and a postcode, "
            "each a member; a row naming none only names the estate.",
            "Every row of an estate has the same estate_name.",
            "Homes and buildings must be yours; postcodes are full postcodes or sectors, "
            "not districts or areas.",
        ),
    ),
    TemplateSpec(
        "tsm-returns",
        RecordKind.TSM_RETURN,
        "Your own Tenant Satisfaction Measures survey results where the answers are not "
        "held one by one: how many respondents gave each answer to each perception "
        "measure, for a financial year, for all your homes or one estate.",
        (
            Column(
                "estate_ref",
                Kind.TEXT,
                "Your estate's reference; empty for all your homes",
                "EST-7",
            ),
            Column(
                "financial_year",
                Kind.INTEGER,
                "The financial year by its first year (2024 is April 2024 to March 2025)",
                "2024",
                required=True,
                low=2000,
                high=2100,
            ),
            Column("measure", Kind.CODE, "Perception measure, TP01 to TP12", "TP01", required=True),
            Column(
                "answer",
                Kind.CODE,
                "tsm-answer code, don't know and not applicable included",
                "fairly-satisfied",
                required=True,
            ),
            Column(
                "respondents",
                Kind.INTEGER,
                "How many respondents gave the answer",
                "312",
                required=True,
                low=0,
                high=10000000,
            ),
        ),
        (
            "An (estate_ref, financial_year, measure, answer) appears on one row only.",
            "A count replaces the one held for the same estate, year, measure and answer.",
        ),
    ),
    TemplateSpec(
        "custom-sor-codes",
        RecordKind.CUSTOM_SOR_CODE,
        "Your own Schedule of Rates codes, so repair lines may use them.",
        tuple(mapped_column(f) for f in CUSTOM_SOR_CODE_FIELDS),
        ("A sor_code appears on one row only.",),
    ),
    TemplateSpec(
        "planned-works",
        RecordKind.PLANNED_WORK,
        "Planned works (component replacements) at homes, one per row, in programmes named "
        "by their name and financial year.",
        (
            _reference("work_ref", "planned work", "PW-2027-001"),
            *mapped_columns(INVESTMENT_PROGRAMME, "name", "financialYear"),
            Column("programme_kind", Kind.CODE, "programme-kind code", "kitchens", required=True),
            *mapped_columns(INVESTMENT_PROGRAMME, "budget", "budget"),
            *_HOME_LINK,
            _reference(
                "component_ref",
                "component replaced (as in the components template)",
                "C-77",
                required=False,
            ),
            Column(
                "component_type",
                Kind.CODE,
                "component-type code (the component's own when component_ref is given)",
                "kitchen",
            ),
            *mapped_columns(PLANNED_WORK, "plannedDate", "actualCost"),
            Column(
                "status",
                Kind.CODE,
                "planned-work-status code: planned (when empty), in-progress, done or cancelled",
                "planned",
            ),
            *mapped_columns(PLANNED_WORK, "completionDate", "completionDate"),
        ),
        (
            "Each row needs home_ref or home_uprn, of a home you are the landlord of, and "
            "component_ref or component_type; a component_ref names a component of that home.",
            "A programme is yours by its name and financial_year, made when first named; "
            "its kind and budget are the last row's that gives them.",
            "A done work needs its completion_date, and only a done work has one; "
            "actual_cost is for works in progress or done.",
            "A work_ref appears on one row only; importing it again updates the work.",
            "Communal works to a building are made through the API (addPlannedWork).",
        ),
    ),
)

TEMPLATES: dict[str, TemplateSpec] = {t.name: t for t in _TEMPLATES}


def blank_template(name: str) -> bytes:
    """The blank template ``name``: its header line, UTF-8 with BOM, CRLF-terminated.

    Raises :class:`KeyError` for an unknown template.
    """
    spec = TEMPLATES[name]
    return ("\ufeff" + ",".join(spec.column_names) + "\r\n").encode("utf-8")


def _cell(text: str) -> str:
    return text.replace("|", "\\|") if text else ""


def template_markdown(*names: str, columns: bool = True) -> str:
    """The templates ``names`` (all when none is named) as Markdown: each one's
    description, its column table (unless ``columns`` is false) and its rules.

    The columns come from the mapping, so the guide (``docs/data-formats.md``) keeps only
    the descriptions and rules, and points to ``odx-graph template NAME --describe``
    (or ``python -m odx_graph.services.importing.templates`` for all), which print them."""
    parts = []
    for spec in (TEMPLATES[n] for n in names or TEMPLATES):
        parts.append(f"### `{spec.name}`\n\n{spec.description}\n")
        if columns:
            parts.extend(_column_table(spec))
        if spec.rules:
            parts.extend(f"- {rule}" for rule in spec.rules)
            parts.append("")
    return "\n".join(parts)


def _column_table(spec: TemplateSpec) -> list[str]:
    rows = ["| column | type | required | description | example |", "|---|---|---|---|---|"]
    for column in spec.columns:
        example = f"`{_cell(column.example)}`" if column.example else ""
        rows.append(
            f"| `{column.name}` | {_cell(column.type_label)} | "
            f"{'yes' if column.required else ''} | {_cell(column.description)} | {example} |"
        )
    return [*rows, ""]


if __name__ == "__main__":
    import sys

    sys.stdout.write(template_markdown(*sys.argv[1:]))
