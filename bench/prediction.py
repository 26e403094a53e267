"""Train, score and back-test the prediction models on a demo database: the time of each
step against reading the features alone (the baseline, same run), and the back-test's
tables (docs/predictive.md) for bench/RESULTS.md.

Loads the demo into a scratch database (``--homes``), or uses an existing, already
loaded and migrated database (``--database URL``) with ``--as-of`` the day it was
generated for.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import platform
import sys
import time
from collections.abc import Awaitable
from pathlib import Path
from typing import Any
from typing import TypeVar

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _server import scratch_database

from odx_graph.core.vocab import migrations_dir
from odx_graph.services import demo
from odx_graph.services.prediction import models
from odx_graph.services.prediction import report
from odx_graph.services.prediction.features import ModelKind
from odx_graph.services.refdata import sync_reference_data
from odx_graph.store.db import Database
from odx_graph.store.migrations import migrate

T = TypeVar("T")


async def timed(step: Awaitable[T]) -> tuple[T, float]:
    """The step's result and its seconds."""
    started = time.perf_counter()
    result = await step
    return result, time.perf_counter() - started


async def run(url: str, as_of: dt.date) -> None:
    db = await Database.connect(url, statement_timeout_ms=1_800_000, max_size=2)
    try:
        homes = await db.fetchval("SELECT count(*) FROM home")
        parts = await db.fetchval("SELECT count(*) FROM component")
        print(f"{homes:,} homes, {parts:,} components; as of {as_of}\n")
        print("| step | seconds | against reading its features |")
        print("| --- | ---: | ---: |")
        evaluations: list[Any] = []
        for kind in ModelKind:
            _, baseline = await timed(models.dataset(db, kind, models.months_before(as_of, 12)))
            _, trained = await timed(models.train(db, kind, as_of))
            (_, count), scored = await timed(models.score(db, kind, as_of))
            evaluation, evaluated = await timed(models.evaluate(db, kind, as_of))
            evaluations.append(evaluation)
            print(f"| {kind.value}: read features (baseline) | {baseline:.1f} | 1.0 |")
            print(
                f"| {kind.value}: train (with its back-test) | {trained:.1f} "
                f"| {trained / baseline:.1f} |"
            )
            print(f"| {kind.value}: score {count:,} | {scored:.1f} | {scored / baseline:.1f} |")
            print(f"| {kind.value}: evaluate | {evaluated:.1f} | {evaluated / baseline:.1f} |")
        print()
        for evaluation in evaluations:
            print(report.evaluation_markdown(evaluation))
    finally:
        await db.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--homes", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=20251027)
    parser.add_argument("--database", help="an existing demo database (skips loading)")
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=dt.date(2026, 6, 30))
    args = parser.parse_args()
    print(
        f"# prediction, {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, "
        f"{platform.machine()}, Python {platform.python_version()}\n"
    )
    if args.database:
        await run(args.database, args.as_of)
        return
    async with scratch_database() as url:
        conn = await asyncpg.connect(url)
        try:
            await migrate(conn, migrations_dir())
            await sync_reference_data(conn)
            await demo.load_demo(conn, homes=args.homes, seed=args.seed, as_of=args.as_of)
        finally:
            await conn.close()
        await run(url, args.as_of)


if __name__ == "__main__":
    asyncio.run(main())
