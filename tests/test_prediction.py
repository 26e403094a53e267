"""Models trained, recorded and applied on the demo database: features read as of a day
(nothing from that day on counts as known), versions counted up, scores kept with the
model and summing to their contributions, and scores out of the open data's reach."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pytest

from odx_graph.cli import main
from odx_graph.core.errors import ConflictError
from odx_graph.services.prediction import models
from odx_graph.services.prediction.features import ModelKind
from odx_graph.services.prediction.scorecard import Scorecard
from odx_graph.store import predictions
from odx_graph.store import scoring
from odx_graph.store.db import READER_ROLE
from odx_graph.store.db import Database
from odx_graph.store.features import features_as_of
from odx_graph.store.features import repair_costs_by_type
from odx_graph.store.scoring import ScoringCard
from odx_graph.store.scoring import score_in_database
from odx_graph.store.scoring import scoring_card
from odx_graph.store.version import data_state
from tests.conftest import DEMO_AS_OF

T = dt.date(2026, 1, 10)
NEXT_YEAR = dt.date(2027, 1, 10)


async def _features_of(db: Database, home_id: int, as_of: dt.date) -> dict[str, object]:
    rows = await features_as_of(db, ModelKind.DAMP_MOULD, as_of, models.months_before(as_of, -12))
    (row,) = [r for r in rows if r["id"] == home_id]
    return dict(row)


async def test_home_features_count_only_what_was_known_before_the_day(fresh_db: Database) -> None:
    db = fresh_db
    home = await db.fetchrow("SELECT id, landlord_id FROM home ORDER BY id LIMIT 1")
    assert home is not None
    await db.execute("DELETE FROM damp_mould_case WHERE home_id = $1", home["id"])
    await db.execute(
        "INSERT INTO damp_mould_case (landlord_id, home_id, aware_at, further_works_required) "
        "VALUES ($1, $2, $3, true)",
        home["landlord_id"],
        home["id"],
        dt.datetime(2026, 1, 10, tzinfo=dt.UTC),
    )
    on_the_day = await _features_of(db, home["id"], T)
    assert on_the_day["earlier_cases"] == 0 and on_the_day["outcome"] is True
    assert on_the_day["earlier"] == 0
    day_after = await _features_of(db, home["id"], T + dt.timedelta(days=1))
    assert day_after["earlier_cases"] == 1 and day_after["earlier_works"] is True
    assert day_after["earlier"] == 2  # one earlier case that needed further works
    await db.execute(
        "UPDATE damp_mould_case SET further_works_required = NULL WHERE home_id = $1", home["id"]
    )
    assert (await _features_of(db, home["id"], T + dt.timedelta(days=1)))["earlier"] == 1
    await db.execute(
        "INSERT INTO damp_mould_case (landlord_id, home_id, aware_at) VALUES ($1, $2, $3)",
        home["landlord_id"],
        home["id"],
        dt.datetime(2024, 3, 1, tzinfo=dt.UTC),
    )
    assert (await _features_of(db, home["id"], T + dt.timedelta(days=1)))["earlier"] == 3
    assert day_after["outcome"] is False
    # outcomes end the day before `until`
    year_before = await _features_of(db, home["id"], dt.date(2025, 1, 10))
    assert year_before["outcome"] is False
    year_and_a_day = await _features_of(db, home["id"], dt.date(2025, 1, 11))
    assert year_and_a_day["outcome"] is True

    # leak repairs: the 12 months before the day, from its first instant, not the day itself
    await db.execute(
        "DELETE FROM repair_line WHERE repair_id IN (SELECT id FROM repair WHERE home_id = $1)",
        home["id"],
    )
    await db.execute(
        "DELETE FROM repair_status_event WHERE repair_id IN "
        "(SELECT id FROM repair WHERE home_id = $1)",
        home["id"],
    )
    await db.execute("DELETE FROM repair WHERE home_id = $1", home["id"])
    for at in ("2025-01-10T00:00:00Z", "2025-01-09T23:59:59Z", "2026-01-10T00:00:00Z"):
        await db.execute(
            "INSERT INTO repair (landlord_id, home_id, priority_code, status_code, trade_code, "
            "reported_at, raised_at) VALUES ($1, $2, '4', 'reported', 'PL', $3, $3)",
            home["landlord_id"],
            home["id"],
            dt.datetime.fromisoformat(at),
        )
    assert (await _features_of(db, home["id"], T))["leak_repairs"] == 1


async def test_components_installed_on_or_after_the_day_are_left_out(fresh_db: Database) -> None:
    db = fresh_db
    part = await db.fetchrow("SELECT id FROM component WHERE home_id IS NOT NULL LIMIT 1")
    assert part is not None
    await db.execute("UPDATE component SET install_date = $1 WHERE id = $2", T, part["id"])
    before = {r["id"] for r in await features_as_of(db, ModelKind.COMPONENT_FAILURE, T, NEXT_YEAR)}
    after = {
        r["id"]
        for r in await features_as_of(
            db, ModelKind.COMPONENT_FAILURE, T + dt.timedelta(days=1), NEXT_YEAR
        )
    }
    assert part["id"] not in before
    assert part["id"] in after
    rows = await features_as_of(db, ModelKind.COMPONENT_FAILURE, T, NEXT_YEAR)
    for row in rows:
        if row["lifetime"]:
            assert row["life_used"] == pytest.approx(row["age"] / row["lifetime"])
        assert (row["home_repairs"] is None) == (row["home_id"] is None)


async def test_training_records_versions_and_scoring_keeps_them(fresh_db: Database) -> None:
    db = fresh_db
    first = await models.train(db, ModelKind.DAMP_MOULD, DEMO_AS_OF)
    second = await models.train(db, ModelKind.DAMP_MOULD, DEMO_AS_OF)
    assert (first["version"], second["version"]) == (1, 2)
    assert first["features_as_of"] == dt.date(2025, 6, 30)
    assert first["outcomes_until"] == DEMO_AS_OF
    homes = await db.fetchval("SELECT count(*) FROM home")
    assert first["examples"] == homes
    backtest = first["metrics"]["backtest"]
    assert set(backtest["baselines"]) == {"age only", "earlier case only"}
    assert backtest["tested_as_of"] == "2025-06-30"

    version_before = (await data_state(db)).version
    model, written = await models.score(db, ModelKind.DAMP_MOULD, DEMO_AS_OF)
    assert model["id"] == second["id"] and written == homes
    assert (await data_state(db)).version > version_before  # caches see new scores
    card = Scorecard.from_json(model["scorecard"])
    rows = await predictions.latest_scores(db, "damp-mould", [1, 2, 3])
    assert [r["home_id"] for r in rows] == [1, 2, 3]
    for row in rows:
        assert row["model_id"] == second["id"]
        explained = card.explain(row["bins"])
        total = explained.baseline + sum(c.points for c in explained.contributions)
        assert float(row["points"]) == pytest.approx(total, abs=1e-9)
        assert row["probability"] == pytest.approx(explained.probability)
    # scoring again replaces, never doubles
    assert (await models.score(db, ModelKind.DAMP_MOULD, DEMO_AS_OF))[1] == homes
    assert await db.fetchval("SELECT count(*) FROM home_damp_risk") == homes


async def test_the_open_datas_reader_cannot_read_scores_or_models(fresh_db: Database) -> None:
    reader = fresh_db.with_role(READER_ROLE)
    for table in ("home_damp_risk", "component_failure_risk", "prediction_model"):
        with pytest.raises(Exception, match="permission denied"):
            await reader.fetch(f"SELECT * FROM {table} LIMIT 1")


async def test_scoring_without_a_model_is_refused(fresh_db: Database) -> None:
    with pytest.raises(Exception, match="model train"):
        await models.score(fresh_db, ModelKind.COMPONENT_FAILURE, DEMO_AS_OF)


def test_the_command_line_trains_scores_and_lists(
    fresh_db: Database, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ODX_DATABASE_URL", fresh_db.dsn)
    day = ["--as-of", DEMO_AS_OF.isoformat(), "--kind", "component-failure"]
    assert main(["model", "train", *day]) == 0
    assert main(["model", "score", *day]) == 0
    assert main(["model", "list"]) == 0
    assert main(["model", "evaluate", *day]) == 0
    out = capsys.readouterr().out
    assert "component-failure  v1" in out
    assert "scored with version 1" in out
    assert "| scorecard |" in out and "| earlier repairs only |" in out


async def test_a_landlords_back_test_measures_its_own_homes_only(fresh_db: Database) -> None:
    landlord = await fresh_db.fetchval(
        "SELECT landlord_id FROM home GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
    )
    own = await fresh_db.fetchval("SELECT count(*) FROM home WHERE landlord_id = $1", landlord)
    every = await fresh_db.fetchval("SELECT count(*) FROM home")
    pooled = await models.evaluate(fresh_db, ModelKind.DAMP_MOULD, DEMO_AS_OF)
    mine = await models.evaluate(fresh_db, ModelKind.DAMP_MOULD, DEMO_AS_OF, landlord)
    assert pooled.model.cases == every > own == mine.model.cases
    assert mine.training_cases == pooled.training_cases == every  # training stays pooled
    assert mine.tested_as_of == dt.date(2025, 6, 30) and mine.tested_until == DEMO_AS_OF
    assert mine.trained_as_of == dt.date(2024, 6, 30)


async def test_ventilation_past_its_lifetime_is_a_damp_feature(fresh_db: Database) -> None:
    """A house's ventilation 20 years old on the day is 5 years past its 15-year
    lifetime; one installed on the day is not yet known; without any, the feature is
    missing. The damp and mould model is trained with the feature."""
    db = fresh_db
    home = await db.fetchval("SELECT id FROM home WHERE building_id IS NULL ORDER BY id LIMIT 1")
    lifetime = await db.fetchval(
        "SELECT lifetime_house FROM component_type WHERE code = 'ventilation'"
    )
    assert lifetime == 15
    await db.execute(
        "DELETE FROM repair_line WHERE repair_id IN (SELECT r.id FROM repair r "
        "JOIN component c ON c.id = r.component_id WHERE c.component_type_code = 'ventilation')"
    )
    await db.execute(
        "DELETE FROM repair_status_event WHERE repair_id IN (SELECT r.id FROM repair r "
        "JOIN component c ON c.id = r.component_id WHERE c.component_type_code = 'ventilation')"
    )
    await db.execute(
        "DELETE FROM repair WHERE component_id IN "
        "(SELECT id FROM component WHERE component_type_code = 'ventilation')"
    )
    await db.execute("DELETE FROM component WHERE component_type_code = 'ventilation'")
    assert (await _features_of(db, home, T))["ventilation_over"] is None
    await db.execute(
        "INSERT INTO component (home_id, component_type_code, install_date) "
        "VALUES ($1, 'ventilation', $2), ($1, 'ventilation', $3)",
        home,
        dt.date(2006, 1, 10),  # 7,305 days before T: 20.0 years
        T,
    )
    assert (await _features_of(db, home, T))["ventilation_over"] == pytest.approx(5.0)
    assert (await _features_of(db, home, dt.date(2006, 1, 10)))["ventilation_over"] is None
    model = await models.train(db, ModelKind.DAMP_MOULD, DEMO_AS_OF)
    names = [f["name"] for f in model["scorecard"]["features"]]
    assert "ventilation_over" in names


async def test_scores_worked_out_in_the_database_match_the_scorecard(
    fresh_db: Database,
) -> None:
    """Every score written by the database's scoring has the bins, points and probability
    the model's scorecard gives the same features in Python, and the expected emergency
    repairs and cost its type's share and mean cost give; deleting the model deletes its
    scores, and scoring for a model that is not there writes nothing."""
    db = fresh_db
    for kind in ModelKind:
        await models.train(db, kind, DEMO_AS_OF)
        model, written = await models.score(db, kind, DEMO_AS_OF)
        card = Scorecard.from_json(model["scorecard"])
        data = await models.dataset(db, kind, DEMO_AS_OF)
        bins = card.bins(data.rows)
        points = card.points_tenths(bins) / 10.0
        chances = card.probabilities(bins)
        table = "home_damp_risk" if kind is ModelKind.DAMP_MOULD else "component_failure_risk"
        key = "home_id" if kind is ModelKind.DAMP_MOULD else "component_id"
        stored = {
            r[key]: r
            for r in await db.fetch(f"SELECT * FROM {table} WHERE model_id = $1", model["id"])
        }
        assert written == len(data.rows) == len(stored)
        for row, b, pts, p in zip(data.rows, bins, points, chances, strict=True):
            score = stored[row["id"]]
            assert bytes(score["bins"]) == bytes(b.astype("uint8").tolist())
            assert float(score["points"]) == pytest.approx(pts, abs=1e-9)
            assert score["probability"] == pytest.approx(p, rel=1e-12)
    costs = {
        r["code"]: (r["emergency_share"], r["mean_cost"])
        for r in await component_costs(db, DEMO_AS_OF)
    }
    for r in await db.fetch(
        "SELECT s.*, c.component_type_code AS code FROM component_failure_risk s "
        "JOIN component c ON c.id = s.component_id"
    ):
        share, mean = costs.get(r["code"], (0.0, 0.0))
        assert r["expected_emergency"] == pytest.approx(r["probability"] * share, rel=1e-12)
        assert float(r["expected_cost"]) == pytest.approx(r["probability"] * mean, abs=0.005)
    gone = await db.fetchval("SELECT max(id) FROM prediction_model")
    await db.execute("DELETE FROM prediction_model WHERE id = $1", gone)
    assert not await db.fetchval(
        "SELECT count(*) FROM component_failure_risk WHERE model_id = $1", gone
    )
    scoring = _card(model)
    assert await score_in_database(db, "component-failure", gone, DEMO_AS_OF, scoring) == 0


def _card(model: dict[str, Any], pointless: int | None = None) -> ScoringCard:
    """The model's scorecard as the database applies it; with ``pointless``, that
    feature's bins have no points (scoring then fails on the NULL points)."""
    card = Scorecard.from_json(model["scorecard"])
    return scoring_card(
        [
            (f.name, f.edges, f.categories, [] if j == pointless else t)
            for j, (f, t) in enumerate(zip(card.features, card.tenths, strict=True))
        ],
        card.baseline_tenths,
        1.0,
    )


