"""The scorecard and its measures, without a database: bins at their edges, scores that are
the sum of their contributions, a fit that finds a known process, and metrics worked by
hand."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest

from odx_graph.services.prediction.evaluation import auc
from odx_graph.services.prediction.evaluation import brier
from odx_graph.services.prediction.evaluation import measure
from odx_graph.services.prediction.evaluation import precision_at_top
from odx_graph.services.prediction.evaluation import reliability
from odx_graph.services.prediction.features import BASELINES
from odx_graph.services.prediction.features import MAX_CATEGORIES
from odx_graph.services.prediction.features import MIN_CATEGORY
from odx_graph.services.prediction.features import ModelKind
from odx_graph.services.prediction.features import features_for
from odx_graph.services.prediction.models import bin_rows
from odx_graph.services.prediction.models import months_before
from odx_graph.services.prediction.scorecard import POINTS_TO_DOUBLE
from odx_graph.services.prediction.scorecard import Feature
from odx_graph.services.prediction.scorecard import Scorecard
from odx_graph.services.prediction.scorecard import fit
from odx_graph.services.prediction.scorecard import probability_of

AGE = Feature("age", ("unknown", "young", "middle", "old"), edges=(10.0, 40.0))
KIND = Feature("kind", ("unknown", "flat", "house", "other"), categories=("flat", "house"))


def test_numeric_bins_are_closed_below_and_missing_is_bin_zero() -> None:
    assert AGE.bin_of(None) == 0
    assert AGE.bin_of(float("nan")) == 0
    assert AGE.bin_of(9.999) == 1
    assert AGE.bin_of(10.0) == 2  # an edge belongs to the bin above it
    assert AGE.bin_of(39.9) == 2
    assert AGE.bin_of(40) == 3
    assert KIND.bin_of("flat") == 1
    assert KIND.bin_of("house") == 2
    assert KIND.bin_of("bungalow") == 3
    assert KIND.bin_of(None) == 0
    with pytest.raises(ValueError, match="words"):
        Feature("x", ("a", "b"), edges=(1.0,))


def test_a_score_is_its_baseline_plus_its_contributions_exactly() -> None:
    card = Scorecard((AGE, KIND), -401, ((3, -120, 5, 231), (0, 77, -13, 9)), 1.0)
    bins = card.bins([{"age": 55, "kind": "flat"}, {"age": None, "kind": "x"}])
    assert bins.tolist() == [[3, 1], [0, 3]]
    assert card.points_tenths(bins).tolist() == [-401 + 231 + 77, -401 + 3 + 9]
    score = card.explain([3, 1])
    assert score.baseline == -40.1
    assert [c.points for c in score.contributions] == [23.1, 7.7]
    assert [c.words for c in score.contributions] == ["old", "flat"]
    assert score.points == pytest.approx(-9.3, abs=1e-12)
    assert score.baseline + sum(c.points for c in score.contributions) == pytest.approx(
        score.points, abs=1e-9
    )
    # POINTS_TO_DOUBLE points double the odds; zero points is even odds
    p = probability_of(np.array([0.0, POINTS_TO_DOUBLE, -9.3]))
    assert p[0] == 0.5
    assert p[1] / (1 - p[1]) == pytest.approx(2.0)
    assert score.probability == pytest.approx(p[2])
    assert Scorecard.from_json(card.to_json()) == card


def _process(n: int, seed: int) -> tuple[list[dict[str, object]], np.ndarray]:
    """A process of known effects: old homes double the odds, houses halve them."""
    rng = np.random.default_rng(seed)
    ages = rng.uniform(0, 80, n)
    kinds = rng.choice(["flat", "house"], n)
    logit = -2.0 + math.log(2) * (ages >= 40) - math.log(2) * (kinds == "house")
    outcomes = rng.random(n) < 1 / (1 + np.exp(-logit))
    rows = [{"age": a, "kind": k} for a, k in zip(ages, kinds, strict=True)]
    return rows, outcomes


def test_the_fit_finds_the_effects_of_a_known_process() -> None:
    rows, outcomes = _process(60_000, seed=3)
    card = fit((AGE, KIND), bin_rows((AGE, KIND), rows), outcomes, penalty=1.0)
    age, kind = card.tenths
    # old against middle-aged: double the odds, i.e. POINTS_TO_DOUBLE points (in tenths)
    assert abs((age[3] - age[2]) - 10 * POINTS_TO_DOUBLE) < 25
    assert abs((kind[2] - kind[1]) + 10 * POINTS_TO_DOUBLE) < 25
    # centred: the population's mean contribution of each feature is (about) zero
    bins = card.bins(rows)
    for j, table in enumerate(card.tenths):
        assert abs(np.mean(np.asarray(table)[bins[:, j]])) < 1
    # and calibrated in the large
    assert card.probabilities(bins).mean() == pytest.approx(outcomes.mean(), abs=0.005)


def test_a_heavier_penalty_shrinks_the_points() -> None:
    rows, outcomes = _process(2_000, seed=5)
    bins = bin_rows((AGE, KIND), rows)
    light = fit((AGE, KIND), bins, outcomes, penalty=0.1)
    heavy = fit((AGE, KIND), bins, outcomes, penalty=1000.0)
    assert sum(map(abs, heavy.tenths[0])) < sum(map(abs, light.tenths[0]))
    with pytest.raises(ValueError, match="nothing"):
        fit((AGE,), bins[:0, :1], outcomes[:0])


def test_auc_counts_ties_as_half() -> None:
    scores = np.array([0.1, 0.4, 0.4, 0.8])
    outcomes = np.array([False, False, True, True])
    # pairs (pos, neg): (0.4, 0.1) win, (0.4, 0.4) half, (0.8, both) wins: 3.5 / 4
    assert auc(scores, outcomes) == 0.875
    assert auc(scores, ~outcomes) == 0.125
    assert math.isnan(auc(scores, np.zeros(4, dtype=bool)))


def test_precision_at_top_takes_the_ceiling_of_five_percent() -> None:
    scores = np.arange(21, dtype=float)  # the top 5% of 21 is 2 cases (1.05 rounded up)
    outcomes = np.zeros(21, dtype=bool)
    outcomes[19] = True  # the second highest
    assert precision_at_top(scores, outcomes) == 0.5
    assert precision_at_top(scores[:20], outcomes[:20]) == 1.0  # of 20, only the top one
    assert precision_at_top(scores[:19], outcomes[:19]) == 0.0


def test_brier_and_the_reliability_table() -> None:
    p = np.array([0.0, 0.5, 1.0, 0.25])
    y = np.array([False, True, True, True])
    assert brier(p, y) == pytest.approx((0 + 0.25 + 0 + 0.5625) / 4)
    table = reliability(np.linspace(0, 0.99, 100), np.arange(100) >= 90, groups=10)
    assert [r.cases for r in table] == [10] * 10
    assert table[-1].observed == 1.0
    assert table[0].observed == 0.0
    m = measure(np.full(4, 0.5), y)  # four cases: each its own group, each 0.5 off
    assert m.calibration_error == pytest.approx(0.5)
    m = measure(np.full(40, 0.5), np.arange(40) % 4 != 0)  # groups of 4, 0.75 observed
    assert m.calibration_error == pytest.approx(0.25)
    assert m.positives == 30


def test_months_before_keeps_the_day_or_the_months_last() -> None:
    assert months_before(dt.date(2024, 3, 31), 1) == dt.date(2024, 2, 29)
    assert months_before(dt.date(2025, 3, 31), 1) == dt.date(2025, 2, 28)
    assert months_before(dt.date(2026, 1, 15), 12) == dt.date(2025, 1, 15)
    assert months_before(dt.date(2026, 1, 15), -12) == dt.date(2027, 1, 15)


def test_categories_come_from_the_training_rows_and_baselines_exist() -> None:
    rows = [
        {
            "property_type_code": "flat" if i % 2 else "house",
            "built_form_code": "rare" if i == 0 else None,
        }
        for i in range(60)
    ]
    features = {f.name: f for f in features_for(ModelKind.DAMP_MOULD, rows)}
    assert features["property_type_code"].categories == ("flat", "house")
    assert features["built_form_code"].categories == ()  # seen once: pooled as other
    rows[1]["built_form_code"] = "rare"  # MIN_CATEGORY - 1 more times makes it a category
    for row in rows[2 : 1 + MIN_CATEGORY - 1]:
        row["built_form_code"] = "rare"
    assert sum(r["built_form_code"] == "rare" for r in rows) == MIN_CATEGORY
    again = {f.name: f for f in features_for(ModelKind.DAMP_MOULD, rows)}
    assert again["built_form_code"].categories == ("rare",)
    assert again["built_form_code"].words[1] == "built form: rare"
    for kind in ModelKind:
        names = {f.name for f in features_for(kind, rows if kind is ModelKind.DAMP_MOULD else [])}
        for columns in BASELINES[kind].values():
            assert set(columns) <= names


def test_binning_many_rows_agrees_with_binning_one() -> None:
    card = Scorecard((AGE, KIND), 0, ((0,) * 4, (0,) * 4), 1.0)
    values = [None, float("nan"), -5.0, 9.999, 10.0, 10, 39.9, 40.0, 1e9]
    kinds = [None, "flat", "house", "bungalow", "flat", None, "house", "x", "flat"]
    rows = [{"age": a, "kind": k} for a, k in zip(values, kinds, strict=True)]
    assert card.bins(rows).tolist() == [
        [AGE.bin_of(a), KIND.bin_of(k)] for a, k in zip(values, kinds, strict=True)
    ]


def test_a_feature_has_at_most_256_bins_and_categories_are_capped() -> None:
    with pytest.raises(ValueError, match="at most 256"):
        Feature("x", tuple(str(i) for i in range(257)), categories=tuple(map(str, range(255))))
    Feature("x", tuple(str(i) for i in range(256)), categories=tuple(map(str, range(254))))
    rows = [
        {"property_type_code": f"t{i:03d}", "built_form_code": None}
        for i in range(250)
        for _ in range(MIN_CATEGORY + (1 if i < 200 else 0))
    ]
    (kinds,) = [f for f in features_for(ModelKind.DAMP_MOULD, rows) if f.name.startswith("prop")]
    assert len(kinds.categories) == MAX_CATEGORIES == 200
    assert kinds.categories[-1] == "t199"  # the commonest kept, the rest pooled
