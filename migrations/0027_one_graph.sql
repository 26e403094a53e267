-- One graph everywhere: things whose triples are now written differently get a new
-- version in the change log, so the event stream and the SPARQL store that follow it say
-- what the dump says.
--
-- Floats (a home's latitude and longitude) are written in the canonical lexical form of
-- xsd:double ("5.15E1" rather than "51.5"), the form JSON-LD processors give a JSON
-- number, so that a GraphQL response read as JSON-LD gives the dump's very literals.
-- Facts that depend on the day they are read (a component's age, remaining lifetime and
-- whether it is past it; a home's Decent Homes criterion B) are left out of Linked Data,
-- which publishes the dates and lifetimes they come from: a version published one day
-- no longer differs from the dump made the next.
INSERT INTO change_pending (segment, key)
SELECT 'home', id FROM home UNION ALL SELECT 'component', id FROM component;

-- Code lists are in the graph too (as /code describes them), one version per list with
-- the segment 'code/{scheme}' and the key 0 (no row of a table has the key 0). They
-- change only when the reference data is synchronised, which publishes them; this index
-- finds their latest versions without reading the whole log.
CREATE INDEX change_log_fixed_idx ON change_log (segment, position DESC) WHERE key = 0;

-- TRUNCATE fires no row or transition-table trigger, so it cannot note what it removed:
-- on a table of the open graph it is refused (delete the rows instead, which the change
-- log follows).
CREATE FUNCTION refuse_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'TRUNCATE % would bypass the change log of the open graph', TG_TABLE_NAME
        USING ERRCODE = 'feature_not_supported',
              HINT = 'DELETE the rows instead: the change log publishes their tombstones.';
END $$;

DO $$
DECLARE
    target text;
BEGIN
    FOREACH target IN ARRAY ARRAY['organisation', 'reference', 'building', 'home', 'component',
        'repair', 'repair_line', 'repair_status_event', 'damp_mould_case',
        'energy_performance_certificate', 'data_import', 'home_assertion', 'change_log'] LOOP
        EXECUTE format('CREATE TRIGGER refuse_truncate BEFORE TRUNCATE ON %I '
                       'FOR EACH STATEMENT EXECUTE FUNCTION refuse_truncate()', target);
    END LOOP;
END $$;
