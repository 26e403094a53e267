-- The data version: a number that grows with every committed change to the data, code
-- lists included, so that answers worked out from the data (the insight cache) can be
-- kept until it moves, by every server process alike.
--
-- It is the sum of 64 counters. A statement that changes a table adds one to a counter
-- that no other open transaction holds (FOR UPDATE SKIP LOCKED), so concurrent writers
-- never wait for each other here, and the change becomes visible with the data it
-- counts: a reader that reads the version before working out an answer can never file
-- an answer older than the version under it. Only when every counter is held (more
-- than 64 writers at once) does a writer wait for one.

CREATE TABLE data_version (
    slot     smallint PRIMARY KEY,
    changes  bigint NOT NULL DEFAULT 0
);
INSERT INTO data_version (slot) SELECT generate_series(0, 63);
GRANT SELECT ON data_version TO odx_reader, odx_writer;

CREATE FUNCTION bump_data_version() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
    UPDATE data_version v SET changes = v.changes + 1
    WHERE v.slot = (SELECT f.slot FROM data_version f
                    ORDER BY random() LIMIT 1 FOR UPDATE SKIP LOCKED);
    IF NOT FOUND THEN
        UPDATE data_version v SET changes = v.changes + 1
        WHERE v.slot = floor(random() * 64)::smallint;
    END IF;
    RETURN NULL;
END $$;
ALTER FUNCTION bump_data_version() SET jit = off;
REVOKE EXECUTE ON FUNCTION bump_data_version() FROM PUBLIC;

-- Every table of the data, code lists and record keys included: all but the version
-- itself, the derived repair facts (they change only with the tables they come from),
-- and the access and bookkeeping tables (keys, audit trail, idempotency keys,
-- migrations). A later migration that adds a table of data must add the trigger too;
-- tests/test_insight_cache.py fails when one has none.
CREATE FUNCTION track_data_version(target regclass) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('CREATE TRIGGER data_version_bumped '
                   'AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON %s '
                   'FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version()', target);
END $$;

SELECT track_data_version(c.oid)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
  AND c.relname NOT IN ('data_version', 'repair_fact', 'repair_fact_pending', 'api_key',
                        'audit_event', 'idempotency_key', 'schema_migrations')
ORDER BY c.relname;
