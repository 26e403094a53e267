"""The worked example of docs/development.md ("Adding a field"), followed literally: the
migration and the Field lines are read from the guide itself.

In a scratch copy of the package, one field is added to Home and one to Repair: a
migration and a ``Field(...)`` line in each entity's mapping module, nothing else (the
data formats guide included: it needs no edit). A
fresh database migrated from the copy then has them everywhere: in the GraphQL schema,
the CSV templates, the SHACL shapes and the ontology; a value imported from the CSV
templates reads back through GraphQL and Turtle, a value imported as Turtle is stored,
and the demo dataset still loads.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from tests.conftest import Server

ROOT = Path(__file__).resolve().parents[1]


def _example() -> tuple[str, str, str]:
    """The migration and the two Field lines, as docs/development.md gives them."""
    guide = (ROOT / "docs" / "development.md").read_text()
    section = guide.split("## Adding a field\n", 1)[1].split("\n## ", 1)[0]
    [sql] = re.findall(r"```sql\n(.*?)```", section, re.S)
    [python] = re.findall(r"```python\n(.*?)```", section, re.S)
    lines = textwrap.dedent(re.sub(r"(?m)^   ", "", sql)), textwrap.dedent(python)
    home, repair = re.split(r"(?m)^# repairs\.py.*\n", lines[1])
    home = re.sub(r"(?m)^#.*\n", "", home)
    return lines[0], textwrap.indent(home, " " * 8), textwrap.indent(repair, " " * 8)


MIGRATION, HOME_FIELD, REPAIR_FIELD = _example()

HOMES_CSV = (
    "home_ref,uprn,address_line_1,postcode,floor_area\r\n"
    "H-1,990000004321,1 High Street,BR1 1AA,64.5\r\n"
    "H-2,,2 High Street,BR1 1AA,\r\n"
)
REPAIRS_CSV = (
    "repair_ref,home_ref,priority,status,reported_at,completed_at,visits\r\n"
    "R-1,H-1,2,complete,2025-03-01T09:00:00Z,2025-03-02T09:00:00Z,3\r\n"
)

# Run by the scratch copy's Python: everything it finds is printed as JSON.
SCRIPT = """
import asyncio, datetime as dt, json, sys

import asyncpg, httpx
from rdflib import RDF, Graph, Literal, URIRef

from odx_graph.core.config import Settings
from odx_graph.core.vocab import ODX, migrations_dir
from odx_graph.services import demo
from odx_graph.services.importing.service import run_import
from odx_graph.services.importing.templates import TEMPLATES
from odx_graph.services.linked_data.declarations import undeclared_turtle
from odx_graph.services.refdata import load_ontology, load_shapes, sync_reference_data
from odx_graph.store.db import Database
from odx_graph.store.migrations import migrate
from odx_graph.store.organisations import create_organisation
from odx_graph.web.app import create_app
from rdflib.namespace import SH


