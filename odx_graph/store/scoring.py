"""Scores worked out where the features are: a scorecard applied to every home or
component in one ``INSERT ... SELECT``.

Scoring 100,000 homes' components read 868,547 rows of features into Python, binned
them, built a tuple a row and copied them back: most of the time went to moving and
encoding rows. Here the features statement feeds the scorecard's bins and points
directly, with the same rules as ``services.prediction.scorecard`` (a numeric feature's
bin is 1 + the number of edges at or below its value, a category's its place in the
list, 0 when missing, the one after the last for any other value), so nothing crosses
the connection but the scorecard.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg

from odx_graph.core.errors import ConflictError
from odx_graph.store.db import Connection
from odx_graph.store.db import Database
from odx_graph.store.features import feature_query

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
WORK_MEM = "256MB"
# How long a swap waits for the score table at a time, how often, and the pause between.
SWAP_WAIT_MS = 2000
SWAP_TRIES = 15
SWAP_PAUSE_SECONDS = 1.0
_TABLES = {"damp-mould": "home_damp_risk", "component-failure": "component_failure_risk"}
# A score table's indexes: a partition attached to it must have each (plain columns only),
# named here by what follows the table's name in the index's.
_INDEXES = """
SELECT i.indisprimary AS is_primary, i.indisunique AS is_unique,
       i.indexprs IS NULL AND i.indpred IS NULL AND i.indnkeyatts = i.indnatts AS plain,
       CASE WHEN i.indisprimary THEN '_pkey'
            ELSE substr(c.relname, length($1) + 1) END AS suffix,
       array(SELECT quote_ident(a.attname)
             FROM unnest(i.indkey) WITH ORDINALITY k(n, o)
             JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.n
             ORDER BY k.o) AS columns
FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
WHERE i.indrelid = $1::regclass
ORDER BY c.relname
"""


@dataclass(frozen=True, slots=True)
class BinnedFeature:
    """A scorecard's feature as the database bins it: the column it reads, its edges
    (numeric) or categories, and the points of each of its bins in tenths."""

    name: str
    edges: tuple[float, ...]
    categories: tuple[str, ...]
    tenths: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class ScoringCard:
    """What scoring needs of a model: its features, baseline (tenths) and how many points
    make one unit of log-odds."""

    features: tuple[BinnedFeature, ...]
    baseline_tenths: int
    points_per_log_odds: float


def _bin_sql(feature: BinnedFeature, param: str) -> str:
    column = f"f.{feature.name}"
    if feature.edges:
        return (
            f"CASE WHEN {column} IS NULL OR {column}::float8 = 'NaN'::float8 THEN 0 "
            f"ELSE 1 + width_bucket({column}::float8, {param}::float8[]) END"
        )
    other = len(feature.categories) + 1
    return (
        f"CASE WHEN {column} IS NULL THEN 0 "
        f"ELSE coalesce(array_position({param}::text[], {column}::text), {other}) END"
    )


async def score_in_database(
    db: Database,
    kind: str,
    model_id: int,
    as_of: dt.date,
    card: ScoringCard,
    costs: Mapping[str, tuple[float, float]] | None = None,
) -> int:
    """Replace model ``model_id``'s scores with every home's (``damp-mould``) or
    component's (``component-failure``) as of ``as_of``, worked out in one statement;
    a component's expected emergency repairs and cost use ``costs`` (its type's share of
    emergencies and mean cost). Returns how many were written."""
    model_id = int(model_id)
    table = _TABLES[kind]
    partition, staged = f"{table}_m{model_id}", f"{table}_m{model_id}_next"
    # No outcomes (the same day twice) and no order: the rows go straight into the table.
    sql, params = feature_query(kind, as_of, as_of, ordered=False)

    def param(value: object) -> str:
        params.append(value)
        return f"${len(params)}"

    bins, points = [], [str(card.baseline_tenths)]
    for j, feature in enumerate(card.features):
        if not _NAME.match(feature.name):
            raise ValueError(f"not a feature column: {feature.name!r}")
        given = list(feature.edges) if feature.edges else list(feature.categories)
        bins.append(f"{_bin_sql(feature, param(given))} AS b{j}")
        points.append(f"({param(list(feature.tenths))}::int[])[b{j} + 1]")
    # One byte a feature, set in a zeroed bytea of the right length.
    packed = f"'\\x{'00' * len(card.features)}'::bytea"
    for j in range(len(card.features)):
        packed = f"set_byte({packed}, {j}, b{j})"
    scale = param(card.points_per_log_odds)
    model, day = param(model_id), param(as_of)
    tail = f"s.landlord_id, {day}::date, s.p, s.tenths / 10.0, {packed}"
    if kind == "damp-mould":
        columns = "model_id, home_id, landlord_id, as_of, probability, points, bins"
        chosen = f"SELECT {model}::bigint, s.id, {tail} FROM s"
    else:
        codes = list(costs or {})
        shares = [costs[c][0] for c in codes] if costs else []
        means = [costs[c][1] for c in codes] if costs else []
        columns = (
            "model_id, component_id, home_id, building_id, landlord_id, as_of, probability, "
            "points, bins, expected_emergency, expected_cost"
        )
        chosen = f"""
            SELECT {model}::bigint, s.id, s.home_id, s.building_id, {tail},
                   s.p * coalesce(k.share, 0), round((s.p * coalesce(k.mean, 0))::numeric, 2)
            FROM s
            LEFT JOIN unnest({param(codes)}::text[], {param(shares)}::float8[],
                             {param(means)}::float8[]) AS k(code, share, mean)
                   ON k.code = s.code"""
    statement = f"""
        WITH f AS ({sql}),
        b AS (SELECT f.*, {", ".join(bins) or "0 AS b0"} FROM f),
        t AS (SELECT b.*, {" + ".join(points)} AS tenths FROM b),
        s AS (SELECT t.*, 1.0 / (1.0 + exp(-(t.tenths::float8 / 10.0) / {scale}::float8)) AS p
              FROM t)
        INSERT INTO {staged} ({columns})
        {chosen}
    """
    async with db.connection() as conn:
        # One scoring of a table at a time (two swapping partitions of one table would
        # each wait for the other's lock on it), held across the transactions below.
        await conn.execute("SELECT pg_advisory_lock(hashtextextended($1, 0))", table)
        try:
            # The new scores go into a table of their own, made and committed first so
            # that the long insert holds no lock on the score table; a check that proves
            # the partition's bound makes attaching it read nothing.
            await conn.execute(f"DROP TABLE IF EXISTS {staged}")  # a stopped scoring's
            await conn.execute(
                f"CREATE TABLE {staged} (LIKE {table} INCLUDING DEFAULTS INCLUDING "
                f"CONSTRAINTS, CONSTRAINT {staged}_model CHECK (model_id = {model_id}))"
            )
            try:
                written = await _fill_and_swap(
                    conn, table, staged, partition, model_id, statement, params
                )
            finally:
                await conn.execute(f"DROP TABLE IF EXISTS {staged}")  # unless swapped in
        finally:
            await conn.execute("SELECT pg_advisory_unlock(hashtextextended($1, 0))", table)
    return written


async def _fill_and_swap(
    conn: Connection,
    table: str,
    staged: str,
    partition: str,
    model_id: int,
    statement: str,
    params: list[object],
) -> int:
    """Fill ``staged`` with the model's scores, index it and swap it in for the model's
    partition of ``table``, in one transaction; 0 when the model is not there."""
    async with conn.transaction():
        # Scores have no per-row key to their model (migration 0029): the model is
        # checked once, and held so that it cannot be deleted before the swap commits.
        held = "SELECT id FROM prediction_model WHERE id = $1 FOR KEY SHARE"
        if await conn.fetchval(held, model_id) is None:
            return 0
        # Room to sort and hash every row in memory: this one statement reads them all.
        await conn.execute(f"SET LOCAL work_mem = '{WORK_MEM}'")
        await conn.execute(f"SET LOCAL maintenance_work_mem = '{WORK_MEM}'")
        status = await conn.execute(statement, *params)
        # The table's indexes, each built once by sorting, and the planner's statistics.
        built = []
        for index in await conn.fetch(_INDEXES, table):
            if not index["plain"]:
                raise ValueError(f"{table} has an index scoring cannot copy: {index['suffix']}")
            name = f"{staged}{index['suffix']}"
            columns = ", ".join(index["columns"])
            if index["is_primary"]:
                await conn.execute(
                    f"ALTER TABLE {staged} ADD CONSTRAINT {name} PRIMARY KEY ({columns})"
                )
            else:
                unique = "UNIQUE " if index["is_unique"] else ""
                await conn.execute(f"CREATE {unique}INDEX {name} ON {staged} ({columns})")
            built.append(index["suffix"])
        await conn.execute(f"ANALYZE {staged}")
        # The swap takes the score table for itself, briefly: readers wait for it, and it
        # waits for them. Lest it hold up every reader behind a long one (a backup), it
        # waits SWAP_WAIT at a time, letting the readers on in between, and gives up
        # after SWAP_TRIES, leaving the earlier scores.
        for attempt in range(1, SWAP_TRIES + 1):
            try:
                async with conn.transaction():
                    await conn.execute(f"SET LOCAL lock_timeout = '{SWAP_WAIT_MS}ms'")
                    await conn.execute(f"DROP TABLE IF EXISTS {partition}")
                    await conn.execute(
                        f"ALTER TABLE {table} ATTACH PARTITION {staged} FOR VALUES IN ({model_id})"
                    )
                break
            except asyncpg.LockNotAvailableError:
                if attempt == SWAP_TRIES:
                    raise ConflictError(
                        f"{table} stayed in use (a backup, or a long query) for "
                        f"{SWAP_TRIES} tries: the earlier scores are kept; score again later"
                    ) from None
                await asyncio.sleep(SWAP_PAUSE_SECONDS)
        await conn.execute(f"ALTER TABLE {staged} DROP CONSTRAINT {staged}_model")
        await conn.execute(f"ALTER TABLE {staged} RENAME TO {partition}")
        for suffix in built:
            await conn.execute(f"ALTER INDEX {staged}{suffix} RENAME TO {partition}{suffix}")
        await conn.execute(f"REVOKE ALL ON {partition} FROM odx_reader")
        await conn.execute("SELECT move_data_version()")
    return int(str(status).rsplit(" ", 1)[-1])


def scoring_card(
    features: Sequence[tuple[str, Sequence[float], Sequence[str], Sequence[int]]],
    baseline_tenths: int,
    points_per_log_odds: float,
) -> ScoringCard:
    """A :class:`ScoringCard` from ``(name, edges, categories, tenths)`` per feature."""
    return ScoringCard(
        tuple(
            BinnedFeature(name, tuple(edges), tuple(categories), tuple(tenths))
            for name, edges, categories, tenths in features
        ),
        baseline_tenths,
        points_per_log_odds,
    )
