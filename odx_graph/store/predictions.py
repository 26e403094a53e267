"""Models and their scores: kept with the model's version, read for the API and roll-ups.

Scores are private to the home's landlord and resident: the open data's reader cannot
read these tables (migration 0018), and the services check the caller before they ask.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from odx_graph.store.db import Database
from odx_graph.store.db import Record
from odx_graph.store.features import component_lifetime

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


async def latest_scores(db: Database, kind: str, ids: Sequence[int]) -> list[Record]:
    """The scores of the newest model of `kind` that scored anything, for these home ids
    (damp and mould) or component ids (failure), with the landlord of the home (or the
    block) as it is now, which is whose they are."""
    if kind == "damp-mould":
        sql = """
        SELECT s.*, h.landlord_id AS current_landlord_id
        FROM home_damp_risk s JOIN home h ON h.id = s.home_id
        WHERE s.home_id = ANY($1::bigint[])
          AND s.model_id = (SELECT max(model_id) FROM home_damp_risk)
        ORDER BY s.home_id
        """
    else:
        sql = """
        SELECT s.*, coalesce(h.landlord_id, b.landlord_id) AS current_landlord_id,
               c.home_id AS current_home_id
        FROM component_failure_risk s
        JOIN component c ON c.id = s.component_id
        LEFT JOIN home h ON h.id = c.home_id
        LEFT JOIN building b ON b.id = c.building_id
        WHERE s.component_id = ANY($1::bigint[])
          AND s.model_id = (SELECT max(model_id) FROM component_failure_risk)
        ORDER BY s.component_id
        """
    return await db.fetch(sql, list(ids))


async def scored_model(db: Database, kind: str) -> dict[str, Any] | None:
    """The newest model of `kind` that has scores."""
    table = _SCORE_TABLES[kind]
    return _model(
        await db.fetchrow(
            f"SELECT m.* FROM prediction_model m WHERE m.id = (SELECT max(model_id) FROM {table})"
        )
    )


class RollupGroup(StrEnum):
    """What a roll-up of component failure forecasts is grouped by."""

    LANDLORD = "landlord"
    POSTCODE_AREA = "postcode_area"
    POSTCODE_DISTRICT = "postcode_district"
    ALL = "all"


_ROLLUP_KEYS = {
    RollupGroup.LANDLORD: "coalesce(h.landlord_id, b.landlord_id)::text",
    RollupGroup.POSTCODE_AREA: "coalesce(h.postcode_area, postcode_area(b.postcode))",
    RollupGroup.POSTCODE_DISTRICT: ("coalesce(h.postcode_district, postcode_district(b.postcode))"),
    RollupGroup.ALL: "NULL::text",
}


async def failure_rollup(
    db: Database,
    group: RollupGroup,
    landlord_id: int | None,
    years: int = 1,
    life_edges: Sequence[float] = (math.inf,),
    life_tenths: Sequence[int] = (0, 0, 0),
    points_scale: float = 1.0,
) -> list[Record]:
    """The newest failure scores summed per group and year ahead (1 to ``years``):
    components, homes and buildings (the threshold counts them), their record keys' sum
    (the cell key method), expected repairs, emergency repairs and cost, each with its
    largest single contribution.

    Year 1 is the scores themselves. A later year moves each component's age on by a
    year a year: its points change by the difference between the points of the life-used
    bin it reaches (``life_edges``, ``life_tenths``: the model's feature) and those of the
    bin it is in now; its probability follows (``points_scale`` points to one unit of
    log-odds), and its emergency share and cost per repair stay as scored."""
    key = _ROLLUP_KEYS[group]
    # The bin's points (tenths) of the life used now and in year g.year.
    bin_now = "coalesce(1 + width_bucket(s.age / nullif(s.lifetime, 0), $4::float8[]), 0)"
    bin_then = (
        "coalesce(1 + width_bucket((s.age + g.year - 1) / nullif(s.lifetime, 0), $4::float8[]), 0)"
    )
    return await db.fetch(
        f"""
        WITH s AS (
            SELECT {key} AS key, o.name, s.as_of, s.home_id, s.building_id,
                   coalesce(hk.record_key, bk.record_key, 0) AS record_key,
                   s.probability, s.points::float8 AS points,
                   coalesce(s.expected_emergency / nullif(s.probability, 0), 0) AS emergency,
                   coalesce(s.expected_cost::float8 / nullif(s.probability, 0), 0) AS cost,
                   (s.as_of - c.install_date) / 365.25 AS age,
                   ({component_lifetime("hb", "b")})::float8 AS lifetime
            FROM component_failure_risk s
            LEFT JOIN component c ON c.id = s.component_id
            LEFT JOIN component_type t ON t.code = c.component_type_code
            LEFT JOIN home h ON h.id = s.home_id
            LEFT JOIN building hb ON hb.id = h.building_id
            LEFT JOIN building b ON b.id = s.building_id
            LEFT JOIN organisation o ON o.id = coalesce(h.landlord_id, b.landlord_id)
            LEFT JOIN home_record_key hk ON hk.home_id = s.home_id
            LEFT JOIN building_record_key bk ON bk.building_id = s.building_id
            WHERE s.model_id = (SELECT max(model_id) FROM component_failure_risk)
              AND (s.home_id IS NULL OR h.id IS NOT NULL)
              AND (s.building_id IS NULL OR b.id IS NOT NULL)
              AND ($1::bigint IS NULL OR coalesce(h.landlord_id, b.landlord_id) = $1)
        ),
        ahead AS (
            SELECT s.*, g.year,
                   CASE WHEN g.year = 1 THEN s.probability
                        ELSE 1 / (1 + exp(-(s.points
                             + (($5::int[])[{bin_then} + 1] - ($5::int[])[{bin_now} + 1])
                               / 10.0) / $6::float8)) END AS p
            FROM s CROSS JOIN generate_series(1, $3::int) AS g(year)
        )
        SELECT key, year, min(name) FILTER (WHERE $2::text = 'landlord') AS label,
               min(as_of) AS as_of, count(*) AS components,
               count(DISTINCT home_id) + count(DISTINCT building_id) AS homes,
               sum(record_key)::bigint AS key_sum,
               sum(p) AS expected_repairs, max(p) AS largest_repairs,
               sum(p * emergency) AS expected_emergency,
               max(p * emergency) AS largest_emergency,
               sum(p * cost)::float8 AS expected_cost, max(p * cost)::float8 AS largest_cost
        FROM ahead
        GROUP BY key, year
        ORDER BY key, year
        """,
        landlord_id,
        group.value,
        years,
        list(life_edges),
        list(life_tenths),
        points_scale,
    )


async def riskiest_components(db: Database, landlord_id: int, limit: int) -> list[Record]:
    """A landlord's components by expected cost of the repairs they are forecast to
    need, highest first (the newest scores)."""
    return await db.fetch(
        """
        SELECT s.*, c.component_type_code AS code, t.label AS type_label,
               coalesce(h.postcode, b.postcode) AS postcode
        FROM component_failure_risk s
        JOIN component c ON c.id = s.component_id
        JOIN component_type t ON t.code = c.component_type_code
        LEFT JOIN home h ON h.id = s.home_id
        LEFT JOIN building b ON b.id = s.building_id
        WHERE s.model_id = (SELECT max(model_id) FROM component_failure_risk)
          AND coalesce(h.landlord_id, b.landlord_id) = $1
        ORDER BY s.expected_cost DESC, s.probability DESC, s.component_id
        LIMIT $2
        """,
        landlord_id,
        limit,
    )


async def riskiest_homes(db: Database, landlord_id: int, limit: int) -> list[Record]:
    """A landlord's homes by damp and mould risk, highest first (the newest scores)."""
    return await db.fetch(
        """
        SELECT s.*, h.postcode
        FROM home_damp_risk s JOIN home h ON h.id = s.home_id
        WHERE s.model_id = (SELECT max(model_id) FROM home_damp_risk)
          AND h.landlord_id = $1
        ORDER BY s.probability DESC, s.home_id
        LIMIT $2
        """,
        landlord_id,
        limit,
    )


async def damp_work_cost(db: Database, landlord_id: int, since: dt.date) -> float:
    """The mean cost of a landlord's repairs to wall finishes since `since` (mould wash,
    replastering): the cost a damp and mould case's works are reckoned at."""
    value = await db.fetchval(
        """
        SELECT avg(r.cost)::float8 FROM repair r JOIN component c ON c.id = r.component_id
        WHERE r.landlord_id = $1 AND c.component_type_code = 'wall-finish'
          AND r.reported_at >= $2::date
        """,
        landlord_id,
        since,
    )
    return float(value or 0.0)
