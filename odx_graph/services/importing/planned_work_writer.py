"""Writing planned works from the ``planned-works`` template: their programmes (a
landlord's, by name and financial year), the homes and components they name (the
landlord's own), and the works themselves by the importer's references."""

from __future__ import annotations

from typing import TYPE_CHECKING

from odx_graph.services.importing.records import PlannedWorkRecord
from odx_graph.store import imports as repo
from odx_graph.store import planned_works as planned_repo

if TYPE_CHECKING:
    from odx_graph.services.importing.writer import Writer

COLUMNS = (
    "programme_id",
    "landlord_id",
    "home_id",
    "component_id",
    "component_type_code",
    "planned_date",
    "estimated_cost",
    "actual_cost",
    "status_code",
    "completed_on",
)


async def planned_works(w: Writer, records: list[PlannedWorkRecord]) -> None:
    """Planned works (landlords only); every record names a home of the importer's and,
    when it names a component, a component of that home."""
    records = w.landlord_only(records, "planned works")
    if not records:
        return
    homes = await w.resolve_homes([(r.location, r.home) for r in records])
    landlords = await planned_repo.home_landlords(w.conn, sorted(set(homes.values())))
    component_refs = await w.keys(
        "component", [r.component_reference for r in records if r.component_reference]
    )
    components = await planned_repo.components_by_keys(w.conn, list(component_refs.values()))
    kept: list[tuple[PlannedWorkRecord, int | None, str]] = []
    for r in records:
        home = homes.get(r.location)
        if home is None:
            continue  # reported by resolve_homes
        if landlords.get(home) != w.org.id:
            w.problem(
                r.location,
                "home_ref",
                r.home.reference or r.home.uprn,
                "the home is not one you are the landlord of",
            )
            continue
        component, kind = None, r.component_type
        if r.component_reference is not None:
            key = component_refs.get(r.component_reference)
            row = components.get(key) if key is not None else None
            if row is None or row["home_id"] != home:
                w.problem(
                    r.location,
                    "component_ref",
                    r.component_reference,
                    "no component of yours with this reference at this home",
                )
                continue
            if kind is not None and kind != row["component_type_code"]:
                w.problem(r.location, "component_type", kind, "the component is of another type")
                continue
            component, kind = key, str(row["component_type_code"])
        assert kind is not None  # the reader asks for one or the other
        kept.append((r, component, kind))
    if not kept:
        return
    by_programme = {(r.programme, r.financial_year): r for r, _, _ in kept}
    budgets = {
        key: r.budget
        for r, _, _ in kept
        if r.budget is not None
        for key in [(r.programme, r.financial_year)]
    }
    programmes = await planned_repo.upsert_programmes(
        w.conn,
        w.org.id,
        w.import_id,
        [
            (name, year, r.programme_kind, budgets.get((name, year)))
            for (name, year), r in by_programme.items()
        ],
    )
    refs = await w.keys("planned_work", [r.reference for r, _, _ in kept])
    rows = [
        (
            refs.get(r.reference),
            [
                programmes[(r.programme, r.financial_year)],
                w.org.id,
                homes[r.location],
                component,
                kind,
                r.planned_date,
                r.estimated_cost,
                r.actual_cost,
                r.status,
                r.completion_date,
            ],
        )
        for r, component, kind in kept
    ]
    done = await repo.upsert(
        w.conn, "planned_work", COLUMNS, rows, w.import_id, keep_when_null=False
    )
    gained = await repo.add_references(
        w.conn,
        "planned_work",
        w.org.id,
        [(k, r.reference) for k, (r, _, _) in zip(done.keys, kept, strict=True)],
    )
    for key, (r, _, _) in zip(done.keys, kept, strict=True):
        w.outcome.mark(r.location, w.fate(key, done, gained))
