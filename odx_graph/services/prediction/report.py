"""Back-tests and models as text: the tables ``odx-graph model`` prints (Markdown, so
they can go into a report as they are)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from odx_graph.services.prediction.evaluation import Metrics
from odx_graph.services.prediction.models import Evaluation


def _row(name: str, m: Metrics) -> str:
    return (
        f"| {name} | {m.auc:.3f} | {m.precision_at_top:.3f} | {m.brier:.4f} "
        f"| {m.calibration_error:.4f} | {m.mean_predicted:.4f} |"
    )


def evaluation_markdown(evaluation: Evaluation) -> str:
    """A back-test as Markdown: the model against its baselines, then its reliability."""
    m = evaluation.model
    lines = [
        f"### {evaluation.kind.value}: trained on features as of "
        f"{evaluation.trained_as_of} (outcomes to {evaluation.tested_as_of}, "
        f"{evaluation.training_cases:,} cases); tested on features as of "
        f"{evaluation.tested_as_of}, outcomes to {evaluation.tested_until}",
        "",
        f"{m.cases:,} cases tested, {m.positives:,} with the outcome ({m.positives / m.cases:.2%})."
        if m.cases
        else "No cases tested.",
        "",
        "| model | AUC | precision in top 5% | Brier | calibration error | mean predicted |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
        _row("scorecard", m),
        *(_row(name, b) for name, b in evaluation.baselines.items()),
        "",
        "Reliability of the scorecard (tenths of the tested cases by predicted risk):",
        "",
        "| cases | mean predicted | observed |",
        "| ---: | ---: | ---: |",
        *(f"| {r.cases:,} | {r.predicted:.4f} | {r.observed:.4f} |" for r in m.reliability),
    ]
    return "\n".join(lines) + "\n"


def models_text(rows: Iterable[Any]) -> str:
    """One line per recorded model: kind, version, window, size and back-test AUC."""
    out = []
    for r in rows:
        metrics = r["metrics"]
        backtest = metrics.get("backtest", {}).get("model", {}) if isinstance(metrics, dict) else {}
        auc = backtest.get("auc")
        out.append(
            f"{r['kind']:<18} v{r['version']:<4} features as of {r['features_as_of']}, "
            f"outcomes {r['outcomes_from']} to {r['outcomes_until']}: {r['examples']:,} cases, "
            f"{r['positives']:,} positive; back-test AUC "
            + (f"{auc:.3f}" if isinstance(auc, float) else "-")
        )
    return "\n".join(out) + ("\n" if out else "")
