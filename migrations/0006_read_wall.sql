-- A second wall for the open data: reads made for callers without a key run as the
-- odx_reader role, which may read every table of the open graph but not the private
-- columns (free text, import file names and problems) nor the access tables. Whatever the
-- SQL above it asks for, the database refuses to hand those to the public.
--
-- A later migration that adds a table with private columns must revoke them from
-- odx_reader the same way.

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'odx_reader') THEN
        CREATE ROLE odx_reader NOLOGIN;
    END IF;
END $$;
GRANT odx_reader TO CURRENT_USER;
GRANT USAGE ON SCHEMA public TO odx_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO odx_reader;
REVOKE SELECT ON api_key, audit_event, idempotency_key, satisfaction_response
    FROM odx_reader;

-- Column by column for the tables with private columns: all but those.
DO $$
DECLARE
    private record;
    visible text;
BEGIN
    FOR private IN
        SELECT * FROM (VALUES
            ('repair', ARRAY['description']),
            ('repair_status_event', ARRAY['note']),
            ('data_import', ARRAY['file_name', 'problems'])
        ) AS p(table_name, columns)
    LOOP
        SELECT string_agg(quote_ident(column_name), ', ' ORDER BY ordinal_position)
          INTO visible
          FROM information_schema.columns
         WHERE table_schema = 'public' AND table_name = private.table_name
           AND NOT column_name = ANY (private.columns);
        EXECUTE format('REVOKE SELECT ON %I FROM odx_reader', private.table_name);
        EXECUTE format('GRANT SELECT (%s) ON %I TO odx_reader', visible, private.table_name);
    END LOOP;
END $$;

-- The tables with row-level security (for writes) are open data to read.
CREATE POLICY repair_open_read ON repair FOR SELECT TO odx_reader USING (true);
CREATE POLICY repair_line_open_read ON repair_line FOR SELECT TO odx_reader USING (true);
CREATE POLICY repair_status_event_open_read ON repair_status_event FOR SELECT TO odx_reader
    USING (true);
CREATE POLICY component_open_read ON component FOR SELECT TO odx_reader USING (true);
CREATE POLICY damp_mould_case_open_read ON damp_mould_case FOR SELECT TO odx_reader
    USING (true);
