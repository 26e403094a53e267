"""What the kept tables of migrations 0036 and 0037 save on a large demo database: each
question as the server asks it now against the form it replaces, run alternately on the
same database in the same run (cold insight: every answer worked out).

- A district's going rates (``store.analytics.sor_rates``): read from ``repair_work``
  (migration 0036) against every completed repair's lines joined to the facts.
- Awaab's Law breach rates of every landlord and one landlord's open clocks
  (``awaab_clocks(as_of)``): the deadlines read from ``awaab_deadline`` (migration 0037)
  against the deadlines worked out through the working calendar when asked.

    odx-graph demo --homes 100000   # with ODX_DATABASE_URL naming a scratch database
    python bench/kept_facts.py --database "$ODX_DATABASE_URL" --rounds 5
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import platform
import statistics
import sys
import time
from pathlib import Path

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from odx_graph.core.disclosure import quantile_fractions

FRACTIONS = "ARRAY[" + ", ".join(repr(f) for f in quantile_fractions(0.5)) + "]::float8[]"
RATES = f"""
    count(*) AS jobs, sum(record_key) AS jobs_key, count(DISTINCT home_id) AS homes,
    percentile_cont({FRACTIONS}) WITHIN GROUP (ORDER BY working_days) AS days,
    percentile_cont({FRACTIONS}) WITHIN GROUP (ORDER BY cost) AS cost,
    percentile_cont({FRACTIONS}) WITHIN GROUP (ORDER BY cost / quantity)
        FILTER (WHERE quantity > 0) AS unit_cost
"""
GOING_RATES = {
    "before (every line joined to the facts)": f"""
        WITH work AS (
            SELECT f.postcode_district, l.sor_code, f.id, f.home_id, f.working_days,
                   coalesce(f.record_key, 0) AS record_key, sum(l.cost) AS cost,
                   sum(l.quantity) AS quantity
            FROM repair_line l JOIN repair_fact f ON f.id = l.repair_id
            WHERE f.completed AND f.postcode_district = $1
            GROUP BY f.id, l.sor_code
        )
        SELECT postcode_district, sor_code, {RATES} FROM work GROUP BY 1, 2 ORDER BY 1, 2""",
    "now (repair_work)": f"""
        SELECT postcode_district, sor_code, {RATES}
        FROM repair_work f WHERE f.postcode_district = $1 GROUP BY 1, 2 ORDER BY 1, 2""",
}
# The clocks with their deadlines worked out through the calendar (migration 0004's form).
WORKED_OUT = """
    SELECT c.id AS case_id, c.landlord_id, c.home_id, c.aware_at,
           d.investigate_due_at, s.investigate_status, d.summary_due_at, s.summary_status,
           d.make_safe_due_at, s.make_safe_status
    FROM damp_mould_case c
    LEFT JOIN awaab_hazard_level l
        ON l.code = c.hazard_level_code AND c.aware_at >= awaab_in_force_from()
    LEFT JOIN working_calendar aware_day
        ON aware_day.day = (c.aware_at AT TIME ZONE 'Europe/London')::date
    LEFT JOIN working_calendar investigated_day
        ON investigated_day.day = (c.investigation_completed_at AT TIME ZONE 'Europe/London')::date
    LEFT JOIN working_calendar investigate_by
        ON investigate_by.is_working_day AND investigate_by.working_day_number
           = aware_day.working_day_number + l.investigate_within_working_days
    LEFT JOIN working_calendar summary_by
        ON summary_by.is_working_day AND summary_by.working_day_number
           = investigated_day.working_day_number + l.summary_within_working_days
    LEFT JOIN working_calendar make_safe_by
        ON make_safe_by.is_working_day AND make_safe_by.working_day_number
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
        END AS make_safe_due_at OFFSET 0) d
    CROSS JOIN LATERAL (SELECT
        awaab_clock_status(d.investigate_due_at, c.investigation_completed_at, now())
            AS investigate_status,
        awaab_clock_status(d.summary_due_at, c.written_summary_sent_at, now())
            AS summary_status,
        awaab_clock_status(d.make_safe_due_at, c.made_safe_at, now()) AS make_safe_status
        OFFSET 0) s
