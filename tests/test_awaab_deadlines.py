"""Each damp and mould case's Awaab's Law deadlines, kept in ``awaab_deadline``
(migration 0037), stay those the rules give, however the cases, the working calendar or
the hazard levels' timescales change; and the clocks read from them are, case by case and
at every moment asked about, the clocks worked out through the calendar as before."""

from __future__ import annotations

import datetime as dt

from odx_graph.store.db import Database
from tests.support import SentStatements
from tests.support import one_row

# The clocks as migration 0004 defined them: every deadline worked out through the
# calendar when asked for.
WORKED_OUT = """
    SELECT c.id, c.landlord_id, c.home_id, c.hazard_level_code, c.aware_at,
           d.investigate_due_at, c.investigation_completed_at, s.investigate_status,
           d.summary_due_at, c.written_summary_sent_at, s.summary_status,
           d.make_safe_due_at, c.made_safe_at, s.make_safe_status
    FROM damp_mould_case c
    LEFT JOIN awaab_hazard_level l
        ON l.code = c.hazard_level_code AND c.aware_at >= awaab_in_force_from()
    LEFT JOIN working_calendar aware_day
        ON aware_day.day = (c.aware_at AT TIME ZONE 'Europe/London')::date
    LEFT JOIN working_calendar investigated_day
        ON investigated_day.day = (c.investigation_completed_at AT TIME ZONE 'Europe/London')::date
    LEFT JOIN working_calendar investigate_by
        ON investigate_by.is_working_day
       AND investigate_by.working_day_number
           = aware_day.working_day_number + l.investigate_within_working_days
    LEFT JOIN working_calendar summary_by
        ON summary_by.is_working_day
       AND summary_by.working_day_number
           = investigated_day.working_day_number + l.summary_within_working_days
    LEFT JOIN working_calendar make_safe_by
        ON make_safe_by.is_working_day
       AND make_safe_by.working_day_number
           = investigated_day.working_day_number + l.make_safe_within_working_days
    CROSS JOIN LATERAL (SELECT
        CASE WHEN l.investigate_within_hours IS NOT NULL
             THEN c.aware_at + make_interval(hours => l.investigate_within_hours)
             ELSE (investigate_by.day + 1)::timestamp AT TIME ZONE 'Europe/London'
        END AS investigate_due_at,
        (summary_by.day + 1)::timestamp AT TIME ZONE 'Europe/London' AS summary_due_at,
        CASE WHEN l.make_safe_within_hours IS NOT NULL
             THEN c.aware_at + make_interval(hours => l.make_safe_within_hours)
             ELSE (make_safe_by.day + 1)::timestamp AT TIME ZONE 'Europe/London'
        END AS make_safe_due_at
    ) d
    CROSS JOIN LATERAL (SELECT
        awaab_clock_status(d.investigate_due_at, c.investigation_completed_at, $1)
            AS investigate_status,
        awaab_clock_status(d.summary_due_at, c.written_summary_sent_at, $1)
            AS summary_status,
        awaab_clock_status(d.make_safe_due_at, c.made_safe_at, $1) AS make_safe_status
    ) s
"""
KEPT = "SELECT * FROM awaab_clocks($1)"


async def _differences(db: Database, as_of: dt.datetime) -> int:
    """Clocks as at ``as_of`` that the kept deadlines give and the worked-out ones do not,
    or the other way round."""
    return int(
        await db.fetchval(
            f"SELECT count(*) FROM (({WORKED_OUT} EXCEPT ALL {KEPT}) "
            f"UNION ALL ({KEPT} EXCEPT ALL {WORKED_OUT})) AS d",
            as_of,
        )
    )


async def _exact(db: Database) -> None:
    """The clocks agree now, and at moments around the law and the demo's cases."""
    moments = [
        dt.datetime(2025, 10, 26, 23, 59, tzinfo=dt.UTC),
        dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        dt.datetime(2026, 7, 1, 11, 30, tzinfo=dt.UTC),
        dt.datetime.now(dt.UTC),
    ]
    for moment in moments:
        assert await _differences(db, moment) == 0, moment
    assert (
        await db.fetchval(
            "SELECT count(*) FROM damp_mould_case c "
            "FULL JOIN awaab_deadline d ON d.case_id = c.id WHERE c.id IS NULL OR d.case_id IS NULL"
        )
        == 0
    )


