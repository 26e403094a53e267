-- The repair summaries rebuilt from the facts in the order of each table's key
-- (rebuild_repair_summaries() and fill_repair_summary_priority_year(), restated from
-- migration 0045 with an ORDER BY on each INSERT). Grouped by a hash, the rows came in
-- no order, and each went to a random page of its table's key: at a million homes the
-- homes by landlord and month (9.8 million rows) took 97 s to write that way and 48 s
-- sorted, and the whole rebuild 4 min 51 s of a demo load. What the tables hold is the
-- same.

CREATE OR REPLACE FUNCTION fill_repair_summary_priority_year() RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public SET jit = off AS $$
BEGIN
    INSERT INTO repair_summary_home_priority_year
    SELECT landlord_id, reporting_year(month), priority_code, home_id, coalesce(record_key, 0),
           count(*)
    FROM repair_fact GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5;
    INSERT INTO repair_summary_priority_year
    SELECT landlord_id, year, priority_code, count(*), sum(record_key)
    FROM repair_summary_home_priority_year GROUP BY landlord_id, year, priority_code
    ORDER BY landlord_id, year, priority_code;
END $$;

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
             is_emergency, within_target, repeat_30, repeat_90, fixed_first_time
    ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12;
    INSERT INTO repair_summary_days
    SELECT landlord_id, month, priority_code, working_days, count(*),
           sum(coalesce(record_key, 0))
    FROM repair_fact WHERE completed AND working_days IS NOT NULL
    GROUP BY landlord_id, month, priority_code, working_days ORDER BY 1, 2, 3, 4;
    INSERT INTO repair_summary_home_month
    SELECT landlord_id, month, home_id, coalesce(record_key, 0), count(*)
    FROM repair_fact GROUP BY landlord_id, month, home_id, coalesce(record_key, 0)
    ORDER BY 1, 2, 3, 4;
    INSERT INTO repair_summary_home
    SELECT landlord_id, home_id, coalesce(record_key, 0), count(*)
    FROM repair_fact GROUP BY landlord_id, home_id, coalesce(record_key, 0) ORDER BY 1, 2, 3;
    INSERT INTO repair_summary_home_priority
    SELECT landlord_id, priority_code, home_id, coalesce(record_key, 0), count(*)
    FROM repair_fact GROUP BY landlord_id, priority_code, home_id, coalesce(record_key, 0)
    ORDER BY 1, 2, 3, 4;
    INSERT INTO repair_summary_home_year
    SELECT landlord_id, reporting_year(month), home_id, record_key, sum(repairs)
    FROM repair_summary_home_month GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4;
    INSERT INTO repair_summary_month
    SELECT landlord_id, month, count(*), sum(record_key)
    FROM repair_summary_home_month GROUP BY landlord_id, month ORDER BY 1, 2;
    INSERT INTO repair_summary_year
    SELECT landlord_id, year, count(*), sum(record_key)
    FROM repair_summary_home_year GROUP BY landlord_id, year ORDER BY 1, 2;
    INSERT INTO repair_summary_landlord
    SELECT landlord_id, count(*), sum(record_key)
    FROM repair_summary_home GROUP BY landlord_id ORDER BY 1;
    INSERT INTO repair_summary_priority
    SELECT landlord_id, priority_code, count(*), sum(record_key)
    FROM repair_summary_home_priority GROUP BY landlord_id, priority_code ORDER BY 1, 2;
    PERFORM fill_repair_summary_priority_year();
END $$;
