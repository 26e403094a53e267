-- Histograms of completed repairs' hours and costs, kept as the facts change, so that a
-- landlord's or a reporting year's hours and costs (median and 90th percentile hours;
-- mean, median and total cost) are read from a few thousand rows and a few short ranges
-- of an index instead of sorting every completed repair's value (at a million homes the
-- largest landlord has 5.1 million: 3.4 s for its hours and 3.8 s for its costs).
--
-- - repair_summary_hours: completed repairs with hours per landlord, month, priority
--   and whole hour (the hours rounded down), with the sum of their record keys;
-- - repair_summary_cost: completed repairs with a cost per landlord, month, priority
--   and whole pound (rounded down), with the sum of their record keys and of their
--   costs (exact: numeric).
--
-- A count, a total and its repairs' keys are sums of these rows. A percentile is read
-- exactly: the histogram says which whole hour (pound) holds each rank the percentile
-- needs and where in it; the value itself is read from the ranges of an index of the
-- facts by landlord, month and value (below) holding only that hour's (pound's) repairs
-- in the group's months. The largest cost likewise, from the top pound's ranges.
--
-- Kept as the repair summaries are (migration 0035): each statement writing facts notes
-- what it added and took away, netted, in repair_value_delta; at commit the histograms
-- take the transaction's notes in one pass in key order. Derived: no data version moves.

CREATE TABLE repair_summary_hours (
    landlord_id   bigint NOT NULL,
    month         text NOT NULL,
    priority_code text NOT NULL,
    hour          bigint NOT NULL,
    repairs       bigint NOT NULL,
    record_keys   bigint NOT NULL,
    PRIMARY KEY (landlord_id, month, priority_code, hour)
);

CREATE TABLE repair_summary_cost (
    landlord_id   bigint NOT NULL,
    month         text NOT NULL,
    priority_code text NOT NULL,
    pound         bigint NOT NULL,
    repairs       bigint NOT NULL,
    record_keys   bigint NOT NULL,
    cost          numeric NOT NULL,
    PRIMARY KEY (landlord_id, month, priority_code, pound)
);
CREATE INDEX repair_summary_hours_empty ON repair_summary_hours (repairs) WHERE repairs = 0;
CREATE INDEX repair_summary_cost_empty ON repair_summary_cost (repairs) WHERE repairs = 0;

-- The completed repairs' hours and costs by landlord, month and value, for the values of
-- one whole hour or pound in a landlord's month (replacing migration 0042's indexes by
-- landlord and month, which served reading every value of a scope): a scope of several
-- months reads that hour's (pound's) range of each. (With the priority in the key too, a
-- 5,000-home database's planner read each landlord's whole range instead.)
DROP INDEX repair_fact_hours_idx;
DROP INDEX repair_fact_cost_idx;
CREATE INDEX repair_fact_hours_idx ON repair_fact (landlord_id, month, hours)
    INCLUDE (priority_code)
    WHERE completed AND hours IS NOT NULL;
CREATE INDEX repair_fact_cost_idx ON repair_fact (landlord_id, month, cost)
    INCLUDE (priority_code)
    WHERE completed AND cost IS NOT NULL;

-- What the open transactions' statements changed, netted per statement (as
-- repair_summary_delta, migration 0035). A fact's landlord, month and priority are
-- never null (its repair's are not).
CREATE UNLOGGED TABLE repair_value_delta (
    landlord_id   bigint NOT NULL,
    month         text NOT NULL,
    priority_code text NOT NULL,
    hour          bigint,
    pound         bigint,
    record_key    integer NOT NULL,
    repairs       bigint NOT NULL,
    cost          numeric
);
CREATE UNLOGGED TABLE repair_value_pending (noted boolean NOT NULL DEFAULT true);

-- Every histogram worked out again from the facts (the notes of the transaction dropped).
CREATE FUNCTION rebuild_repair_value_histograms() RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
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

-- A statement's changes to the facts' hours and costs, netted, noted for the commit.
CREATE FUNCTION repair_value_note() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
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

CREATE TRIGGER repair_value_inserted AFTER INSERT ON repair_fact
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION repair_value_note();
CREATE TRIGGER repair_value_updated AFTER UPDATE ON repair_fact
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION repair_value_note();
CREATE TRIGGER repair_value_deleted AFTER DELETE ON repair_fact
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION repair_value_note();

-- The transaction's notes added to the histograms in key order; rows left with no
-- repair are dropped. Fires at commit (after the facts are refreshed).
CREATE FUNCTION repair_value_apply() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
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

CREATE CONSTRAINT TRIGGER repair_value_before_commit AFTER INSERT ON repair_value_pending
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION repair_value_apply();

ALTER FUNCTION rebuild_repair_value_histograms() SET jit = off;
ALTER FUNCTION repair_value_note() SET jit = off;
ALTER FUNCTION repair_value_apply() SET jit = off;
REVOKE EXECUTE ON FUNCTION rebuild_repair_value_histograms() FROM PUBLIC;

-- The rows carry record keys: only the server's own user reads them, as it reads the
-- facts' keys (the open data's reader role may not).
SELECT rebuild_repair_value_histograms();
