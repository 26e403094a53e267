"""Replaying the change feed into an independent, empty Oxigraph store.

Loads a demo of ``--homes`` homes into a scratch database, publishes every change into
the log and renders every page of the feed as a server sends it (N-Quads and TriG; not
timed: that is the server's side). Then, timed, into a new empty store each:

1. the follower of ``odx-graph follow`` (``follower.apply_page``): a page at a time, only
   each thing's latest version of the page written, in one insert a page;
2. the same with TriG pages;
3. with ``--naive``, a version at a time (remove the thing's graph, insert its triples):
   the loop docs/linked-data.md showed before the follower;

each in members (versions) a second, against bulk-loading the dump's N-Triples into an
empty store (the baseline, same run). Every replay is checked to hold the dump's triples.

    python bench/feed_replay.py --homes 10000
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import platform
import sys
import time
from pathlib import Path

import asyncpg
import pyoxigraph as ox

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._server import scratch_database
from odx_graph.core.access import PUBLIC
from odx_graph.core.config import Settings
from odx_graph.core.vocab import migrations_dir
from odx_graph.services import demo
from odx_graph.services.linked_data import dataset
from odx_graph.services.linked_data import feed
from odx_graph.services.linked_data.follower import apply_page
from odx_graph.services.linked_data.rdf_formats import RdfFormat
from odx_graph.services.refdata import sync_reference_data
from odx_graph.store import changes
from odx_graph.store.db import READER_ROLE
from odx_graph.store.db import Database
from odx_graph.store.migrations import migrate

BASE = "http://odx.test"
TREE_MEMBER = "https://w3id.org/tree#member"
IS_VERSION_OF = "http://purl.org/dc/terms/isVersionOf"
DELETE = "https://www.w3.org/ns/activitystreams#Delete"


def _naive(store: ox.Store, body: bytes) -> int:
    """A version at a time, as the earlier sync loop did; returns the versions applied."""
    about: dict[ox.NamedNode, dict[str, object]] = {}
    graphs: dict[object, list[ox.Quad]] = {}
    members = []
    for q in ox.parse(body, ox.RdfFormat.N_QUADS):
        if isinstance(q.graph_name, ox.DefaultGraph):
            about.setdefault(q.subject, {})[q.predicate.value] = q.object  # type: ignore[index]
            if q.predicate.value == TREE_MEMBER:
                members.append(q.object)
        else:
            graphs.setdefault(q.graph_name, []).append(q)
    for version in sorted(members, key=lambda v: int(v.value.rsplit("/", 1)[1])):
        facts = about[version]
        thing = facts[IS_VERSION_OF]
        assert isinstance(thing, ox.NamedNode)
        store.remove_graph(thing)
        kind = facts["http://www.w3.org/1999/02/22-rdf-syntax-ns#type"]
        if getattr(kind, "value", None) != DELETE:
            store.extend(
                ox.Quad(q.subject, q.predicate, q.object, thing) for q in graphs.get(version, [])
            )
    return len(members)


def _replay(bodies: list[bytes], rdf_format: ox.RdfFormat) -> tuple[ox.Store, int, float]:
    store = ox.Store()
    position, versions = 0, 0
    started = time.perf_counter()
    for body in bodies:
        applied = apply_page(store, body, rdf_format, position)
        position, versions = applied.position, versions + applied.versions
    return store, versions, time.perf_counter() - started


async def run(url: str, homes: int, naive: bool) -> None:
    """Print a Markdown table of the replays against the dump's bulk load."""
    conn = await asyncpg.connect(url)
    await migrate(conn, migrations_dir())
    await sync_reference_data(conn)
    started = time.perf_counter()
    await demo.load_demo(conn, homes=homes, seed=20251027, as_of=dt.date(2026, 6, 30))
    print(f"demo of {homes:,} homes loaded in {time.perf_counter() - started:.0f} s")
    await conn.close()
    db = await Database.connect(url, max_size=4, statement_timeout_ms=0)
    try:
        reader = db.with_role(READER_ROLE)
        started = time.perf_counter()
        while await feed.publish_all(db, rounds=50):
            pass
        last, _ = await changes.log_end(db)
        print(f"published {last:,} versions in {time.perf_counter() - started:.0f} s")
        pages = [await feed.read_page(reader, n) for n in range(feed.page_of(last) + 1)]
        nquads = [feed.page_nquads(BASE, p).encode() for p in pages if p is not None]
        trig = [feed.page_trig(BASE, p).encode() for p in pages if p is not None]
        del pages
        settings = Settings.from_env({}, base_iri=BASE)
        chunks = [c async for c in dataset.dump(reader, settings, PUBLIC, RdfFormat.NTRIPLES)]
        dump = b"".join(chunks)
    finally:
        await db.close()

    started = time.perf_counter()
    baseline = ox.Store()
    baseline.bulk_load(dump, ox.RdfFormat.N_TRIPLES)
    baseline_s = time.perf_counter() - started
    triples = len(baseline)
    print(
        f"\n{platform.node()}, {dt.date.today()}, {homes:,} homes: {last:,} versions in "
        f"{len(nquads):,} pages ({sum(map(len, nquads)) / 1e6:,.0f} MB as N-Quads); the dump "
        f"{triples:,} triples\n"
    )
    print("| replay into an empty store | seconds | versions/s | against the dump's bulk load |")
    print("| --- | ---: | ---: | ---: |")
    print(f"| bulk-loading the dump's N-Triples (baseline) | {baseline_s:.1f} | | 1.0 |")
    for label, bodies, rdf_format in (
        ("follower, N-Quads pages", nquads, ox.RdfFormat.N_QUADS),
        ("follower, TriG pages", trig, ox.RdfFormat.TRIG),
    ):
        store, versions, took = _replay(bodies, rdf_format)
        assert versions == last and len(store) == triples, "the replay is not the dump"
        print(f"| {label} | {took:.1f} | {versions / took:,.0f} | {took / baseline_s:.2f} |")
        del store
    if naive:
        store = ox.Store()
        started = time.perf_counter()
        versions = sum(_naive(store, body) for body in nquads)
        took = time.perf_counter() - started
        assert versions == last and len(store) == triples, "the replay is not the dump"
        print(
            f"| a version at a time, N-Quads pages | {took:.1f} | {versions / took:,.0f} | "
            f"{took / baseline_s:.2f} |"
        )


def main() -> None:
    """Parse the arguments and run on a scratch database."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--homes", type=int, default=10_000)
    parser.add_argument("--naive", action="store_true", help="time a version at a time too")
    args = parser.parse_args()

    async def scratch() -> None:
        async with scratch_database() as url:
            await run(url, args.homes, args.naive)

    asyncio.run(scratch())


if __name__ == "__main__":
    main()
