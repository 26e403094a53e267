-- Repair summaries: the repair facts counted by landlord and month, kept up to date as the
-- facts change, so that a landlord's measures (a scorecard: RP02 within target, median
-- working days, repeats, first-time fix, each beside its peers) read a few thousand
-- summary rows instead of scanning and sorting every repair (60,000 repairs for a
-- 5,000-home demo: 130 ms a statement, and a scorecard sent two).
--
-- - repair_summary: repairs (and the sum of their record keys) per landlord, month and
--   combination of the facts' flags: every count and share whose condition is over these
--   flags is a sum of it;
-- - repair_summary_days: completed repairs per landlord, month and whole working days: a
--   histogram, from which a percentile of working days is exact (they are integers);
-- - repair_summary_home_month and repair_summary_home: repairs per landlord, (month,)
--   home and record key, and from them repair_summary_month and repair_summary_landlord:
--   the homes with a repair (and the sum of their record keys) per landlord (and month),
--   so that a group's homes are counted without reading its repairs.
--
-- Each statement that writes repair facts notes what it added and took away, netted, in
-- repair_summary_delta; at commit the summaries take the transaction's notes in one pass,
-- in key order (a transaction rewrites a home's facts by deleting and inserting them, and
-- two passes in two orders could make two transactions wait for each other in a circle).
-- The summaries are derived from the facts: they move no data version (migration 0014).

-- A fact's landlord, month and home are never null (its repair's are not).
CREATE TABLE repair_summary (
    landlord_id      bigint NOT NULL,
    month            text NOT NULL,
    completed        boolean,
    is_open          boolean,
    cancelled        boolean,
    has_target       boolean,
    is_emergency     boolean,
    within_target    boolean,
    repeat_30        boolean,
    repeat_90        boolean,
    fixed_first_time boolean,
    repairs          bigint NOT NULL,
    record_keys      bigint NOT NULL
);
CREATE UNIQUE INDEX repair_summary_key ON repair_summary
    (landlord_id, month, completed, is_open, cancelled, has_target, is_emergency,
     within_target, repeat_30, repeat_90, fixed_first_time) NULLS NOT DISTINCT;

CREATE TABLE repair_summary_days (
    landlord_id  bigint NOT NULL,
    month        text NOT NULL,
    working_days integer NOT NULL,
    repairs      bigint NOT NULL,
    record_keys  bigint NOT NULL,
    PRIMARY KEY (landlord_id, month, working_days)
);

CREATE TABLE repair_summary_home_month (
    landlord_id bigint NOT NULL,
    month       text NOT NULL,
    home_id     bigint NOT NULL,
    record_key  integer NOT NULL,
    repairs     bigint NOT NULL,
    PRIMARY KEY (landlord_id, month, home_id, record_key)
);

CREATE TABLE repair_summary_home (
    landlord_id bigint NOT NULL,
    home_id     bigint NOT NULL,
    record_key  integer NOT NULL,
    repairs     bigint NOT NULL,
    PRIMARY KEY (landlord_id, home_id, record_key)
);

CREATE TABLE repair_summary_month (
    landlord_id bigint NOT NULL,
    month       text NOT NULL,
    homes       bigint NOT NULL,
    homes_key   bigint NOT NULL,
    PRIMARY KEY (landlord_id, month)
);

CREATE TABLE repair_summary_landlord (
    landlord_id bigint PRIMARY KEY,
    homes       bigint NOT NULL,
    homes_key   bigint NOT NULL
);

-- What the open transactions' statements changed, netted per statement: each transaction
-- sees only its own rows, and takes them before it commits; unlogged, as no row outlives
-- its transaction.
CREATE UNLOGGED TABLE repair_summary_delta (
    landlord_id      bigint NOT NULL,
    month            text NOT NULL,
    home_id          bigint NOT NULL,
    record_key       integer NOT NULL,
    completed        boolean,
    is_open          boolean,
    cancelled        boolean,
    has_target       boolean,
    is_emergency     boolean,
    within_target    boolean,
    repeat_30        boolean,
    repeat_90        boolean,
    fixed_first_time boolean,
    working_days     integer,
    repairs          bigint NOT NULL
);
-- One row per transaction with notes: its trigger takes them at commit.
CREATE UNLOGGED TABLE repair_summary_pending (noted boolean NOT NULL DEFAULT true);