async def test_the_demo_deadlines_are_the_rules(seeded_db: Database) -> None:
    assert (
        await seeded_db.fetchval(
            "SELECT count(*) FROM awaab_deadline WHERE investigate_due_at IS NOT NULL"
        )
        > 0
    )
    await _exact(seeded_db)


async def test_the_clocks_read_the_kept_deadlines(seeded_db: Database) -> None:
    plan = "\n".join(
        r[0]
        for r in await seeded_db.fetch(
            "EXPLAIN SELECT count(*) FROM awaab_clocks(now()) WHERE investigate_status = 'DUE'"
        )
    )
    assert "awaab_deadline" in plan
    assert "working_calendar" not in plan


async def test_writes_to_cases_keep_the_deadlines(fresh_db: Database) -> None:
    db = fresh_db
    case, home, landlord = await one_row(
        db,
        "SELECT id, home_id, landlord_id FROM damp_mould_case "
        "WHERE aware_at >= awaab_in_force_from() AND hazard_level_code = 'significant' "
        "ORDER BY id LIMIT 1",
    )
    # A new case, known on a Friday evening in British Summer Time.
    new = await db.fetchval(
        "INSERT INTO damp_mould_case (landlord_id, home_id, hazard_level_code, aware_at) "
        "VALUES ($1, $2, 'significant', '2026-10-23 18:30+01') RETURNING id",
        landlord,
        home,
    )
    await _exact(db)
    # Its investigation completed: the summary and make-safe clocks start.
    before = await db.fetchval("SELECT summary_due_at FROM awaab_deadline WHERE case_id = $1", new)
    assert before is None
    await db.execute(
        "UPDATE damp_mould_case SET investigation_started_at = aware_at, "
        "investigation_completed_at = '2026-10-26 09:00+00' WHERE id = $1",
        new,
    )
    assert (
        await db.fetchval("SELECT summary_due_at FROM awaab_deadline WHERE case_id = $1", new)
        is not None
    )
    await _exact(db)
    # The hazard level raised to an emergency (hours clocks), and the case moved to
    # another landlord's home.
    await db.execute(
        "UPDATE damp_mould_case SET hazard_level_code = 'emergency' WHERE id = $1", case
    )
    other_home, other_landlord = await one_row(
        db, "SELECT id, landlord_id FROM home WHERE landlord_id <> $1 LIMIT 1", landlord
    )
    await db.execute(
        "UPDATE damp_mould_case SET home_id = $2, landlord_id = $3 WHERE id = $1",
        case,
        other_home,
        other_landlord,
    )
    assert (
        await db.fetchval("SELECT landlord_id FROM awaab_deadline WHERE case_id = $1", case)
        == other_landlord
    )
    await _exact(db)
    # Known before the law: no deadlines.
    await db.execute(
        "UPDATE damp_mould_case SET aware_at = '2025-10-26 23:59:59+00', "
        "investigation_started_at = NULL, investigation_completed_at = NULL WHERE id = $1",
        new,
    )
    assert (
        await db.fetchval("SELECT investigate_due_at FROM awaab_deadline WHERE case_id = $1", new)
        is None
    )
    await _exact(db)
    # Deleted.
    await db.execute("DELETE FROM damp_mould_case WHERE id = $1", new)
    assert not await db.fetchval("SELECT count(*) FROM awaab_deadline WHERE case_id = $1", new)
    await _exact(db)


async def test_a_new_bank_holiday_moves_the_deadlines(fresh_db: Database) -> None:
    db = fresh_db
    case, due = await one_row(
        db,
        "SELECT case_id, investigate_due_at FROM awaab_deadline d "
        "JOIN damp_mould_case c ON c.id = d.case_id "
        "WHERE c.hazard_level_code = 'significant' AND investigate_due_at IS NOT NULL "
        "ORDER BY case_id LIMIT 1",
    )
    aware = await db.fetchval("SELECT aware_at FROM damp_mould_case WHERE id = $1", case)
    # A working day between awareness and the deadline made a holiday: one day later.
    day = await db.fetchval(
        "SELECT min(day) FROM working_calendar WHERE is_working_day "
        "AND day > ($1 AT TIME ZONE 'Europe/London')::date",
        aware,
    )
    await db.execute("INSERT INTO bank_holiday (day, name) VALUES ($1, 'A new holiday')", day)
    await db.execute("SELECT rebuild_working_calendar()")
    moved = await db.fetchval(
        "SELECT investigate_due_at FROM awaab_deadline WHERE case_id = $1", case
    )
    assert moved > due
    await _exact(db)


