"""A home's tenure (the tenure code list, LCRA and LCHO groups): imported by template and
from Turtle, served in GraphQL and Linked Data, and Tenant Satisfaction Measures results
per tenure group checked against an independent computation."""

from __future__ import annotations

from typing import Any

import httpx
from rdflib import Graph
from rdflib import URIRef

from odx_graph.core.config import Settings
from odx_graph.core.vocab import ODX
from odx_graph.services.importing.service import run_import
from odx_graph.store.db import Database
from odx_graph.web.app import create_app
from tests.test_satisfaction import ANSWERS
from tests.test_satisfaction import BY_HAND
from tests.test_satisfaction import QUERY
from tests.test_satisfaction import REPAIRS
from tests.test_satisfaction import World
from tests.test_satisfaction import _independent
from tests.test_satisfaction import _mine
from tests.test_satisfaction import gid
from tests.test_satisfaction import world as world

BASE = "http://odx.test"
# Tenures of the world's homes 0-5 (home 5 has none): LCRA homes 0, 2, 3; LCHO 1, 4.
TENURES = ["social-rent", "shared-ownership", "affordable-rent", "supported-housing",
           "leasehold", None]  # fmt: skip
GROUPS = {"LCRA": {0, 2, 3}, "LCHO": {1, 4}}


async def test_the_code_list_groups_every_tenure(fresh_db: Database) -> None:
    rows = await fresh_db.fetch("SELECT code, tenure_group FROM tenure ORDER BY code")
    assert {r["code"]: r["tenure_group"] for r in rows} == {
        "affordable-rent": "LCRA",
        "housing-for-older-people": "LCRA",
        "intermediate-rent": "LCRA",
        "leasehold": "LCHO",
        "shared-ownership": "LCHO",
        "social-rent": "LCRA",
        "supported-housing": "LCRA",
    }


async def _set_tenures(w: World) -> None:
    for home, tenure in zip(w.homes, TENURES, strict=True):
        await w.db.execute("UPDATE home SET tenure_code = $2 WHERE id = $1", home, tenure)


async def test_results_per_tenure_group_equal_the_independent_computation(world: World) -> None:
    await _set_tenures(world)
    rows = await _mine(world, "regulator", ["TENURE_GROUP"])
    got: dict[str | None, dict[str, tuple[int, int]]] = {}
    labels = {}
    for r in rows:
        value = r["key"][0]["value"]
        got.setdefault(value, {})[r["measure"]] = (r["respondents"], r["satisfied"])
        labels[value] = r["key"][0]["label"]
        assert r["source"] == "ANSWERS"  # returns are not by tenure
    expected = {
        group: _independent([a for a in ANSWERS if a[0] in homes], REPAIRS, {0, 1, 2}, 2024)
        for group, homes in GROUPS.items()
    }
    expected[None] = _independent([a for a in ANSWERS if a[0] == 5], REPAIRS, {0, 1, 2}, 2024)
    assert got == {k: v for k, v in expected.items() if v}
    # Worked by hand: LCRA TP01 is homes 0 (very satisfied), 2 (neither) and 3 (don't
    # know, left out); LCHO TP01 homes 1 (latest: very dissatisfied) and 4 (fairly).
    assert got["LCRA"]["TP01"] == (2, 1)
    assert got["LCHO"]["TP01"] == (2, 1)
    assert labels == {
        "LCRA": "Low cost rental accommodation",
        "LCHO": "Low cost home ownership",
    }  # home 5, of no tenure, answered only outside the year
    # The groups add up to the whole.
    for measure, (valid, satisfied) in BY_HAND.items():
        parts = [got[g][measure] for g in got if measure in got[g]]
        assert (sum(p[0] for p in parts), sum(p[1] for p in parts)) == (valid, satisfied)

    # Scoped to one group (with a landlord grouping): only that group's answers, and no
    # return even where the grouping is one a return is made at.
    await world.db.execute(
        "INSERT INTO tsm_return (landlord_id, financial_year, measure_code, answer_code, "
        "respondents) VALUES ($1, 2024, 'TP01', 'very-satisfied', 50)",
        world.landlord,
    )
    scoped = await _mine(world, "regulator", ["LANDLORD"], tenureGroup=["LCHO"])
    assert {r["source"] for r in scoped} == {"ANSWERS"}
    assert {r["measure"]: (r["respondents"], r["satisfied"]) for r in scoped} == expected["LCHO"]
    whole = await _mine(world, "regulator", ["LANDLORD"])
    assert {r["source"] for r in whole} == {"ANSWERS", "RETURN"}


async def test_public_results_per_tenure_group_are_protected(world: World) -> None:
    await _set_tenures(world)
    for key in (None, "provider", "resident"):
        rows = await _mine(world, key, ["TENURE_GROUP"])
        assert {r["disclosure"] for r in rows} == {"PERTURBED"}
        # Every tenure group's count is below the threshold of 4 respondents.
        assert all(r["suppressed"] and r["respondents"] is None for r in rows)


async def test_an_unknown_tenure_group_is_refused(world: World) -> None:
    response = await world.http.post(
        "/graphql",
        json={
            "query": QUERY,
            "variables": {"year": 2024, "by": [], "scope": {"tenureGroup": ["LCHX"]}},
        },
    )
    assert response.json()["errors"], response.text


