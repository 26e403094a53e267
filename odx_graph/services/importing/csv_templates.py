"""Readers for the CSV templates: one ``read_<template>(data, source) -> Parsed`` each.

The templates are described in :mod:`odx_graph.services.importing.templates` (re-exported here as
:data:`TEMPLATES`, :func:`blank_template` and :func:`template_markdown`), and the readers
read every column through that description. The file rules (encoding, delimiter, row
numbering) are in :mod:`odx_graph.services.importing.textfile`, the value rules in
:mod:`odx_graph.services.importing.cells`.

Every problem of the file is reported, not just the first. A row with a problem is in
``Parsed.rejected`` and not in ``Parsed.records``; a problem on the whole file (encoding,
delimiter, header) means no record at all is returned. Codes are only stripped here;
:mod:`odx_graph.services.importing.validate` checks them against the code lists.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field

from odx_graph.core.errors import InputError
from odx_graph.core.postcodes import PostcodeLevel
from odx_graph.core.postcodes import parse_postcode_query
from odx_graph.mapping.components import COMPONENT
from odx_graph.mapping.damp import DAMP_MOULD_CASE
from odx_graph.mapping.homes import HOME
from odx_graph.mapping.satisfaction import PERCEPTION_MEASURES
from odx_graph.services.importing.cells import CellError
from odx_graph.services.importing.cells import parse_uprn
from odx_graph.services.importing.columns import Cells
from odx_graph.services.importing.columns import home_link
from odx_graph.services.importing.duplicates import Duplicates
from odx_graph.services.importing.records import ComponentRecord
from odx_graph.services.importing.records import ContractorRecord
from odx_graph.services.importing.records import CustomSorCodeRecord
from odx_graph.services.importing.records import DampMouldCaseRecord
from odx_graph.services.importing.records import EstateMemberRecord
from odx_graph.services.importing.records import HomeLink
from odx_graph.services.importing.records import HomeRecord
from odx_graph.services.importing.records import Parsed
from odx_graph.services.importing.records import PlannedWorkRecord
from odx_graph.services.importing.records import ProblemLog
from odx_graph.services.importing.records import Record
from odx_graph.services.importing.records import TsmReturnRecord
from odx_graph.services.importing.repairs_csv import read_repair_rows
from odx_graph.services.importing.templates import TEMPLATES
from odx_graph.services.importing.templates import TemplateSpec
from odx_graph.services.importing.templates import blank_template
from odx_graph.services.importing.templates import template_markdown
from odx_graph.services.importing.textfile import Table
from odx_graph.services.importing.textfile import decode_text
from odx_graph.services.importing.textfile import read_table

# Placeholder for a required date-time that failed; such a record is never returned.
_NEVER = dt.datetime.min.replace(tzinfo=dt.UTC)

__all__ = [
    "TEMPLATES",
    "TemplateSpec",
    "blank_template",
    "read_components",
    "read_contractors",
    "read_custom_sor_codes",
    "read_damp_mould_cases",
    "read_estates",
    "read_homes",
    "read_planned_works",
    "read_repairs",
    "read_template",
    "read_tsm_returns",
    "template_markdown",
]


@dataclass(slots=True)
class _Reading:
    """A template file being read: the problems so far and the records that may pass."""

    source: str
    spec: TemplateSpec
    problems: ProblemLog = field(default_factory=ProblemLog)
    records: list[Record] = field(default_factory=list)
    extra_rejected: set[str] = field(default_factory=set)
    table: Table | None = None

    def finish(self, records_read: int) -> Parsed:
        """The result: every problem, and the records of rows without one (flagged
        ``refused`` when the file as a whole has a problem)."""
        parsed = Parsed(records_read=records_read, problems=self.problems)
        parsed.rejected = self.problems.records | self.extra_rejected
        # A problem on the file refuses it all; its records are still checked (codes,
        # dates, what they name), so that one run reports every problem.
        parsed.refused = self.source in parsed.rejected
        parsed.records = [r for r in self.records if r.location not in parsed.rejected]
        return parsed


def _open(
    data: bytes,
    source: str,
    name: str,
    on_row: Callable[[int, dict[str, str]], None] | None = None,
) -> _Reading:
    spec = TEMPLATES[name]
    reading = _Reading(source, spec)
    text, problems = decode_text(data, source)
    reading.problems.extend(problems)
    if text is not None:
        reading.table = read_table(
            text,
            expected=spec.column_names,
            required=spec.required,
            source=source,
            on_row=on_row,
            stage=f"reading and checking {name}" if on_row else "reading rows",
        )
        reading.problems.extend(reading.table.problems)
    return reading


def _uprn_key(text: str) -> int | None:
    try:
        return parse_uprn(text) if text else None
    except CellError:
        return None  # reported by the row's own check


def _rows(
    data: bytes,
    source: str,
    name: str,
    build: Callable[[Cells], Record | None],
    keys: Sequence[tuple[str, str]],
) -> Parsed:
    """Read a one-record-per-row template; ``keys`` are (column, what) unique in the file.

    Each row becomes its record as it is read, so a large file's rows are never all held
    as text: only the records, the problems kept (see :class:`ProblemLog`) and each key
    column's values."""
    spec = TEMPLATES[name]
    columns = spec.by_name
    row_problems = ProblemLog()
    duplicates = [
        (column, what, Duplicates(_uprn_key if "uprn" in column else None)) for column, what in keys
    ]
    records: list[Record] = []

    def on_row(line: int, values: dict[str, str]) -> None:
        cells = Cells(f"row {line}", values, columns, row_problems)
        record = build(cells)
        if record is not None and cells.ok:
            records.append(record)
        for column, _, seen in duplicates:
            seen.add(values.get(column, ""), line)

    reading = _open(data, source, name, on_row)
    reading.problems.extend(row_problems)
    reading.records = records
    for column, what, seen in duplicates:
        seen.report(reading.problems, column, what)
    return reading.finish(reading.table.rows_seen if reading.table else 0)


