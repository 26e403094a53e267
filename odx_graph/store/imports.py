"""SQL of imports: look-ups that resolve references, set-based upserts, the import record.

Every function takes a connection inside the importer's transaction. Upserts COPY their
new rows straight in, and stage the others with one COPY to update them in one statement,
so an import of 100,000 rows costs a handful of statements, not 100,000.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Collection
from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from odx_graph.store.bulk import as_arrays
from odx_graph.store.bulk import copy_rows
from odx_graph.store.db import Connection
from odx_graph.store.db import Record
from odx_graph.store.db import quote_ident
from odx_graph.store.organisations import Organisation
from odx_graph.store.organisations import add_role
from odx_graph.store.organisations import create_organisation
from odx_graph.store.organisations import find_organisation
from odx_graph.store.organisations import list_organisations
from odx_graph.store.organisations import organisations_named

__all__ = [
    "Organisation",
    "add_role",
    "create_organisation",
    "find_organisation",
    "list_organisations",
    "organisations_named",
]

# Codes by code-list table, for validation.
CODE_TABLES = (
    "priority",
    "repair_status",
    "trade",
    "component_type",
    "condition",
    "property_type",
    "built_form",
    "tenure",
    "awaab_hazard_level",
    "hhsrs_hazard",
    "hhsrs_category",
    "damp_mould_severity",
    "epc_band",
    "programme_kind",
    "planned_work_status",
    "tsm_answer",
)


# Imports' advisory locks (docs/operations.md, "Imports at the same time"). Every import
# holds IMPORT_LOCK shared and a merge of organisations holds it alone; an import then locks,
# in this order and each in ascending order so no two imports can wait on each other in a
# circle: the organisations whose references it matches on (its own among them), the kinds
# of shared key it may create (shared, or alone for a file of very many), and those keys.
IMPORT_LOCK = 0x0D1_1A4D
ORGANISATION_LOCK_PREFIX = "odx-import-organisation:"  # hashed with the id: its imports' lock
KIND_LOCKS = 0x0D1_1A4F  # first half of the two-key lock of a kind of shared key
KEY_LOCKS = 0x0D1_1A50  # first half of the two-key lock of a shared key (its hash)


@dataclass(slots=True)
class Upserted:
    """What one upsert did: the key of every row given, and which were new or changed."""

    keys: list[int] = field(default_factory=list)
    created: set[int] = field(default_factory=set)
    updated: set[int] = field(default_factory=set)


@dataclass(frozen=True, slots=True)
class KnownHome:
    """A home as another provider's extract would name it."""

    id: int
    uprn: int
    address_line_1: str
    postcode: str
    year_built: int | None
    bedrooms: int | None


async def homes_with_uprn(conn: Connection, *, every: int) -> list[KnownHome]:
    """Every ``every``-th home with a UPRN, in id order."""
    rows = await conn.fetch(
        "SELECT id, uprn, address_line_1, postcode, year_built, bedrooms FROM ("
        "SELECT *, row_number() OVER (ORDER BY id) AS n FROM home WHERE uprn IS NOT NULL) h "
        "WHERE n % $1 = 1 ORDER BY id",
        every,
    )
    return [KnownHome(**dict(r)) for r in rows]


async def code_sets(conn: Connection) -> dict[str, frozenset[str]]:
    """Every code of every code list an import may name, by table."""
    sets = {}
    for table in CODE_TABLES:
        rows = await conn.fetch(f"SELECT code FROM {quote_ident(table)}")
        sets[table] = frozenset(r["code"] for r in rows)
    return sets


async def sor_codes(
    conn: Connection, organisation_id: int
) -> tuple[frozenset[str], frozenset[str]]:
    """The NHF SOR codes, and the organisation's own declared codes."""
    nhf = await conn.fetch("SELECT code FROM sor_code")
    own = await conn.fetch(
        "SELECT code FROM custom_sor_code WHERE organisation_id = $1", organisation_id
    )
    return frozenset(r["code"] for r in nhf), frozenset(r["code"] for r in own)


