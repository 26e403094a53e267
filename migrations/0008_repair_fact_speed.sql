-- Repair facts, computed once per transaction and set-based:
--
-- * A change to repairs or their lines no longer recomputes facts at once: it notes the
--   homes it touched, and the facts of all of them are recomputed once, just before the
--   transaction commits (a deferred constraint trigger). A repair and its lines written
--   by one transaction, the import's way, are worked out once, with the lines present,
--   instead of once for the repair and again for its lines. Inside the writing
--   transaction the facts show the state before it; everyone else sees them change at
--   the commit, with the repairs.
-- * The repeat flags come from window frames over each home's repairs of a trade
--   instead of a look-up per repair.
-- * The maintenance functions run without JIT compilation, which costs more than it
--   saves on the rows a write touches.
--
-- The facts themselves are unchanged: same columns, same values.

CREATE OR REPLACE VIEW repair_fact_source AS
SELECT r.id, r.home_id, r.landlord_id, r.contractor_id, r.priority_code, r.trade_code,
       r.reported_at,
       h.postcode, h.postcode_area, h.postcode_district, h.postcode_sector,
       to_char(r.reported_at AT TIME ZONE 'Europe/London', 'YYYY-MM') AS month,
       p.is_emergency,
       st.is_open,
       (NOT st.is_open AND r.completed_at IS NOT NULL) AS completed,
       (NOT st.is_open AND r.completed_at IS NULL) AS cancelled,
       (extract(epoch FROM r.completed_at - r.reported_at) / 3600.0)::float8 AS hours,
       we.working_day_number - ws.working_day_number AS working_days,
       r.target_at IS NOT NULL AND r.completed_at <= r.target_at AS within_target,
       r.target_at IS NOT NULL AS has_target,
       r.cost,
       -- Another repair, not cancelled, at the same home and of the same trade, reported
       -- in the 30 (90) days before this one: the frame holds the partition's repairs
       -- reported in that window, and EXCLUDE GROUP drops those reported at the same
       -- moment as this one (this one included).
       count(*) FILTER (WHERE st.is_open OR r.completed_at IS NOT NULL)
           OVER (PARTITION BY r.home_id, r.trade_code ORDER BY r.reported_at
                 RANGE BETWEEN interval '30 days' PRECEDING AND CURRENT ROW EXCLUDE GROUP)
           > 0 AS repeat_30,
       count(*) FILTER (WHERE st.is_open OR r.completed_at IS NOT NULL)
           OVER (PARTITION BY r.home_id, r.trade_code ORDER BY r.reported_at
                 RANGE BETWEEN interval '90 days' PRECEDING AND CURRENT ROW EXCLUDE GROUP)
           > 0 AS repeat_90,
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

-- "home_id = ANY (homes)" rather than a join: a plain condition on the column every
-- window is partitioned by is applied before the windows, so only these homes' repairs
-- are read.
CREATE OR REPLACE FUNCTION refresh_repair_facts(homes bigint[]) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
    PERFORM 1 FROM home WHERE id = ANY (homes) ORDER BY id FOR NO KEY UPDATE;
    DELETE FROM repair_fact f WHERE f.home_id = ANY (homes);
    INSERT INTO repair_fact
    SELECT s.* FROM repair_fact_source s WHERE s.home_id = ANY (homes);
END $$;

-- The homes whose facts the open transactions must recompute before they commit. Each
-- transaction sees only its own rows (they are deleted before it commits), so no lock
-- is shared; unlogged, because no row outlives its transaction.
CREATE UNLOGGED TABLE repair_fact_pending (homes bigint[] NOT NULL);

CREATE FUNCTION repair_facts_note_homes(touched bigint[]) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
    IF touched IS NOT NULL THEN
        INSERT INTO repair_fact_pending (homes) VALUES (touched);
    END IF;
END $$;

-- Fires at commit for every noted row; the first call recomputes every noted home at
-- once and the later ones find nothing left.
CREATE FUNCTION repair_facts_apply_pending() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    noted bigint[];
BEGIN
    WITH taken AS (DELETE FROM repair_fact_pending p RETURNING p.homes)
    SELECT array_agg(DISTINCT h) INTO noted FROM taken, unnest(taken.homes) AS h;
    IF noted IS NOT NULL THEN
        PERFORM refresh_repair_facts(noted);
    END IF;
    RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER repair_facts_before_commit AFTER INSERT ON repair_fact_pending
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION repair_facts_apply_pending();

CREATE OR REPLACE FUNCTION repair_facts_after_repair_change() RETURNS trigger
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
    PERFORM repair_facts_note_homes(homes);
    RETURN NULL;
END $$;

-- A repair's lines decide its schedules: note its home. (Lines are deleted before their
-- repair, so the repair is still there to say which home.)
CREATE OR REPLACE FUNCTION repair_facts_after_line_change() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    homes bigint[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(DISTINCT r.home_id) INTO homes
        FROM repair r WHERE r.id IN (SELECT repair_id FROM new_rows);
    ELSIF TG_OP = 'UPDATE' THEN
        SELECT array_agg(DISTINCT r.home_id) INTO homes
        FROM repair r
        WHERE r.id IN (SELECT repair_id FROM new_rows UNION SELECT repair_id FROM old_rows);
    ELSE
        SELECT array_agg(DISTINCT r.home_id) INTO homes
        FROM repair r WHERE r.id IN (SELECT repair_id FROM old_rows);
    END IF;
    PERFORM repair_facts_note_homes(homes);
    RETURN NULL;
END $$;

ALTER FUNCTION refresh_repair_facts(bigint[]) SET jit = off;
ALTER FUNCTION rebuild_repair_facts() SET jit = off;
ALTER FUNCTION repair_facts_after_repair_change() SET jit = off;
ALTER FUNCTION repair_facts_after_line_change() SET jit = off;
ALTER FUNCTION repair_facts_after_home_change() SET jit = off;
ALTER FUNCTION repair_facts_after_code_change() SET jit = off;
ALTER FUNCTION repair_facts_apply_pending() SET jit = off;
REVOKE EXECUTE ON FUNCTION repair_facts_note_homes(bigint[]) FROM PUBLIC;
