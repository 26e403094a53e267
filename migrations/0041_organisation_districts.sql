-- The postcode districts each organisation serves, one row each, beside the array
-- organisation.postcode_districts they are kept from.
--
-- A contractor's job board asks which organisations serve a district
-- (organisations(filter: {servesPostcodeDistrict: ...})). Filtering the array with `&&`
-- decompressed and searched every organisation's whole array on every request: at
-- national scale a contractor serves thousands of districts (2,858 in the
-- million-home demo), and that one filter cost more than the jobs it led to. Here a
-- district is looked up by the primary key instead.
--
-- The array stays the record (it is what is written, read and published); this table
-- is derived from it by the trigger below, in the same transaction, and goes with its
-- organisation.

CREATE TABLE organisation_district (
    postcode_district  text NOT NULL,
    organisation_id    bigint NOT NULL REFERENCES organisation (id) ON DELETE CASCADE,
    PRIMARY KEY (postcode_district, organisation_id)
);
CREATE INDEX organisation_district_organisation_idx ON organisation_district (organisation_id);
GRANT SELECT ON organisation_district TO odx_reader, odx_writer;

INSERT INTO organisation_district (postcode_district, organisation_id)
SELECT DISTINCT d.district, o.id
FROM organisation o CROSS JOIN LATERAL unnest(o.postcode_districts) AS d (district)
WHERE d.district IS NOT NULL;

CREATE FUNCTION organisation_districts_kept() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
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
ALTER FUNCTION organisation_districts_kept() SET jit = off;
REVOKE EXECUTE ON FUNCTION organisation_districts_kept() FROM PUBLIC;

CREATE TRIGGER organisation_districts_kept
    AFTER INSERT OR UPDATE OF postcode_districts ON organisation
    FOR EACH ROW EXECUTE FUNCTION organisation_districts_kept();
