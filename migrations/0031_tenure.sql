-- A home's tenure: how it is let or owned (social rent, affordable rent, shared
-- ownership...), a code list of the ontology (SKOS, loaded at start like the others).
-- Each tenure is in one of the Regulator of Social Housing's two groups, which the Tenant
-- Satisfaction Measures are reported for separately: low cost rental accommodation
-- (LCRA) and low cost home ownership (LCHO). A home's tenure is open data, like its type.

CREATE TABLE tenure (
    code          text PRIMARY KEY,
    label         text NOT NULL,
    definition    text,
    tenure_group  text NOT NULL CHECK (tenure_group IN ('LCRA', 'LCHO'))
);

ALTER TABLE home ADD COLUMN tenure_code text REFERENCES tenure (code);
CREATE INDEX home_tenure_idx ON home (tenure_code);

GRANT SELECT ON tenure TO odx_reader, odx_writer;

SELECT track_data_version('tenure');
