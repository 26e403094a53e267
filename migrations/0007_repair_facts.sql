-- Repair facts: one row per repair with what the repair measures are made of (time to
-- complete in hours and working days, within target, repeat and first-time-fix flags,
-- where and when), kept up to date by triggers so the measures read a table instead of
-- working these out for every repair on every request.
--
-- A repair's facts depend on its home (postcode) and on the other repairs at the same
-- home (repeats, first-time fixes), so every change recomputes the facts of the homes it
-- touches. Changes to the working calendar, or to which priorities are emergencies and
-- which statuses are open, rebuild the table.

CREATE VIEW repair_fact_source AS
SELECT r.id, r.home_id, r.landlord_id, r.contractor_id, r.priority_code, r.trade_code,
       r.reported_at,
       h.postcode, h.postcode_area, h.postcode_district, h.postcode_sector,
       to_char(r.reported_at AT TIME ZONE 'Europe/London', 'YYYY-MM') AS month,
       p.is_emergency,
       st.is_open,
       (NOT st.is_open AND r.completed_at IS NOT NULL) AS completed,
       (NOT st.is_open AND r.completed_at IS NULL) AS cancelled,
       -- float8: what percentile_cont works in, so sorting it costs no conversion
       (extract(epoch FROM r.completed_at - r.reported_at) / 3600.0)::float8 AS hours,
       we.working_day_number - ws.working_day_number AS working_days,
       r.target_at IS NOT NULL AND r.completed_at <= r.target_at AS within_target,
       r.target_at IS NOT NULL AS has_target,
       r.cost,
       -- Another repair, not cancelled, at the same home and of the same trade ...
       EXISTS (SELECT 1 FROM repair q JOIN repair_status qs ON qs.code = q.status_code
               WHERE q.home_id = r.home_id AND q.trade_code IS NOT DISTINCT FROM r.trade_code
                 AND q.id <> r.id AND (qs.is_open OR q.completed_at IS NOT NULL)
                 AND q.reported_at < r.reported_at
                 AND q.reported_at >= r.reported_at - interval '30 days') AS repeat_30,
       EXISTS (SELECT 1 FROM repair q JOIN repair_status qs ON qs.code = q.status_code
               WHERE q.home_id = r.home_id AND q.trade_code IS NOT DISTINCT FROM r.trade_code
                 AND q.id <> r.id AND (qs.is_open OR q.completed_at IS NOT NULL)
                 AND q.reported_at < r.reported_at
                 AND q.reported_at >= r.reported_at - interval '90 days') AS repeat_90,
       -- ... or reported within 30 days after this one was completed.
       NOT EXISTS (SELECT 1 FROM repair q JOIN repair_status qs ON qs.code = q.status_code
                   WHERE q.home_id = r.home_id
                     AND q.trade_code IS NOT DISTINCT FROM r.trade_code
                     AND q.id <> r.id AND (qs.is_open OR q.completed_at IS NOT NULL)
                     AND q.reported_at > r.completed_at
                     AND q.reported_at <= r.completed_at + interval '30 days')
           AS fixed_first_time,
       -- the SOR schedules listing any of its lines' codes, in order, each once
       ARRAY(SELECT DISTINCT s FROM repair_line l
             JOIN sor_code c ON c.code = l.sor_code, unnest(c.schedules) AS s
             WHERE l.repair_id = r.id ORDER BY s) AS schedules
FROM repair r
JOIN home h ON h.id = r.home_id
JOIN priority p ON p.code = r.priority_code
JOIN repair_status st ON st.code = r.status_code
LEFT JOIN working_calendar ws ON ws.day = (r.reported_at AT TIME ZONE 'Europe/London')::date
LEFT JOIN working_calendar we ON we.day = (r.completed_at AT TIME ZONE 'Europe/London')::date;

CREATE TABLE repair_fact AS SELECT * FROM repair_fact_source WITH NO DATA;
ALTER TABLE repair_fact ADD PRIMARY KEY (id);
-- Measures read most of the table in one scan; the indexes serve recomputing a home's
-- facts and measures scoped to a few months or one postcode district. (An index in
-- landlord order tempts the planner into reading the table in that order, which is
-- several times slower than a scan and a sort.)
CREATE INDEX repair_fact_home_idx ON repair_fact (home_id);
CREATE INDEX repair_fact_reported_idx ON repair_fact (reported_at);
CREATE INDEX repair_fact_district_idx ON repair_fact (postcode_district);
INSERT INTO repair_fact SELECT * FROM repair_fact_source;

-- The facts of the given homes' repairs, recomputed. The homes are locked first (in id
-- order, so concurrent writers cannot deadlock here): a second transaction changing
-- repairs of the same home waits, then recomputes from a snapshot that sees the first.
CREATE FUNCTION refresh_repair_facts(homes bigint[]) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
    PERFORM 1 FROM home WHERE id = ANY (homes) ORDER BY id FOR NO KEY UPDATE;
    DELETE FROM repair_fact f WHERE f.home_id = ANY (homes);
    INSERT INTO repair_fact
    SELECT s.* FROM repair_fact_source s
    WHERE s.home_id IN (SELECT unnest(homes));
END $$;

CREATE FUNCTION rebuild_repair_facts() RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
    LOCK TABLE repair_fact IN EXCLUSIVE MODE;
    DELETE FROM repair_fact;
    INSERT INTO repair_fact SELECT * FROM repair_fact_source;
