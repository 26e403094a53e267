-- The database schema after every migration in this directory: tables, views,
-- functions, triggers, indexes, policies and grants. Generated, do not edit; after
-- adding a migration run: odx-graph schema --sql > migrations/schema.sql

--
-- Name: awaab_clock_status(timestamp with time zone, timestamp with time zone, timestamp with time zone); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.awaab_clock_status(due timestamp with time zone, done timestamp with time zone, as_of timestamp with time zone) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN CASE WHEN (due IS NULL) THEN 'NOT_APPLICABLE'::text WHEN ((done IS NOT NULL) AND (done <= due)) THEN 'ON_TIME'::text WHEN (done IS NOT NULL) THEN 'BREACHED'::text WHEN (as_of > due) THEN 'BREACHED'::text ELSE 'DUE'::text END;

--
-- Name: awaab_clocks(timestamp with time zone); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.awaab_clocks(as_of timestamp with time zone) RETURNS TABLE(case_id bigint, landlord_id bigint, home_id bigint, hazard_level_code text, aware_at timestamp with time zone, investigate_due_at timestamp with time zone, investigate_done_at timestamp with time zone, investigate_status text, summary_due_at timestamp with time zone, summary_done_at timestamp with time zone, summary_status text, make_safe_due_at timestamp with time zone, make_safe_done_at timestamp with time zone, make_safe_status text)
    LANGUAGE sql STABLE
    AS $$
    SELECT c.id, c.landlord_id, c.home_id, c.hazard_level_code, c.aware_at,
           d.investigate_due_at, c.investigation_completed_at, s.investigate_status,
           d.summary_due_at, c.written_summary_sent_at, s.summary_status,
           d.make_safe_due_at, c.made_safe_at, s.make_safe_status
    FROM damp_mould_case c
    LEFT JOIN awaab_deadline d ON d.landlord_id = c.landlord_id AND d.case_id = c.id
    CROSS JOIN LATERAL (SELECT
        awaab_clock_status(d.investigate_due_at, c.investigation_completed_at, as_of)
            AS investigate_status,
        awaab_clock_status(d.summary_due_at, c.written_summary_sent_at, as_of)
            AS summary_status,
        awaab_clock_status(d.make_safe_due_at, c.made_safe_at, as_of) AS make_safe_status
        OFFSET 0
    ) s
$$;

