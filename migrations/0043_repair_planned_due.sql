-- When each repair's component is first due for planned replacement, kept as the facts,
-- the planned items and the components change, so that "% of repairs on components due
-- for planned replacement" (TSM-style board reporting, beside a landlord's other repair
-- measures) reads one index range of a landlord's repairs with a planned item instead of
-- working out the view repair_planned_replacement (migration 0025) over every planned
-- item, component and repair (4 s at a million homes, whatever the scope).
--
-- A repair is due for planned replacement when an item for its component (the
-- component itself, or its type in the same home or building naming no component) is
-- not cancelled, not done by the day the repair was reported (London time), and planned
-- on or before that day plus the server's window (odx.planned_replacement_months, a
-- setting of each connection, so not known here). Of the items that are live on the
-- report day, the earliest planned decides: the repair is due exactly when that date is
-- on or before the report day plus the window. repair_planned_due keeps, for each
-- repair with a live item, that earliest date (due_on) and its report day (reported_on),
-- beside the facts that scope and weigh a measure (landlord, month, priority, cancelled,
-- record key, named as the facts name them); the window is applied when read.
--
-- Kept like repair_work (migration 0036): statement triggers on repair_fact delete the
-- rows of the facts removed and insert those of the facts added. A repair's facts are
-- rewritten, home by home at commit, whenever the repair changes (migration 0008); a
-- planned item or a component changing notes the homes of the repairs it may concern,
-- so that their facts, and with them these rows, are rewritten at commit. A planned
-- item's write first locks the components, homes and buildings it concerns, so that a
-- repair, a component or an item written at the same time for the same things waits for
-- it (or it for them), and the homes it notes are found once those have committed: no
-- change of one transaction is missed by the other's rewrite. It moves no data version
-- (migration 0014): it is derived.

CREATE TABLE repair_planned_due (
    id            bigint PRIMARY KEY,
    landlord_id   bigint,
    month         text,
    priority_code text,
    cancelled     boolean,
    record_key    integer,
    reported_on   date NOT NULL,
    due_on        date NOT NULL
);
-- A landlord's months in one range, holding all a measure reads from them.
CREATE INDEX repair_planned_due_landlord_idx ON repair_planned_due (landlord_id, month)
    INCLUDE (priority_code, cancelled, record_key, reported_on, due_on);

-- The items of each component, as repair_planned_replacement matches them: the
-- component's own, and those of its type for its home or its building naming none.
-- Cancelled items are never due. (With the item's landlord, which a distributed
-- database equates with the component's and the repair's: docs/citus.sql.)
CREATE VIEW component_planned_item AS
SELECT c.id AS component_id, w.planned_date, w.completed_on, w.landlord_id
FROM planned_work w JOIN component c
     ON c.id = w.component_id AND c.component_type_code = w.component_type_code
WHERE w.component_id IS NOT NULL AND w.status_code <> 'cancelled'
UNION ALL
SELECT c.id, w.planned_date, w.completed_on, w.landlord_id
FROM planned_work w JOIN component c
     ON c.home_id = w.home_id AND c.component_type_code = w.component_type_code
WHERE w.component_id IS NULL AND w.status_code <> 'cancelled'
UNION ALL
SELECT c.id, w.planned_date, w.completed_on, w.landlord_id
FROM planned_work w JOIN component c
     ON c.building_id = w.building_id AND c.component_type_code = w.component_type_code
WHERE w.component_id IS NULL AND w.status_code <> 'cancelled';