async def _fetch_for(
    conn: Connection, sql: str, values: Iterable[Any], *args: Any, width: int = 0
) -> list[Record]:
    """The rows ``sql`` returns for ``values`` (looked up or inserted), distinct and sorted,
    bound after ``args`` as one array (or, for tuples of ``width`` values, as an array per
    place); no statement for no values."""
    wanted = sorted(set(values))
    if not wanted:
        return []
    arrays = as_arrays(wanted, width) if width else [wanted]
    rows: list[Record] = await conn.fetch(sql, *args, *arrays)
    return rows


async def keys_by_reference(
    conn: Connection, subject_type: str, organisation_id: int, values: Iterable[str]
) -> dict[str, int]:
    """Subject keys by reference value, for references allocated by ``organisation_id``."""
    rows = await _fetch_for(
        conn,
        "SELECT value, subject_id FROM reference WHERE subject_type = $1 "
        "AND allocated_by_id = $2 AND value = ANY($3::text[])",
        values,
        subject_type,
        organisation_id,
    )
    return {r["value"]: r["subject_id"] for r in rows}


async def homes_by_uprn(
    conn: Connection, uprns: Iterable[int]
) -> dict[int, tuple[int, int | None]]:
    """``uprn -> (home id, landlord id)`` for the UPRNs known."""
    rows = await _fetch_for(
        conn, "SELECT uprn, id, landlord_id FROM home WHERE uprn = ANY($1::bigint[])", uprns
    )
    return {r["uprn"]: (r["id"], r["landlord_id"]) for r in rows}


async def home_landlords(conn: Connection, keys: Iterable[int]) -> dict[int, int | None]:
    """``home id -> landlord id`` for the homes given."""
    rows = await conn.fetch(
        "SELECT id, landlord_id FROM home WHERE id = ANY($1::bigint[])", sorted(set(keys))
    )
    return {r["id"]: r["landlord_id"] for r in rows}


async def homes_by_address(
    conn: Connection, pairs: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], list[int]]:
    """Home ids by ``(postcode, upper-cased first address line)``."""
    rows = await _fetch_for(
        conn,
        "SELECT h.postcode, upper(h.address_line_1) AS line, h.id FROM home h "
        "JOIN unnest($1::text[], $2::text[]) AS w(postcode, line) "
        "ON h.postcode = w.postcode AND upper(h.address_line_1) = w.line ORDER BY h.id",
        pairs,
        width=2,
    )
    found: dict[tuple[str, str], list[int]] = {}
    for r in rows:
        found.setdefault((r["postcode"], r["line"]), []).append(r["id"])
    return found


async def organisations_by_registration(conn: Connection, numbers: Iterable[str]) -> dict[str, int]:
    """Organisation ids by registration number."""
    rows = await _fetch_for(
        conn,
        "SELECT registration_number, id FROM organisation "
        "WHERE registration_number = ANY($1::text[])",
        numbers,
    )
    return {r["registration_number"]: r["id"] for r in rows}


async def epc_keys(conn: Connection, lmk_keys: Iterable[str]) -> dict[str, int]:
    """Certificate ids by register key."""
    rows = await _fetch_for(
        conn,
        "SELECT lmk_key, id FROM energy_performance_certificate WHERE lmk_key = ANY($1::text[])",
        lmk_keys,
    )
    return {r["lmk_key"]: r["id"] for r in rows}


async def lock_imports_shared(conn: Connection) -> None:
    """Take the lock every import holds (shared) until the transaction ends: a merge of
    organisations waits for running imports, and imports wait for a running merge."""
    await conn.execute("SELECT pg_advisory_xact_lock_shared($1)", IMPORT_LOCK)


async def lock_out_imports(conn: Connection) -> None:
    """Take the imports' lock alone until the transaction ends: no import runs meanwhile."""
    await conn.execute("SELECT pg_advisory_xact_lock($1)", IMPORT_LOCK)


