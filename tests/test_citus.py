"""The Citus distribution plan (docs/citus.sql) against the real schema.

Part 1 of the plan (plain PostgreSQL) is applied to a migrated database holding the demo
data, in a transaction rolled back afterwards; the catalog is then checked against what
Citus requires of Part 2's tables: every table is placed (distributed, reference or kept
on the coordinator), every table hanging off a home is distributed by the landlord and
co-located with homes, distribution columns are never NULL, every primary key and unique
index of a distributed table includes its distribution column, foreign keys between
distributed tables are co-located and include it, no reference or coordinator table
points into a distributed one, and every trigger that cannot run on shards is named by a
statement of the plan. Every table a landlord owns (one naming its landlord, and those
hanging off one) is distributed by the landlord with homes too; an estate and a TSM return
of it are added first, so that the keys between them are checked on rows, and the views
that join the landlord's tables give the same rows after Part 1 as before. No API role
may TRUNCATE a table, which the plan relies on when it drops the TRUNCATE guard.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from odx_graph.store.db import Connection
from odx_graph.store.db import Database

PLAN = Path(__file__).resolve().parents[1] / "docs" / "citus.sql"
PART_2 = "-- ==== Part 2"
KEY = "landlord_id"
# A resident token's home is its scope, not its owner: API keys are a reference table
# (read on every request) and the plan drops their foreign key into homes.
NOT_DISTRIBUTED_THOUGH_NAMING_A_HOME = {"api_key"}
# The audit trail records which landlord an event was about; it is distributed by its own
# key (written once, read by event), not the landlord's data.
NOT_CO_LOCATED_THOUGH_NAMING_A_LANDLORD = {"audit_event"}
# Views joining the landlord's tables, compared row for row before and after Part 1.
VIEWS = (
    "estate_home_member",
    "repair_fact_source",
    "repair_planned_replacement",
    "component_planned_item",
    "repair_planned_due_source",
)


@dataclass(frozen=True)
class Plan:
    part_1: str
    distributed: dict[str, str]  # table: distribution column
    group: dict[str, str]  # table: co-location group
    reference: set[str]
    local: set[str]
    dropped_triggers: set[tuple[str, str]]  # (table, trigger)

    def placed(self, table: str) -> str:
        kinds = [
            kind
            for kind, tables in (
                ("distributed", self.distributed),
                ("reference", self.reference),
                ("local", self.local),
            )
            if table in tables
        ]
        assert len(kinds) == 1, f"{table} is placed {kinds or 'nowhere'}"
        return kinds[0]


def read_plan(text: str) -> Plan:
    part_1, marker, part_2 = text.partition(PART_2)
    assert marker, "docs/citus.sql has no Part 2"
    distributed: dict[str, str] = {}
    group: dict[str, str] = {}
    call = re.compile(
        r"create_distributed_table\('(\w+)', '(\w+)'(?:, shard_count => \d+)?"
        r"(?:, colocate_with => '(\w+)')?\)"
    )
    for table, column, colocate in call.findall(part_2):
        assert table not in distributed, f"{table} distributed twice"
        distributed[table] = column
        if colocate == "none":
            group[table] = table
        elif colocate:
            assert colocate in group, f"{table} is co-located with {colocate}, not yet placed"
            group[table] = group[colocate]
        else:
            group[table] = table
    assert len(distributed) == part_2.count("create_distributed_table(")
    reference = re.findall(r"create_reference_table\('(\w+)'\)", part_2)
    local = re.findall(r"citus_add_local_table_to_metadata\('(\w+)'\)", part_2)
    assert len(set(reference)) == len(reference) and len(set(local)) == len(local)
    dropped = {(t, n) for n, t in re.findall(r"DROP TRIGGER (\w+) ON (\w+);", part_2)}
    return Plan(part_1, distributed, group, set(reference), set(local), dropped)


async def _tables(conn: Connection) -> set[str]:
    rows = await conn.fetch(
        "SELECT c.relname FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace "
        "AND c.relkind IN ('r', 'p') AND NOT c.relispartition"
    )
    return {r["relname"] for r in rows}


async def _foreign_keys(conn: Connection) -> list[dict[str, object]]:
    rows = await conn.fetch(
        """
        SELECT k.conname, s.relname AS source, t.relname AS target,
               array(SELECT a.attname FROM unnest(k.conkey) WITH ORDINALITY u(n, i)
                     JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.n
                     ORDER BY u.i) AS source_columns,
               array(SELECT a.attname FROM unnest(k.confkey) WITH ORDINALITY u(n, i)
                     JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.n
                     ORDER BY u.i) AS target_columns
        FROM pg_constraint k
        JOIN pg_class s ON s.oid = k.conrelid
        JOIN pg_class t ON t.oid = k.confrelid
        WHERE k.contype = 'f' AND k.connamespace = 'public'::regnamespace
        """
    )
    return [dict(r) for r in rows]


async def _columns(conn: Connection) -> dict[tuple[str, str], bool]:
    """``(table, column): nullable`` of every table column."""
    rows = await conn.fetch(
        "SELECT table_name, column_name, is_nullable = 'YES' AS nullable "
        "FROM information_schema.columns c JOIN information_schema.tables t "
        "USING (table_schema, table_name) "
        "WHERE table_schema = 'public' AND t.table_type = 'BASE TABLE'"
    )
    return {(r["table_name"], r["column_name"]): r["nullable"] for r in rows}


def hanging_off_a_home(
    foreign_keys: list[dict[str, object]], columns: set[tuple[str, str]]
) -> set[str]:
    """Tables a foreign key path leads from to ``home``, and tables naming a home; a path
    does not go on through a table that only names a home as a scope (API keys)."""
    found = {"home"} | {table for table, column in columns if column == "home_id"}
    while True:
        owners = found - NOT_DISTRIBUTED_THOUGH_NAMING_A_HOME
        more = {str(fk["source"]) for fk in foreign_keys if fk["target"] in owners} - found
        if not more:
            return found
        found |= more


def owned_by_a_landlord(
    foreign_keys: list[dict[str, object]], columns: set[tuple[str, str]]
) -> set[str]:
    """Tables naming their landlord, and tables a foreign key path leads from to one
    (a TSM return of an estate, a planned item of a programme); a token naming a home as
    its scope is not the landlord's."""
    found = {table for table, column in columns if column == KEY}
    found -= NOT_CO_LOCATED_THOUGH_NAMING_A_LANDLORD
    while True:
        more = {str(fk["source"]) for fk in foreign_keys if fk["target"] in found}
        more -= found | NOT_DISTRIBUTED_THOUGH_NAMING_A_HOME
        if not more:
            return found
        found |= more


