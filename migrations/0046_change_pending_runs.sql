-- A note of the change log may name a run of things: every key from key to last_key of
-- one segment. A bulk load notes each table it wrote as one run (min to max id) instead
-- of a row per thing: at a million homes the load wrote about 104 million rows of
-- notes, which took three and a half minutes, and the publisher still publishes every
-- thing of the run, a batch at a time, in the order the notes were made (a run larger
-- than a batch is taken from its first keys, and what is left of it keeps its place).
-- A key of a run with no row is nothing to publish, as a note of a thing since removed
-- is when it was never published. Single notes, which the writers' triggers make, leave
-- last_key empty.

ALTER TABLE change_pending
    ADD COLUMN last_key bigint,
    ADD CONSTRAINT change_pending_run CHECK (last_key >= key);
