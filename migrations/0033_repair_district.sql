-- A repair's postcode district, on the repair itself, so that "a contractor's open jobs in
-- a district" (the job board) is read through one index whatever the size of the country:
-- before, the index on (contractor, open, reported) gave every open job of the contractor
-- nationally, and each was checked against its home's district (115 ms a request at a
-- million homes against 11 ms at 100,000, for the same district and contractor).
--
-- The home's postcode stays the truth: a trigger copies its district onto each repair as
-- the repair is written or moved to another home, and a change to a home's postcode is
-- copied onto its repairs. Both run as the owner, since the writer may not see the home
-- (row-level security) or may not own every repair of a home it moves. A repair written
-- while its home's postcode changes in another transaction must not keep the old
-- district: the repair's trigger reads the home `FOR NO KEY UPDATE`, which waits for the
-- postcode change to commit (and then reads the new one), and makes a postcode change
-- begun after it wait for the repair's transaction, whose repair the home's trigger then
-- sees. It is the lock the repair's facts take on the home at commit anyway
-- (`refresh_repair_facts`), taken earlier: two writers of repairs at one home already
-- wait for each other, and a weaker lock here would make them wait in a circle.

ALTER TABLE repair ADD COLUMN postcode_district text;
-- Open data, like the home's postcode it follows (the writer role has the whole table).
GRANT SELECT (postcode_district) ON repair TO odx_reader;

-- Nothing a reader sees changes, so the triggers that follow a repair's facts, its
-- versions in the change log and its subscribers are not woken.
ALTER TABLE repair DISABLE TRIGGER USER;
UPDATE repair r SET postcode_district = h.postcode_district
FROM home h WHERE h.id = r.home_id;
ALTER TABLE repair ENABLE TRIGGER USER;
ALTER TABLE repair ALTER COLUMN postcode_district SET NOT NULL;

CREATE FUNCTION repair_copy_district() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
    NEW.postcode_district := (
        SELECT h.postcode_district FROM home h WHERE h.id = NEW.home_id FOR NO KEY UPDATE
    );
    RETURN NEW;
END $$;

-- `postcode_district` is named too, so that a statement writing it directly is corrected.
CREATE TRIGGER repair_district BEFORE INSERT OR UPDATE OF home_id, postcode_district ON repair
    FOR EACH ROW EXECUTE FUNCTION repair_copy_district();

CREATE FUNCTION home_copy_district() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
    UPDATE repair SET postcode_district = NEW.postcode_district
    WHERE home_id = NEW.id AND postcode_district IS DISTINCT FROM NEW.postcode_district;
    RETURN NULL;
END $$;

CREATE TRIGGER home_district AFTER UPDATE OF postcode ON home
    FOR EACH ROW WHEN (OLD.postcode_district IS DISTINCT FROM NEW.postcode_district)
    EXECUTE FUNCTION home_copy_district();

-- Open (or closed) jobs in a district, by contractor, newest first: a contractor's page of
-- a district and its count read only the rows they return or count, and a district's open
-- jobs of every contractor are one range of it. Not partial: `is_open = $n` is a parameter
-- in a prepared statement's generic plan, which a partial index's predicate cannot match.
CREATE INDEX repair_district_open_idx
    ON repair (postcode_district, is_open, contractor_id, reported_at DESC, id DESC);
