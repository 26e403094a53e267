"""The planned-works CSV template: a good file makes its programmes and works and, imported
again, changes nothing; a bad file is refused with every problem named and nothing
written; a landlord may only plan its own homes and components."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from odx_graph.services.importing.service import ImportReport
from odx_graph.services.importing.service import run_import
from odx_graph.services.importing.templates import TEMPLATES
from odx_graph.services.importing.templates import blank_template
from odx_graph.store import imports as repo
from odx_graph.store.db import Database

HEADER = ",".join(TEMPLATES["planned-works"].column_names)
HOMES = """home_ref,uprn,address_line_1,town,postcode
PW-H1,990000000101,1 Plan Row,Leeds,LS9 8AB
PW-H2,990000000102,2 Plan Row,Leeds,LS9 8AB
"""
COMPONENTS = """component_ref,home_ref,home_uprn,component_type,install_date
PW-C1,PW-H1,,kitchen,1998-05-01
"""


def _rows(*rows: str) -> str:
    return HEADER + "\n" + "\n".join(rows) + "\n"


GOOD = _rows(
    # work_ref,programme,financial_year,programme_kind,budget,home_ref,home_uprn,
    # component_ref,component_type,planned_date,estimated_cost,actual_cost,status,
    # completion_date
    "W1,Kitchens 2027/28,2027,kitchens,120000,PW-H1,,PW-C1,,2027-11-30,5200,,,",
    "W2,Kitchens 2027/28,2027,kitchens,,,990000000102,,kitchen,2028-03-31,4800,,,",
    "W3,Roofs 2026/27,2026,roofs,,PW-H2,,,roof-finish,2026-09-01,7000,6900.50,done,2026-08-20",
)


async def _import(db: Database, data: str, fmt: str, org: str) -> ImportReport:
    return await run_import(db, data.encode(), fmt=fmt, file_name=f"t.{fmt}", organisation=org)


async def _landlord(db: Database, name: str, number: str) -> str:
    async with db.connection() as conn:
        await repo.create_organisation(conn, name, "landlord", number)
    return number


async def _snapshot(db: Database, org: str) -> list[tuple[Any, ...]]:
    rows = await db.fetch(
        "SELECT p.name, p.financial_year, p.kind_code, p.budget, w.home_id, w.component_id, "
        "w.component_type_code, w.planned_date, w.estimated_cost, w.actual_cost, w.status_code, "
        "w.completed_on, r.value FROM planned_work w "
        "JOIN investment_programme p ON p.id = w.programme_id "
        "JOIN organisation o ON o.id = p.landlord_id "
        "JOIN reference r ON r.subject_type = 'planned_work' AND r.subject_id = w.id "
        "WHERE o.registration_number = $1 ORDER BY r.value",
        org,
    )
    return [tuple(r) for r in rows]


def test_the_blank_template_is_its_header() -> None:
    assert blank_template("planned-works") == ("\ufeff" + HEADER + "\r\n").encode()


async def test_a_good_file_imports_and_again_changes_nothing(fresh_db: Database) -> None:
    org = await _landlord(fresh_db, "Plan Homes", "L7001")
    for name, data in (("homes", HOMES), ("components", COMPONENTS)):
        assert (await _import(fresh_db, data, name, org)).ok
    report = await _import(fresh_db, GOOD, "planned-works", org)
    assert report.ok, report.problems
    assert (report.created, report.updated, report.unchanged) == (3, 0, 0)
    first = await _snapshot(fresh_db, org)
    assert [(r[0], r[1], r[2], r[3], r[6], r[10], r[12]) for r in first] == [
        ("Kitchens 2027/28", 2027, "kitchens", Decimal("120000.00"), "kitchen", "planned", "W1"),
        ("Kitchens 2027/28", 2027, "kitchens", Decimal("120000.00"), "kitchen", "planned", "W2"),
        ("Roofs 2026/27", 2026, "roofs", None, "roof-finish", "done", "W3"),
    ]
    assert first[0][5] is not None and first[1][5] is None  # W1 names its component
    assert first[2][9] == Decimal("6900.50")
    again = await _import(fresh_db, GOOD, "planned-works", org)
    assert again.ok and (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert await _snapshot(fresh_db, org) == first
    # A changed row updates its work, found by its reference.
    moved = GOOD.replace("2027-11-30,5200", "2027-12-15,5300")
    changed = await _import(fresh_db, moved, "planned-works", org)
    assert (changed.created, changed.updated, changed.unchanged) == (0, 1, 2)


async def test_a_bad_file_names_every_problem_and_writes_nothing(fresh_db: Database) -> None:
    org = await _landlord(fresh_db, "Plan Homes", "L7001")
    other = await _landlord(fresh_db, "Other Homes", "L7002")
    for name, data in (("homes", HOMES), ("components", COMPONENTS)):
        assert (await _import(fresh_db, data, name, org)).ok
    before = await fresh_db.fetchval("SELECT count(*) FROM planned_work")
    bad = _rows(
        "B1,Kitchens,2027,kitchenz,,PW-H1,,,kitchen,2027-11-30,,,,",  # unknown kind
        "B2,Kitchens,2027,kitchens,,PW-H1,,,,2027-11-30,,,,",  # no component or type
        "B3,Kitchens,2027,kitchens,,PW-H1,,,kitchen,2027-11-30,,,done,",  # done, no date
        "B4,Kitchens,2027,kitchens,,PW-H1,,,kitchen,2027-11-30,,10,,",  # cost, not started
        "B5,Kitchens,1989,kitchens,,PW-H1,,,kitchen,2027-11-30,,,,",  # year out of range
        "B6,Kitchens,2027,kitchens,,PW-H1,,,kitchen,30/11/2027,,,,",  # not a date
        "B6,Kitchens,2027,kitchens,,PW-H1,,,kitchen,2027-11-30,-5,,,",  # twice; negative
    )
    report = await _import(fresh_db, bad, "planned-works", org)
    assert not report.written
    found = {(p.record, p.field) for p in report.problems}
    for expected in [
        ("row 2", "programme_kind"),
        ("row 3", "component_type"),
        ("row 4", "completion_date"),
        ("row 5", "actual_cost"),
        ("row 6", "financial_year"),
        ("row 7", "planned_date"),
        ("row 8", "estimated_cost"),
    ]:
        assert expected in found, (expected, report.problems)
    assert any(p.field == "work_ref" for p in report.problems)  # the duplicate
    # Another landlord may not plan these homes or components.
    theirs = await _import(fresh_db, GOOD, "planned-works", other)
    assert not theirs.written
    assert {p.field for p in theirs.problems} >= {"home_ref"}
    assert await fresh_db.fetchval("SELECT count(*) FROM planned_work") == before
