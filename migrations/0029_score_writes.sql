-- Scores are written a row per home or component (868,547 rows for the components of
-- 100,000 homes), and every per-row check and index is paid that many times. Two go:
--
-- * The scores' foreign key to their model: a check a row. A statement-level guard in
--   the scoring statement (it writes nothing for a model that is not there) and a
--   trigger that deletes a model's scores with the model keep what it gave.
-- * The indexes on the home or component alone: every read of scores picks the model
--   first (the newest that scored anything) and then the homes or components, which
--   the primary key (model_id, home_id or component_id) answers.

ALTER TABLE home_damp_risk DROP CONSTRAINT home_damp_risk_model_id_fkey;
ALTER TABLE component_failure_risk DROP CONSTRAINT component_failure_risk_model_id_fkey;
DROP INDEX home_damp_risk_home_idx;
DROP INDEX component_failure_risk_component_idx;

CREATE FUNCTION delete_model_scores() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM home_damp_risk WHERE model_id = OLD.id;
    DELETE FROM component_failure_risk WHERE model_id = OLD.id;
    RETURN OLD;
END;
$$;

CREATE TRIGGER prediction_model_scores_deleted
    AFTER DELETE ON prediction_model
    FOR EACH ROW EXECUTE FUNCTION delete_model_scores();
