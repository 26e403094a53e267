"""Training, back-testing and scoring: the three things ``odx-graph model`` does.

* **train**: features as of 12 months before `today`, outcomes over the 12 months since;
  the scorecard is recorded as the next version of its kind with its training window,
  its in-sample measures and a back-test (the same recipe one year earlier, measured on
  the latest year) next to the naive baselines.
* **evaluate**: that back-test alone, on every home or on one landlord's.
* **score**: the newest model applied to the graph as it stands `today`, kept with the
  model's id.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from odx_graph import __version__
from odx_graph.core.errors import InputError
from odx_graph.services.prediction.evaluation import Metrics
from odx_graph.services.prediction.evaluation import measure
from odx_graph.services.prediction.features import BASELINES
from odx_graph.services.prediction.features import ModelKind
from odx_graph.services.prediction.features import features_for
from odx_graph.services.prediction.scorecard import POINTS_TO_DOUBLE
from odx_graph.services.prediction.scorecard import Feature
from odx_graph.services.prediction.scorecard import Scorecard
from odx_graph.services.prediction.scorecard import fit
from odx_graph.store import features as store_features
from odx_graph.store import predictions as store
from odx_graph.store.db import Database
from odx_graph.store.db import Record
from odx_graph.store.scoring import score_in_database
from odx_graph.store.scoring import scoring_card

HORIZON_MONTHS = 12


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day `months` months earlier (the month's last day when it has fewer)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")  # pragma: no cover


@dataclass(frozen=True, slots=True)
class Dataset:
    """Prepared rows, their outcomes, and the window they were read for."""

    rows: list[Record]
    outcomes: npt.NDArray[np.bool_]
    as_of: dt.date
    until: dt.date


async def dataset(
    db: Database, kind: ModelKind, as_of: dt.date, landlord_id: int | None = None
) -> Dataset:
    """The rows of `kind` with features as of `as_of` and outcomes over the horizon after."""
    until = months_before(as_of, -HORIZON_MONTHS)
    rows = await store_features.features_as_of(db, kind, as_of, until, landlord_id)
    outcomes = np.array([bool(r["outcome"]) for r in rows], dtype=np.bool_)
    return Dataset(rows, outcomes, as_of, until)


def bin_rows(
    features: Sequence[Feature], rows: Sequence[Mapping[str, Any]]
) -> npt.NDArray[np.int16]:
    """The bin of every feature for every row."""
    return Scorecard(tuple(features), 0, tuple((0,) * f.bins for f in features), 0.0).bins(rows)


@dataclass(frozen=True, slots=True)
class Evaluation:
    """A time-split back-test: trained on one year's outcomes, measured on the next."""

    kind: ModelKind
    trained_as_of: dt.date
    tested_as_of: dt.date
    tested_until: dt.date
    training_cases: int
    model: Metrics
    baselines: dict[str, Metrics]

    def to_json(self) -> dict[str, Any]:
        """The back-test as JSON (kept with the model)."""
        return {
            "trained_as_of": self.trained_as_of.isoformat(),
            "tested_as_of": self.tested_as_of.isoformat(),
            "tested_until": self.tested_until.isoformat(),
            "training_cases": self.training_cases,
            "model": self.model.to_json(),
            "baselines": {name: m.to_json() for name, m in self.baselines.items()},
        }


def _fit_on(kind: ModelKind, train: Dataset) -> tuple[Scorecard, dict[str, Scorecard]]:
    if not train.rows:
        raise InputError("no homes or components to train on")
    features = features_for(kind, train.rows)
    bins = bin_rows(features, train.rows)
    card = fit(features, bins, train.outcomes)
    baselines = {}
    for name, columns in BASELINES[kind].items():
        subset = [j for j, f in enumerate(features) if f.name in columns]
        chosen = tuple(features[j] for j in subset)
        baselines[name] = fit(chosen, bins[:, subset], train.outcomes)
    return card, baselines


async def evaluate(
    db: Database, kind: ModelKind, today: dt.date, landlord_id: int | None = None
) -> Evaluation:
    """Back-test: train on outcomes of the year before last (every landlord's, pooled),
    then measure on the last year's (only `landlord_id`'s homes when given)."""
    tested_as_of = months_before(today, HORIZON_MONTHS)
    trained_as_of = months_before(today, 2 * HORIZON_MONTHS)
    train = await dataset(db, kind, trained_as_of)
    test = await dataset(db, kind, tested_as_of, landlord_id)
    card, baselines = _fit_on(kind, train)
    return Evaluation(
        kind,
        trained_as_of,
        tested_as_of,
        test.until,
        len(train.rows),
        measure(card.probabilities(card.bins(test.rows)), test.outcomes),
        {
            name: measure(b.probabilities(b.bins(test.rows)), test.outcomes)
            for name, b in baselines.items()
        },
    )


async def train(db: Database, kind: ModelKind, today: dt.date) -> dict[str, Any]:
    """Train a model of `kind` on the latest full year of outcomes and record it as the
    next version, with its in-sample measures and a back-test; returns its row."""
    as_of = months_before(today, HORIZON_MONTHS)
    data = await dataset(db, kind, as_of)
    card, _ = _fit_on(kind, data)
    in_sample = measure(card.probabilities(card.bins(data.rows)), data.outcomes)
    backtest = await evaluate(db, kind, today)
    return await store.insert_model(
        db,
        store.NewModel(
            kind=kind.value,
            features_as_of=as_of,
            outcomes_from=as_of,
            outcomes_until=data.until,
            examples=len(data.rows),
            positives=int(data.outcomes.sum()),
            scorecard=card.to_json(),
            metrics={"training": in_sample.to_json(), "backtest": backtest.to_json()},
            software=f"odx-graph {__version__}",
        ),
    )


async def score(db: Database, kind: ModelKind, today: dt.date) -> tuple[dict[str, Any], int]:
    """Score every home (or component) as it stands `today` with the newest model of
    `kind`; the scores replace that model's earlier ones. Returns the model and the count.
    The scorecard is applied in the database, where the features are read (one
    statement), with the bins and points :class:`Scorecard` gives."""
    model = await store.latest_model(db, kind.value)
    if model is None:
        raise InputError(f"no {kind.value} model yet: run `odx-graph model train` first")
    card = Scorecard.from_json(model["scorecard"])
    scoring = scoring_card(
        [
            (f.name, f.edges, f.categories, t)
            for f, t in zip(card.features, card.tenths, strict=True)
        ],
        card.baseline_tenths,
        POINTS_TO_DOUBLE / math.log(2.0),
    )
    costs = None
    if kind is ModelKind.COMPONENT_FAILURE:
        since = months_before(today, HORIZON_MONTHS)
        costs = {
            str(c["code"]): (float(c["emergency_share"]), float(c["mean_cost"]))
            for c in await store_features.repair_costs_by_type(db, since, today)
        }
    written = await score_in_database(db, kind.value, int(model["id"]), today, scoring, costs)
    return model, written
