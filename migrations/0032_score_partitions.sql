-- A model's scores are replaced all at once: scoring again with the same model (a new
-- day, new repairs) deleted every earlier score of the model, a row at a time, and then
-- wrote as many rows again into the primary key and the landlord index (for the
-- components of 100,000 homes, 931,145 of each). Here each model's scores are one
-- partition of their table, named after the model (home_damp_risk_m<id>,
-- component_failure_risk_m<id>): a scoring writes the new scores into a table of their
-- own with no index, builds the indexes once by sorting, and swaps it for the model's
-- earlier partition in the same transaction (store/scoring.py). Readers see the old
-- scores until the swap commits and the new ones after; the old partition is dropped,
-- not deleted row by row. Deleting a model drops its partitions.
--
-- Partitions are reached through their table only: they carry no grant to odx_reader
-- (the open data's reader reads no score at all, migration 0018), and the statement
-- trigger that moves the data version stays on the table. Attaching a partition fires no
-- trigger, so a swap moves the version itself with move_data_version(), which the
-- trigger now calls too.

CREATE FUNCTION move_data_version() RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
    UPDATE data_version v SET changes = v.changes + 1
    WHERE v.slot = (SELECT f.slot FROM data_version f
                    ORDER BY random() LIMIT 1 FOR UPDATE SKIP LOCKED);
    IF NOT FOUND THEN
        UPDATE data_version v SET changes = v.changes + 1
        WHERE v.slot = floor(random() * 64)::smallint;
    END IF;
END $$;
ALTER FUNCTION move_data_version() SET jit = off;
REVOKE EXECUTE ON FUNCTION move_data_version() FROM PUBLIC;

CREATE OR REPLACE FUNCTION bump_data_version() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
    PERFORM move_data_version();
    RETURN NULL;
END $$;
ALTER FUNCTION bump_data_version() SET jit = off;

ALTER TABLE home_damp_risk RENAME TO home_damp_risk_single;
ALTER TABLE home_damp_risk_single RENAME CONSTRAINT home_damp_risk_pkey TO home_damp_risk_single_pkey;
ALTER INDEX home_damp_risk_landlord_idx RENAME TO home_damp_risk_single_landlord_idx;
ALTER TABLE component_failure_risk RENAME TO component_failure_risk_single;
ALTER TABLE component_failure_risk_single
    RENAME CONSTRAINT component_failure_risk_pkey TO component_failure_risk_single_pkey;
ALTER INDEX component_failure_risk_landlord_idx RENAME TO component_failure_risk_single_landlord_idx;

CREATE TABLE home_damp_risk (
    model_id       bigint NOT NULL,
    home_id        bigint NOT NULL,
    landlord_id    bigint,
    as_of          date NOT NULL,
    probability    double precision NOT NULL CHECK (probability BETWEEN 0 AND 1),
    points         numeric(8, 1) NOT NULL,
    bins           bytea NOT NULL,
    PRIMARY KEY (model_id, home_id)
) PARTITION BY LIST (model_id);
CREATE INDEX home_damp_risk_landlord_idx ON home_damp_risk (landlord_id, model_id);

CREATE TABLE component_failure_risk (
    model_id             bigint NOT NULL,
    component_id         bigint NOT NULL,
    home_id              bigint,
    building_id          bigint,
    landlord_id          bigint,
    as_of                date NOT NULL,
    probability          double precision NOT NULL CHECK (probability BETWEEN 0 AND 1),
    points               numeric(8, 1) NOT NULL,
    bins                 bytea NOT NULL,
    expected_emergency   double precision NOT NULL CHECK (expected_emergency >= 0),
    expected_cost        numeric(12, 2) NOT NULL CHECK (expected_cost >= 0),
    PRIMARY KEY (model_id, component_id)
) PARTITION BY LIST (model_id);
CREATE INDEX component_failure_risk_landlord_idx
    ON component_failure_risk (landlord_id, model_id);

REVOKE ALL ON home_damp_risk, component_failure_risk FROM PUBLIC;
REVOKE ALL ON home_damp_risk, component_failure_risk FROM odx_reader;
SELECT track_data_version('home_damp_risk');
SELECT track_data_version('component_failure_risk');

-- The scores there were, moved model by model into partitions of their own.
DO $$
DECLARE
    scores text;
    model bigint;
BEGIN
    FOREACH scores IN ARRAY ARRAY['home_damp_risk', 'component_failure_risk'] LOOP
        FOR model IN EXECUTE format('SELECT DISTINCT model_id FROM %I', scores || '_single') LOOP
            EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES IN (%s)',
                           scores || '_m' || model, scores, model);
            EXECUTE format('REVOKE ALL ON %I FROM odx_reader', scores || '_m' || model);
        END LOOP;
        EXECUTE format('INSERT INTO %I SELECT * FROM %I', scores, scores || '_single');
    END LOOP;
END $$;
DROP TABLE home_damp_risk_single, component_failure_risk_single;

CREATE OR REPLACE FUNCTION delete_model_scores() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('DROP TABLE IF EXISTS %I', 'home_damp_risk_m' || OLD.id);
    EXECUTE format('DROP TABLE IF EXISTS %I', 'component_failure_risk_m' || OLD.id);
    RETURN OLD;
END;
$$;
