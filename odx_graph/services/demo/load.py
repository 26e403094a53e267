"""Loading the demo dataset into a database."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING

from odx_graph.core.tasks import Steps
from odx_graph.core.tasks import timed
from odx_graph.mapping import GRAPH
from odx_graph.services.demo.codes import code_lists_from_tables
from odx_graph.services.demo.generate import generate
from odx_graph.services.demo.tables import TABLES
from odx_graph.services.demo.tables import DemoSummary

# The table of the demo's survey answers (Tenant Satisfaction Measures).
SURVEY_TABLE = "satisfaction_response"

if TYPE_CHECKING:
    from odx_graph.store.db import Connection


async def load_demo(
    conn: Connection,
    *,
    homes: int = 5000,
    seed: int = 20251027,
    as_of: date,
    progress: Callable[[str, int], None] | None = None,
    steps: Steps | None = None,
) -> DemoSummary:
    """Load the demo dataset into an empty database in one transaction.

    Refuses with `ValueError` when the database already holds organisations, homes or repairs.
    Reads the code lists, COPYs every batch from `generate`, then moves each table's identity
    sequence past the ids used and draws the homes' and buildings' record keys (the cell
    key method's) from the seed, so the demo's open statistics are the same everywhere.
    `progress(table, rows_so_far)` is called after each batch, and `steps(name, seconds)`
    after each step that follows the rows (indexes, keys, change notes, facts, summaries,
    planned works, statistics), which take more than half of a million-home load.
    Then every landlord's programmes of planned works are drawn
    (`odx_graph.services.demo.planned`), and a borough council's stock extract naming
    some of the homes is imported through the real importer
    (`odx_graph.services.demo.linking`), so the demo shows cross-provider linking.
    """
    counts = dict.fromkeys(TABLES, 0)
    # Bulk work, not a request: the API's statement timeout (a pool's setting) must not stop
    # a large load half-way (a COPY of a big batch takes seconds on its own).
    timeout = await conn.fetchval("SHOW statement_timeout")
    await conn.execute("SET statement_timeout = 0")
    try:
        await _load(conn, counts, homes, seed, as_of, progress, steps)
        from odx_graph.services.demo.planned import plan_demo_works
        from odx_graph.store import bulk

        async with conn.transaction():
            # Written in bulk: when repairs are due is worked out once, afterwards.
            kept = await bulk.set_aside_load_triggers(conn, ["planned_work"])
            await timed(steps, "planned works", plan_demo_works(conn, seed, as_of))
            await timed(
                steps, "repairs due for planned replacement", bulk.planned_works_loaded(conn, kept)
            )
        from odx_graph.services.demo.linking import import_council_extract

        # After the load's transaction: the importer runs its own.
        await timed(steps, "a council's stock extract imported", import_council_extract(conn))
        # Statistics for the planner now, not when autovacuum comes round: without them
        # it takes a district for a few hundred homes and a contractor for a few thousand
        # repairs, and reads whole tables for the job board. And the visibility map, which
        # only a VACUUM sets: counts (a contractor's open jobs in a district) and the work
        # by SOR code (a district's going rates) are read from their indexes alone, not
        # row by row from the tables (at a million homes the job board's counts visited
        # every repair they counted, half its time). A transaction's caller keeps its
        # own: VACUUM cannot run there.
        statistics = "ANALYZE" if conn.is_in_transaction() else "VACUUM (ANALYZE)"
        await timed(steps, statistics, conn.execute(statistics))
    finally:
        await conn.execute("SELECT set_config('statement_timeout', $1, false)", timeout)
    return DemoSummary(**counts)


async def _load(
    conn: Connection,
    counts: dict[str, int],
    homes: int,
    seed: int,
    as_of: date,
    progress: Callable[[str, int], None] | None,
    steps: Steps | None,
) -> None:
    from odx_graph.store import bulk  # the only place asyncpg is needed
    from odx_graph.store.satisfaction import demo_answers

    async with conn.transaction():
        if not await bulk.database_is_empty(conn):
            raise ValueError(
                "the database already holds organisations, homes or repairs; "
                "the demo dataset loads only into an empty database"
            )
        codes = code_lists_from_tables(await bulk.read_code_tables(conn))
        # Foreign keys are checked once at the end, in one join each, not row by row;
        # secondary indexes are built at the end from one sort each; the values row
        # triggers would copy come with the rows (checked, and corrected if need be, at
        # the end); and every new row is noted for the change log once at the end, not
        # statement by statement with what derives from it.
        # The survey's answers are written with the rows (from the homes alone), so that
        # their table's keys and indexes can be set aside too.
        written = (*TABLES, SURVEY_TABLE)
        keys = await bulk.set_aside_foreign_keys(conn, written)
        indexes = await bulk.set_aside_indexes(conn, written)
        copies = await bulk.set_aside_row_copies(conn, TABLES)
        triggers = await bulk.set_aside_load_triggers(conn, TABLES)
        notes = await bulk.set_aside_change_notes(conn, TABLES)
        batches = generate(homes=homes, seed=seed, as_of=as_of, codes=codes)
        # The next batch is generated in a worker thread while PostgreSQL ingests this one,
        # which also keeps the event loop free during a start-up load.
        loop = asyncio.get_running_loop()
        pending = loop.run_in_executor(None, next, batches, None)
        try:
            while (batch := await pending) is not None:
                pending = loop.run_in_executor(None, next, batches, None)
                counts[batch.table] += await bulk.copy_rows(
                    conn, batch.table, batch.columns, batch.rows
                )
                if progress is not None:
                    progress(batch.table, counts[batch.table])
        finally:
            pending.cancel()
        # The survey of the last financial year ended by ``as_of``.
        survey_year = as_of.year - 1 if as_of.month >= 4 else as_of.year - 2
        await timed(steps, "survey answers", demo_answers(conn, date(survey_year, 4, 1)))
        await timed(steps, "copied values checked", bulk.restore_row_copies(conn, copies))
        await timed(steps, "indexes built", bulk.restore_indexes(conn, indexes))
        await timed(steps, "foreign keys checked", bulk.restore_foreign_keys(conn, keys))
        noted = {e.table: e.iri_segment for e in GRAPH if e.table in TABLES}
        await timed(steps, "rows noted for the change log", bulk.note_all_rows(conn, noted))
        await bulk.restore_change_notes(conn, notes)
        await bulk.reset_identities(conn, TABLES)
        await timed(steps, "record keys drawn", bulk.seed_record_keys(conn, seed))
        from odx_graph.store.estates import estates_from_buildings

        await timed(steps, "estates", estates_from_buildings(conn))
        await bulk.rebuild_repair_facts(conn, triggers, steps)