async def _partitions(db: Database, table: str) -> dict[str, set[str]]:
    rows = await db.fetch(
        "SELECT c.relname AS partition, array(SELECT i.indexrelid::regclass::text "
        "FROM pg_index i WHERE i.indrelid = c.oid) AS indexes "
        "FROM pg_inherits h JOIN pg_class c ON c.oid = h.inhrelid "
        "WHERE h.inhparent = $1::regclass",
        table,
    )
    return {r["partition"]: set(r["indexes"]) for r in rows}


async def test_scoring_again_swaps_the_models_scores_whole(fresh_db: Database) -> None:
    """Scoring again with the same model replaces its partition in one swap: the new
    scores, as many as before, in one partition named after the model with its two
    indexes and nothing staged left over; the data version moves; the open data's reader
    cannot read the partition either; a scoring that fails part-way leaves the earlier
    scores as they were; deleting the model drops its partition."""
    db = fresh_db
    for kind, table in (
        (ModelKind.DAMP_MOULD, "home_damp_risk"),
        (ModelKind.COMPONENT_FAILURE, "component_failure_risk"),
    ):
        await models.train(db, kind, DEMO_AS_OF)
        model, first = await models.score(db, kind, DEMO_AS_OF)
        partition = f"{table}_m{model['id']}"
        assert await _partitions(db, table) == {
            partition: {f"{partition}_pkey", f"{partition}_landlord_idx"}
        }
        version = (await data_state(db)).version
        later = DEMO_AS_OF + dt.timedelta(days=30)
        _, again = await models.score(db, kind, later)
        assert again == first > 0
        days = await db.fetch(
            f"SELECT DISTINCT as_of FROM {table} WHERE model_id = $1", model["id"]
        )
        assert [r["as_of"] for r in days] == [later]
        assert await _partitions(db, table) == {
            partition: {f"{partition}_pkey", f"{partition}_landlord_idx"}
        }
        assert await db.fetchval("SELECT to_regclass($1)", f"{partition}_next") is None
        assert (await data_state(db)).version > version
        with pytest.raises(Exception, match="permission denied"):
            await db.with_role(READER_ROLE).fetch(f"SELECT * FROM {partition} LIMIT 1")

        # A feature whose bins have no points: points come out NULL and the insert fails.
        broken = _card(model, pointless=0)
        with pytest.raises(Exception, match="not-null"):
            await score_in_database(db, kind.value, model["id"], DEMO_AS_OF, broken)
        days = await db.fetch(
            f"SELECT DISTINCT as_of FROM {table} WHERE model_id = $1", model["id"]
        )
        assert [r["as_of"] for r in days] == [later]
        assert await db.fetchval(f"SELECT count(*) FROM {table}") == again
        assert set(await _partitions(db, table)) == {partition}

        await db.execute("DELETE FROM prediction_model WHERE id = $1", model["id"])
        assert await _partitions(db, table) == {}
        assert await db.fetchval("SELECT to_regclass($1)", partition) is None


