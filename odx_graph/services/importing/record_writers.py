"""Writing the kinds of record that stand on their own: contractors, custom SOR codes,
components, damp and mould cases and EPCs. Each runs through the import's
:class:`~odx_graph.services.importing.writer.Writer` (its look-ups, problems and fates)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING
from typing import Any
from typing import TypeVar

from odx_graph.mapping.components import COMPONENT
from odx_graph.mapping.damp import DAMP_MOULD_CASE
from odx_graph.services.importing.records import ComponentRecord
from odx_graph.services.importing.records import ContractorRecord
from odx_graph.services.importing.records import CustomSorCodeRecord
from odx_graph.services.importing.records import DampMouldCaseRecord
from odx_graph.services.importing.records import EpcRecord
from odx_graph.services.importing.records import attribute_of
from odx_graph.services.importing.records import value_of
from odx_graph.store import imports as repo
from odx_graph.store.row_columns import CERTIFICATE_COLUMNS
from odx_graph.store.row_columns import DAMP_MOULD_COLUMNS
from odx_graph.store.row_columns import ORGANISATION_COLUMNS

if TYPE_CHECKING:
    from odx_graph.services.importing.writer import Writer

CONTRACTOR = "contractor"  # the organisation-kind code (ontology/odx.ttl)
# The component's imported fields (mapping), as (record attribute, column, name) in the
# order written; an attribute of "" means the record keeps it in ``more_fields``.
COMPONENT_FIELDS = tuple(
    (attribute_of(ComponentRecord, item), item.column, item.name)
    for item in COMPONENT.imported_fields
)
# The damp and mould case's imported fields (mapping), as (record attribute, column, name)
# in the order written; an attribute of "" means the record keeps it in ``more_fields``.
DAMP_MOULD_FIELDS = tuple(
    (attribute_of(DampMouldCaseRecord, f), f.column, f.name)
    for f in DAMP_MOULD_CASE.imported_fields
)


async def contractors(w: Writer, records: list[ContractorRecord]) -> None:
    """Contractors: the importer's own (its references) are created or updated; one the
    graph knows already, by registration number or by name, is linked to without
    rewriting what others said about it, and gains the contractor role."""
    if not records:
        return
    refs = await w.keys("organisation", [r.reference for r in records])
    registered = await repo.organisations_by_registration(
        w.conn, [r.registration_number for r in records if r.registration_number]
    )
    named = await repo.organisations_named(w.conn, [r.name for r in records], names_only=True)
    own: list[tuple[ContractorRecord, int | None, tuple[Any, ...]]] = []
    others: list[tuple[ContractorRecord, int]] = []
    new_names: dict[str, ContractorRecord] = {}
    for r in records:
        key = refs.get(r.reference)
        same_name = named.get(r.name.strip().lower())
        if key is None:
            known = registered.get(r.registration_number or "")
            if known is None and same_name is not None:
                known = same_name.id
            if known is not None:
                # Known to the graph already (another organisation imported or registered
                # it): link to it without rewriting what its own importer said.
                others.append((r, known))
                continue
            first = new_names.setdefault(r.name.strip().lower(), r)
            if first is not r:
                others.append((r, -1))  # the same contractor as an earlier row: linked below
                continue
        elif same_name is not None and same_name.id != key:
            w.problem(
                r.location,
                "name",
                r.name,
                f"another organisation ({same_name.id}) has this name; names are unique",
            )
            continue
        # A new organisation's lists start empty; a known one's are kept when not given.
        empty: list[str] | None = [] if key is None else None
        values = (
            CONTRACTOR if key is None else None,
            r.name,
            r.registration_number,
            list(r.trades) or empty,
            list(r.postcode_districts) or empty,
            r.website,
        )
        own.append((r, key, values))
    done = await repo.upsert(
        w.conn, "organisation", ORGANISATION_COLUMNS, [(k, v) for _, k, v in own], w.import_id
    )
    created_by_name = {
        r.name.strip().lower(): key for (r, _, _), key in zip(own, done.keys, strict=True)
    }
    others = [
        (r, created_by_name[r.name.strip().lower()] if key == -1 else key) for r, key in others
    ]
    await repo.add_role(w.conn, [key for _, key in others], CONTRACTOR)
    pairs = [(key, r.reference) for (r, _, _), key in zip(own, done.keys, strict=True)]
    pairs += [(key, r.reference) for r, key in others]
    gained = await repo.add_references(w.conn, "organisation", w.org.id, pairs)
    for (r, _, _), key in zip(own, done.keys, strict=True):
        w.refs["organisation"][r.reference] = key
        w.outcome.mark(r.location, w.fate(key, done, gained))
    for r, key in others:
        w.refs["organisation"][r.reference] = key
        w.outcome.mark(r.location, "updated" if key in gained else "unchanged")


async def custom_sor_codes(w: Writer, records: list[CustomSorCodeRecord]) -> None:
    """The importer's own Schedule of Rates codes."""
    if not records:
        return
    created, updated = await repo.upsert_custom_sor_codes(
        w.conn, w.org.id, w.import_id, [(r.code, r.description) for r in records]
    )
    # The statement reports counts only; which code changed does not matter to anyone.
    fates = ["created"] * created + ["updated"] * updated
    for index, record in enumerate(records):
        w.outcome.mark(record.location, fates[index] if index < len(fates) else "unchanged")