async def main(dsn, homes_csv, repairs_csv):
    found = {}
    found["homes_template"] = list(TEMPLATES["homes"].column_names)
    found["repairs_template"] = list(TEMPLATES["repairs"].column_names)
    shapes = load_shapes()
    found["shaped"] = [
        {"path": str(path), "min": float(shapes.value(s, SH.minInclusive)),
         "max": float(shapes.value(s, SH.maxInclusive))}
        for name in ("floorArea", "visits")
        for s in shapes.subjects(SH.path, URIRef(ODX + name))
        for path in [shapes.value(s, SH.path)]
    ]
    ontology = load_ontology()
    found["declared"] = sorted(
        {str(s) for s in ontology.subjects() if str(s) in (ODX + "floorArea", ODX + "visits")}
    )
    found["ontology_turtle"] = undeclared_turtle().decode()

    conn = await asyncpg.connect(dsn)
    await migrate(conn, migrations_dir())
    await sync_reference_data(conn)
    await demo.load_demo(conn, homes=20, seed=7, as_of=dt.date(2026, 6, 30))
    found["demo_homes"] = await conn.fetchval("SELECT count(*) FROM home")
    await create_organisation(conn, "Scratch Homes", "landlord", "L7777")
    await conn.close()

    db = await Database.connect(dsn, max_size=2)
    for fmt, data in (("homes", homes_csv), ("repairs", repairs_csv)):
        report = await run_import(db, data.encode(), fmt=fmt, file_name=fmt + ".csv",
                                  organisation="L7777")
        found[fmt + "_problems"] = [p.as_dict() for p in report.problems]
    found["stored"] = [
        [r["floor_area"], r["visits"]]
        for r in await db.fetch(
            "SELECT h.floor_area, r.visits FROM home h LEFT JOIN repair r ON r.home_id = h.id "
            "WHERE h.uprn = 990000004321")
    ]
    settings = Settings.from_env({}, base_iri="http://odx.test")
    app = create_app(settings, database=db)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://odx.test") as http:
        answer = await http.post("/graphql", json={"query": '''{ home(uprn: "990000004321") {
            iri floorArea repairs { nodes { visits } } } }'''})
        found["graphql"] = answer.json()
        iri = found["graphql"]["data"]["home"]["iri"]
        turtle = await http.get(iri.removeprefix("http://odx.test"),
                                headers={"Accept": "text/turtle"})
        graph = Graph().parse(data=turtle.text, format="turtle")
        areas = graph.objects(URIRef(iri), URIRef(ODX + "floorArea"))
        found["exported"] = [o.toPython() for o in areas]
    # The home with another floor area, imported as Turtle: at the upper edge, then past it.
    found["turtle_problems"] = []
    for area in (2000.0, 2000.5):
        node = URIRef("https://scratch.example/home/1")
        given = Graph()
        given.add((node, RDF.type, URIRef(ODX + "Home")))
        given.add((node, URIRef(ODX + "uprn"), Literal("990000004321")))
        given.add((node, URIRef(ODX + "addressLine1"), Literal("1 High Street")))
        given.add((node, URIRef(ODX + "postcode"), Literal("BR1 1AA")))
        given.add((node, URIRef(ODX + "floorArea"), Literal(area)))
        report = await run_import(db, given.serialize(format="turtle").encode(), fmt="turtle",
                                  file_name="home.ttl", organisation="L7777")
        found["turtle_problems"].append([[p.field, p.value] for p in report.problems])
        found.setdefault("after_turtle", []).append(await db.fetchval(
            "SELECT floor_area FROM home WHERE uprn = 990000004321"))
    await db.close()
    print(json.dumps(found))


