"""What every import format is read into: typed records plus the problems found.

A format reader (CSV templates, HACT JSON, EPC CSV) turns a file into a :class:`Parsed`:
records whose values are already typed Python values (``int``, ``Decimal``, ``date``,
aware ``datetime`` in UTC, normalised postcodes, UPRNs as ``int``) and every problem it
found, each naming the record, field and value. Readers check syntax and types only;
:mod:`odx_graph.services.importing.validate` checks codes against the code lists and the rules that
need the database, the same way for every format.

Codes are kept exactly as given (stripped), e.g. priority ``"2"``, status ``"complete"``,
trade ``"PL"``, component type ``"gas-boiler"``; readers map a format's own spellings
(HACT's ``WorkClassCode``, EPC's ``"Semi-Detached"``) to the ontology's codes where the
mapping is certain and leave the rest as given, so validation reports them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import asdict
from dataclasses import dataclass
from dataclasses import field
from dataclasses import fields
from decimal import Decimal
from enum import StrEnum
from functools import cache
from typing import Any

from odx_graph.mapping import MAPPING
from odx_graph.mapping import Entity
from odx_graph.mapping import Field
from odx_graph.mapping import snake_case


class RecordKind(StrEnum):
    """The kinds of record an import can carry, in the order they are written."""

    CONTRACTOR = "contractor"
    CUSTOM_SOR_CODE = "custom-sor-code"
    HOME = "home"
    COMPONENT = "component"
    REPAIR = "repair"
    REPAIR_COMPLETION = "repair-completion"
    REPAIR_STATUS = "repair-status"
    DAMP_MOULD_CASE = "damp-mould-case"
    EPC = "epc"
    PLANNED_WORK = "planned-work"
    ESTATE = "estate"
    TSM_RETURN = "tsm-return"


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with the input.

    ``record`` locates it for a person ("row 7", "RaiseRepair[2]", "file"); ``field`` is
    the column or JSON path ("postcode", "Priority.PriorityCode"), empty for the whole
    record; ``value`` is the offending value as text (cut to 200 characters; empty when
    missing); ``reason`` says what is wrong in plain words.
    """

    record: str
    field: str
    value: str
    reason: str

    def as_dict(self) -> dict[str, str]:
        """The problem as JSON-ready data: its four fields by name."""
        return asdict(self)


def shown(value: object, limit: int = 200) -> str:
    """``value`` as text for a problem report, cut to ``limit`` characters."""
    text = "" if value is None else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# A reference as a file gives it: (value, AllocatedBy as written; None when not given).
GivenReference = tuple[str, str | None]


@dataclass(frozen=True, slots=True)
class HomeLink:
    """How a record names its home: the importer's own reference, a UPRN, or both, and
    references allocated by others (HACT files: each with the AllocatedBy it names).

    At least one must be given; the reader reports a problem otherwise. ``reference`` is
    the first reference without an allocating organisation (presumed the importer's own);
    the writer decides from ``allocated`` which of the others are the importer's too.
    """

    reference: str | None = None
    uprn: int | None = None
    allocated: tuple[GivenReference, ...] = ()


@dataclass(slots=True)
class MappedRecord:
    """A record of an entity with imported fields in the mapping (homes, components,
    repairs, damp and mould cases). ``more_fields`` holds the values of the entity's
    imported fields the record type has no attribute for, by field name: a field added to
    the mapping travels in it from reader to writer."""

    more_fields: dict[str, Any] = field(default_factory=dict, kw_only=True)


@dataclass(slots=True)
class ContractorRecord:
    """An organisation that does work for the importing landlord."""

    location: str
    reference: str  # the importer's own identifier for the contractor
    name: str
    registration_number: str | None = None
    trades: tuple[str, ...] = ()
    postcode_districts: tuple[str, ...] = ()
    website: str | None = None


@dataclass(slots=True)
class CustomSorCodeRecord:
    """A landlord's own Schedule of Rates code, declared so repair lines may use it."""

    location: str
    code: str
    description: str | None = None


