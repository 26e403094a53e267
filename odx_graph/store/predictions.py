"""Models and their scores: kept with the model's version, read for the API and roll-ups.

Scores are private to the home's landlord and resident: the open data's reader cannot
read these tables (migration 0018), and the services check the caller before they ask.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from odx_graph.store.bulk import copy_rows
from odx_graph.store.db import Database, Record

HOME_SCORE_COLUMNS = (
    "model_id",
    "home_id",
    "landlord_id",
    "as_of",
    "probability",
    "points",
    "bins",
)
COMPONENT_SCORE_COLUMNS = (
    "model_id",
    "component_id",
    "home_id",
    "building_id",
    "landlord_id",
    "as_of",
    "probability",
    "points",
    "bins",
    "expected_emergency",
    "expected_cost",
)
_SCORE_TABLES = {"damp-mould": "home_damp_risk", "component-failure": "component_failure_risk"}


def _model(row: Record | None) -> dict[str, Any] | None:
    """A model's row with its scorecard and metrics decoded."""
    if row is None:
        return None
    model = dict(row)
    for key in ("scorecard", "metrics"):
        if isinstance(model[key], str):
            model[key] = json.loads(model[key])
    return model


@dataclass(frozen=True, slots=True)
class NewModel:
    """A trained model about to be recorded."""

    kind: str
    features_as_of: dt.date
    outcomes_from: dt.date
    outcomes_until: dt.date
    examples: int
    positives: int
    scorecard: dict[str, Any]
    metrics: dict[str, Any]
    software: str


async def insert_model(db: Database, model: NewModel) -> dict[str, Any]:
    """Record `model` as the next version of its kind; returns its row."""
    async with db.connection() as conn, conn.transaction():
        # one trainer of a kind at a time, so versions never collide
        await conn.execute("SELECT pg_advisory_xact_lock(hashtext('prediction_model'), 0)")
        row = await conn.fetchrow(
            """
            INSERT INTO prediction_model (kind, version, features_as_of, outcomes_from,
                outcomes_until, examples, positives, scorecard, metrics, software)
            SELECT $1, coalesce(max(version), 0) + 1, $2, $3, $4, $5, $6, $7::jsonb,
                   $8::jsonb, $9
            FROM prediction_model WHERE kind = $1
            RETURNING *
            """,
            model.kind,
            model.features_as_of,
            model.outcomes_from,
            model.outcomes_until,
            model.examples,
            model.positives,
            json.dumps(model.scorecard),
            json.dumps(model.metrics),
            model.software,
        )
        created = _model(row)
        assert created is not None  # INSERT ... RETURNING gives the row
        return created


async def latest_model(db: Database, kind: str) -> dict[str, Any] | None:
    """The newest model of `kind`, if any."""
    return _model(
        await db.fetchrow(
            "SELECT * FROM prediction_model WHERE kind = $1 ORDER BY version DESC LIMIT 1", kind
        )
    )


async def models(db: Database) -> list[dict[str, Any]]:
    """Every model, by kind and version."""
    rows = await db.fetch("SELECT * FROM prediction_model ORDER BY kind, version")
    return [m for m in map(_model, rows) if m is not None]


async def replace_scores(
    db: Database, kind: str, model_id: int, rows: Iterable[tuple[Any, ...]]
) -> int:
    """Replace the scores of model `model_id` with `rows` (in one transaction); returns
    how many were written."""
    table = _SCORE_TABLES[kind]
    columns = HOME_SCORE_COLUMNS if kind == "damp-mould" else COMPONENT_SCORE_COLUMNS
    async with db.connection() as conn, conn.transaction():
        await conn.execute(f"DELETE FROM {table} WHERE model_id = $1", model_id)
        return await copy_rows(conn, table, columns, rows)


async def latest_scores(db: Database, kind: str, ids: Sequence[int]) -> list[Record]:
    """The scores of the newest model of `kind` that scored anything, for these home ids
    (damp and mould) or component ids (failure)."""
    table = _SCORE_TABLES[kind]
    key = "home_id" if kind == "damp-mould" else "component_id"
    return await db.fetch(
        f"""
        SELECT s.*
        FROM {table} s JOIN prediction_model m ON m.id = s.model_id
        WHERE s.{key} = ANY($1::bigint[])
          AND s.model_id = (SELECT max(model_id) FROM {table})
        ORDER BY s.{key}
        """,
        list(ids),
    )


async def scored_model(db: Database, kind: str) -> dict[str, Any] | None:
    """The newest model of `kind` that has scores."""
    table = _SCORE_TABLES[kind]
    return _model(
        await db.fetchrow(
            f"SELECT m.* FROM prediction_model m WHERE m.id = (SELECT max(model_id) FROM {table})"
        )
    )