@dataclass
class Checked:
    plan: Plan
    tables: set[str]
    foreign_keys: list[dict[str, object]]
    columns: dict[tuple[str, str], bool]
    unique_indexes: list[dict[str, object]]
    triggers: set[tuple[str, str]]
    before: set[str]  # tables hanging off a home in the migrated schema
    owned: set[str]  # tables a landlord owns in the migrated schema
    views_before: dict[str, list[tuple[object, ...]]]
    views_after: dict[str, list[tuple[object, ...]]]
    counts_before: dict[str, int]
    counts_after: dict[str, int]
    homes_with_uprn: int
    uprn_index: int
    truncatable: set[str]  # tables an API role may TRUNCATE


COUNTED = ("home", "component", "repair", "repair_line", "repair_status_event", "repair_fact")


async def _counts(conn: Connection) -> dict[str, int]:
    return {t: await conn.fetchval(f"SELECT count(*) FROM {t}") for t in COUNTED}


async def _views(conn: Connection) -> dict[str, list[tuple[object, ...]]]:
    """Each view's rows, in an order that does not depend on the plan."""
    return {
        view: sorted((tuple(r) for r in await conn.fetch(f"SELECT * FROM {view}")), key=repr)
        for view in VIEWS
    }


async def _add_an_estate(conn: Connection) -> None:
    """An estate of the first landlord's first two homes and of one postcode of its, with
    one TSM return for the estate and one for the whole landlord."""
    landlord, estate = await conn.fetchrow(
        """
        WITH h AS (SELECT landlord_id, id, postcode FROM home
                   WHERE landlord_id = (SELECT min(landlord_id) FROM home) ORDER BY id)
        INSERT INTO estate (landlord_id, reference, name, home_ids, postcodes)
        SELECT min(landlord_id), 'E-CITUS', 'Citus test estate',
               (array_agg(id))[1:2], ARRAY[(array_agg(postcode ORDER BY id DESC))[1]]
        FROM h RETURNING landlord_id, id
        """
    )
    await conn.execute(
        """
        INSERT INTO tsm_return (landlord_id, estate_id, financial_year, measure_code,
                                answer_code, respondents)
        SELECT $1, e, 2024, 'TP01', (SELECT min(code) FROM tsm_answer), 7
        FROM unnest(ARRAY[$2, NULL]::bigint[]) AS e
        """,
        landlord,
        estate,
    )


