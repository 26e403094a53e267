-- A repair's status events are read by their repair: its history in order, the events
-- an import already holds, the latest that settles its status, a merge's duplicates.
-- repair_status_event_repair_idx (repair_id, occurred_at) finds them all. The second
-- index of migration 0010 (repair_id, status_code, occurred_at) only let the import's
-- look-up of held events read the index alone instead of the table rows too; every
-- event written paid for it (48 million at a million homes). Importing 100,000 unchanged
-- repairs again took 18.00 s with it dropped and 18.05 s with it (bench/RESULTS.md).

DROP INDEX repair_status_event_lookup_idx;
