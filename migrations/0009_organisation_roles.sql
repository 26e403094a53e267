-- Organisations as they are: roles rather than one kind (a council is a local authority
-- and a landlord), and names that identify them.

-- Roles --------------------------------------------------------------------------

-- Every role an organisation plays, codes of organisation_kind. kind_code stays as the
-- organisation's main role (the one it was registered with) and is always one of its
-- roles: a row written with a kind that is not among its roles gains it as a role, so
-- writers that only know the kind keep working.
ALTER TABLE organisation ADD COLUMN role_codes text[] NOT NULL DEFAULT '{}';
UPDATE organisation SET role_codes = ARRAY[kind_code];

CREATE FUNCTION organisation_kind_is_a_role() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    IF NOT NEW.kind_code = ANY (NEW.role_codes) THEN
        NEW.role_codes := ARRAY[NEW.kind_code] || NEW.role_codes;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER organisation_kind_is_a_role BEFORE INSERT OR UPDATE ON organisation
    FOR EACH ROW EXECUTE FUNCTION organisation_kind_is_a_role();
CREATE INDEX organisation_roles_idx ON organisation USING gin (role_codes);

-- Names ----------------------------------------------------------------------------

-- A name now names one organisation (in any case, ignoring surrounding spaces). Namesakes
-- registered before are told apart by their id, not merged: `odx-graph organisation
-- merge` does that when they are one organisation.
UPDATE organisation o SET name = o.name || ' (organisation ' || o.id || ')'
WHERE EXISTS (SELECT 1 FROM organisation p
              WHERE lower(btrim(p.name)) = lower(btrim(o.name)) AND p.id < o.id);
CREATE UNIQUE INDEX organisation_name_key ON organisation (lower(btrim(name)));
