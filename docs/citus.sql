-- The Citus distribution plan of odx-graph, as DDL. NOT applied by the migrations.
--
-- Distribution key: the landlord (landlord_id), the home's place in the exchange. Every
-- home and everything that hangs off a home (its components, repairs with their lines
-- and status history, damp and mould cases, certificates, assertions, satisfaction
-- answers, record keys, risk scores, planned works), the buildings homes are in and
-- the landlord's own groupings and returns (estates, investment programmes, TSM returns)
-- carry it and are co-located: one landlord's data lives on one shard, so a landlord's
-- pages, imports, scorecards, estates, programmes and a home's whole record are
-- single-shard; area and national queries run on every shard in parallel.
-- Organisations, imports and the code lists are reference tables (a copy on every node).
-- See docs/operations.md, "Citus".
--
-- Part 1 is plain PostgreSQL: it runs on the schema of migrations/ (tests/test_citus.py
-- applies it to a migrated database with data, in a transaction it rolls back, and checks
-- the result against what Citus requires). Part 2 needs the citus extension and is never
-- run by the tests.

-- ==== Part 1: keys, constraints and foreign keys that include the landlord ====

-- 1. The landlord on every row that hangs off a home, from its parent.
ALTER TABLE component ADD COLUMN landlord_id bigint;
UPDATE component c SET landlord_id = coalesce(
    (SELECT h.landlord_id FROM home h WHERE h.id = c.home_id),
    (SELECT b.landlord_id FROM building b WHERE b.id = c.building_id));
ALTER TABLE repair_line ADD COLUMN landlord_id bigint;
UPDATE repair_line l SET landlord_id = r.landlord_id FROM repair r WHERE r.id = l.repair_id;
ALTER TABLE repair_status_event ADD COLUMN landlord_id bigint;
UPDATE repair_status_event e SET landlord_id = r.landlord_id
    FROM repair r WHERE r.id = e.repair_id;
ALTER TABLE energy_performance_certificate ADD COLUMN landlord_id bigint;
UPDATE energy_performance_certificate c SET landlord_id = h.landlord_id
    FROM home h WHERE h.id = c.home_id;
ALTER TABLE home_assertion ADD COLUMN landlord_id bigint;
UPDATE home_assertion a SET landlord_id = h.landlord_id FROM home h WHERE h.id = a.home_id;
ALTER TABLE home_record_key ADD COLUMN landlord_id bigint;
UPDATE home_record_key k SET landlord_id = h.landlord_id FROM home h WHERE h.id = k.home_id;
ALTER TABLE building_record_key ADD COLUMN landlord_id bigint;
UPDATE building_record_key k SET landlord_id = b.landlord_id
    FROM building b WHERE b.id = k.building_id;
UPDATE repair_fact f SET landlord_id = h.landlord_id
    FROM home h WHERE h.id = f.home_id AND f.landlord_id IS NULL;
UPDATE repair_work w SET landlord_id = h.landlord_id
    FROM home h WHERE h.id = w.home_id AND w.landlord_id IS NULL;
UPDATE repair_planned_due d SET landlord_id = f.landlord_id
    FROM repair_fact f WHERE f.id = d.id AND d.landlord_id IS NULL;
UPDATE home_damp_risk r SET landlord_id = h.landlord_id
    FROM home h WHERE h.id = r.home_id AND r.landlord_id IS NULL;
UPDATE component_failure_risk r SET landlord_id = c.landlord_id
    FROM component c WHERE c.id = r.component_id AND r.landlord_id IS NULL;

-- 2. A distribution column is never NULL. Homes and buildings recorded without a
-- landlord (none in the demo data) must be given one first: these statements fail,
-- naming the table, while any is left.
ALTER TABLE home ALTER COLUMN landlord_id SET NOT NULL;
ALTER TABLE building ALTER COLUMN landlord_id SET NOT NULL;
ALTER TABLE component ALTER COLUMN landlord_id SET NOT NULL;
ALTER TABLE repair_line ALTER COLUMN landlord_id SET NOT NULL;
ALTER TABLE repair_status_event ALTER COLUMN landlord_id SET NOT NULL;
ALTER TABLE energy_performance_certificate ALTER COLUMN landlord_id SET NOT NULL;
ALTER TABLE home_assertion ALTER COLUMN landlord_id SET NOT NULL;
ALTER TABLE home_record_key ALTER COLUMN landlord_id SET NOT NULL;
ALTER TABLE building_record_key ALTER COLUMN landlord_id SET NOT NULL;
ALTER TABLE repair_fact ALTER COLUMN landlord_id SET NOT NULL;
ALTER TABLE repair_work ALTER COLUMN landlord_id SET NOT NULL;
ALTER TABLE repair_planned_due ALTER COLUMN landlord_id SET NOT NULL;
ALTER TABLE home_damp_risk ALTER COLUMN landlord_id SET NOT NULL;
ALTER TABLE component_failure_risk ALTER COLUMN landlord_id SET NOT NULL;

