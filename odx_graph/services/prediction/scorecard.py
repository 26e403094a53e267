"""The glass-box model: a scorecard of binned features, fitted as a penalised logistic
regression (a generalised additive model with one step function per feature).

Every feature puts each case in exactly one of its bins, and every bin carries points. A
score is the baseline plus the points of the case's bins, so its contributions add up to
it by construction, to the tenth of a point it is kept to. Points are log-odds scaled so
that :data:`POINTS_TO_DOUBLE` points double the odds; the probability follows from the
score alone. Each feature's points are centred on the training population, so the
baseline is the score of a typical case and a contribution says how far this bin moves
the score from typical.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

POINTS_TO_DOUBLE = 20.0  # points that double the odds
MAX_BINS = 256  # a score keeps each feature's bin in one byte
_SCALE = POINTS_TO_DOUBLE / math.log(2.0)  # log-odds to points


@dataclass(frozen=True, slots=True)
class Feature:
    """One binned feature: numeric (``edges``: bin 0 is missing, then below the first edge,
    and so on) or categorical (``categories``: bin 0 is missing, then one per category,
    then any other value). ``words`` names every bin in plain words, in that order."""

    name: str
    words: tuple[str, ...]
    edges: tuple[float, ...] = ()
    categories: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        bins = len(self.edges) + 2 if self.edges else len(self.categories) + 2
        if bins > MAX_BINS:
            raise ValueError(f"feature {self.name}: {bins} bins, at most {MAX_BINS}")
        if len(self.words) != bins:
            raise ValueError(f"feature {self.name}: {len(self.words)} words for {bins} bins")

    @property
    def bins(self) -> int:
        """How many bins the feature has, the missing one included."""
        return len(self.words)

    def bin_of(self, value: Any) -> int:
        """The bin `value` falls in."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return 0
        if self.edges:
            return 1 + bisect_right(self.edges, float(value))
        try:
            return 1 + self.categories.index(str(value))
        except ValueError:
            return len(self.categories) + 1

    def to_json(self) -> dict[str, Any]:
        """The feature as JSON, for the model's record."""
        return {
            "name": self.name,
            "words": list(self.words),
            "edges": list(self.edges),
            "categories": list(self.categories),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Feature:
        """A feature read back from :meth:`to_json`."""
        return cls(
            data["name"],
            tuple(data["words"]),
            tuple(float(e) for e in data["edges"]),
            tuple(data["categories"]),
        )


@dataclass(frozen=True, slots=True)
class Contribution:
    """What one feature adds to one score."""

    feature: str
    words: str
    points: float


@dataclass(frozen=True, slots=True)
class Score:
    """One case's score with its contributions: baseline + contributions = points."""

    probability: float
    points: float
    baseline: float
    contributions: tuple[Contribution, ...]


@dataclass(frozen=True, slots=True)
class Scorecard:
    """A fitted scorecard: the features, the baseline and the points of every bin (tenths
    of a point, as integers, so that sums are exact)."""

    features: tuple[Feature, ...]
    baseline_tenths: int
    tenths: tuple[tuple[int, ...], ...]
    penalty: float

    def bins(self, rows: Sequence[Any]) -> npt.NDArray[np.int16]:
        """The bin of every feature for every row (rows are mappings by feature name)."""
        out = np.zeros((len(rows), len(self.features)), dtype=np.int16)
        for j, feature in enumerate(self.features):
            name = feature.name
            if feature.edges:
                values = np.array(
                    [np.nan if row[name] is None else row[name] for row in rows], dtype=np.float64
                )
                binned = 1 + np.searchsorted(np.asarray(feature.edges), values, side="right")
                out[:, j] = np.where(np.isnan(values), 0, binned)
            else:
                index = {c: i for i, c in enumerate(feature.categories, start=1)}
                other = len(feature.categories) + 1
                out[:, j] = [
                    0 if row[name] is None else index.get(str(row[name]), other) for row in rows
                ]
        return out

    def points_tenths(self, bins: npt.NDArray[np.int16]) -> npt.NDArray[np.int64]:
        """Each row's score in tenths of a point."""
        total = np.full(len(bins), self.baseline_tenths, dtype=np.int64)
        for j, table in enumerate(self.tenths):
            total += np.asarray(table, dtype=np.int64)[bins[:, j]]
        return total

    def probabilities(self, bins: npt.NDArray[np.int16]) -> npt.NDArray[np.float64]:
        """Each row's probability."""
        return probability_of(self.points_tenths(bins) / 10.0)

    def explain(self, row_bins: Sequence[int]) -> Score:
        """One row's score and its contributions in plain words, from its bins."""
        parts = tuple(
            Contribution(f.name, f.words[b], self.tenths[j][b] / 10.0)
            for j, (f, b) in enumerate(zip(self.features, row_bins, strict=True))
        )
        tenths = self.baseline_tenths + sum(self.tenths[j][b] for j, b in enumerate(row_bins))
        points = tenths / 10.0
        return Score(
            float(probability_of(np.array([points]))[0]),
            points,
            self.baseline_tenths / 10.0,
            parts,
        )

    def to_json(self) -> dict[str, Any]:
        """The scorecard as JSON, for the model's record."""
        return {
            "points_to_double_odds": POINTS_TO_DOUBLE,
            "penalty": self.penalty,
            "baseline_tenths": self.baseline_tenths,
            "features": [
                {**f.to_json(), "tenths": list(t)}
                for f, t in zip(self.features, self.tenths, strict=True)
            ],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Scorecard:
        """A scorecard read back from :meth:`to_json`."""
        return cls(
            tuple(Feature.from_json(f) for f in data["features"]),
            int(data["baseline_tenths"]),
            tuple(tuple(int(x) for x in f["tenths"]) for f in data["features"]),
            float(data["penalty"]),
        )


def probability_of(points: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """The probability of a score in points."""
    result: npt.NDArray[np.float64] = 1.0 / (1.0 + np.exp(-points / _SCALE))
    return result


def fit(
    features: Sequence[Feature],
    bins: npt.NDArray[np.int16],
    outcomes: npt.NDArray[np.bool_],
    penalty: float = 2.0,
) -> Scorecard:
    """Fit a scorecard by penalised (ridge) logistic regression on one-hot bins.

    Rows with the same bins are pooled first (counts and positives), so the fit costs the
    number of distinct bin patterns, not of rows. Newton's method on the penalised
    likelihood; the intercept is not penalised. Then each feature's weights are centred
    on the training rows and the whole is rounded to tenths of a point.
    """
    if len(bins) == 0:
        raise ValueError("nothing to train on")
    patterns, inverse = np.unique(bins, axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    counts = np.bincount(inverse, minlength=len(patterns)).astype(np.float64)
    positives = np.bincount(inverse, weights=outcomes.astype(np.float64), minlength=len(patterns))
    offsets = np.cumsum([0] + [f.bins for f in features])
    width = int(offsets[-1]) + 1
    design = np.zeros((len(patterns), width))
    design[:, 0] = 1.0
    for j in range(len(features)):
        design[np.arange(len(patterns)), 1 + offsets[j] + patterns[:, j]] = 1.0
    ridge = np.full(width, penalty)
    ridge[0] = 0.0
    rate = min(max(positives.sum() / counts.sum(), 1e-6), 1 - 1e-6)
    beta = np.zeros(width)
    beta[0] = math.log(rate / (1 - rate))
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-(design @ beta)))
        gradient = design.T @ (positives - counts * p) - ridge * beta
        hessian = (design * (counts * p * (1 - p))[:, None]).T @ design + np.diag(ridge)
        hessian[0, 0] += 1e-9
        step = np.linalg.solve(hessian, gradient)
        beta += step
        if float(np.max(np.abs(step))) < 1e-8:
            break
    baseline = float(beta[0])
    tables: list[tuple[int, ...]] = []
    for j, feature in enumerate(features):
        weights = beta[1 + offsets[j] : 1 + offsets[j] + feature.bins]
        share = np.bincount(bins[:, j], minlength=feature.bins) / len(bins)
        centre = float(share @ weights)
        baseline += centre
        tables.append(tuple(round(float(w - centre) * _SCALE * 10) for w in weights))
    return Scorecard(tuple(features), round(baseline * _SCALE * 10), tuple(tables), penalty)