-- Every summary worked out again from the facts (the notes of the transaction dropped).
CREATE FUNCTION rebuild_repair_summaries() RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
    DELETE FROM repair_summary_delta;
    DELETE FROM repair_summary;
    DELETE FROM repair_summary_days;
    DELETE FROM repair_summary_home_month;
    DELETE FROM repair_summary_home;
    DELETE FROM repair_summary_month;
    DELETE FROM repair_summary_landlord;
    INSERT INTO repair_summary
    SELECT landlord_id, month, completed, is_open, cancelled, has_target, is_emergency,
           within_target, repeat_30, repeat_90, fixed_first_time,
           count(*), sum(coalesce(record_key, 0))
    FROM repair_fact
    GROUP BY landlord_id, month, completed, is_open, cancelled, has_target, is_emergency,
             within_target, repeat_30, repeat_90, fixed_first_time;
    INSERT INTO repair_summary_days
    SELECT landlord_id, month, working_days, count(*), sum(coalesce(record_key, 0))
    FROM repair_fact WHERE completed AND working_days IS NOT NULL
    GROUP BY landlord_id, month, working_days;
    INSERT INTO repair_summary_home_month
    SELECT landlord_id, month, home_id, coalesce(record_key, 0), count(*)
    FROM repair_fact GROUP BY landlord_id, month, home_id, coalesce(record_key, 0);
    INSERT INTO repair_summary_home
    SELECT landlord_id, home_id, coalesce(record_key, 0), count(*)
    FROM repair_fact GROUP BY landlord_id, home_id, coalesce(record_key, 0);
    INSERT INTO repair_summary_month
    SELECT landlord_id, month, count(*), sum(record_key)
    FROM repair_summary_home_month GROUP BY landlord_id, month;
    INSERT INTO repair_summary_landlord
    SELECT landlord_id, count(*), sum(record_key)
    FROM repair_summary_home GROUP BY landlord_id;
END $$;

-- A statement's changes to the facts, netted (a fact rewritten as it was nets to nothing,
-- as does a change of its schedules alone), noted for the commit.
CREATE FUNCTION repair_summaries_note() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    had_notes boolean := EXISTS (SELECT 1 FROM repair_summary_delta);
    noted bigint;
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO repair_summary_delta
        SELECT landlord_id, month, home_id, coalesce(record_key, 0), completed, is_open,
               cancelled, has_target, is_emergency, within_target, repeat_30, repeat_90,
               fixed_first_time, working_days, count(*)
        FROM new_rows
        GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO repair_summary_delta
        SELECT landlord_id, month, home_id, coalesce(record_key, 0), completed, is_open,
               cancelled, has_target, is_emergency, within_target, repeat_30, repeat_90,
               fixed_first_time, working_days, -count(*)
        FROM old_rows
        GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14;
    ELSE
        INSERT INTO repair_summary_delta
        SELECT landlord_id, month, home_id, coalesce(record_key, 0), completed, is_open,
               cancelled, has_target, is_emergency, within_target, repeat_30, repeat_90,
               fixed_first_time, working_days, sum(n)
        FROM (SELECT *, 1 AS n FROM new_rows UNION ALL SELECT *, -1 FROM old_rows) AS c
        GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14
        HAVING sum(n) <> 0;
    END IF;
    GET DIAGNOSTICS noted = ROW_COUNT;
    IF noted > 0 AND NOT had_notes THEN
        INSERT INTO repair_summary_pending DEFAULT VALUES;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER repair_summaries_inserted AFTER INSERT ON repair_fact
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION repair_summaries_note();
CREATE TRIGGER repair_summaries_updated AFTER UPDATE ON repair_fact
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION repair_summaries_note();
CREATE TRIGGER repair_summaries_deleted AFTER DELETE ON repair_fact
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION repair_summaries_note();