-- 3. Foreign keys between co-located tables must include the landlord: dropped here,
-- made again in step 5 once the keys they point at include it. A resident token's home
-- (api_key.home_id, a reference table) cannot point into a distributed table: the key
-- service already checks the home exists when it issues the token.
ALTER TABLE home DROP CONSTRAINT home_building_id_fkey;
ALTER TABLE component DROP CONSTRAINT component_home_id_fkey;
ALTER TABLE component DROP CONSTRAINT component_building_id_fkey;
ALTER TABLE repair DROP CONSTRAINT repair_home_id_fkey;
ALTER TABLE repair DROP CONSTRAINT repair_component_id_fkey;
ALTER TABLE repair_line DROP CONSTRAINT repair_line_repair_id_fkey;
ALTER TABLE repair_status_event DROP CONSTRAINT repair_status_event_repair_id_fkey;
ALTER TABLE damp_mould_case DROP CONSTRAINT damp_mould_case_home_id_fkey;
ALTER TABLE energy_performance_certificate
    DROP CONSTRAINT energy_performance_certificate_home_id_fkey;
ALTER TABLE home_assertion DROP CONSTRAINT home_assertion_home_id_fkey;
ALTER TABLE satisfaction_response DROP CONSTRAINT satisfaction_response_home_id_fkey;
ALTER TABLE home_record_key DROP CONSTRAINT home_record_key_home_id_fkey;
ALTER TABLE building_record_key DROP CONSTRAINT building_record_key_building_id_fkey;
ALTER TABLE api_key DROP CONSTRAINT api_key_home_id_fkey;
ALTER TABLE tsm_return DROP CONSTRAINT tsm_return_estate_id_fkey;
ALTER TABLE planned_work DROP CONSTRAINT planned_work_programme_id_fkey;
ALTER TABLE planned_work DROP CONSTRAINT planned_work_home_id_fkey;
ALTER TABLE planned_work DROP CONSTRAINT planned_work_building_id_fkey;
ALTER TABLE planned_work DROP CONSTRAINT planned_work_component_id_fkey;

-- 4. Primary keys and unique constraints of distributed tables include their
-- distribution column. Ids stay unique on their own (one sequence each, on the
-- coordinator), so (landlord_id, id) is no weaker than id.
ALTER TABLE building DROP CONSTRAINT building_pkey, ADD PRIMARY KEY (landlord_id, id);
ALTER TABLE home DROP CONSTRAINT home_pkey, ADD PRIMARY KEY (landlord_id, id);
ALTER TABLE component DROP CONSTRAINT component_pkey, ADD PRIMARY KEY (landlord_id, id);
ALTER TABLE repair DROP CONSTRAINT repair_pkey, ADD PRIMARY KEY (landlord_id, id);
ALTER TABLE repair_line DROP CONSTRAINT repair_line_pkey, ADD PRIMARY KEY (landlord_id, id);
ALTER TABLE repair_status_event DROP CONSTRAINT repair_status_event_pkey,
    ADD PRIMARY KEY (landlord_id, id);
ALTER TABLE repair_fact DROP CONSTRAINT repair_fact_pkey, ADD PRIMARY KEY (landlord_id, id);
ALTER TABLE repair_work DROP CONSTRAINT repair_work_pkey,
    ADD PRIMARY KEY (landlord_id, repair_id, sor_code);
ALTER TABLE repair_planned_due DROP CONSTRAINT repair_planned_due_pkey,
    ADD PRIMARY KEY (landlord_id, id);
ALTER TABLE awaab_deadline DROP CONSTRAINT awaab_deadline_pkey,
    ADD PRIMARY KEY (landlord_id, case_id);
ALTER TABLE damp_mould_case DROP CONSTRAINT damp_mould_case_pkey,
    ADD PRIMARY KEY (landlord_id, id);
ALTER TABLE energy_performance_certificate DROP CONSTRAINT energy_performance_certificate_pkey,
    ADD PRIMARY KEY (landlord_id, id);
ALTER TABLE home_assertion DROP CONSTRAINT home_assertion_pkey,
    ADD PRIMARY KEY (landlord_id, id);
ALTER TABLE satisfaction_response DROP CONSTRAINT satisfaction_response_pkey,
    ADD PRIMARY KEY (landlord_id, id);
ALTER TABLE home_record_key DROP CONSTRAINT home_record_key_pkey,
    ADD PRIMARY KEY (landlord_id, home_id);
ALTER TABLE building_record_key DROP CONSTRAINT building_record_key_pkey,
    ADD PRIMARY KEY (landlord_id, building_id);
ALTER TABLE home_damp_risk DROP CONSTRAINT home_damp_risk_pkey,
    ADD PRIMARY KEY (landlord_id, model_id, home_id);
ALTER TABLE component_failure_risk DROP CONSTRAINT component_failure_risk_pkey,
    ADD PRIMARY KEY (landlord_id, model_id, component_id);
ALTER TABLE estate DROP CONSTRAINT estate_pkey, ADD PRIMARY KEY (landlord_id, id);
ALTER TABLE tsm_return DROP CONSTRAINT tsm_return_pkey, ADD PRIMARY KEY (landlord_id, id);
ALTER TABLE investment_programme DROP CONSTRAINT investment_programme_pkey,
    ADD PRIMARY KEY (landlord_id, id);
