"""The Citus distribution plan (docs/citus.sql) against the real schema.

Part 1 of the plan (plain PostgreSQL) is applied to a migrated database holding the demo
data, in a transaction rolled back afterwards; the catalog is then checked against what
Citus requires of Part 2's tables: every table is placed (distributed, reference or kept
on the coordinator), every table hanging off a home is distributed by the landlord and
co-located with homes, distribution columns are never NULL, every primary key and unique
index of a distributed table includes its distribution column, foreign keys between
distributed tables are co-located and include it, no reference or coordinator table
points into a distributed one, and every trigger that cannot run on shards is named by a
statement of the plan.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from odx_graph.store.db import Connection, Database

PLAN = Path(__file__).resolve().parents[1] / "docs" / "citus.sql"
PART_2 = "-- ==== Part 2"
KEY = "landlord_id"
# A resident token's home is its scope, not its owner: API keys are a reference table
# (read on every request) and the plan drops their foreign key into homes.
NOT_DISTRIBUTED_THOUGH_NAMING_A_HOME = {"api_key"}


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
        "AND c.relkind IN ('r', 'p')"
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


@dataclass
class Checked:
    plan: Plan
    tables: set[str]
    foreign_keys: list[dict[str, object]]
    columns: dict[tuple[str, str], bool]
    unique_indexes: list[dict[str, object]]
    triggers: set[tuple[str, str]]
    before: set[str]  # tables hanging off a home in the migrated schema
    counts_before: dict[str, int]
    counts_after: dict[str, int]
    homes_with_uprn: int
    uprn_index: int


COUNTED = ("home", "component", "repair", "repair_line", "repair_status_event", "repair_fact")


async def _counts(conn: Connection) -> dict[str, int]:
    return {t: await conn.fetchval(f"SELECT count(*) FROM {t}") for t in COUNTED}


@pytest.fixture(scope="module")
async def checked(module_db: Database) -> AsyncIterator[Checked]:
    plan = read_plan(PLAN.read_text(encoding="utf-8"))
    async with module_db.connection() as conn:
        before = hanging_off_a_home(await _foreign_keys(conn), set(await _columns(conn)))
        counts_before = await _counts(conn)
        assert counts_before["repair_line"] > 0, "the plan is tried on real data"
        transaction = conn.transaction()
        await transaction.start()
        try:
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
                counts_before,
                await _counts(conn),
                await conn.fetchval("SELECT count(*) FROM home WHERE uprn IS NOT NULL"),
                await conn.fetchval("SELECT count(*) FROM home_uprn"),
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
