"""The store: the pool, the migration runner, the embedded server, backups, the LISTEN
connection and all SQL. The only layer that imports asyncpg; database errors become the
domain errors of ``odx_graph.core.errors`` here."""