ALTER TABLE planned_work DROP CONSTRAINT planned_work_pkey, ADD PRIMARY KEY (landlord_id, id);
ALTER TABLE repair_line DROP CONSTRAINT repair_line_repair_id_line_number_key,
    ADD UNIQUE (landlord_id, repair_id, line_number);
ALTER TABLE home_assertion DROP CONSTRAINT home_assertion_home_id_organisation_id_property_key,
    ADD UNIQUE (landlord_id, home_id, organisation_id, property);
-- An EPC's certificate number (LMK key) is one home's: unique within its landlord's
-- homes; the EPC register itself keeps it unique nationally.
ALTER TABLE energy_performance_certificate
    DROP CONSTRAINT energy_performance_certificate_lmk_key_key,
    ADD UNIQUE (landlord_id, lmk_key);
-- A UPRN names one home in the country. Unique within a landlord on the home (and the
-- building) itself, and nationally in home_uprn, distributed by the UPRN: a write that
-- adds or moves a home writes both, in one (two-phase) transaction.
ALTER TABLE home DROP CONSTRAINT home_uprn_key, ADD UNIQUE (landlord_id, uprn);
ALTER TABLE building DROP CONSTRAINT building_uprn_key, ADD UNIQUE (landlord_id, uprn);
CREATE TABLE home_uprn (
    uprn        bigint PRIMARY KEY,
    landlord_id bigint NOT NULL,
    home_id     bigint NOT NULL
);
INSERT INTO home_uprn (uprn, landlord_id, home_id)
    SELECT uprn, landlord_id, id FROM home WHERE uprn IS NOT NULL;
-- Tables distributed by a column of their own (not co-located with homes).
ALTER TABLE reference DROP CONSTRAINT reference_pkey, ADD PRIMARY KEY (allocated_by_id, id);
ALTER TABLE pending_repair_update DROP CONSTRAINT pending_repair_update_pkey,
    ADD PRIMARY KEY (organisation_id, id);

-- 5. The foreign keys of step 3 again, with the landlord: a home's rows and its
-- building's are the same landlord's (a building shared by two landlords is recorded
-- once for each).
ALTER TABLE home ADD FOREIGN KEY (landlord_id, building_id) REFERENCES building (landlord_id, id);
ALTER TABLE component ADD FOREIGN KEY (landlord_id, home_id) REFERENCES home (landlord_id, id);
ALTER TABLE component
    ADD FOREIGN KEY (landlord_id, building_id) REFERENCES building (landlord_id, id);
ALTER TABLE repair ADD FOREIGN KEY (landlord_id, home_id) REFERENCES home (landlord_id, id);
ALTER TABLE repair
    ADD FOREIGN KEY (landlord_id, component_id) REFERENCES component (landlord_id, id);
ALTER TABLE repair_line
    ADD FOREIGN KEY (landlord_id, repair_id) REFERENCES repair (landlord_id, id);
ALTER TABLE repair_status_event
    ADD FOREIGN KEY (landlord_id, repair_id) REFERENCES repair (landlord_id, id);
ALTER TABLE damp_mould_case
    ADD FOREIGN KEY (landlord_id, home_id) REFERENCES home (landlord_id, id);
ALTER TABLE energy_performance_certificate
    ADD FOREIGN KEY (landlord_id, home_id) REFERENCES home (landlord_id, id);
ALTER TABLE home_assertion
    ADD FOREIGN KEY (landlord_id, home_id) REFERENCES home (landlord_id, id);
ALTER TABLE satisfaction_response
    ADD FOREIGN KEY (landlord_id, home_id) REFERENCES home (landlord_id, id);
ALTER TABLE home_record_key
    ADD FOREIGN KEY (landlord_id, home_id) REFERENCES home (landlord_id, id) ON DELETE CASCADE;
ALTER TABLE building_record_key ADD FOREIGN KEY (landlord_id, building_id)
    REFERENCES building (landlord_id, id) ON DELETE CASCADE;
