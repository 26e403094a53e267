"""SQL of organisations: finding, registering, changing and merging them.

A name names one organisation (case and surrounding spaces aside; migration 0009), an
organisation plays one or more roles (``role_codes``; ``kind_code`` is the main one), and
merging one organisation into another moves everything that points at it. Merging works
from the catalogue's foreign keys, so tables added later are moved too.
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field

import asyncpg

from odx_graph.core.errors import InputError
from odx_graph.store.db import Connection
from odx_graph.store.db import quote_ident

# Record tables that references (HACT style) and audit events can name, by subject type.
SUBJECT_TABLES = ("organisation", "building", "home", "component", "repair", "damp_mould_case")
# When two organisations' references name two records as one, those records are merged,
# parents before children: a repair's home is settled before the repair.
_MERGE_ORDER = ("organisation", "building", "home", "component", "repair", "damp_mould_case")


@dataclass(slots=True)
class Organisation:
    """An organisation as imports and the command line see it."""

    id: int
    name: str
    kind: str  # the main role
    registration_number: str | None = None
    roles: tuple[str, ...] = ()

    def plays(self, role: str) -> bool:
        """Whether the organisation has ``role`` (a kind code) among its roles."""
        return role in self.roles or role == self.kind


def _organisation(row: asyncpg.Record) -> Organisation:
    return Organisation(
        row["id"],
        row["name"],
        row["kind_code"],
        row["registration_number"],
        tuple(row["role_codes"] or (row["kind_code"],)),
    )


_COLUMNS = "id, name, kind_code, registration_number, role_codes"


async def find_organisation(conn: Connection, name_or_key: str) -> list[Organisation]:
    """Organisations matching a numeric id, a registration number or a name (any case)."""
    rows = await conn.fetch(
        f"SELECT {_COLUMNS} FROM organisation WHERE id::text = $1 "
        "OR registration_number = $1 OR lower(btrim(name)) = lower($1) ORDER BY id",
        name_or_key.strip(),
    )
    return [_organisation(r) for r in rows]


async def organisations_named(
    conn: Connection, names: Iterable[str], *, names_only: bool = False
) -> dict[str, Organisation]:
    """Organisations by the names, registration numbers or ids given (only names with
    ``names_only``), keyed by the lower-cased, stripped text; a text matching several
    organisations is left out."""
    wanted = sorted({n.strip().lower() for n in names if n.strip()})
    if not wanted:
        return {}
    by_key = "" if names_only else "o.id::text = w.key OR lower(o.registration_number) = w.key OR "
    rows = await conn.fetch(
        "SELECT w.key, o.id, o.name, o.kind_code, o.registration_number, o.role_codes "
        f"FROM unnest($1::text[]) AS w(key) JOIN organisation o ON {by_key}"
        "lower(btrim(o.name)) = w.key",
        wanted,
    )
    found: dict[str, list[Organisation]] = {}
    for r in rows:
        found.setdefault(r["key"], []).append(_organisation(r))
    return {key: orgs[0] for key, orgs in found.items() if len({o.id for o in orgs}) == 1}


async def list_organisations(conn: Connection) -> list[Organisation]:
    """Every organisation, oldest first."""
    rows = await conn.fetch(f"SELECT {_COLUMNS} FROM organisation ORDER BY id")
    return [_organisation(r) for r in rows]


async def get_organisation(
    conn: Connection, key: int, *, lock: bool = False
) -> Organisation | None:
    """The organisation with id ``key``, locked for update when asked."""
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM organisation WHERE id = $1" + (" FOR UPDATE" if lock else ""),
        key,
    )
    return None if row is None else _organisation(row)


async def role_codes(conn: Connection) -> frozenset[str]:
    """The roles (organisation kind codes) there are."""
    rows = await conn.fetch("SELECT code FROM organisation_kind")
    return frozenset(r["code"] for r in rows)


def _unique_violation(
    exc: asyncpg.UniqueViolationError, name: str, number: str | None
) -> InputError:
    if exc.constraint_name == "organisation_name_key":
        return InputError(
            f"an organisation named {name!r} exists already (names are unique, in any case); "
            "use it, or merge the two with: odx-graph organisation merge",
            field="name",
        )
    return InputError(
        f"an organisation with registration number {number!r} exists already",
        field="registration",
    )


async def create_organisation(
    conn: Connection,
    name: str,
    kind: str,
    registration_number: str | None,
    roles: Sequence[str] = (),
) -> int:
    """Insert an organisation whose main role is ``kind``; returns its id."""
    name = name.strip()
    if not name:
        raise InputError("an organisation needs a name", field="name")
    try:
        key: int = await conn.fetchval(
            "INSERT INTO organisation (kind_code, name, registration_number, role_codes) "
            "VALUES ($1, $2, $3, $4::text[]) RETURNING id",
            kind,
            name,
            registration_number,
            list(dict.fromkeys([kind, *roles])),
        )
    except asyncpg.UniqueViolationError as exc:
        raise _unique_violation(exc, name, registration_number) from None
    return key


async def update_organisation(
    conn: Connection,
    key: int,
    *,
    name: str,
    kind: str,
    roles: Sequence[str],
    registration_number: str | None,
    website: str | None,
) -> None:
    """Write an organisation's name, roles, registration number and website."""
    try:
        await conn.execute(
            "UPDATE organisation SET name = $2, kind_code = $3, role_codes = $4::text[], "
            "registration_number = $5, website = $6, updated_at = now() WHERE id = $1 AND "
            "(name, kind_code, role_codes, registration_number, website) IS DISTINCT FROM "
            "($2, $3, $4::text[], $5, $6)",
            key,
            name,
            kind,
            list(roles),
            registration_number,
            website,
        )
    except asyncpg.UniqueViolationError as exc:
        raise _unique_violation(exc, name, registration_number) from None


