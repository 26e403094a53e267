-- Whether a repair still needs work, on the repair itself, so that "a contractor's open
-- jobs" is read through an index instead of through every repair the contractor ever had.
--
-- `repair_status.is_open` stays the truth: a trigger copies it onto each repair as its
-- status is set, and a change to a status's `is_open` is copied onto its repairs. The
-- planner keeps statistics on the column, so it knows open repairs are few (about 1 in
-- 90 in the demo), which it cannot know from `status_code IN (SELECT ... WHERE is_open)`.

ALTER TABLE repair ADD COLUMN is_open boolean NOT NULL DEFAULT false;
ALTER TABLE repair ALTER COLUMN is_open DROP DEFAULT;
-- Open data, like the status it follows (the writer role has the whole table).
GRANT SELECT (is_open) ON repair TO odx_reader;

-- Only the open repairs need writing, without waking the triggers that follow a repair's
-- facts and notify subscribers: nothing a reader sees changes.
ALTER TABLE repair DISABLE TRIGGER USER;
UPDATE repair r SET is_open = true
FROM repair_status s WHERE s.code = r.status_code AND s.is_open;
ALTER TABLE repair ENABLE TRIGGER USER;

CREATE FUNCTION repair_copy_is_open() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, public AS $$
BEGIN
    NEW.is_open := (SELECT s.is_open FROM repair_status s WHERE s.code = NEW.status_code);
    RETURN NEW;
END $$;

CREATE TRIGGER repair_is_open BEFORE INSERT OR UPDATE OF status_code ON repair
    FOR EACH ROW EXECUTE FUNCTION repair_copy_is_open();

CREATE FUNCTION repair_status_copy_is_open() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, public AS $$
BEGIN
    UPDATE repair SET is_open = NEW.is_open
    WHERE status_code = NEW.code AND is_open IS DISTINCT FROM NEW.is_open;
    RETURN NULL;
END $$;

CREATE TRIGGER repair_status_is_open AFTER UPDATE OF is_open ON repair_status
    FOR EACH ROW WHEN (OLD.is_open IS DISTINCT FROM NEW.is_open)
    EXECUTE FUNCTION repair_status_copy_is_open();

-- A contractor's jobs, open or closed, newest first: the job board's page and its count
-- read only the rows they return or count.
CREATE INDEX repair_contractor_open_idx
    ON repair (contractor_id, is_open, reported_at DESC, id DESC);
