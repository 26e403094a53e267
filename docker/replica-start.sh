#!/bin/bash
# The streaming replica: on first start, a base backup of the primary (pg_basebackup -R
# writes standby.signal and primary_conninfo), then PostgreSQL as a hot standby. Later
# starts reuse the data directory and catch up from the primary's WAL.
set -euo pipefail

if [ ! -s "$PGDATA/PG_VERSION" ]; then
    until pg_basebackup --host=db --port=5432 --username=replicator \
        --pgdata="$PGDATA" --write-recovery-conf --wal-method=stream --checkpoint=fast; do
        echo "waiting for the primary to accept the replication connection"
        rm -rf "${PGDATA:?}"/*
        sleep 2
    done
    chmod 0700 "$PGDATA"
fi

exec postgres -c hot_standby=on