async def add_role(conn: Connection, keys: Sequence[int], role: str) -> None:
    """Give the organisations ``role`` when they do not have it yet."""
    if keys:
        await conn.execute(
            "UPDATE organisation SET role_codes = role_codes || $2::text, updated_at = now() "
            "WHERE id = ANY($1::bigint[]) AND NOT $2 = ANY (role_codes)",
            sorted(set(keys)),
            role,
        )


async def role_holdings(conn: Connection, key: int) -> dict[str, int]:
    """How many records an organisation holds in each role: homes and repairs as landlord,
    jobs as contractor."""
    row = await conn.fetchrow(
        "SELECT (SELECT count(*) FROM home WHERE landlord_id = $1) "
        "+ (SELECT count(*) FROM repair WHERE landlord_id = $1) "
        "+ (SELECT count(*) FROM damp_mould_case WHERE landlord_id = $1) AS landlord, "
        "(SELECT count(*) FROM repair WHERE contractor_id = $1) AS contractor",
        key,
    )
    return {"landlord": int(row["landlord"]), "contractor": int(row["contractor"])}


# -- merging ---------------------------------------------------------------------------


# A foreign key pointing at a table: (table, column, other columns of its unique keys).
UniqueKey = tuple[list[str], bool]  # the other columns; whether nulls count as equal
Pointer = tuple[str, str, list[UniqueKey]]


@dataclass(slots=True)
class Merged:
    """What a merge did: the records merged into others, by subject type, and the
    repairs whose status must be worked out again."""

    records: dict[str, int] = field(default_factory=dict)
    repairs: set[int] = field(default_factory=set)
    plans: dict[str, list[Pointer]] = field(default_factory=dict)  # catalogue, read once

    def count(self, subject_type: str) -> None:
        """Note one record of ``subject_type`` merged into another."""
        self.records[subject_type] = self.records.get(subject_type, 0) + 1


async def _foreign_keys(conn: Connection, table: str) -> list[tuple[str, str]]:
    """``(table, column)`` of every single-column foreign key pointing at ``table``."""
    rows = await conn.fetch(
        "SELECT c.conrelid::regclass::text AS tbl, a.attname AS col FROM pg_constraint c "
        "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] "
        "WHERE c.contype = 'f' AND c.confrelid = $1::regclass "
        "AND cardinality(c.conkey) = 1 ORDER BY 1, 2",
        table,
    )
    return [(r["tbl"], r["col"]) for r in rows]


async def _unique_keys(conn: Connection, table: str, column: str) -> list[UniqueKey]:
    """The other columns of each unique index of ``table`` that includes ``column``
    (indexes on expressions or with a predicate are left out), and whether the index
    takes nulls as equal (``NULLS NOT DISTINCT``)."""
    rows = await conn.fetch(
        "SELECT array_agg(a.attname::text ORDER BY k.ord) AS cols, "
        "bool_or(i.indnullsnotdistinct) AS nulls_equal FROM pg_index i "
        "CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord) "
        "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum "
        "WHERE i.indrelid = $1::regclass AND i.indisunique AND i.indpred IS NULL "
        "AND i.indexprs IS NULL GROUP BY i.indexrelid",
        table,
    )
    keys = []
    for r in rows:
        cols = list(r["cols"])
        if column in cols:
            keys.append(([c for c in cols if c != column], bool(r["nulls_equal"])))
    return keys


