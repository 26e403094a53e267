-- Open statistics: record keys for the cell key method, and definitions made exact.
--
-- * Every home and every building gets a fixed random record key (0 to 2^24 - 1), kept
--   in tables of their own that the open data's reader cannot read: a cell's key is the
--   sum of the keys of what it counts; modulo 256 it picks a count's noise from the
--   published perturbation table, and in full it picks the noise of totals and quantiles
--   (odx_graph/disclosure.py). Whoever knows the keys could undo the noise, so they
--   never leave the database.
-- * Repair facts carry their home's record key, and the definitions the documentation
--   states precisely:
--   - a repair without a trade is of no trade: it is never a repeat of another repair
--     and never spoils one's first-time fix (before, two repairs with no trade at one
--     home counted as the same trade);
--   - "within 30 (90) days" is within 720 (2160) hours, whatever the clocks do (before,
--     a calendar interval, whose length followed the session's time zone).
-- * Awaab's Law clocks run only for cases the landlord became aware of on or after the
--   law took effect (27 October 2025, 00:00 UK time); earlier cases are NOT_APPLICABLE.
-- * The working calendar ends with the last year whose bank holidays are known (the
--   server loads them for years ahead at start; odx_graph/calendar.py), so no clock or
--   working-day count is ever worked out from a year without its holidays.
-- * working_days_between() had no callers: dropped.

CREATE TABLE home_record_key (
    home_id     bigint PRIMARY KEY REFERENCES home (id) ON DELETE CASCADE,
    record_key  integer NOT NULL CHECK (record_key BETWEEN 0 AND 16777215)
);
CREATE TABLE building_record_key (
    building_id bigint PRIMARY KEY REFERENCES building (id) ON DELETE CASCADE,
    record_key  integer NOT NULL CHECK (record_key BETWEEN 0 AND 16777215)
);
REVOKE ALL ON home_record_key, building_record_key FROM PUBLIC;
REVOKE ALL ON home_record_key, building_record_key FROM odx_reader, odx_writer;

-- A uniformly random key, drawn once.
CREATE FUNCTION random_record_key() RETURNS integer LANGUAGE sql VOLATILE
    RETURN floor(random() * 16777216)::integer;

INSERT INTO home_record_key SELECT id, random_record_key() FROM home;
INSERT INTO building_record_key SELECT id, random_record_key() FROM building;

CREATE FUNCTION record_keys_for_new_homes() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
    INSERT INTO home_record_key (home_id, record_key)
    SELECT n.id, random_record_key() FROM new_rows n;
    RETURN NULL;
END $$;
CREATE TRIGGER record_keys_home_inserted AFTER INSERT ON home
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION record_keys_for_new_homes();

CREATE FUNCTION record_keys_for_new_buildings() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
    INSERT INTO building_record_key (building_id, record_key)
    SELECT n.id, random_record_key() FROM new_rows n;
    RETURN NULL;
END $$;
CREATE TRIGGER record_keys_building_inserted AFTER INSERT ON building
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION record_keys_for_new_buildings();

-- Keys are fixed; when one is set on purpose (a demo dataset made reproducible), the
-- home's repair facts follow at commit.
CREATE FUNCTION repair_facts_after_record_key_change() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    homes bigint[];
BEGIN
    SELECT array_agg(n.home_id) INTO homes
    FROM new_rows n JOIN old_rows o ON o.home_id = n.home_id
    WHERE n.record_key IS DISTINCT FROM o.record_key;
    PERFORM repair_facts_note_homes(homes);
    RETURN NULL;
END $$;
CREATE TRIGGER repair_facts_record_key_updated AFTER UPDATE ON home_record_key
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION repair_facts_after_record_key_change();
ALTER FUNCTION repair_facts_after_record_key_change() SET jit = off;

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
       -- Another repair, not cancelled, at the same home and of the same trade (a
       -- repair without a trade has none), reported in the 720 (2160) hours before this
       -- one: the frame holds the partition's repairs reported in that window, and
       -- EXCLUDE GROUP drops those reported at the same moment as this one.
       r.trade_code IS NOT NULL AND count(*) FILTER (WHERE st.is_open OR r.completed_at IS NOT NULL)
           OVER (PARTITION BY r.home_id, r.trade_code ORDER BY r.reported_at
                 RANGE BETWEEN interval '720 hours' PRECEDING AND CURRENT ROW EXCLUDE GROUP)
           > 0 AS repeat_30,
       r.trade_code IS NOT NULL AND count(*) FILTER (WHERE st.is_open OR r.completed_at IS NOT NULL)
           OVER (PARTITION BY r.home_id, r.trade_code ORDER BY r.reported_at
                 RANGE BETWEEN interval '2160 hours' PRECEDING AND CURRENT ROW EXCLUDE GROUP)
           > 0 AS repeat_90,
       -- ... or reported after this one was completed, up to 720 hours after.
       NOT EXISTS (SELECT 1 FROM repair q JOIN repair_status qs ON qs.code = q.status_code
                   WHERE q.home_id = r.home_id
                     AND q.trade_code = r.trade_code
                     AND q.id <> r.id AND (qs.is_open OR q.completed_at IS NOT NULL)
                     AND q.reported_at > r.completed_at
                     AND q.reported_at <= r.completed_at + interval '720 hours')
           AS fixed_first_time,
       ARRAY(SELECT DISTINCT s FROM repair_line l
             JOIN sor_code c ON c.code = l.sor_code, unnest(c.schedules) AS s
             WHERE l.repair_id = r.id ORDER BY s) AS schedules,
       k.record_key
FROM repair r
JOIN home h ON h.id = r.home_id
JOIN priority p ON p.code = r.priority_code
JOIN repair_status st ON st.code = r.status_code
LEFT JOIN home_record_key k ON k.home_id = r.home_id
LEFT JOIN working_calendar ws ON ws.day = (r.reported_at AT TIME ZONE 'Europe/London')::date
LEFT JOIN working_calendar we ON we.day = (r.completed_at AT TIME ZONE 'Europe/London')::date;

ALTER TABLE repair_fact ADD COLUMN record_key integer;
-- The key is the noise's secret: the open data's reader gets every other column.
DO $$
DECLARE
    visible text;
BEGIN
    SELECT string_agg(quote_ident(column_name), ', ' ORDER BY ordinal_position)
      INTO visible
      FROM information_schema.columns
     WHERE table_schema = 'public' AND table_name = 'repair_fact'
       AND column_name <> 'record_key';
    REVOKE SELECT ON repair_fact FROM odx_reader, odx_writer;
    EXECUTE format('GRANT SELECT (%s) ON repair_fact TO odx_reader, odx_writer', visible);
END $$;

-- Awaab's Law took effect on 27 October 2025 (00:00 UK time, which is GMT that day).
CREATE FUNCTION awaab_in_force_from() RETURNS timestamptz LANGUAGE sql IMMUTABLE
    PARALLEL SAFE RETURN timestamptz '2025-10-27 00:00:00+00';

CREATE OR REPLACE FUNCTION awaab_clocks(as_of timestamptz)
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

-- The calendar runs from 2015 to the end of the last year with bank holidays.
CREATE OR REPLACE FUNCTION rebuild_working_calendar() RETURNS void LANGUAGE sql AS $$
    DELETE FROM working_calendar;
    INSERT INTO working_calendar (day, is_working_day, working_day_number)
    SELECT d::date, w, sum(w::int) OVER (ORDER BY d)::integer
    FROM generate_series(
             date '2015-01-01',
             make_date(coalesce((SELECT max(extract(year FROM day))::integer
                                 FROM bank_holiday), 2015), 12, 31),
             interval '1 day') AS d,
         LATERAL (SELECT extract(isodow FROM d) < 6
                         AND NOT EXISTS (SELECT 1 FROM bank_holiday b WHERE b.day = d::date)) AS x(w);
$$;
-- (Rebuilding the calendar rebuilds the repair facts, with the new definitions.)
SELECT rebuild_working_calendar();

DROP FUNCTION working_days_between(timestamptz, timestamptz);