--
-- Name: awaab_deadlines_after_case_change(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.awaab_deadlines_after_case_change() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    SET jit TO 'off'
    AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        DELETE FROM awaab_deadline d WHERE d.case_id = ANY (ARRAY(SELECT o.id FROM old_rows o));
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO awaab_deadline
        SELECT * FROM awaab_deadline_source s
        WHERE s.case_id = ANY (ARRAY(SELECT n.id FROM new_rows n));
    END IF;
    RETURN NULL;
END $$;

--
-- Name: awaab_deadlines_after_rule_change(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.awaab_deadlines_after_rule_change() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
BEGIN
    PERFORM rebuild_awaab_deadlines();
    RETURN NULL;
END $$;

--
-- Name: awaab_deadlines_after_timescale_change(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.awaab_deadlines_after_timescale_change() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    SET jit TO 'off'
    AS $$
DECLARE
    changed boolean;
BEGIN
    -- Each branch names only the transition tables its trigger has (plpgsql plans a
    -- statement when it first runs it).
    IF TG_OP = 'INSERT' THEN
        changed := EXISTS (SELECT 1 FROM new_rows);
    ELSIF TG_OP = 'DELETE' THEN
        changed := EXISTS (SELECT 1 FROM old_rows);
    ELSE
        changed := EXISTS (
            (SELECT code, investigate_within_hours, investigate_within_working_days,
                    summary_within_working_days, make_safe_within_hours,
                    make_safe_within_working_days FROM new_rows
             EXCEPT
             SELECT code, investigate_within_hours, investigate_within_working_days,
                    summary_within_working_days, make_safe_within_hours,
                    make_safe_within_working_days FROM old_rows)
            UNION ALL
            (SELECT code, investigate_within_hours, investigate_within_working_days,
                    summary_within_working_days, make_safe_within_hours,
                    make_safe_within_working_days FROM old_rows
             EXCEPT
             SELECT code, investigate_within_hours, investigate_within_working_days,
                    summary_within_working_days, make_safe_within_hours,
                    make_safe_within_working_days FROM new_rows));
    END IF;
    IF changed THEN
        PERFORM rebuild_awaab_deadlines();
    END IF;
    RETURN NULL;
END $$;

--
-- Name: awaab_in_force_from(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.awaab_in_force_from() RETURNS timestamp with time zone
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN '2025-10-27 00:00:00+00'::timestamp with time zone;

--
-- Name: bump_data_version(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.bump_data_version() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    SET jit TO 'off'
    AS $$
BEGIN
    PERFORM move_data_version();
    RETURN NULL;
END $$;

--
-- Name: delete_model_scores(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.delete_model_scores() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    EXECUTE format('DROP TABLE IF EXISTS %I', 'home_damp_risk_m' || OLD.id);
    EXECUTE format('DROP TABLE IF EXISTS %I', 'component_failure_risk_m' || OLD.id);
    RETURN OLD;
END;
$$;

--
-- Name: estate_postcodes_valid(text[]); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.estate_postcodes_valid(postcodes text[]) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN (SELECT COALESCE(bool_and((p.p ~ '^[A-Z]{1,2}[0-9][0-9A-Z]? [0-9]([A-Z]{2})?$'::text)), true) AS "coalesce" FROM unnest(estate_postcodes_valid.postcodes) p(p));

--
-- Name: fill_repair_summary_priority_year(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.fill_repair_summary_priority_year() RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    SET jit TO 'off'
    AS $$
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

--
-- Name: home_copy_district(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.home_copy_district() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
BEGIN
    UPDATE repair SET postcode_district = NEW.postcode_district
    WHERE home_id = NEW.id AND postcode_district IS DISTINCT FROM NEW.postcode_district;
    RETURN NULL;
END $$;

--
-- Name: move_data_version(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.move_data_version() RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    SET jit TO 'off'
    AS $$
BEGIN
    UPDATE data_version v SET changes = v.changes + 1
    WHERE v.slot = (SELECT f.slot FROM data_version f
                    ORDER BY random() LIMIT 1 FOR UPDATE SKIP LOCKED);
    IF NOT FOUND THEN
        UPDATE data_version v SET changes = v.changes + 1
        WHERE v.slot = floor(random() * 64)::smallint;
    END IF;
END $$;

--
-- Name: note_changes(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.note_changes() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
BEGIN
    EXECUTE 'INSERT INTO change_pending (segment, key) ' || TG_ARGV[0];
    RETURN NULL;
END $$;

--
-- Name: notify_key_revoked(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.notify_key_revoked() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    PERFORM pg_notify('odx_key', json_build_object('id', NEW.id, 'event', 'revoked')::text);
    RETURN NULL;
END $$;

--
-- Name: notify_repair_changes(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.notify_repair_changes() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    PERFORM pg_notify('odx_repair', json_build_object(
        'id', c.id, 'home_id', c.home_id, 'landlord_id', c.landlord_id,
        'contractor_id', c.contractor_id, 'district', h.postcode_district,
        'status', c.status_code)::text)
    FROM changed c JOIN home h ON h.id = c.home_id;
    RETURN NULL;
END $$;

--
-- Name: odx_setting(text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.odx_setting(name text) RETURNS text
    LANGUAGE sql STABLE
    RETURN NULLIF(current_setting(('odx.'::text || name), true), ''::text);

--
-- Name: odx_may_write(bigint, bigint, bigint); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.odx_may_write(landlord bigint, contractor bigint, home bigint) RETURNS boolean
    LANGUAGE sql STABLE
    RETURN CASE public.odx_setting('tier'::text) WHEN 'admin'::text THEN true WHEN 'provider'::text THEN (landlord = (public.odx_setting('organisation'::text))::bigint) WHEN 'contractor'::text THEN (contractor = (public.odx_setting('organisation'::text))::bigint) WHEN 'resident'::text THEN (home = (public.odx_setting('home'::text))::bigint) ELSE false END;

--
-- Name: organisation_districts_kept(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.organisation_districts_kept() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    SET jit TO 'off'
    AS $$
BEGIN
    DELETE FROM organisation_district d
    WHERE d.organisation_id = NEW.id
      AND NOT (d.postcode_district = ANY (array_remove(NEW.postcode_districts, NULL)));
    INSERT INTO organisation_district (postcode_district, organisation_id)
    SELECT DISTINCT s.district, NEW.id
    FROM unnest(NEW.postcode_districts) AS s (district)
    WHERE s.district IS NOT NULL
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;

--
-- Name: organisation_kind_is_a_role(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.organisation_kind_is_a_role() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF NOT NEW.kind_code = ANY (NEW.role_codes) THEN
        NEW.role_codes := ARRAY[NEW.kind_code] || NEW.role_codes;
    END IF;
    RETURN NEW;
END $$;

--
-- Name: planned_replacement_window(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.planned_replacement_window() RETURNS interval
    LANGUAGE sql STABLE
    RETURN make_interval(months => COALESCE((NULLIF(current_setting('odx.planned_replacement_months'::text, true), ''::text))::integer, 12));

--
-- Name: planned_work_landlord(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.planned_work_landlord() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public'
    AS $$
BEGIN
    NEW.landlord_id := (SELECT p.landlord_id FROM investment_programme p
                        WHERE p.id = NEW.programme_id);
    RETURN NEW;
END $$;

--
-- Name: postcode_area(text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.postcode_area(postcode text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN "substring"(split_part(postcode, ' '::text, 1), '^[A-Z]+'::text);

--
-- Name: postcode_district(text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.postcode_district(postcode text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN split_part(postcode, ' '::text, 1);

--
-- Name: postcode_sector(text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.postcode_sector(postcode text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN ((split_part(postcode, ' '::text, 1) || ' '::text) || "left"(split_part(postcode, ' '::text, 2), 1));

--
-- Name: random_record_key(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.random_record_key() RETURNS integer
    LANGUAGE sql
    RETURN (floor((random() * (16777216)::double precision)))::integer;

--
-- Name: rebuild_awaab_deadlines(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.rebuild_awaab_deadlines() RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    SET jit TO 'off'
    AS $$
BEGIN
    LOCK TABLE damp_mould_case IN SHARE MODE;
    DELETE FROM awaab_deadline;
    INSERT INTO awaab_deadline SELECT * FROM awaab_deadline_source;
END $$;

--
-- Name: rebuild_repair_facts(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.rebuild_repair_facts() RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    SET jit TO 'off'
    AS $$
BEGIN
    LOCK TABLE repair_fact IN EXCLUSIVE MODE;
    DELETE FROM repair_fact;
    INSERT INTO repair_fact SELECT * FROM repair_fact_source;
END $$;

--
-- Name: rebuild_repair_planned_due(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.rebuild_repair_planned_due() RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    SET jit TO 'off'
    AS $$
BEGIN
    DELETE FROM repair_planned_due;
    INSERT INTO repair_planned_due SELECT * FROM repair_planned_due_source;
END $$;

--
-- Name: rebuild_repair_summaries(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.rebuild_repair_summaries() RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    SET jit TO 'off'
    AS $$
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

--
-- Name: rebuild_repair_value_histograms(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.rebuild_repair_value_histograms() RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    SET jit TO 'off'
    AS $$
BEGIN
    DELETE FROM repair_value_delta;
    DELETE FROM repair_summary_hours;
    DELETE FROM repair_summary_cost;
    INSERT INTO repair_summary_hours
    SELECT landlord_id, month, priority_code, floor(hours)::bigint, count(*),
           sum(coalesce(record_key, 0))
    FROM repair_fact WHERE completed AND hours IS NOT NULL
    GROUP BY 1, 2, 3, 4;
    INSERT INTO repair_summary_cost
    SELECT landlord_id, month, priority_code, floor(cost)::bigint, count(*),
           sum(coalesce(record_key, 0)), sum(cost)
    FROM repair_fact WHERE completed AND cost IS NOT NULL
    GROUP BY 1, 2, 3, 4;
END $$;

--
-- Name: rebuild_repair_work(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.rebuild_repair_work() RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    SET jit TO 'off'
    AS $$
BEGIN
    DELETE FROM repair_work;
    INSERT INTO repair_work SELECT * FROM repair_work_source;
END $$;

--
-- Name: rebuild_working_calendar(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.rebuild_working_calendar() RETURNS void
    LANGUAGE sql
    AS $$
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

--
-- Name: record_keys_for_new_buildings(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.record_keys_for_new_buildings() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
BEGIN
    INSERT INTO building_record_key (building_id, record_key)
    SELECT n.id, random_record_key() FROM new_rows n;
    RETURN NULL;
END $$;

--
-- Name: record_keys_for_new_homes(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.record_keys_for_new_homes() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
BEGIN
    INSERT INTO home_record_key (home_id, record_key)
    SELECT n.id, random_record_key() FROM new_rows n;
    RETURN NULL;
END $$;

--
-- Name: refresh_repair_facts(bigint[]); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.refresh_repair_facts(homes bigint[]) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    SET jit TO 'off'
    AS $$
BEGIN
    PERFORM 1 FROM home WHERE id = ANY (homes) ORDER BY id FOR NO KEY UPDATE;
    DELETE FROM repair_fact f WHERE f.home_id = ANY (homes);
    INSERT INTO repair_fact
    SELECT s.* FROM repair_fact_source s WHERE s.home_id = ANY (homes);
END $$;

--
-- Name: refuse_truncate(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.refuse_truncate() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    RAISE EXCEPTION 'TRUNCATE % would bypass the change log of the open graph', TG_TABLE_NAME
        USING ERRCODE = 'feature_not_supported',
              HINT = 'DELETE the rows instead: the change log publishes their tombstones.';
END $$;

--
-- Name: repair_copy_district(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.repair_copy_district() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
BEGIN
    NEW.postcode_district := (
        SELECT h.postcode_district FROM home h WHERE h.id = NEW.home_id FOR NO KEY UPDATE
    );
    RETURN NEW;
END $$;

--
-- Name: repair_copy_is_open(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.repair_copy_is_open() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public'
    AS $$
BEGIN
    NEW.is_open := (SELECT s.is_open FROM repair_status s WHERE s.code = NEW.status_code);
    RETURN NEW;
END $$;

--
-- Name: repair_facts_after_calendar_change(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.repair_facts_after_calendar_change() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
BEGIN
    PERFORM rebuild_repair_facts();
    RETURN NULL;
END $$;

--
-- Name: repair_facts_after_code_change(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.repair_facts_after_code_change() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    SET jit TO 'off'
    AS $$
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

--
-- Name: repair_facts_after_home_change(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.repair_facts_after_home_change() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    SET jit TO 'off'
    AS $$
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

--
-- Name: repair_facts_after_line_change(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.repair_facts_after_line_change() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    SET jit TO 'off'
    AS $$
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

--
-- Name: repair_facts_after_record_key_change(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.repair_facts_after_record_key_change() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    SET jit TO 'off'
    AS $$
DECLARE
    homes bigint[];
BEGIN
    SELECT array_agg(n.home_id) INTO homes
    FROM new_rows n JOIN old_rows o ON o.home_id = n.home_id
    WHERE n.record_key IS DISTINCT FROM o.record_key;
    PERFORM repair_facts_note_homes(homes);
    RETURN NULL;
END $$;

--
-- Name: repair_facts_after_repair_change(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.repair_facts_after_repair_change() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    SET jit TO 'off'
    AS $$
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

--
-- Name: repair_facts_apply_pending(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.repair_facts_apply_pending() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    SET jit TO 'off'
    AS $$
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

--
-- Name: repair_facts_note_homes(bigint[]); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.repair_facts_note_homes(touched bigint[]) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
BEGIN
    IF touched IS NOT NULL THEN
        INSERT INTO repair_fact_pending (homes) VALUES (touched);
    END IF;
END $$;

--
-- Name: repair_planned_due_after_component_change(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.repair_planned_due_after_component_change() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    SET jit TO 'off'
    AS $$
DECLARE
    homes bigint[];
BEGIN
    SELECT array_agg(DISTINCT r.home_id) INTO homes
    FROM repair r
    WHERE r.component_id IN (
        SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
        WHERE (n.component_type_code, n.home_id, n.building_id)
              IS DISTINCT FROM (o.component_type_code, o.home_id, o.building_id));
    PERFORM repair_facts_note_homes(homes);
    RETURN NULL;
END $$;

--
-- Name: repair_planned_due_after_fact_change(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.repair_planned_due_after_fact_change() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    SET jit TO 'off'
    AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        DELETE FROM repair_planned_due d WHERE d.id = ANY (ARRAY(SELECT o.id FROM old_rows o));
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO repair_planned_due
        SELECT * FROM repair_planned_due_source s
        WHERE s.id = ANY (ARRAY(SELECT n.id FROM new_rows n));
    END IF;
    RETURN NULL;
END $$;

--
-- Name: repair_planned_due_after_item_change(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.repair_planned_due_after_item_change() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    SET jit TO 'off'
    AS $$
DECLARE
    components bigint[];
    homes bigint[];
    buildings bigint[];
    types text[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(component_id), array_agg(home_id), array_agg(building_id),
               array_agg(component_type_code)
        INTO components, homes, buildings, types FROM new_rows;
    ELSIF TG_OP = 'UPDATE' THEN
        SELECT array_agg(component_id), array_agg(home_id), array_agg(building_id),
               array_agg(component_type_code)
        INTO components, homes, buildings, types
        FROM (SELECT n.component_id, n.home_id, n.building_id, n.component_type_code
              FROM new_rows n JOIN old_rows o ON o.id = n.id
              WHERE (n.component_id, n.home_id, n.building_id, n.component_type_code,
                     n.status_code, n.planned_date, n.completed_on)
                    IS DISTINCT FROM
                    (o.component_id, o.home_id, o.building_id, o.component_type_code,
                     o.status_code, o.planned_date, o.completed_on)
              UNION
              SELECT o.component_id, o.home_id, o.building_id, o.component_type_code
              FROM new_rows n JOIN old_rows o ON o.id = n.id
              WHERE (n.component_id, n.home_id, n.building_id, n.component_type_code,
                     n.status_code, n.planned_date, n.completed_on)
                    IS DISTINCT FROM
                    (o.component_id, o.home_id, o.building_id, o.component_type_code,
                     o.status_code, o.planned_date, o.completed_on))
             AS touched;
    ELSE
        SELECT array_agg(component_id), array_agg(home_id), array_agg(building_id),
               array_agg(component_type_code)
        INTO components, homes, buildings, types FROM old_rows;
    END IF;
    IF types IS NOT NULL THEN
        PERFORM repair_planned_due_note_items(components, homes, buildings, types);
    END IF;
    RETURN NULL;
END $$;

--
-- Name: repair_planned_due_note_items(bigint[], bigint[], bigint[], text[]); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.repair_planned_due_note_items(components bigint[], homes bigint[], buildings bigint[], types text[]) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    SET jit TO 'off'
    AS $$
DECLARE
    touched_homes bigint[];
BEGIN
    -- The components the items may concern (any of their homes' and buildings'), then
    -- the homes and buildings themselves, each in key order: a repair added on one of
    -- them, or moved to one, locks its component (and then its home) for its foreign
    -- keys in that order, as a component added or moved into a home or building locks
    -- it; whichever comes second waits for the first to commit.
    PERFORM 1 FROM component c
    WHERE c.id = ANY (components) OR c.home_id = ANY (homes) OR c.building_id = ANY (buildings)
    ORDER BY c.id FOR UPDATE;
    PERFORM 1 FROM home h WHERE h.id = ANY (homes) ORDER BY h.id FOR UPDATE;
    PERFORM 1 FROM building b WHERE b.id = ANY (buildings) ORDER BY b.id FOR UPDATE;
    -- Found now, in a snapshot taken once the locks are held.
    WITH item AS (
        SELECT * FROM unnest(components, homes, buildings, types)
            AS t(component_id, home_id, building_id, component_type_code)
    ), concerned AS (
        SELECT i.component_id AS id FROM item i WHERE i.component_id IS NOT NULL
        UNION
        SELECT c.id FROM item i JOIN component c
            ON c.home_id = i.home_id AND c.component_type_code = i.component_type_code
        WHERE i.component_id IS NULL
        UNION
        SELECT c.id FROM item i JOIN component c
            ON c.building_id = i.building_id AND c.component_type_code = i.component_type_code
        WHERE i.component_id IS NULL
    )
    SELECT array_agg(DISTINCT r.home_id) INTO touched_homes
    FROM repair r WHERE r.component_id IN (SELECT id FROM concerned);
    PERFORM repair_facts_note_homes(touched_homes);
END $$;

--
-- Name: component; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.component (
    id bigint NOT NULL,
    home_id bigint,
    building_id bigint,
    component_type_code text NOT NULL,
    install_date date,
    condition_code text,
    make text,
    model text,
    last_serviced_date date,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    import_id bigint,
    CONSTRAINT component_check CHECK (((home_id IS NULL) <> (building_id IS NULL)))
);

--
-- Name: planned_work; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.planned_work (
    id bigint NOT NULL,
    programme_id bigint NOT NULL,
    landlord_id bigint NOT NULL,
    home_id bigint,
    building_id bigint,
    component_id bigint,
    component_type_code text NOT NULL,
    planned_date date NOT NULL,
    estimated_cost numeric(12,2),
    actual_cost numeric(12,2),
    status_code text DEFAULT 'planned'::text CONSTRAINT planned_work_status_code_not_null1 NOT NULL,
    completed_on date,
    replaces_repair_ids bigint[] DEFAULT '{}'::bigint[] NOT NULL,
    import_id bigint,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT planned_work_actual_cost_check CHECK ((actual_cost >= (0)::numeric)),
    CONSTRAINT planned_work_check CHECK (((home_id IS NULL) <> (building_id IS NULL))),
    CONSTRAINT planned_work_check1 CHECK (((status_code = 'done'::text) = (completed_on IS NOT NULL))),
    CONSTRAINT planned_work_check2 CHECK (((actual_cost IS NULL) OR (status_code = ANY (ARRAY['in-progress'::text, 'done'::text])))),
    CONSTRAINT planned_work_estimated_cost_check CHECK ((estimated_cost >= (0)::numeric))
);

--
-- Name: repair; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.repair (
    id bigint NOT NULL,
    landlord_id bigint NOT NULL,
    home_id bigint NOT NULL,
    component_id bigint,
    contractor_id bigint,
    priority_code text NOT NULL,
    status_code text CONSTRAINT repair_status_code_not_null1 NOT NULL,
    trade_code text,
    description text,
    reported_at timestamp with time zone NOT NULL,
    raised_at timestamp with time zone NOT NULL,
    target_at timestamp with time zone,
    completed_at timestamp with time zone,
    cost numeric(12,2),
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    import_id bigint,
    stated_at timestamp with time zone,
    stated_stage integer,
    is_open boolean NOT NULL,
    postcode_district text NOT NULL,
    CONSTRAINT repair_check CHECK ((raised_at >= reported_at)),
    CONSTRAINT repair_check1 CHECK (((completed_at IS NULL) OR (completed_at >= reported_at))),
    CONSTRAINT repair_cost_check CHECK ((cost >= (0)::numeric))
);

--
-- Name: repair_planned_replacement; Type: VIEW; Schema: public; Owner: -
--

CREATE VIEW public.repair_planned_replacement AS
 SELECT r.id AS repair_id,
    w.id AS planned_work_id,
    w.planned_date
   FROM ((public.planned_work w
     JOIN public.component c ON (((c.component_type_code = w.component_type_code) AND ((c.id = w.component_id) OR ((w.component_id IS NULL) AND ((c.home_id = w.home_id) OR (c.building_id = w.building_id)))))))
     JOIN public.repair r ON ((r.component_id = c.id)))
  WHERE ((w.status_code <> 'cancelled'::text) AND ((w.completed_on IS NULL) OR (w.completed_on > ((r.reported_at AT TIME ZONE 'Europe/London'::text))::date)) AND (w.planned_date <= (((r.reported_at AT TIME ZONE 'Europe/London'::text))::date + public.planned_replacement_window())));

--
-- Name: repair_planned_work(bigint); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.repair_planned_work(repair_key bigint) RETURNS bigint
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog', 'public'
    RETURN (SELECT d.planned_work_id FROM public.repair_planned_replacement d WHERE (d.repair_id = repair_planned_work.repair_key) ORDER BY d.planned_date, d.planned_work_id LIMIT 1);

--
-- Name: repair_status_copy_is_open(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.repair_status_copy_is_open() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public'
    AS $$
BEGIN
    UPDATE repair SET is_open = NEW.is_open
    WHERE status_code = NEW.code AND is_open IS DISTINCT FROM NEW.is_open;
    RETURN NULL;
END $$;

--
-- Name: repair_summaries_apply(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.repair_summaries_apply() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    SET jit TO 'off'
    AS $$
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

--
-- Name: repair_summaries_note(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.repair_summaries_note() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    SET jit TO 'off'
    AS $$
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

--
-- Name: priority; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.priority (
    code text NOT NULL,
    label text NOT NULL,
    definition text,
    response_hours integer,
    response_working_days integer,
    is_emergency boolean DEFAULT false NOT NULL
);

--
-- Name: working_calendar; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.working_calendar (
    day date NOT NULL,
    is_working_day boolean NOT NULL,
    working_day_number integer NOT NULL
);

--
-- Name: repair_target(text, timestamp with time zone); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.repair_target(priority_code text, counted_from timestamp with time zone) RETURNS timestamp with time zone
    LANGUAGE sql STABLE
    RETURN (SELECT CASE WHEN (p.response_hours IS NOT NULL) THEN (repair_target.counted_from + make_interval(hours => p.response_hours)) WHEN (p.response_working_days IS NOT NULL) THEN (SELECT (((w.day + 1))::timestamp without time zone AT TIME ZONE 'Europe/London'::text) AS timezone FROM public.working_calendar w WHERE (w.is_working_day AND (w.working_day_number = (SELECT (c.working_day_number + p.response_working_days) FROM public.working_calendar c WHERE (c.day = ((repair_target.counted_from AT TIME ZONE 'Europe/London'::text))::date))))) ELSE NULL::timestamp with time zone END AS "case" FROM public.priority p WHERE (p.code = repair_target.priority_code));

--
-- Name: repair_value_apply(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.repair_value_apply() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    SET jit TO 'off'
    AS $$
BEGIN
    DELETE FROM repair_value_pending;
    INSERT INTO repair_summary_hours AS s
    SELECT landlord_id, month, priority_code, hour, sum(repairs), sum(repairs * record_key)
    FROM repair_value_delta WHERE hour IS NOT NULL
    GROUP BY 1, 2, 3, 4
    HAVING sum(repairs) <> 0 OR sum(repairs * record_key) <> 0
    ORDER BY 1, 2, 3, 4
    ON CONFLICT (landlord_id, month, priority_code, hour)
    DO UPDATE SET repairs = s.repairs + excluded.repairs,
                  record_keys = s.record_keys + excluded.record_keys;
    INSERT INTO repair_summary_cost AS s
    SELECT landlord_id, month, priority_code, pound, sum(repairs), sum(repairs * record_key),
           sum(cost)
    FROM repair_value_delta WHERE pound IS NOT NULL
    GROUP BY 1, 2, 3, 4
    HAVING sum(repairs) <> 0 OR sum(repairs * record_key) <> 0 OR sum(cost) <> 0
    ORDER BY 1, 2, 3, 4
    ON CONFLICT (landlord_id, month, priority_code, pound)
    DO UPDATE SET repairs = s.repairs + excluded.repairs,
                  record_keys = s.record_keys + excluded.record_keys,
                  cost = s.cost + excluded.cost;
    DELETE FROM repair_value_delta;
    -- Only rows this transaction emptied: another's emptied rows are not yet committed.
    DELETE FROM repair_summary_hours WHERE repairs = 0;
    DELETE FROM repair_summary_cost WHERE repairs = 0;
    RETURN NULL;
END $$;

--
-- Name: repair_value_note(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.repair_value_note() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    SET jit TO 'off'
    AS $$
DECLARE
    had_notes boolean := EXISTS (SELECT 1 FROM repair_value_delta);
    noted bigint;
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO repair_value_delta
        SELECT landlord_id, month, priority_code, floor(hours)::bigint, floor(cost)::bigint,
               coalesce(record_key, 0), count(*), sum(cost)
        FROM new_rows WHERE completed AND (hours IS NOT NULL OR cost IS NOT NULL)
        GROUP BY 1, 2, 3, 4, 5, 6;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO repair_value_delta
        SELECT landlord_id, month, priority_code, floor(hours)::bigint, floor(cost)::bigint,
               coalesce(record_key, 0), -count(*), -sum(cost)
        FROM old_rows WHERE completed AND (hours IS NOT NULL OR cost IS NOT NULL)
        GROUP BY 1, 2, 3, 4, 5, 6;
    ELSE
        INSERT INTO repair_value_delta
        SELECT landlord_id, month, priority_code, floor(hours)::bigint, floor(cost)::bigint,
               coalesce(record_key, 0), sum(n), sum(n * cost)
        FROM (SELECT landlord_id, month, priority_code, hours, cost, record_key, 1 AS n
              FROM new_rows WHERE completed AND (hours IS NOT NULL OR cost IS NOT NULL)
              UNION ALL
              SELECT landlord_id, month, priority_code, hours, cost, record_key, -1
              FROM old_rows WHERE completed AND (hours IS NOT NULL OR cost IS NOT NULL))
             AS c
        GROUP BY 1, 2, 3, 4, 5, 6
        HAVING sum(n) <> 0 OR sum(n * cost) <> 0;
    END IF;
    GET DIAGNOSTICS noted = ROW_COUNT;
    IF noted > 0 AND NOT had_notes THEN
        INSERT INTO repair_value_pending DEFAULT VALUES;
    END IF;
    RETURN NULL;
END $$;

--
-- Name: repair_work_after_fact_change(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.repair_work_after_fact_change() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    SET jit TO 'off'
    AS $$
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

--
-- Name: reporting_year(text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.reporting_year(month text) RETURNS integer
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN ((substr(month, 1, 4))::integer - CASE WHEN (substr(month, 6, 2) < '04'::text) THEN 1 ELSE 0 END);

--
-- Name: track_changes(regclass, text, text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.track_changes(target regclass, name text, things text) RETURNS void
    LANGUAGE plpgsql
    AS $$
DECLARE
    event text;
BEGIN
    FOREACH event IN ARRAY ARRAY['INSERT', 'UPDATE', 'DELETE'] LOOP
        EXECUTE format(
            'CREATE TRIGGER %I AFTER %s ON %s REFERENCING %s TABLE AS changed '
            'FOR EACH STATEMENT EXECUTE FUNCTION note_changes(%L)',
            'changes_' || name || '_' || lower(event), event, target,
            CASE event WHEN 'DELETE' THEN 'OLD' ELSE 'NEW' END, things);
    END LOOP;
END $$;

--
-- Name: track_data_version(regclass); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.track_data_version(target regclass) RETURNS void
    LANGUAGE plpgsql
    AS $$
BEGIN
    EXECUTE format('CREATE TRIGGER data_version_bumped '
                   'AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON %s '
                   'FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version()', target);
END $$;

--
-- Name: api_key; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.api_key (
    id bigint NOT NULL,
    tier text NOT NULL,
    organisation_id bigint,
    home_id bigint,
    name text NOT NULL,
    prefix text NOT NULL,
    secret_hash text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    revoked_at timestamp with time zone,
    last_used_at timestamp with time zone,
    expires_at timestamp with time zone,
    scopes text[],
    issued_by_key_id bigint,
    CONSTRAINT api_key_check CHECK (((tier = 'resident'::text) = (home_id IS NOT NULL))),
    CONSTRAINT api_key_check1 CHECK (((tier <> ALL (ARRAY['contractor'::text, 'provider'::text])) OR (organisation_id IS NOT NULL))),
    CONSTRAINT api_key_expiry_after_creation CHECK ((expires_at > created_at)),
    CONSTRAINT api_key_name_check CHECK ((name <> ''::text)),
    CONSTRAINT api_key_prefix_check CHECK ((prefix ~ '^[a-z0-9]{10}$'::text)),
    CONSTRAINT api_key_scopes_check CHECK ((scopes <@ ARRAY['read'::text, 'repairs'::text, 'damp-mould'::text, 'satisfaction'::text])),
    CONSTRAINT api_key_scopes_for_residents CHECK (((scopes IS NULL) OR (tier = 'resident'::text))),
    CONSTRAINT api_key_secret_hash_check CHECK ((secret_hash ~ '^[0-9a-f]{64}$'::text)),
    CONSTRAINT api_key_tier_check CHECK ((tier = ANY (ARRAY['resident'::text, 'contractor'::text, 'provider'::text, 'regulator'::text, 'admin'::text])))
);

--
-- Name: api_key_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.api_key ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME public.api_key_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: audit_event; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.audit_event (
    id bigint NOT NULL,
    occurred_at timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
    api_key_id bigint NOT NULL,
    tier text NOT NULL,
    organisation_id bigint,
    operation text NOT NULL,
    subject_type text NOT NULL,
    subject_id bigint NOT NULL,
    landlord_id bigint,
    changes jsonb DEFAULT '{}'::jsonb NOT NULL
);

--
-- Name: audit_event_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.audit_event ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME public.audit_event_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: awaab_clock; Type: VIEW; Schema: public; Owner: -
--

CREATE VIEW public.awaab_clock AS
 SELECT case_id,
    landlord_id,
    home_id,
    hazard_level_code,
    aware_at,
    investigate_due_at,
    investigate_done_at,
    investigate_status,
    summary_due_at,
    summary_done_at,
    summary_status,
    make_safe_due_at,
    make_safe_done_at,
    make_safe_status
   FROM public.awaab_clocks(now()) awaab_clocks(case_id, landlord_id, home_id, hazard_level_code, aware_at, investigate_due_at, investigate_done_at, investigate_status, summary_due_at, summary_done_at, summary_status, make_safe_due_at, make_safe_done_at, make_safe_status);

--
-- Name: awaab_deadline; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.awaab_deadline (
    case_id bigint NOT NULL,
    landlord_id bigint NOT NULL,
    investigate_due_at timestamp with time zone,
    summary_due_at timestamp with time zone,
    make_safe_due_at timestamp with time zone
);

--
-- Name: awaab_hazard_level; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.awaab_hazard_level (
    code text NOT NULL,
    label text NOT NULL,
    definition text,
    investigate_within_hours integer,
    investigate_within_working_days integer,
    summary_within_working_days integer,
    make_safe_within_hours integer,
    make_safe_within_working_days integer
);

--
-- Name: damp_mould_case; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.damp_mould_case (
    id bigint NOT NULL,
    landlord_id bigint NOT NULL,
    home_id bigint NOT NULL,
    hazard_level_code text,
    hhsrs_hazard_code text DEFAULT '1'::text NOT NULL,
    hhsrs_category_code text,
    severity_code text,
    aware_at timestamp with time zone NOT NULL,
    investigation_started_at timestamp with time zone,
    investigation_completed_at timestamp with time zone,
    written_summary_sent_at timestamp with time zone,
    made_safe_at timestamp with time zone,
    further_works_required boolean,
    further_works_started_at timestamp with time zone,
    further_works_completed_at timestamp with time zone,
    escalated_at timestamp with time zone,
    alternative_accommodation_offered boolean,
    import_id bigint,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT damp_mould_case_check CHECK (((investigation_started_at IS NULL) OR (investigation_started_at >= aware_at))),
    CONSTRAINT damp_mould_case_check1 CHECK (((investigation_completed_at IS NULL) OR (investigation_completed_at >= COALESCE(investigation_started_at, aware_at)))),
    CONSTRAINT damp_mould_case_check2 CHECK (((written_summary_sent_at IS NULL) OR (investigation_completed_at IS NULL) OR (written_summary_sent_at >= investigation_completed_at))),
    CONSTRAINT damp_mould_case_check3 CHECK (((made_safe_at IS NULL) OR (made_safe_at >= aware_at))),
    CONSTRAINT damp_mould_case_check4 CHECK (((further_works_started_at IS NULL) OR (further_works_started_at >= aware_at))),
    CONSTRAINT damp_mould_case_check5 CHECK (((further_works_completed_at IS NULL) OR (further_works_completed_at >= COALESCE(further_works_started_at, aware_at)))),
    CONSTRAINT damp_mould_case_check6 CHECK (((escalated_at IS NULL) OR (escalated_at >= aware_at)))
);

--
-- Name: awaab_deadline_source; Type: VIEW; Schema: public; Owner: -
--

CREATE VIEW public.awaab_deadline_source AS
 SELECT c.id AS case_id,
    c.landlord_id,
        CASE
            WHEN (l.investigate_within_hours IS NOT NULL) THEN (c.aware_at + make_interval(hours => l.investigate_within_hours))
            ELSE (((investigate_by.day + 1))::timestamp without time zone AT TIME ZONE 'Europe/London'::text)
        END AS investigate_due_at,
    (((summary_by.day + 1))::timestamp without time zone AT TIME ZONE 'Europe/London'::text) AS summary_due_at,
        CASE
            WHEN (l.make_safe_within_hours IS NOT NULL) THEN (c.aware_at + make_interval(hours => l.make_safe_within_hours))
            ELSE (((make_safe_by.day + 1))::timestamp without time zone AT TIME ZONE 'Europe/London'::text)
        END AS make_safe_due_at
   FROM ((((((public.damp_mould_case c
     LEFT JOIN public.awaab_hazard_level l ON (((l.code = c.hazard_level_code) AND (c.aware_at >= public.awaab_in_force_from()))))
     LEFT JOIN public.working_calendar aware_day ON ((aware_day.day = ((c.aware_at AT TIME ZONE 'Europe/London'::text))::date)))
     LEFT JOIN public.working_calendar investigated_day ON ((investigated_day.day = ((c.investigation_completed_at AT TIME ZONE 'Europe/London'::text))::date)))
     LEFT JOIN public.working_calendar investigate_by ON ((investigate_by.is_working_day AND (investigate_by.working_day_number = (aware_day.working_day_number + l.investigate_within_working_days)))))
     LEFT JOIN public.working_calendar summary_by ON ((summary_by.is_working_day AND (summary_by.working_day_number = (investigated_day.working_day_number + l.summary_within_working_days)))))
     LEFT JOIN public.working_calendar make_safe_by ON ((make_safe_by.is_working_day AND (make_safe_by.working_day_number = (investigated_day.working_day_number + l.make_safe_within_working_days)))));

--
-- Name: bank_holiday; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.bank_holiday (
    day date NOT NULL,
    name text NOT NULL,
    region text DEFAULT 'england-and-wales'::text NOT NULL
);

--
-- Name: building; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.building (
    id bigint NOT NULL,
    uprn bigint,
    toid text,
    name text NOT NULL,
    landlord_id bigint,
    storeys integer,
    construction_type text,
    year_built integer,
    postcode text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT building_postcode_check CHECK ((postcode ~ '^[A-Z]{1,2}[0-9][0-9A-Z]? [0-9][A-Z]{2}$'::text)),
    CONSTRAINT building_storeys_check CHECK (((storeys >= 1) AND (storeys <= 200))),
    CONSTRAINT building_toid_check CHECK ((toid ~ '^osgb[0-9]{1,16}$'::text)),
    CONSTRAINT building_uprn_check CHECK (((uprn >= 1) AND (uprn <= '999999999999'::bigint))),
    CONSTRAINT building_year_built_check CHECK (((year_built >= 1000) AND (year_built <= 2100)))
);

--
-- Name: building_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.building ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME public.building_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: building_record_key; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.building_record_key (
    building_id bigint NOT NULL,
    record_key integer NOT NULL,
    CONSTRAINT building_record_key_record_key_check CHECK (((record_key >= 0) AND (record_key <= 16777215)))
);

--
-- Name: built_form; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.built_form (
    code text NOT NULL,
    label text NOT NULL,
    definition text
);

--
-- Name: certificate_type; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.certificate_type (
    code text NOT NULL,
    label text NOT NULL,
    definition text
);

--
-- Name: change_log; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.change_log (
    "position" bigint NOT NULL,
    published_at timestamp with time zone NOT NULL,
    changed_at timestamp with time zone NOT NULL,
    segment text NOT NULL,
    key bigint NOT NULL,
    kind text NOT NULL,
    digest bytea NOT NULL,
    triples text NOT NULL,
    CONSTRAINT change_log_kind_check CHECK ((kind = ANY (ARRAY['create'::text, 'update'::text, 'delete'::text]))),
    CONSTRAINT change_log_position_check CHECK (("position" > 0))
);

--
-- Name: change_pending; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.change_pending (
    id bigint NOT NULL,
    changed_at timestamp with time zone DEFAULT statement_timestamp() NOT NULL,
    segment text NOT NULL,
    key bigint NOT NULL,
    last_key bigint,
    CONSTRAINT change_pending_run CHECK ((last_key >= key))
);

--
-- Name: change_pending_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.change_pending_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

--
-- Name: change_pending_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.change_pending_id_seq OWNED BY public.change_pending.id;

--
-- Name: component_failure_risk; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.component_failure_risk (
    model_id bigint CONSTRAINT component_failure_risk_model_id_not_null1 NOT NULL,
    component_id bigint CONSTRAINT component_failure_risk_component_id_not_null1 NOT NULL,
    home_id bigint,
    building_id bigint,
    landlord_id bigint,
    as_of date CONSTRAINT component_failure_risk_as_of_not_null1 NOT NULL,
    probability double precision CONSTRAINT component_failure_risk_probability_not_null1 NOT NULL,
    points numeric(8,1) CONSTRAINT component_failure_risk_points_not_null1 NOT NULL,
    bins bytea CONSTRAINT component_failure_risk_bins_not_null1 NOT NULL,
    expected_emergency double precision CONSTRAINT component_failure_risk_expected_emergency_not_null1 NOT NULL,
    expected_cost numeric(12,2) CONSTRAINT component_failure_risk_expected_cost_not_null1 NOT NULL,
    CONSTRAINT component_failure_risk_expected_cost_check1 CHECK ((expected_cost >= (0)::numeric)),
    CONSTRAINT component_failure_risk_expected_emergency_check1 CHECK ((expected_emergency >= (0)::double precision)),
    CONSTRAINT component_failure_risk_probability_check1 CHECK (((probability >= (0)::double precision) AND (probability <= (1)::double precision)))
)
PARTITION BY LIST (model_id);

--
-- Name: component_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.component ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME public.component_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: component_planned_item; Type: VIEW; Schema: public; Owner: -
--

CREATE VIEW public.component_planned_item AS
 SELECT c.id AS component_id,
    w.planned_date,
    w.completed_on,
    w.landlord_id
   FROM (public.planned_work w
     JOIN public.component c ON (((c.id = w.component_id) AND (c.component_type_code = w.component_type_code))))
  WHERE ((w.component_id IS NOT NULL) AND (w.status_code <> 'cancelled'::text))
UNION ALL
 SELECT c.id AS component_id,
    w.planned_date,
    w.completed_on,
    w.landlord_id
   FROM (public.planned_work w
     JOIN public.component c ON (((c.home_id = w.home_id) AND (c.component_type_code = w.component_type_code))))
  WHERE ((w.component_id IS NULL) AND (w.status_code <> 'cancelled'::text))
UNION ALL
 SELECT c.id AS component_id,
    w.planned_date,
    w.completed_on,
    w.landlord_id
   FROM (public.planned_work w
     JOIN public.component c ON (((c.building_id = w.building_id) AND (c.component_type_code = w.component_type_code))))
  WHERE ((w.component_id IS NULL) AND (w.status_code <> 'cancelled'::text));

--
-- Name: component_type; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.component_type (
    code text NOT NULL,
    label text NOT NULL,
    definition text,
    is_key_component boolean DEFAULT false NOT NULL,
    lifetime_house integer,
    lifetime_low_rise_flat integer,
    lifetime_high_rise_flat integer
);

--
-- Name: condition; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.condition (
    code text NOT NULL,
    label text NOT NULL,
    definition text
);

--
-- Name: custom_sor_code; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.custom_sor_code (
    organisation_id bigint NOT NULL,
    code text NOT NULL,
    description text,
    import_id bigint,
    CONSTRAINT custom_sor_code_code_check CHECK ((code ~ '^[A-Za-z0-9._-]{1,20}$'::text))
);

--
-- Name: damp_mould_case_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.damp_mould_case ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME public.damp_mould_case_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: damp_mould_severity; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.damp_mould_severity (
    code text NOT NULL,
    label text NOT NULL,
    definition text
);

--
-- Name: data_import; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.data_import (
    id bigint NOT NULL,
    organisation_id bigint NOT NULL,
    format text NOT NULL,
    file_name text,
    file_hash text NOT NULL,
    media_type text NOT NULL,
    started_at timestamp with time zone NOT NULL,
    ended_at timestamp with time zone NOT NULL,
    records_read integer NOT NULL,
    records_created integer NOT NULL,
    records_updated integer NOT NULL,
    records_unchanged integer NOT NULL,
    records_rejected integer NOT NULL,
    problem_count integer NOT NULL,
    problems jsonb DEFAULT '[]'::jsonb NOT NULL,
    CONSTRAINT data_import_check CHECK ((ended_at >= started_at)),
    CONSTRAINT data_import_file_hash_check CHECK ((file_hash ~ '^[0-9a-f]{64}$'::text)),
    CONSTRAINT data_import_problem_count_check CHECK ((problem_count >= 0)),
    CONSTRAINT data_import_records_created_check CHECK ((records_created >= 0)),
    CONSTRAINT data_import_records_read_check CHECK ((records_read >= 0)),
    CONSTRAINT data_import_records_rejected_check CHECK ((records_rejected >= 0)),
    CONSTRAINT data_import_records_unchanged_check CHECK ((records_unchanged >= 0)),
    CONSTRAINT data_import_records_updated_check CHECK ((records_updated >= 0))
);

--
-- Name: data_import_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.data_import ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME public.data_import_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: data_version; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.data_version (
    slot smallint NOT NULL,
    changes bigint DEFAULT 0 NOT NULL
);

--
-- Name: energy_performance_certificate; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.energy_performance_certificate (
    id bigint NOT NULL,
    home_id bigint NOT NULL,
    certificate_type_code text DEFAULT 'epc'::text NOT NULL,
    lmk_key text NOT NULL,
    certificate_number text,
    lodgement_date date NOT NULL,
    inspection_date date,
    sap_score integer,
    potential_sap_score integer,
    epc_band_code text,
    potential_epc_band_code text,
    import_id bigint,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT energy_performance_certificate_certificate_number_check CHECK ((certificate_number ~ '^[0-9]{4}(-[0-9]{4}){4}$'::text)),
    CONSTRAINT energy_performance_certificate_certificate_type_code_check CHECK ((certificate_type_code = 'epc'::text)),
    CONSTRAINT energy_performance_certificate_check CHECK ((inspection_date <= lodgement_date)),
    CONSTRAINT energy_performance_certificate_lmk_key_check CHECK ((lmk_key <> ''::text)),
    CONSTRAINT energy_performance_certificate_potential_sap_score_check CHECK (((potential_sap_score >= 1) AND (potential_sap_score <= 200))),
    CONSTRAINT energy_performance_certificate_sap_score_check CHECK (((sap_score >= 1) AND (sap_score <= 200)))
);

--
-- Name: energy_performance_certificate_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.energy_performance_certificate ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME public.energy_performance_certificate_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: epc_band; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.epc_band (
    code text NOT NULL,
    label text NOT NULL,
    definition text,
    sap_score_min integer,
    sap_score_max integer
);

--
-- Name: estate; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.estate (
    id bigint NOT NULL,
    landlord_id bigint NOT NULL,
    reference text NOT NULL,
    name text NOT NULL,
    building_ids bigint[] DEFAULT '{}'::bigint[] NOT NULL,
    home_ids bigint[] DEFAULT '{}'::bigint[] NOT NULL,
    postcodes text[] DEFAULT '{}'::text[] NOT NULL,
    import_id bigint,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT estate_name_check CHECK (((name <> ''::text) AND (length(name) <= 200))),
    CONSTRAINT estate_postcodes_check CHECK (public.estate_postcodes_valid(postcodes)),
    CONSTRAINT estate_reference_check CHECK (((reference <> ''::text) AND (length(reference) <= 100)))
);

--
-- Name: home; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.home (
    id bigint NOT NULL,
    uprn bigint,
    landlord_id bigint,
    building_id bigint,
    address_line_1 text NOT NULL,
    address_line_2 text,
    town text,
    postcode text NOT NULL,
    postcode_area text GENERATED ALWAYS AS (public.postcode_area(postcode)) STORED NOT NULL,
    postcode_district text GENERATED ALWAYS AS (public.postcode_district(postcode)) STORED NOT NULL,
    postcode_sector text GENERATED ALWAYS AS (public.postcode_sector(postcode)) STORED NOT NULL,
    local_authority_code text,
    latitude double precision,
    longitude double precision,
    property_type_code text,
    built_form_code text,
    bedrooms integer,
    floor_level integer,
    year_built integer,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    import_id bigint,
    tenure_code text,
    CONSTRAINT home_bedrooms_check CHECK (((bedrooms >= 0) AND (bedrooms <= 30))),
    CONSTRAINT home_floor_level_check CHECK (((floor_level >= '-5'::integer) AND (floor_level <= 200))),
    CONSTRAINT home_latitude_check CHECK (((latitude >= (49)::double precision) AND (latitude <= (61)::double precision))),
    CONSTRAINT home_local_authority_code_check CHECK ((local_authority_code ~ '^[ENSW][0-9]{8}$'::text)),
    CONSTRAINT home_longitude_check CHECK (((longitude >= ('-9'::integer)::double precision) AND (longitude <= (2.5)::double precision))),
    CONSTRAINT home_postcode_check CHECK ((postcode ~ '^[A-Z]{1,2}[0-9][0-9A-Z]? [0-9][A-Z]{2}$'::text)),
    CONSTRAINT home_uprn_check CHECK (((uprn >= 1) AND (uprn <= '999999999999'::bigint))),
    CONSTRAINT home_year_built_check CHECK (((year_built >= 1000) AND (year_built <= 2100)))
);

--
-- Name: estate_home_member; Type: VIEW; Schema: public; Owner: -
--

CREATE VIEW public.estate_home_member WITH (security_invoker='true') AS
 SELECT e.id AS estate_id,
    h.id AS home_id
   FROM (public.estate e
     JOIN public.home h ON (((h.id = ANY (e.home_ids)) AND (h.landlord_id = e.landlord_id))))
UNION
 SELECT e.id AS estate_id,
    h.id AS home_id
   FROM (public.estate e
     JOIN public.home h ON (((h.building_id = ANY (e.building_ids)) AND (h.landlord_id = e.landlord_id))))
UNION
 SELECT e.id AS estate_id,
    h.id AS home_id
   FROM (public.estate e
     JOIN public.home h ON (((h.postcode = ANY (e.postcodes)) AND (h.landlord_id = e.landlord_id))))
UNION
 SELECT e.id AS estate_id,
    h.id AS home_id
   FROM (public.estate e
     JOIN public.home h ON (((h.postcode_sector = ANY (e.postcodes)) AND (h.landlord_id = e.landlord_id))));

--
-- Name: estate_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.estate ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME public.estate_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: hhsrs_category; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.hhsrs_category (
    code text NOT NULL,
    label text NOT NULL,
    definition text
);

--
-- Name: hhsrs_hazard; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.hhsrs_hazard (
    code text NOT NULL,
    label text NOT NULL,
    definition text
);

--
-- Name: home_assertion; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.home_assertion (
    id bigint NOT NULL,
    home_id bigint NOT NULL,
    organisation_id bigint NOT NULL,
    import_id bigint NOT NULL,
    property text NOT NULL,
    value text,
    asserted_at timestamp with time zone NOT NULL
);

--
-- Name: home_assertion_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.home_assertion ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME public.home_assertion_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: home_damp_risk; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.home_damp_risk (
    model_id bigint CONSTRAINT home_damp_risk_model_id_not_null1 NOT NULL,
    home_id bigint CONSTRAINT home_damp_risk_home_id_not_null1 NOT NULL,
    landlord_id bigint,
    as_of date CONSTRAINT home_damp_risk_as_of_not_null1 NOT NULL,
    probability double precision CONSTRAINT home_damp_risk_probability_not_null1 NOT NULL,
    points numeric(8,1) CONSTRAINT home_damp_risk_points_not_null1 NOT NULL,
    bins bytea CONSTRAINT home_damp_risk_bins_not_null1 NOT NULL,
    CONSTRAINT home_damp_risk_probability_check1 CHECK (((probability >= (0)::double precision) AND (probability <= (1)::double precision)))
)
PARTITION BY LIST (model_id);

--
-- Name: home_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.home ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME public.home_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: home_record_key; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.home_record_key (
    home_id bigint NOT NULL,
    record_key integer NOT NULL,
    CONSTRAINT home_record_key_record_key_check CHECK (((record_key >= 0) AND (record_key <= 16777215)))
);

--
-- Name: idempotency_key; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.idempotency_key (
    api_key_id bigint NOT NULL,
    key text NOT NULL,
    operation text NOT NULL,
    request_hash text NOT NULL,
    result jsonb NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT idempotency_key_key_check CHECK (((length(key) >= 1) AND (length(key) <= 200)))
);

--
-- Name: investment_programme; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.investment_programme (
    id bigint NOT NULL,
    landlord_id bigint NOT NULL,
    name text NOT NULL,
    financial_year integer NOT NULL,
    kind_code text NOT NULL,
    budget numeric(14,2),
    import_id bigint,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT investment_programme_budget_check CHECK ((budget >= (0)::numeric)),
    CONSTRAINT investment_programme_financial_year_check CHECK (((financial_year >= 1990) AND (financial_year <= 2100))),
    CONSTRAINT investment_programme_name_check CHECK (((name <> ''::text) AND (length(name) <= 200)))
);

--
-- Name: investment_programme_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.investment_programme ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME public.investment_programme_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: organisation; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.organisation (
    id bigint NOT NULL,
    kind_code text CONSTRAINT organisation_kind_code_not_null1 NOT NULL,
    name text NOT NULL,
    registration_number text,
    trade_codes text[] DEFAULT '{}'::text[] NOT NULL,
    postcode_districts text[] DEFAULT '{}'::text[] NOT NULL,
    website text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    import_id bigint,
    role_codes text[] DEFAULT '{}'::text[] NOT NULL
);

--
-- Name: organisation_district; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.organisation_district (
    postcode_district text NOT NULL,
    organisation_id bigint NOT NULL
);

--
-- Name: organisation_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.organisation ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME public.organisation_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: organisation_kind; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.organisation_kind (
    code text NOT NULL,
    label text NOT NULL,
    definition text
);

--
-- Name: pending_repair_update; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.pending_repair_update (
    id bigint NOT NULL,
    organisation_id bigint NOT NULL,
    reference text NOT NULL,
    message jsonb NOT NULL,
    digest text NOT NULL,
    import_id bigint NOT NULL,
    location text NOT NULL,
    CONSTRAINT pending_repair_update_digest_check CHECK ((digest ~ '^[0-9a-f]{64}$'::text)),
    CONSTRAINT pending_repair_update_reference_check CHECK ((reference <> ''::text))
);

--
-- Name: pending_repair_update_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.pending_repair_update ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME public.pending_repair_update_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: planned_work_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.planned_work ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME public.planned_work_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: planned_work_status; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.planned_work_status (
    code text NOT NULL,
    label text NOT NULL,
    definition text
);

--
-- Name: prediction_model; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.prediction_model (
    id bigint NOT NULL,
    kind text NOT NULL,
    version integer NOT NULL,
    trained_at timestamp with time zone DEFAULT now() NOT NULL,
    features_as_of date NOT NULL,
    outcomes_from date NOT NULL,
    outcomes_until date NOT NULL,
    examples integer NOT NULL,
    positives integer NOT NULL,
    scorecard jsonb NOT NULL,
    metrics jsonb NOT NULL,
    software text NOT NULL,
    CONSTRAINT prediction_model_check CHECK (((positives >= 0) AND (positives <= examples))),
    CONSTRAINT prediction_model_check1 CHECK (((outcomes_from >= features_as_of) AND (outcomes_until > outcomes_from))),
    CONSTRAINT prediction_model_examples_check CHECK ((examples >= 0)),
    CONSTRAINT prediction_model_kind_check CHECK ((kind = ANY (ARRAY['damp-mould'::text, 'component-failure'::text]))),
    CONSTRAINT prediction_model_version_check CHECK ((version >= 1))
);

--
-- Name: prediction_model_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.prediction_model ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME public.prediction_model_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: programme_kind; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.programme_kind (
    code text NOT NULL,
    label text NOT NULL,
    definition text
);

--
-- Name: property_type; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.property_type (
    code text NOT NULL,
    label text NOT NULL,
    definition text
);

--
-- Name: rate_usage; Type: TABLE; Schema: public; Owner: -
--

CREATE UNLOGGED TABLE public.rate_usage (
    id bigint NOT NULL,
    server uuid NOT NULL,
    bucket text NOT NULL,
    spent integer NOT NULL,
    at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT rate_usage_spent_check CHECK ((spent > 0))
);

--
-- Name: rate_usage_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.rate_usage ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.rate_usage_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: reference; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.reference (
    id bigint NOT NULL,
    subject_type text NOT NULL,
    subject_id bigint NOT NULL,
    value text NOT NULL,
    allocated_by_id bigint NOT NULL,
    description text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT reference_subject_type_check CHECK ((subject_type = ANY (ARRAY['organisation'::text, 'building'::text, 'home'::text, 'component'::text, 'repair'::text, 'damp_mould_case'::text, 'planned_work'::text]))),
    CONSTRAINT reference_value_check CHECK ((value <> ''::text))
);

--
-- Name: reference_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.reference ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME public.reference_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: repair_fact; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.repair_fact (
    id bigint NOT NULL,
    home_id bigint,
    landlord_id bigint,
    contractor_id bigint,
    priority_code text,
    trade_code text,
    reported_at timestamp with time zone,
    postcode text,
    postcode_area text,
    postcode_district text,
    postcode_sector text,
    month text,
    is_emergency boolean,
    is_open boolean,
    completed boolean,
    cancelled boolean,
    hours double precision,
    working_days integer,
    within_target boolean,
    has_target boolean,
    cost numeric(12,2),
    repeat_30 boolean,
    repeat_90 boolean,
    fixed_first_time boolean,
    schedules text[],
    record_key integer
);

--
-- Name: repair_fact_pending; Type: TABLE; Schema: public; Owner: -
--

CREATE UNLOGGED TABLE public.repair_fact_pending (
    homes bigint[] NOT NULL
);

--
-- Name: repair_line; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.repair_line (
    id bigint NOT NULL,
    repair_id bigint NOT NULL,
    line_number integer NOT NULL,
    sor_code text NOT NULL,
    quantity numeric(12,3) NOT NULL,
    unit_cost numeric(12,2),
    cost numeric(12,2),
    CONSTRAINT repair_line_cost_check CHECK ((cost >= (0)::numeric)),
    CONSTRAINT repair_line_line_number_check CHECK ((line_number >= 1)),
    CONSTRAINT repair_line_quantity_check CHECK ((quantity >= (0)::numeric)),
    CONSTRAINT repair_line_unit_cost_check CHECK ((unit_cost >= (0)::numeric))
);

--
-- Name: repair_status; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.repair_status (
    code text NOT NULL,
    label text NOT NULL,
    definition text,
    is_open boolean NOT NULL,
    stage integer
);

--
-- Name: sor_code; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.sor_code (
    code text NOT NULL,
    schedules text[] NOT NULL
);

--
-- Name: repair_fact_source; Type: VIEW; Schema: public; Owner: -
--

CREATE VIEW public.repair_fact_source AS
 SELECT r.id,
    r.home_id,
    r.landlord_id,
    r.contractor_id,
    r.priority_code,
    r.trade_code,
    r.reported_at,
    h.postcode,
    h.postcode_area,
    h.postcode_district,
    h.postcode_sector,
    to_char((r.reported_at AT TIME ZONE 'Europe/London'::text), 'YYYY-MM'::text) AS month,
    p.is_emergency,
    st.is_open,
    ((NOT st.is_open) AND (r.completed_at IS NOT NULL)) AS completed,
    ((NOT st.is_open) AND (r.completed_at IS NULL)) AS cancelled,
    ((EXTRACT(epoch FROM (r.completed_at - r.reported_at)) / 3600.0))::double precision AS hours,
    (we.working_day_number - ws.working_day_number) AS working_days,
    ((r.target_at IS NOT NULL) AND (r.completed_at <= r.target_at)) AS within_target,
    (r.target_at IS NOT NULL) AS has_target,
    r.cost,
    ((r.trade_code IS NOT NULL) AND (count(*) FILTER (WHERE (st.is_open OR (r.completed_at IS NOT NULL))) OVER (PARTITION BY r.home_id, r.trade_code ORDER BY r.reported_at RANGE BETWEEN '720:00:00'::interval PRECEDING AND CURRENT ROW EXCLUDE GROUP) > 0)) AS repeat_30,
    ((r.trade_code IS NOT NULL) AND (count(*) FILTER (WHERE (st.is_open OR (r.completed_at IS NOT NULL))) OVER (PARTITION BY r.home_id, r.trade_code ORDER BY r.reported_at RANGE BETWEEN '2160:00:00'::interval PRECEDING AND CURRENT ROW EXCLUDE GROUP) > 0)) AS repeat_90,
    (NOT (EXISTS ( SELECT 1
           FROM (public.repair q
             JOIN public.repair_status qs ON ((qs.code = q.status_code)))
          WHERE ((q.home_id = r.home_id) AND (q.trade_code = r.trade_code) AND (q.id <> r.id) AND (qs.is_open OR (q.completed_at IS NOT NULL)) AND (q.reported_at > r.completed_at) AND (q.reported_at <= (r.completed_at + '720:00:00'::interval)))))) AS fixed_first_time,
    ARRAY( SELECT DISTINCT s.s
           FROM (public.repair_line l
             JOIN public.sor_code c ON ((c.code = l.sor_code))),
            LATERAL unnest(c.schedules) s(s)
          WHERE (l.repair_id = r.id)
          ORDER BY s.s) AS schedules,
    k.record_key
   FROM ((((((public.repair r
     JOIN public.home h ON ((h.id = r.home_id)))
     JOIN public.priority p ON ((p.code = r.priority_code)))
     JOIN public.repair_status st ON ((st.code = r.status_code)))
     LEFT JOIN public.home_record_key k ON ((k.home_id = r.home_id)))
     LEFT JOIN public.working_calendar ws ON ((ws.day = ((r.reported_at AT TIME ZONE 'Europe/London'::text))::date)))
     LEFT JOIN public.working_calendar we ON ((we.day = ((r.completed_at AT TIME ZONE 'Europe/London'::text))::date)));

--
-- Name: repair_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.repair ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME public.repair_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: repair_line_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.repair_line ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME public.repair_line_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: repair_planned_due; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.repair_planned_due (
    id bigint NOT NULL,
    landlord_id bigint,
    month text,
    priority_code text,
    cancelled boolean,
    record_key integer,
    reported_on date NOT NULL,
    due_on date NOT NULL
);

--
-- Name: repair_planned_due_source; Type: VIEW; Schema: public; Owner: -
--

CREATE VIEW public.repair_planned_due_source AS
 SELECT f.id,
    f.landlord_id,
    f.month,
    f.priority_code,
    f.cancelled,
    f.record_key,
    r.reported_on,
    min(i.planned_date) AS due_on
   FROM ((public.repair_fact f
     JOIN ( SELECT r_1.id,
            r_1.component_id,
            ((r_1.reported_at AT TIME ZONE 'Europe/London'::text))::date AS reported_on
           FROM public.repair r_1) r ON ((r.id = f.id)))
     JOIN public.component_planned_item i ON ((i.component_id = r.component_id)))
  WHERE ((i.completed_on IS NULL) OR (i.completed_on > r.reported_on))
  GROUP BY f.id, f.landlord_id, f.month, f.priority_code, f.cancelled, f.record_key, r.reported_on;

--
-- Name: repair_status_event; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.repair_status_event (
    id bigint NOT NULL,
    repair_id bigint NOT NULL,
    status_code text NOT NULL,
    occurred_at timestamp with time zone NOT NULL,
    note text
);

--
-- Name: repair_status_event_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.repair_status_event ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME public.repair_status_event_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: repair_summary; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.repair_summary (
    landlord_id bigint NOT NULL,
    month text NOT NULL,
    priority_code text NOT NULL,
    completed boolean,
    is_open boolean,
    cancelled boolean,
    has_target boolean,
    is_emergency boolean,
    within_target boolean,
    repeat_30 boolean,
    repeat_90 boolean,
    fixed_first_time boolean,
    repairs bigint NOT NULL,
    record_keys bigint NOT NULL
);

--
-- Name: repair_summary_cost; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.repair_summary_cost (
    landlord_id bigint NOT NULL,
    month text NOT NULL,
    priority_code text NOT NULL,
    pound bigint NOT NULL,
    repairs bigint NOT NULL,
    record_keys bigint NOT NULL,
    cost numeric NOT NULL
);

--
-- Name: repair_summary_days; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.repair_summary_days (
    landlord_id bigint NOT NULL,
    month text NOT NULL,
    priority_code text NOT NULL,
    working_days integer NOT NULL,
    repairs bigint NOT NULL,
    record_keys bigint NOT NULL
);

--
-- Name: repair_summary_delta; Type: TABLE; Schema: public; Owner: -
--

CREATE UNLOGGED TABLE public.repair_summary_delta (
    landlord_id bigint NOT NULL,
    month text NOT NULL,
    priority_code text NOT NULL,
    home_id bigint NOT NULL,
    record_key integer NOT NULL,
    completed boolean,
    is_open boolean,
    cancelled boolean,
    has_target boolean,
    is_emergency boolean,
    within_target boolean,
    repeat_30 boolean,
    repeat_90 boolean,
    fixed_first_time boolean,
    working_days integer,
    repairs bigint NOT NULL
);

--
-- Name: repair_summary_home; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.repair_summary_home (
    landlord_id bigint NOT NULL,
    home_id bigint NOT NULL,
    record_key integer NOT NULL,
    repairs bigint NOT NULL
);

--
-- Name: repair_summary_home_month; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.repair_summary_home_month (
    landlord_id bigint NOT NULL,
    month text NOT NULL,
    home_id bigint NOT NULL,
    record_key integer NOT NULL,
    repairs bigint NOT NULL
);

--
-- Name: repair_summary_home_priority; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.repair_summary_home_priority (
    landlord_id bigint NOT NULL,
    priority_code text NOT NULL,
    home_id bigint NOT NULL,
    record_key integer NOT NULL,
    repairs bigint NOT NULL
);

--
-- Name: repair_summary_home_priority_year; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.repair_summary_home_priority_year (
    landlord_id bigint NOT NULL,
    year integer NOT NULL,
    priority_code text NOT NULL,
    home_id bigint NOT NULL,
    record_key integer NOT NULL,
    repairs bigint NOT NULL
);

--
-- Name: repair_summary_home_year; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.repair_summary_home_year (
    landlord_id bigint NOT NULL,
    year integer NOT NULL,
    home_id bigint NOT NULL,
    record_key integer NOT NULL,
    repairs bigint NOT NULL
);

--
-- Name: repair_summary_hours; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.repair_summary_hours (
    landlord_id bigint NOT NULL,
    month text NOT NULL,
    priority_code text NOT NULL,
    hour bigint NOT NULL,
    repairs bigint NOT NULL,
    record_keys bigint NOT NULL
);

--
-- Name: repair_summary_landlord; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.repair_summary_landlord (
    landlord_id bigint NOT NULL,
    homes bigint NOT NULL,
    homes_key bigint NOT NULL
);

--
-- Name: repair_summary_month; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.repair_summary_month (
    landlord_id bigint NOT NULL,
    month text NOT NULL,
    homes bigint NOT NULL,
    homes_key bigint NOT NULL
);

--
-- Name: repair_summary_pending; Type: TABLE; Schema: public; Owner: -
--

CREATE UNLOGGED TABLE public.repair_summary_pending (
    noted boolean DEFAULT true NOT NULL
);

--
-- Name: repair_summary_priority; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.repair_summary_priority (
    landlord_id bigint NOT NULL,
    priority_code text NOT NULL,
    homes bigint NOT NULL,
    homes_key bigint NOT NULL
);

--
-- Name: repair_summary_priority_year; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.repair_summary_priority_year (
    landlord_id bigint NOT NULL,
    year integer NOT NULL,
    priority_code text NOT NULL,
    homes bigint NOT NULL,
    homes_key bigint NOT NULL
);

--
-- Name: repair_summary_year; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.repair_summary_year (
    landlord_id bigint NOT NULL,
    year integer NOT NULL,
    homes bigint NOT NULL,
    homes_key bigint NOT NULL
);

--
-- Name: repair_value_delta; Type: TABLE; Schema: public; Owner: -
--

CREATE UNLOGGED TABLE public.repair_value_delta (
    landlord_id bigint NOT NULL,
    month text NOT NULL,
    priority_code text NOT NULL,
    hour bigint,
    pound bigint,
    record_key integer NOT NULL,
    repairs bigint NOT NULL,
    cost numeric
);

--
-- Name: repair_value_pending; Type: TABLE; Schema: public; Owner: -
--

CREATE UNLOGGED TABLE public.repair_value_pending (
    noted boolean DEFAULT true NOT NULL
);

--
-- Name: repair_work; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.repair_work (
    repair_id bigint NOT NULL,
    sor_code text NOT NULL,
    landlord_id bigint,
    home_id bigint,
    postcode text,
    postcode_area text,
    postcode_district text,
    postcode_sector text,
    trade_code text,
    working_days integer,
    record_key integer NOT NULL,
    cost numeric,
    quantity numeric
);

--
-- Name: repair_work_source; Type: VIEW; Schema: public; Owner: -
--

CREATE VIEW public.repair_work_source AS
 SELECT f.id AS repair_id,
    l.sor_code,
    f.landlord_id,
    f.home_id,
    f.postcode,
    f.postcode_area,
    f.postcode_district,
    f.postcode_sector,
    f.trade_code,
    f.working_days,
    COALESCE(f.record_key, 0) AS record_key,
    sum(l.cost) AS cost,
    sum(l.quantity) AS quantity
   FROM (public.repair_fact f
     JOIN public.repair_line l ON ((l.repair_id = f.id)))
  WHERE f.completed
  GROUP BY f.id, l.sor_code, f.landlord_id, f.home_id, f.postcode, f.postcode_area, f.postcode_district, f.postcode_sector, f.trade_code, f.working_days, f.record_key;

--
-- Name: satisfaction_response; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.satisfaction_response (
    id bigint NOT NULL,
    home_id bigint NOT NULL,
    landlord_id bigint NOT NULL,
    measure_code text NOT NULL,
    answer_code text NOT NULL,
    survey_date date NOT NULL,
    recorded_at timestamp with time zone DEFAULT now() NOT NULL
);

--
-- Name: satisfaction_response_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.satisfaction_response ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME public.satisfaction_response_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: schema_migrations; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.schema_migrations (
    version integer NOT NULL,
    name text NOT NULL,
    checksum text NOT NULL,
    applied_at timestamp with time zone DEFAULT now() NOT NULL
);

--
-- Name: tenure; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.tenure (
    code text NOT NULL,
    label text NOT NULL,
    definition text,
    tenure_group text NOT NULL,
    CONSTRAINT tenure_tenure_group_check CHECK ((tenure_group = ANY (ARRAY['LCRA'::text, 'LCHO'::text])))
);

--
-- Name: trade; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.trade (
    code text NOT NULL,
    label text NOT NULL,
    definition text
);

--
-- Name: tsm_answer; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.tsm_answer (
    code text NOT NULL,
    label text NOT NULL,
    definition text,
    counts_as_satisfied boolean
);

--
-- Name: tsm_measure; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.tsm_measure (
    code text NOT NULL,
    label text NOT NULL,
    definition text
);

--
-- Name: tsm_return; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.tsm_return (
    id bigint NOT NULL,
    landlord_id bigint NOT NULL,
    estate_id bigint,
    financial_year integer NOT NULL,
    measure_code text NOT NULL,
    answer_code text NOT NULL,
    respondents integer NOT NULL,
    record_key integer DEFAULT public.random_record_key() NOT NULL,
    import_id bigint,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT tsm_return_financial_year_check CHECK (((financial_year >= 2000) AND (financial_year <= 2100))),
    CONSTRAINT tsm_return_measure_code_check CHECK ((measure_code ~ '^TP(0[1-9]|1[0-2])$'::text)),
    CONSTRAINT tsm_return_record_key_check CHECK (((record_key >= 0) AND (record_key <= 16777215))),
    CONSTRAINT tsm_return_respondents_check CHECK (((respondents >= 0) AND (respondents <= 10000000)))
);

--
-- Name: tsm_return_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.tsm_return ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME public.tsm_return_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: change_pending id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.change_pending ALTER COLUMN id SET DEFAULT nextval('public.change_pending_id_seq'::regclass);

--
-- Name: api_key api_key_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.api_key
    ADD CONSTRAINT api_key_pkey PRIMARY KEY (id);

--
-- Name: api_key api_key_prefix_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.api_key
    ADD CONSTRAINT api_key_prefix_key UNIQUE (prefix);

--
-- Name: audit_event audit_event_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.audit_event
    ADD CONSTRAINT audit_event_pkey PRIMARY KEY (id);

--
-- Name: awaab_deadline awaab_deadline_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.awaab_deadline
    ADD CONSTRAINT awaab_deadline_pkey PRIMARY KEY (case_id);

--
-- Name: awaab_hazard_level awaab_hazard_level_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.awaab_hazard_level
    ADD CONSTRAINT awaab_hazard_level_pkey PRIMARY KEY (code);

--
-- Name: bank_holiday bank_holiday_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.bank_holiday
    ADD CONSTRAINT bank_holiday_pkey PRIMARY KEY (day);

--
-- Name: building building_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.building
    ADD CONSTRAINT building_pkey PRIMARY KEY (id);

--
-- Name: building_record_key building_record_key_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.building_record_key
    ADD CONSTRAINT building_record_key_pkey PRIMARY KEY (building_id);

--
-- Name: building building_uprn_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.building
    ADD CONSTRAINT building_uprn_key UNIQUE (uprn);

--
-- Name: built_form built_form_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.built_form
    ADD CONSTRAINT built_form_pkey PRIMARY KEY (code);

--
-- Name: certificate_type certificate_type_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.certificate_type
    ADD CONSTRAINT certificate_type_pkey PRIMARY KEY (code);

--
-- Name: change_log change_log_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.change_log
    ADD CONSTRAINT change_log_pkey PRIMARY KEY ("position");

--
-- Name: change_pending change_pending_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.change_pending
    ADD CONSTRAINT change_pending_pkey PRIMARY KEY (id);

--
-- Name: component_failure_risk component_failure_risk_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.component_failure_risk
    ADD CONSTRAINT component_failure_risk_pkey PRIMARY KEY (model_id, component_id);

--
-- Name: component component_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.component
    ADD CONSTRAINT component_pkey PRIMARY KEY (id);

--
-- Name: component_type component_type_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.component_type
    ADD CONSTRAINT component_type_pkey PRIMARY KEY (code);

--
-- Name: condition condition_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.condition
    ADD CONSTRAINT condition_pkey PRIMARY KEY (code);

--
-- Name: custom_sor_code custom_sor_code_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.custom_sor_code
    ADD CONSTRAINT custom_sor_code_pkey PRIMARY KEY (organisation_id, code);

--
-- Name: damp_mould_case damp_mould_case_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.damp_mould_case
    ADD CONSTRAINT damp_mould_case_pkey PRIMARY KEY (id);

--
-- Name: damp_mould_severity damp_mould_severity_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.damp_mould_severity
    ADD CONSTRAINT damp_mould_severity_pkey PRIMARY KEY (code);

--
-- Name: data_import data_import_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.data_import
    ADD CONSTRAINT data_import_pkey PRIMARY KEY (id);

--
-- Name: data_version data_version_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.data_version
    ADD CONSTRAINT data_version_pkey PRIMARY KEY (slot);

--
-- Name: energy_performance_certificate energy_performance_certificate_lmk_key_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.energy_performance_certificate
    ADD CONSTRAINT energy_performance_certificate_lmk_key_key UNIQUE (lmk_key);

--
-- Name: energy_performance_certificate energy_performance_certificate_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.energy_performance_certificate
    ADD CONSTRAINT energy_performance_certificate_pkey PRIMARY KEY (id);

--
-- Name: epc_band epc_band_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.epc_band
    ADD CONSTRAINT epc_band_pkey PRIMARY KEY (code);

--
-- Name: estate estate_landlord_id_reference_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.estate
    ADD CONSTRAINT estate_landlord_id_reference_key UNIQUE (landlord_id, reference);

--
-- Name: estate estate_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.estate
    ADD CONSTRAINT estate_pkey PRIMARY KEY (id);

--
-- Name: hhsrs_category hhsrs_category_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.hhsrs_category
    ADD CONSTRAINT hhsrs_category_pkey PRIMARY KEY (code);

--
-- Name: hhsrs_hazard hhsrs_hazard_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.hhsrs_hazard
    ADD CONSTRAINT hhsrs_hazard_pkey PRIMARY KEY (code);

--
-- Name: home_assertion home_assertion_home_id_organisation_id_property_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.home_assertion
    ADD CONSTRAINT home_assertion_home_id_organisation_id_property_key UNIQUE (home_id, organisation_id, property);

--
-- Name: home_assertion home_assertion_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.home_assertion
    ADD CONSTRAINT home_assertion_pkey PRIMARY KEY (id);

--
-- Name: home_damp_risk home_damp_risk_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.home_damp_risk
    ADD CONSTRAINT home_damp_risk_pkey PRIMARY KEY (model_id, home_id);

--
-- Name: home home_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.home
    ADD CONSTRAINT home_pkey PRIMARY KEY (id);

--
-- Name: home_record_key home_record_key_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.home_record_key
    ADD CONSTRAINT home_record_key_pkey PRIMARY KEY (home_id);

--
-- Name: home home_uprn_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.home
    ADD CONSTRAINT home_uprn_key UNIQUE (uprn);

--
-- Name: idempotency_key idempotency_key_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.idempotency_key
    ADD CONSTRAINT idempotency_key_pkey PRIMARY KEY (api_key_id, key);

--
-- Name: investment_programme investment_programme_landlord_id_financial_year_name_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.investment_programme
    ADD CONSTRAINT investment_programme_landlord_id_financial_year_name_key UNIQUE (landlord_id, financial_year, name);

--
-- Name: investment_programme investment_programme_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.investment_programme
    ADD CONSTRAINT investment_programme_pkey PRIMARY KEY (id);

--
-- Name: organisation_district organisation_district_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.organisation_district
    ADD CONSTRAINT organisation_district_pkey PRIMARY KEY (postcode_district, organisation_id);

--
-- Name: organisation_kind organisation_kind_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.organisation_kind
    ADD CONSTRAINT organisation_kind_pkey PRIMARY KEY (code);

--
-- Name: organisation organisation_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.organisation
    ADD CONSTRAINT organisation_pkey PRIMARY KEY (id);

--
-- Name: pending_repair_update pending_repair_update_organisation_id_reference_digest_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.pending_repair_update
    ADD CONSTRAINT pending_repair_update_organisation_id_reference_digest_key UNIQUE (organisation_id, reference, digest);

--
-- Name: pending_repair_update pending_repair_update_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.pending_repair_update
    ADD CONSTRAINT pending_repair_update_pkey PRIMARY KEY (id);

--
-- Name: planned_work planned_work_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.planned_work
    ADD CONSTRAINT planned_work_pkey PRIMARY KEY (id);

--
-- Name: planned_work_status planned_work_status_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.planned_work_status
    ADD CONSTRAINT planned_work_status_pkey PRIMARY KEY (code);

--
-- Name: prediction_model prediction_model_kind_version_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.prediction_model
    ADD CONSTRAINT prediction_model_kind_version_key UNIQUE (kind, version);

--
-- Name: prediction_model prediction_model_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.prediction_model
    ADD CONSTRAINT prediction_model_pkey PRIMARY KEY (id);

--
-- Name: priority priority_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.priority
    ADD CONSTRAINT priority_pkey PRIMARY KEY (code);

--
-- Name: programme_kind programme_kind_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.programme_kind
    ADD CONSTRAINT programme_kind_pkey PRIMARY KEY (code);

--
-- Name: property_type property_type_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.property_type
    ADD CONSTRAINT property_type_pkey PRIMARY KEY (code);

--
-- Name: rate_usage rate_usage_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.rate_usage
    ADD CONSTRAINT rate_usage_pkey PRIMARY KEY (id);

--
-- Name: reference reference_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.reference
    ADD CONSTRAINT reference_pkey PRIMARY KEY (id);

--
-- Name: reference reference_subject_type_allocated_by_id_value_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.reference
    ADD CONSTRAINT reference_subject_type_allocated_by_id_value_key UNIQUE (subject_type, allocated_by_id, value);

--
-- Name: repair_fact repair_fact_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.repair_fact
    ADD CONSTRAINT repair_fact_pkey PRIMARY KEY (id);

--
-- Name: repair_line repair_line_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.repair_line
    ADD CONSTRAINT repair_line_pkey PRIMARY KEY (id);

--
-- Name: repair_line repair_line_repair_id_line_number_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.repair_line
    ADD CONSTRAINT repair_line_repair_id_line_number_key UNIQUE (repair_id, line_number);

--
-- Name: repair repair_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.repair
    ADD CONSTRAINT repair_pkey PRIMARY KEY (id);

--
-- Name: repair_planned_due repair_planned_due_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.repair_planned_due
    ADD CONSTRAINT repair_planned_due_pkey PRIMARY KEY (id);

--
-- Name: repair_status_event repair_status_event_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.repair_status_event
    ADD CONSTRAINT repair_status_event_pkey PRIMARY KEY (id);

--
-- Name: repair_status repair_status_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.repair_status
    ADD CONSTRAINT repair_status_pkey PRIMARY KEY (code);

--
-- Name: repair_summary_cost repair_summary_cost_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.repair_summary_cost
    ADD CONSTRAINT repair_summary_cost_pkey PRIMARY KEY (landlord_id, month, priority_code, pound);

--
-- Name: repair_summary_days repair_summary_days_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.repair_summary_days
    ADD CONSTRAINT repair_summary_days_pkey PRIMARY KEY (landlord_id, month, priority_code, working_days);

--
-- Name: repair_summary_home_month repair_summary_home_month_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.repair_summary_home_month
    ADD CONSTRAINT repair_summary_home_month_pkey PRIMARY KEY (landlord_id, month, home_id, record_key);

--
-- Name: repair_summary_home repair_summary_home_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.repair_summary_home
    ADD CONSTRAINT repair_summary_home_pkey PRIMARY KEY (landlord_id, home_id, record_key);

--
-- Name: repair_summary_home_priority repair_summary_home_priority_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.repair_summary_home_priority
    ADD CONSTRAINT repair_summary_home_priority_pkey PRIMARY KEY (landlord_id, priority_code, home_id, record_key);

--
-- Name: repair_summary_home_priority_year repair_summary_home_priority_year_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.repair_summary_home_priority_year
    ADD CONSTRAINT repair_summary_home_priority_year_pkey PRIMARY KEY (landlord_id, year, priority_code, home_id, record_key);

--
-- Name: repair_summary_home_year repair_summary_home_year_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.repair_summary_home_year
    ADD CONSTRAINT repair_summary_home_year_pkey PRIMARY KEY (landlord_id, year, home_id, record_key);

--
-- Name: repair_summary_hours repair_summary_hours_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.repair_summary_hours
    ADD CONSTRAINT repair_summary_hours_pkey PRIMARY KEY (landlord_id, month, priority_code, hour);

--
-- Name: repair_summary_landlord repair_summary_landlord_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.repair_summary_landlord
    ADD CONSTRAINT repair_summary_landlord_pkey PRIMARY KEY (landlord_id);

--
-- Name: repair_summary_month repair_summary_month_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.repair_summary_month
    ADD CONSTRAINT repair_summary_month_pkey PRIMARY KEY (landlord_id, month);

--
-- Name: repair_summary_priority repair_summary_priority_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.repair_summary_priority
    ADD CONSTRAINT repair_summary_priority_pkey PRIMARY KEY (landlord_id, priority_code);

--
-- Name: repair_summary_priority_year repair_summary_priority_year_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.repair_summary_priority_year
    ADD CONSTRAINT repair_summary_priority_year_pkey PRIMARY KEY (landlord_id, year, priority_code);

--
-- Name: repair_summary_year repair_summary_year_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.repair_summary_year
    ADD CONSTRAINT repair_summary_year_pkey PRIMARY KEY (landlord_id, year);

--
-- Name: repair_work repair_work_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.repair_work
    ADD CONSTRAINT repair_work_pkey PRIMARY KEY (repair_id, sor_code);

--
-- Name: satisfaction_response satisfaction_response_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.satisfaction_response
    ADD CONSTRAINT satisfaction_response_pkey PRIMARY KEY (id);

--
-- Name: schema_migrations schema_migrations_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.schema_migrations
    ADD CONSTRAINT schema_migrations_pkey PRIMARY KEY (version);

--
-- Name: sor_code sor_code_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.sor_code
    ADD CONSTRAINT sor_code_pkey PRIMARY KEY (code);

--
-- Name: tenure tenure_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.tenure
    ADD CONSTRAINT tenure_pkey PRIMARY KEY (code);

--
-- Name: trade trade_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.trade
    ADD CONSTRAINT trade_pkey PRIMARY KEY (code);

--
-- Name: tsm_answer tsm_answer_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.tsm_answer
    ADD CONSTRAINT tsm_answer_pkey PRIMARY KEY (code);

--
-- Name: tsm_measure tsm_measure_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.tsm_measure
    ADD CONSTRAINT tsm_measure_pkey PRIMARY KEY (code);

--
-- Name: tsm_return tsm_return_landlord_id_estate_id_financial_year_measure_cod_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.tsm_return
    ADD CONSTRAINT tsm_return_landlord_id_estate_id_financial_year_measure_cod_key UNIQUE NULLS NOT DISTINCT (landlord_id, estate_id, financial_year, measure_code, answer_code);

--
-- Name: tsm_return tsm_return_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.tsm_return
    ADD CONSTRAINT tsm_return_pkey PRIMARY KEY (id);

--
-- Name: working_calendar working_calendar_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.working_calendar
    ADD CONSTRAINT working_calendar_pkey PRIMARY KEY (day);

--
-- Name: api_key_home_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX api_key_home_idx ON public.api_key USING btree (home_id) WHERE (home_id IS NOT NULL);

--
-- Name: audit_event_landlord_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX audit_event_landlord_idx ON public.audit_event USING btree (landlord_id, occurred_at DESC);

--
-- Name: audit_event_subject_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX audit_event_subject_idx ON public.audit_event USING btree (subject_type, subject_id);

--
-- Name: building_landlord_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX building_landlord_idx ON public.building USING btree (landlord_id);

--
-- Name: change_log_fixed_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX change_log_fixed_idx ON public.change_log USING btree (segment, "position" DESC) WHERE (key = 0);

--
-- Name: change_log_subject_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX change_log_subject_idx ON public.change_log USING btree (segment, key, "position" DESC);

--
-- Name: change_log_time_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX change_log_time_idx ON public.change_log USING btree (published_at, "position");

--
-- Name: component_building_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX component_building_idx ON public.component USING btree (building_id);

--
-- Name: component_failure_risk_landlord_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX component_failure_risk_landlord_idx ON ONLY public.component_failure_risk USING btree (landlord_id, model_id);

--
-- Name: component_home_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX component_home_idx ON public.component USING btree (home_id);

--
-- Name: component_home_type_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX component_home_type_idx ON public.component USING btree (home_id, component_type_code, install_date DESC) WHERE (home_id IS NOT NULL);

--
-- Name: component_type_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX component_type_idx ON public.component USING btree (component_type_code);

--
-- Name: damp_mould_case_aware_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX damp_mould_case_aware_idx ON public.damp_mould_case USING btree (aware_at);

--
-- Name: damp_mould_case_home_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX damp_mould_case_home_idx ON public.damp_mould_case USING btree (home_id, aware_at DESC);

--
-- Name: damp_mould_case_landlord_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX damp_mould_case_landlord_idx ON public.damp_mould_case USING btree (landlord_id, aware_at DESC);

--
-- Name: data_import_organisation_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX data_import_organisation_idx ON public.data_import USING btree (organisation_id, started_at DESC);

--
-- Name: energy_performance_certificate_home_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX energy_performance_certificate_home_idx ON public.energy_performance_certificate USING btree (home_id, lodgement_date DESC);

--
-- Name: estate_building_ids_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX estate_building_ids_idx ON public.estate USING gin (building_ids);

--
-- Name: estate_home_ids_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX estate_home_ids_idx ON public.estate USING gin (home_ids);

--
-- Name: estate_postcodes_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX estate_postcodes_idx ON public.estate USING gin (postcodes);

--
-- Name: home_area_order_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX home_area_order_idx ON public.home USING btree (postcode_area, postcode, id);

--
-- Name: home_assertion_organisation_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX home_assertion_organisation_idx ON public.home_assertion USING btree (organisation_id);

--
-- Name: home_building_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX home_building_idx ON public.home USING btree (building_id);

--
-- Name: home_damp_risk_landlord_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX home_damp_risk_landlord_idx ON ONLY public.home_damp_risk USING btree (landlord_id, model_id);

--
-- Name: home_district_order_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX home_district_order_idx ON public.home USING btree (postcode_district, postcode, id);

--
-- Name: home_landlord_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX home_landlord_idx ON public.home USING btree (landlord_id);

--
-- Name: home_postcode_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX home_postcode_idx ON public.home USING btree (postcode);

--
-- Name: home_sector_order_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX home_sector_order_idx ON public.home USING btree (postcode_sector, postcode, id);

--
-- Name: home_tenure_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX home_tenure_idx ON public.home USING btree (tenure_code);

--
-- Name: investment_programme_year_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX investment_programme_year_idx ON public.investment_programme USING btree (financial_year, kind_code);

--
-- Name: organisation_district_organisation_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX organisation_district_organisation_idx ON public.organisation_district USING btree (organisation_id);

--
-- Name: organisation_kind_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX organisation_kind_idx ON public.organisation USING btree (kind_code);

--
-- Name: organisation_name_key; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX organisation_name_key ON public.organisation USING btree (lower(btrim(name)));

--
-- Name: organisation_registration_number_key; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX organisation_registration_number_key ON public.organisation USING btree (registration_number) WHERE (registration_number IS NOT NULL);

--
-- Name: organisation_roles_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX organisation_roles_idx ON public.organisation USING gin (role_codes);

--
-- Name: planned_work_building_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX planned_work_building_idx ON public.planned_work USING btree (building_id, planned_date) WHERE (building_id IS NOT NULL);

--
-- Name: planned_work_component_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX planned_work_component_idx ON public.planned_work USING btree (component_id) WHERE (component_id IS NOT NULL);

--
-- Name: planned_work_home_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX planned_work_home_idx ON public.planned_work USING btree (home_id, planned_date);

--
-- Name: planned_work_landlord_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX planned_work_landlord_idx ON public.planned_work USING btree (landlord_id, planned_date);

--
-- Name: planned_work_programme_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX planned_work_programme_idx ON public.planned_work USING btree (programme_id, planned_date);

--
-- Name: reference_subject_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX reference_subject_idx ON public.reference USING btree (subject_type, subject_id);

--
-- Name: repair_component_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX repair_component_idx ON public.repair USING btree (component_id);

--
-- Name: repair_contractor_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX repair_contractor_idx ON public.repair USING btree (contractor_id, reported_at DESC);

--
-- Name: repair_contractor_open_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX repair_contractor_open_idx ON public.repair USING btree (contractor_id, is_open, reported_at DESC, id DESC);

--
-- Name: repair_district_open_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX repair_district_open_idx ON public.repair USING btree (postcode_district, is_open, contractor_id, reported_at DESC, id DESC);

--
-- Name: repair_fact_cost_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX repair_fact_cost_idx ON public.repair_fact USING btree (landlord_id, month, cost) INCLUDE (priority_code) WHERE (completed AND (cost IS NOT NULL));

--
-- Name: repair_fact_district_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX repair_fact_district_idx ON public.repair_fact USING btree (postcode_district);

--
-- Name: repair_fact_home_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX repair_fact_home_idx ON public.repair_fact USING btree (home_id);

--
-- Name: repair_fact_hours_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX repair_fact_hours_idx ON public.repair_fact USING btree (landlord_id, month, hours) INCLUDE (priority_code) WHERE (completed AND (hours IS NOT NULL));

--
-- Name: repair_fact_reported_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX repair_fact_reported_idx ON public.repair_fact USING btree (reported_at);

--
-- Name: repair_home_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX repair_home_idx ON public.repair USING btree (home_id, reported_at DESC);

--
-- Name: repair_home_trade_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX repair_home_trade_idx ON public.repair USING btree (home_id, trade_code, reported_at);

--
-- Name: repair_landlord_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX repair_landlord_idx ON public.repair USING btree (landlord_id, reported_at DESC);

--
-- Name: repair_line_sor_code_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX repair_line_sor_code_idx ON public.repair_line USING btree (sor_code);

--
-- Name: repair_planned_due_landlord_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX repair_planned_due_landlord_idx ON public.repair_planned_due USING btree (landlord_id, month) INCLUDE (priority_code, cancelled, record_key, reported_on, due_on);

--
-- Name: repair_reported_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX repair_reported_idx ON public.repair USING btree (reported_at DESC, id DESC);

--
-- Name: repair_status_event_repair_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX repair_status_event_repair_idx ON public.repair_status_event USING btree (repair_id, occurred_at);

--
-- Name: repair_status_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX repair_status_idx ON public.repair USING btree (status_code);

--
-- Name: repair_summary_cost_empty; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX repair_summary_cost_empty ON public.repair_summary_cost USING btree (repairs) WHERE (repairs = 0);

--
-- Name: repair_summary_days_empty; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX repair_summary_days_empty ON public.repair_summary_days USING btree (repairs) WHERE (repairs = 0);

--
-- Name: repair_summary_empty; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX repair_summary_empty ON public.repair_summary USING btree (repairs) WHERE (repairs = 0);

--
-- Name: repair_summary_home_empty; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX repair_summary_home_empty ON public.repair_summary_home USING btree (repairs) WHERE (repairs = 0);

--
-- Name: repair_summary_home_month_empty; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX repair_summary_home_month_empty ON public.repair_summary_home_month USING btree (repairs) WHERE (repairs = 0);

--
-- Name: repair_summary_home_priority_empty; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX repair_summary_home_priority_empty ON public.repair_summary_home_priority USING btree (repairs) WHERE (repairs = 0);

--
-- Name: repair_summary_home_priority_year_empty; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX repair_summary_home_priority_year_empty ON public.repair_summary_home_priority_year USING btree (repairs) WHERE (repairs = 0);

--
-- Name: repair_summary_home_year_empty; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX repair_summary_home_year_empty ON public.repair_summary_home_year USING btree (repairs) WHERE (repairs = 0);

--
-- Name: repair_summary_hours_empty; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX repair_summary_hours_empty ON public.repair_summary_hours USING btree (repairs) WHERE (repairs = 0);

--
-- Name: repair_summary_key; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX repair_summary_key ON public.repair_summary USING btree (landlord_id, month, priority_code, completed, is_open, cancelled, has_target, is_emergency, within_target, repeat_30, repeat_90, fixed_first_time) NULLS NOT DISTINCT;

--
-- Name: repair_summary_landlord_empty; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX repair_summary_landlord_empty ON public.repair_summary_landlord USING btree (homes) WHERE (homes = 0);

--
-- Name: repair_summary_month_empty; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX repair_summary_month_empty ON public.repair_summary_month USING btree (homes) WHERE (homes = 0);

--
-- Name: repair_summary_priority_empty; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX repair_summary_priority_empty ON public.repair_summary_priority USING btree (homes) WHERE (homes = 0);

--
-- Name: repair_summary_priority_year_empty; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX repair_summary_priority_year_empty ON public.repair_summary_priority_year USING btree (homes) WHERE (homes = 0);

--
-- Name: repair_summary_year_empty; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX repair_summary_year_empty ON public.repair_summary_year USING btree (homes) WHERE (homes = 0);

--
-- Name: repair_work_district_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX repair_work_district_idx ON public.repair_work USING btree (postcode_district, sor_code, home_id) INCLUDE (record_key, working_days, cost, quantity, trade_code);

--
-- Name: satisfaction_response_home_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX satisfaction_response_home_idx ON public.satisfaction_response USING btree (home_id, measure_code, survey_date);

--
-- Name: satisfaction_response_landlord_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX satisfaction_response_landlord_idx ON public.satisfaction_response USING btree (landlord_id, measure_code, survey_date);

--
-- Name: tsm_return_year_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX tsm_return_year_idx ON public.tsm_return USING btree (financial_year, landlord_id);

--
-- Name: working_calendar_working_day_number_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX working_calendar_working_day_number_idx ON public.working_calendar USING btree (working_day_number) WHERE is_working_day;

--
-- Name: api_key api_key_revoked_notify; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER api_key_revoked_notify AFTER UPDATE OF revoked_at ON public.api_key FOR EACH ROW WHEN (((old.revoked_at IS NULL) AND (new.revoked_at IS NOT NULL))) EXECUTE FUNCTION public.notify_key_revoked();

--
-- Name: working_calendar awaab_deadlines_calendar_changed; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER awaab_deadlines_calendar_changed AFTER INSERT OR UPDATE ON public.working_calendar FOR EACH STATEMENT EXECUTE FUNCTION public.awaab_deadlines_after_rule_change();

--
-- Name: damp_mould_case awaab_deadlines_deleted; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER awaab_deadlines_deleted AFTER DELETE ON public.damp_mould_case REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.awaab_deadlines_after_case_change();

--
-- Name: damp_mould_case awaab_deadlines_inserted; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER awaab_deadlines_inserted AFTER INSERT ON public.damp_mould_case REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.awaab_deadlines_after_case_change();

--
-- Name: awaab_hazard_level awaab_deadlines_level_deleted; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER awaab_deadlines_level_deleted AFTER DELETE ON public.awaab_hazard_level REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.awaab_deadlines_after_timescale_change();

--
-- Name: awaab_hazard_level awaab_deadlines_level_inserted; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER awaab_deadlines_level_inserted AFTER INSERT ON public.awaab_hazard_level REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.awaab_deadlines_after_timescale_change();

--
-- Name: awaab_hazard_level awaab_deadlines_level_updated; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER awaab_deadlines_level_updated AFTER UPDATE ON public.awaab_hazard_level REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.awaab_deadlines_after_timescale_change();

--
-- Name: damp_mould_case awaab_deadlines_updated; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER awaab_deadlines_updated AFTER UPDATE ON public.damp_mould_case REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.awaab_deadlines_after_case_change();

--
-- Name: home changes_components_delete; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER changes_components_delete AFTER DELETE ON public.home REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION public.note_changes('SELECT DISTINCT ''component'', c.id FROM changed h JOIN component c ON c.home_id = h.id');

--
-- Name: home changes_components_insert; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER changes_components_insert AFTER INSERT ON public.home REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION public.note_changes('SELECT DISTINCT ''component'', c.id FROM changed h JOIN component c ON c.home_id = h.id');

--
-- Name: home changes_components_update; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER changes_components_update AFTER UPDATE ON public.home REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION public.note_changes('SELECT DISTINCT ''component'', c.id FROM changed h JOIN component c ON c.home_id = h.id');

--
-- Name: building changes_dependants_delete; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER changes_dependants_delete AFTER DELETE ON public.building REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION public.note_changes('SELECT ''home'', h.id FROM changed b JOIN home h ON h.building_id = b.id UNION SELECT ''component'', c.id FROM changed b JOIN component c ON c.building_id = b.id OR c.home_id IN (SELECT id FROM home WHERE building_id = b.id)');

--
-- Name: building changes_dependants_insert; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER changes_dependants_insert AFTER INSERT ON public.building REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION public.note_changes('SELECT ''home'', h.id FROM changed b JOIN home h ON h.building_id = b.id UNION SELECT ''component'', c.id FROM changed b JOIN component c ON c.building_id = b.id OR c.home_id IN (SELECT id FROM home WHERE building_id = b.id)');

--
-- Name: building changes_dependants_update; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER changes_dependants_update AFTER UPDATE ON public.building REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION public.note_changes('SELECT ''home'', h.id FROM changed b JOIN home h ON h.building_id = b.id UNION SELECT ''component'', c.id FROM changed b JOIN component c ON c.building_id = b.id OR c.home_id IN (SELECT id FROM home WHERE building_id = b.id)');

--
-- Name: component changes_homes_delete; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER changes_homes_delete AFTER DELETE ON public.component REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION public.note_changes('SELECT DISTINCT ''home'', h.id FROM changed c JOIN home h ON h.id = c.home_id OR h.building_id = c.building_id');

--
-- Name: component changes_homes_insert; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER changes_homes_insert AFTER INSERT ON public.component REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION public.note_changes('SELECT DISTINCT ''home'', h.id FROM changed c JOIN home h ON h.id = c.home_id OR h.building_id = c.building_id');

--
-- Name: component changes_homes_update; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER changes_homes_update AFTER UPDATE ON public.component REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION public.note_changes('SELECT DISTINCT ''home'', h.id FROM changed c JOIN home h ON h.id = c.home_id OR h.building_id = c.building_id');

--
-- Name: building changes_self_delete; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER changes_self_delete AFTER DELETE ON public.building REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION public.note_changes('SELECT DISTINCT ''building'', id FROM changed');

--
-- Name: component changes_self_delete; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER changes_self_delete AFTER DELETE ON public.component REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION public.note_changes('SELECT DISTINCT ''component'', id FROM changed');

--
-- Name: damp_mould_case changes_self_delete; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER changes_self_delete AFTER DELETE ON public.damp_mould_case REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION public.note_changes('SELECT DISTINCT ''damp-mould-case'', id FROM changed');

--
-- Name: data_import changes_self_delete; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER changes_self_delete AFTER DELETE ON public.data_import REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION public.note_changes('SELECT DISTINCT ''import'', id FROM changed');

--
-- Name: energy_performance_certificate changes_self_delete; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER changes_self_delete AFTER DELETE ON public.energy_performance_certificate REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION public.note_changes('SELECT DISTINCT ''epc'', id FROM changed');

--
-- Name: estate changes_self_delete; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER changes_self_delete AFTER DELETE ON public.estate REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION public.note_changes('SELECT DISTINCT ''estate'', id FROM changed');

--
-- Name: home changes_self_delete; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER changes_self_delete AFTER DELETE ON public.home REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION public.note_changes('SELECT DISTINCT ''home'', id FROM changed');

--
-- Name: home_assertion changes_self_delete; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER changes_self_delete AFTER DELETE ON public.home_assertion REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION public.note_changes('SELECT DISTINCT ''assertion'', id FROM changed');

--
-- Name: investment_programme changes_self_delete; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER changes_self_delete AFTER DELETE ON public.investment_programme REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION public.note_changes('SELECT DISTINCT ''programme'', id FROM changed');

--
-- Name: organisation changes_self_delete; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER changes_self_delete AFTER DELETE ON public.organisation REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION public.note_changes('SELECT DISTINCT ''organisation'', id FROM changed');

--
-- Name: planned_work changes_self_delete; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER changes_self_delete AFTER DELETE ON public.planned_work REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION public.note_changes('SELECT DISTINCT ''planned-work'', id FROM changed');

--
-- Name: reference changes_self_delete; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER changes_self_delete AFTER DELETE ON public.reference REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION public.note_changes('SELECT DISTINCT ''reference'', id FROM changed');

--
-- Name: repair changes_self_delete; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER changes_self_delete AFTER DELETE ON public.repair REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION public.note_changes('SELECT DISTINCT ''repair'', id FROM changed');

--
-- Name: repair_line changes_self_delete; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER changes_self_delete AFTER DELETE ON public.repair_line REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION public.note_changes('SELECT DISTINCT ''repair-line'', id FROM changed');

--
-- Name: repair_status_event changes_self_delete; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER changes_self_delete AFTER DELETE ON public.repair_status_event REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION public.note_changes('SELECT DISTINCT ''repair-status-event'', id FROM changed');

--
-- Name: building changes_self_insert; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER changes_self_insert AFTER INSERT ON public.building REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION public.note_changes('SELECT DISTINCT ''building'', id FROM changed');

--
-- Name: component changes_self_insert; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER changes_self_insert AFTER INSERT ON public.component REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION public.note_changes('SELECT DISTINCT ''component'', id FROM changed');

--
-- Name: damp_mould_case changes_self_insert; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER changes_self_insert AFTER INSERT ON public.damp_mould_case REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION public.note_changes('SELECT DISTINCT ''damp-mould-case'', id FROM changed');

--
-- Name: data_import changes_self_insert; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER changes_self_insert AFTER INSERT ON public.data_import REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION public.note_changes('SELECT DISTINCT ''import'', id FROM changed');

--
-- Name: energy_performance_certificate changes_self_insert; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER changes_self_insert AFTER INSERT ON public.energy_performance_certificate REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION public.note_changes('SELECT DISTINCT ''epc'', id FROM changed');

--
-- Name: estate changes_self_insert; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER changes_self_insert AFTER INSERT ON public.estate REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION public.note_changes('SELECT DISTINCT ''estate'', id FROM changed');

--
-- Name: home changes_self_insert; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER changes_self_insert AFTER INSERT ON public.home REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION public.note_changes('SELECT DISTINCT ''home'', id FROM changed');

--
-- Name: home_assertion changes_self_insert; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER changes_self_insert AFTER INSERT ON public.home_assertion REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION public.note_changes('SELECT DISTINCT ''assertion'', id FROM changed');

--
-- Name: investment_programme changes_self_insert; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER changes_self_insert AFTER INSERT ON public.investment_programme REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION public.note_changes('SELECT DISTINCT ''programme'', id FROM changed');

--
-- Name: organisation changes_self_insert; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER changes_self_insert AFTER INSERT ON public.organisation REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION public.note_changes('SELECT DISTINCT ''organisation'', id FROM changed');

--
-- Name: planned_work changes_self_insert; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER changes_self_insert AFTER INSERT ON public.planned_work REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION public.note_changes('SELECT DISTINCT ''planned-work'', id FROM changed');

--
-- Name: reference changes_self_insert; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER changes_self_insert AFTER INSERT ON public.reference REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION public.note_changes('SELECT DISTINCT ''reference'', id FROM changed');

--
-- Name: repair changes_self_insert; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER changes_self_insert AFTER INSERT ON public.repair REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION public.note_changes('SELECT DISTINCT ''repair'', id FROM changed');

--
-- Name: repair_line changes_self_insert; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER changes_self_insert AFTER INSERT ON public.repair_line REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION public.note_changes('SELECT DISTINCT ''repair-line'', id FROM changed');

--
-- Name: repair_status_event changes_self_insert; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER changes_self_insert AFTER INSERT ON public.repair_status_event REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION public.note_changes('SELECT DISTINCT ''repair-status-event'', id FROM changed');

--
-- Name: building changes_self_update; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER changes_self_update AFTER UPDATE ON public.building REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION public.note_changes('SELECT DISTINCT ''building'', id FROM changed');

--
-- Name: component changes_self_update; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER changes_self_update AFTER UPDATE ON public.component REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION public.note_changes('SELECT DISTINCT ''component'', id FROM changed');

--
-- Name: damp_mould_case changes_self_update; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER changes_self_update AFTER UPDATE ON public.damp_mould_case REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION public.note_changes('SELECT DISTINCT ''damp-mould-case'', id FROM changed');

--
-- Name: data_import changes_self_update; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER changes_self_update AFTER UPDATE ON public.data_import REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION public.note_changes('SELECT DISTINCT ''import'', id FROM changed');

--
-- Name: energy_performance_certificate changes_self_update; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER changes_self_update AFTER UPDATE ON public.energy_performance_certificate REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION public.note_changes('SELECT DISTINCT ''epc'', id FROM changed');

--
-- Name: estate changes_self_update; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER changes_self_update AFTER UPDATE ON public.estate REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION public.note_changes('SELECT DISTINCT ''estate'', id FROM changed');

--
-- Name: home changes_self_update; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER changes_self_update AFTER UPDATE ON public.home REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION public.note_changes('SELECT DISTINCT ''home'', id FROM changed');

--
-- Name: home_assertion changes_self_update; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER changes_self_update AFTER UPDATE ON public.home_assertion REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION public.note_changes('SELECT DISTINCT ''assertion'', id FROM changed');

--
-- Name: investment_programme changes_self_update; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER changes_self_update AFTER UPDATE ON public.investment_programme REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION public.note_changes('SELECT DISTINCT ''programme'', id FROM changed');

--
-- Name: organisation changes_self_update; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER changes_self_update AFTER UPDATE ON public.organisation REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION public.note_changes('SELECT DISTINCT ''organisation'', id FROM changed');

--
-- Name: planned_work changes_self_update; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER changes_self_update AFTER UPDATE ON public.planned_work REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION public.note_changes('SELECT DISTINCT ''planned-work'', id FROM changed');

--
-- Name: reference changes_self_update; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER changes_self_update AFTER UPDATE ON public.reference REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION public.note_changes('SELECT DISTINCT ''reference'', id FROM changed');

--
-- Name: repair changes_self_update; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER changes_self_update AFTER UPDATE ON public.repair REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION public.note_changes('SELECT DISTINCT ''repair'', id FROM changed');

--
-- Name: repair_line changes_self_update; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER changes_self_update AFTER UPDATE ON public.repair_line REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION public.note_changes('SELECT DISTINCT ''repair-line'', id FROM changed');

--
-- Name: repair_status_event changes_self_update; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER changes_self_update AFTER UPDATE ON public.repair_status_event REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION public.note_changes('SELECT DISTINCT ''repair-status-event'', id FROM changed');

--
-- Name: awaab_hazard_level data_version_bumped; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER data_version_bumped AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON public.awaab_hazard_level FOR EACH STATEMENT EXECUTE FUNCTION public.bump_data_version();

--
-- Name: bank_holiday data_version_bumped; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER data_version_bumped AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON public.bank_holiday FOR EACH STATEMENT EXECUTE FUNCTION public.bump_data_version();

--
-- Name: building data_version_bumped; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER data_version_bumped AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON public.building FOR EACH STATEMENT EXECUTE FUNCTION public.bump_data_version();

--
-- Name: building_record_key data_version_bumped; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER data_version_bumped AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON public.building_record_key FOR EACH STATEMENT EXECUTE FUNCTION public.bump_data_version();

--
-- Name: built_form data_version_bumped; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER data_version_bumped AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON public.built_form FOR EACH STATEMENT EXECUTE FUNCTION public.bump_data_version();

--
-- Name: certificate_type data_version_bumped; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER data_version_bumped AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON public.certificate_type FOR EACH STATEMENT EXECUTE FUNCTION public.bump_data_version();

--
-- Name: change_log data_version_bumped; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER data_version_bumped AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON public.change_log FOR EACH STATEMENT EXECUTE FUNCTION public.bump_data_version();

--
-- Name: component data_version_bumped; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER data_version_bumped AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON public.component FOR EACH STATEMENT EXECUTE FUNCTION public.bump_data_version();

--
-- Name: component_failure_risk data_version_bumped; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER data_version_bumped AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON public.component_failure_risk FOR EACH STATEMENT EXECUTE FUNCTION public.bump_data_version();

--
-- Name: component_type data_version_bumped; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER data_version_bumped AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON public.component_type FOR EACH STATEMENT EXECUTE FUNCTION public.bump_data_version();

--
-- Name: condition data_version_bumped; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER data_version_bumped AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON public.condition FOR EACH STATEMENT EXECUTE FUNCTION public.bump_data_version();

--
-- Name: custom_sor_code data_version_bumped; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER data_version_bumped AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON public.custom_sor_code FOR EACH STATEMENT EXECUTE FUNCTION public.bump_data_version();

--
-- Name: damp_mould_case data_version_bumped; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER data_version_bumped AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON public.damp_mould_case FOR EACH STATEMENT EXECUTE FUNCTION public.bump_data_version();

--
-- Name: damp_mould_severity data_version_bumped; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER data_version_bumped AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON public.damp_mould_severity FOR EACH STATEMENT EXECUTE FUNCTION public.bump_data_version();

--
-- Name: data_import data_version_bumped; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER data_version_bumped AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON public.data_import FOR EACH STATEMENT EXECUTE FUNCTION public.bump_data_version();

--
-- Name: energy_performance_certificate data_version_bumped; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER data_version_bumped AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON public.energy_performance_certificate FOR EACH STATEMENT EXECUTE FUNCTION public.bump_data_version();

--
-- Name: epc_band data_version_bumped; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER data_version_bumped AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON public.epc_band FOR EACH STATEMENT EXECUTE FUNCTION public.bump_data_version();

--
-- Name: estate data_version_bumped; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER data_version_bumped AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON public.estate FOR EACH STATEMENT EXECUTE FUNCTION public.bump_data_version();

--
-- Name: hhsrs_category data_version_bumped; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER data_version_bumped AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON public.hhsrs_category FOR EACH STATEMENT EXECUTE FUNCTION public.bump_data_version();

--
-- Name: hhsrs_hazard data_version_bumped; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER data_version_bumped AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON public.hhsrs_hazard FOR EACH STATEMENT EXECUTE FUNCTION public.bump_data_version();

--
-- Name: home data_version_bumped; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER data_version_bumped AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON public.home FOR EACH STATEMENT EXECUTE FUNCTION public.bump_data_version();

--
-- Name: home_assertion data_version_bumped; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER data_version_bumped AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON public.home_assertion FOR EACH STATEMENT EXECUTE FUNCTION public.bump_data_version();

--
-- Name: home_damp_risk data_version_bumped; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER data_version_bumped AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON public.home_damp_risk FOR EACH STATEMENT EXECUTE FUNCTION public.bump_data_version();

--
-- Name: home_record_key data_version_bumped; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER data_version_bumped AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON public.home_record_key FOR EACH STATEMENT EXECUTE FUNCTION public.bump_data_version();

--
-- Name: investment_programme data_version_bumped; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER data_version_bumped AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON public.investment_programme FOR EACH STATEMENT EXECUTE FUNCTION public.bump_data_version();

--
-- Name: organisation data_version_bumped; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER data_version_bumped AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON public.organisation FOR EACH STATEMENT EXECUTE FUNCTION public.bump_data_version();

--
-- Name: organisation_kind data_version_bumped; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER data_version_bumped AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON public.organisation_kind FOR EACH STATEMENT EXECUTE FUNCTION public.bump_data_version();

--
-- Name: pending_repair_update data_version_bumped; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER data_version_bumped AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON public.pending_repair_update FOR EACH STATEMENT EXECUTE FUNCTION public.bump_data_version();

--
-- Name: planned_work data_version_bumped; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER data_version_bumped AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON public.planned_work FOR EACH STATEMENT EXECUTE FUNCTION public.bump_data_version();

--
-- Name: planned_work_status data_version_bumped; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER data_version_bumped AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON public.planned_work_status FOR EACH STATEMENT EXECUTE FUNCTION public.bump_data_version();

--
-- Name: prediction_model data_version_bumped; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER data_version_bumped AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON public.prediction_model FOR EACH STATEMENT EXECUTE FUNCTION public.bump_data_version();

--
-- Name: priority data_version_bumped; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER data_version_bumped AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON public.priority FOR EACH STATEMENT EXECUTE FUNCTION public.bump_data_version();

--
-- Name: programme_kind data_version_bumped; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER data_version_bumped AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON public.programme_kind FOR EACH STATEMENT EXECUTE FUNCTION public.bump_data_version();

--
-- Name: property_type data_version_bumped; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER data_version_bumped AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON public.property_type FOR EACH STATEMENT EXECUTE FUNCTION public.bump_data_version();

--
-- Name: reference data_version_bumped; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER data_version_bumped AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON public.reference FOR EACH STATEMENT EXECUTE FUNCTION public.bump_data_version();

--
-- Name: repair data_version_bumped; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER data_version_bumped AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON public.repair FOR EACH STATEMENT EXECUTE FUNCTION public.bump_data_version();

--
-- Name: repair_line data_version_bumped; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER data_version_bumped AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON public.repair_line FOR EACH STATEMENT EXECUTE FUNCTION public.bump_data_version();

--
-- Name: repair_status data_version_bumped; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER data_version_bumped AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON public.repair_status FOR EACH STATEMENT EXECUTE FUNCTION public.bump_data_version();

--
-- Name: repair_status_event data_version_bumped; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER data_version_bumped AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON public.repair_status_event FOR EACH STATEMENT EXECUTE FUNCTION public.bump_data_version();

--
-- Name: satisfaction_response data_version_bumped; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER data_version_bumped AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON public.satisfaction_response FOR EACH STATEMENT EXECUTE FUNCTION public.bump_data_version();

--
-- Name: sor_code data_version_bumped; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER data_version_bumped AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON public.sor_code FOR EACH STATEMENT EXECUTE FUNCTION public.bump_data_version();

--
-- Name: tenure data_version_bumped; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER data_version_bumped AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON public.tenure FOR EACH STATEMENT EXECUTE FUNCTION public.bump_data_version();

--
-- Name: trade data_version_bumped; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER data_version_bumped AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON public.trade FOR EACH STATEMENT EXECUTE FUNCTION public.bump_data_version();

--
-- Name: tsm_answer data_version_bumped; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER data_version_bumped AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON public.tsm_answer FOR EACH STATEMENT EXECUTE FUNCTION public.bump_data_version();

--
-- Name: tsm_measure data_version_bumped; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER data_version_bumped AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON public.tsm_measure FOR EACH STATEMENT EXECUTE FUNCTION public.bump_data_version();

--
-- Name: tsm_return data_version_bumped; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER data_version_bumped AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON public.tsm_return FOR EACH STATEMENT EXECUTE FUNCTION public.bump_data_version();

--
-- Name: working_calendar data_version_bumped; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER data_version_bumped AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON public.working_calendar FOR EACH STATEMENT EXECUTE FUNCTION public.bump_data_version();

--
-- Name: home home_district; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER home_district AFTER UPDATE OF postcode ON public.home FOR EACH ROW WHEN ((old.postcode_district IS DISTINCT FROM new.postcode_district)) EXECUTE FUNCTION public.home_copy_district();

--
-- Name: organisation organisation_districts_kept; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER organisation_districts_kept AFTER INSERT OR UPDATE OF postcode_districts ON public.organisation FOR EACH ROW EXECUTE FUNCTION public.organisation_districts_kept();

--
-- Name: organisation organisation_kind_is_a_role; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER organisation_kind_is_a_role BEFORE INSERT OR UPDATE ON public.organisation FOR EACH ROW EXECUTE FUNCTION public.organisation_kind_is_a_role();

--
-- Name: planned_work planned_work_landlord; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER planned_work_landlord BEFORE INSERT OR UPDATE OF programme_id, landlord_id ON public.planned_work FOR EACH ROW EXECUTE FUNCTION public.planned_work_landlord();

--
-- Name: prediction_model prediction_model_scores_deleted; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER prediction_model_scores_deleted AFTER DELETE ON public.prediction_model FOR EACH ROW EXECUTE FUNCTION public.delete_model_scores();

--
-- Name: building record_keys_building_inserted; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER record_keys_building_inserted AFTER INSERT ON public.building REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.record_keys_for_new_buildings();

--
-- Name: home record_keys_home_inserted; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER record_keys_home_inserted AFTER INSERT ON public.home REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.record_keys_for_new_homes();

--
-- Name: building refuse_truncate; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER refuse_truncate BEFORE TRUNCATE ON public.building FOR EACH STATEMENT EXECUTE FUNCTION public.refuse_truncate();

--
-- Name: change_log refuse_truncate; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER refuse_truncate BEFORE TRUNCATE ON public.change_log FOR EACH STATEMENT EXECUTE FUNCTION public.refuse_truncate();

--
-- Name: component refuse_truncate; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER refuse_truncate BEFORE TRUNCATE ON public.component FOR EACH STATEMENT EXECUTE FUNCTION public.refuse_truncate();

--
-- Name: damp_mould_case refuse_truncate; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER refuse_truncate BEFORE TRUNCATE ON public.damp_mould_case FOR EACH STATEMENT EXECUTE FUNCTION public.refuse_truncate();

--
-- Name: data_import refuse_truncate; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER refuse_truncate BEFORE TRUNCATE ON public.data_import FOR EACH STATEMENT EXECUTE FUNCTION public.refuse_truncate();

--
-- Name: energy_performance_certificate refuse_truncate; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER refuse_truncate BEFORE TRUNCATE ON public.energy_performance_certificate FOR EACH STATEMENT EXECUTE FUNCTION public.refuse_truncate();

--
-- Name: home refuse_truncate; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER refuse_truncate BEFORE TRUNCATE ON public.home FOR EACH STATEMENT EXECUTE FUNCTION public.refuse_truncate();

--
-- Name: home_assertion refuse_truncate; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER refuse_truncate BEFORE TRUNCATE ON public.home_assertion FOR EACH STATEMENT EXECUTE FUNCTION public.refuse_truncate();

--
-- Name: organisation refuse_truncate; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER refuse_truncate BEFORE TRUNCATE ON public.organisation FOR EACH STATEMENT EXECUTE FUNCTION public.refuse_truncate();

--
-- Name: reference refuse_truncate; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER refuse_truncate BEFORE TRUNCATE ON public.reference FOR EACH STATEMENT EXECUTE FUNCTION public.refuse_truncate();

--
-- Name: repair refuse_truncate; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER refuse_truncate BEFORE TRUNCATE ON public.repair FOR EACH STATEMENT EXECUTE FUNCTION public.refuse_truncate();

--
-- Name: repair_line refuse_truncate; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER refuse_truncate BEFORE TRUNCATE ON public.repair_line FOR EACH STATEMENT EXECUTE FUNCTION public.refuse_truncate();

--
-- Name: repair_status_event refuse_truncate; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER refuse_truncate BEFORE TRUNCATE ON public.repair_status_event FOR EACH STATEMENT EXECUTE FUNCTION public.refuse_truncate();

--
-- Name: repair repair_district; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER repair_district BEFORE INSERT OR UPDATE OF home_id, postcode_district ON public.repair FOR EACH ROW EXECUTE FUNCTION public.repair_copy_district();

--
-- Name: repair_fact_pending repair_facts_before_commit; Type: TRIGGER; Schema: public; Owner: -
--

CREATE CONSTRAINT TRIGGER repair_facts_before_commit AFTER INSERT ON public.repair_fact_pending DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION public.repair_facts_apply_pending();

--
-- Name: working_calendar repair_facts_calendar_changed; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER repair_facts_calendar_changed AFTER INSERT OR UPDATE ON public.working_calendar FOR EACH STATEMENT EXECUTE FUNCTION public.repair_facts_after_calendar_change();

--
-- Name: repair repair_facts_deleted; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER repair_facts_deleted AFTER DELETE ON public.repair REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.repair_facts_after_repair_change();

--
-- Name: home repair_facts_home_updated; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER repair_facts_home_updated AFTER UPDATE ON public.home REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.repair_facts_after_home_change();

--
-- Name: repair repair_facts_inserted; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER repair_facts_inserted AFTER INSERT ON public.repair REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.repair_facts_after_repair_change();

--
-- Name: repair_line repair_facts_line_deleted; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER repair_facts_line_deleted AFTER DELETE ON public.repair_line REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.repair_facts_after_line_change();

--
-- Name: repair_line repair_facts_line_inserted; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER repair_facts_line_inserted AFTER INSERT ON public.repair_line REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.repair_facts_after_line_change();

--
-- Name: repair_line repair_facts_line_updated; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER repair_facts_line_updated AFTER UPDATE ON public.repair_line REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.repair_facts_after_line_change();

--
-- Name: priority repair_facts_priority_updated; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER repair_facts_priority_updated AFTER UPDATE ON public.priority REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.repair_facts_after_code_change();

--
-- Name: home_record_key repair_facts_record_key_updated; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER repair_facts_record_key_updated AFTER UPDATE ON public.home_record_key REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.repair_facts_after_record_key_change();

--
-- Name: sor_code repair_facts_sor_code_updated; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER repair_facts_sor_code_updated AFTER UPDATE ON public.sor_code REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.repair_facts_after_code_change();

--
-- Name: repair_status repair_facts_status_updated; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER repair_facts_status_updated AFTER UPDATE ON public.repair_status REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.repair_facts_after_code_change();

--
-- Name: repair repair_facts_updated; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER repair_facts_updated AFTER UPDATE ON public.repair REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.repair_facts_after_repair_change();

--
-- Name: repair repair_inserted_notify; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER repair_inserted_notify AFTER INSERT ON public.repair REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION public.notify_repair_changes();

--
-- Name: repair repair_is_open; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER repair_is_open BEFORE INSERT OR UPDATE OF status_code ON public.repair FOR EACH ROW EXECUTE FUNCTION public.repair_copy_is_open();

--
-- Name: component repair_planned_due_component_updated; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER repair_planned_due_component_updated AFTER UPDATE ON public.component REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.repair_planned_due_after_component_change();

--
-- Name: repair_fact repair_planned_due_deleted; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER repair_planned_due_deleted AFTER DELETE ON public.repair_fact REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.repair_planned_due_after_fact_change();

--
-- Name: repair_fact repair_planned_due_inserted; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER repair_planned_due_inserted AFTER INSERT ON public.repair_fact REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.repair_planned_due_after_fact_change();

--
-- Name: planned_work repair_planned_due_items_deleted; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER repair_planned_due_items_deleted AFTER DELETE ON public.planned_work REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.repair_planned_due_after_item_change();

--
-- Name: planned_work repair_planned_due_items_inserted; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER repair_planned_due_items_inserted AFTER INSERT ON public.planned_work REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.repair_planned_due_after_item_change();

--
-- Name: planned_work repair_planned_due_items_updated; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER repair_planned_due_items_updated AFTER UPDATE ON public.planned_work REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.repair_planned_due_after_item_change();

--
-- Name: repair_fact repair_planned_due_updated; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER repair_planned_due_updated AFTER UPDATE ON public.repair_fact REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.repair_planned_due_after_fact_change();

--
-- Name: repair_status repair_status_is_open; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER repair_status_is_open AFTER UPDATE OF is_open ON public.repair_status FOR EACH ROW WHEN ((old.is_open IS DISTINCT FROM new.is_open)) EXECUTE FUNCTION public.repair_status_copy_is_open();

--
-- Name: repair_summary_pending repair_summaries_before_commit; Type: TRIGGER; Schema: public; Owner: -
--

CREATE CONSTRAINT TRIGGER repair_summaries_before_commit AFTER INSERT ON public.repair_summary_pending DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION public.repair_summaries_apply();

--
-- Name: repair_fact repair_summaries_deleted; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER repair_summaries_deleted AFTER DELETE ON public.repair_fact REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.repair_summaries_note();

--
-- Name: repair_fact repair_summaries_inserted; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER repair_summaries_inserted AFTER INSERT ON public.repair_fact REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.repair_summaries_note();

--
-- Name: repair_fact repair_summaries_updated; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER repair_summaries_updated AFTER UPDATE ON public.repair_fact REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.repair_summaries_note();

--
-- Name: repair repair_updated_notify; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER repair_updated_notify AFTER UPDATE ON public.repair REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION public.notify_repair_changes();

--
-- Name: repair_value_pending repair_value_before_commit; Type: TRIGGER; Schema: public; Owner: -
--

CREATE CONSTRAINT TRIGGER repair_value_before_commit AFTER INSERT ON public.repair_value_pending DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION public.repair_value_apply();

--
-- Name: repair_fact repair_value_deleted; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER repair_value_deleted AFTER DELETE ON public.repair_fact REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.repair_value_note();

--
-- Name: repair_fact repair_value_inserted; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER repair_value_inserted AFTER INSERT ON public.repair_fact REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.repair_value_note();

--
-- Name: repair_fact repair_value_updated; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER repair_value_updated AFTER UPDATE ON public.repair_fact REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.repair_value_note();

--
-- Name: repair_fact repair_work_deleted; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER repair_work_deleted AFTER DELETE ON public.repair_fact REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.repair_work_after_fact_change();

--
-- Name: repair_fact repair_work_inserted; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER repair_work_inserted AFTER INSERT ON public.repair_fact REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.repair_work_after_fact_change();

--
-- Name: repair_fact repair_work_updated; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER repair_work_updated AFTER UPDATE ON public.repair_fact REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.repair_work_after_fact_change();

--
-- Name: api_key api_key_home_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.api_key
    ADD CONSTRAINT api_key_home_id_fkey FOREIGN KEY (home_id) REFERENCES public.home(id);

--
-- Name: api_key api_key_issued_by_key_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.api_key
    ADD CONSTRAINT api_key_issued_by_key_id_fkey FOREIGN KEY (issued_by_key_id) REFERENCES public.api_key(id);

--
-- Name: api_key api_key_organisation_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.api_key
    ADD CONSTRAINT api_key_organisation_id_fkey FOREIGN KEY (organisation_id) REFERENCES public.organisation(id);

--
-- Name: audit_event audit_event_api_key_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.audit_event
    ADD CONSTRAINT audit_event_api_key_id_fkey FOREIGN KEY (api_key_id) REFERENCES public.api_key(id);

--
-- Name: audit_event audit_event_landlord_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.audit_event
    ADD CONSTRAINT audit_event_landlord_id_fkey FOREIGN KEY (landlord_id) REFERENCES public.organisation(id);

--
-- Name: audit_event audit_event_organisation_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.audit_event
    ADD CONSTRAINT audit_event_organisation_id_fkey FOREIGN KEY (organisation_id) REFERENCES public.organisation(id);

--
-- Name: building building_landlord_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.building
    ADD CONSTRAINT building_landlord_id_fkey FOREIGN KEY (landlord_id) REFERENCES public.organisation(id);

--
-- Name: building_record_key building_record_key_building_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.building_record_key
    ADD CONSTRAINT building_record_key_building_id_fkey FOREIGN KEY (building_id) REFERENCES public.building(id) ON DELETE CASCADE;

--
-- Name: component component_building_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.component
    ADD CONSTRAINT component_building_id_fkey FOREIGN KEY (building_id) REFERENCES public.building(id);

--
-- Name: component component_component_type_code_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.component
    ADD CONSTRAINT component_component_type_code_fkey FOREIGN KEY (component_type_code) REFERENCES public.component_type(code);

--
-- Name: component component_condition_code_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.component
    ADD CONSTRAINT component_condition_code_fkey FOREIGN KEY (condition_code) REFERENCES public.condition(code);

--
-- Name: component component_home_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.component
    ADD CONSTRAINT component_home_id_fkey FOREIGN KEY (home_id) REFERENCES public.home(id);

--
-- Name: component component_import_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.component
    ADD CONSTRAINT component_import_id_fkey FOREIGN KEY (import_id) REFERENCES public.data_import(id) DEFERRABLE;

--
-- Name: custom_sor_code custom_sor_code_import_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.custom_sor_code
    ADD CONSTRAINT custom_sor_code_import_id_fkey FOREIGN KEY (import_id) REFERENCES public.data_import(id) DEFERRABLE;

--
-- Name: custom_sor_code custom_sor_code_organisation_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.custom_sor_code
    ADD CONSTRAINT custom_sor_code_organisation_id_fkey FOREIGN KEY (organisation_id) REFERENCES public.organisation(id);

--
-- Name: damp_mould_case damp_mould_case_hazard_level_code_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.damp_mould_case
    ADD CONSTRAINT damp_mould_case_hazard_level_code_fkey FOREIGN KEY (hazard_level_code) REFERENCES public.awaab_hazard_level(code);

--
-- Name: damp_mould_case damp_mould_case_hhsrs_category_code_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.damp_mould_case
    ADD CONSTRAINT damp_mould_case_hhsrs_category_code_fkey FOREIGN KEY (hhsrs_category_code) REFERENCES public.hhsrs_category(code);

--
-- Name: damp_mould_case damp_mould_case_hhsrs_hazard_code_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.damp_mould_case
    ADD CONSTRAINT damp_mould_case_hhsrs_hazard_code_fkey FOREIGN KEY (hhsrs_hazard_code) REFERENCES public.hhsrs_hazard(code);

--
-- Name: damp_mould_case damp_mould_case_home_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.damp_mould_case
    ADD CONSTRAINT damp_mould_case_home_id_fkey FOREIGN KEY (home_id) REFERENCES public.home(id);

--
-- Name: damp_mould_case damp_mould_case_import_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.damp_mould_case
    ADD CONSTRAINT damp_mould_case_import_id_fkey FOREIGN KEY (import_id) REFERENCES public.data_import(id) DEFERRABLE;

--
-- Name: damp_mould_case damp_mould_case_landlord_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.damp_mould_case
    ADD CONSTRAINT damp_mould_case_landlord_id_fkey FOREIGN KEY (landlord_id) REFERENCES public.organisation(id);

--
-- Name: damp_mould_case damp_mould_case_severity_code_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.damp_mould_case
    ADD CONSTRAINT damp_mould_case_severity_code_fkey FOREIGN KEY (severity_code) REFERENCES public.damp_mould_severity(code);

--
-- Name: data_import data_import_organisation_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.data_import
    ADD CONSTRAINT data_import_organisation_id_fkey FOREIGN KEY (organisation_id) REFERENCES public.organisation(id) DEFERRABLE;

--
-- Name: energy_performance_certificate energy_performance_certificate_certificate_type_code_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.energy_performance_certificate
    ADD CONSTRAINT energy_performance_certificate_certificate_type_code_fkey FOREIGN KEY (certificate_type_code) REFERENCES public.certificate_type(code);

--
-- Name: energy_performance_certificate energy_performance_certificate_epc_band_code_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.energy_performance_certificate
    ADD CONSTRAINT energy_performance_certificate_epc_band_code_fkey FOREIGN KEY (epc_band_code) REFERENCES public.epc_band(code);

--
-- Name: energy_performance_certificate energy_performance_certificate_home_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.energy_performance_certificate
    ADD CONSTRAINT energy_performance_certificate_home_id_fkey FOREIGN KEY (home_id) REFERENCES public.home(id);

--
-- Name: energy_performance_certificate energy_performance_certificate_import_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.energy_performance_certificate
    ADD CONSTRAINT energy_performance_certificate_import_id_fkey FOREIGN KEY (import_id) REFERENCES public.data_import(id) DEFERRABLE;

--
-- Name: energy_performance_certificate energy_performance_certificate_potential_epc_band_code_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.energy_performance_certificate
    ADD CONSTRAINT energy_performance_certificate_potential_epc_band_code_fkey FOREIGN KEY (potential_epc_band_code) REFERENCES public.epc_band(code);

--
-- Name: estate estate_import_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.estate
    ADD CONSTRAINT estate_import_id_fkey FOREIGN KEY (import_id) REFERENCES public.data_import(id);

--
-- Name: estate estate_landlord_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.estate
    ADD CONSTRAINT estate_landlord_id_fkey FOREIGN KEY (landlord_id) REFERENCES public.organisation(id);

--
-- Name: home_assertion home_assertion_home_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.home_assertion
    ADD CONSTRAINT home_assertion_home_id_fkey FOREIGN KEY (home_id) REFERENCES public.home(id);

--
-- Name: home_assertion home_assertion_import_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.home_assertion
    ADD CONSTRAINT home_assertion_import_id_fkey FOREIGN KEY (import_id) REFERENCES public.data_import(id) DEFERRABLE;

--
-- Name: home_assertion home_assertion_organisation_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.home_assertion
    ADD CONSTRAINT home_assertion_organisation_id_fkey FOREIGN KEY (organisation_id) REFERENCES public.organisation(id);

--
-- Name: home home_building_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.home
    ADD CONSTRAINT home_building_id_fkey FOREIGN KEY (building_id) REFERENCES public.building(id);

--
-- Name: home home_built_form_code_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.home
    ADD CONSTRAINT home_built_form_code_fkey FOREIGN KEY (built_form_code) REFERENCES public.built_form(code);

--
-- Name: home home_import_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.home
    ADD CONSTRAINT home_import_id_fkey FOREIGN KEY (import_id) REFERENCES public.data_import(id) DEFERRABLE;

--
-- Name: home home_landlord_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.home
    ADD CONSTRAINT home_landlord_id_fkey FOREIGN KEY (landlord_id) REFERENCES public.organisation(id);

--
-- Name: home home_property_type_code_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.home
    ADD CONSTRAINT home_property_type_code_fkey FOREIGN KEY (property_type_code) REFERENCES public.property_type(code);

--
-- Name: home_record_key home_record_key_home_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.home_record_key
    ADD CONSTRAINT home_record_key_home_id_fkey FOREIGN KEY (home_id) REFERENCES public.home(id) ON DELETE CASCADE;

--
-- Name: home home_tenure_code_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.home
    ADD CONSTRAINT home_tenure_code_fkey FOREIGN KEY (tenure_code) REFERENCES public.tenure(code);

--
-- Name: idempotency_key idempotency_key_api_key_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.idempotency_key
    ADD CONSTRAINT idempotency_key_api_key_id_fkey FOREIGN KEY (api_key_id) REFERENCES public.api_key(id);

--
-- Name: investment_programme investment_programme_import_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.investment_programme
    ADD CONSTRAINT investment_programme_import_id_fkey FOREIGN KEY (import_id) REFERENCES public.data_import(id);

--
-- Name: investment_programme investment_programme_kind_code_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.investment_programme
    ADD CONSTRAINT investment_programme_kind_code_fkey FOREIGN KEY (kind_code) REFERENCES public.programme_kind(code);

--
-- Name: investment_programme investment_programme_landlord_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.investment_programme
    ADD CONSTRAINT investment_programme_landlord_id_fkey FOREIGN KEY (landlord_id) REFERENCES public.organisation(id);

--
-- Name: organisation_district organisation_district_organisation_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.organisation_district
    ADD CONSTRAINT organisation_district_organisation_id_fkey FOREIGN KEY (organisation_id) REFERENCES public.organisation(id) ON DELETE CASCADE;

--
-- Name: organisation organisation_import_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.organisation
    ADD CONSTRAINT organisation_import_id_fkey FOREIGN KEY (import_id) REFERENCES public.data_import(id) DEFERRABLE;

--
-- Name: organisation organisation_kind_code_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.organisation
    ADD CONSTRAINT organisation_kind_code_fkey FOREIGN KEY (kind_code) REFERENCES public.organisation_kind(code);

--
-- Name: pending_repair_update pending_repair_update_import_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.pending_repair_update
    ADD CONSTRAINT pending_repair_update_import_id_fkey FOREIGN KEY (import_id) REFERENCES public.data_import(id) DEFERRABLE;

--
-- Name: pending_repair_update pending_repair_update_organisation_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.pending_repair_update
    ADD CONSTRAINT pending_repair_update_organisation_id_fkey FOREIGN KEY (organisation_id) REFERENCES public.organisation(id);

--
-- Name: planned_work planned_work_building_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.planned_work
    ADD CONSTRAINT planned_work_building_id_fkey FOREIGN KEY (building_id) REFERENCES public.building(id);

--
-- Name: planned_work planned_work_component_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.planned_work
    ADD CONSTRAINT planned_work_component_id_fkey FOREIGN KEY (component_id) REFERENCES public.component(id);

--
-- Name: planned_work planned_work_component_type_code_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.planned_work
    ADD CONSTRAINT planned_work_component_type_code_fkey FOREIGN KEY (component_type_code) REFERENCES public.component_type(code);

--
-- Name: planned_work planned_work_home_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.planned_work
    ADD CONSTRAINT planned_work_home_id_fkey FOREIGN KEY (home_id) REFERENCES public.home(id);

--
-- Name: planned_work planned_work_import_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.planned_work
    ADD CONSTRAINT planned_work_import_id_fkey FOREIGN KEY (import_id) REFERENCES public.data_import(id);

--
-- Name: planned_work planned_work_landlord_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.planned_work
    ADD CONSTRAINT planned_work_landlord_id_fkey FOREIGN KEY (landlord_id) REFERENCES public.organisation(id);

--
-- Name: planned_work planned_work_programme_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.planned_work
    ADD CONSTRAINT planned_work_programme_id_fkey FOREIGN KEY (programme_id) REFERENCES public.investment_programme(id);

--
-- Name: planned_work planned_work_status_code_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.planned_work
    ADD CONSTRAINT planned_work_status_code_fkey FOREIGN KEY (status_code) REFERENCES public.planned_work_status(code);

--
-- Name: reference reference_allocated_by_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.reference
    ADD CONSTRAINT reference_allocated_by_id_fkey FOREIGN KEY (allocated_by_id) REFERENCES public.organisation(id);

--
-- Name: repair repair_component_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.repair
    ADD CONSTRAINT repair_component_id_fkey FOREIGN KEY (component_id) REFERENCES public.component(id);

--
-- Name: repair repair_contractor_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.repair
    ADD CONSTRAINT repair_contractor_id_fkey FOREIGN KEY (contractor_id) REFERENCES public.organisation(id);

--
-- Name: repair repair_home_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.repair
    ADD CONSTRAINT repair_home_id_fkey FOREIGN KEY (home_id) REFERENCES public.home(id);

--
-- Name: repair repair_import_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.repair
    ADD CONSTRAINT repair_import_id_fkey FOREIGN KEY (import_id) REFERENCES public.data_import(id) DEFERRABLE;

--
-- Name: repair repair_landlord_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.repair
    ADD CONSTRAINT repair_landlord_id_fkey FOREIGN KEY (landlord_id) REFERENCES public.organisation(id);

--
-- Name: repair_line repair_line_repair_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.repair_line
    ADD CONSTRAINT repair_line_repair_id_fkey FOREIGN KEY (repair_id) REFERENCES public.repair(id);

--
-- Name: repair repair_priority_code_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.repair
    ADD CONSTRAINT repair_priority_code_fkey FOREIGN KEY (priority_code) REFERENCES public.priority(code);

--
-- Name: repair repair_status_code_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.repair
    ADD CONSTRAINT repair_status_code_fkey FOREIGN KEY (status_code) REFERENCES public.repair_status(code);

--
-- Name: repair_status_event repair_status_event_repair_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.repair_status_event
    ADD CONSTRAINT repair_status_event_repair_id_fkey FOREIGN KEY (repair_id) REFERENCES public.repair(id);

--
-- Name: repair_status_event repair_status_event_status_code_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.repair_status_event
    ADD CONSTRAINT repair_status_event_status_code_fkey FOREIGN KEY (status_code) REFERENCES public.repair_status(code);

--
-- Name: repair repair_trade_code_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.repair
    ADD CONSTRAINT repair_trade_code_fkey FOREIGN KEY (trade_code) REFERENCES public.trade(code);

--
-- Name: satisfaction_response satisfaction_response_answer_code_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.satisfaction_response
    ADD CONSTRAINT satisfaction_response_answer_code_fkey FOREIGN KEY (answer_code) REFERENCES public.tsm_answer(code);

--
-- Name: satisfaction_response satisfaction_response_home_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.satisfaction_response
    ADD CONSTRAINT satisfaction_response_home_id_fkey FOREIGN KEY (home_id) REFERENCES public.home(id);

--
-- Name: satisfaction_response satisfaction_response_landlord_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.satisfaction_response
    ADD CONSTRAINT satisfaction_response_landlord_id_fkey FOREIGN KEY (landlord_id) REFERENCES public.organisation(id);

--
-- Name: satisfaction_response satisfaction_response_measure_code_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.satisfaction_response
    ADD CONSTRAINT satisfaction_response_measure_code_fkey FOREIGN KEY (measure_code) REFERENCES public.tsm_measure(code);

--
-- Name: tsm_return tsm_return_answer_code_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.tsm_return
    ADD CONSTRAINT tsm_return_answer_code_fkey FOREIGN KEY (answer_code) REFERENCES public.tsm_answer(code);

--
-- Name: tsm_return tsm_return_estate_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.tsm_return
    ADD CONSTRAINT tsm_return_estate_id_fkey FOREIGN KEY (estate_id) REFERENCES public.estate(id) ON DELETE CASCADE;

--
-- Name: tsm_return tsm_return_import_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.tsm_return
    ADD CONSTRAINT tsm_return_import_id_fkey FOREIGN KEY (import_id) REFERENCES public.data_import(id);

--
-- Name: tsm_return tsm_return_landlord_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.tsm_return
    ADD CONSTRAINT tsm_return_landlord_id_fkey FOREIGN KEY (landlord_id) REFERENCES public.organisation(id);

--
-- Name: tsm_return tsm_return_measure_code_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.tsm_return
    ADD CONSTRAINT tsm_return_measure_code_fkey FOREIGN KEY (measure_code) REFERENCES public.tsm_measure(code);

--
-- Name: api_key; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.api_key ENABLE ROW LEVEL SECURITY;

--
-- Name: api_key api_key_read; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY api_key_read ON public.api_key FOR SELECT TO odx_writer USING (true);

--
-- Name: api_key api_key_resident_insert; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY api_key_resident_insert ON public.api_key FOR INSERT TO odx_writer WITH CHECK (((tier = 'resident'::text) AND (public.odx_setting('tier'::text) = ANY (ARRAY['admin'::text, 'provider'::text])) AND public.odx_may_write(( SELECT h.landlord_id
   FROM public.home h
  WHERE (h.id = api_key.home_id)), NULL::bigint, NULL::bigint)));

--
-- Name: api_key api_key_resident_revoke; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY api_key_resident_revoke ON public.api_key FOR UPDATE TO odx_writer USING (((tier = 'resident'::text) AND (public.odx_setting('tier'::text) = ANY (ARRAY['admin'::text, 'provider'::text])) AND public.odx_may_write(( SELECT h.landlord_id
   FROM public.home h
  WHERE (h.id = api_key.home_id)), NULL::bigint, NULL::bigint))) WITH CHECK (true);

--
-- Name: component; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.component ENABLE ROW LEVEL SECURITY;

--
-- Name: component component_open_read; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY component_open_read ON public.component FOR SELECT TO odx_reader USING (true);

--
-- Name: component component_read; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY component_read ON public.component FOR SELECT TO odx_writer USING (true);

--
-- Name: component component_write; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY component_write ON public.component TO odx_writer USING (((public.odx_setting('tier'::text) = ANY (ARRAY['admin'::text, 'provider'::text])) AND public.odx_may_write(( SELECT home.landlord_id
   FROM public.home
  WHERE (home.id = component.home_id)), NULL::bigint, NULL::bigint))) WITH CHECK (((public.odx_setting('tier'::text) = ANY (ARRAY['admin'::text, 'provider'::text])) AND public.odx_may_write(( SELECT home.landlord_id
   FROM public.home
  WHERE (home.id = component.home_id)), NULL::bigint, NULL::bigint)));

--
-- Name: damp_mould_case; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.damp_mould_case ENABLE ROW LEVEL SECURITY;

--
-- Name: damp_mould_case damp_mould_case_insert; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY damp_mould_case_insert ON public.damp_mould_case FOR INSERT TO odx_writer WITH CHECK (public.odx_may_write(landlord_id, NULL::bigint, home_id));

--
-- Name: damp_mould_case damp_mould_case_open_read; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY damp_mould_case_open_read ON public.damp_mould_case FOR SELECT TO odx_reader USING (true);

--
-- Name: damp_mould_case damp_mould_case_read; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY damp_mould_case_read ON public.damp_mould_case FOR SELECT TO odx_writer USING (true);

--
-- Name: damp_mould_case damp_mould_case_update; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY damp_mould_case_update ON public.damp_mould_case FOR UPDATE TO odx_writer USING ((public.odx_may_write(landlord_id, NULL::bigint, home_id) AND (public.odx_setting('tier'::text) <> 'resident'::text))) WITH CHECK (public.odx_may_write(landlord_id, NULL::bigint, home_id));

--
-- Name: estate; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.estate ENABLE ROW LEVEL SECURITY;

--
-- Name: estate estate_open_read; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY estate_open_read ON public.estate FOR SELECT TO odx_reader USING (true);

--
-- Name: estate estate_read; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY estate_read ON public.estate FOR SELECT TO odx_writer USING (true);

--
-- Name: estate estate_write; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY estate_write ON public.estate TO odx_writer USING (((public.odx_setting('tier'::text) = ANY (ARRAY['admin'::text, 'provider'::text])) AND public.odx_may_write(landlord_id, NULL::bigint, NULL::bigint))) WITH CHECK (((public.odx_setting('tier'::text) = ANY (ARRAY['admin'::text, 'provider'::text])) AND public.odx_may_write(landlord_id, NULL::bigint, NULL::bigint)));

--
-- Name: investment_programme; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.investment_programme ENABLE ROW LEVEL SECURITY;

--
-- Name: investment_programme investment_programme_open_read; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY investment_programme_open_read ON public.investment_programme FOR SELECT TO odx_reader USING (true);

--
-- Name: investment_programme investment_programme_read; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY investment_programme_read ON public.investment_programme FOR SELECT TO odx_writer USING (true);

--
-- Name: investment_programme investment_programme_write; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY investment_programme_write ON public.investment_programme TO odx_writer USING (((public.odx_setting('tier'::text) = ANY (ARRAY['admin'::text, 'provider'::text])) AND public.odx_may_write(landlord_id, NULL::bigint, NULL::bigint))) WITH CHECK (((public.odx_setting('tier'::text) = ANY (ARRAY['admin'::text, 'provider'::text])) AND public.odx_may_write(landlord_id, NULL::bigint, NULL::bigint)));

--
-- Name: planned_work; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.planned_work ENABLE ROW LEVEL SECURITY;

--
-- Name: planned_work planned_work_open_read; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY planned_work_open_read ON public.planned_work FOR SELECT TO odx_reader USING (true);

--
-- Name: planned_work planned_work_read; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY planned_work_read ON public.planned_work FOR SELECT TO odx_writer USING (true);

--
-- Name: planned_work planned_work_write; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY planned_work_write ON public.planned_work TO odx_writer USING (((public.odx_setting('tier'::text) = ANY (ARRAY['admin'::text, 'provider'::text])) AND public.odx_may_write(landlord_id, NULL::bigint, NULL::bigint))) WITH CHECK (((public.odx_setting('tier'::text) = ANY (ARRAY['admin'::text, 'provider'::text])) AND public.odx_may_write(landlord_id, NULL::bigint, NULL::bigint)));

--
-- Name: repair; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.repair ENABLE ROW LEVEL SECURITY;

--
-- Name: repair repair_insert; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY repair_insert ON public.repair FOR INSERT TO odx_writer WITH CHECK (public.odx_may_write(landlord_id, contractor_id, home_id));

--
-- Name: repair_line; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.repair_line ENABLE ROW LEVEL SECURITY;

--
-- Name: repair_line repair_line_open_read; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY repair_line_open_read ON public.repair_line FOR SELECT TO odx_reader USING (true);

--
-- Name: repair_line repair_line_read; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY repair_line_read ON public.repair_line FOR SELECT TO odx_writer USING (true);

--
-- Name: repair_line repair_line_write; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY repair_line_write ON public.repair_line TO odx_writer USING ((EXISTS ( SELECT 1
   FROM public.repair r
  WHERE ((r.id = repair_line.repair_id) AND public.odx_may_write(r.landlord_id, r.contractor_id, r.home_id))))) WITH CHECK ((EXISTS ( SELECT 1
   FROM public.repair r
  WHERE ((r.id = repair_line.repair_id) AND public.odx_may_write(r.landlord_id, r.contractor_id, r.home_id)))));

--
-- Name: repair repair_open_read; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY repair_open_read ON public.repair FOR SELECT TO odx_reader USING (true);

--
-- Name: repair repair_read; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY repair_read ON public.repair FOR SELECT TO odx_writer USING (true);

--
-- Name: repair_status_event; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.repair_status_event ENABLE ROW LEVEL SECURITY;

--
-- Name: repair_status_event repair_status_event_open_read; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY repair_status_event_open_read ON public.repair_status_event FOR SELECT TO odx_reader USING (true);

--
-- Name: repair_status_event repair_status_event_read; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY repair_status_event_read ON public.repair_status_event FOR SELECT TO odx_writer USING (true);

--
-- Name: repair_status_event repair_status_event_write; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY repair_status_event_write ON public.repair_status_event FOR INSERT TO odx_writer WITH CHECK ((EXISTS ( SELECT 1
   FROM public.repair r
  WHERE ((r.id = repair_status_event.repair_id) AND public.odx_may_write(r.landlord_id, r.contractor_id, r.home_id)))));

--
-- Name: repair repair_update; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY repair_update ON public.repair FOR UPDATE TO odx_writer USING (public.odx_may_write(landlord_id, contractor_id, home_id)) WITH CHECK (public.odx_may_write(landlord_id, contractor_id, home_id));

--
-- Name: satisfaction_response; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.satisfaction_response ENABLE ROW LEVEL SECURITY;

--
-- Name: satisfaction_response satisfaction_response_insert; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY satisfaction_response_insert ON public.satisfaction_response FOR INSERT TO odx_writer WITH CHECK (((public.odx_setting('tier'::text) = ANY (ARRAY['admin'::text, 'provider'::text, 'resident'::text])) AND public.odx_may_write(landlord_id, NULL::bigint, home_id)));

--
-- Name: satisfaction_response satisfaction_response_read; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY satisfaction_response_read ON public.satisfaction_response FOR SELECT TO odx_writer USING (true);

--
-- Name: SCHEMA public; Type: ACL; Schema: -; Owner: -
--

GRANT USAGE ON SCHEMA public TO odx_writer;
GRANT USAGE ON SCHEMA public TO odx_reader;

--
-- Name: FUNCTION awaab_deadlines_after_timescale_change(); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.awaab_deadlines_after_timescale_change() FROM PUBLIC;

--
-- Name: FUNCTION bump_data_version(); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.bump_data_version() FROM PUBLIC;

--
-- Name: FUNCTION move_data_version(); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.move_data_version() FROM PUBLIC;

--
-- Name: FUNCTION note_changes(); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.note_changes() FROM PUBLIC;

--
-- Name: FUNCTION organisation_districts_kept(); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.organisation_districts_kept() FROM PUBLIC;

--
-- Name: FUNCTION rebuild_awaab_deadlines(); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.rebuild_awaab_deadlines() FROM PUBLIC;

--
-- Name: FUNCTION rebuild_repair_facts(); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.rebuild_repair_facts() FROM PUBLIC;

--
-- Name: FUNCTION rebuild_repair_planned_due(); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.rebuild_repair_planned_due() FROM PUBLIC;

--
-- Name: FUNCTION rebuild_repair_summaries(); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.rebuild_repair_summaries() FROM PUBLIC;

--
-- Name: FUNCTION rebuild_repair_value_histograms(); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.rebuild_repair_value_histograms() FROM PUBLIC;

--
-- Name: FUNCTION rebuild_repair_work(); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.rebuild_repair_work() FROM PUBLIC;

--
-- Name: FUNCTION refresh_repair_facts(homes bigint[]); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.refresh_repair_facts(homes bigint[]) FROM PUBLIC;

--
-- Name: FUNCTION repair_facts_note_homes(touched bigint[]); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.repair_facts_note_homes(touched bigint[]) FROM PUBLIC;

--
-- Name: FUNCTION repair_planned_due_note_items(components bigint[], homes bigint[], buildings bigint[], types text[]); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.repair_planned_due_note_items(components bigint[], homes bigint[], buildings bigint[], types text[]) FROM PUBLIC;

--
-- Name: TABLE component; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT,UPDATE ON TABLE public.component TO odx_writer;
GRANT SELECT ON TABLE public.component TO odx_reader;

--
-- Name: TABLE planned_work; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT,UPDATE ON TABLE public.planned_work TO odx_writer;
GRANT SELECT ON TABLE public.planned_work TO odx_reader;

--
-- Name: TABLE repair; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT,UPDATE ON TABLE public.repair TO odx_writer;

--
-- Name: COLUMN repair.id; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT(id) ON TABLE public.repair TO odx_reader;

--
-- Name: COLUMN repair.landlord_id; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT(landlord_id) ON TABLE public.repair TO odx_reader;

--
-- Name: COLUMN repair.home_id; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT(home_id) ON TABLE public.repair TO odx_reader;

--
-- Name: COLUMN repair.component_id; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT(component_id) ON TABLE public.repair TO odx_reader;

--
-- Name: COLUMN repair.contractor_id; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT(contractor_id) ON TABLE public.repair TO odx_reader;

--
-- Name: COLUMN repair.priority_code; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT(priority_code) ON TABLE public.repair TO odx_reader;

--
-- Name: COLUMN repair.status_code; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT(status_code) ON TABLE public.repair TO odx_reader;

--
-- Name: COLUMN repair.trade_code; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT(trade_code) ON TABLE public.repair TO odx_reader;

--
-- Name: COLUMN repair.reported_at; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT(reported_at) ON TABLE public.repair TO odx_reader;

--
-- Name: COLUMN repair.raised_at; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT(raised_at) ON TABLE public.repair TO odx_reader;

--
-- Name: COLUMN repair.target_at; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT(target_at) ON TABLE public.repair TO odx_reader;

--
-- Name: COLUMN repair.completed_at; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT(completed_at) ON TABLE public.repair TO odx_reader;

--
-- Name: COLUMN repair.cost; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT(cost) ON TABLE public.repair TO odx_reader;

--
-- Name: COLUMN repair.created_at; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT(created_at) ON TABLE public.repair TO odx_reader;

--
-- Name: COLUMN repair.updated_at; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT(updated_at) ON TABLE public.repair TO odx_reader;

--
-- Name: COLUMN repair.import_id; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT(import_id) ON TABLE public.repair TO odx_reader;

--
-- Name: COLUMN repair.is_open; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT(is_open) ON TABLE public.repair TO odx_reader;

--
-- Name: COLUMN repair.postcode_district; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT(postcode_district) ON TABLE public.repair TO odx_reader;

--
-- Name: TABLE repair_planned_replacement; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.repair_planned_replacement TO odx_writer;
GRANT SELECT ON TABLE public.repair_planned_replacement TO odx_reader;

--
-- Name: TABLE priority; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.priority TO odx_writer;
GRANT SELECT ON TABLE public.priority TO odx_reader;

--
-- Name: TABLE working_calendar; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.working_calendar TO odx_writer;
GRANT SELECT ON TABLE public.working_calendar TO odx_reader;

--
-- Name: TABLE api_key; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT ON TABLE public.api_key TO odx_writer;

--
-- Name: COLUMN api_key.revoked_at; Type: ACL; Schema: public; Owner: -
--

GRANT UPDATE(revoked_at) ON TABLE public.api_key TO odx_writer;

--
-- Name: COLUMN api_key.last_used_at; Type: ACL; Schema: public; Owner: -
--

GRANT UPDATE(last_used_at) ON TABLE public.api_key TO odx_writer;

--
-- Name: SEQUENCE api_key_id_seq; Type: ACL; Schema: public; Owner: -
--

GRANT USAGE ON SEQUENCE public.api_key_id_seq TO odx_writer;

--
-- Name: TABLE audit_event; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT,UPDATE ON TABLE public.audit_event TO odx_writer;

--
-- Name: SEQUENCE audit_event_id_seq; Type: ACL; Schema: public; Owner: -
--

GRANT USAGE ON SEQUENCE public.audit_event_id_seq TO odx_writer;

--
-- Name: TABLE awaab_clock; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.awaab_clock TO odx_writer;
GRANT SELECT ON TABLE public.awaab_clock TO odx_reader;

--
-- Name: TABLE awaab_deadline; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.awaab_deadline TO odx_writer;
GRANT SELECT ON TABLE public.awaab_deadline TO odx_reader;

--
-- Name: TABLE awaab_hazard_level; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.awaab_hazard_level TO odx_writer;
GRANT SELECT ON TABLE public.awaab_hazard_level TO odx_reader;

--
-- Name: TABLE damp_mould_case; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT,UPDATE ON TABLE public.damp_mould_case TO odx_writer;
GRANT SELECT ON TABLE public.damp_mould_case TO odx_reader;

--
-- Name: TABLE awaab_deadline_source; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.awaab_deadline_source TO odx_writer;

--
-- Name: TABLE bank_holiday; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.bank_holiday TO odx_writer;
GRANT SELECT ON TABLE public.bank_holiday TO odx_reader;

--
-- Name: TABLE building; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.building TO odx_writer;
GRANT SELECT ON TABLE public.building TO odx_reader;

--
-- Name: SEQUENCE building_id_seq; Type: ACL; Schema: public; Owner: -
--

GRANT USAGE ON SEQUENCE public.building_id_seq TO odx_writer;

--
-- Name: TABLE built_form; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.built_form TO odx_writer;
GRANT SELECT ON TABLE public.built_form TO odx_reader;

--
-- Name: TABLE certificate_type; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.certificate_type TO odx_writer;
GRANT SELECT ON TABLE public.certificate_type TO odx_reader;

--
-- Name: TABLE change_log; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.change_log TO odx_writer;
GRANT SELECT ON TABLE public.change_log TO odx_reader;

--
-- Name: TABLE change_pending; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.change_pending TO odx_writer;

--
-- Name: TABLE component_failure_risk; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.component_failure_risk TO odx_writer;

--
-- Name: SEQUENCE component_id_seq; Type: ACL; Schema: public; Owner: -
--

GRANT USAGE ON SEQUENCE public.component_id_seq TO odx_writer;

--
-- Name: TABLE component_planned_item; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.component_planned_item TO odx_writer;

--
-- Name: TABLE component_type; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.component_type TO odx_writer;
GRANT SELECT ON TABLE public.component_type TO odx_reader;

--
-- Name: TABLE condition; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.condition TO odx_writer;
GRANT SELECT ON TABLE public.condition TO odx_reader;

--
-- Name: TABLE custom_sor_code; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.custom_sor_code TO odx_writer;
GRANT SELECT ON TABLE public.custom_sor_code TO odx_reader;

--
-- Name: SEQUENCE damp_mould_case_id_seq; Type: ACL; Schema: public; Owner: -
--

GRANT USAGE ON SEQUENCE public.damp_mould_case_id_seq TO odx_writer;

--
-- Name: TABLE damp_mould_severity; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.damp_mould_severity TO odx_writer;
GRANT SELECT ON TABLE public.damp_mould_severity TO odx_reader;

--
-- Name: TABLE data_import; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.data_import TO odx_writer;

--
-- Name: COLUMN data_import.id; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT(id) ON TABLE public.data_import TO odx_reader;

--
-- Name: COLUMN data_import.organisation_id; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT(organisation_id) ON TABLE public.data_import TO odx_reader;

--
-- Name: COLUMN data_import.format; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT(format) ON TABLE public.data_import TO odx_reader;

--
-- Name: COLUMN data_import.file_hash; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT(file_hash) ON TABLE public.data_import TO odx_reader;

--
-- Name: COLUMN data_import.media_type; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT(media_type) ON TABLE public.data_import TO odx_reader;

--
-- Name: COLUMN data_import.started_at; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT(started_at) ON TABLE public.data_import TO odx_reader;

--
-- Name: COLUMN data_import.ended_at; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT(ended_at) ON TABLE public.data_import TO odx_reader;

--
-- Name: COLUMN data_import.records_read; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT(records_read) ON TABLE public.data_import TO odx_reader;

--
-- Name: COLUMN data_import.records_created; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT(records_created) ON TABLE public.data_import TO odx_reader;

--
-- Name: COLUMN data_import.records_updated; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT(records_updated) ON TABLE public.data_import TO odx_reader;

--
-- Name: COLUMN data_import.records_unchanged; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT(records_unchanged) ON TABLE public.data_import TO odx_reader;

--
-- Name: COLUMN data_import.records_rejected; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT(records_rejected) ON TABLE public.data_import TO odx_reader;

--
-- Name: COLUMN data_import.problem_count; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT(problem_count) ON TABLE public.data_import TO odx_reader;

--
-- Name: SEQUENCE data_import_id_seq; Type: ACL; Schema: public; Owner: -
--

GRANT USAGE ON SEQUENCE public.data_import_id_seq TO odx_writer;

--
-- Name: TABLE data_version; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.data_version TO odx_writer;
GRANT SELECT ON TABLE public.data_version TO odx_reader;

--
-- Name: TABLE energy_performance_certificate; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.energy_performance_certificate TO odx_writer;
GRANT SELECT ON TABLE public.energy_performance_certificate TO odx_reader;

--
-- Name: SEQUENCE energy_performance_certificate_id_seq; Type: ACL; Schema: public; Owner: -
--

GRANT USAGE ON SEQUENCE public.energy_performance_certificate_id_seq TO odx_writer;

--
-- Name: TABLE epc_band; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.epc_band TO odx_writer;
GRANT SELECT ON TABLE public.epc_band TO odx_reader;

--
-- Name: TABLE estate; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT,UPDATE ON TABLE public.estate TO odx_writer;
GRANT SELECT ON TABLE public.estate TO odx_reader;

--
-- Name: TABLE home; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.home TO odx_writer;
GRANT SELECT ON TABLE public.home TO odx_reader;

--
-- Name: TABLE estate_home_member; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.estate_home_member TO odx_writer;
GRANT SELECT ON TABLE public.estate_home_member TO odx_reader;

--
-- Name: TABLE hhsrs_category; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.hhsrs_category TO odx_writer;
GRANT SELECT ON TABLE public.hhsrs_category TO odx_reader;

--
-- Name: TABLE hhsrs_hazard; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.hhsrs_hazard TO odx_writer;
GRANT SELECT ON TABLE public.hhsrs_hazard TO odx_reader;

--
-- Name: TABLE home_assertion; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.home_assertion TO odx_writer;
GRANT SELECT ON TABLE public.home_assertion TO odx_reader;

--
-- Name: SEQUENCE home_assertion_id_seq; Type: ACL; Schema: public; Owner: -
--

GRANT USAGE ON SEQUENCE public.home_assertion_id_seq TO odx_writer;

--
-- Name: TABLE home_damp_risk; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.home_damp_risk TO odx_writer;

--
-- Name: SEQUENCE home_id_seq; Type: ACL; Schema: public; Owner: -
--

GRANT USAGE ON SEQUENCE public.home_id_seq TO odx_writer;

--
-- Name: TABLE idempotency_key; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT,UPDATE ON TABLE public.idempotency_key TO odx_writer;

--
-- Name: TABLE investment_programme; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT,UPDATE ON TABLE public.investment_programme TO odx_writer;
GRANT SELECT ON TABLE public.investment_programme TO odx_reader;

--
-- Name: TABLE organisation; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.organisation TO odx_writer;
GRANT SELECT ON TABLE public.organisation TO odx_reader;

--
-- Name: TABLE organisation_district; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.organisation_district TO odx_writer;
GRANT SELECT ON TABLE public.organisation_district TO odx_reader;

--
-- Name: SEQUENCE organisation_id_seq; Type: ACL; Schema: public; Owner: -
--

GRANT USAGE ON SEQUENCE public.organisation_id_seq TO odx_writer;

--
-- Name: TABLE organisation_kind; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.organisation_kind TO odx_writer;
GRANT SELECT ON TABLE public.organisation_kind TO odx_reader;

--
-- Name: TABLE pending_repair_update; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.pending_repair_update TO odx_writer;

--
-- Name: TABLE planned_work_status; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.planned_work_status TO odx_writer;
GRANT SELECT ON TABLE public.planned_work_status TO odx_reader;

--
-- Name: TABLE prediction_model; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.prediction_model TO odx_writer;

--
-- Name: TABLE programme_kind; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.programme_kind TO odx_writer;
GRANT SELECT ON TABLE public.programme_kind TO odx_reader;

--
-- Name: TABLE property_type; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.property_type TO odx_writer;
GRANT SELECT ON TABLE public.property_type TO odx_reader;

--
-- Name: TABLE reference; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.reference TO odx_writer;
GRANT SELECT ON TABLE public.reference TO odx_reader;

--
-- Name: SEQUENCE reference_id_seq; Type: ACL; Schema: public; Owner: -
--

GRANT USAGE ON SEQUENCE public.reference_id_seq TO odx_writer;

--
-- Name: COLUMN repair_fact.id; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT(id) ON TABLE public.repair_fact TO odx_reader;
GRANT SELECT(id) ON TABLE public.repair_fact TO odx_writer;

--
-- Name: COLUMN repair_fact.home_id; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT(home_id) ON TABLE public.repair_fact TO odx_reader;
GRANT SELECT(home_id) ON TABLE public.repair_fact TO odx_writer;

--
-- Name: COLUMN repair_fact.landlord_id; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT(landlord_id) ON TABLE public.repair_fact TO odx_reader;
GRANT SELECT(landlord_id) ON TABLE public.repair_fact TO odx_writer;

--
-- Name: COLUMN repair_fact.contractor_id; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT(contractor_id) ON TABLE public.repair_fact TO odx_reader;
GRANT SELECT(contractor_id) ON TABLE public.repair_fact TO odx_writer;

--
-- Name: COLUMN repair_fact.priority_code; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT(priority_code) ON TABLE public.repair_fact TO odx_reader;
GRANT SELECT(priority_code) ON TABLE public.repair_fact TO odx_writer;

--
-- Name: COLUMN repair_fact.trade_code; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT(trade_code) ON TABLE public.repair_fact TO odx_reader;
GRANT SELECT(trade_code) ON TABLE public.repair_fact TO odx_writer;

--
-- Name: COLUMN repair_fact.reported_at; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT(reported_at) ON TABLE public.repair_fact TO odx_reader;
GRANT SELECT(reported_at) ON TABLE public.repair_fact TO odx_writer;

--
-- Name: COLUMN repair_fact.postcode; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT(postcode) ON TABLE public.repair_fact TO odx_reader;
GRANT SELECT(postcode) ON TABLE public.repair_fact TO odx_writer;

--
-- Name: COLUMN repair_fact.postcode_area; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT(postcode_area) ON TABLE public.repair_fact TO odx_reader;
GRANT SELECT(postcode_area) ON TABLE public.repair_fact TO odx_writer;

--
-- Name: COLUMN repair_fact.postcode_district; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT(postcode_district) ON TABLE public.repair_fact TO odx_reader;
GRANT SELECT(postcode_district) ON TABLE public.repair_fact TO odx_writer;

--
-- Name: COLUMN repair_fact.postcode_sector; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT(postcode_sector) ON TABLE public.repair_fact TO odx_reader;
GRANT SELECT(postcode_sector) ON TABLE public.repair_fact TO odx_writer;

--
-- Name: COLUMN repair_fact.month; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT(month) ON TABLE public.repair_fact TO odx_reader;
GRANT SELECT(month) ON TABLE public.repair_fact TO odx_writer;

--
-- Name: COLUMN repair_fact.is_emergency; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT(is_emergency) ON TABLE public.repair_fact TO odx_reader;
GRANT SELECT(is_emergency) ON TABLE public.repair_fact TO odx_writer;

--
-- Name: COLUMN repair_fact.is_open; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT(is_open) ON TABLE public.repair_fact TO odx_reader;
GRANT SELECT(is_open) ON TABLE public.repair_fact TO odx_writer;

--
-- Name: COLUMN repair_fact.completed; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT(completed) ON TABLE public.repair_fact TO odx_reader;
GRANT SELECT(completed) ON TABLE public.repair_fact TO odx_writer;

--
-- Name: COLUMN repair_fact.cancelled; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT(cancelled) ON TABLE public.repair_fact TO odx_reader;
GRANT SELECT(cancelled) ON TABLE public.repair_fact TO odx_writer;

--
-- Name: COLUMN repair_fact.hours; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT(hours) ON TABLE public.repair_fact TO odx_reader;
GRANT SELECT(hours) ON TABLE public.repair_fact TO odx_writer;

--
-- Name: COLUMN repair_fact.working_days; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT(working_days) ON TABLE public.repair_fact TO odx_reader;
GRANT SELECT(working_days) ON TABLE public.repair_fact TO odx_writer;

--
-- Name: COLUMN repair_fact.within_target; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT(within_target) ON TABLE public.repair_fact TO odx_reader;
GRANT SELECT(within_target) ON TABLE public.repair_fact TO odx_writer;

--
-- Name: COLUMN repair_fact.has_target; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT(has_target) ON TABLE public.repair_fact TO odx_reader;
GRANT SELECT(has_target) ON TABLE public.repair_fact TO odx_writer;

--
-- Name: COLUMN repair_fact.cost; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT(cost) ON TABLE public.repair_fact TO odx_reader;
GRANT SELECT(cost) ON TABLE public.repair_fact TO odx_writer;

--
-- Name: COLUMN repair_fact.repeat_30; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT(repeat_30) ON TABLE public.repair_fact TO odx_reader;
GRANT SELECT(repeat_30) ON TABLE public.repair_fact TO odx_writer;

--
-- Name: COLUMN repair_fact.repeat_90; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT(repeat_90) ON TABLE public.repair_fact TO odx_reader;
GRANT SELECT(repeat_90) ON TABLE public.repair_fact TO odx_writer;

--
-- Name: COLUMN repair_fact.fixed_first_time; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT(fixed_first_time) ON TABLE public.repair_fact TO odx_reader;
GRANT SELECT(fixed_first_time) ON TABLE public.repair_fact TO odx_writer;

--
-- Name: COLUMN repair_fact.schedules; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT(schedules) ON TABLE public.repair_fact TO odx_reader;
GRANT SELECT(schedules) ON TABLE public.repair_fact TO odx_writer;

--
-- Name: TABLE repair_fact_pending; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.repair_fact_pending TO odx_writer;

--
-- Name: TABLE repair_line; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.repair_line TO odx_writer;
GRANT SELECT ON TABLE public.repair_line TO odx_reader;

--
-- Name: TABLE repair_status; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.repair_status TO odx_writer;
GRANT SELECT ON TABLE public.repair_status TO odx_reader;

--
-- Name: TABLE sor_code; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.sor_code TO odx_writer;
GRANT SELECT ON TABLE public.sor_code TO odx_reader;

--
-- Name: TABLE repair_fact_source; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.repair_fact_source TO odx_writer;

--
-- Name: SEQUENCE repair_id_seq; Type: ACL; Schema: public; Owner: -
--

GRANT USAGE ON SEQUENCE public.repair_id_seq TO odx_writer;

--
-- Name: SEQUENCE repair_line_id_seq; Type: ACL; Schema: public; Owner: -
--

GRANT USAGE ON SEQUENCE public.repair_line_id_seq TO odx_writer;

--
-- Name: TABLE repair_planned_due; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.repair_planned_due TO odx_writer;

--
-- Name: TABLE repair_planned_due_source; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.repair_planned_due_source TO odx_writer;

--
-- Name: TABLE repair_status_event; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT,UPDATE ON TABLE public.repair_status_event TO odx_writer;

--
-- Name: COLUMN repair_status_event.id; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT(id) ON TABLE public.repair_status_event TO odx_reader;

--
-- Name: COLUMN repair_status_event.repair_id; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT(repair_id) ON TABLE public.repair_status_event TO odx_reader;

--
-- Name: COLUMN repair_status_event.status_code; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT(status_code) ON TABLE public.repair_status_event TO odx_reader;

--
-- Name: COLUMN repair_status_event.occurred_at; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT(occurred_at) ON TABLE public.repair_status_event TO odx_reader;

--
-- Name: SEQUENCE repair_status_event_id_seq; Type: ACL; Schema: public; Owner: -
--

GRANT USAGE ON SEQUENCE public.repair_status_event_id_seq TO odx_writer;

--
-- Name: TABLE repair_summary; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.repair_summary TO odx_writer;

--
-- Name: TABLE repair_summary_cost; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.repair_summary_cost TO odx_writer;

--
-- Name: TABLE repair_summary_days; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.repair_summary_days TO odx_writer;

--
-- Name: TABLE repair_summary_delta; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.repair_summary_delta TO odx_writer;

--
-- Name: TABLE repair_summary_home; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.repair_summary_home TO odx_writer;

--
-- Name: TABLE repair_summary_home_month; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.repair_summary_home_month TO odx_writer;

--
-- Name: TABLE repair_summary_home_priority; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.repair_summary_home_priority TO odx_writer;

--
-- Name: TABLE repair_summary_home_priority_year; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.repair_summary_home_priority_year TO odx_writer;

--
-- Name: TABLE repair_summary_home_year; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.repair_summary_home_year TO odx_writer;

--
-- Name: TABLE repair_summary_hours; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.repair_summary_hours TO odx_writer;

--
-- Name: TABLE repair_summary_landlord; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.repair_summary_landlord TO odx_writer;

--
-- Name: TABLE repair_summary_month; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.repair_summary_month TO odx_writer;

--
-- Name: TABLE repair_summary_pending; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.repair_summary_pending TO odx_writer;

--
-- Name: TABLE repair_summary_priority; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.repair_summary_priority TO odx_writer;

--
-- Name: TABLE repair_summary_priority_year; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.repair_summary_priority_year TO odx_writer;

--
-- Name: TABLE repair_summary_year; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.repair_summary_year TO odx_writer;

--
-- Name: TABLE repair_value_delta; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.repair_value_delta TO odx_writer;

--
-- Name: TABLE repair_value_pending; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.repair_value_pending TO odx_writer;

--
-- Name: TABLE repair_work; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.repair_work TO odx_writer;

--
-- Name: TABLE repair_work_source; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.repair_work_source TO odx_writer;

--
-- Name: TABLE satisfaction_response; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT,UPDATE ON TABLE public.satisfaction_response TO odx_writer;

--
-- Name: SEQUENCE satisfaction_response_id_seq; Type: ACL; Schema: public; Owner: -
--

GRANT USAGE ON SEQUENCE public.satisfaction_response_id_seq TO odx_writer;

--
-- Name: TABLE schema_migrations; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.schema_migrations TO odx_writer;
GRANT SELECT ON TABLE public.schema_migrations TO odx_reader;

--
-- Name: TABLE tenure; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.tenure TO odx_writer;
GRANT SELECT ON TABLE public.tenure TO odx_reader;

--
-- Name: TABLE trade; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.trade TO odx_writer;
GRANT SELECT ON TABLE public.trade TO odx_reader;

--
-- Name: TABLE tsm_answer; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.tsm_answer TO odx_writer;
GRANT SELECT ON TABLE public.tsm_answer TO odx_reader;

--
-- Name: TABLE tsm_measure; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.tsm_measure TO odx_writer;
GRANT SELECT ON TABLE public.tsm_measure TO odx_reader;

--
-- Name: TABLE tsm_return; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.tsm_return TO odx_writer;

--
-- Name: DEFAULT PRIVILEGES FOR TABLES; Type: DEFAULT ACL; Schema: public; Owner: -
--

ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA public GRANT SELECT ON TABLES TO odx_writer;