async def test_a_swap_waits_for_readers_a_bounded_time_and_scorings_of_one_table_queue(
    fresh_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reader holding the score table (as a backup does) makes the swap give up after
    its tries, keeping the earlier scores and leaving nothing staged; once the reader is
    done, scoring swaps. Two scorings of different models of one table at once both
    finish (one waits for the other) instead of one dying in a deadlock."""
    db = fresh_db
    kind, table = ModelKind.DAMP_MOULD, "home_damp_risk"
    await models.train(db, kind, DEMO_AS_OF)
    first, _ = await models.score(db, kind, DEMO_AS_OF)
    await models.train(db, kind, DEMO_AS_OF)
    second, _ = await models.score(db, kind, DEMO_AS_OF)
    assert first["id"] != second["id"]
    monkeypatch.setattr(scoring, "SWAP_WAIT_MS", 100)
    monkeypatch.setattr(scoring, "SWAP_TRIES", 3)
    monkeypatch.setattr(scoring, "SWAP_PAUSE_SECONDS", 0.05)
    binned = _card(first)
    later = DEMO_AS_OF + dt.timedelta(days=7)
    async with db.connection() as reader, reader.transaction():
        await reader.fetchval(f"SELECT count(*) FROM {table}")  # holds the table until it ends
        with pytest.raises(ConflictError, match="stayed in use"):
            await score_in_database(db, kind.value, first["id"], later, binned)
    days = await db.fetch(f"SELECT DISTINCT as_of FROM {table} WHERE model_id = $1", first["id"])
    assert [r["as_of"] for r in days] == [DEMO_AS_OF]
    assert await db.fetchval("SELECT to_regclass($1)", f"{table}_m{first['id']}_next") is None
    # Both models of the table at once.
    written = await asyncio.gather(
        score_in_database(db, kind.value, first["id"], later, binned),
        score_in_database(db, kind.value, second["id"], later, binned),
    )
    homes = await db.fetchval("SELECT count(*) FROM home")
    assert written == [homes, homes]
    rows = await db.fetch(
        f"SELECT model_id, count(*) AS n, min(as_of) AS day FROM {table} GROUP BY 1"
    )
    assert {(r["model_id"], r["n"], r["day"]) for r in rows} == {
        (first["id"], homes, later),
        (second["id"], homes, later),
    }


async def component_costs(db: Database, as_of: dt.date) -> list[dict[str, float]]:
    """Each component type's share of emergencies and mean cost over the 12 months before
    ``as_of``, as scoring reads them."""
    rows = await repair_costs_by_type(db, models.months_before(as_of, 12), as_of)
    return [
        {"code": r["code"], "emergency_share": r["emergency_share"], "mean_cost": r["mean_cost"]}
        for r in rows
    ]