async def _plan(conn: Connection, table: str, merged: Merged) -> list[Pointer]:
    """The foreign keys pointing at ``table``, each with the other columns of the unique
    keys that include it: read from the catalogue once per table and merge."""
    if table not in merged.plans:
        merged.plans[table] = [
            (referencing, column, await _unique_keys(conn, referencing, column))
            for referencing, column in await _foreign_keys(conn, table)
        ]
    return merged.plans[table]


async def _repoint(conn: Connection, table: str, dup: int, keep: int, merged: Merged) -> None:
    """Point every foreign key at row ``dup`` of ``table`` to ``keep`` instead. Where
    both rows have a row that must be unique (an assertion of the same fact, a declared
    code), ``keep``'s is kept and ``dup``'s dropped."""
    for referencing, column, unique_keys in await _plan(conn, table, merged):
        ref, col = quote_ident(referencing), quote_ident(column)
        for others, nulls_equal in unique_keys:
            equal = "IS NOT DISTINCT FROM" if nulls_equal else "="
            same = " AND ".join(f"k.{quote_ident(c)} {equal} d.{quote_ident(c)}" for c in others)
            await conn.execute(
                f"DELETE FROM {ref} d WHERE d.{col} = $1 AND EXISTS (SELECT 1 FROM {ref} k "
                f"WHERE k.{col} = $2{' AND ' + same if same else ''})",
                dup,
                keep,
            )
        await conn.execute(f"UPDATE {ref} SET {col} = $2 WHERE {col} = $1", dup, keep)


async def _fill_from(conn: Connection, table: str, dup: int, keep: int) -> None:
    """Delete row ``dup`` of ``table`` after filling ``keep``'s empty values from it
    (arrays are joined): merging never loses a known value."""
    t = quote_ident(table)
    copy: str | None = await conn.fetchval(
        f"SELECT to_jsonb(d)::text FROM {t} d WHERE id = $1", dup
    )
    if copy is None:
        return
    await conn.execute(f"DELETE FROM {t} WHERE id = $1", dup)
    columns = await conn.fetch(
        "SELECT attname::text AS name, format_type(atttypid, atttypmod) AS type, "
        "attndims > 0 OR format_type(atttypid, atttypmod) LIKE '%[]' AS is_array "
        "FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped "
        "AND attgenerated = '' AND attname NOT IN ('id', 'created_at', 'updated_at') "
        "ORDER BY attnum",
        table,
    )
    sets = []
    for c in columns:
        col = quote_ident(c["name"])
        other = f"d.{col}"
        if c["is_array"]:
            sets.append(
                f"{col} = ARRAY(SELECT DISTINCT x FROM unnest(t.{col} || {other}) AS x ORDER BY x)"
                if c["name"] != "role_codes"
                else f"{col} = t.{col} || ARRAY(SELECT x FROM unnest({other}) AS x "
                f"WHERE NOT x = ANY (t.{col}))"
            )
        else:
            sets.append(f"{col} = coalesce(t.{col}, {other})")
    await conn.execute(
        f"UPDATE {t} AS t SET {', '.join(sets)}, updated_at = now() "
        f"FROM jsonb_populate_record(NULL::{t}, $2::jsonb) AS d WHERE t.id = $1",
        keep,
        copy,
    )


async def _merge_record(
    conn: Connection, subject_type: str, dup: int, keep: int, merged: Merged
) -> None:
    """Merge record ``dup`` into ``keep`` (both of ``subject_type``)."""
    if subject_type == "home":
        uprns = await conn.fetch(
            "SELECT id, uprn FROM home WHERE id = ANY($1::bigint[])", [dup, keep]
        )
        known = {r["uprn"] for r in uprns if r["uprn"] is not None}
        if len(known) > 1:
            raise InputError(
                f"homes {keep} and {dup} share a reference but have different UPRNs "
                f"({', '.join(str(u) for u in sorted(known))}); they are not one home, so "
                "the organisations cannot be merged until one of those references is fixed",
                field="from",
            )
    if subject_type == "repair":
        # The survivor's lines stand when it has any; else the other's move over.
        await conn.execute(
            "DELETE FROM repair_line WHERE repair_id = $1 AND EXISTS "
            "(SELECT 1 FROM repair_line WHERE repair_id = $2)",
            dup,
            keep,
        )
        merged.repairs.add(keep)
        merged.repairs.discard(dup)
    if subject_type == "organisation":
        await merge_organisations(conn, dup, keep, merged)
        return
    await _repoint(conn, subject_type, dup, keep, merged)
    await _repoint_subject(conn, subject_type, dup, keep)
    if subject_type in _ESTATE_MEMBERS:
        await _relist_member(conn, _ESTATE_MEMBERS[subject_type], dup, keep)
    await _fill_from(conn, subject_type, dup, keep)
    if subject_type == "repair":
        await conn.execute(
            "DELETE FROM repair_status_event e USING repair_status_event f "
            "WHERE e.repair_id = $1 AND f.repair_id = $1 AND e.status_code = f.status_code "
            "AND e.occurred_at = f.occurred_at AND e.id > f.id",
            keep,
        )
    merged.count(subject_type)


