-- The hours and costs of completed repairs, by landlord and month, in two covering
-- indexes of the repair facts.
--
-- A landlord's repair performance (a scorecard, a reporting year's return) reads its
-- counts, homes, shares and working days from the repair summaries (migrations 0035 and
-- 0038). Its hours and costs (median and 90th percentile hours; mean, median and total
-- cost) are not summarised: a percentile of hours, to the second, is exact only over the
-- hours themselves, and costs to the penny. They were worked out by reading every fact of
-- the landlord's repairs from the table (with the rest of every measure: 16 to 21 s for
-- the largest landlord of the million-home demo, 5.1 million completed repairs). Read here, one
-- range of an index for each landlord, from the index alone (the columns a statement
-- uses are all in it, `completed` among them as the measures' filters name it), they
-- cost as many index entries as there are completed repairs in scope.
--
-- Derived from the facts by PostgreSQL itself: nothing to keep up to date.

CREATE INDEX repair_fact_hours_idx ON repair_fact (landlord_id, month)
    INCLUDE (priority_code, hours, record_key, completed)
    WHERE completed AND hours IS NOT NULL;

CREATE INDEX repair_fact_cost_idx ON repair_fact (landlord_id, month)
    INCLUDE (priority_code, cost, record_key, completed)
    WHERE completed AND cost IS NOT NULL;