async def lock_organisations(conn: Connection, keys: Iterable[int]) -> None:
    """Lock the imports of the organisations given until the transaction ends, in one
    order (every import takes them in that order: no deadlock). An organisation's id is a
    bigint: its lock is a 64-bit hash of it, in the one-key space."""
    await conn.execute(
        "SELECT count(pg_advisory_xact_lock(h)) FROM (SELECT DISTINCT"
        " hashtextextended($1 || k::text, 0) AS h FROM unnest($2::bigint[]) AS u(k)"
        " ORDER BY h) AS s",
        ORGANISATION_LOCK_PREFIX,
        sorted(set(keys)),
    )


async def lock_shared_keys(conn: Connection, kinds: dict[int, bool], keys: Iterable[int]) -> None:
    """Lock kinds of shared key (``kind -> alone``: alone, or shared with other imports)
    in ascending order, then the keys given (their 32-bit hashes) in ascending order, until
    the transaction ends (taken after :func:`lock_organisations`, as every import does)."""
    for kind, alone in sorted(kinds.items()):
        how = "pg_advisory_xact_lock" if alone else "pg_advisory_xact_lock_shared"
        await conn.execute(f"SELECT {how}($1, $2)", KIND_LOCKS, kind)
    await _lock_all(conn, KEY_LOCKS, keys)


async def _lock_all(conn: Connection, space: int, keys: Iterable[int]) -> None:
    wanted = sorted(set(keys))
    if wanted:
        # unnest gives the array's elements in order, and each row's lock is taken in turn.
        await conn.execute(
            "SELECT count(pg_advisory_xact_lock($1, k)) FROM unnest($2::int[]) AS u(k)",
            space,
            wanted,
        )


async def homes_with_landlord(conn: Connection, uprns: Iterable[int]) -> set[int]:
    """The UPRNs given whose home is held and has a landlord (an import cannot create or
    claim it: matching it needs no lock)."""
    rows = await _fetch_for(
        conn,
        "SELECT uprn FROM home WHERE uprn = ANY($1::bigint[]) AND landlord_id IS NOT NULL",
        uprns,
    )
    return {r["uprn"] for r in rows}


async def begin_import(
    conn: Connection,
    *,
    organisation_id: int,
    fmt: str,
    file_name: str,
    file_hash: str,
    media_type: str,
    started_at: dt.datetime,
) -> int:
    """Record an import as started; its counts are filled in by :func:`finish_import`."""
    key: int = await conn.fetchval(
        "INSERT INTO data_import (organisation_id, format, file_name, file_hash, media_type, "
        "started_at, ended_at, records_read, records_created, records_updated, "
        "records_unchanged, records_rejected, problem_count) "
        "VALUES ($1, $2, $3, $4, $5, $6, $6, 0, 0, 0, 0, 0, 0) RETURNING id",
        organisation_id,
        fmt,
        file_name,
        file_hash,
        media_type,
        started_at,
    )
    return key


async def finish_import(
    conn: Connection,
    import_id: int,
    counts: dict[str, int],
    problems: list[dict[str, str]],
    problem_count: int | None = None,
) -> None:
    """Store an import's counts and the problems of the records it left out (``problems``
    may be the first of ``problem_count``)."""
    await conn.execute(
        "UPDATE data_import SET ended_at = clock_timestamp(), records_read = $2, "
        "records_created = $3, records_updated = $4, records_unchanged = $5, "
        "records_rejected = $6, problem_count = $7, problems = $8::jsonb WHERE id = $1",
        import_id,
        counts["read"],
        counts["created"],
        counts["updated"],
        counts["unchanged"],
        counts["rejected"],
        len(problems) if problem_count is None else problem_count,
        json.dumps(problems),
    )


async def next_ids(conn: Connection, table: str, count: int) -> list[int]:
    """Reserve ``count`` new identity values of ``table``."""
    if count == 0:
        return []
    # The sequence is found once: named in each row, it would be looked up for each value.
    rows = await conn.fetch(
        "WITH s AS MATERIALIZED (SELECT pg_get_serial_sequence($1, 'id')::regclass AS seq) "
        "SELECT nextval(s.seq) AS id FROM s, generate_series(1, $2)",
        table,
        count,
    )
    return [r["id"] for r in rows]


