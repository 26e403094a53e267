-- The homes with a repair of each priority per landlord and reporting year, kept as the
-- repair summaries keep the others (migration 0038), so that a landlord's measures of a
-- TSM year by priority (emergency, urgent, routine...) read the summaries instead of
-- every one of the landlord's repairs of that year (at a million homes the largest
-- landlord has about 1.7 million repairs a year, and that statement took 5.6 s).
--
-- - repair_summary_home_priority_year: repairs per landlord, reporting year (1 April
--   to 31 March, UK time, named by the year it starts in), priority and home;
-- - repair_summary_priority_year: the homes with a repair of each priority per
--   landlord and reporting year, and the sum of their record keys.
--
-- Added at commit from the same notes as the others (repair_summary_delta), in key
-- order, in the one pass rebuild_repair_summaries() and repair_summaries_apply() make,
-- both restated here with the two new tables. Derived: they move no data version.

CREATE TABLE repair_summary_home_priority_year (
    landlord_id   bigint NOT NULL,
    year          integer NOT NULL,
    priority_code text NOT NULL,
    home_id       bigint NOT NULL,
    record_key    integer NOT NULL,
    repairs       bigint NOT NULL,
    PRIMARY KEY (landlord_id, year, priority_code, home_id, record_key)
);

CREATE TABLE repair_summary_priority_year (
    landlord_id   bigint NOT NULL,
    year          integer NOT NULL,
    priority_code text NOT NULL,
    homes         bigint NOT NULL,
    homes_key     bigint NOT NULL,
    PRIMARY KEY (landlord_id, year, priority_code)
);
CREATE INDEX repair_summary_home_priority_year_empty ON repair_summary_home_priority_year (repairs)
    WHERE repairs = 0;
CREATE INDEX repair_summary_priority_year_empty ON repair_summary_priority_year (homes)
    WHERE homes = 0;

-- The two tables worked out from the facts (emptied first by the caller).
CREATE FUNCTION fill_repair_summary_priority_year() RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public SET jit = off AS $$
BEGIN
    INSERT INTO repair_summary_home_priority_year
    SELECT landlord_id, reporting_year(month), priority_code, home_id, coalesce(record_key, 0),
           count(*)
    FROM repair_fact GROUP BY 1, 2, 3, 4, 5;
    INSERT INTO repair_summary_priority_year
    SELECT landlord_id, year, priority_code, count(*), sum(record_key)
    FROM repair_summary_home_priority_year GROUP BY landlord_id, year, priority_code;
END $$;

-- As in 0038, with the homes of each priority and reporting year.

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
    DELETE FROM repair_summary_home_priority_year;
    DELETE FROM repair_summary_priority_year;
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
    PERFORM fill_repair_summary_priority_year();
END $$;

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
    WITH d AS (
        SELECT landlord_id, reporting_year(month) AS year, priority_code, home_id, record_key,
               sum(repairs) AS repairs
        FROM repair_summary_delta GROUP BY 1, 2, 3, 4, 5 HAVING sum(repairs) <> 0
    ), counted AS (
        INSERT INTO repair_summary_home_priority_year AS s
        SELECT * FROM d ORDER BY 1, 2, 3, 4, 5
        ON CONFLICT (landlord_id, year, priority_code, home_id, record_key)
        DO UPDATE SET repairs = s.repairs + excluded.repairs
        RETURNING s.*
    ), moved AS (
        SELECT c.landlord_id, c.year, c.priority_code, c.record_key,
               CASE WHEN c.repairs = 0 THEN -1 WHEN c.repairs = d.repairs THEN 1 ELSE 0 END
                   AS homes
        FROM counted c JOIN d USING (landlord_id, year, priority_code, home_id, record_key)
    )
    INSERT INTO repair_summary_priority_year AS s
    SELECT landlord_id, year, priority_code, sum(homes), sum(homes * record_key)
    FROM moved GROUP BY 1, 2, 3 HAVING sum(homes) <> 0 OR sum(homes * record_key) <> 0
    ORDER BY 1, 2, 3
    ON CONFLICT (landlord_id, year, priority_code)
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
    DELETE FROM repair_summary_home_priority_year WHERE repairs = 0;
    DELETE FROM repair_summary_priority_year WHERE homes = 0;
    RETURN NULL;
END $$;

-- The two new tables filled from the facts (the other summaries are as they were).
SELECT fill_repair_summary_priority_year();
