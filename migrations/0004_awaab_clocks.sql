-- Awaab's Law clocks of each damp and mould case, defined once here and used by every
-- query (per-case clocks, breach rates, provider comparison).
--
-- A clock runs from awareness (hours clocks; working-day investigation clock) or from the
-- investigation's completion (working-day summary and make-safe clocks), by the case's
-- hazard level's timescales (awaab_hazard_level). Deadlines:
-- - N hours: the instant N hours after aware_at;
-- - N working days: the end of the Nth working day (England and Wales) after the start's
--   date in UK time, i.e. 00:00 Europe/London of the next calendar day. A time of day
--   never counts: an investigation completed at 16:00 on a Friday starts the same clock as
--   one completed at 08:00 that Friday. Weekends and bank holidays do not count.
-- A clock is ON_TIME when done no later than its deadline, BREACHED when done later or
-- not done with the deadline passed at ``as_of``, DUE when not done and not yet passed,
-- and NOT_APPLICABLE when it has no deadline: no hazard level, a level without that
-- timescale (emergency cases have no summary clock; 'none' has no clocks), a working-day
-- clock whose start (the investigation's completion) has not happened, or a date outside
-- the working calendar.

-- The Nth working day after a day: working_day_number = n + N among working days, which
-- is unique (and saying so keeps the planner's row estimates right).
CREATE UNIQUE INDEX working_calendar_working_day_number_idx
    ON working_calendar (working_day_number) WHERE is_working_day;

-- Scopes on awareness time alone (breach rates and damp and mould rates over a period).
CREATE INDEX damp_mould_case_aware_idx ON damp_mould_case (aware_at);

-- Latest kitchen and bathroom of a home (the age tests of Decent Homes criterion C).
CREATE INDEX component_home_type_idx
    ON component (home_id, component_type_code, install_date DESC)
    WHERE home_id IS NOT NULL;

CREATE FUNCTION awaab_clock_status(due timestamptz, done timestamptz, as_of timestamptz)
    RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN CASE
        WHEN due IS NULL THEN 'NOT_APPLICABLE'
        WHEN done IS NOT NULL AND done <= due THEN 'ON_TIME'
        WHEN done IS NOT NULL THEN 'BREACHED'
        WHEN as_of > due THEN 'BREACHED'
        ELSE 'DUE'
    END;

-- Every case's three clocks, their deadlines and statuses as at ``as_of``. A plain SQL
-- set-returning function, so the planner inlines it and filters reach damp_mould_case.
CREATE FUNCTION awaab_clocks(as_of timestamptz)
    RETURNS TABLE (
        case_id                  bigint,
        landlord_id              bigint,
        home_id                  bigint,
        hazard_level_code        text,
        aware_at                 timestamptz,
        investigate_due_at       timestamptz,
        investigate_done_at      timestamptz,
        investigate_status       text,
        summary_due_at           timestamptz,
        summary_done_at          timestamptz,
        summary_status           text,
        make_safe_due_at         timestamptz,
        make_safe_done_at        timestamptz,
        make_safe_status         text
    )
    LANGUAGE sql STABLE
AS $$
    SELECT c.id, c.landlord_id, c.home_id, c.hazard_level_code, c.aware_at,
           d.investigate_due_at, c.investigation_completed_at, s.investigate_status,
           d.summary_due_at, c.written_summary_sent_at, s.summary_status,
           d.make_safe_due_at, c.made_safe_at, s.make_safe_status
    FROM damp_mould_case c
    LEFT JOIN awaab_hazard_level l ON l.code = c.hazard_level_code
    -- the start days, and the Nth working day after each
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
    -- OFFSET 0 keeps each deadline and status computed once per case: without it the
    -- planner copies the expressions into every use, and JIT-compiling the copies can
    -- take seconds.
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
        OFFSET 0
    ) d
    CROSS JOIN LATERAL (SELECT
        awaab_clock_status(d.investigate_due_at, c.investigation_completed_at, as_of)
            AS investigate_status,
        awaab_clock_status(d.summary_due_at, c.written_summary_sent_at, as_of)
            AS summary_status,
        awaab_clock_status(d.make_safe_due_at, c.made_safe_at, as_of) AS make_safe_status
        OFFSET 0
    ) s
$$;

-- The clocks as at now.
CREATE VIEW awaab_clock AS SELECT * FROM awaab_clocks(now());