async def components(w: Writer, records: list[ComponentRecord]) -> None:
    """Components of homes."""
    columns = (
        "home_id",
        "component_type_code",
        "condition_code",
        *(column for _, column, _ in COMPONENT_FIELDS),
    )

    def values(r: ComponentRecord, home: int, held: bool) -> list[Any]:
        return [
            home,
            r.component_type,
            r.condition,
            *(value_of(r, attribute, name) for attribute, _, name in COMPONENT_FIELDS),
        ]

    kept, keys = await _home_records(w, "component", records, columns, values)
    for key, r in zip(keys, kept, strict=True):
        w.refs["component"][r.reference] = key


async def damp_mould_cases(w: Writer, records: list[DampMouldCaseRecord]) -> None:
    """Damp and mould cases (landlords only)."""

    def values(r: DampMouldCaseRecord, home: int, held: bool) -> list[Any]:
        return [
            w.org.id,
            home,
            r.hazard_level,
            r.hhsrs_hazard or (None if held else "1"),
            r.hhsrs_category,
            r.severity,
            *(value_of(r, attribute, name) for attribute, _, name in DAMP_MOULD_FIELDS),
        ]

    records = w.landlord_only(records, "damp and mould cases")
    await _home_records(w, "damp_mould_case", records, DAMP_MOULD_COLUMNS, values)


OwnRecord = TypeVar("OwnRecord", ComponentRecord, DampMouldCaseRecord)


async def _home_records(
    w: Writer,
    table: str,
    records: list[OwnRecord],
    columns: tuple[str, ...],
    values: Callable[[OwnRecord, int, bool], list[Any]],
) -> tuple[list[OwnRecord], list[int]]:
    """Write records about a home that the importer names by its own references: each
    one's home is resolved (one not found is a problem, and left out), its row made by
    ``values(record, home key, already held)``, upserted, its reference added and its
    fate marked. Returns the records written and their keys, in order."""
    if not records:
        return [], []
    homes = await w.resolve_homes([(r.location, r.home) for r in records])
    refs = await w.keys(table, [r.reference for r in records])
    kept = [r for r in records if r.location in homes]
    rows = [
        (refs.get(r.reference), values(r, homes[r.location], r.reference in refs)) for r in kept
    ]
    done = await repo.upsert(w.conn, table, columns, rows, w.import_id)
    gained = await repo.add_references(
        w.conn, table, w.org.id, [(k, r.reference) for k, r in zip(done.keys, kept, strict=True)]
    )
    for key, r in zip(done.keys, kept, strict=True):
        w.outcome.mark(r.location, w.fate(key, done, gained))
    return kept, list(done.keys)


async def certificates(w: Writer, records: list[EpcRecord], uprns: dict[int, int]) -> None:
    """Energy Performance Certificates of homes the graph holds (``uprns``: home keys by
    UPRN found so far in this import, extended here)."""
    if not records:
        return
    wanted = [r.uprn for r in records if r.uprn and r.uprn not in uprns]
    for uprn, (key, _) in (await repo.homes_by_uprn(w.conn, wanted)).items():
        uprns[uprn] = key
    addresses = await repo.homes_by_address(
        w.conn,
        [
            (r.postcode, r.address_line_1.upper())
            for r in records
            if r.postcode and r.address_line_1 and r.uprn not in uprns
        ],
    )
    existing = await repo.epc_keys(w.conn, [r.lmk_key for r in records])
    kept, rows = [], []
    for r in records:
        home = uprns.get(r.uprn) if r.uprn else None
        if home is None and r.postcode and r.address_line_1:
            candidates = addresses.get((r.postcode, r.address_line_1.upper()), [])
            home = candidates[0] if len(candidates) == 1 else None
        if home is None:
            named = r.uprn or f"{r.address_line_1}, {r.postcode}"
            w.problem(
                r.location,
                "UPRN",
                named,
                "no home in the graph has this UPRN (or, without one, exactly this "
                "first address line and postcode): import the home first",
            )
            continue
        kept.append(r)
        rows.append(
            (
                existing.get(r.lmk_key),
                [
                    home,
                    r.lmk_key,
                    r.certificate_number,
                    r.lodgement_date,
                    r.inspection_date,
                    r.sap_score,
                    r.potential_sap_score,
                    r.epc_band,
                    r.potential_epc_band,
                ],
            )
        )
    columns = ("home_id", *CERTIFICATE_COLUMNS)
    done = await repo.upsert(w.conn, "energy_performance_certificate", columns, rows, w.import_id)
    for key, r in zip(done.keys, kept, strict=True):
        w.outcome.mark(r.location, w.fate(key, done, set()))
