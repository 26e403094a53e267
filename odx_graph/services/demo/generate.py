"""The chunked generator: the whole demo dataset as batches of rows in foreign-key order."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from odx_graph.services.demo.chunks import Chunk
from odx_graph.services.demo.codes import CodeLists
from odx_graph.services.demo.draws import seeded_random
from odx_graph.services.demo.plan import Plan
from odx_graph.services.demo.tables import COLUMNS
from odx_graph.services.demo.tables import TABLES
from odx_graph.services.demo.tables import Batch
from odx_graph.services.demo.world import World


def generate(
    *,
    homes: int,
    seed: int,
    as_of: date,
    codes: CodeLists,
    chunk_homes: int = 2000,
    ventilation: bool = True,
) -> Iterator[Batch]:
    """Yield the demo dataset as batches of rows in foreign-key order, chunked by homes.

    First the organisations and the landlords' references to their contractors, then per
    chunk of about `chunk_homes` homes: buildings, homes, references, components, repairs,
    repair lines, status events, damp and mould cases and EPCs (the last two only when the
    code lists have their codes). Ids are explicit and start at 1. The same arguments
    always give the same rows: all randomness comes from generators seeded by `seed` and the
    chunk number, never from the clock (so another `chunk_homes` gives other, equally valid
    rows). Repairs and damp and mould cases cover the three years before `as_of` (midnight
    UTC), EPCs the twelve years before it. Ventilation (and the damp and mould cases it
    adds) is drawn on streams of its own: with ``ventilation=False`` the other rows are
    the same.
    """
    if homes < 0 or chunk_homes < 1:
        raise ValueError("homes must be >= 0 and chunk_homes >= 1")
    plan = Plan(codes, seed, as_of, homes)
    world = World(plan)
    yield Batch("organisation", COLUMNS["organisation"], list(plan.organisation_rows))
    yield Batch("reference", COLUMNS["reference"], _contractor_references(plan, world))
    done, chunk = 0, 0
    while done < homes:
        size = min(chunk_homes, homes - done)
        builder = Chunk(
            plan,
            world,
            seeded_random(f"{seed}:chunk:{chunk}"),
            seeded_random(f"{seed}:ventilation:{chunk}") if ventilation else None,
        )
        builder.build(size)
        for table in TABLES[1:]:
            rows = builder.rows[table]
            if rows:
                yield Batch(table, COLUMNS[table], rows)
        done += size
        chunk += 1


def _contractor_references(plan: Plan, world: World) -> list[tuple[Any, ...]]:
    """Each landlord's supplier code for every contractor working in its districts."""
    rows: list[tuple[Any, ...]] = []
    for li, landlord_id in enumerate(plan.landlord_ids):
        mine = set(plan.landlord_districts[li])
        serving = [c for c, served in plan.contractor_districts.items() if served & mine]
        for n, contractor_id in enumerate(serving, start=1):
            rows.append(
                (
                    world.next_id["reference"],
                    "organisation",
                    contractor_id,
                    f"SUP-{li + 1}{n:03d}",
                    landlord_id,
                    "supplier code",
                )
            )
            world.next_id["reference"] += 1
    return rows