async def test_a_changed_timescale_moves_the_deadlines(fresh_db: Database) -> None:
    db = fresh_db
    await db.execute(
        "UPDATE awaab_hazard_level SET investigate_within_working_days = "
        "investigate_within_working_days + 2 WHERE investigate_within_working_days IS NOT NULL"
    )
    await _exact(db)
    await db.execute(
        "UPDATE awaab_hazard_level SET make_safe_within_hours = 48 "
        "WHERE make_safe_within_hours IS NOT NULL"
    )
    await _exact(db)


async def test_breach_rates_read_the_homes_only_for_a_postcode(seeded_db: Database) -> None:
    from odx_graph.store.damp import DampScope
    from odx_graph.store.damp import awaab_breach_rates

    district = await seeded_db.fetchval(
        "SELECT h.postcode_district FROM damp_mould_case c JOIN home h ON h.id = c.home_id "
        "GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
    )
    landlord = await seeded_db.fetchval("SELECT min(landlord_id) FROM damp_mould_case")
    plans = {}
    for name, scope in {
        "everything": DampScope(),
        "a landlord": DampScope(landlord_ids=(landlord,)),
        "a district": DampScope(postcode_column="postcode_district", postcode_value=district),
    }.items():
        sent = SentStatements()
        await awaab_breach_rates(sent, scope, None)  # type: ignore[arg-type]
        ((sql, args),) = sent.sql
        plans[name] = "\n".join(r[0] for r in await seeded_db.fetch(f"EXPLAIN {sql}", *args))
        rows = await seeded_db.fetch(sql, *args)
        # Every case in scope counted once, whichever way its home is reached.
        expected = await seeded_db.fetchval(
            "SELECT count(*) FROM damp_mould_case c JOIN home h ON h.id = c.home_id "
            "WHERE ($1::bigint IS NULL OR c.landlord_id = $1) "
            "AND ($2::text IS NULL OR h.postcode_district = $2)",
            scope.landlord_ids[0] if scope.landlord_ids else None,
            scope.postcode_value or None,
        )
        assert sum(r["cases"] for r in rows) == expected > 0, name
    assert " on home " not in plans["everything"]
    assert " on home " not in plans["a landlord"]
    assert " on home " in plans["a district"] or "home_pkey" in plans["a district"]


async def test_only_a_changed_timescale_works_the_deadlines_out_again(fresh_db: Database) -> None:
    """Each server start syncs the hazard levels (INSERT ... ON CONFLICT DO UPDATE, which
    runs the insert and the update triggers even for no row); every case's deadlines
    were worked out again each time. A deadline set by hand shows whether they were."""
    db = fresh_db
    case = await db.fetchval("SELECT min(case_id) FROM awaab_deadline")
    marked = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)

    async def mark() -> None:
        await db.execute(
            "UPDATE awaab_deadline SET investigate_due_at = $2 WHERE case_id = $1", case, marked
        )

    async def worked_out_again() -> bool:
        due = await db.fetchval(
            "SELECT investigate_due_at FROM awaab_deadline WHERE case_id = $1", case
        )
        return bool(due != marked)

    await mark()
    for unchanged in [
        "UPDATE awaab_hazard_level SET label = label || ' (edited)'",
        "UPDATE awaab_hazard_level SET investigate_within_hours = investigate_within_hours, "
        "make_safe_within_working_days = make_safe_within_working_days",
        "UPDATE awaab_hazard_level SET label = label WHERE false",
        "INSERT INTO awaab_hazard_level (code, label) VALUES ('emergency', 'x') "
        "ON CONFLICT (code) DO UPDATE SET label = EXCLUDED.label WHERE false",
        "DELETE FROM awaab_hazard_level WHERE false",
    ]:
        await db.execute(unchanged)
        assert not await worked_out_again(), unchanged
    for changed in [
        "UPDATE awaab_hazard_level SET make_safe_within_hours = make_safe_within_hours + 1 "
        "WHERE make_safe_within_hours IS NOT NULL",
        "UPDATE awaab_hazard_level SET summary_within_working_days = NULL "
        "WHERE summary_within_working_days IS NOT NULL",
        "INSERT INTO awaab_hazard_level (code, label) VALUES ('new-level', 'A new level')",
        "DELETE FROM awaab_hazard_level WHERE code = 'new-level'",
    ]:
        await db.execute(changed)
        assert await worked_out_again(), changed
        await _exact(db)
        await mark()