@dataclass(slots=True)
class HomeRecord(MappedRecord):
    """A dwelling as the importing organisation knows it."""

    location: str
    reference: str | None  # the importer's own identifier (may be None when a UPRN is given)
    uprn: int | None
    address_line_1: str
    postcode: str  # normalised, e.g. "SW1A 2AA"
    address_line_2: str | None = None
    town: str | None = None
    local_authority_code: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    property_type: str | None = None
    built_form: str | None = None
    bedrooms: int | None = None
    floor_level: int | None = None
    year_built: int | None = None
    tenure: str | None = None  # a tenure code (social-rent, shared-ownership...)
    allocated: tuple[GivenReference, ...] = ()  # references with their AllocatedBy (HACT)
    # Only locates the home (a work order's address): creates a home the graph does not
    # know, but states nothing about one it knows.
    locates_only: bool = False


@dataclass(slots=True)
class ComponentRecord(MappedRecord):
    """A component of a home."""

    location: str
    reference: str
    home: HomeLink
    component_type: str
    install_date: dt.date | None = None
    condition: str | None = None
    make: str | None = None
    model: str | None = None
    last_serviced_date: dt.date | None = None


@dataclass(slots=True)
class RepairLineRecord:
    """One Schedule of Rates line of a repair."""

    sor_code: str
    quantity: Decimal
    unit_cost: Decimal | None = None
    cost: Decimal | None = None


@dataclass(slots=True)
class RepairRecord(MappedRecord):
    """A responsive repair (work order) raised by the importing landlord.

    ``status_at`` is when the repair reached ``status`` (``None``: the writer derives it,
    see :func:`event_time`); it orders this record among other messages about the repair.
    ``reported_at`` is ``None`` only for a HACT RaiseRepair without DateReported (taken as
    reported when first imported). ``references`` are the work order's other references
    with their AllocatedBy; ``allocated_reference`` says ``reference`` was allocated on
    import because the file gave none; ``status_implied`` that the format has no status.
    """

    location: str
    reference: str
    home: HomeLink
    priority: str
    status: str
    reported_at: dt.datetime | None
    raised_at: dt.datetime | None = None  # defaults to reported_at when written
    target_at: dt.datetime | None = None
    completed_at: dt.datetime | None = None
    trade: str | None = None
    contractor_reference: str | None = None  # a ContractorRecord.reference of the importer
    component_reference: str | None = None  # a ComponentRecord.reference of the importer
    description: str | None = None  # free text: private
    cost: Decimal | None = None
    lines: list[RepairLineRecord] = field(default_factory=list)
    status_at: dt.datetime | None = None
    references: tuple[GivenReference, ...] = ()
    allocated_reference: bool = False
    # The status is inferred, not stated (a HACT RaiseRepair has none): it is the status of
    # a repair the record brings into being, and adds nothing to a repair already held.
    status_implied: bool = False


@dataclass(slots=True)
class RepairCompletionRecord:
    """The completion of a repair already imported (HACT WorkOrderComplete)."""

    location: str
    reference: str  # the repair's reference, as in RepairRecord.reference
    completed_at: dt.datetime
    status: str = "complete"
    cost: Decimal | None = None
    lines: list[RepairLineRecord] = field(default_factory=list)  # replace the lines if given


@dataclass(slots=True)
class RepairStatusRecord:
    """A status update of a repair already imported or raised in the same file (HACT
    JobStatusUpdate). ``status`` is ``None`` for an update that says no status (a note,
    an appointment, more specific SOR codes); ``lines``, when given, are the repair's
    lines as of ``occurred_at``."""

    location: str
    reference: str  # the repair's reference, as in RepairRecord.reference
    occurred_at: dt.datetime
    status: str | None = None
    lines: list[RepairLineRecord] = field(default_factory=list)