END $$;

-- Statement-level: one recomputation per statement however many rows it touched.
CREATE FUNCTION repair_facts_after_repair_change() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    homes bigint[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(DISTINCT home_id) INTO homes FROM new_rows;
    ELSIF TG_OP = 'UPDATE' THEN
        SELECT array_agg(DISTINCT home_id) INTO homes
        FROM (SELECT home_id FROM new_rows UNION SELECT home_id FROM old_rows) AS touched;
    ELSE
        SELECT array_agg(DISTINCT home_id) INTO homes FROM old_rows;
    END IF;
    IF homes IS NOT NULL THEN
        PERFORM refresh_repair_facts(homes);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER repair_facts_inserted AFTER INSERT ON repair
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION repair_facts_after_repair_change();
CREATE TRIGGER repair_facts_updated AFTER UPDATE ON repair
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION repair_facts_after_repair_change();
CREATE TRIGGER repair_facts_deleted AFTER DELETE ON repair
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION repair_facts_after_repair_change();

-- A repair's lines decide only its schedules.
CREATE FUNCTION repair_facts_after_line_change() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    repairs bigint[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(DISTINCT repair_id) INTO repairs FROM new_rows;
    ELSIF TG_OP = 'UPDATE' THEN
        SELECT array_agg(DISTINCT repair_id) INTO repairs
        FROM (SELECT repair_id FROM new_rows UNION SELECT repair_id FROM old_rows) AS touched;
    ELSE
        SELECT array_agg(DISTINCT repair_id) INTO repairs FROM old_rows;
    END IF;
    UPDATE repair_fact f SET schedules = s.schedules
    FROM repair_fact_source s
    WHERE s.id = f.id AND f.id = ANY (repairs) AND f.schedules IS DISTINCT FROM s.schedules;
    RETURN NULL;
END $$;

CREATE TRIGGER repair_facts_line_inserted AFTER INSERT ON repair_line
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION repair_facts_after_line_change();
CREATE TRIGGER repair_facts_line_updated AFTER UPDATE ON repair_line
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION repair_facts_after_line_change();
CREATE TRIGGER repair_facts_line_deleted AFTER DELETE ON repair_line
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION repair_facts_after_line_change();

-- A home's postcode is part of its repairs' facts.
CREATE FUNCTION repair_facts_after_home_change() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    homes bigint[];
BEGIN
    SELECT array_agg(n.id) INTO homes
    FROM new_rows n JOIN old_rows o ON o.id = n.id
    WHERE (n.postcode, n.postcode_area, n.postcode_district, n.postcode_sector)
          IS DISTINCT FROM (o.postcode, o.postcode_area, o.postcode_district, o.postcode_sector)
      AND EXISTS (SELECT 1 FROM repair r WHERE r.home_id = n.id);
    IF homes IS NOT NULL THEN
        PERFORM refresh_repair_facts(homes);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER repair_facts_home_updated AFTER UPDATE ON home
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION repair_facts_after_home_change();

-- Which priorities are emergencies, which statuses are open and which schedules list an
-- SOR code: rebuild when they change.
CREATE FUNCTION repair_facts_after_code_change() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
    IF TG_TABLE_NAME = 'priority' THEN
        PERFORM 1 FROM new_rows n JOIN old_rows o ON o.code = n.code
        WHERE n.is_emergency IS DISTINCT FROM o.is_emergency;
    ELSIF TG_TABLE_NAME = 'sor_code' THEN
        PERFORM 1 FROM new_rows n JOIN old_rows o ON o.code = n.code
        WHERE n.schedules IS DISTINCT FROM o.schedules
          AND EXISTS (SELECT 1 FROM repair_line l WHERE l.sor_code = n.code);
    ELSE
        PERFORM 1 FROM new_rows n JOIN old_rows o ON o.code = n.code
        WHERE n.is_open IS DISTINCT FROM o.is_open;
    END IF;
    IF FOUND THEN
        PERFORM rebuild_repair_facts();
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER repair_facts_priority_updated AFTER UPDATE ON priority
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION repair_facts_after_code_change();
CREATE TRIGGER repair_facts_status_updated AFTER UPDATE ON repair_status
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION repair_facts_after_code_change();
CREATE TRIGGER repair_facts_sor_code_updated AFTER UPDATE ON sor_code
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION repair_facts_after_code_change();

-- Working days come from the calendar: rebuilding it (rebuild_working_calendar(), after
-- adding bank holidays) rebuilds the facts.
CREATE FUNCTION repair_facts_after_calendar_change() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
    PERFORM rebuild_repair_facts();
    RETURN NULL;
END $$;

CREATE TRIGGER repair_facts_calendar_changed AFTER INSERT OR UPDATE ON working_calendar
    FOR EACH STATEMENT EXECUTE FUNCTION repair_facts_after_calendar_change();

-- Open data, like the repairs it is made from (no private column is copied). Only the
-- triggers (and migrations) recompute it.
GRANT SELECT ON repair_fact TO odx_reader, odx_writer;
REVOKE EXECUTE ON FUNCTION refresh_repair_facts(bigint[]), rebuild_repair_facts() FROM PUBLIC;