# The estate columns listing members of a subject type by key (arrays, not foreign keys).
_ESTATE_MEMBERS = {"home": "home_ids", "building": "building_ids"}


async def _relist_member(conn: Connection, column: str, dup: int, keep: int) -> None:
    """Estates listing member ``dup`` list ``keep`` instead (once)."""
    col = quote_ident(column)
    await conn.execute(
        f"UPDATE estate SET {col} = ARRAY(SELECT DISTINCT x FROM unnest(array_replace({col}, "
        f"$1::bigint, $2::bigint)) AS x ORDER BY x), updated_at = now() WHERE $1 = ANY ({col})",
        dup,
        keep,
    )


async def _merge_estates(conn: Connection, dup: int, keep: int, merged: Merged) -> None:
    """Each estate of landlord ``dup`` with the reference of one of ``keep``'s becomes
    that one: its members (homes, buildings, postcodes) join the kept estate's, and its
    returns move over where the kept estate has no count of the same answer."""
    twins = await conn.fetch(
        "SELECT d.id AS dup, k.id AS keep FROM estate d JOIN estate k "
        "ON k.landlord_id = $2 AND k.reference = d.reference WHERE d.landlord_id = $1 "
        "ORDER BY d.id",
        dup,
        keep,
    )
    for twin in twins:
        await _merge_record(conn, "estate", twin["dup"], twin["keep"], merged)


async def _repoint_subject(conn: Connection, subject_type: str, dup: int, keep: int) -> None:
    """Move the references and audit events about ``dup`` to ``keep``."""
    for table in ("reference", "audit_event"):
        await conn.execute(
            f"UPDATE {table} SET subject_id = $3 WHERE subject_type = $1 AND subject_id = $2",
            subject_type,
            dup,
            keep,
        )


async def merge_organisations(conn: Connection, dup: int, keep: int, merged: Merged) -> None:
    """Merge organisation ``dup`` into ``keep``: records both know by the same reference
    become one, then everything pointing at ``dup`` points at ``keep`` and ``dup`` goes.
    Runs in the caller's transaction; raises :class:`InputError` when two records that
    would have to become one cannot be (two homes with different UPRNs)."""
    if dup == keep:
        return
    parent: dict[tuple[str, int], int] = {}

    def find(subject_type: str, key: int) -> int:
        while (subject_type, key) in parent:
            key = parent[(subject_type, key)]
        return key

    collisions = await conn.fetch(
        "SELECT d.subject_type, d.subject_id AS dup, k.subject_id AS keep FROM reference d "
        "JOIN reference k ON k.subject_type = d.subject_type AND k.value = d.value "
        "AND k.allocated_by_id = $2 WHERE d.allocated_by_id = $1 AND d.subject_id <> k.subject_id",
        dup,
        keep,
    )
    for subject_type in _MERGE_ORDER:
        for row in collisions:
            if row["subject_type"] != subject_type:
                continue
            a, b = find(subject_type, row["dup"]), find(subject_type, row["keep"])
            if subject_type == "organisation" and {a, b} & {dup, keep}:
                continue  # one of the two being merged: settled below
            if a != b:
                parent[(subject_type, max(a, b))] = min(a, b)
                await _merge_record(conn, subject_type, max(a, b), min(a, b), merged)
    # The references both allocated now name the same records: keep one of each.
    await conn.execute(
        "DELETE FROM reference d USING reference k WHERE d.allocated_by_id = $1 "
        "AND k.allocated_by_id = $2 AND k.subject_type = d.subject_type AND k.value = d.value",
        dup,
        keep,
    )
    merged.repairs.update(
        r["id"]
        for r in await conn.fetch(
            "SELECT id FROM repair WHERE landlord_id = $1 OR contractor_id = $1", dup
        )
    )
    await _merge_estates(conn, dup, keep, merged)
    await _repoint(conn, "organisation", dup, keep, merged)
    await _repoint_subject(conn, "organisation", dup, keep)
    await _fill_from(conn, "organisation", dup, keep)
    merged.count("organisation")
