"""Organisations as they are: roles rather than one kind, unique names, and update and
merge from the command line and the admin GraphQL API, leaving no duplicate behind."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from odx_graph.core.access import Tier
from odx_graph.core.config import Settings
from odx_graph.core.errors import InputError
from odx_graph.core.vocab import migrations_dir
from odx_graph.services import organisations
from odx_graph.services.credentials import create_key
from odx_graph.services.importing.service import ImportReport
from odx_graph.services.importing.service import run_import
from odx_graph.store import organisations as repo
from odx_graph.store.db import Database
from odx_graph.store.migrations import SCHEMA_FILE
from odx_graph.store.migrations import migrate


def homes(street: str) -> str:
    """Two homes without UPRNs on ``street`` (each test has its own street)."""
    return (
        "home_ref,address_line_1,town,postcode\n"
        f"BC-1,1 {street},Leeds,LS9 8AB\nBC-2,2 {street},Leeds,LS9 8AB\n"
    )


REPAIRS = (
    "repair_ref,home_ref,priority,status,reported_at,sor_code,quantity,unit_cost\n"
    "BC-R1,BC-1,3,scheduled,2024-03-04T09:15:00Z,601101,1,95.00\n"
)


async def _import(db: Database, data: str, fmt: str, org: str) -> ImportReport:
    return await run_import(db, data.encode(), fmt=fmt, file_name=f"x.{fmt}", organisation=org)


async def test_a_council_registered_once_imports_its_homes_and_repairs(
    module_db: Database,
) -> None:
    async with module_db.connection() as conn:
        council = await organisations.add(
            conn, "Civic Borough Council", ["local-authority", "landlord"]
        )
    assert council.roles == ("local-authority", "landlord") and council.kind == "local-authority"
    assert (await _import(module_db, homes("Civic Row"), "homes", council.name)).written
    report = await _import(module_db, REPAIRS, "repairs", council.name)
    assert report.written and report.created == 1, report.as_text()
    landlord = await module_db.fetchval(
        "SELECT o.name FROM home h JOIN organisation o ON o.id = h.landlord_id "
        "WHERE h.address_line_1 = '1 Civic Row'"
    )
    assert landlord == "Civic Borough Council"


async def test_only_a_landlord_role_imports_repairs_and_roles_can_be_given(
    module_db: Database,
) -> None:
    async with module_db.connection() as conn:
        council = await organisations.add(conn, "Roleless Council", ["local-authority"])
    await _import(module_db, homes("Roleless Row"), "homes", council.name)
    refused = await _import(module_db, REPAIRS, "repairs", council.name)
    assert not refused.written
    assert "organisation update" in refused.problems[0].reason
    async with module_db.connection() as conn:
        changed = await organisations.update(
            conn, council.id, organisations.Change(add_roles=("landlord",))
        )
    assert changed.roles == ("local-authority", "landlord")
    assert (await _import(module_db, REPAIRS, "repairs", council.name)).written


async def test_names_are_unique_in_any_case(module_db: Database) -> None:
    async with module_db.connection() as conn:
        first = await organisations.add(conn, "Unique Homes", ["landlord"])
        with pytest.raises(InputError, match="exists already"):
            await organisations.add(conn, "  unique HOMES ", ["landlord"])
        other = await organisations.add(conn, "Other Homes", ["landlord"])
        with pytest.raises(InputError, match="exists already"):
            await organisations.update(conn, other.id, organisations.Change(name="UNIQUE homes"))
        renamed = await organisations.update(
            conn, first.id, organisations.Change(name="Unique Homes Ltd")
        )
    assert renamed.name == "Unique Homes Ltd"


async def test_a_role_still_in_use_cannot_be_taken_away(module_db: Database) -> None:
    async with module_db.connection() as conn:
        owner = await organisations.add(conn, "Holding Homes", ["landlord"])
    await _import(module_db, homes("Holding Row"), "homes", owner.name)
    async with module_db.connection() as conn:
        with pytest.raises(InputError, match="at least one role"):
            await organisations.update(
                conn, owner.id, organisations.Change(remove_roles=("landlord",))
            )
        done = await organisations.update(
            conn, owner.id, organisations.Change(add_roles=("contractor",), kind="contractor")
        )
        assert (done.kind, done.roles) == ("contractor", ("contractor", "landlord"))
        with pytest.raises(InputError, match="still holds 2 record"):
            await organisations.update(
                conn, owner.id, organisations.Change(remove_roles=("landlord",))
            )


async def _counts(db: Database, name: str) -> dict[str, Any]:
    row = await db.fetchrow(
        "SELECT (SELECT count(*) FROM home WHERE address_line_1 LIKE '% Twin Row') AS homes, "
        "(SELECT count(*) FROM repair r JOIN home h ON h.id = r.home_id "
        " WHERE h.address_line_1 LIKE '% Twin Row') AS repairs, "
        "(SELECT count(*) FROM repair_line l JOIN repair r ON r.id = l.repair_id "
        " JOIN home h ON h.id = r.home_id WHERE h.address_line_1 LIKE '% Twin Row') AS lines, "
        "(SELECT count(*) FROM reference x JOIN organisation o ON o.id = x.allocated_by_id "
        " WHERE o.name = $1) AS refs, "
        "(SELECT count(*) FROM data_import i JOIN organisation o ON o.id = i.organisation_id "
        " WHERE o.name = $1) AS imports",
        name,
    )
    return dict(row)


async def test_merging_two_registrations_leaves_one_of_everything(module_db: Database) -> None:
    # The same council registered twice (as it could be before names were unique) and its
    # stock and repairs imported under each: every home without a UPRN is doubled.
    async with module_db.connection() as conn:
        keep = await organisations.add(conn, "Twin Council", ["local-authority", "landlord"])
        dup = await organisations.add(conn, "Twin Council (old)", ["landlord"], "L7777")
    for org in (keep.name, dup.name):
        await _import(module_db, homes("Twin Row"), "homes", org)
        await _import(module_db, REPAIRS, "repairs", org)
    dup_only = "home_ref,address_line_1,postcode\nBC-3,3 Twin Row,LS9 8AB\n"
    await _import(module_db, dup_only, "homes", dup.name)
    assert (await _counts(module_db, keep.name))["homes"] == 5
    async with module_db.connection() as conn, conn.transaction():
        summary = await organisations.merge(conn, dup.id, keep.id)
    assert summary.merged_records == {"home": 2, "repair": 1}
    counts = await _counts(module_db, keep.name)
    assert counts == {"homes": 3, "repairs": 1, "lines": 1, "refs": 4, "imports": 5}
    assert await module_db.fetchval("SELECT count(*) FROM organisation WHERE id = $1", dup.id) == 0
    merged = await module_db.fetchrow(
        "SELECT registration_number, role_codes FROM organisation WHERE id = $1", keep.id
    )
    assert tuple(merged) == ("L7777", ["local-authority", "landlord"])  # gaps filled
    events = await module_db.fetch(
        "SELECT e.status_code FROM repair_status_event e JOIN repair r ON r.id = e.repair_id "
        "JOIN home h ON h.id = r.home_id WHERE h.address_line_1 LIKE '% Twin Row'"
    )
    assert [r["status_code"] for r in events] == ["scheduled"]  # one event, not two
    again = await _import(module_db, homes("Twin Row"), "homes", keep.name)
    assert again.unchanged == 2 and again.created == 0


async def test_a_merge_of_homes_with_different_uprns_is_refused_whole(module_db: Database) -> None:
    async with module_db.connection() as conn:
        keep = await organisations.add(conn, "Split Council", ["landlord"])
        dup = await organisations.add(conn, "Split Council 2", ["landlord"])
    await _import(
        module_db,
        "home_ref,uprn,address_line_1,postcode\nS-1,990000555001,1 A Row,LS9 8AB\n",
        "homes",
        keep.name,
    )
    await _import(
        module_db,
        "home_ref,uprn,address_line_1,postcode\nS-1,990000555002,1 B Row,LS9 8AB\n",
        "homes",
        dup.name,
    )
    async with module_db.connection() as conn:
        with pytest.raises(InputError, match="different UPRNs"):
            async with conn.transaction():
                await organisations.merge(conn, dup.id, keep.id)
    assert await module_db.fetchval("SELECT count(*) FROM organisation WHERE id = $1", dup.id) == 1


@pytest.fixture(scope="module")
async def admin_http(
    module_db: Database,
) -> AsyncIterator[tuple[httpx.AsyncClient, dict[str, str]]]:
    from odx_graph.web.app import create_app

    landlord = await module_db.fetchval(
        "SELECT id FROM organisation WHERE kind_code = 'landlord' ORDER BY id LIMIT 1"
    )
    async with module_db.connection() as conn:
        _, admin = await create_key(conn, tier=Tier.ADMIN, name="admin")
        _, provider = await create_key(
            conn, tier=Tier.PROVIDER, name="provider", organisation_id=landlord
        )
    app = create_app(Settings.from_env({}, base_iri="http://odx.test"), database=module_db)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://odx.test"
    ) as http:
        yield http, {"admin": admin, "provider": provider}


ADD = """mutation($input: AddOrganisationInput!) { addOrganisation(input: $input) {
  __typename ... on OrganisationPayload { organisation { id name kind { code } roles { code } } }
  ... on MutationError { code field message } } }"""
UPDATE = """mutation($input: UpdateOrganisationInput!) { updateOrganisation(input: $input) {
  __typename ... on OrganisationPayload { organisation { name kind { code } roles { code } } }
  ... on MutationError { code field message } } }"""
MERGE = """mutation($input: MergeOrganisationsInput!) { mergeOrganisations(input: $input) {
  __typename ... on OrganisationPayload { organisation { name roles { code } } }
  ... on MutationError { code field message } } }"""


async def _gql(http: httpx.AsyncClient, key: str, query: str, variables: dict[str, Any]) -> Any:
    response = await http.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {key}"},
    )
    body = response.json()
    assert "errors" not in body, body
    return next(iter(body["data"].values()))


async def test_admin_graphql_mutations_add_update_and_merge(
    admin_http: tuple[httpx.AsyncClient, dict[str, str]], module_db: Database
) -> None:
    http, keys = admin_http
    made = await _gql(
        http,
        keys["admin"],
        ADD,
        {"input": {"name": "Api Council", "roles": ["local-authority", "landlord"]}},
    )
    council = made["organisation"]
    assert council["kind"] == {"code": "local-authority"}
    assert council["roles"] == [{"code": "local-authority"}, {"code": "landlord"}]
    clash = await _gql(
        http, keys["admin"], ADD, {"input": {"name": "api council", "roles": ["landlord"]}}
    )
    assert (clash["__typename"], clash["field"]) == ("MutationError", "name")
    denied = await _gql(
        http, keys["provider"], UPDATE, {"input": {"id": council["id"], "name": "X"}}
    )
    assert (denied["__typename"], denied["code"]) == ("MutationError", "FORBIDDEN")
    renamed = await _gql(
        http,
        keys["admin"],
        UPDATE,
        {"input": {"id": council["id"], "name": "Api Borough Council", "addRoles": ["contractor"]}},
    )
    assert renamed["organisation"]["roles"][-1] == {"code": "contractor"}
    other = await _gql(
        http, keys["admin"], ADD, {"input": {"name": "Api Twin", "roles": ["landlord"]}}
    )
    merged = await _gql(
        http,
        keys["admin"],
        MERGE,
        {"input": {"from": other["organisation"]["id"], "into": council["id"]}},
    )
    assert merged["organisation"]["name"] == "Api Borough Council"
    audit = await module_db.fetch(
        "SELECT e.operation FROM audit_event e JOIN api_key k ON k.id = e.api_key_id "
        "WHERE e.subject_type = 'organisation' AND k.name = 'admin' ORDER BY e.id"
    )
    assert [r["operation"] for r in audit] == [
        "addOrganisation",
        "updateOrganisation",
        "addOrganisation",
        "mergeOrganisations",
    ]
    self_merge = await _gql(
        http, keys["admin"], MERGE, {"input": {"from": council["id"], "into": council["id"]}}
    )
    assert self_merge["code"] == "BAD_USER_INPUT"


async def test_the_organisation_kind_still_answers_and_filters_by_role(
    module_db: Database, admin_http: tuple[httpx.AsyncClient, dict[str, str]]
) -> None:
    http, _ = admin_http
    async with module_db.connection() as conn:
        await organisations.add(conn, "Filter Council", ["local-authority", "landlord"])
    query = """{ organisations(filter: {kind: ["landlord"], nameContains: "Filter"}) {
      nodes { name kind { code } roles { code } } } }"""
    body = (await http.post("/graphql", json={"query": query})).json()
    assert body["data"]["organisations"]["nodes"] == [
        {
            "name": "Filter Council",
            "kind": {"code": "local-authority"},
            "roles": [{"code": "local-authority"}, {"code": "landlord"}],
        }
    ]


def test_the_command_line_adds_updates_and_merges(
    module_db: Database, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from odx_graph.cli import main

    monkeypatch.setenv("ODX_DATABASE_URL", module_db.dsn)
    monkeypatch.setenv("ODX_LOG_LEVEL", "WARNING")
    assert (
        main(
            [
                "organisation",
                "add",
                "Cli Council",
                "--role",
                "local-authority",
                "--role",
                "landlord",
            ]
        )
        == 0
    )
    assert "(local-authority, landlord)" in capsys.readouterr().out
    assert main(["organisation", "add", "CLI COUNCIL", "--role", "landlord"]) == 2
    assert "exists already" in capsys.readouterr().err
    assert main(["organisation", "add", "Cli Twin", "--kind", "landlord"]) == 0
    assert main(["organisation", "update", "Cli Twin", "--registration", "L4242"]) == 0
    assert main(["organisation", "merge", "L4242", "--into", "Cli Council"]) == 0
    assert "merged into organisation" in capsys.readouterr().out
    assert main(["organisation", "list"]) == 0
    listed = capsys.readouterr().out
    (council,) = [line for line in listed.splitlines() if line.endswith(" Cli Council")]
    assert "local-authority,landlord" in council and "L4242" in council
    assert "Cli Twin" not in listed


async def test_migration_0009_keeps_namesakes_apart_and_gives_kinds_as_roles(
    empty_db: str, tmp_path: Path
) -> None:
    directory = tmp_path / "migrations"
    directory.mkdir()
    for path in sorted(migrations_dir().glob("*.sql")):
        if path.name != SCHEMA_FILE and int(path.name[:4]) <= 8:
            shutil.copy(path, directory)
    conn = await asyncpg.connect(empty_db)
    try:
        await migrate(conn, directory)
        await conn.execute("""
            INSERT INTO organisation_kind (code, label) VALUES ('landlord', 'Landlord'),
                ('local-authority', 'Local authority');
            INSERT INTO organisation (id, kind_code, name) VALUES (1, 'local-authority', 'Twin'),
                (2, 'landlord', ' twin '), (3, 'landlord', 'Solo');
        """)
        await migrate(conn, migrations_dir())
        rows = await conn.fetch("SELECT id, name, role_codes FROM organisation ORDER BY id")
        assert [tuple(r) for r in rows] == [
            (1, "Twin", ["local-authority"]),
            (2, " twin  (organisation 2)", ["landlord"]),
            (3, "Solo", ["landlord"]),
        ]
        found = await repo.find_organisation(conn, "TWIN")
        assert [o.id for o in found] == [1]
    finally:
        await conn.close()
