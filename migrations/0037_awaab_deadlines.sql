-- Each damp and mould case's Awaab's Law deadlines, kept as the cases, the working
-- calendar and the hazard levels' timescales change, so that the clocks read a case's
-- three deadlines instead of working them out through five joins to the calendar every
-- time they are asked for. The clocks' statuses still depend on the time they are asked
-- about, and are still worked out then (awaab_clocks(as_of), migration 0004: its
-- deadlines are defined here now, by the same rules, word for word).
--
-- A case's deadlines depend on its hazard level, its awareness and its investigation's
-- completion (the start of the working-day summary and make-safe clocks), on the working
-- calendar and on the hazard levels' timescales. A statement writing cases works out
-- theirs; rebuilding the calendar (after bank holidays are added) or changing a
-- timescale works out every case's again. The deadlines are derived: they move no data
-- version (migration 0014).

CREATE TABLE awaab_deadline (
    case_id            bigint PRIMARY KEY,
    landlord_id        bigint NOT NULL,
    investigate_due_at timestamptz,
    summary_due_at     timestamptz,
    make_safe_due_at   timestamptz
);

-- The deadlines by the rules (migration 0004's words: the end of the Nth working day is
-- 00:00 Europe/London of the next calendar day; a date outside the calendar has none).
CREATE VIEW awaab_deadline_source AS
SELECT c.id AS case_id, c.landlord_id,
       CASE WHEN l.investigate_within_hours IS NOT NULL
            THEN c.aware_at + make_interval(hours => l.investigate_within_hours)
            ELSE (investigate_by.day + 1)::timestamp AT TIME ZONE 'Europe/London'
       END AS investigate_due_at,
       (summary_by.day + 1)::timestamp AT TIME ZONE 'Europe/London' AS summary_due_at,
       CASE WHEN l.make_safe_within_hours IS NOT NULL
            THEN c.aware_at + make_interval(hours => l.make_safe_within_hours)
            ELSE (make_safe_by.day + 1)::timestamp AT TIME ZONE 'Europe/London'
       END AS make_safe_due_at
FROM damp_mould_case c
-- no timescales (so no deadlines) for cases known before the law took effect
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
       = investigated_day.working_day_number + l.make_safe_within_working_days;

-- Every case's deadlines worked out again. Writers of cases wait for it and it for them
-- (SHARE conflicts with their ROW EXCLUSIVE): it reads every committed case, and a case
-- written after it reads the calendar and the timescales it leaves.
CREATE FUNCTION rebuild_awaab_deadlines() RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
    LOCK TABLE damp_mould_case IN SHARE MODE;
    DELETE FROM awaab_deadline;
    INSERT INTO awaab_deadline SELECT * FROM awaab_deadline_source;
END $$;

-- A statement's cases removed take their deadlines with them; its cases written bring
-- theirs (the keys as an array, a condition the view takes in: a case's deadlines are
-- worked out from its own row, never by working out the whole view).
CREATE FUNCTION awaab_deadlines_after_case_change() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        DELETE FROM awaab_deadline d WHERE d.case_id = ANY (ARRAY(SELECT o.id FROM old_rows o));
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO awaab_deadline
        SELECT * FROM awaab_deadline_source s
        WHERE s.case_id = ANY (ARRAY(SELECT n.id FROM new_rows n));
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION awaab_deadlines_after_rule_change() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
    PERFORM rebuild_awaab_deadlines();
    RETURN NULL;
END $$;

CREATE TRIGGER awaab_deadlines_inserted AFTER INSERT ON damp_mould_case
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION awaab_deadlines_after_case_change();
CREATE TRIGGER awaab_deadlines_updated AFTER UPDATE ON damp_mould_case
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION awaab_deadlines_after_case_change();
CREATE TRIGGER awaab_deadlines_deleted AFTER DELETE ON damp_mould_case
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION awaab_deadlines_after_case_change();
-- The calendar is rebuilt by deleting and inserting every day (rebuild_working_calendar(),
-- as the repair facts' trigger of migration 0007 knows): worked out once, after the insert.
CREATE TRIGGER awaab_deadlines_calendar_changed AFTER INSERT OR UPDATE ON working_calendar
    FOR EACH STATEMENT EXECUTE FUNCTION awaab_deadlines_after_rule_change();
CREATE TRIGGER awaab_deadlines_timescales_changed
    AFTER INSERT OR DELETE
       OR UPDATE OF investigate_within_hours, investigate_within_working_days,
                    summary_within_working_days, make_safe_within_hours,
                    make_safe_within_working_days
    ON awaab_hazard_level
    FOR EACH STATEMENT EXECUTE FUNCTION awaab_deadlines_after_rule_change();

-- The clocks, as before, with each case's deadlines read rather than worked out.
CREATE OR REPLACE FUNCTION awaab_clocks(as_of timestamptz)
RETURNS TABLE (
    case_id bigint, landlord_id bigint, home_id bigint, hazard_level_code text,
    aware_at timestamptz,
    investigate_due_at timestamptz, investigate_done_at timestamptz, investigate_status text,
    summary_due_at timestamptz, summary_done_at timestamptz, summary_status text,
    make_safe_due_at timestamptz, make_safe_done_at timestamptz, make_safe_status text
) LANGUAGE sql STABLE AS $$
    SELECT c.id, c.landlord_id, c.home_id, c.hazard_level_code, c.aware_at,
           d.investigate_due_at, c.investigation_completed_at, s.investigate_status,
           d.summary_due_at, c.written_summary_sent_at, s.summary_status,
           d.make_safe_due_at, c.made_safe_at, s.make_safe_status
    FROM damp_mould_case c
    LEFT JOIN awaab_deadline d ON d.landlord_id = c.landlord_id AND d.case_id = c.id
    CROSS JOIN LATERAL (SELECT
        awaab_clock_status(d.investigate_due_at, c.investigation_completed_at, as_of)
            AS investigate_status,
        awaab_clock_status(d.summary_due_at, c.written_summary_sent_at, as_of)
            AS summary_status,
        awaab_clock_status(d.make_safe_due_at, c.made_safe_at, as_of) AS make_safe_status
        OFFSET 0
    ) s
$$;

ALTER FUNCTION rebuild_awaab_deadlines() SET jit = off;
ALTER FUNCTION awaab_deadlines_after_case_change() SET jit = off;
REVOKE EXECUTE ON FUNCTION rebuild_awaab_deadlines() FROM PUBLIC;

-- Open data, like the cases they are worked out from (the clocks are read by the callers'
-- own roles).
GRANT SELECT ON awaab_deadline TO odx_reader, odx_writer;

SELECT rebuild_awaab_deadlines();
