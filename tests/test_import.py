"""Imports end to end against PostgreSQL: all or nothing, idempotent, linked by UPRN,
with provenance, over the command's service and over HTTP."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from rdflib import Graph
from rdflib import Literal
from rdflib import URIRef

from odx_graph.core.config import Settings
from odx_graph.services.importing.service import ImportReport
from odx_graph.services.importing.service import run_import
from odx_graph.store import imports as repo
from odx_graph.store.db import Database

FIXTURES = Path(__file__).parent / "fixtures"
TOKEN = "t" * 40
PROV = "http://www.w3.org/ns/prov#"
ODX = "https://w3id.org/odx/def#"

HOMES = """home_ref,uprn,address_line_1,town,postcode,property_type,built_form,bedrooms,year_built
NG-1,990000000001,1 Mill Lane,Leeds,ls9 8ab,house,mid-terrace,2,1930
NG-2,990000000002,2 Mill Lane,Leeds,LS9 8AB,flat,,1,1965
NG-3,,3 Mill Lane,Leeds,LS9 8AB,house,,3,1931
"""
CONTRACTORS = """contractor_ref,name,registration_number,trades,postcode_districts
SUP-9,Mill Lane Plumbing Ltd,,PL|GM,LS9|LS8
"""
REPAIRS = """repair_ref,home_ref,home_uprn,priority,status,trade,contractor_ref,description,\
reported_at,completed_at,repair_cost,line_number,sor_code,quantity,unit_cost,line_cost
WO-1,NG-1,,3,complete,PL,SUP-9,Leaking trap under sink,2024-03-04T09:15:00Z,\
2024-03-06T11:40:00Z,85.50,1,601101,1,60.00,60.00
WO-1,NG-1,,3,complete,PL,SUP-9,Leaking trap under sink,2024-03-04T09:15:00Z,\
2024-03-06T11:40:00Z,85.50,2,601103,1,25.50,25.50
WO-2,,990000000002,4,scheduled,PL,,,2024-11-01T10:00:00,,,,,,,
"""


async def _import(
    db: Database, data: str | bytes, fmt: str, org: str, **options: Any
) -> ImportReport:
    raw = data.encode() if isinstance(data, str) else data
    return await run_import(db, raw, fmt=fmt, file_name=f"test.{fmt}", organisation=org, **options)


async def _landlord(db: Database, name: str = "Northgate Homes", number: str = "L9001") -> str:
    async with db.connection() as conn:
        await repo.create_organisation(conn, name, "landlord", number)
    return number


async def _snapshot(db: Database) -> dict[str, list[Any]]:
    tables = {
        "home": "SELECT * FROM home ORDER BY id",
        "reference": "SELECT subject_type, subject_id, value, allocated_by_id FROM reference "
        "ORDER BY 1, 2, 3, 4",
        "assertion": "SELECT home_id, organisation_id, import_id, property, value "
        "FROM home_assertion ORDER BY 1, 2, 4",
        "organisation": "SELECT * FROM organisation ORDER BY id",
        "repair": "SELECT * FROM repair ORDER BY id",
        "repair_line": "SELECT * FROM repair_line ORDER BY id",
        "repair_status_event": "SELECT * FROM repair_status_event ORDER BY id",
        "component": "SELECT * FROM component ORDER BY id",
        "damp_mould_case": "SELECT * FROM damp_mould_case ORDER BY id",
        "energy_performance_certificate": "SELECT * FROM energy_performance_certificate",
    }
    return {name: [tuple(r) for r in await db.fetch(sql)] for name, sql in tables.items()}


async def test_a_good_file_imports_and_the_same_file_again_changes_nothing(
    fresh_db: Database,
) -> None:
    org = await _landlord(fresh_db)
    first = await _import(fresh_db, HOMES, "homes", org)
    assert first.written and first.ok
    assert (first.records_read, first.created, first.updated, first.unchanged) == (3, 3, 0, 0)
    before = await _snapshot(fresh_db)
    again = await _import(fresh_db, HOMES, "homes", org)
    assert again.written and (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert await _snapshot(fresh_db) == before
    row = await fresh_db.fetchrow("SELECT * FROM home WHERE uprn = 990000000001")
    assert row is not None
    assert (row["postcode"], row["postcode_district"], row["import_id"]) == (
        "LS9 8AB",
        "LS9",
        first.import_id,
    )


async def test_a_changed_record_updates_in_place_and_an_empty_cell_erases_nothing(
    fresh_db: Database,
) -> None:
    org = await _landlord(fresh_db)
    await _import(fresh_db, HOMES, "homes", org)
    key = await fresh_db.fetchval("SELECT id FROM home WHERE uprn = 990000000001")
    changed = HOMES.replace("house,mid-terrace,2,1930", "house,,4,1930")
    report = await _import(fresh_db, changed, "homes", org)
    assert (report.created, report.updated, report.unchanged) == (0, 1, 2)
    row = await fresh_db.fetchrow("SELECT * FROM home WHERE uprn = 990000000001")
    assert row is not None
    assert (row["id"], row["bedrooms"], row["built_form_code"]) == (key, 4, "mid-terrace")
    assert row["import_id"] == report.import_id


async def test_a_file_with_errors_writes_nothing_and_lists_every_problem(
    fresh_db: Database,
) -> None:
    org = await _landlord(fresh_db)
    bad = HOMES + (
        "NG-4,12,4 Mill Lane,Leeds,NOT A POSTCODE,house,,2,1930\n"
        "NG-5,13,5 Mill Lane,Leeds,LS9 8AB,castle,,2,1930\n"
        "NG-6,1234567890123,6 Mill Lane,Leeds,LS9 8AB,house,,2,1930\n"
    )
    before = await _snapshot(fresh_db)
    imports = await fresh_db.fetchval("SELECT count(*) FROM data_import")
    report = await _import(fresh_db, bad, "homes", org)
    assert not report.written and report.import_id is None
    problems = {(p.record, p.field) for p in report.problems}
    assert problems == {("row 5", "postcode"), ("row 6", "property_type"), ("row 7", "uprn")}
    assert await _snapshot(fresh_db) == before
    assert await fresh_db.fetchval("SELECT count(*) FROM data_import") == imports
    text = report.as_text()
    assert "not imported, nothing written" in text and "castle" in text


async def test_skip_invalid_imports_the_rest_and_keeps_the_problems(fresh_db: Database) -> None:
    org = await _landlord(fresh_db)
    bad = HOMES + "NG-5,13,5 Mill Lane,Leeds,LS9 8AB,castle,,2,1930\n"
    report = await _import(fresh_db, bad, "homes", org, skip_invalid=True)
    assert report.written and (report.created, report.rejected) == (3, 1)
    stored = await fresh_db.fetchrow(
        "SELECT records_rejected, problem_count, problems FROM data_import WHERE id = $1",
        report.import_id,
    )
    assert stored is not None
    assert (stored["records_rejected"], stored["problem_count"]) == (1, 1)
    assert json.loads(stored["problems"])[0]["value"] == "castle"
    assert (
        await fresh_db.fetchval("SELECT count(*) FROM home WHERE address_line_1 LIKE '5 Mill%'")
        == 0
    )


async def test_a_dry_run_counts_exactly_and_writes_nothing(fresh_db: Database) -> None:
    org = await _landlord(fresh_db)
    before = await _snapshot(fresh_db)
    report = await _import(fresh_db, HOMES, "homes", org, dry_run=True)
    assert not report.written and report.ok and report.created == 3
    assert await _snapshot(fresh_db) == before


async def test_two_providers_naming_one_uprn_share_one_home_with_both_facts_kept(
    fresh_db: Database, settings: Settings
) -> None:
    org = await _landlord(fresh_db)
    await _import(fresh_db, HOMES, "homes", org)
    async with fresh_db.connection() as conn:
        council = await repo.create_organisation(conn, "Riverside Council", "local-authority", None)
    council_file = (
        "home_ref,uprn,address_line_1,postcode,year_built\n"
        "RC-77,990000000001,1 Mill Lane,LS9 8AB,1928\n"
    )
    report = await _import(fresh_db, council_file, "homes", str(council))
    assert (report.created, report.updated) == (0, 1)
    assert await fresh_db.fetchval("SELECT count(*) FROM home WHERE uprn = 990000000001") == 1
    # The landlord's word is shown; the council's is kept with its provenance.
    assert await fresh_db.fetchval("SELECT year_built FROM home WHERE uprn = 990000000001") == 1930
    async with _client(fresh_db, settings) as http:
        body = await _graphql(
            http,
            """query($c: ID!) {
              byUprn: home(uprn: "990000000001") { id
                assertions { property value assertedBy { name } generatedBy { id } } }
              byLandlordRef: home(reference: {value: "NG-1"}) { id }
              byCouncilRef: home(reference: {value: "RC-77", allocatedBy: $c}) { id }
            }""",
            {"c": _global_id("Organisation", council)},
        )
    data = body["data"]
    assert data["byUprn"]["id"] == data["byLandlordRef"]["id"] == data["byCouncilRef"]["id"]
    built = {
        (a["assertedBy"]["name"], a["value"])
        for a in data["byUprn"]["assertions"]
        if a["property"] == "yearBuilt"
    }
    assert built == {("Northgate Homes", "1930"), ("Riverside Council", "1928")}


async def test_repairs_with_lines_and_contractors(fresh_db: Database) -> None:
    org = await _landlord(fresh_db)
    await _import(fresh_db, HOMES, "homes", org)
    assert (await _import(fresh_db, CONTRACTORS, "contractors", org)).written
    report = await _import(fresh_db, REPAIRS, "repairs", org)
    assert report.ok and report.created == 2, report.as_text()
    row = await fresh_db.fetchrow(
        "SELECT r.*, c.name AS contractor FROM repair r JOIN reference x ON x.subject_id = r.id "
        "AND x.subject_type = 'repair' AND x.value = 'WO-1' JOIN organisation c ON "
        "c.id = r.contractor_id"
    )
    assert row is not None
    assert (row["status_code"], str(row["cost"]), row["contractor"]) == (
        "complete",
        "85.50",
        "Mill Lane Plumbing Ltd",
    )
    lines = await fresh_db.fetch(
        "SELECT line_number, sor_code FROM repair_line WHERE repair_id = $1 ORDER BY 1", row["id"]
    )
    assert [tuple(r) for r in lines] == [(1, "601101"), (2, "601103")]
    events = await fresh_db.fetch(
        "SELECT status_code FROM repair_status_event WHERE repair_id = $1", row["id"]
    )
    assert [r["status_code"] for r in events] == ["complete"]
    before = await _snapshot(fresh_db)
    assert (await _import(fresh_db, REPAIRS, "repairs", org)).unchanged == 2
    assert await _snapshot(fresh_db) == before


async def test_repairs_naming_unknown_things_are_problems(fresh_db: Database) -> None:
    org = await _landlord(fresh_db)
    await _import(fresh_db, HOMES, "homes", org)
    bad = REPAIRS.replace("NG-1,,3", "NG-404,,3").replace("SUP-9", "SUP-404")
    bad = bad.replace(",601103,", ",NOT-A-CODE,")
    report = await _import(fresh_db, bad, "repairs", org)
    assert not report.written
    reasons = " ".join(p.reason for p in report.problems)
    assert "NHF SOR" in reasons
    assert (
        await fresh_db.fetchval(
            "SELECT count(*) FROM repair WHERE landlord_id IN "
            "(SELECT id FROM organisation WHERE name = 'Northgate Homes')"
        )
        == 0
    )


async def test_only_a_landlord_imports_repairs(fresh_db: Database) -> None:
    async with fresh_db.connection() as conn:
        await repo.create_organisation(conn, "Fixers Ltd", "contractor", None)
    report = await _import(fresh_db, REPAIRS, "repairs", "Fixers Ltd")
    assert not report.written
    assert any("only a landlord" in p.reason for p in report.problems)


async def test_an_unknown_organisation_or_format_is_an_input_error(fresh_db: Database) -> None:
    from odx_graph.core.errors import InputError

    with pytest.raises(InputError, match="no organisation"):
        await _import(fresh_db, HOMES, "homes", "Nobody Homes")
    with pytest.raises(InputError, match="unknown import format"):
        await _import(fresh_db, HOMES, "xlsx", "Nobody Homes")


async def test_damp_and_mould_cases_import(fresh_db: Database) -> None:
    org = await _landlord(fresh_db)
    await _import(fresh_db, HOMES, "homes", org)
    cases = (
        "case_ref,home_ref,aware_at,hazard_level,hhsrs_category,investigation_started_at,"
        "investigation_completed_at,made_safe_at\n"
        "DM-1,NG-2,2025-11-03T10:00:00Z,significant,1,2025-11-10T09:00:00Z,"
        "2025-11-10T12:00:00Z,2025-11-14T16:00:00Z\n"
        "DM-2,NG-1,2025-12-01T10:00:00Z,emergency,,,,\n"
    )
    report = await _import(fresh_db, cases, "damp-mould-cases", org)
    assert report.ok and report.created == 2, report.as_text()
    row = await fresh_db.fetchrow(
        "SELECT hazard_level_code, hhsrs_hazard_code, hhsrs_category_code FROM damp_mould_case "
        "c JOIN home h ON h.id = c.home_id WHERE h.uprn = 990000000002"
    )
    assert row is not None and tuple(row) == ("significant", "1", "1")
    backwards = cases.replace("2025-11-14T16:00:00Z", "2025-11-01T16:00:00Z")
    report = await _import(fresh_db, backwards, "damp-mould-cases", org)
    assert not report.written
    assert [(p.record, p.field) for p in report.problems] == [("row 2", "made_safe_at")]


async def test_hact_work_orders_and_an_epc_row_show_up_in_graphql_and_rdf(
    fresh_db: Database, settings: Settings
) -> None:
    landlord = await _landlord(fresh_db, "Northmoor Homes", "L9002")
    custom = "sor_code,description\nNMH-TRAP40,Replace 40mm trap\n"
    assert (await _import(fresh_db, custom, "custom-sor-codes", landlord)).written
    settings = Settings.from_env({}, base_iri="http://odx.test", import_token=TOKEN)
    async with _client(fresh_db, settings) as http:
        for name in ("raise_repair.json", "work_order_complete.json"):
            response = await http.post(
                "/import",
                params={"format": "hact", "as": landlord, "fileName": name},
                content=(FIXTURES / "hact" / name).read_bytes(),
                headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"},
            )
            assert response.status_code == 200, response.text
            assert response.json()["written"] is True
        epc = _epc_with_uprn("990004215576")
        response = await http.post(
            "/import",
            params={"format": "epc", "as": landlord},
            content=epc,
            headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "text/csv"},
        )
        assert response.status_code == 200, response.text
        body = await _graphql(
            http,
            """{ home(uprn: "990004215576") { iri postcode
                repairs { nodes { iri status { code } completedAt description
                  lines { sorCode sorItem { code } } generatedBy { format } } }
                energyPerformanceCertificates { nodes { iri epcBand { code } sapScore } } } }""",
        )
        home = body["data"]["home"]
        assert home["postcode"] == "BB18 6JR"
        repair = home["repairs"]["nodes"][0]
        assert repair["status"]["code"] == "complete" and repair["description"] is None
        assert [line["sorCode"] for line in repair["lines"]] == ["601101", "NMH-TRAP40"]
        assert repair["lines"][1]["sorItem"] is None  # a custom code is no NHF item
        assert repair["generatedBy"]["format"] == "hact"
        certificate = home["energyPerformanceCertificates"]["nodes"][0]
        assert (certificate["epcBand"]["code"], certificate["sapScore"]) == ("E", 50)
        for iri in (repair["iri"], certificate["iri"]):
            turtle = await http.get(
                iri.removeprefix("http://odx.test"), headers={"Accept": "text/turtle"}
            )
            graph = Graph().parse(data=turtle.text, format="turtle")
            generator = graph.value(URIRef(iri), URIRef(PROV + "wasGeneratedBy"))
            assert generator is not None and "/id/import/" in str(generator)
        persons = await http.get(
            repair["iri"].removeprefix("http://odx.test"), headers={"Accept": "text/turtle"}
        )
        assert "hard of hearing" not in persons.text and "Keysafe" not in persons.text


def _epc_with_uprn(uprn: str) -> bytes:
    lines = (FIXTURES / "epc_domestic_export_sample.csv").read_text().splitlines()
    header, first = lines[0], lines[1]
    return f"{header},UPRN\r\n{first},{uprn}\r\n".replace("SW1A 2AA", "BB18 6JR").encode()


async def test_uploads_need_the_token_and_refuse_forms_and_huge_files(
    fresh_db: Database,
) -> None:
    settings = Settings.from_env(
        {}, base_iri="http://odx.test", import_token=TOKEN, import_max_bytes=1000
    )
    async with _client(fresh_db, settings) as http:
        params = {"format": "homes", "as": "L1"}
        assert (await http.post("/import", params=params, content=HOMES)).status_code == 401
        wrong = {"Authorization": "Bearer " + "x" * 40}
        assert (
            await http.post("/import", params=params, content=HOMES, headers=wrong)
        ).status_code == 401
        auth = {"Authorization": f"Bearer {TOKEN}"}
        form = {**auth, "Content-Type": "application/x-www-form-urlencoded"}
        assert (
            await http.post("/import", params=params, content=HOMES, headers=form)
        ).status_code == 415
        big = {**auth, "Content-Type": "text/csv"}
        response = await http.post("/import", params=params, content=HOMES * 100, headers=big)
        assert response.status_code == 413
        assert (await http.post("/import", content=HOMES, headers=big)).status_code == 400
        unknown = await http.post("/import", params=params, content=HOMES, headers=big)
        assert unknown.status_code == 400 and "no organisation" in unknown.text
    closed = Settings.from_env({}, base_iri="http://odx.test")
    async with _client(fresh_db, closed) as http:
        response = await http.post("/import", params=params, content=HOMES, headers=auth)
        assert response.status_code == 403


async def test_an_upload_with_problems_answers_422_with_the_report(fresh_db: Database) -> None:
    org = await _landlord(fresh_db)
    settings = Settings.from_env({}, base_iri="http://odx.test", import_token=TOKEN)
    bad = HOMES + "NG-5,13,=cmd|' /C calc'!A0,Leeds,LS9 8AB,castle,,2,1930\n"
    async with _client(fresh_db, settings) as http:
        response = await http.post(
            "/import",
            params={"format": "homes", "as": org},
            content=bad,
            headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "text/csv"},
        )
    assert response.status_code == 422
    report = response.json()
    assert report["written"] is False and report["counts"]["rejected"] == 1
    assert [p["field"] for p in report["problems"]] == ["property_type"]


async def test_a_formula_is_stored_as_text(fresh_db: Database) -> None:
    org = await _landlord(fresh_db)
    formula = "=cmd|' /C calc'!A0"
    data = HOMES.replace("3 Mill Lane", f'"{formula}"')
    assert (await _import(fresh_db, data, "homes", org)).written
    assert (
        await fresh_db.fetchval("SELECT address_line_1 FROM home WHERE address_line_1 LIKE '=%'")
        == formula
    )


async def test_blank_templates_are_served(client: httpx.AsyncClient) -> None:
    response = await client.get("/templates/repairs.csv")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert response.content.decode("utf-8-sig").startswith("repair_ref,")
    assert (await client.get("/templates/nope.csv")).status_code == 404


TURTLE = """@prefix odx: <https://w3id.org/odx/def#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<https://data.example.org/home/7> a odx:Home ;
    odx:uprn "990000000077" ; odx:addressLine1 "7 Mill Lane" ; odx:postcode "LS9 8AB" ;
    odx:propertyType <https://w3id.org/odx/code/property-type/house> .
