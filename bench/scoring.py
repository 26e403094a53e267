"""Time ``odx-graph model score`` on an existing, loaded and migrated demo database
(``--database URL``): each kind's scoring against reading the same features alone (the
baseline, measured in the same run), ``--rounds`` times, for bench/RESULTS.md.

Trains a model of each kind first if the database has none (``--as-of``, the day the
demo was generated for). Each round scores again with the same model, replacing its
scores; ``--fresh`` empties them first (untimed), as scoring just after training does.
Run it with the code to measure on ``PYTHONPATH``: scoring is ``models.score`` as that
code has it, so two trees give a before and after on one database.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import platform
import statistics
import time

from odx_graph.services.prediction import models
from odx_graph.services.prediction.features import ModelKind
from odx_graph.store.db import Database

TABLES = {
    ModelKind.DAMP_MOULD: "home_damp_risk",
    ModelKind.COMPONENT_FAILURE: "component_failure_risk",
}


async def run(url: str, as_of: dt.date, rounds: int, fresh: bool) -> None:
    """Print a Markdown table of the median seconds of each step."""
    db = await Database.connect(url, statement_timeout_ms=3_600_000, max_size=2)
    try:
        for kind in ModelKind:
            if not await db.fetchval(
                "SELECT count(*) FROM prediction_model WHERE kind = $1", kind.value
            ):
                started = time.perf_counter()
                await models.train(db, kind, as_of)
                print(f"trained {kind.value} in {time.perf_counter() - started:.0f} s")
        homes = await db.fetchval("SELECT count(*) FROM home")
        parts = await db.fetchval("SELECT count(*) FROM component")
        print(f"\n{platform.node()}, {dt.date.today()}, {homes:,} homes, {parts:,} components\n")
        print("| step | median seconds | against reading its features |")
        print("| --- | ---: | ---: |")
        for kind in ModelKind:
            read, score = [], []
            written = 0
            for _ in range(rounds):
                started = time.perf_counter()
                await models.dataset(db, kind, as_of)
                read.append(time.perf_counter() - started)
                if fresh:  # as after training: no earlier scores of the model to replace
                    await db.execute(f"TRUNCATE {TABLES[kind]}")
                started = time.perf_counter()
                _, written = await models.score(db, kind, as_of)
                score.append(time.perf_counter() - started)
            base, took = statistics.median(read), statistics.median(score)
            print(f"| {kind.value}: read features (baseline) | {base:.2f} | 1.0 |")
            print(f"| {kind.value}: score {written:,} | {took:.2f} | {took / base:.2f} |")
    finally:
        await db.close()


def main() -> None:
    """Parse the arguments and run."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", required=True, help="a loaded demo database's URL")
    parser.add_argument("--as-of", required=True, type=dt.date.fromisoformat)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--fresh",
        action="store_true",
        help="empty the scores before each round (untimed), as a first scoring after training",
    )
    args = parser.parse_args()
    asyncio.run(run(args.database, args.as_of, args.rounds, args.fresh))


if __name__ == "__main__":
    main()