-- The transaction's notes added to the summaries, each summary's rows in key order;
-- rows left with no repair are dropped. Fires at commit (after the facts are refreshed,
-- which notes are made by).
CREATE FUNCTION repair_summaries_apply() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
    DELETE FROM repair_summary_pending;
    INSERT INTO repair_summary AS s
    SELECT landlord_id, month, completed, is_open, cancelled, has_target, is_emergency,
           within_target, repeat_30, repeat_90, fixed_first_time,
           sum(repairs), sum(repairs * record_key)
    FROM repair_summary_delta
    GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11
    HAVING sum(repairs) <> 0 OR sum(repairs * record_key) <> 0
    ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11
    ON CONFLICT (landlord_id, month, completed, is_open, cancelled, has_target,
                 is_emergency, within_target, repeat_30, repeat_90, fixed_first_time)
    DO UPDATE SET repairs = s.repairs + excluded.repairs,
                  record_keys = s.record_keys + excluded.record_keys;
    INSERT INTO repair_summary_days AS s
    SELECT landlord_id, month, working_days, sum(repairs), sum(repairs * record_key)
    FROM repair_summary_delta
    WHERE completed AND working_days IS NOT NULL
    GROUP BY 1, 2, 3
    HAVING sum(repairs) <> 0 OR sum(repairs * record_key) <> 0
    ORDER BY 1, 2, 3
    ON CONFLICT (landlord_id, month, working_days)
    DO UPDATE SET repairs = s.repairs + excluded.repairs,
                  record_keys = s.record_keys + excluded.record_keys;
    -- A home is counted in a landlord's month when its first repair there comes, and no
    -- longer when its last goes: when the repairs it has there after the change are what
    -- the change added, or none.
    WITH d AS (
        SELECT landlord_id, month, home_id, record_key, sum(repairs) AS repairs
        FROM repair_summary_delta GROUP BY 1, 2, 3, 4 HAVING sum(repairs) <> 0
    ), counted AS (
        INSERT INTO repair_summary_home_month AS s
        SELECT * FROM d ORDER BY 1, 2, 3, 4
        ON CONFLICT (landlord_id, month, home_id, record_key)
        DO UPDATE SET repairs = s.repairs + excluded.repairs
        RETURNING s.*
    ), moved AS (
        SELECT c.landlord_id, c.month, c.record_key,
               CASE WHEN c.repairs = 0 THEN -1 WHEN c.repairs = d.repairs THEN 1 ELSE 0 END
                   AS homes
        FROM counted c JOIN d USING (landlord_id, month, home_id, record_key)
    )
    INSERT INTO repair_summary_month AS s
    SELECT landlord_id, month, sum(homes), sum(homes * record_key)
    FROM moved GROUP BY 1, 2 HAVING sum(homes) <> 0 OR sum(homes * record_key) <> 0
    ORDER BY 1, 2
    ON CONFLICT (landlord_id, month)
    DO UPDATE SET homes = s.homes + excluded.homes, homes_key = s.homes_key + excluded.homes_key;
    WITH d AS (
        SELECT landlord_id, home_id, record_key, sum(repairs) AS repairs
        FROM repair_summary_delta GROUP BY 1, 2, 3 HAVING sum(repairs) <> 0
    ), counted AS (
        INSERT INTO repair_summary_home AS s
        SELECT * FROM d ORDER BY 1, 2, 3
        ON CONFLICT (landlord_id, home_id, record_key)
        DO UPDATE SET repairs = s.repairs + excluded.repairs
        RETURNING s.*
    ), moved AS (
        SELECT c.landlord_id, c.record_key,
               CASE WHEN c.repairs = 0 THEN -1 WHEN c.repairs = d.repairs THEN 1 ELSE 0 END
                   AS homes
        FROM counted c JOIN d USING (landlord_id, home_id, record_key)
    )
    INSERT INTO repair_summary_landlord AS s
    SELECT landlord_id, sum(homes), sum(homes * record_key)
    FROM moved GROUP BY 1 HAVING sum(homes) <> 0 OR sum(homes * record_key) <> 0
    ORDER BY 1
    ON CONFLICT (landlord_id)
    DO UPDATE SET homes = s.homes + excluded.homes, homes_key = s.homes_key + excluded.homes_key;
    DELETE FROM repair_summary_delta;
    -- Only rows this transaction emptied: another's emptied rows are not yet committed.
    DELETE FROM repair_summary WHERE repairs = 0;
    DELETE FROM repair_summary_days WHERE repairs = 0;
    DELETE FROM repair_summary_home_month WHERE repairs = 0;
    DELETE FROM repair_summary_home WHERE repairs = 0;
    DELETE FROM repair_summary_month WHERE homes = 0;
    DELETE FROM repair_summary_landlord WHERE homes = 0;
    RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER repair_summaries_before_commit AFTER INSERT ON repair_summary_pending
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION repair_summaries_apply();

-- Emptied rows are few and short-lived: found without reading the summaries.
CREATE INDEX repair_summary_empty ON repair_summary (repairs) WHERE repairs = 0;
CREATE INDEX repair_summary_days_empty ON repair_summary_days (repairs) WHERE repairs = 0;
CREATE INDEX repair_summary_home_month_empty ON repair_summary_home_month (repairs)
    WHERE repairs = 0;
CREATE INDEX repair_summary_home_empty ON repair_summary_home (repairs) WHERE repairs = 0;
CREATE INDEX repair_summary_month_empty ON repair_summary_month (homes) WHERE homes = 0;
CREATE INDEX repair_summary_landlord_empty ON repair_summary_landlord (homes) WHERE homes = 0;

ALTER FUNCTION rebuild_repair_summaries() SET jit = off;
ALTER FUNCTION repair_summaries_note() SET jit = off;
ALTER FUNCTION repair_summaries_apply() SET jit = off;
REVOKE EXECUTE ON FUNCTION rebuild_repair_summaries() FROM PUBLIC;

-- The summaries hold sums of record keys: only the server's own user reads them, as it
-- reads the facts' keys (the open data's reader role may not).
SELECT rebuild_repair_summaries();
