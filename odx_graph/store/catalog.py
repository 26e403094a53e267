"""Questions about the database itself rather than its data."""

from __future__ import annotations

from odx_graph.store.db import Database

# Tables, views, sequences... in the application's schemas, not those of extensions.
USER_RELATIONS = """
SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
  AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                  AND d.objid = c.oid AND d.deptype = 'e')
"""


async def user_relation_count(db: Database) -> int:
    """Tables, views and sequences in the application's schemas (0 for an empty database)."""
    return int(await db.fetchval(USER_RELATIONS))


async def server_major_version(db: Database) -> int:
    """The PostgreSQL major version, e.g. 15."""
    return int(await db.fetchval("SHOW server_version_num")) // 10_000