@dataclass(slots=True)
class DampMouldCaseRecord(MappedRecord):
    """A damp and mould (Awaab's Law) hazard report about a home."""

    location: str
    reference: str
    home: HomeLink
    aware_at: dt.datetime
    hazard_level: str | None = None  # awaab-hazard-level code: "emergency" | "significant"
    hhsrs_hazard: str | None = None  # HHSRS hazard number as text, "1" = damp and mould
    hhsrs_category: str | None = None  # "1" | "2"
    severity: str | None = None  # damp-mould-severity code
    investigation_started_at: dt.datetime | None = None
    investigation_completed_at: dt.datetime | None = None
    written_summary_sent_at: dt.datetime | None = None
    made_safe_at: dt.datetime | None = None
    further_works_required: bool | None = None
    further_works_started_at: dt.datetime | None = None
    further_works_completed_at: dt.datetime | None = None
    escalated_at: dt.datetime | None = None
    alternative_accommodation_offered: bool | None = None


@dataclass(slots=True)
class PlannedWorkRecord:
    """A planned work at a home, in a programme named by its name and financial year."""

    location: str
    reference: str
    programme: str
    financial_year: int
    programme_kind: str
    home: HomeLink
    planned_date: dt.date
    budget: Decimal | None = None
    component_reference: str | None = None
    component_type: str | None = None
    estimated_cost: Decimal | None = None
    actual_cost: Decimal | None = None
    status: str = "planned"
    completion_date: dt.date | None = None


@dataclass(slots=True)
class EpcRecord:
    """An Energy Performance Certificate from the national register's export."""

    location: str
    lmk_key: str  # the certificate's key on the register (LMK_KEY or ASSESSMENT_ID)
    uprn: int | None
    address_line_1: str | None
    postcode: str | None
    lodgement_date: dt.date
    inspection_date: dt.date | None = None
    certificate_number: str | None = None
    sap_score: int | None = None  # CURRENT_ENERGY_EFFICIENCY
    potential_sap_score: int | None = None
    epc_band: str | None = None  # upper-case letter A-G
    potential_epc_band: str | None = None
    property_type: str | None = None  # mapped to a property-type code where certain
    built_form: str | None = None  # mapped to a built-form code where certain


@dataclass(slots=True)
class EstateMemberRecord:
    """One row of an estate: the estate (reference and name, repeated on each of its rows)
    and the members it names, if any: a home, a building by UPRN, a full postcode or
    sector."""

    location: str
    reference: str
    name: str
    home: HomeLink | None = None
    building_uprn: int | None = None
    postcode: str | None = None  # normalised full postcode or sector


def attribute_of(record_type: type, item: Field) -> str:
    """The attribute of ``record_type`` holding the mapped field ``item`` (its name in
    snake case), or "" when the record keeps it in ``more_fields``."""
    name = snake_case(item.name)
    return name if name in {f.name for f in fields(record_type)} else ""


@cache
def _mapped(record_type: type, entity_name: str) -> tuple[tuple[str, Field, str], ...]:
    entity = MAPPING[entity_name]
    return tuple(
        (attribute_of(record_type, f), f, f.template_column) for f in entity.imported_fields
    )


def mapped_attributes(record_type: type, entity: Entity) -> tuple[tuple[str, Field, str], ...]:
    """``entity``'s imported fields as (the attribute of ``record_type`` holding it, or ""
    for those kept in ``more_fields``; the field; its template column), worked out once
    per kind: readers use it for every row."""
    return _mapped(record_type, entity.name)


def more_fields_of(record_type: type, entity: Entity) -> tuple[Field, ...]:
    """``entity``'s imported fields that ``record_type`` keeps in ``more_fields``."""
    return tuple(f for attribute, f, _ in _mapped(record_type, entity.name) if not attribute)


def value_of(record: MappedRecord, attribute: str, name: str) -> Any:
    """The value of the mapped field ``name`` in ``record``: its ``attribute`` (see
    :func:`attribute_of`), or its entry in ``more_fields`` when that is ""."""
    return getattr(record, attribute) if attribute else record.more_fields.get(name)


