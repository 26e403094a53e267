"""Repositories: all SQL, and the only layer (with odx_graph.db) that imports asyncpg."""