-- A TSM return of an estate is the estate's landlord's (no return counts another
-- landlord's estate); a return for the whole landlord names no estate and is not checked.
ALTER TABLE tsm_return ADD FOREIGN KEY (landlord_id, estate_id)
    REFERENCES estate (landlord_id, id) ON DELETE CASCADE;
-- A planned item's landlord is its programme's: today a trigger copies it from the
-- programme (planned_work_landlord, dropped in step 6); here the foreign key checks it,
-- and the writer gives it (store/planned_works.py already does). The home, building or
-- component it replaces must be the same landlord's: today the write service checks
-- that, the database does not.
ALTER TABLE planned_work ADD FOREIGN KEY (landlord_id, programme_id)
    REFERENCES investment_programme (landlord_id, id);
ALTER TABLE planned_work ADD FOREIGN KEY (landlord_id, home_id) REFERENCES home (landlord_id, id);
ALTER TABLE planned_work
    ADD FOREIGN KEY (landlord_id, building_id) REFERENCES building (landlord_id, id);
ALTER TABLE planned_work
    ADD FOREIGN KEY (landlord_id, component_id) REFERENCES component (landlord_id, id);

-- Views that join the landlord's tables join them on the landlord too: Citus runs a
-- join of co-located tables on each shard only when it equates their distribution
-- columns (otherwise it needs a repartition join: off by default, and not tried here on
-- these views), and a window function across shards only when it partitions by the
-- distribution column. Each gives the same rows as before, since step 5's foreign keys
-- make a repair's home, a planned item's home, building and component, and a
-- component's repairs, the same landlord's. estate_home_member already joins each
-- estate to its landlord's homes on the landlord.
--
-- What a repair's facts are made from (migration 0013), which the writers read once the
-- repair_facts_* triggers are gone (step 6).
CREATE OR REPLACE VIEW repair_fact_source AS
SELECT r.id, r.home_id, r.landlord_id, r.contractor_id, r.priority_code, r.trade_code,
       r.reported_at,
       h.postcode, h.postcode_area, h.postcode_district, h.postcode_sector,
       to_char(r.reported_at AT TIME ZONE 'Europe/London', 'YYYY-MM') AS month,
       p.is_emergency,
       st.is_open,
       (NOT st.is_open AND r.completed_at IS NOT NULL) AS completed,
       (NOT st.is_open AND r.completed_at IS NULL) AS cancelled,
       (extract(epoch FROM r.completed_at - r.reported_at) / 3600.0)::float8 AS hours,
       we.working_day_number - ws.working_day_number AS working_days,
       r.target_at IS NOT NULL AND r.completed_at <= r.target_at AS within_target,
       r.target_at IS NOT NULL AS has_target,
       r.cost,
       r.trade_code IS NOT NULL AND count(*) FILTER (WHERE st.is_open OR r.completed_at IS NOT NULL)
           OVER (PARTITION BY r.landlord_id, r.home_id, r.trade_code ORDER BY r.reported_at
                 RANGE BETWEEN interval '720 hours' PRECEDING AND CURRENT ROW EXCLUDE GROUP)
           > 0 AS repeat_30,
       r.trade_code IS NOT NULL AND count(*) FILTER (WHERE st.is_open OR r.completed_at IS NOT NULL)
           OVER (PARTITION BY r.landlord_id, r.home_id, r.trade_code ORDER BY r.reported_at
                 RANGE BETWEEN interval '2160 hours' PRECEDING AND CURRENT ROW EXCLUDE GROUP)
           > 0 AS repeat_90,
       NOT EXISTS (SELECT 1 FROM repair q JOIN repair_status qs ON qs.code = q.status_code
                   WHERE q.landlord_id = r.landlord_id
                     AND q.home_id = r.home_id
                     AND q.trade_code = r.trade_code
                     AND q.id <> r.id AND (qs.is_open OR q.completed_at IS NOT NULL)
                     AND q.reported_at > r.completed_at
                     AND q.reported_at <= r.completed_at + interval '720 hours')
           AS fixed_first_time,
       ARRAY(SELECT DISTINCT s FROM repair_line l
             JOIN sor_code c ON c.code = l.sor_code, unnest(c.schedules) AS s
             WHERE l.landlord_id = r.landlord_id AND l.repair_id = r.id ORDER BY s) AS schedules,
       k.record_key
FROM repair r
JOIN home h ON h.landlord_id = r.landlord_id AND h.id = r.home_id
JOIN priority p ON p.code = r.priority_code
JOIN repair_status st ON st.code = r.status_code
LEFT JOIN home_record_key k ON k.landlord_id = r.landlord_id AND k.home_id = r.home_id
LEFT JOIN working_calendar ws ON ws.day = (r.reported_at AT TIME ZONE 'Europe/London')::date
LEFT JOIN working_calendar we ON we.day = (r.completed_at AT TIME ZONE 'Europe/London')::date;

-- The planned replacements a repair is due for (migration 0025).
CREATE OR REPLACE VIEW repair_planned_replacement AS
SELECT r.id AS repair_id, w.id AS planned_work_id, w.planned_date
FROM planned_work w
JOIN component c ON c.landlord_id = w.landlord_id
     AND c.component_type_code = w.component_type_code
     AND (c.id = w.component_id
          OR (w.component_id IS NULL AND (c.home_id = w.home_id OR c.building_id = w.building_id)))
JOIN repair r ON r.landlord_id = c.landlord_id AND r.component_id = c.id
WHERE w.status_code <> 'cancelled'
  AND (w.completed_on IS NULL
       OR w.completed_on > (r.reported_at AT TIME ZONE 'Europe/London')::date)
  AND w.planned_date
      <= (r.reported_at AT TIME ZONE 'Europe/London')::date + planned_replacement_window();

-- The items of each component (migration 0043).
CREATE OR REPLACE VIEW component_planned_item AS
SELECT c.id AS component_id, w.planned_date, w.completed_on, w.landlord_id
FROM planned_work w JOIN component c
     ON c.landlord_id = w.landlord_id AND c.id = w.component_id
     AND c.component_type_code = w.component_type_code
WHERE w.component_id IS NOT NULL AND w.status_code <> 'cancelled'
UNION ALL
SELECT c.id, w.planned_date, w.completed_on, w.landlord_id
FROM planned_work w JOIN component c
     ON c.landlord_id = w.landlord_id AND c.home_id = w.home_id
     AND c.component_type_code = w.component_type_code
WHERE w.component_id IS NULL AND w.status_code <> 'cancelled'
UNION ALL
SELECT c.id, w.planned_date, w.completed_on, w.landlord_id
FROM planned_work w JOIN component c
     ON c.landlord_id = w.landlord_id AND c.building_id = w.building_id
     AND c.component_type_code = w.component_type_code
WHERE w.component_id IS NULL AND w.status_code <> 'cancelled';

-- When each repair is first due for planned replacement (migration 0043).
CREATE OR REPLACE VIEW repair_planned_due_source AS
SELECT f.id, f.landlord_id, f.month, f.priority_code, f.cancelled, f.record_key,
       r.reported_on, min(i.planned_date) AS due_on
FROM repair_fact f
JOIN (SELECT r.landlord_id, r.id, r.component_id,
             (r.reported_at AT TIME ZONE 'Europe/London')::date AS reported_on
      FROM repair r) AS r ON r.landlord_id = f.landlord_id AND r.id = f.id
JOIN component_planned_item i
     ON i.landlord_id = r.landlord_id AND i.component_id = r.component_id
WHERE i.completed_on IS NULL OR i.completed_on > r.reported_on
GROUP BY f.id, f.landlord_id, f.month, f.priority_code, f.cancelled, f.record_key,
         r.reported_on;

-- ==== Part 2: Citus (needs CREATE EXTENSION citus; never run by the tests) ====

CREATE EXTENSION IF NOT EXISTS citus;

-- 6. Triggers do not run as they are on distributed and reference tables: their
-- statements would run on each shard, on the workers, where change_pending,
-- data_version and the coordinator's LISTEN connections are not. Each family and what
-- replaces it (docs/operations.md, "Citus"):
--   changes_*                 the change log's notes: from Citus change data capture
--                             (logical decoding of the shards) read by the publisher
--   data_version_bumped       the insight data version: bumped by the writers (the
--                             write service, imports, code-list sync) after commit
--   repair_facts_*            the repair facts: maintained by the write service and
--                             the importer in the same transaction
--   repair_summaries_*        the repair summaries (migrations 0035, 0038): worked out from
--                             the facts by the same writers, in the same transaction
--   repair_value_*            the histograms of hours and costs (migration 0044): likewise
--   repair_work_*             the work by SOR code (migration 0036): likewise
--   repair_planned_due_*      when repairs are due for planned replacement (migration
--                             0043): likewise, and by the writers of planned items and
--                             components for the repairs those concern
--   awaab_deadlines_*         the cases' Awaab's Law deadlines (migrations 0037, 0040): worked
--                             out by the writers of cases in the same transaction, and
--                             by the code-list sync after the calendar or a timescale
--   repair_*_notify           live updates: NOTIFY sent by the write service on the
--                             coordinator after commit; api_key_revoked_notify likewise
--   record_keys_*             record keys: written with the home or building
--   *_is_open, organisation_kind_is_a_role, organisation_districts_kept
--                             copies and checks: CHECK constraints, or the writer
--                             (an organisation's districts served, one a row, written
--                             with the organisation by the admin service, the
--                             importer and the demo, in the same transaction)
--   *_district                a repair's district: not written by any code yet (the
--                             triggers do it today); before Part 2 the write service
--                             and the importer must set it on each repair they write
--                             or move to another home, and set it on a home's repairs
--                             when the home's postcode changes, in the same
--                             transaction (a home and its repairs share a shard)
--   planned_work_landlord     the item's landlord copied from its programme: given by
--                             the writer, checked by the foreign key of step 5
--   refuse_truncate           the guard that keeps TRUNCATE from bypassing the change
--                             log: the API roles are granted no TRUNCATE (as today,
--                             checked by the test) and the code issues none, so only
--                             the owner can; what change data capture then reports (one
--                             per shard?) the publisher must refuse or publish as
--                             tombstones (not verified)