def _one_per_row(
    name: str, build: Callable[[Cells], Record | None], *keys: tuple[str, str]
) -> Callable[[bytes, str], Parsed]:
    """The reader of the one-record-per-row template ``name``, whose rows ``build`` makes
    records of; ``keys`` are (column, what) unique in the file (see :func:`_rows`)."""

    def read(data: bytes, source: str) -> Parsed:
        return _rows(data, source, name, build, keys)

    read.__doc__ = f"Read the ``{name}`` template."
    return read


# Home attributes the reader reads with rules of their own; the mapping gives the others.
_HOME_READ_HERE = (
    "uprn",
    "address_line_1",
    "postcode",
    "local_authority_code",
    "latitude",
    "longitude",
)


def _home(c: Cells) -> HomeRecord | None:
    link = home_link(c, "home_ref", "uprn")
    address, postcode = c.text("address_line_1"), c.postcode("postcode")
    latitude, longitude = c.number("latitude"), c.number("longitude")
    if bool(c.raw("latitude")) != bool(c.raw("longitude")):
        c.report(
            "latitude" if not c.raw("latitude") else "longitude",
            "",
            "give latitude and longitude together",
        )
    record = HomeRecord(
        location=c.location,
        reference=link.reference if link else None,
        uprn=link.uprn if link else None,
        address_line_1=address or "",
        postcode=postcode or "",
        local_authority_code=c.pattern("local_authority_code", str.upper),
        latitude=latitude,
        longitude=longitude,
        property_type=c.text("property_type"),
        built_form=c.text("built_form"),
        tenure=c.text("tenure"),
        **c.mapped(HomeRecord, HOME, *_HOME_READ_HERE),
    )
    return record if link and address and postcode else None


read_homes = _one_per_row("homes", _home, ("home_ref", "home_ref"), ("uprn", "UPRN"))


def _component(c: Cells) -> ComponentRecord | None:
    reference, link = c.text("component_ref"), home_link(c, "home_ref", "home_uprn")
    component_type = c.text("component_type")
    record = ComponentRecord(
        location=c.location,
        reference=reference or "",
        home=link or HomeLink(),
        component_type=component_type or "",
        condition=c.text("condition"),
        **c.mapped(ComponentRecord, COMPONENT),
    )
    return record if reference and link and component_type else None


read_components = _one_per_row("components", _component, ("component_ref", "component_ref"))


def _contractor(c: Cells) -> ContractorRecord | None:
    reference, name = c.text("contractor_ref"), c.text("name")
    record = ContractorRecord(
        location=c.location,
        reference=reference or "",
        name=name or "",
        registration_number=c.text("registration_number"),
        trades=c.items("trades"),
        postcode_districts=c.items("postcode_districts"),
        website=c.url("website"),
    )
    return record if reference and name else None


read_contractors = _one_per_row("contractors", _contractor, ("contractor_ref", "contractor_ref"))


def _damp_mould_case(c: Cells) -> DampMouldCaseRecord | None:
    reference, link = c.text("case_ref"), home_link(c, "home_ref", "home_uprn")
    aware_at = c.datetime("aware_at")
    hazard, category = c.integer("hhsrs_hazard"), c.integer("hhsrs_category")
    record = DampMouldCaseRecord(
        location=c.location,
        reference=reference or "",
        home=link or HomeLink(),
        aware_at=aware_at or _NEVER,
        hazard_level=c.text("hazard_level"),
        hhsrs_hazard=None if hazard is None else str(hazard),
        hhsrs_category=None if category is None else str(category),
        severity=c.text("severity"),
        **c.mapped(DampMouldCaseRecord, DAMP_MOULD_CASE, "aware_at"),
    )
    return record if reference and link and aware_at else None


