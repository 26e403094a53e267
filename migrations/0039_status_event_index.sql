-- A repair's status events are read only by their repair: its history in order, the
-- events an import already holds, the latest that settles its status, a merge's
-- duplicates. repair_status_event_repair_idx (repair_id, occurred_at) finds them all; the
-- second index of migration 0010 (repair_id, status_code, occurred_at) served no statement
-- the first does not, and every event written paid for it (48 million at a million homes).

DROP INDEX repair_status_event_lookup_idx;
