"""The tables the demo dataset fills, in foreign-key order, and what a load reports."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from odx_graph.store.row_columns import CERTIFICATE_COLUMNS
from odx_graph.store.row_columns import DAMP_MOULD_COLUMNS
from odx_graph.store.row_columns import ORGANISATION_COLUMNS

TABLES: tuple[str, ...] = (
    "organisation",
    "building",
    "home",
    "reference",
    "component",
    "repair",
    "repair_line",
    "repair_status_event",
    "damp_mould_case",
    "energy_performance_certificate",
)
COLUMNS: Mapping[str, tuple[str, ...]] = {
    "organisation": ("id", *ORGANISATION_COLUMNS),
    "building": (
        "id",
        "uprn",
        "toid",
        "name",
        "landlord_id",
        "storeys",
        "construction_type",
        "year_built",
        "postcode",
    ),
    "home": (
        "id",
        "uprn",
        "landlord_id",
        "building_id",
        "address_line_1",
        "address_line_2",
        "town",
        "postcode",
        "local_authority_code",
        "latitude",
        "longitude",
        "property_type_code",
        "built_form_code",
        "bedrooms",
        "floor_level",
        "year_built",
        "tenure_code",
    ),
    "reference": ("id", "subject_type", "subject_id", "value", "allocated_by_id", "description"),
    "component": (
        "id",
        "home_id",
        "building_id",
        "component_type_code",
        "install_date",
        "condition_code",
        "make",
        "model",
        "last_serviced_date",
    ),
    "repair": (
        "id",
        "landlord_id",
        "home_id",
        "component_id",
        "contractor_id",
        "priority_code",
        "status_code",
        "trade_code",
        "description",
        "reported_at",
        "raised_at",
        "target_at",
        "completed_at",
        "cost",
        "postcode_district",
        "is_open",
    ),
    "repair_line": ("id", "repair_id", "line_number", "sor_code", "quantity", "unit_cost", "cost"),
    "repair_status_event": ("id", "repair_id", "status_code", "occurred_at", "note"),
    "damp_mould_case": ("id", *DAMP_MOULD_COLUMNS),
    "energy_performance_certificate": (
        "id",
        "home_id",
        "certificate_type_code",
        *CERTIFICATE_COLUMNS,
    ),
}


@dataclass(frozen=True)
class Batch:
    """Rows for one table, ready for COPY."""

    table: str
    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]


@dataclass(frozen=True)
class DemoSummary:
    """How many rows the demo load wrote to each table."""

    organisation: int = 0
    building: int = 0
    home: int = 0
    reference: int = 0
    component: int = 0
    repair: int = 0
    repair_line: int = 0
    repair_status_event: int = 0
    damp_mould_case: int = 0
    energy_performance_certificate: int = 0

    @property
    def counts(self) -> dict[str, int]:
        """Rows written per table, in load order."""
        return {table: getattr(self, table) for table in TABLES}

    @property
    def total(self) -> int:
        """All rows written."""
        return sum(self.counts.values())