HOMES = """home_ref,uprn,address_line_1,postcode,tenure
T-1,990000007001,1 Tenure Road,LS9 8AB,shared-ownership
T-2,990000007002,2 Tenure Road,LS9 8AB,
T-3,990000007003,3 Tenure Road,LS9 8AB,freehold
"""


async def test_a_tenure_is_imported_and_served(fresh_db: Database) -> None:
    db = fresh_db
    landlord = await db.fetchval(
        "INSERT INTO organisation (name, kind_code, role_codes, registration_number) "
        "VALUES ('Tenure Homes', 'landlord', ARRAY['landlord'], 'T0001') RETURNING id"
    )

    async def imported(text: str, **options: Any) -> Any:
        return await run_import(
            db, text.encode(), fmt="homes", file_name="homes.csv", organisation="T0001",
            **options,
        )  # fmt: skip

    report = await imported(HOMES)
    assert not report.ok
    assert [(p.field, p.value) for p in report.problems] == [("tenure", "freehold")]
    report = await imported(HOMES, skip_invalid=True)
    assert report.written and report.created == 2, report.as_text()
    stored = await db.fetch(
        "SELECT uprn, tenure_code FROM home WHERE landlord_id = $1 ORDER BY uprn", landlord
    )
    assert [(r["uprn"], r["tenure_code"]) for r in stored] == [
        (990000007001, "shared-ownership"),
        (990000007002, None),
    ]
    settings = Settings.from_env({}, base_iri=BASE)
    app = create_app(settings, database=db)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as http:
        query = """query($landlord: ID!) {
          homes(filter: {tenure: ["shared-ownership"], landlord: [$landlord]}, first: 5) {
            nodes { iri uprn tenure { code label tenureGroup } } } }"""
        variables = {"landlord": gid("Organisation", landlord)}
        body = (await http.post("/graphql", json={"query": query, "variables": variables})).json()
        [home] = body["data"]["homes"]["nodes"]
        assert home["uprn"] == "990000007001"
        assert home["tenure"] == {
            "code": "shared-ownership",
            "label": "Shared ownership",
            "tenureGroup": "LCHO",
        }
        turtle = await http.get(home["iri"].removeprefix(BASE), headers={"Accept": "text/turtle"})
        graph = Graph().parse(data=turtle.text, format="turtle")
        assert list(graph.objects(URIRef(home["iri"]), URIRef(ODX + "tenure"))) == [
            URIRef("https://w3id.org/odx/code/tenure/shared-ownership")
        ]
        concept = await http.get("/code/tenure/leasehold", headers={"Accept": "text/turtle"})
        assert concept.status_code == 200
        assert '"LCHO"' in concept.text
    # The homes template has the column, after the other codes.
    from odx_graph.services.importing.templates import TEMPLATES
    from odx_graph.services.importing.templates import blank_template

    names = TEMPLATES["homes"].column_names
    assert names.index("tenure") == names.index("built_form") + 1
    assert b"tenure" in blank_template("homes")


def test_the_demo_draws_each_tenure() -> None:
    from odx_graph.services.demo.draws import TENURES
    from odx_graph.services.demo.draws import tenure_of

    drawn = [tenure_of(n) for n in range(1, 2001)]
    assert set(drawn) == {code for code, _ in TENURES}
    assert drawn == [tenure_of(n) for n in range(1, 2001)]  # the same on every run
    # Social rent is the most common, about 64% of homes.
    assert 0.58 < drawn.count("social-rent") / len(drawn) < 0.70


async def test_a_tenure_is_read_from_turtle(fresh_db: Database) -> None:
    from rdflib import Literal
    from rdflib.namespace import RDF

    db = fresh_db
    await db.execute(
        "INSERT INTO organisation (name, kind_code, role_codes, registration_number) "
        "VALUES ('Turtle Homes', 'landlord', ARRAY['landlord'], 'T0002')"
    )
    problems = []
    for uprn, tenure in [(990000007101, "affordable-rent"), (990000007102, "freehold")]:
        node = URIRef(f"https://scratch.example/home/{uprn}")
        given = Graph()
        given.add((node, RDF.type, URIRef(ODX + "Home")))
        given.add((node, URIRef(ODX + "uprn"), Literal(str(uprn))))
        given.add((node, URIRef(ODX + "addressLine1"), Literal("1 Turtle Lane")))
        given.add((node, URIRef(ODX + "postcode"), Literal("LS9 8AB")))
        given.add(
            (node, URIRef(ODX + "tenure"), URIRef(f"https://w3id.org/odx/code/tenure/{tenure}"))
        )
        report = await run_import(
            db,
            given.serialize(format="turtle").encode(),
            fmt="turtle",
            file_name="home.ttl",
            organisation="T0002",
        )
        problems.append([(p.field, p.reason) for p in report.problems])
    # The shapes check the tenure against the code list.
    assert problems[0] == []
    [(field, reason)] = problems[1]
    assert field == "odx:tenure" and "tenure code list" in reason
    stored = await db.fetch(
        "SELECT uprn, tenure_code FROM home WHERE uprn IN (990000007101, 990000007102)"
    )
    assert [(r["uprn"], r["tenure_code"]) for r in stored] == [(990000007101, "affordable-rent")]