DROP TRIGGER api_key_revoked_notify ON api_key;
DROP TRIGGER data_version_bumped ON awaab_hazard_level;
DROP TRIGGER data_version_bumped ON bank_holiday;
DROP TRIGGER changes_dependants_delete ON building;
DROP TRIGGER changes_dependants_insert ON building;
DROP TRIGGER changes_dependants_update ON building;
DROP TRIGGER changes_self_delete ON building;
DROP TRIGGER changes_self_insert ON building;
DROP TRIGGER changes_self_update ON building;
DROP TRIGGER data_version_bumped ON building;
DROP TRIGGER record_keys_building_inserted ON building;
DROP TRIGGER refuse_truncate ON building;
DROP TRIGGER data_version_bumped ON building_record_key;
DROP TRIGGER data_version_bumped ON built_form;
DROP TRIGGER data_version_bumped ON certificate_type;
DROP TRIGGER changes_homes_delete ON component;
DROP TRIGGER changes_homes_insert ON component;
DROP TRIGGER changes_homes_update ON component;
DROP TRIGGER changes_self_delete ON component;
DROP TRIGGER changes_self_insert ON component;
DROP TRIGGER changes_self_update ON component;
DROP TRIGGER data_version_bumped ON component;
DROP TRIGGER refuse_truncate ON component;
DROP TRIGGER data_version_bumped ON component_failure_risk;
DROP TRIGGER data_version_bumped ON component_type;
DROP TRIGGER data_version_bumped ON condition;
DROP TRIGGER data_version_bumped ON custom_sor_code;
DROP TRIGGER changes_self_delete ON damp_mould_case;
DROP TRIGGER changes_self_insert ON damp_mould_case;
DROP TRIGGER changes_self_update ON damp_mould_case;
DROP TRIGGER data_version_bumped ON damp_mould_case;
DROP TRIGGER refuse_truncate ON damp_mould_case;
DROP TRIGGER data_version_bumped ON damp_mould_severity;
DROP TRIGGER changes_self_delete ON data_import;
DROP TRIGGER changes_self_insert ON data_import;
DROP TRIGGER changes_self_update ON data_import;
DROP TRIGGER data_version_bumped ON data_import;
DROP TRIGGER refuse_truncate ON data_import;
DROP TRIGGER changes_self_delete ON energy_performance_certificate;
DROP TRIGGER changes_self_insert ON energy_performance_certificate;
DROP TRIGGER changes_self_update ON energy_performance_certificate;
DROP TRIGGER data_version_bumped ON energy_performance_certificate;
DROP TRIGGER refuse_truncate ON energy_performance_certificate;
DROP TRIGGER data_version_bumped ON epc_band;
DROP TRIGGER changes_self_delete ON estate;
DROP TRIGGER changes_self_insert ON estate;
DROP TRIGGER changes_self_update ON estate;
DROP TRIGGER data_version_bumped ON estate;
DROP TRIGGER data_version_bumped ON hhsrs_category;
DROP TRIGGER data_version_bumped ON hhsrs_hazard;
DROP TRIGGER changes_components_delete ON home;
DROP TRIGGER changes_components_insert ON home;
DROP TRIGGER changes_components_update ON home;
DROP TRIGGER changes_self_delete ON home;
DROP TRIGGER changes_self_insert ON home;
DROP TRIGGER changes_self_update ON home;
DROP TRIGGER data_version_bumped ON home;
DROP TRIGGER home_district ON home;
DROP TRIGGER record_keys_home_inserted ON home;
DROP TRIGGER refuse_truncate ON home;
DROP TRIGGER repair_facts_home_updated ON home;
DROP TRIGGER changes_self_delete ON home_assertion;
DROP TRIGGER changes_self_insert ON home_assertion;
DROP TRIGGER changes_self_update ON home_assertion;
DROP TRIGGER data_version_bumped ON home_assertion;
DROP TRIGGER refuse_truncate ON home_assertion;
DROP TRIGGER data_version_bumped ON home_damp_risk;
DROP TRIGGER data_version_bumped ON home_record_key;
DROP TRIGGER repair_facts_record_key_updated ON home_record_key;
DROP TRIGGER changes_self_delete ON investment_programme;
DROP TRIGGER changes_self_insert ON investment_programme;
DROP TRIGGER changes_self_update ON investment_programme;
DROP TRIGGER data_version_bumped ON investment_programme;
DROP TRIGGER changes_self_delete ON organisation;
DROP TRIGGER changes_self_insert ON organisation;
DROP TRIGGER changes_self_update ON organisation;
DROP TRIGGER data_version_bumped ON organisation;
DROP TRIGGER organisation_kind_is_a_role ON organisation;
DROP TRIGGER organisation_districts_kept ON organisation;
DROP TRIGGER refuse_truncate ON organisation;
DROP TRIGGER data_version_bumped ON organisation_kind;
DROP TRIGGER data_version_bumped ON pending_repair_update;
DROP TRIGGER changes_self_delete ON planned_work;
DROP TRIGGER changes_self_insert ON planned_work;
DROP TRIGGER changes_self_update ON planned_work;
DROP TRIGGER data_version_bumped ON planned_work;
DROP TRIGGER planned_work_landlord ON planned_work;
DROP TRIGGER data_version_bumped ON planned_work_status;
DROP TRIGGER data_version_bumped ON prediction_model;
DROP TRIGGER prediction_model_scores_deleted ON prediction_model;
DROP TRIGGER data_version_bumped ON priority;
DROP TRIGGER repair_facts_priority_updated ON priority;
DROP TRIGGER data_version_bumped ON programme_kind;
DROP TRIGGER data_version_bumped ON property_type;
DROP TRIGGER changes_self_delete ON reference;
DROP TRIGGER changes_self_insert ON reference;
DROP TRIGGER changes_self_update ON reference;
DROP TRIGGER data_version_bumped ON reference;
DROP TRIGGER refuse_truncate ON reference;
DROP TRIGGER changes_self_delete ON repair;
DROP TRIGGER changes_self_insert ON repair;
DROP TRIGGER changes_self_update ON repair;
DROP TRIGGER data_version_bumped ON repair;
DROP TRIGGER refuse_truncate ON repair;
DROP TRIGGER repair_facts_deleted ON repair;
DROP TRIGGER repair_facts_inserted ON repair;
DROP TRIGGER repair_facts_updated ON repair;
DROP TRIGGER repair_inserted_notify ON repair;
DROP TRIGGER repair_district ON repair;
DROP TRIGGER repair_is_open ON repair;
DROP TRIGGER repair_updated_notify ON repair;
DROP TRIGGER changes_self_delete ON repair_line;
DROP TRIGGER changes_self_insert ON repair_line;
DROP TRIGGER changes_self_update ON repair_line;
DROP TRIGGER data_version_bumped ON repair_line;
DROP TRIGGER refuse_truncate ON repair_line;
DROP TRIGGER repair_facts_line_deleted ON repair_line;
DROP TRIGGER repair_facts_line_inserted ON repair_line;
DROP TRIGGER repair_facts_line_updated ON repair_line;
DROP TRIGGER data_version_bumped ON repair_status;
DROP TRIGGER repair_facts_status_updated ON repair_status;
DROP TRIGGER repair_status_is_open ON repair_status;
DROP TRIGGER changes_self_delete ON repair_status_event;
DROP TRIGGER changes_self_insert ON repair_status_event;
DROP TRIGGER changes_self_update ON repair_status_event;
DROP TRIGGER data_version_bumped ON repair_status_event;
DROP TRIGGER refuse_truncate ON repair_status_event;
DROP TRIGGER data_version_bumped ON satisfaction_response;
DROP TRIGGER data_version_bumped ON sor_code;
DROP TRIGGER repair_facts_sor_code_updated ON sor_code;
DROP TRIGGER data_version_bumped ON tenure;
DROP TRIGGER data_version_bumped ON trade;
DROP TRIGGER data_version_bumped ON tsm_answer;
DROP TRIGGER data_version_bumped ON tsm_measure;
DROP TRIGGER data_version_bumped ON tsm_return;
DROP TRIGGER data_version_bumped ON working_calendar;
DROP TRIGGER repair_facts_calendar_changed ON working_calendar;
DROP TRIGGER repair_summaries_deleted ON repair_fact;
DROP TRIGGER repair_summaries_inserted ON repair_fact;
DROP TRIGGER repair_summaries_updated ON repair_fact;
DROP TRIGGER repair_value_deleted ON repair_fact;
DROP TRIGGER repair_value_inserted ON repair_fact;
DROP TRIGGER repair_value_updated ON repair_fact;
DROP TRIGGER repair_work_deleted ON repair_fact;
DROP TRIGGER repair_work_inserted ON repair_fact;
DROP TRIGGER repair_work_updated ON repair_fact;
DROP TRIGGER repair_planned_due_deleted ON repair_fact;
DROP TRIGGER repair_planned_due_inserted ON repair_fact;
DROP TRIGGER repair_planned_due_updated ON repair_fact;
DROP TRIGGER repair_planned_due_items_deleted ON planned_work;
DROP TRIGGER repair_planned_due_items_inserted ON planned_work;
DROP TRIGGER repair_planned_due_items_updated ON planned_work;
DROP TRIGGER repair_planned_due_component_updated ON component;
DROP TRIGGER awaab_deadlines_deleted ON damp_mould_case;
DROP TRIGGER awaab_deadlines_inserted ON damp_mould_case;
DROP TRIGGER awaab_deadlines_updated ON damp_mould_case;
DROP TRIGGER awaab_deadlines_calendar_changed ON working_calendar;
DROP TRIGGER awaab_deadlines_level_deleted ON awaab_hazard_level;
DROP TRIGGER awaab_deadlines_level_inserted ON awaab_hazard_level;
DROP TRIGGER awaab_deadlines_level_updated ON awaab_hazard_level;

