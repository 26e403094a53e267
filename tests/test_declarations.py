"""How fields are written is declared once, in the mapping: the hand-written shapes and
the database's checks agree with it at the edges, and what the files do not declare is
generated from it."""

from __future__ import annotations

from typing import Any

import pytest
from rdflib import OWL
from rdflib import RDF
from rdflib import RDFS
from rdflib import XSD
from rdflib import Graph
from rdflib import Literal
from rdflib import URIRef
from rdflib.namespace import SH
from rdflib.namespace import SKOS

from odx_graph.core.vocab import ODX
from odx_graph.core.vocab import ontology_dir
from odx_graph.mapping import MAPPING
from odx_graph.mapping import Entity
from odx_graph.mapping import Field
from odx_graph.mapping import Scalar
from odx_graph.services.demo import COLUMNS
from odx_graph.services.importing.templates import TEMPLATES
from odx_graph.services.linked_data import declarations
from odx_graph.services.linked_data import shacl
from odx_graph.services.linked_data.rdf import XSD_TYPES
from odx_graph.services.linked_data.rdf import term
from odx_graph.services.refdata import load_ontology
from odx_graph.store.bulk import ROW_COPIES
from odx_graph.store.db import Database

FLOOR_LEVEL = URIRef(ODX + "floorLevel")
HOME_SHAPE = URIRef(declarations.SHAPES + "HomeShape")


@pytest.fixture(scope="module")
def shapes_file() -> Graph:
    return Graph().parse(ontology_dir() / "shapes.ttl", format="turtle")


def _imported() -> list[tuple[Entity, Field]]:
    return [(e, f) for e in MAPPING.nodes for f in e.imported_fields]


def _property_shape(shapes: Graph, entity: Entity, item: Field) -> URIRef:
    """The property shape of ``item`` on its entity's node shape: the one giving its
    datatype or node kind (others compare it with other values)."""
    node = declarations.node_shape(shapes, entity)
    assert node is not None, entity.name
    found = [
        p
        for p in shapes.objects(node, SH.property)
        if (p, SH.path, term(item.curie)) in shapes
        and ((p, SH.datatype, None) in shapes or (p, SH.nodeKind, None) in shapes)
    ]
    assert len(found) == 1, (entity.name, item.name, found)
    assert isinstance(found[0], URIRef)
    return found[0]


def _number(value: object) -> float | None:
    return None if value is None else float(str(value))


@pytest.mark.parametrize(
    ("entity", "item"), _imported(), ids=lambda x: x.name if hasattr(x, "name") else str(x)
)
def test_the_written_shapes_agree_with_the_mapping(
    shapes_file: Graph, entity: Entity, item: Field
) -> None:
    assert item.write is not None
    shape = _property_shape(shapes_file, entity, item)
    low, high = item.write.limits
    assert _number(shapes_file.value(shape, SH.minInclusive)) == low, item.name
    assert _number(shapes_file.value(shape, SH.maxInclusive)) == high, item.name
    if item.iri_prefix:
        assert shapes_file.value(shape, SH.nodeKind) == SH.IRI
    else:
        assert shapes_file.value(shape, SH.datatype) == (XSD_TYPES[item.type] or XSD.string)
    assert (shapes_file.value(shape, SH.maxCount) is None) == item.many, item.name


def test_the_templates_take_the_mapped_bounds() -> None:
    columns = {
        name: column
        for template in ("homes", "components", "repairs", "damp-mould-cases")
        for name, column in TEMPLATES[template].by_name.items()
    }
    for _entity, item in _imported():
        column = columns[item.template_column]
        assert item.write is not None
        if item.write.bounds is not None:
            assert (column.low, column.high) == item.write.bounds, item.name
        assert column.required == item.write.required, item.name


async def _refusal(db: Database, table: str, column: str, value: Any) -> str:
    """The SQLSTATE of setting ``column`` of one row to ``value`` ("" when accepted); the
    change is rolled back either way."""
    async with db.connection() as conn:
        try:
            async with conn.transaction():
                await conn.execute(
                    f"UPDATE {table} SET {column} = $1 WHERE id = (SELECT min(id) FROM {table})",
                    value,
                )
                raise _RolledBack
        except _RolledBack:
            return ""
        except Exception as exc:
            return str(getattr(exc, "sqlstate", exc))


class _RolledBack(Exception):
    pass


CHECK_VIOLATION = "23514"


