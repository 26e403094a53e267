"""SPARQL and the change feed on a demo dataset.

1. Publishing the whole demo into the change log (versions/s), against exporting the
   same rows as the dump (triples/s), same run.
2. Building the SPARQL store from the log, against loading the dump's N-Triples into an
   empty Oxigraph store, same run.
3. Five questions (lookups, joins across homes and repairs, a group count) through the
   server's query path (aggregates over mapped terms translated to SQL, the rest
   evaluated in a store worker; SPARQL JSON), cold (every answer worked out) and kept
   (asked again with no write between), p50/p95 over --repeat runs each, against
   the same questions on the store alone (a worker for everything) and in plain SQL on
   PostgreSQL, same run.
4. Replaying the whole feed (every page, as a follower reads it) into an independent
   empty Oxigraph store: members/s, against loading the dump into one, same run.

    python bench/sparql.py --homes 5000 --repeat 50
    python bench/sparql.py --database postgresql://.../demo100k --no-feed --store-repeat 3
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import functools
import statistics
import sys
import time
import uuid
from collections.abc import Awaitable
from collections.abc import Callable
from pathlib import Path

import asyncpg
import pyoxigraph as ox

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._server import publish_change_log
from odx_graph.core.access import PUBLIC
from odx_graph.core.config import Settings
from odx_graph.core.vocab import migrations_dir
from odx_graph.services import demo
from odx_graph.services.insight.cache import InsightCache
from odx_graph.services.linked_data import dataset
from odx_graph.services.linked_data import feed
from odx_graph.services.linked_data.rdf_formats import RdfFormat
from odx_graph.services.linked_data.sparql import ANSWERS_KEPT
from odx_graph.services.linked_data.sparql import SparqlStore
from odx_graph.services.linked_data.sparql import results_json
from odx_graph.services.linked_data.sparql_sql import compile_query
from odx_graph.services.refdata import sync_reference_data
from odx_graph.store import changes
from odx_graph.store.db import READER_ROLE
from odx_graph.store.db import Database
from odx_graph.store.migrations import migrate

BASE = "http://odx.test"
PREFIX = "PREFIX odx: <https://w3id.org/odx/def#>\n"


def questions(uprn: str, home: int, district: str) -> list[tuple[str, str, str, list[object]]]:
    """(name, SPARQL, SQL, SQL arguments) for the five questions."""
    return [
        (
            "home by UPRN",
            PREFIX + f'SELECT ?h ?pc WHERE {{ ?h odx:uprn "{uprn}" ; odx:postcode ?pc }}',
            "SELECT id, postcode FROM home WHERE uprn = $1::bigint",
            [int(uprn)],
        ),
        (
            "a home's repairs with their lines",
            PREFIX + f"SELECT ?r ?sor ?q WHERE {{ ?r odx:forHome <{BASE}/id/home/{home}> ; "
            "odx:hasLine ?l . ?l odx:sorCode ?sor ; odx:quantity ?q }",
            "SELECT r.id, l.sor_code, l.quantity FROM repair r "
            "JOIN repair_line l ON l.repair_id = r.id WHERE r.home_id = $1",
            [home],
        ),
        (
            "open repairs in a district (join)",
            PREFIX + f'SELECT ?r ?h WHERE {{ ?h odx:postcodeDistrict "{district}" . '
            "?r odx:forHome ?h . FILTER NOT EXISTS { ?r odx:completedAt ?c } }",
            "SELECT r.id, h.id FROM home h JOIN repair r ON r.home_id = h.id "
            "WHERE h.postcode_district = $1 AND r.completed_at IS NULL",
            [district],
        ),
        (
            "repair cost by district (join + group)",
            PREFIX
            + "SELECT ?d (SUM(?cost) AS ?total) WHERE { ?r odx:forHome ?h ; odx:cost ?cost . "
            "?h odx:postcodeDistrict ?d } GROUP BY ?d",
            "SELECT h.postcode_district, sum(r.cost) FROM repair r JOIN home h "
            "ON h.id = r.home_id WHERE r.cost IS NOT NULL GROUP BY 1",
            [],
        ),
        (
            "homes by district (group count)",
            PREFIX
            + "SELECT ?d (COUNT(?h) AS ?n) WHERE { ?h a odx:Home ; odx:postcodeDistrict ?d } "
            "GROUP BY ?d",
            "SELECT postcode_district, count(*) FROM home GROUP BY 1",
            [],
        ),
    ]


async def _json(store: SparqlStore, sparql: str) -> bytes:
    """The answer as the endpoint sends it by default."""
    return results_json(await store.query(sparql, [], []))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--homes", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument(
        "--store-repeat",
        type=int,
        default=0,
        help="runs of each question on the store alone "
        "(default: --repeat; fewer when a group over the whole store takes seconds)",
    )
    parser.add_argument("--dsn", default="postgresql://postgres@127.0.0.1/postgres")
    parser.add_argument(
        "--database", help="a database holding a loaded demo: used as it is, not dropped"
    )
    parser.add_argument(
        "--no-feed",
        action="store_true",
        help="skip the dump's baselines and the feed's replay (they hold the dump in memory)",
    )
    parser.add_argument(
        "--no-store",
        action="store_true",
        help="build no store: time only the questions PostgreSQL answers, without the store "
        "alone (at 100,000 homes a group over every repair runs for minutes there)",
    )
    args = parser.parse_args()
    store_repeat = 0 if args.no_store else (args.store_repeat or args.repeat)
    if args.database:
        await run(args.database, None, args.repeat, store_repeat, feed_too=not args.no_feed)
        return
    name = f"odx_bench_sparql_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(args.dsn)
    await admin.execute(f"CREATE DATABASE {name}")
    dsn = args.dsn.rsplit("/", 1)[0] + f"/{name}"
    try:
        await run(dsn, args.homes, args.repeat, store_repeat, feed_too=not args.no_feed)
    finally:
        await admin.execute(f"DROP DATABASE {name} WITH (FORCE)")
        await admin.close()


async def timed(ask: Callable[[], Awaitable[object]], times: int) -> list[float]:
    """Milliseconds of ``times`` runs of ``ask``."""
    out = []
    for _ in range(times):
        started = time.perf_counter()
        await ask()
        out.append((time.perf_counter() - started) * 1000)
    return out


async def run(
    dsn: str, homes: int | None, repeat: int, store_repeat: int, *, feed_too: bool
) -> None:
    if homes is not None:
        conn = await asyncpg.connect(dsn)
        await migrate(conn, migrations_dir())
        await sync_reference_data(conn)
        await demo.load_demo(conn, homes=homes, seed=20251027, as_of=dt.date(2026, 6, 30))
        await conn.close()
    db = await Database.connect(dsn, max_size=4, statement_timeout_ms=0)
    reader = db.with_role(READER_ROLE)
    settings = Settings.from_env({}, base_iri=BASE, sparql_timeout_ms=600_000)
    count = await db.fetchval("SELECT count(*) FROM home")
    print(f"# {count} homes; {await changes.pending_count(db)} noted changes")

    if store_repeat or feed_too:  # the store is built from the log; PostgreSQL needs none
        published, publish_s = await publish_change_log(db)
        print(f"publish: {published} versions in {publish_s:.1f} s")
    dump = b""
    triples = 0
    if feed_too:
        started = time.perf_counter()
        chunks = [c async for c in dataset.dump(reader, settings, PUBLIC, RdfFormat.NTRIPLES)]
        dump = b"".join(chunks)
        dump_s = time.perf_counter() - started
        triples = dump.count(b"\n")
        print(f"baseline dump export: {triples} triples in {dump_s:.1f} s")

    store = SparqlStore(settings)
    if store_repeat:
        started = time.perf_counter()
        await store.build(reader)
        print(f"store build from log: {time.perf_counter() - started:.1f} s")
    if feed_too:
        started = time.perf_counter()
        plain = ox.Store()
        plain.bulk_load(dump, ox.RdfFormat.N_TRIPLES)
        print(f"baseline bulk load of the dump: {time.perf_counter() - started:.1f} s")
        del plain

    uprn, home, district = await db.fetchrow(
        "SELECT uprn::text, id, postcode_district FROM home ORDER BY id LIMIT 1"
    )
    # The server's path: aggregates over mapped terms in PostgreSQL (sparql_sql), the rest
    # in a store worker. Against the store alone (a worker for everything) and plain SQL.
    print(
        "| question | answered by | cold p50 ms | cold p95 ms | kept p50 ms | kept p95 ms "
        "| store alone p50 ms | store alone p95 ms | SQL p50 ms | SQL p95 ms "
        "| p95 cold / store | p95 cold / SQL |"
    )
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for label, sparql, sql, sql_args in questions(uprn, home, district):
        answered = "PostgreSQL" if compile_query(sparql, BASE) is not None else "store"
        if answered == "store" and not store_repeat:
            print(f"| {label} | store | (no store built) |")
            continue
        ask = functools.partial(_json, store, sparql)
        baseline = functools.partial(reader.fetch, sql, *sql_args)
        cold_ms, kept_ms, sql_ms = [], [], []
        store.reader = lambda: reader
        await ask()  # a worker opens the store once, before its first question
        for _ in range(repeat):  # interleaved, so load on the machine hits all alike
            store.answers = None  # every answer worked out
            cold_ms += await timed(ask, 1)
            store.answers = InsightCache(ANSWERS_KEPT)  # asked again, no write between
            await ask()
            kept_ms += await timed(ask, 1)
            sql_ms += await timed(baseline, 1)
        store.reader, store.answers = None, None
        alone_ms = await timed(ask, store_repeat)
        p95, base95 = percentile(cold_ms, 0.95), percentile(sql_ms, 0.95)
        alone = "| - | - "
        ratio = "-"
        if alone_ms:
            alone95 = percentile(alone_ms, 0.95)
            alone = f"| {statistics.median(alone_ms):.1f} | {alone95:.1f} "
            ratio = f"{p95 / alone95:.2f}x"
        print(
            f"| {label} | {answered} | {statistics.median(cold_ms):.1f} | {p95:.1f} | "
            f"{statistics.median(kept_ms):.1f} | {percentile(kept_ms, 0.95):.1f} "
            f"{alone}| {statistics.median(sql_ms):.1f} | {base95:.1f} | {ratio} | "
            f"{p95 / base95:.1f}x |"
        )
    await store.stop_workers()
    if not feed_too:
        store.close()
        await db.close()
        return

    # The feed as a follower reads it: every page's TriG, parsed and applied in order.
    last, _ = await changes.log_end(db)
    pages = [await feed.read_page(reader, n) for n in range(feed.page_of(last) + 1)]
    bodies = [feed.page_trig(BASE, p).encode() for p in pages if p is not None]
    replica = ox.Store()
    started = time.perf_counter()
    members = 0
    for body in bodies:
        graphs: dict[ox.NamedNode, list[ox.Quad]] = {}
        about: dict[ox.NamedNode, ox.NamedNode] = {}
        for quad in ox.parse(body, ox.RdfFormat.TRIG):
            if quad.graph_name == ox.DefaultGraph():
                if quad.predicate.value == "http://purl.org/dc/terms/isVersionOf":
                    about[quad.subject] = quad.object
            else:
                graphs.setdefault(quad.graph_name, []).append(quad)
        for version, thing in sorted(
            about.items(), key=lambda v: int(v[0].value.rsplit("/", 1)[1])
        ):
            replica.remove_graph(thing)
            replica.extend(
                ox.Quad(q.subject, q.predicate, q.object, thing) for q in graphs.get(version, [])
            )
            members += 1
    replay_s = time.perf_counter() - started
    started = time.perf_counter()
    again = ox.Store()
    again.bulk_load(dump, ox.RdfFormat.N_TRIPLES)
    baseline_s = time.perf_counter() - started
    print(
        f"feed replay: {members} members ({len(replica)} triples) in {replay_s:.1f} s = "
        f"{members / replay_s:,.0f} members/s; baseline dump bulk load {baseline_s:.1f} s "
        f"= {triples / baseline_s:,.0f} triples/s; "
        f"replay/baseline time {replay_s / baseline_s:.1f}x"
    )
    assert len(replica) == len(again), "the replay is not the dump"
    await db.close()


if __name__ == "__main__":
    asyncio.run(main())
