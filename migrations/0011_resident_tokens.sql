-- Keys that expire, resident tokens issued by landlords through the API, and a
-- notification when a key is revoked, so open subscriptions using it stop at once in
-- every server process.

ALTER TABLE api_key
    ADD COLUMN expires_at timestamptz,
    -- What a resident token may do; NULL: everything its tier may.
    ADD COLUMN scopes text[] CHECK (scopes <@ ARRAY['read', 'repairs', 'damp-mould',
                                                      'satisfaction']::text[]),
    -- The key that issued this one through the API (a landlord's provider key).
    ADD COLUMN issued_by_key_id bigint REFERENCES api_key (id),
    ADD CONSTRAINT api_key_expiry_after_creation CHECK (expires_at > created_at),
    ADD CONSTRAINT api_key_scopes_for_residents CHECK (scopes IS NULL OR tier = 'resident');
CREATE INDEX api_key_home_idx ON api_key (home_id) WHERE home_id IS NOT NULL;

-- Landlords issue, list and revoke resident tokens of their own homes as odx_writer: the
-- same row-level security wall as every other write.
GRANT INSERT ON api_key TO odx_writer;
GRANT UPDATE (revoked_at) ON api_key TO odx_writer;
ALTER TABLE api_key ENABLE ROW LEVEL SECURITY;
CREATE POLICY api_key_read ON api_key FOR SELECT TO odx_writer USING (true);
CREATE POLICY api_key_resident_insert ON api_key FOR INSERT TO odx_writer
    WITH CHECK (tier = 'resident' AND odx_setting('tier') IN ('admin', 'provider')
                AND odx_may_write((SELECT h.landlord_id FROM home h WHERE h.id = home_id),
                                  NULL, NULL));
CREATE POLICY api_key_resident_revoke ON api_key FOR UPDATE TO odx_writer
    USING (tier = 'resident' AND odx_setting('tier') IN ('admin', 'provider')
           AND odx_may_write((SELECT h.landlord_id FROM home h WHERE h.id = home_id),
                             NULL, NULL))
    WITH CHECK (true);

-- Every server process listens; subscriptions of a revoked key end at once.
CREATE FUNCTION notify_key_revoked() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('odx_key', json_build_object('id', NEW.id, 'event', 'revoked')::text);
    RETURN NULL;
END $$;
CREATE TRIGGER api_key_revoked_notify AFTER UPDATE OF revoked_at ON api_key
    FOR EACH ROW WHEN (OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL)
    EXECUTE FUNCTION notify_key_revoked();

-- A repair's target from its priority, counted from a moment: calendar hours for the
-- immediate and emergency priorities, else the end (midnight, UK time) of the Nth working
-- day after that moment's day. One definition for reporting and for a change of priority.
CREATE FUNCTION repair_target(priority_code text, counted_from timestamptz)
    RETURNS timestamptz LANGUAGE sql STABLE
    RETURN (
        SELECT CASE
            WHEN p.response_hours IS NOT NULL
                THEN counted_from + make_interval(hours => p.response_hours)
            WHEN p.response_working_days IS NOT NULL THEN (
                SELECT (w.day + 1)::timestamp AT TIME ZONE 'Europe/London'
                FROM working_calendar w
                WHERE w.is_working_day AND w.working_day_number = (
                    SELECT c.working_day_number + p.response_working_days
                    FROM working_calendar c
                    WHERE c.day = (counted_from AT TIME ZONE 'Europe/London')::date))
            END
        FROM priority p WHERE p.code = priority_code);