<https://data.example.org/repair/7> a odx:Repair ;
    odx:forHome <https://data.example.org/home/7> ;
    odx:priority <https://w3id.org/odx/code/priority/4> ;
    odx:status <https://w3id.org/odx/code/repair-status/reported> ;
    odx:reportedAt "2025-01-06T09:00:00Z"^^xsd:dateTime ;
    odx:raisedAt "2025-01-06T09:30:00Z"^^xsd:dateTime ;
    odx:hasLine <https://data.example.org/repair/7/line/1> .
<https://data.example.org/repair/7/line/1> a odx:RepairLine ;
    odx:lineNumber 1 ; odx:sorCode "601101" ; odx:quantity "1"^^xsd:decimal .
"""


async def test_turtle_imports_idempotently_and_shapes_catch_bad_data(fresh_db: Database) -> None:
    org = await _landlord(fresh_db)
    report = await _import(fresh_db, TURTLE, "turtle", org)
    assert report.written and report.created == 2, report.as_text()
    assert (await _import(fresh_db, TURTLE, "turtle", org)).unchanged == 2
    bad = TURTLE.replace('"LS9 8AB"', '"not a postcode"')
    report = await _import(fresh_db, bad, "turtle", org)
    assert not report.written
    assert any(p.field == "odx:postcode" for p in report.problems), report.as_text()


async def test_jsonld_with_a_remote_context_is_refused_without_fetching(fresh_db: Database) -> None:
    org = await _landlord(fresh_db)
    document = {"@context": "https://example.org/context.json", "@id": "x"}
    report = await _import(fresh_db, json.dumps(document), "jsonld", org)
    assert not report.written and "never fetched" in report.problems[0].reason


async def test_the_import_is_a_prov_activity_in_rdf(fresh_db: Database, settings: Settings) -> None:
    org = await _landlord(fresh_db)
    report = await _import(fresh_db, HOMES, "homes", org)
    async with _client(fresh_db, settings) as http:
        response = await http.get(
            f"/id/import/{report.import_id}", headers={"Accept": "text/turtle"}
        )
    assert response.status_code == 200
    graph = Graph().parse(data=response.text, format="turtle")
    subject = URIRef(f"http://odx.test/id/import/{report.import_id}")
    assert graph.value(subject, URIRef(ODX + "recordsCreated")) == Literal(3)
    assert graph.value(subject, URIRef(ODX + "fileName")) is None  # private


# --------------------------------------------------------------------------- helpers


class _client:
    def __init__(self, db: Database, settings: Settings) -> None:
        from odx_graph.web.app import create_app

        self.app = create_app(settings, database=db)
        self.http: httpx.AsyncClient | None = None

    async def __aenter__(self) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=self.app)
        self.http = httpx.AsyncClient(transport=transport, base_url="http://odx.test")
        return self.http

    async def __aexit__(self, *exc: object) -> None:
        assert self.http is not None
        await self.http.aclose()


async def _graphql(
    http: httpx.AsyncClient, query: str, variables: dict[str, Any] | None = None
) -> dict[str, Any]:
    response = await http.post("/graphql", json={"query": query, "variables": variables or {}})
    body: dict[str, Any] = response.json()
    assert response.status_code == 200 and "errors" not in body, body
    return body


def _global_id(type_name: str, key: int) -> str:
    from odx_graph.core.ids import encode_global_id

    return encode_global_id(type_name, key)


async def test_problems_found_after_reading_echo_values_formula_safe(fresh_db: Database) -> None:
    org = await _landlord(fresh_db)
    formula = "=cmd|' /C calc'!A0"
    components = f'component_ref,home_ref,component_type\nC-1,"{formula}",kitchen\n'
    report = await _import(fresh_db, components, "components", org)
    assert not report.written
    assert [p.value for p in report.problems] == ["'" + formula]
    assert formula not in report.as_text().replace("'" + formula, "")


async def test_an_import_reports_its_progress_stage_by_stage(fresh_db: Database) -> None:
    org = await _landlord(fresh_db)
    heard: list[tuple[str, int, int]] = []
    homes = "home_ref,uprn,address_line_1,postcode\n" + "".join(
        f"P-{n},{980000000000 + n},{n} Long Row,LS9 8AB\n" for n in range(1, 4502)
    )
    report = await _import(fresh_db, homes, "homes", org, progress=lambda *tick: heard.append(tick))
    assert report.written and report.created == 4501
    stages = list(dict.fromkeys(stage for stage, _, _ in heard))
    assert stages == [
        "reading",
        "reading and checking homes",
        "checking codes and dates",
        "writing 4,501 homes [1/1]",
    ]
    for stage in stages[1:]:
        ticks = [(done, total) for name, done, total in heard if name == stage]
        assert [d for d, _ in ticks] == sorted(d for d, _ in ticks)  # never goes back
        assert ticks[-1][0] == ticks[-1][1] > 0  # and ends complete
    # Reported along the way, not only at the end (lines of the file: the header is line 1).
    assert ("reading and checking homes", 2000, 4502) in heard
    # Nobody listening: the same import reports to no one and still works.
    again = await _import(fresh_db, homes, "homes", org)
    assert again.unchanged == 4501


def test_the_progress_bar_shows_the_share_done() -> None:
    from odx_graph.services.importing.progress import bar

    assert (
        bar("writing 10 homes [1/1]", 2, 5, width=10) == "writing 10 homes [1/1] [####......]  40%"
    )
    assert bar("checking repairs", 50_000, 100_000, width=4) == (
        "checking repairs [##..]  50% 50,000/100,000"
    )
    assert bar("reading", 0, 0) == "reading..."
    assert bar("reading rows", 12, 10, width=2).startswith("reading rows [##] 100%")