@pytest.fixture(scope="module")
async def checked(module_db: Database) -> AsyncIterator[Checked]:
    plan = read_plan(PLAN.read_text(encoding="utf-8"))
    async with module_db.connection() as conn:
        foreign_keys, columns = await _foreign_keys(conn), set(await _columns(conn))
        before = hanging_off_a_home(foreign_keys, columns)
        owned = owned_by_a_landlord(foreign_keys, columns)
        counts_before = await _counts(conn)
        assert counts_before["repair_line"] > 0, "the plan is tried on real data"
        transaction = conn.transaction()
        await transaction.start()
        try:
            await _add_an_estate(conn)
            views_before = await _views(conn)
            await conn.execute(plan.part_1)
            unique = await conn.fetch(
                """
                SELECT c.relname AS table, i.indexrelid::regclass::text AS index,
                       array(SELECT a.attname FROM unnest(i.indkey) n
                             JOIN pg_attribute a ON a.attrelid = i.indrelid
                             AND a.attnum = n) AS columns
                FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
                WHERE c.relnamespace = 'public'::regnamespace AND i.indisunique
                """
            )
            triggers = await conn.fetch(
                "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c "
                "ON c.oid = t.tgrelid WHERE NOT t.tgisinternal "
                "AND c.relnamespace = 'public'::regnamespace"
            )
            yield Checked(
                plan,
                await _tables(conn),
                await _foreign_keys(conn),
                await _columns(conn),
                [dict(r) for r in unique],
                {(r["relname"], r["tgname"]) for r in triggers},
                before,
                owned,
                views_before,
                await _views(conn),
                counts_before,
                await _counts(conn),
                await conn.fetchval("SELECT count(*) FROM home WHERE uprn IS NOT NULL"),
                await conn.fetchval("SELECT count(*) FROM home_uprn"),
                {
                    r["relname"]
                    for r in await conn.fetch(
                        "SELECT c.relname FROM pg_class c "
                        "WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r' "
                        "AND (has_table_privilege('odx_reader', c.oid, 'TRUNCATE') "
                        "OR has_table_privilege('odx_writer', c.oid, 'TRUNCATE'))"
                    )
                },
            )
        finally:
            await transaction.rollback()


def test_every_table_is_placed_once(checked: Checked) -> None:
    plan = checked.plan
    named = set(plan.distributed) | plan.reference | plan.local
    assert named == checked.tables, (
        f"not placed: {sorted(checked.tables - named)}; "
        f"not tables: {sorted(named - checked.tables)}"
    )
    for table in checked.tables:
        plan.placed(table)


def test_every_table_hanging_off_a_home_is_distributed_by_the_landlord_with_homes(
    checked: Checked,
) -> None:
    plan = checked.plan
    assert plan.distributed["home"] == KEY
    assert {"component", "repair", "repair_line", "damp_mould_case"} <= checked.before
    for table in sorted(checked.before - NOT_DISTRIBUTED_THOUGH_NAMING_A_HOME):
        assert plan.distributed.get(table) == KEY, f"{table} is not distributed by {KEY}"
        assert plan.group[table] == plan.group["home"], f"{table} is not co-located with home"
    for table in NOT_DISTRIBUTED_THOUGH_NAMING_A_HOME:
        assert table in checked.before and table not in plan.distributed


