"""Rules every import format shares: codes from the code lists, SOR codes, date order.

Readers have already checked syntax and types; these checks need the code lists (read
from the database into a :class:`CodeBook`) or look across a record's fields.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from odx_graph.services.importing import progress
from odx_graph.services.importing.records import ComponentRecord
from odx_graph.services.importing.records import ContractorRecord
from odx_graph.services.importing.records import CustomSorCodeRecord
from odx_graph.services.importing.records import DampMouldCaseRecord
from odx_graph.services.importing.records import EpcRecord
from odx_graph.services.importing.records import HomeRecord
from odx_graph.services.importing.records import Parsed
from odx_graph.services.importing.records import PlannedWorkRecord
from odx_graph.services.importing.records import Problem
from odx_graph.services.importing.records import Record
from odx_graph.services.importing.records import RepairCompletionRecord
from odx_graph.services.importing.records import RepairLineRecord
from odx_graph.services.importing.records import RepairRecord
from odx_graph.services.importing.records import RepairStatusRecord
from odx_graph.services.importing.records import TsmReturnRecord
from odx_graph.services.importing.textfile import echo_value

COMPLETE = "complete"  # the repair-status code of finished work (ontology/odx.ttl)


@dataclass(frozen=True, slots=True)
class CodeBook:
    """The codes an import may use: code lists by table, NHF SOR codes, and the importing
    organisation's own SOR codes (including those declared earlier in the same file)."""

    codes: dict[str, frozenset[str]]
    nhf_sor: frozenset[str]
    custom_sor: frozenset[str]

    def knows(self, table: str, code: str) -> bool:
        """Whether ``code`` is in the code list held in ``table``."""
        return code in self.codes.get(table, frozenset())

    def knows_sor(self, code: str) -> bool:
        """Whether ``code`` is an NHF SOR v7 code or one of the organisation's own."""
        return code in self.nhf_sor or code in self.custom_sor


# What the codes of each code list (by table) are called in problems.
_CODE_LISTS = {
    "property_type": "property type",
    "built_form": "built form",
    "tenure": "tenure",
    "trade": "trade",
    "component_type": "component type",
    "condition": "condition",
    "priority": "priority",
    "repair_status": "repair status",
    "tsm_answer": "TSM answer",
    "epc_band": "EPC band",
    "programme_kind": "programme kind",
    "planned_work_status": "planned work status",
    "awaab_hazard_level": "Awaab's Law hazard level",
    "hhsrs_hazard": "HHSRS hazard",
    "hhsrs_category": "HHSRS category",
    "damp_mould_severity": "damp and mould severity",
}

# The coded fields of each kind of record, as (field, table of its code list), in the
# order their problems are reported; a field of several codes is checked code by code.
_CODED: dict[type[Record], tuple[tuple[str, str], ...]] = {
    HomeRecord: (
        ("property_type", "property_type"),
        ("built_form", "built_form"),
        ("tenure", "tenure"),
    ),
    ContractorRecord: (("trades", "trade"),),
    ComponentRecord: (("component_type", "component_type"), ("condition", "condition")),
    RepairRecord: (("priority", "priority"), ("status", "repair_status"), ("trade", "trade")),
    RepairCompletionRecord: (("status", "repair_status"),),
    RepairStatusRecord: (("status", "repair_status"),),
    DampMouldCaseRecord: (
        ("hazard_level", "awaab_hazard_level"),
        ("hhsrs_hazard", "hhsrs_hazard"),
        ("hhsrs_category", "hhsrs_category"),
        ("severity", "damp_mould_severity"),
    ),
    PlannedWorkRecord: (
        ("programme_kind", "programme_kind"),
        ("component_type", "component_type"),
        ("status", "planned_work_status"),
    ),
    TsmReturnRecord: (("answer", "tsm_answer"),),
    EpcRecord: (("epc_band", "epc_band"), ("potential_epc_band", "epc_band")),
}


def _codes(problems: list[Problem], book: CodeBook, record: Record) -> None:
    for field, table in _CODED.get(type(record), ()):
        value = getattr(record, field)
        known = book.codes.get(table, frozenset())
        for code in value if isinstance(value, tuple) else (value,):
            if code is not None and code not in known:
                _unknown_code(problems, known, record.location, field, table, code)


def _unknown_code(
    problems: list[Problem], known: frozenset[str], record: str, field: str, table: str, code: str
) -> None:
    listed = sorted(known)
    hint = f" (one of: {', '.join(listed)})" if 0 < len(listed) <= 30 else ""
    what = _CODE_LISTS[table]
    problems.append(Problem(record, field, echo_value(code), f"unknown {what} code{hint}"))


def _order(
    problems: list[Problem],
    record: str,
    earlier: tuple[str, dt.datetime | dt.date | None],
    later: tuple[str, dt.datetime | dt.date | None],
) -> None:
    (first_name, first), (second_name, second) = earlier, later
    if first is not None and second is not None and second < first:
        problems.append(
            Problem(record, second_name, echo_value(second), f"is before {first_name} ({first})")
        )