read_damp_mould_cases = _one_per_row("damp-mould-cases", _damp_mould_case, ("case_ref", "case_ref"))


def _custom_sor_code(c: Cells) -> CustomSorCodeRecord | None:
    code = c.pattern("sor_code")
    record = CustomSorCodeRecord(c.location, code or "", c.text("description"))
    return record if code else None


read_custom_sor_codes = _one_per_row("custom-sor-codes", _custom_sor_code, ("sor_code", "sor_code"))


def _planned_work(c: Cells) -> PlannedWorkRecord | None:
    reference, link = c.text("work_ref"), home_link(c, "home_ref", "home_uprn")
    programme, year = c.text("programme"), c.integer("financial_year")
    kind, planned = c.text("programme_kind"), c.date("planned_date")
    component, component_type = c.text("component_ref"), c.text("component_type")
    if component is None and component_type is None and c.raw("component_type") == "":
        c.report("component_type", "", "give component_ref or component_type")
        return None
    record = PlannedWorkRecord(
        location=c.location,
        reference=reference or "",
        programme=programme or "",
        financial_year=year or 0,
        programme_kind=kind or "",
        home=link or HomeLink(),
        planned_date=planned or _NEVER.date(),
        budget=c.money("budget"),
        component_reference=component,
        component_type=component_type,
        estimated_cost=c.money("estimated_cost"),
        actual_cost=c.money("actual_cost"),
        status=c.text("status") or "planned",
        completion_date=c.date("completion_date"),
    )
    required = (reference, link, programme, year, kind, planned)
    return record if all(v is not None for v in required) else None


read_planned_works = _one_per_row("planned-works", _planned_work, ("work_ref", "work_ref"))


def _estate_member(c: Cells) -> EstateMemberRecord | None:
    reference, name = c.text("estate_ref"), c.text("estate_name")
    home = (
        home_link(c, "home_ref", "home_uprn") if c.raw("home_ref") or c.raw("home_uprn") else None
    )
    building, postcode = c.uprn("building_uprn"), _estate_postcode(c)
    record = EstateMemberRecord(c.location, reference or "", name or "", home, building, postcode)
    return record if reference and name else None


# Rows of members: the writer groups them into estates.
read_estates = _one_per_row("estates", _estate_member)


def _estate_postcode(c: Cells) -> str | None:
    text = c.text("postcode")
    if text is None:
        return None
    try:
        query = parse_postcode_query(text)
    except InputError as error:
        c.report("postcode", text, error.message)
        return None
    if query.level not in (PostcodeLevel.UNIT, PostcodeLevel.SECTOR):
        c.report(
            "postcode", text, f"is a postcode {query.level.value}: give a full postcode or a sector"
        )
        return None
    return query.value


def read_tsm_returns(data: bytes, source: str) -> Parsed:
    """Read the ``tsm-returns`` template."""
    seen: dict[tuple[str, int, str, str], str] = {}

    def build(c: Cells) -> TsmReturnRecord | None:
        year, measure = c.integer("financial_year"), c.text("measure")
        answer, respondents = c.text("answer"), c.integer("respondents")
        if measure is not None and measure.upper() not in PERCEPTION_MEASURES:
            c.report("measure", measure, "is not a perception measure, TP01 to TP12")
            return None
        estate = c.text("estate_ref")
        if year is None or measure is None or answer is None or respondents is None:
            return None
        key = (estate or "", year, measure.upper(), answer)
        if key in seen:
            c.report("answer", answer, f"the same count is on {seen[key]}")
            return None
        seen[key] = c.location
        return TsmReturnRecord(c.location, year, measure.upper(), answer, respondents, estate)

    return _rows(data, source, "tsm-returns", build, ())


def read_repairs(data: bytes, source: str) -> Parsed:
    """Read the ``repairs`` template: rows grouped by ``repair_ref`` into repairs."""
    reading = _open(data, source, "repairs")
    if reading.table is None:
        return reading.finish(0)
    result = read_repair_rows(reading.table, reading.spec, reading.problems)
    reading.records.extend(result.records)
    reading.extra_rejected |= result.rejected
    return reading.finish(result.repairs_seen)


READERS: dict[str, Callable[[bytes, str], Parsed]] = {
    "homes": read_homes,
    "components": read_components,
    "repairs": read_repairs,
    "contractors": read_contractors,
    "damp-mould-cases": read_damp_mould_cases,
    "custom-sor-codes": read_custom_sor_codes,
    "planned-works": read_planned_works,
    "estates": read_estates,
    "tsm-returns": read_tsm_returns,
}


def read_template(name: str, data: bytes, source: str) -> Parsed:
    """Read ``data`` as the template ``name`` (a key of :data:`TEMPLATES`)."""
    return READERS[name](data, source)
