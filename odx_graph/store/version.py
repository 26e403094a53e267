"""The data version (migration 0014): what cached answers are filed under."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from odx_graph.store.db import Database


@dataclass(frozen=True, slots=True)
class DataState:
    """The data version and the database's clock, read together."""

    database: int  # the database's oid: a new database under an old name differs
    version: int
    now: dt.datetime
    today: dt.date


async def data_state(db: Database) -> DataState:
    """The sum of the change counters (it grows with every committed change to the data,
    code lists included) and the database's time and date."""
    row = await db.fetchrow(
        "SELECT (SELECT oid FROM pg_database WHERE datname = current_database())::bigint "
        "AS database, coalesce(sum(changes), 0)::bigint AS version, now() AS now, "
        "current_date AS today FROM data_version"
    )
    assert row is not None  # an aggregate always gives a row
    return DataState(int(row["database"]), int(row["version"]), row["now"], row["today"])
