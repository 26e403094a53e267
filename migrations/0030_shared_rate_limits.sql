-- Requests each server process let through, per caller, so that rate limits hold across
-- processes behind one load balancer (web/shared_limits.py).
--
-- Each process appends what its callers spent since its last look (every
-- ODX_RATE_LIMIT_SHARE_MS) and reads what the other processes appended since its last
-- look, which it takes from the same callers' buckets. A caller is named by a hash of
-- its key's fingerprint or its address, never by the key or the address itself. Rows are
-- kept for two minutes. Unlogged: after a crash the counts start again, as the
-- processes' own buckets do; nothing here is data of the graph (no data version, no
-- change log) and no reader or writer role may see it.

CREATE UNLOGGED TABLE rate_usage (
    id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    server  uuid NOT NULL,
    bucket  text NOT NULL,
    spent   integer NOT NULL CHECK (spent > 0),
    at      timestamptz NOT NULL DEFAULT now()
);

REVOKE ALL ON rate_usage FROM PUBLIC, odx_reader, odx_writer;