-- 7. Reference tables: organisations, imports, models, API keys and the code lists.
SELECT create_reference_table('organisation_kind');
SELECT create_reference_table('property_type');
SELECT create_reference_table('built_form');
SELECT create_reference_table('priority');
SELECT create_reference_table('repair_status');
SELECT create_reference_table('trade');
SELECT create_reference_table('component_type');
SELECT create_reference_table('condition');
SELECT create_reference_table('sor_code');
SELECT create_reference_table('bank_holiday');
SELECT create_reference_table('working_calendar');
SELECT create_reference_table('hhsrs_hazard');
SELECT create_reference_table('hhsrs_category');
SELECT create_reference_table('awaab_hazard_level');
SELECT create_reference_table('damp_mould_severity');
SELECT create_reference_table('epc_band');
SELECT create_reference_table('certificate_type');
SELECT create_reference_table('tsm_measure');
SELECT create_reference_table('tsm_answer');
SELECT create_reference_table('programme_kind');
SELECT create_reference_table('planned_work_status');
SELECT create_reference_table('tenure');
SELECT create_reference_table('data_import');
SELECT create_reference_table('organisation');
SELECT create_reference_table('organisation_district');
SELECT create_reference_table('custom_sor_code');
SELECT create_reference_table('prediction_model');
SELECT create_reference_table('api_key');

