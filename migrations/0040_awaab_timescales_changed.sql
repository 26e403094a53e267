-- Awaab's Law deadlines are worked out again when a hazard level's timescales change
-- (migration 0037). Its trigger fired on every statement that named the table: a
-- statement-level trigger runs even when the statement writes no row, and an
-- INSERT ... ON CONFLICT DO UPDATE runs the insert and the update triggers both. Each
-- server start syncs the code lists that way, so each start worked every case's
-- deadlines out again, once per hazard level: about 2 s a level at a million homes
-- (150,000 cases), and a second server starting beside it waited on the change log's
-- lock past the statement timeout and failed to start.
--
-- Now the trigger sees the rows the statement wrote (transition tables; they cannot be
-- given for a column list, so the update trigger fires for any update) and works the
-- deadlines out only when a level came or went or one of its timescales changed.

DROP TRIGGER awaab_deadlines_timescales_changed ON awaab_hazard_level;

CREATE FUNCTION awaab_deadlines_after_timescale_change() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    changed boolean;
BEGIN
    -- Each branch names only the transition tables its trigger has (plpgsql plans a
    -- statement when it first runs it).
    IF TG_OP = 'INSERT' THEN
        changed := EXISTS (SELECT 1 FROM new_rows);
    ELSIF TG_OP = 'DELETE' THEN
        changed := EXISTS (SELECT 1 FROM old_rows);
    ELSE
        changed := EXISTS (
            (SELECT code, investigate_within_hours, investigate_within_working_days,
                    summary_within_working_days, make_safe_within_hours,
                    make_safe_within_working_days FROM new_rows
             EXCEPT
             SELECT code, investigate_within_hours, investigate_within_working_days,
                    summary_within_working_days, make_safe_within_hours,
                    make_safe_within_working_days FROM old_rows)
            UNION ALL
            (SELECT code, investigate_within_hours, investigate_within_working_days,
                    summary_within_working_days, make_safe_within_hours,
                    make_safe_within_working_days FROM old_rows
             EXCEPT
             SELECT code, investigate_within_hours, investigate_within_working_days,
                    summary_within_working_days, make_safe_within_hours,
                    make_safe_within_working_days FROM new_rows));
    END IF;
    IF changed THEN
        PERFORM rebuild_awaab_deadlines();
    END IF;
    RETURN NULL;
END $$;
ALTER FUNCTION awaab_deadlines_after_timescale_change() SET jit = off;
REVOKE EXECUTE ON FUNCTION awaab_deadlines_after_timescale_change() FROM PUBLIC;

CREATE TRIGGER awaab_deadlines_level_inserted AFTER INSERT ON awaab_hazard_level
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION awaab_deadlines_after_timescale_change();
CREATE TRIGGER awaab_deadlines_level_updated AFTER UPDATE ON awaab_hazard_level
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION awaab_deadlines_after_timescale_change();
CREATE TRIGGER awaab_deadlines_level_deleted AFTER DELETE ON awaab_hazard_level
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION awaab_deadlines_after_timescale_change();