async def upsert(
    conn: Connection,
    table: str,
    columns: Sequence[str],
    rows: Sequence[tuple[int | None, Sequence[Any]]],
    import_id: int,
    *,
    keep_when_null: bool = True,
) -> Upserted:
    """Insert rows whose key is ``None`` and update the others where a value changed.

    With ``keep_when_null`` a null value never erases a known one (an empty cell means
    "not stated"; deletions are explicit). Changed and new rows point at ``import_id``.
    """
    result = Upserted()
    if not rows:
        return result
    new_ids = iter(await next_ids(conn, table, sum(1 for key, _ in rows if key is None)))
    new: list[tuple[Any, ...]] = []
    # Several records may name one row (a repair raised and completed in one file): the
    # last one given wins, as if they had been imported one after the other.
    known: dict[int, tuple[Any, ...]] = {}
    for key, values in rows:
        if key is None:
            key = next(new_ids)
            result.created.add(key)
            new.append((key, *values, import_id))
        else:
            known[key] = (key, *values)
        result.keys.append(key)
    # New rows go straight in; only the known ones are staged, to be compared.
    if new:
        await copy_rows(conn, table, ["id", *columns, "import_id"], new)
    if known:
        result.updated = await _update_changed(
            conn, table, columns, known.values(), import_id, keep_when_null
        )
    return result


async def _update_changed(
    conn: Connection,
    table: str,
    columns: Sequence[str],
    rows: Iterable[tuple[Any, ...]],
    import_id: int,
    keep_when_null: bool,
) -> set[int]:
    """Update the rows given as ``(id, *values)`` where a value changed; their ids."""
    stage = quote_ident(f"_stage_{table}")
    cols = [quote_ident(c) for c in columns]
    await conn.execute(
        f"CREATE TEMP TABLE {stage} ON COMMIT DROP AS "
        f"SELECT id, {', '.join(cols)} FROM {quote_ident(table)} WITH NO DATA"
    )
    await copy_rows(conn, f"_stage_{table}", ["id", *columns], rows)
    await conn.execute(f"ANALYZE {stage}")  # a temp table has no statistics otherwise
    merged = [f"coalesce(s.{c}, t.{c})" if keep_when_null else f"s.{c}" for c in cols]
    updated = await conn.fetch(
        f"UPDATE {quote_ident(table)} t SET ({', '.join(cols)}, import_id, updated_at) = "
        f"({', '.join(merged)}, $1, now()) FROM {stage} s "
        f"WHERE t.id = s.id "
        f"AND ({', '.join('t.' + c for c in cols)}) IS DISTINCT FROM ({', '.join(merged)}) "
        "RETURNING t.id",
        import_id,
    )
    await conn.execute(f"DROP TABLE {stage}")
    return {r["id"] for r in updated}


async def add_references(
    conn: Connection,
    subject_type: str,
    organisation_id: int,
    pairs: Iterable[tuple[int, str]],
    description: str | None = None,
    *,
    created: Collection[int] = (),
) -> set[int]:
    """Give subjects the organisation's references; returns the subjects that gained one.

    The references of subjects in ``created`` (made in this transaction) are copied
    straight in: each is a value the organisation holds for no subject of the type, looked
    up first (:func:`keys_by_reference`) under the organisation's import lock, which every
    writer of its references takes. Should one be held after all, the statement fails on
    the reference's unique key (and the import with it) rather than dropping it."""
    items = sorted(set(pairs))
    new = [(subject_type, s, v, organisation_id, description) for s, v in items if s in created]
    if new:
        await copy_rows(
            conn,
            "reference",
            ["subject_type", "subject_id", "value", "allocated_by_id", "description"],
            new,
        )
        items = [(s, v) for s, v in items if s not in created]
    gained = {row[1] for row in new}
    if not items:
        return gained
    rows = await conn.fetch(
        "INSERT INTO reference (subject_type, subject_id, value, allocated_by_id, description) "
        "SELECT $1, s, v, $2, $5 FROM unnest($3::bigint[], $4::text[]) AS u(s, v) "
        "ON CONFLICT (subject_type, allocated_by_id, value) DO NOTHING RETURNING subject_id",
        subject_type,
        organisation_id,
        *as_arrays(items, 2),
        description,
    )
    return gained | {r["subject_id"] for r in rows}