-- 8. The landlord's tables, co-located with home (parents before children).
SELECT create_distributed_table('building', 'landlord_id', shard_count => 64);
SELECT create_distributed_table('home', 'landlord_id', colocate_with => 'building');
SELECT create_distributed_table('building_record_key', 'landlord_id', colocate_with => 'building');
SELECT create_distributed_table('home_record_key', 'landlord_id', colocate_with => 'building');
SELECT create_distributed_table('component', 'landlord_id', colocate_with => 'building');
SELECT create_distributed_table('repair', 'landlord_id', colocate_with => 'building');
SELECT create_distributed_table('repair_line', 'landlord_id', colocate_with => 'building');
SELECT create_distributed_table('repair_status_event', 'landlord_id', colocate_with => 'building');
SELECT create_distributed_table('repair_fact', 'landlord_id', colocate_with => 'building');
SELECT create_distributed_table('repair_summary', 'landlord_id', colocate_with => 'building');
SELECT create_distributed_table('repair_summary_days', 'landlord_id', colocate_with => 'building');
SELECT create_distributed_table('repair_summary_home_month', 'landlord_id', colocate_with => 'building');
SELECT create_distributed_table('repair_summary_home', 'landlord_id', colocate_with => 'building');
SELECT create_distributed_table('repair_summary_month', 'landlord_id', colocate_with => 'building');
SELECT create_distributed_table('repair_summary_landlord', 'landlord_id', colocate_with => 'building');
SELECT create_distributed_table('repair_summary_home_priority', 'landlord_id', colocate_with => 'building');
SELECT create_distributed_table('repair_summary_priority', 'landlord_id', colocate_with => 'building');
SELECT create_distributed_table('repair_summary_home_year', 'landlord_id', colocate_with => 'building');
SELECT create_distributed_table('repair_summary_year', 'landlord_id', colocate_with => 'building');
SELECT create_distributed_table('repair_summary_home_priority_year', 'landlord_id', colocate_with => 'building');
SELECT create_distributed_table('repair_summary_priority_year', 'landlord_id', colocate_with => 'building');
SELECT create_distributed_table('repair_summary_delta', 'landlord_id', colocate_with => 'building');
SELECT create_distributed_table('repair_summary_hours', 'landlord_id', colocate_with => 'building');
SELECT create_distributed_table('repair_summary_cost', 'landlord_id', colocate_with => 'building');
SELECT create_distributed_table('repair_value_delta', 'landlord_id', colocate_with => 'building');
SELECT create_distributed_table('repair_work', 'landlord_id', colocate_with => 'building');
SELECT create_distributed_table('repair_planned_due', 'landlord_id', colocate_with => 'building');
SELECT create_distributed_table('damp_mould_case', 'landlord_id', colocate_with => 'building');
SELECT create_distributed_table('awaab_deadline', 'landlord_id', colocate_with => 'building');
SELECT create_distributed_table('energy_performance_certificate', 'landlord_id', colocate_with => 'building');
SELECT create_distributed_table('home_assertion', 'landlord_id', colocate_with => 'building');
SELECT create_distributed_table('satisfaction_response', 'landlord_id', colocate_with => 'building');
-- The score tables are partitioned by model (migration 0032); their partitions are
-- distributed with them. A scoring builds its new partition as a table of its own with
-- the table's indexes as they are (the landlord in the key included) and attaches it.
-- Not tried on Citus: there that table would be filled on the coordinator; distribute it
-- (colocated with building) before filling it, in store/scoring.py, and test the swap
-- on a cluster before relying on it.
SELECT create_distributed_table('home_damp_risk', 'landlord_id', colocate_with => 'building');
SELECT create_distributed_table('component_failure_risk', 'landlord_id', colocate_with => 'building');
SELECT create_distributed_table('estate', 'landlord_id', colocate_with => 'building');
SELECT create_distributed_table('tsm_return', 'landlord_id', colocate_with => 'building');
SELECT create_distributed_table('investment_programme', 'landlord_id', colocate_with => 'building');
SELECT create_distributed_table('planned_work', 'landlord_id', colocate_with => 'building');

