-- The repair summaries (migration 0035) counted by priority too, so that a landlord's
-- measures by priority (emergency, urgent, routine...) read the summaries instead of
-- every one of the landlord's repairs (at a million homes a landlord has about five
-- million, and that statement took 25 s).
--
-- - repair_summary and repair_summary_days gain the priority in their key: every group
--   by landlord, month and priority, in any combination, is a sum of their rows;
-- - repair_summary_home_priority and repair_summary_priority count the homes with a
--   repair of each priority per landlord, as repair_summary_home and
--   repair_summary_landlord count them per landlord (the homes of a month and priority
--   are not kept: that grouping still reads the facts);
-- - repair_summary_home_year and repair_summary_year count the homes with a repair per
--   landlord and reporting year (1 April to 31 March, UK time: the year Tenant
--   Satisfaction Measures are reported for, named by the year it starts in), so that a
--   TSM year's homes are read, not found by de-duplicating every month's.
--
-- They are kept as 0035 keeps the others: each statement notes its netted changes, and
-- the notes are added at commit in key order. Derived: they move no data version.

DROP TABLE repair_summary;
DROP TABLE repair_summary_days;
DROP TABLE repair_summary_delta;

-- A fact's landlord, month, priority and home are never null (its repair's are not).
CREATE TABLE repair_summary (
    landlord_id      bigint NOT NULL,
    month            text NOT NULL,
    priority_code    text NOT NULL,
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
    (landlord_id, month, priority_code, completed, is_open, cancelled, has_target,
     is_emergency, within_target, repeat_30, repeat_90, fixed_first_time) NULLS NOT DISTINCT;

CREATE TABLE repair_summary_days (
    landlord_id   bigint NOT NULL,
    month         text NOT NULL,
    priority_code text NOT NULL,
    working_days  integer NOT NULL,
    repairs       bigint NOT NULL,
    record_keys   bigint NOT NULL,
    PRIMARY KEY (landlord_id, month, priority_code, working_days)
);

CREATE TABLE repair_summary_home_priority (
    landlord_id   bigint NOT NULL,
    priority_code text NOT NULL,
    home_id       bigint NOT NULL,
    record_key    integer NOT NULL,
    repairs       bigint NOT NULL,
    PRIMARY KEY (landlord_id, priority_code, home_id, record_key)
);

CREATE TABLE repair_summary_home_year (
    landlord_id bigint NOT NULL,
    year        integer NOT NULL,
    home_id     bigint NOT NULL,
    record_key  integer NOT NULL,
    repairs     bigint NOT NULL,
    PRIMARY KEY (landlord_id, year, home_id, record_key)
);

CREATE TABLE repair_summary_year (
    landlord_id bigint NOT NULL,
    year        integer NOT NULL,
    homes       bigint NOT NULL,
    homes_key   bigint NOT NULL,
    PRIMARY KEY (landlord_id, year)
);

-- The reporting year of a month ('YYYY-MM'): the year of its 1 April before or on it.
CREATE FUNCTION reporting_year(month text) RETURNS integer
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN substr(month, 1, 4)::integer - CASE WHEN substr(month, 6, 2) < '04' THEN 1 ELSE 0 END;

CREATE TABLE repair_summary_priority (
    landlord_id   bigint NOT NULL,
    priority_code text NOT NULL,
    homes         bigint NOT NULL,
    homes_key     bigint NOT NULL,
    PRIMARY KEY (landlord_id, priority_code)
);

CREATE UNLOGGED TABLE repair_summary_delta (
    landlord_id      bigint NOT NULL,
    month            text NOT NULL,
    priority_code    text NOT NULL,
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

CREATE OR REPLACE FUNCTION rebuild_repair_summaries() RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public SET jit = off AS $$
BEGIN
    DELETE FROM repair_summary_delta;
    DELETE FROM repair_summary;
    DELETE FROM repair_summary_days;
    DELETE FROM repair_summary_home_month;
    DELETE FROM repair_summary_home;
    DELETE FROM repair_summary_home_priority;
    DELETE FROM repair_summary_home_year;
    DELETE FROM repair_summary_month;
    DELETE FROM repair_summary_landlord;
    DELETE FROM repair_summary_priority;
    DELETE FROM repair_summary_year;
    INSERT INTO repair_summary
    SELECT landlord_id, month, priority_code, completed, is_open, cancelled, has_target,
           is_emergency, within_target, repeat_30, repeat_90, fixed_first_time,
           count(*), sum(coalesce(record_key, 0))
    FROM repair_fact
    GROUP BY landlord_id, month, priority_code, completed, is_open, cancelled, has_target,
             is_emergency, within_target, repeat_30, repeat_90, fixed_first_time;
    INSERT INTO repair_summary_days
    SELECT landlord_id, month, priority_code, working_days, count(*),
           sum(coalesce(record_key, 0))
    FROM repair_fact WHERE completed AND working_days IS NOT NULL
    GROUP BY landlord_id, month, priority_code, working_days;
    INSERT INTO repair_summary_home_month
    SELECT landlord_id, month, home_id, coalesce(record_key, 0), count(*)
    FROM repair_fact GROUP BY landlord_id, month, home_id, coalesce(record_key, 0);
    INSERT INTO repair_summary_home
    SELECT landlord_id, home_id, coalesce(record_key, 0), count(*)
    FROM repair_fact GROUP BY landlord_id, home_id, coalesce(record_key, 0);
    INSERT INTO repair_summary_home_priority
    SELECT landlord_id, priority_code, home_id, coalesce(record_key, 0), count(*)
    FROM repair_fact GROUP BY landlord_id, priority_code, home_id, coalesce(record_key, 0);
    INSERT INTO repair_summary_home_year
    SELECT landlord_id, reporting_year(month), home_id, record_key, sum(repairs)
    FROM repair_summary_home_month GROUP BY 1, 2, 3, 4;
    INSERT INTO repair_summary_month
    SELECT landlord_id, month, count(*), sum(record_key)
    FROM repair_summary_home_month GROUP BY landlord_id, month;
    INSERT INTO repair_summary_year
    SELECT landlord_id, year, count(*), sum(record_key)
    FROM repair_summary_home_year GROUP BY landlord_id, year;
    INSERT INTO repair_summary_landlord
    SELECT landlord_id, count(*), sum(record_key)
    FROM repair_summary_home GROUP BY landlord_id;
    INSERT INTO repair_summary_priority
    SELECT landlord_id, priority_code, count(*), sum(record_key)
    FROM repair_summary_home_priority GROUP BY landlord_id, priority_code;
END $$;

CREATE OR REPLACE FUNCTION repair_summaries_note() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public SET jit = off AS $$
DECLARE
    had_notes boolean := EXISTS (SELECT 1 FROM repair_summary_delta);
    noted bigint;
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO repair_summary_delta
        SELECT landlord_id, month, priority_code, home_id, coalesce(record_key, 0), completed,
               is_open, cancelled, has_target, is_emergency, within_target, repeat_30,
               repeat_90, fixed_first_time, working_days, count(*)
        FROM new_rows
        GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO repair_summary_delta
        SELECT landlord_id, month, priority_code, home_id, coalesce(record_key, 0), completed,
               is_open, cancelled, has_target, is_emergency, within_target, repeat_30,
               repeat_90, fixed_first_time, working_days, -count(*)
        FROM old_rows
        GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15;
    ELSE
        INSERT INTO repair_summary_delta
        SELECT landlord_id, month, priority_code, home_id, coalesce(record_key, 0), completed,
               is_open, cancelled, has_target, is_emergency, within_target, repeat_30,
               repeat_90, fixed_first_time, working_days, sum(n)
        FROM (SELECT *, 1 AS n FROM new_rows UNION ALL SELECT *, -1 FROM old_rows) AS c
        GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
        HAVING sum(n) <> 0;
    END IF;
    GET DIAGNOSTICS noted = ROW_COUNT;
    IF noted > 0 AND NOT had_notes THEN
        INSERT INTO repair_summary_pending DEFAULT VALUES;
    END IF;
    RETURN NULL;
END $$;

-- As in 0035, with the priority in the repairs' keys and its homes counted.
CREATE OR REPLACE FUNCTION repair_summaries_apply() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public SET jit = off AS $$
BEGIN
    DELETE FROM repair_summary_pending;
    INSERT INTO repair_summary AS s
    SELECT landlord_id, month, priority_code, completed, is_open, cancelled, has_target,
           is_emergency, within_target, repeat_30, repeat_90, fixed_first_time,
           sum(repairs), sum(repairs * record_key)
    FROM repair_summary_delta
    GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12
    HAVING sum(repairs) <> 0 OR sum(repairs * record_key) <> 0
    ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12
    ON CONFLICT (landlord_id, month, priority_code, completed, is_open, cancelled,
                 has_target, is_emergency, within_target, repeat_30, repeat_90,
                 fixed_first_time)
    DO UPDATE SET repairs = s.repairs + excluded.repairs,
                  record_keys = s.record_keys + excluded.record_keys;
    INSERT INTO repair_summary_days AS s
    SELECT landlord_id, month, priority_code, working_days, sum(repairs),
           sum(repairs * record_key)
    FROM repair_summary_delta
    WHERE completed AND working_days IS NOT NULL
    GROUP BY 1, 2, 3, 4
    HAVING sum(repairs) <> 0 OR sum(repairs * record_key) <> 0
    ORDER BY 1, 2, 3, 4
    ON CONFLICT (landlord_id, month, priority_code, working_days)
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
    WITH d AS (
        SELECT landlord_id, priority_code, home_id, record_key, sum(repairs) AS repairs
        FROM repair_summary_delta GROUP BY 1, 2, 3, 4 HAVING sum(repairs) <> 0
    ), counted AS (
        INSERT INTO repair_summary_home_priority AS s
        SELECT * FROM d ORDER BY 1, 2, 3, 4
        ON CONFLICT (landlord_id, priority_code, home_id, record_key)
        DO UPDATE SET repairs = s.repairs + excluded.repairs
        RETURNING s.*
    ), moved AS (
        SELECT c.landlord_id, c.priority_code, c.record_key,
               CASE WHEN c.repairs = 0 THEN -1 WHEN c.repairs = d.repairs THEN 1 ELSE 0 END
                   AS homes
        FROM counted c JOIN d USING (landlord_id, priority_code, home_id, record_key)
    )
    INSERT INTO repair_summary_priority AS s
    SELECT landlord_id, priority_code, sum(homes), sum(homes * record_key)
    FROM moved GROUP BY 1, 2 HAVING sum(homes) <> 0 OR sum(homes * record_key) <> 0
    ORDER BY 1, 2
    ON CONFLICT (landlord_id, priority_code)
    DO UPDATE SET homes = s.homes + excluded.homes, homes_key = s.homes_key + excluded.homes_key;
    WITH d AS (
        SELECT landlord_id, reporting_year(month) AS year, home_id, record_key,
               sum(repairs) AS repairs
        FROM repair_summary_delta GROUP BY 1, 2, 3, 4 HAVING sum(repairs) <> 0
    ), counted AS (
        INSERT INTO repair_summary_home_year AS s
        SELECT * FROM d ORDER BY 1, 2, 3, 4
        ON CONFLICT (landlord_id, year, home_id, record_key)
        DO UPDATE SET repairs = s.repairs + excluded.repairs
        RETURNING s.*
    ), moved AS (
        SELECT c.landlord_id, c.year, c.record_key,
               CASE WHEN c.repairs = 0 THEN -1 WHEN c.repairs = d.repairs THEN 1 ELSE 0 END
                   AS homes
        FROM counted c JOIN d USING (landlord_id, year, home_id, record_key)
    )
    INSERT INTO repair_summary_year AS s
    SELECT landlord_id, year, sum(homes), sum(homes * record_key)
    FROM moved GROUP BY 1, 2 HAVING sum(homes) <> 0 OR sum(homes * record_key) <> 0
    ORDER BY 1, 2
    ON CONFLICT (landlord_id, year)
    DO UPDATE SET homes = s.homes + excluded.homes, homes_key = s.homes_key + excluded.homes_key;
    DELETE FROM repair_summary_delta;
    -- Only rows this transaction emptied: another's emptied rows are not yet committed.
    DELETE FROM repair_summary WHERE repairs = 0;
    DELETE FROM repair_summary_days WHERE repairs = 0;
    DELETE FROM repair_summary_home_month WHERE repairs = 0;
    DELETE FROM repair_summary_home WHERE repairs = 0;
    DELETE FROM repair_summary_home_priority WHERE repairs = 0;
    DELETE FROM repair_summary_home_year WHERE repairs = 0;
    DELETE FROM repair_summary_month WHERE homes = 0;
    DELETE FROM repair_summary_landlord WHERE homes = 0;
    DELETE FROM repair_summary_priority WHERE homes = 0;
    DELETE FROM repair_summary_year WHERE homes = 0;
    RETURN NULL;
END $$;

CREATE INDEX repair_summary_empty ON repair_summary (repairs) WHERE repairs = 0;
CREATE INDEX repair_summary_days_empty ON repair_summary_days (repairs) WHERE repairs = 0;
CREATE INDEX repair_summary_home_priority_empty ON repair_summary_home_priority (repairs)
    WHERE repairs = 0;
CREATE INDEX repair_summary_priority_empty ON repair_summary_priority (homes)
    WHERE homes = 0;
CREATE INDEX repair_summary_home_year_empty ON repair_summary_home_year (repairs)
    WHERE repairs = 0;
CREATE INDEX repair_summary_year_empty ON repair_summary_year (homes) WHERE homes = 0;

SELECT rebuild_repair_summaries();