async def add_allocated_references(
    conn: Connection, subject_type: str, triples: Iterable[tuple[int, int, str]]
) -> set[int]:
    """Give subjects references allocated by other organisations, as ``(subject, organisation,
    value)``; returns the subjects that gained one."""
    rows = await _fetch_for(
        conn,
        "INSERT INTO reference (subject_type, subject_id, allocated_by_id, value) "
        "SELECT $1, s, o, v FROM unnest($2::bigint[], $3::bigint[], $4::text[]) AS u(s, o, v) "
        "ON CONFLICT (subject_type, allocated_by_id, value) DO NOTHING RETURNING subject_id",
        triples,
        subject_type,
        width=3,
    )
    return {r["subject_id"] for r in rows}


async def keys_by_allocated_reference(
    conn: Connection, subject_type: str, pairs: Iterable[tuple[int, str]]
) -> dict[tuple[int, str], int]:
    """Subject keys by ``(allocating organisation, value)``."""
    rows = await _fetch_for(
        conn,
        "SELECT r.allocated_by_id, r.value, r.subject_id FROM reference r "
        "JOIN unnest($2::bigint[], $3::text[]) AS u(o, v) ON r.allocated_by_id = u.o "
        "AND r.value = u.v WHERE r.subject_type = $1",
        pairs,
        subject_type,
        width=2,
    )
    return {(r["allocated_by_id"], r["value"]): r["subject_id"] for r in rows}


async def assert_home_facts(
    conn: Connection,
    organisation_id: int,
    import_id: int,
    asserted_at: dt.datetime,
    facts: Sequence[tuple[int, str, str]],
) -> set[int]:
    """Record ``(home id, property, value)`` statements by the organisation; returns the
    homes whose statements changed."""
    if not facts:
        return set()
    rows = await conn.fetch(
        "INSERT INTO home_assertion (home_id, organisation_id, import_id, property, value, "
        "asserted_at) SELECT h, $1, $2, p, v, $3 "
        "FROM unnest($4::bigint[], $5::text[], $6::text[]) AS u(h, p, v) "
        "ON CONFLICT (home_id, organisation_id, property) DO UPDATE "
        "SET value = EXCLUDED.value, import_id = EXCLUDED.import_id, "
        "asserted_at = EXCLUDED.asserted_at "
        "WHERE home_assertion.value IS DISTINCT FROM EXCLUDED.value RETURNING home_id",
        organisation_id,
        import_id,
        asserted_at,
        *as_arrays(facts, 3),
    )
    return {r["home_id"] for r in rows}


async def set_missing_landlord(
    conn: Connection, organisation_id: int, homes: Sequence[int]
) -> None:
    """Make the organisation the landlord of those homes that have none."""
    await conn.execute(
        "UPDATE home SET landlord_id = $1 WHERE id = ANY($2::bigint[]) AND landlord_id IS NULL",
        organisation_id,
        list(homes),
    )


async def upsert_custom_sor_codes(
    conn: Connection,
    organisation_id: int,
    import_id: int,
    codes: Sequence[tuple[str, str | None]],
) -> tuple[int, int]:
    """Declare an organisation's own SOR codes; returns ``(created, updated)``."""
    if not codes:
        return 0, 0
    rows = await conn.fetch(
        "INSERT INTO custom_sor_code (organisation_id, code, description, import_id) "
        "SELECT $1, c, d, $2 FROM unnest($3::text[], $4::text[]) AS u(c, d) "
        "ON CONFLICT (organisation_id, code) DO UPDATE "
        "SET description = coalesce(EXCLUDED.description, custom_sor_code.description), "
        "import_id = EXCLUDED.import_id "
        "WHERE custom_sor_code.description IS DISTINCT FROM "
        "coalesce(EXCLUDED.description, custom_sor_code.description) "
        "RETURNING (xmax = 0) AS created",
        organisation_id,
        import_id,
        *as_arrays(codes, 2),
    )
    created = sum(1 for r in rows if r["created"])
    return created, len(rows) - created