asyncio.run(main(*sys.argv[1:]))
"""


def _add_after(path: Path, anchor: str, text: str) -> None:
    source = path.read_text()
    assert source.count(anchor) == 1, f"{anchor!r} is not once in {path.name}"
    path.write_text(source.replace(anchor, anchor + text))


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    """A copy of the package, its ontology and migrations, with the example applied."""
    ignore = shutil.ignore_patterns("__pycache__")
    for name in ("odx_graph", "ontology", "migrations"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=ignore)
    mapping = tmp_path / "odx_graph" / "mapping"
    _add_after(mapping / "homes.py", "bounds=(1000, 2100))),\n", HOME_FIELD)
    _add_after(mapping / "repairs.py", 'example="142.50", form=Form.MONEY)),\n', REPAIR_FIELD)
    numbers = [int(p.name[:4]) for p in (tmp_path / "migrations").glob("[0-9]*.sql")]
    (tmp_path / "migrations" / f"{max(numbers) + 1:04d}_floor_area_and_visits.sql").write_text(
        MIGRATION
    )
    return tmp_path


@pytest.fixture
def scratch_db(pg_server: Server) -> Iterator[str]:
    import asyncio

    name = f"odx_field_{uuid.uuid4().hex[:12]}"

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(pg_server.admin_dsn)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    try:
        yield pg_server.dsn(name)
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _run(scratch: Path, *args: str) -> str:
    environment = {**os.environ, "PYTHONPATH": str(scratch)}
    done = subprocess.run(
        [sys.executable, *args],
        cwd=scratch,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_the_scratch_copy_is_the_one_imported(scratch: Path) -> None:
    printed = _run(scratch, "-c", "import odx_graph; print(odx_graph.__file__)")
    assert printed.strip() == str(scratch / "odx_graph" / "__init__.py")


def test_the_example_changes_only_the_migration_and_the_mapping_modules(scratch: Path) -> None:
    """By hand, the migration and one mapping module per entity; ``schema.graphql`` and
    ``migrations/schema.sql`` are regenerated. The data formats guide needs no edit: it
    keeps the templates' descriptions and rules, and the column tables it points to are
    printed from the mapping, new columns included."""
    changed = sorted(
        str(path.relative_to(scratch))
        for path in scratch.rglob("*")
        if path.is_file()
        and not (
            (ROOT / path.relative_to(scratch)).is_file()
            and (ROOT / path.relative_to(scratch)).read_bytes() == path.read_bytes()
        )
    )
    [migration] = [name for name in changed if name.startswith("migrations/")]
    assert changed == [migration, "odx_graph/mapping/homes.py", "odx_graph/mapping/repairs.py"]

    guide = (ROOT / "docs" / "data-formats.md").read_text()
    summary = _run(
        scratch,
        "-c",
        "from odx_graph.services.importing.templates import template_markdown; "
        "print(template_markdown(columns=False))",
    )
    assert summary.strip() in guide
    tables = _run(scratch, "-m", "odx_graph.services.importing.templates", "homes", "repairs")
    assert "| `floor_area` | decimal number, 5 to 2000 |  | Total floor area" in tables
    assert "| `visits` | whole number, 1 to 99 |  | Visits the work took | `2` |" in tables


def test_a_field_added_to_home_and_to_repair_is_everywhere(scratch: Path, scratch_db: str) -> None:
    schema = _run(scratch, "-m", "odx_graph", "schema")
    assert '"""Total internal floor area in square metres."""\n  floorArea: Float' in schema
    assert '"""How many visits the work took."""\n  visits: Int' in schema
    before = (ROOT / "schema.graphql").read_text().splitlines()
    added = [line for line in schema.splitlines() if line not in before]
    assert added == [
        '  """Total internal floor area in square metres."""',
        "  floorArea: Float",
        '  """How many visits the work took."""',
        "  visits: Int",
    ], added

    found: dict[str, Any] = json.loads(
        _run(scratch, "-c", SCRIPT, scratch_db, HOMES_CSV, REPAIRS_CSV)
    )
    # The templates: each new column after its entity's last mapped one.
    assert found["homes_template"][-2:] == ["year_built", "floor_area"]
    repairs = found["repairs_template"]
    assert repairs[repairs.index("repair_cost") + 1] == "visits"
    # The shapes and the ontology, from the mapping.
    assert sorted((s["path"].rsplit("#")[-1], s["min"], s["max"]) for s in found["shaped"]) == [
        ("floorArea", 5.0, 2000.0),
        ("visits", 1.0, 99.0),
    ]
    assert [iri.rsplit("#")[-1] for iri in found["declared"]] == ["floorArea", "visits"]
    assert "floorArea" in found["ontology_turtle"] and "visits" in found["ontology_turtle"]
    # The demo loads (the new fields are null in it).
    assert found["demo_homes"] == 20
    # A value round-trips through the CSV templates, GraphQL, Turtle and a Turtle import.
    assert found["homes_problems"] == [] and found["repairs_problems"] == []
    assert found["stored"] == [[64.5, 3]]
    home = found["graphql"]["data"]["home"]
    assert home["floorArea"] == 64.5 and home["repairs"]["nodes"] == [{"visits": 3}]
    assert found["exported"] == [64.5]
    assert found["turtle_problems"] == [[], [["odx:floorArea", "2000.5"]]]
    assert found["after_turtle"] == [2000.0, 2000.0]
