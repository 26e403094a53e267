-- The work of completed repairs by SOR code, kept as the facts change, so that a
-- district's going rates (jobs, working days and costs per SOR code) are read from one
-- index range rather than worked out by joining every repair line to the facts.
--
-- repair_work holds one row per completed repair and SOR code of its lines: the repair's
-- facts that scope and weigh a rate (landlord, home, postcode, trade, working days,
-- record key) and the code's lines in the repair added up (cost, quantity). It is derived
-- from repair_fact and repair_line: a repair's lines change its facts (migration 0007
-- refreshes a home's facts whenever a line, a repair, a home or a code they depend on
-- changes), so statement triggers on repair_fact keep it: the rows of the facts removed
-- are deleted, those of the facts added are inserted from their lines. It moves no data
-- version (migration 0014): it is derived, like the facts.

CREATE TABLE repair_work (
    repair_id         bigint NOT NULL,
    sor_code          text NOT NULL,
    landlord_id       bigint,
    home_id           bigint,
    postcode          text,
    postcode_area     text,
    postcode_district text,
    postcode_sector   text,
    trade_code        text,
    working_days      integer,
    record_key        integer NOT NULL,
    cost              numeric,
    quantity          numeric,
    PRIMARY KEY (repair_id, sor_code)
);
-- A district's rows in the order its going rates group them (by code, and within a code
-- by home, which homes are counted in), holding all that the rates read: one ordered
-- range of the index gives a district's rates, with no visit to the table where the
-- visibility map allows and no sort of the district's rows.
CREATE INDEX repair_work_district_idx ON repair_work (postcode_district, sor_code, home_id)
    INCLUDE (record_key, working_days, cost, quantity, trade_code);

-- What repair_work holds, worked out from the facts and the lines (grouped by every
-- column, not by the facts' key alone, so that the view does not depend on that key).
CREATE VIEW repair_work_source AS
SELECT f.id AS repair_id, l.sor_code, f.landlord_id, f.home_id, f.postcode, f.postcode_area,
       f.postcode_district, f.postcode_sector, f.trade_code, f.working_days,
       coalesce(f.record_key, 0) AS record_key, sum(l.cost) AS cost,
       sum(l.quantity) AS quantity
FROM repair_fact f JOIN repair_line l ON l.repair_id = f.id
WHERE f.completed
GROUP BY f.id, l.sor_code, f.landlord_id, f.home_id, f.postcode, f.postcode_area,
         f.postcode_district, f.postcode_sector, f.trade_code, f.working_days, f.record_key;

-- Every row worked out again from the facts.
CREATE FUNCTION rebuild_repair_work() RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
    DELETE FROM repair_work;
    INSERT INTO repair_work SELECT * FROM repair_work_source;
END $$;

-- A statement's facts removed take their rows with them; its facts added bring theirs.
-- (The keys as an array, a condition the view's grouping takes in: a repair's rows are
-- found by its key, never by working out the whole view.)
CREATE FUNCTION repair_work_after_fact_change() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        DELETE FROM repair_work w WHERE w.repair_id = ANY (ARRAY(SELECT o.id FROM old_rows o));
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO repair_work
        SELECT * FROM repair_work_source s
        WHERE s.repair_id = ANY (ARRAY(SELECT n.id FROM new_rows n));
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER repair_work_inserted AFTER INSERT ON repair_fact
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION repair_work_after_fact_change();
CREATE TRIGGER repair_work_updated AFTER UPDATE ON repair_fact
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION repair_work_after_fact_change();
CREATE TRIGGER repair_work_deleted AFTER DELETE ON repair_fact
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION repair_work_after_fact_change();

ALTER FUNCTION rebuild_repair_work() SET jit = off;
ALTER FUNCTION repair_work_after_fact_change() SET jit = off;
REVOKE EXECUTE ON FUNCTION rebuild_repair_work() FROM PUBLIC;

-- The rows carry record keys: only the server's own user reads them, as it reads the
-- facts' keys (the open data's reader role may not).
SELECT rebuild_repair_work();