def _lines(
    problems: list[Problem], book: CodeBook, record: str, lines: Iterable[RepairLineRecord]
) -> None:
    for number, line in enumerate(lines, start=1):
        if not book.knows_sor(line.sor_code):
            problems.append(
                Problem(
                    record,
                    f"line {number} sor_code",
                    echo_value(line.sor_code),
                    "not an NHF SOR v7 code nor one of the organisation's declared custom "
                    "codes (declare them with the custom-sor-codes template)",
                )
            )


def _check(record: Record, book: CodeBook) -> list[Problem]:
    problems: list[Problem] = []
    at = record.location
    _codes(problems, book, record)
    if isinstance(record, ComponentRecord):
        _order(
            problems,
            at,
            ("install_date", record.install_date),
            ("last_serviced_date", record.last_serviced_date),
        )
    elif isinstance(record, RepairRecord):
        reported = record.reported_at
        for later in (
            ("raised_at", record.raised_at),
            ("target_at", record.target_at),
            ("completed_at", record.completed_at),
            ("status_at", record.status_at),
        ):
            if later[1] is not None:  # a time not given is in no order
                _order(problems, at, ("reported_at", reported), later)
        if record.status == COMPLETE and record.completed_at is None:
            problems.append(
                Problem(
                    at,
                    "completed_at",
                    "",
                    "a complete repair needs its completion time (completed_at)",
                )
            )
        _lines(problems, book, at, record.lines)
    elif isinstance(record, RepairCompletionRecord | RepairStatusRecord):
        _lines(problems, book, at, record.lines)
    elif isinstance(record, DampMouldCaseRecord):
        _damp_mould(problems, record)
    elif isinstance(record, PlannedWorkRecord):
        _planned_work(problems, record)
    elif isinstance(record, EpcRecord):
        _order(
            problems,
            at,
            ("inspection_date", record.inspection_date),
            ("lodgement_date", record.lodgement_date),
        )
    return problems


def _planned_work(problems: list[Problem], record: PlannedWorkRecord) -> None:
    at = record.location
    if (record.status == "done") != (record.completion_date is not None):
        problems.append(
            Problem(
                at,
                "completion_date",
                echo_value(str(record.completion_date or "")),
                "a done work needs its completion date, and only a done work has one",
            )
        )
    if record.actual_cost is not None and record.status not in ("in-progress", "done"):
        problems.append(
            Problem(
                at,
                "actual_cost",
                str(record.actual_cost),
                "an actual cost is for works in progress or done",
            )
        )


def _damp_mould(problems: list[Problem], record: DampMouldCaseRecord) -> None:
    at = record.location
    aware = ("aware_at", record.aware_at)
    started = ("investigation_started_at", record.investigation_started_at)
    completed = ("investigation_completed_at", record.investigation_completed_at)
    for later in (
        started,
        completed,
        ("made_safe_at", record.made_safe_at),
        ("further_works_started_at", record.further_works_started_at),
        ("escalated_at", record.escalated_at),
    ):
        _order(problems, at, aware, later)
    _order(problems, at, started, completed)
    _order(problems, at, completed, ("written_summary_sent_at", record.written_summary_sent_at))
    _order(
        problems,
        at,
        ("further_works_started_at", record.further_works_started_at),
        ("further_works_completed_at", record.further_works_completed_at),
    )
    _order(problems, at, aware, ("further_works_completed_at", record.further_works_completed_at))


# UPRN -> postcode -> the records giving that postcode for it.
PostcodesByUprn = dict[int, dict[str, list[str]]]


def postcode_conflicts(by_uprn: PostcodesByUprn) -> list[Problem]:
    """A UPRN given different postcodes within one file: every record giving it is
    reported (one of the postcodes is wrong, and the file cannot say which)."""
    problems = []
    for uprn, by_postcode in by_uprn.items():
        if len(by_postcode) < 2:
            continue
        for postcode, locations in by_postcode.items():
            others = "; ".join(
                f"{other} at {', '.join(where)}"
                for other, where in by_postcode.items()
                if other != postcode
            )
            for location in locations:
                problems.append(
                    Problem(
                        location,
                        "postcode",
                        echo_value(postcode),
                        f"UPRN {uprn} is given other postcodes in this file ({others}): "
                        "one of them is wrong",
                    )
                )
    return problems


def _postcodes_by_uprn(records: Iterable[Record]) -> list[Problem]:
    seen: PostcodesByUprn = {}
    for record in records:
        if isinstance(record, HomeRecord | EpcRecord) and record.uprn and record.postcode:
            places = seen.setdefault(record.uprn, {}).setdefault(record.postcode, [])
            if record.location not in places:
                places.append(record.location)
    return postcode_conflicts(seen)


def validate(parsed: Parsed, book: CodeBook) -> None:
    """Check every record against the code book and the date rules; records with problems
    move from ``parsed.records`` to ``parsed.rejected`` with their problems added."""
    declared = {r.code for r in parsed.records if isinstance(r, CustomSorCodeRecord)}
    book = CodeBook(book.codes, book.nhf_sor, book.custom_sor | declared)
    step = progress.steps("checking codes and dates", len(parsed.records))
    for done, record in enumerate(parsed.records, start=1):
        step(done)
        for problem in _check(record, book):
            parsed.reject(problem)
    for problem in _postcodes_by_uprn(parsed.records):
        parsed.reject(problem)
    parsed.records = [r for r in parsed.records if r.location not in parsed.rejected]