-- What repair_planned_due holds, worked out from the facts, the repairs and the items
-- (grouped by every column, so that a condition on the key reaches the facts' index).
CREATE VIEW repair_planned_due_source AS
SELECT f.id, f.landlord_id, f.month, f.priority_code, f.cancelled, f.record_key,
       r.reported_on, min(i.planned_date) AS due_on
FROM repair_fact f
JOIN (SELECT r.id, r.component_id,
             (r.reported_at AT TIME ZONE 'Europe/London')::date AS reported_on
      FROM repair r) AS r ON r.id = f.id
JOIN component_planned_item i ON i.component_id = r.component_id
WHERE i.completed_on IS NULL OR i.completed_on > r.reported_on
GROUP BY f.id, f.landlord_id, f.month, f.priority_code, f.cancelled, f.record_key,
         r.reported_on;

-- Every row worked out again.
CREATE FUNCTION rebuild_repair_planned_due() RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
    DELETE FROM repair_planned_due;
    INSERT INTO repair_planned_due SELECT * FROM repair_planned_due_source;
END $$;

-- A statement's facts removed take their rows with them; its facts added bring theirs.
CREATE FUNCTION repair_planned_due_after_fact_change() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        DELETE FROM repair_planned_due d WHERE d.id = ANY (ARRAY(SELECT o.id FROM old_rows o));
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO repair_planned_due
        SELECT * FROM repair_planned_due_source s
        WHERE s.id = ANY (ARRAY(SELECT n.id FROM new_rows n));
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER repair_planned_due_inserted AFTER INSERT ON repair_fact
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION repair_planned_due_after_fact_change();
CREATE TRIGGER repair_planned_due_updated AFTER UPDATE ON repair_fact
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION repair_planned_due_after_fact_change();
CREATE TRIGGER repair_planned_due_deleted AFTER DELETE ON repair_fact
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION repair_planned_due_after_fact_change();

-- The homes of the repairs on the components the given planned items (their components,
-- homes, buildings and component types, side by side) are or were for, noted for their
-- facts (and so these rows) to be rewritten at commit.
CREATE FUNCTION repair_planned_due_note_items(
    components bigint[], homes bigint[], buildings bigint[], types text[]
) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    touched_homes bigint[];
BEGIN
    -- The components the items may concern (any of their homes' and buildings'), then
    -- the homes and buildings themselves, each in key order: a repair added on one of
    -- them, or moved to one, locks its component (and then its home) for its foreign
    -- keys in that order, as a component added or moved into a home or building locks
    -- it; whichever comes second waits for the first to commit.
    PERFORM 1 FROM component c
    WHERE c.id = ANY (components) OR c.home_id = ANY (homes) OR c.building_id = ANY (buildings)
    ORDER BY c.id FOR UPDATE;
    PERFORM 1 FROM home h WHERE h.id = ANY (homes) ORDER BY h.id FOR UPDATE;
    PERFORM 1 FROM building b WHERE b.id = ANY (buildings) ORDER BY b.id FOR UPDATE;
    -- Found now, in a snapshot taken once the locks are held.
    WITH item AS (
        SELECT * FROM unnest(components, homes, buildings, types)
            AS t(component_id, home_id, building_id, component_type_code)
    ), concerned AS (
        SELECT i.component_id AS id FROM item i WHERE i.component_id IS NOT NULL
        UNION
        SELECT c.id FROM item i JOIN component c
            ON c.home_id = i.home_id AND c.component_type_code = i.component_type_code
        WHERE i.component_id IS NULL
        UNION
        SELECT c.id FROM item i JOIN component c
            ON c.building_id = i.building_id AND c.component_type_code = i.component_type_code
        WHERE i.component_id IS NULL
    )
    SELECT array_agg(DISTINCT r.home_id) INTO touched_homes
    FROM repair r WHERE r.component_id IN (SELECT id FROM concerned);
    PERFORM repair_facts_note_homes(touched_homes);
END $$;

-- A statement's planned items added, changed or removed, as they are and were; an
-- item changed only in what does not decide when a repair is due (its costs, its
-- programme, the repairs it replaces) concerns none.
CREATE FUNCTION repair_planned_due_after_item_change() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    components bigint[];
    homes bigint[];
    buildings bigint[];
    types text[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(component_id), array_agg(home_id), array_agg(building_id),
               array_agg(component_type_code)
        INTO components, homes, buildings, types FROM new_rows;
    ELSIF TG_OP = 'UPDATE' THEN
        SELECT array_agg(component_id), array_agg(home_id), array_agg(building_id),
               array_agg(component_type_code)
        INTO components, homes, buildings, types
        FROM (SELECT n.component_id, n.home_id, n.building_id, n.component_type_code
              FROM new_rows n JOIN old_rows o ON o.id = n.id
              WHERE (n.component_id, n.home_id, n.building_id, n.component_type_code,
                     n.status_code, n.planned_date, n.completed_on)
                    IS DISTINCT FROM
                    (o.component_id, o.home_id, o.building_id, o.component_type_code,
                     o.status_code, o.planned_date, o.completed_on)
              UNION
              SELECT o.component_id, o.home_id, o.building_id, o.component_type_code
              FROM new_rows n JOIN old_rows o ON o.id = n.id
              WHERE (n.component_id, n.home_id, n.building_id, n.component_type_code,
                     n.status_code, n.planned_date, n.completed_on)
                    IS DISTINCT FROM
                    (o.component_id, o.home_id, o.building_id, o.component_type_code,
                     o.status_code, o.planned_date, o.completed_on))
             AS touched;
    ELSE
        SELECT array_agg(component_id), array_agg(home_id), array_agg(building_id),
               array_agg(component_type_code)
        INTO components, homes, buildings, types FROM old_rows;
    END IF;
    IF types IS NOT NULL THEN
        PERFORM repair_planned_due_note_items(components, homes, buildings, types);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER repair_planned_due_items_inserted AFTER INSERT ON planned_work
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION repair_planned_due_after_item_change();
CREATE TRIGGER repair_planned_due_items_updated AFTER UPDATE ON planned_work
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION repair_planned_due_after_item_change();
CREATE TRIGGER repair_planned_due_items_deleted AFTER DELETE ON planned_work
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION repair_planned_due_after_item_change();

-- A component whose type, home or building changes may be due for other items: the
-- homes of its repairs are noted. (A component is added before any repair on it, and
-- one with repairs cannot be removed.)
CREATE FUNCTION repair_planned_due_after_component_change() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    homes bigint[];
BEGIN
    SELECT array_agg(DISTINCT r.home_id) INTO homes
    FROM repair r
    WHERE r.component_id IN (
        SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
        WHERE (n.component_type_code, n.home_id, n.building_id)
              IS DISTINCT FROM (o.component_type_code, o.home_id, o.building_id));
    PERFORM repair_facts_note_homes(homes);
    RETURN NULL;
END $$;

CREATE TRIGGER repair_planned_due_component_updated AFTER UPDATE ON component
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION repair_planned_due_after_component_change();

ALTER FUNCTION rebuild_repair_planned_due() SET jit = off;
ALTER FUNCTION repair_planned_due_after_fact_change() SET jit = off;
ALTER FUNCTION repair_planned_due_note_items(bigint[], bigint[], bigint[], text[]) SET jit = off;
ALTER FUNCTION repair_planned_due_after_item_change() SET jit = off;
ALTER FUNCTION repair_planned_due_after_component_change() SET jit = off;
REVOKE EXECUTE ON FUNCTION rebuild_repair_planned_due() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION repair_planned_due_note_items(bigint[], bigint[], bigint[], text[])
    FROM PUBLIC;

-- The rows carry record keys: only the server's own user reads them, as it reads the
-- facts' keys (the open data's reader role may not).
SELECT rebuild_repair_planned_due();
