"""How good a model's probabilities are on outcomes it has not seen: ranking (AUC,
precision among the highest scores) and calibration (Brier score, a reliability table)."""

from __future__ import annotations

import math
from dataclasses import asdict
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

TOP_SHARE = 0.05  # precision is measured among the highest-scored 5%
RELIABILITY_BINS = 10  # the reliability table groups cases by tenths of predicted risk


@dataclass(frozen=True, slots=True)
class ReliabilityRow:
    """One group of cases of similar predicted risk: how many, the mean predicted
    probability and the share that had the outcome."""

    cases: int
    predicted: float
    observed: float


@dataclass(frozen=True, slots=True)
class Metrics:
    """A model's measures on one set of outcomes."""

    cases: int
    positives: int
    auc: float
    precision_at_top: float
    brier: float
    calibration_error: float  # mean |observed - predicted| over the table, case-weighted
    mean_predicted: float
    reliability: tuple[ReliabilityRow, ...]

    def to_json(self) -> dict[str, Any]:
        """The measures as JSON."""
        data = asdict(self)
        data["reliability"] = [asdict(r) for r in self.reliability]
        return data


def auc(scores: npt.NDArray[np.float64], outcomes: npt.NDArray[np.bool_]) -> float:
    """The area under the ROC curve: the chance that a random case with the outcome scores
    above a random one without (ties count half). NaN without both kinds of case."""
    positives = int(outcomes.sum())
    negatives = len(outcomes) - positives
    if positives == 0 or negatives == 0:
        return math.nan
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(len(scores))
    sorted_scores = scores[order]
    # average ranks over ties
    _, first, counts = np.unique(sorted_scores, return_index=True, return_counts=True)
    average = first + (counts + 1) / 2.0
    ranks[order] = np.repeat(average, counts)
    rank_sum = float(ranks[outcomes].sum())
    return (rank_sum - positives * (positives + 1) / 2.0) / (positives * negatives)


def precision_at_top(
    scores: npt.NDArray[np.float64], outcomes: npt.NDArray[np.bool_], share: float = TOP_SHARE
) -> float:
    """The share with the outcome among the `share` of cases scored highest (at least one
    case; ties at the cut broken by order, which the stable sort keeps)."""
    if len(scores) == 0:
        return math.nan
    top = max(1, math.ceil(share * len(scores)))
    order = np.argsort(-scores, kind="mergesort")[:top]
    return float(outcomes[order].mean())


def brier(probabilities: npt.NDArray[np.float64], outcomes: npt.NDArray[np.bool_]) -> float:
    """The mean squared difference between probability and outcome (0 is perfect)."""
    return float(np.mean((probabilities - outcomes.astype(np.float64)) ** 2))


def reliability(
    probabilities: npt.NDArray[np.float64],
    outcomes: npt.NDArray[np.bool_],
    groups: int = RELIABILITY_BINS,
) -> tuple[ReliabilityRow, ...]:
    """Cases in `groups` groups of (nearly) equal size by predicted probability, lowest
    first, each with its mean prediction and observed rate."""
    order = np.argsort(probabilities, kind="mergesort")
    rows = []
    for part in np.array_split(order, groups):
        if len(part):
            rows.append(
                ReliabilityRow(
                    len(part),
                    float(probabilities[part].mean()),
                    float(outcomes[part].mean()),
                )
            )
    return tuple(rows)


def measure(probabilities: npt.NDArray[np.float64], outcomes: npt.NDArray[np.bool_]) -> Metrics:
    """Every measure of `probabilities` against `outcomes`."""
    table = reliability(probabilities, outcomes)
    cases = len(outcomes)
    error = (
        sum(r.cases * abs(r.observed - r.predicted) for r in table) / cases if cases else math.nan
    )
    return Metrics(
        cases=cases,
        positives=int(outcomes.sum()),
        auc=auc(probabilities, outcomes),
        precision_at_top=precision_at_top(probabilities, outcomes),
        brier=brier(probabilities, outcomes) if cases else math.nan,
        calibration_error=error,
        mean_predicted=float(probabilities.mean()) if cases else math.nan,
        reliability=table,
    )