@pytest.mark.parametrize(
    "item",
    [f for e, f in _imported() if e.name == "Home" and f.write and f.write.bounds],
    ids=lambda f: f.name,
)
async def test_the_database_checks_the_mapped_bounds_at_their_edges(
    fresh_db: Database, item: Field
) -> None:
    assert item.write is not None and item.write.bounds is not None
    low, high = item.write.bounds
    cast = int if item.type is Scalar.INT else float
    step = 1 if item.type is Scalar.INT else 0.001
    assert await _refusal(fresh_db, "home", item.column, cast(low)) == ""
    assert await _refusal(fresh_db, "home", item.column, cast(high)) == ""
    assert await _refusal(fresh_db, "home", item.column, cast(low - step)) == CHECK_VIOLATION
    assert await _refusal(fresh_db, "home", item.column, cast(high + step)) == CHECK_VIOLATION


def _without_floor_level_shape(shapes: Graph) -> Graph:
    trimmed = Graph()
    for triple in shapes:
        trimmed.add(triple)
    shape = URIRef(declarations.SHAPES + "Home-floorLevel")
    trimmed.remove((shape, None, None))
    trimmed.remove((None, None, shape))
    return trimmed


def _home(floor: int) -> Graph:
    graph = Graph()
    home = URIRef("https://example.org/home/1")
    graph.add((home, RDF.type, URIRef(ODX + "Home")))
    graph.add((home, URIRef(ODX + "addressLine1"), Literal("1 High Street")))
    graph.add((home, URIRef(ODX + "postcode"), Literal("BR1 1AA")))
    for name, value in (("Area", "BR"), ("District", "BR1"), ("Sector", "BR1 1")):
        graph.add((home, URIRef(ODX + "postcode" + name), Literal(value)))
    graph.add((home, FLOOR_LEVEL, Literal(floor)))
    return graph


def test_a_field_without_a_written_shape_gets_one_from_the_mapping(shapes_file: Graph) -> None:
    trimmed = _without_floor_level_shape(shapes_file)
    assert FLOOR_LEVEL not in declarations.shaped_paths(trimmed, HOME_SHAPE)
    generated = declarations.unshaped_fields(trimmed)
    [shape] = generated.subjects(SH.path, FLOOR_LEVEL)
    assert (HOME_SHAPE, SH.property, shape) in generated
    assert generated.value(shape, SH.datatype) == XSD.integer
    assert generated.value(shape, SH.maxCount).toPython() == 1  # type: ignore[union-attr]
    assert len(declarations.unshaped_fields(shapes_file)) == 0  # the file says it all today

    completed = declarations.with_field_shapes(trimmed)
    ontology = load_ontology()
    for floor, wrong in ((-5, False), (200, False), (-6, True), (201, True)):
        found = shacl.validate(_home(floor), completed, ontology)
        assert any(v.path == FLOOR_LEVEL for v in found) is wrong, (floor, found)


def test_an_undeclared_term_is_declared_from_the_mapping() -> None:
    ontology = load_ontology()
    assert len(declarations.undeclared_terms(ontology)) == 0
    trimmed = Graph()
    for triple in ontology:
        if triple[0] != FLOOR_LEVEL:
            trimmed.add(triple)
    added = declarations.undeclared_terms(trimmed)
    assert set(added.subjects()) == {FLOOR_LEVEL}
    assert added.value(FLOOR_LEVEL, RDF.type) == OWL.DatatypeProperty
    assert str(added.value(FLOOR_LEVEL, RDFS.label)) == "floor level"
    assert str(added.value(FLOOR_LEVEL, SKOS.definition)) == (
        MAPPING["Home"].field("floorLevel").description
    )
    assert added.value(FLOOR_LEVEL, RDFS.domain) == URIRef(ODX + "Home")
    assert added.value(FLOOR_LEVEL, RDFS.range) == XSD.integer


@pytest.mark.parametrize("entity", [MAPPING["Home"], MAPPING["Repair"]], ids=lambda e: e.name)
def test_the_demo_fills_mapped_columns_and_leaves_only_nullable_ones(entity: Entity) -> None:
    written = {f.column for f in entity.fields if not f.derived}
    links = {r.source_column for r in entity.relations if r.source_column != entity.key}
    demo = set(COLUMNS[entity.table])
    # and the values the database's row triggers copy, which a bulk load's rows carry
    copied = {c.column for c in ROW_COPIES if c.table == entity.table}
    assert demo <= written | links | copied | {entity.key}, demo - written - links - copied
    # A field the demo does not fill (one just added to the mapping) is null in it.
    for item in entity.fields:
        if not item.derived and item.column not in demo:
            assert item.nullable, item.name


