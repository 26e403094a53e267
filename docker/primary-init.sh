#!/bin/bash
# Runs once, when the official postgres image creates the primary's database
# (/docker-entrypoint-initdb.d): a role the streaming replica connects as, and the
# pg_hba.conf line that lets it stream. wal_level=replica is PostgreSQL's default.
set -euo pipefail

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    -v password="$REPLICATION_PASSWORD" <<'SQL'
CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD :'password';
SQL

echo "host replication replicator all scram-sha-256" >> "$PGDATA/pg_hba.conf"