"""
KEPT = "SELECT * FROM awaab_clocks(now())"
BREACH = """
    SELECT k.landlord_id, count(*) AS cases,
           count(*) FILTER (WHERE 'BREACHED' IN
               (k.investigate_status, k.summary_status, k.make_safe_status)) AS breached
    FROM ({clocks}) k GROUP BY 1 ORDER BY 1"""
ONE_LANDLORD = """
    SELECT k.* FROM ({clocks}) k WHERE k.landlord_id = $1
    AND 'DUE' IN (k.investigate_status, k.summary_status, k.make_safe_status)
    ORDER BY k.case_id LIMIT 50"""
CLOCKS = {
    "before (deadlines worked out through the calendar)": WORKED_OUT,
    "now (awaab_deadline)": KEPT,
}


async def _timed(conn: asyncpg.Connection, sql: str, *args: object) -> float:
    began = time.perf_counter()
    await conn.fetch(sql, *args)
    return (time.perf_counter() - began) * 1000


def _row(question: str, name: str, values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"| {question} | {name} | {len(values)} | {statistics.median(values):.1f} | {p95:.1f} |"


async def main() -> None:
    """Run the comparison and print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True, help="a database holding a large demo")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--districts", type=int, default=6, help="the largest N districts")
    args = parser.parse_args()
    conn = await asyncpg.connect(args.database)
    times: dict[tuple[str, str], list[float]] = {}
    try:
        await conn.execute("SET work_mem = '192MB'")  # as the server's sorting statements
        homes = await conn.fetchval("SELECT count(*) FROM home")
        cases = await conn.fetchval("SELECT count(*) FROM damp_mould_case")
        districts = [
            r[0]
            for r in await conn.fetch(
                "SELECT postcode_district FROM repair_work GROUP BY 1 ORDER BY count(*) DESC "
                "LIMIT $1",
                args.districts,
            )
        ]
        landlord = await conn.fetchval(
            "SELECT landlord_id FROM damp_mould_case GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
        )
        for _ in range(args.rounds):  # each form in turn, so load hits them alike
            for name, sql in GOING_RATES.items():
                for district in districts:
                    key = ("a district's going rates", name)
                    times.setdefault(key, []).append(await _timed(conn, sql, district))
            for name, clocks in CLOCKS.items():
                key = ("breach rates of every landlord", name)
                times.setdefault(key, []).append(await _timed(conn, BREACH.format(clocks=clocks)))
                key = ("one landlord's due clocks, first page", name)
                times.setdefault(key, []).append(
                    await _timed(conn, ONE_LANDLORD.format(clocks=clocks), landlord)
                )
        for district in districts:  # the same answers either way
            answers = [await conn.fetch(s, district) for s in GOING_RATES.values()]
            assert answers[0] == answers[1], district
        answers = [await conn.fetch(BREACH.format(clocks=c)) for c in CLOCKS.values()]
        assert answers[0] == answers[1]
    finally:
        await conn.close()
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    print(
        f"{platform.node()}, {now}: {homes:,} homes, {cases:,} damp and mould cases; "
        f"districts {', '.join(districts)}; {args.rounds} rounds\n"
    )
    print("| question | form | runs | median ms | p95 ms |")
    print("| --- | --- | ---: | ---: | ---: |")
    for (question, name), values in sorted(times.items(), key=lambda kv: kv[0][0]):
        print(_row(question, name, values))
    print()
    for question in dict.fromkeys(q for q, _ in times):
        before, now_ = (statistics.median(v) for (q, _), v in times.items() if q == question)
        print(f"- {question}: before / now (medians) {before / now_:.1f}x")


if __name__ == "__main__":
    asyncio.run(main())