@dataclass(slots=True)
class TsmReturnRecord:
    """One count of a landlord's aggregate Tenant Satisfaction Measures return: how many
    respondents gave ``answer`` to ``measure`` in a financial year, for the landlord or
    one of its estates (``estate_reference``)."""

    location: str
    financial_year: int
    measure: str
    answer: str
    respondents: int
    estate_reference: str | None = None


Record = (
    ContractorRecord
    | CustomSorCodeRecord
    | HomeRecord
    | ComponentRecord
    | RepairRecord
    | RepairCompletionRecord
    | RepairStatusRecord
    | DampMouldCaseRecord
    | EpcRecord
    | PlannedWorkRecord
    | EstateMemberRecord
    | TsmReturnRecord
)

# How many problems an import keeps in full; the rest are counted. A file whose every row
# is wrong then costs memory for its first problems only, however large it is.
PROBLEMS_KEPT = 10_000


class ProblemLog(list[Problem]):
    """The problems of one file: the first ``limit`` kept in full, every one counted.

    ``len()`` is the number of problems found, kept or not (so "did this row add a
    problem?" can compare lengths); iterating, indexing and slicing give the kept ones;
    ``not_kept`` counts the others and ``records`` holds the location of every problem's
    record, kept or not, so that no record with a problem is ever imported.
    """

    def __init__(self, problems: Iterable[Problem] = (), *, limit: int | None = None) -> None:
        super().__init__()
        self.limit = PROBLEMS_KEPT if limit is None else limit
        self.not_kept = 0
        self.records: set[str] = set()
        self.extend(problems)

    def append(self, problem: Problem) -> None:
        """Count ``problem``, and keep it while fewer than ``limit`` are kept."""
        self.records.add(problem.record)
        if super().__len__() < self.limit:
            super().append(problem)
        else:
            self.not_kept += 1

    def extend(self, problems: Iterable[Problem]) -> None:
        """Append each of ``problems`` (another log's uncounted ones included)."""
        for problem in problems:
            self.append(problem)
        if isinstance(problems, ProblemLog):
            self.not_kept += problems.not_kept
            self.records |= problems.records

    def __iadd__(self, problems: Iterable[Problem]) -> ProblemLog:  # type: ignore[override,misc]
        self.extend(problems)
        return self

    def __len__(self) -> int:
        return super().__len__() + self.not_kept

    @property
    def kept(self) -> int:
        """How many problems are kept in full."""
        return super().__len__()

    def __reduce__(self) -> tuple[object, ...]:
        # Pickle (a worker process's answer) and copy rebuild the log with its counts.
        return (_restore_log, (list(self), self.limit, self.not_kept, self.records))


def _restore_log(kept: list[Problem], limit: int, not_kept: int, records: set[str]) -> ProblemLog:
    log = ProblemLog(kept, limit=limit)
    log.not_kept, log.records = not_kept, set(records)
    return log


@dataclass(slots=True)
class Parsed:
    """What a reader made of a file: the records it could read and every problem."""

    records: list[Record] = field(default_factory=list)
    problems: ProblemLog = field(default_factory=ProblemLog)
    records_read: int = 0  # rows or JSON records seen, valid or not
    rejected: set[str] = field(default_factory=set)  # locations of records with problems
    # A problem with the file as a whole (encoding, header): no record of it is written,
    # but every record is still checked so that every problem is reported at once.
    refused: bool = False
    notes: list[Problem] = field(default_factory=list)  # what was done that is worth saying

    def reject(self, problem: Problem) -> None:
        """Note a problem; its record will not be imported."""
        self.problems.append(problem)
        self.rejected.add(problem.record)

    def note(self, record: str, field_name: str, value: str, text: str) -> None:
        """Say something about a record that is not a problem (it is still imported)."""
        self.notes.append(Problem(record, field_name, value, text))
