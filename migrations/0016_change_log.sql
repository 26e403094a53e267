-- The change log of the open graph: every committed change to a thing of the graph,
-- imports and bulk loads included, as an ordered list of versions that the event stream
-- (LDES), the SPARQL store and anyone keeping a copy follow.
--
-- Writers never wait for each other here. A statement that changes a table of the graph
-- notes which things it touched in change_pending (a statement trigger, so a COPY of
-- 60,000 rows is one INSERT ... SELECT). The publisher (one at a time, under an advisory
-- lock) takes the notes of committed transactions, reads those things as the open tier
-- sees them in the same snapshot, and appends a version of each to change_log with the
-- next position. Positions are given at publication, never by the writers, so they follow
-- the order in which changes were seen committed: a reader that has seen position N
-- never later finds a new version before N.

CREATE TABLE change_pending (
    id          bigserial PRIMARY KEY,
    changed_at  timestamptz NOT NULL DEFAULT statement_timestamp(),
    segment     text NOT NULL,
    key         bigint NOT NULL
);

CREATE TABLE change_log (
    position      bigint PRIMARY KEY CHECK (position > 0),
    published_at  timestamptz NOT NULL,
    changed_at    timestamptz NOT NULL,
    segment       text NOT NULL,
    key           bigint NOT NULL,
    kind          text NOT NULL CHECK (kind IN ('create', 'update', 'delete')),
    digest        bytea NOT NULL,
    -- The thing's triples at this version as N-Triples, one per line, sorted; empty for
    -- a deletion (a tombstone).
    triples       text NOT NULL
);
CREATE INDEX change_log_subject_idx ON change_log (segment, key, position DESC);
CREATE INDEX change_log_time_idx ON change_log (published_at, position);
GRANT SELECT ON change_log TO odx_reader, odx_writer;

-- Notes the things a statement touched. TG_ARGV[0] is a query over the transition
-- table "changed" giving (segment, key) pairs.
CREATE FUNCTION note_changes() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
    EXECUTE 'INSERT INTO change_pending (segment, key) ' || TG_ARGV[0];
    RETURN NULL;
END $$;
REVOKE EXECUTE ON FUNCTION note_changes() FROM PUBLIC;

-- Three statement triggers (insert, update, delete) on ``target`` noting ``things``, a
-- query over "changed" (the rows inserted, the new rows updated or the rows deleted).
CREATE FUNCTION track_changes(target regclass, name text, things text) RETURNS void
    LANGUAGE plpgsql AS $$
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

-- Every thing of the graph notes itself.
SELECT track_changes('organisation', 'self', 'SELECT DISTINCT ''organisation'', id FROM changed');
SELECT track_changes('reference', 'self', 'SELECT DISTINCT ''reference'', id FROM changed');
SELECT track_changes('building', 'self', 'SELECT DISTINCT ''building'', id FROM changed');
SELECT track_changes('home', 'self', 'SELECT DISTINCT ''home'', id FROM changed');
SELECT track_changes('component', 'self', 'SELECT DISTINCT ''component'', id FROM changed');
SELECT track_changes('repair', 'self', 'SELECT DISTINCT ''repair'', id FROM changed');
SELECT track_changes('repair_line', 'self', 'SELECT DISTINCT ''repair-line'', id FROM changed');
SELECT track_changes('repair_status_event', 'self',
                     'SELECT DISTINCT ''repair-status-event'', id FROM changed');
SELECT track_changes('damp_mould_case', 'self',
                     'SELECT DISTINCT ''damp-mould-case'', id FROM changed');
SELECT track_changes('energy_performance_certificate', 'self',
                     'SELECT DISTINCT ''epc'', id FROM changed');
SELECT track_changes('data_import', 'self', 'SELECT DISTINCT ''import'', id FROM changed');
SELECT track_changes('home_assertion', 'self', 'SELECT DISTINCT ''assertion'', id FROM changed');

-- Facts derived from other rows: a home's disrepair criterion from its own and its
-- building's components; a component's lifetime from its home's type and its building's
-- height.
SELECT track_changes('component', 'homes',
    'SELECT DISTINCT ''home'', h.id FROM changed c JOIN home h '
    'ON h.id = c.home_id OR h.building_id = c.building_id');
SELECT track_changes('home', 'components',
    'SELECT DISTINCT ''component'', c.id FROM changed h JOIN component c ON c.home_id = h.id');
SELECT track_changes('building', 'dependants',
    'SELECT ''home'', h.id FROM changed b JOIN home h ON h.building_id = b.id '
    'UNION SELECT ''component'', c.id FROM changed b JOIN component c '
    'ON c.building_id = b.id OR c.home_id IN (SELECT id FROM home WHERE building_id = b.id)');

-- What is there already is the log's start.
INSERT INTO change_pending (segment, key)
SELECT 'organisation', id FROM organisation
UNION ALL SELECT 'reference', id FROM reference
UNION ALL SELECT 'building', id FROM building
UNION ALL SELECT 'home', id FROM home
UNION ALL SELECT 'component', id FROM component
UNION ALL SELECT 'repair', id FROM repair
UNION ALL SELECT 'repair-line', id FROM repair_line
UNION ALL SELECT 'repair-status-event', id FROM repair_status_event
UNION ALL SELECT 'damp-mould-case', id FROM damp_mould_case
UNION ALL SELECT 'epc', id FROM energy_performance_certificate
UNION ALL SELECT 'import', id FROM data_import
UNION ALL SELECT 'assertion', id FROM home_assertion;

-- The published log feeds Linked Data: it moves the data version like any table of data.
SELECT track_data_version('change_log');