def test_every_table_a_landlord_owns_is_distributed_by_the_landlord_with_homes(
    checked: Checked,
) -> None:
    plan = checked.plan
    new_since_the_plan = {"estate", "tsm_return", "investment_programme", "planned_work"}
    assert new_since_the_plan | {"home", "repair", "damp_mould_case"} <= checked.owned
    for table in sorted(checked.owned):
        assert plan.distributed.get(table) == KEY, f"{table} is not distributed by {KEY}"
        assert plan.group[table] == plan.group["home"], f"{table} is not co-located with home"
    for table in NOT_CO_LOCATED_THOUGH_NAMING_A_LANDLORD:
        assert (table, KEY) in checked.columns and plan.group.get(table) != plan.group["home"]


def test_views_joining_the_landlords_tables_keep_their_rows(checked: Checked) -> None:
    for view in VIEWS:
        assert checked.views_before[view], f"{view} has no rows to compare"
        assert checked.views_after[view] == checked.views_before[view], view


def test_distribution_columns_exist_and_are_never_null(checked: Checked) -> None:
    for table, column in checked.plan.distributed.items():
        assert (table, column) in checked.columns, f"{table}.{column} does not exist"
        assert not checked.columns[(table, column)], f"{table}.{column} may be NULL"


def test_every_unique_index_of_a_distributed_table_includes_its_column(
    checked: Checked,
) -> None:
    blocking = [
        f"{index['index']} on {index['table']}"
        for index in checked.unique_indexes
        if index["table"] in checked.plan.distributed
        and checked.plan.distributed[str(index["table"])] not in index["columns"]  # type: ignore[operator]
    ]
    assert not blocking, f"unique without the distribution column: {blocking}"


def test_foreign_keys_are_ones_citus_can_keep(checked: Checked) -> None:
    plan = checked.plan
    blocking = []
    for fk in checked.foreign_keys:
        source, target = str(fk["source"]), str(fk["target"])
        kinds = plan.placed(source), plan.placed(target)
        if kinds == ("distributed", "distributed"):
            pairs = list(zip(fk["source_columns"], fk["target_columns"], strict=True))  # type: ignore[call-overload]
            if plan.group[source] != plan.group[target] or (
                (plan.distributed[source], plan.distributed[target]) not in pairs
            ):
                blocking.append(fk["conname"])
        elif kinds in (
            ("distributed", "local"),
            ("reference", "distributed"),
            ("reference", "local"),
            ("local", "distributed"),
        ):
            blocking.append(fk["conname"])
    assert not blocking, f"foreign keys Citus cannot keep: {blocking}"


def test_every_trigger_on_a_distributed_or_reference_table_is_dropped_by_the_plan(
    checked: Checked,
) -> None:
    plan = checked.plan
    on_shards = {
        (table, name)
        for table, name in checked.triggers
        if plan.placed(table) in ("distributed", "reference")
    }
    assert on_shards, "the schema's triggers were not found"
    assert on_shards - plan.dropped_triggers == set(), "triggers the plan does not name"
    assert plan.dropped_triggers - on_shards == set(), "the plan drops triggers that are not"


def test_no_api_role_may_truncate_what_the_dropped_guard_protected(checked: Checked) -> None:
    """The plan drops ``refuse_truncate`` from the shards and relies on the API roles
    having no TRUNCATE: checked on every table the guard is on today."""
    guarded = {table for table, name in checked.triggers if name == "refuse_truncate"}
    assert {"home", "repair", "organisation"} <= guarded
    assert not checked.truncatable, sorted(checked.truncatable)


def test_part_1_keeps_every_row_and_indexes_every_uprn(checked: Checked) -> None:
    assert checked.counts_after == checked.counts_before
    assert checked.uprn_index == checked.homes_with_uprn > 0


def test_the_plan_reader_sees_a_table_placed_twice() -> None:
    plan = read_plan(
        "-- ==== Part 2\nSELECT create_reference_table('a');\n"
        "SELECT create_distributed_table('a', 'k');\n"
    )
    with pytest.raises(AssertionError, match="placed"):
        plan.placed("a")
    with pytest.raises(AssertionError, match="not yet placed"):
        read_plan(
            "-- ==== Part 2\nSELECT create_distributed_table('b', 'k', colocate_with => 'c');"
        )