# The columns the contractors, custom-sor-codes, planned-works and repairs (line) templates had
# when they were written by hand: (name, kind, description, example, required, low, high, pattern).
HAND_WRITTEN_COLUMNS = {
    "contractors": [
        (
            "name",
            "text",
            "Organisation name",
            "Thames Property Services Ltd",
            True,
            None,
            None,
            None,
        ),
        (
            "registration_number",
            "text",
            "Company or registration number",
            "01234567",
            False,
            None,
            None,
            None,
        ),
        (
            "postcode_districts",
            "postcode districts, |-separated",
            "Postcode districts served",
            "BR1|SE6",
            False,
            None,
            None,
            None,
        ),
        (
            "website",
            "web address",
            "Web site, http:// or https://",
            "https://example.org",
            False,
            None,
            None,
            None,
        ),
    ],
    "custom-sor-codes": [
        (
            "sor_code",
            "text matching a pattern",
            "The code, 1 to 20 letters, digits, '.', '_' or '-'",
            "XX-BOARDUP",
            True,
            None,
            None,
            r"[A-Za-z0-9._-]{1,20}",
        ),
        (
            "description",
            "text",
            "What the code is for",
            "Board up window, out of hours",
            False,
            None,
            None,
            None,
        ),
    ],
    "planned-works": [
        ("programme", "text", "The programme's name", "Kitchens 2027/28", True, None, None, None),
        (
            "financial_year",
            "whole number",
            "The programme's financial year as the year it starts (2027 is 2027/28)",
            "2027",
            True,
            1990,
            2100,
            None,
        ),
        (
            "budget",
            "amount (£)",
            "The programme's budget in pounds",
            "250000",
            False,
            None,
            None,
            None,
        ),
        (
            "planned_date",
            "date",
            "The day it is due, YYYY-MM-DD",
            "2027-11-30",
            True,
            None,
            None,
            None,
        ),
        (
            "estimated_cost",
            "amount (£)",
            "Estimated cost in pounds",
            "5200",
            False,
            None,
            None,
            None,
        ),
        (
            "actual_cost",
            "amount (£)",
            "Actual cost in pounds (in progress or done)",
            "",
            False,
            None,
            None,
            None,
        ),
        (
            "completion_date",
            "date",
            "The day it was done, YYYY-MM-DD (done only)",
            "",
            False,
            None,
            None,
            None,
        ),
    ],
    "repairs": [
        (
            "line_number",
            "whole number",
            "Order of the line in the repair (default: order of the rows)",
            "1",
            False,
            1,
            9999,
            None,
        ),
        (
            "sor_code",
            "text",
            "NHF Schedule of Rates code or your custom code",
            "PL010315",
            False,
            None,
            None,
            None,
        ),
        ("quantity", "quantity", "Quantity of the SOR line", "1", False, None, None, None),
        ("unit_cost", "amount (£)", "Cost per unit in pounds", "95.00", False, None, None, None),
        ("line_cost", "amount (£)", "Cost of the line in pounds", "95.00", False, None, None, None),
    ],
}


@pytest.mark.parametrize("template", sorted(HAND_WRITTEN_COLUMNS))
def test_the_templates_declared_in_the_mapping_are_the_hand_written_ones(template: str) -> None:
    columns = TEMPLATES[template].by_name
    for name, kind, about, example, required, low, high, pattern in HAND_WRITTEN_COLUMNS[template]:
        column = columns[name]
        given = (column.kind.value, column.description, column.example, column.required)
        assert given == (kind, about, example, required), name
        assert (column.low, column.high, column.pattern) == (low, high, pattern), name


# The template writing each entity's fields (the others' writes are constraints only).
TEMPLATE_OF = {
    "Organisation": "contractors",
    "Home": "homes",
    "Component": "components",
    "Repair": "repairs",
    "RepairLine": "repairs",
    "DampMouldCase": "damp-mould-cases",
    "InvestmentProgramme": "planned-works",
    "PlannedWork": "planned-works",
}


def test_every_written_field_is_a_column_of_its_template() -> None:
    """A ``Write`` given to a field its template's reader does not read fails here, rather
    than being in no template (or in a template whose reader drops it)."""
    from odx_graph.mapping.codes import CUSTOM_SOR_CODE_FIELDS

    written = [(e.name, f) for e in MAPPING.entities for f in e.written_fields]
    for entity, item in written:
        assert item.write is not None
        if entity in TEMPLATE_OF:
            assert item.template_column in TEMPLATES[TEMPLATE_OF[entity]].column_names, item.name
        else:
            assert not item.write.imported and not item.write.about, (entity, item.name)
    sor_columns = TEMPLATES["custom-sor-codes"].column_names
    assert tuple(f.template_column for f in CUSTOM_SOR_CODE_FIELDS) == sor_columns


def test_every_written_form_is_a_kind_of_template_column() -> None:
    from odx_graph.mapping import Form
    from odx_graph.services.importing.columns import Kind

    assert {f.name for f in Form} - {"PLAIN"} <= {k.name for k in Kind}