-- 9. Tables distributed by a column of their own: HACT references by who allocated them,
-- updates waiting for their repair by the organisation that sent them, the audit trail
-- and idempotency keys by their own keys, the national UPRN index by the UPRN.
SELECT create_distributed_table('reference', 'allocated_by_id', colocate_with => 'none');
SELECT create_distributed_table('pending_repair_update', 'organisation_id', colocate_with => 'none');
SELECT create_distributed_table('audit_event', 'id', colocate_with => 'none');
SELECT create_distributed_table('idempotency_key', 'api_key_id', colocate_with => 'none');
SELECT create_distributed_table('home_uprn', 'uprn', colocate_with => 'none');

-- 10. Tables the coordinator alone keeps: the migrations' record, the change log and its
-- queue, the data version, the repair facts' and summaries' queues (unused once their
-- triggers are gone) and the rate limits' shared counts.
SELECT citus_add_local_table_to_metadata('schema_migrations');
SELECT citus_add_local_table_to_metadata('change_log');
SELECT citus_add_local_table_to_metadata('change_pending');
SELECT citus_add_local_table_to_metadata('data_version');
SELECT citus_add_local_table_to_metadata('repair_fact_pending');
SELECT citus_add_local_table_to_metadata('repair_summary_pending');
SELECT citus_add_local_table_to_metadata('repair_value_pending');
SELECT citus_add_local_table_to_metadata('rate_usage');
