"""GraphQL throughput: odx-graph's resolver path and compiled path against PostGraphile v4
and v5 and a raw-SQL server, on one scratch database, in interleaved rounds.

Seeds the demo dataset, publishes its change log, starts every server on 127.0.0.1
(uvicorn with one worker per core; odx-graph without a SPARQL store), checks they return
the same data for each query (normalised JSON), then runs
``wrk`` at 16 connections for a fixed time per query and server, round after round (A B C
A B C ...), and prints a Markdown report. PostGraphile is run from ``--postgraphile4`` and
``--postgraphile5`` (directories where ``npm install postgraphile@4`` / ``postgraphile@5
node@22 postgraphile-plugin-connection-filter`` were run; v5 is given the filter plugin when
it is there, for ranges); a server that is missing or fails to start is left out and said so.

``--database URL`` reads an already loaded database instead of seeding one (the only write
is the smart comment PostGraphile v4 needs); given twice, the two are run one after the
other and also printed side by side with the p95 ratio of the second to the first.

Beside homes, nested lists, a node and the stats, the queries include ones the compiled path
was not tuned for: a contractor's open jobs in a district with their SOR lines, homes by
ranges of bedrooms and year built with their EPCs and latest repairs (nationally), and a
page of a district's homes DEEP_OFFSET homes in, after each server's own cursor.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import datetime as dt
import decimal
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from _server import publish_change_log  # noqa: E402
from _server import scratch_database  # noqa: E402

from odx_graph.core.vocab import migrations_dir  # noqa: E402
from odx_graph.services import demo  # noqa: E402
from odx_graph.services.refdata import sync_reference_data  # noqa: E402
from odx_graph.store.db import Database  # noqa: E402
from odx_graph.store.migrations import migrate  # noqa: E402

AS_OF = dt.date(2026, 6, 30)
CORES = os.cpu_count() or 1

HOMES = """query($d: String!, $n: Int!) { homes(filter: {postcode: $d}, first: $n) { nodes {
  uprn postcode
  components(first: 10, orderBy: ID) { nodes {
    installDate componentType { label } condition { code } } }
  repairs(first: 3) { nodes { reportedAt cost status { code } } } } } }"""
PG_HOMES = """query($d: String!, $n: Int!) { homes: allHomes(condition: {postcodeDistrict: $d},
  first: $n, orderBy: [POSTCODE_ASC, PRIMARY_KEY_ASC]) { nodes { uprn postcode
  components: componentsByHomeId(first: 10, orderBy: [PRIMARY_KEY_ASC]) { nodes {
    installDate componentType: componentTypeByComponentTypeCode { label }
    condition: conditionByConditionCode { code } } }
  repairs: repairsByHomeId(first: 3, orderBy: [REPORTED_AT_DESC, PRIMARY_KEY_DESC]) { nodes {
    reportedAt cost status: repairStatusByStatusCode { code } } } } } }"""
JOBS = """query($d: [String!], $p: String!, $after: String) {
  organisations(filter: {kind: ["contractor"], servesPostcodeDistrict: $d}, first: 5) { nodes {
    name jobs(first: 10, after: $after, filter: {open: true, postcode: $p}) {
      totalCount pageInfo { hasNextPage endCursor }
      nodes { reportedAt targetAt priority { label } home { postcode } } } } } }"""
NODE = """query($id: ID!) { node(id: $id) { ... on Repair {
  reportedAt completedAt cost status { label } home { uprn postcode } } } }"""
PG_NODE_FIELDS = """reportedAt completedAt cost status: repairStatusByStatusCode { label }
  home: homeByHomeId { uprn postcode }"""
PG4_NODE = f"query($k: BigInt!) {{ node: repairById(id: $k) {{ {PG_NODE_FIELDS} }} }}"
PG5_NODE = f"query($k: BigInt!) {{ node: repairByRowId(rowId: $k) {{ {PG_NODE_FIELDS} }} }}"
NESTED = """query($d: String!) { homes(filter: {postcode: $d}, first: 20) { nodes { uprn
  repairs(first: 5) { nodes { reportedAt status { code }
    lines { lineNumber sorCode quantity cost } } } } } }"""
PG_NESTED = """query($d: String!) { homes: allHomes(condition: {postcodeDistrict: $d}, first: 20,
  orderBy: [POSTCODE_ASC, PRIMARY_KEY_ASC]) { nodes { uprn
  repairs: repairsByHomeId(first: 5, orderBy: [REPORTED_AT_DESC, PRIMARY_KEY_DESC]) { nodes {
    reportedAt status: repairStatusByStatusCode { code }
    lines: repairLinesByRepairId(orderBy: [LINE_NUMBER_ASC]) { nodes {
      lineNumber sorCode quantity cost } } } } } } }"""
STATS = """query($d: String!) { repairPerformance(groupBy: [POSTCODE_DISTRICT],
  scope: {postcode: $d}) { suppressed homes raised completed open medianHours p90Hours } }"""
# A contractor's open jobs in one district with their SOR lines (top-level repairs; the
# district is on the repair since migration 0033).
DISTRICT_JOBS = """query($c: ID!, $d: String!) {
  repairs(filter: {contractor: [$c], open: true, postcode: $d}, first: 20) { nodes {
    reportedAt targetAt cost status { code } priority { code }
    lines { lineNumber sorCode quantity cost } } } }"""
PG_DISTRICT_JOBS = """query($c: BigInt!, $d: String!) {
  repairs: allRepairs(condition: {contractorId: $c, isOpen: true, postcodeDistrict: $d},
    first: 20, orderBy: [REPORTED_AT_DESC, PRIMARY_KEY_DESC]) { nodes {
    reportedAt targetAt cost status: repairStatusByStatusCode { code }
    priority: priorityByPriorityCode { code }
    lines: repairLinesByRepairId(orderBy: [LINE_NUMBER_ASC]) { nodes {
      lineNumber sorCode quantity cost } } } } }"""
# Homes nationally (no district) by a range of bedrooms and of years built, with their
# newest EPCs and latest repairs. PostGraphile v5 needs the connection-filter plugin for
# ranges; both sides express the same inclusive ranges.
BEDS_YEARS = """query($b0: Int!, $b1: Int!, $y0: Int!, $y1: Int!) {
  homes(filter: {bedroomsMin: $b0, bedroomsMax: $b1, yearBuiltFrom: $y0, yearBuiltTo: $y1},
    first: 20) { nodes { uprn postcode bedrooms yearBuilt
  energyPerformanceCertificates(first: 3) { nodes { lodgementDate sapScore epcBand { code } } }
  repairs(first: 3) { nodes { reportedAt cost status { code } } } } } }"""
PG_BEDS_YEARS = """query($b0: Int!, $b1: Int!, $y0: Int!, $y1: Int!) {
  homes: allHomes(filter: {bedrooms: {greaterThanOrEqualTo: $b0, lessThanOrEqualTo: $b1},
    yearBuilt: {greaterThanOrEqualTo: $y0, lessThanOrEqualTo: $y1}},
    first: 20, orderBy: [POSTCODE_ASC, PRIMARY_KEY_ASC]) { nodes { uprn postcode bedrooms yearBuilt
  energyPerformanceCertificates: energyPerformanceCertificatesByHomeId(first: 3,
    orderBy: [LODGEMENT_DATE_DESC, PRIMARY_KEY_DESC]) { nodes {
      lodgementDate sapScore epcBand: epcBandByEpcBandCode { code } } }
  repairs: repairsByHomeId(first: 3, orderBy: [REPORTED_AT_DESC, PRIMARY_KEY_DESC]) { nodes {
    reportedAt cost status: repairStatusByStatusCode { code } } } } } }"""
# A page deep in a district's homes, after a cursor each server gave when its pages were
# walked to DEEP_OFFSET (the cursor is each server's own).
DEEP_OFFSET = 500
DEEP = """query($d: String!, $after: String) { homes(filter: {postcode: $d}, first: 20,
  after: $after) { nodes { uprn postcode bedrooms
  repairs(first: 3) { nodes { reportedAt status { code } } } } } }"""
PG_DEEP = """query($d: String!, $after: Cursor) { homes: allHomes(condition: {postcodeDistrict: $d},
  first: 20, after: $after, orderBy: [POSTCODE_ASC, PRIMARY_KEY_ASC]) { nodes {
  uprn postcode bedrooms
  repairs: repairsByHomeId(first: 3, orderBy: [REPORTED_AT_DESC, PRIMARY_KEY_DESC]) { nodes {
    reportedAt status: repairStatusByStatusCode { code } } } } } }"""
WALK = """query($d: String!, $n: Int!, $after: String) { homes(filter: {postcode: $d}, first: $n,
  after: $after) { pageInfo { endCursor } nodes { uprn } } }"""
PG_WALK = """query($d: String!, $n: Int!, $after: Cursor) {
  homes: allHomes(condition: {postcodeDistrict: $d}, first: $n, after: $after,
    orderBy: [POSTCODE_ASC, PRIMARY_KEY_ASC]) { pageInfo { endCursor } nodes { uprn } } }"""
BEDS_YEARS_VARS = {"b0": 2, "b1": 3, "y0": 1950, "y1": 1989}


def lua_script(body: str, path: Path) -> None:
    """A wrk script posting ``body`` and printing one JSON result line."""
    path.write_text(
        'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
        f"wrk.body = [==[{body}]==]\n"
        "done = function(s, latency, requests)\n"
        "  local e = s.errors\n"
        '  io.write(string.format(\'RESULT {"requests":%d,"us":%d,"errors":%d,"non2xx":%d,'
        '"p50":%d,"p95":%d,"p99":%d}\\n\', s.requests, s.duration, e.connect + e.read + '
        "e.write + e.timeout, e.status, latency:percentile(50), latency:percentile(95), "
        "latency:percentile(99)))\nend\n"
    )


def run_wrk(port: int, body: str, seconds: int, tmp: Path) -> dict[str, Any]:
    """One wrk run at 16 connections; requests/s and latency percentiles in ms."""
    script = tmp / f"post-{port}.lua"
    lua_script(body, script)
    out = subprocess.run(
        ["wrk", "-t2", "-c16", f"-d{seconds}s", "--timeout", "10s", "-s", str(script),
         f"http://127.0.0.1:{port}/graphql"],
        capture_output=True, text=True, check=True, timeout=seconds + 60,
    ).stdout  # fmt: skip
    found = re.search(r"^RESULT (.*)$", out, re.M)
    assert found, out
    r = json.loads(found.group(1))
    return {
        "rps": r["requests"] / (r["us"] / 1e6),
        "p50": r["p50"] / 1000,
        "p95": r["p95"] / 1000,
        "p99": r["p99"] / 1000,
        "errors": r["errors"] + r["non2xx"],
    }


@contextlib.contextmanager
def server(cmd: list[str], env: dict[str, str], cwd: Path, log: Path) -> Iterator[None]:
    """Run ``cmd`` for the duration of the block (its output in ``log``)."""
    with log.open("w") as out:
        proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
        try:
            yield
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()


async def post(port: int, query: str, variables: dict[str, Any]) -> Any:
    """One request; the decoded body."""
    async with httpx.AsyncClient(timeout=30) as http:
        url = f"http://127.0.0.1:{port}/graphql"
        response = await http.post(url, json={"query": query, "variables": variables})
        return response.json()


async def wait_ready(port: int, seconds: float = 90) -> bool:
    """Whether the server at ``port`` answers a GraphQL POST within ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError, ValueError):
            await post(port, "{ __typename }", {"d": "x", "n": 1})
            return True
        await asyncio.sleep(0.5)
    return False


def normalise(value: Any) -> Any:
    """JSON with timestamps, dates and decimals compared as values, not text."""
    if isinstance(value, dict):
        return {k: normalise(v) for k, v in value.items()}
    if isinstance(value, list):
        return [normalise(v) for v in value]
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            if re.fullmatch(r"\d{4}-\d\d-\d\dT.*", value):
                return dt.datetime.fromisoformat(value)
            if re.fullmatch(r"-?\d+\.\d+", value):
                return decimal.Decimal(value).normalize()
    return value


def unwrap_lists(value: Any) -> Any:
    """PostGraphile's short lists are connections: ``{nodes: [...]}`` -> ``[...]``."""
    if isinstance(value, dict):
        if set(value) == {"nodes"} and isinstance(value["nodes"], list):
            return [unwrap_lists(v) for v in value["nodes"]]
        return {k: unwrap_lists(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unwrap_lists(v) for v in value]
    return value


async def count_statements(url: str, cases: dict[str, tuple[str, dict[str, Any]]]) -> Any:
    """SQL statements per request of each odx-graph path, counted in process."""
    from dataclasses import replace

    from odx_graph.api.compiled.view import install
    from odx_graph.core.config import Settings
    from odx_graph.store.db import Database
    from odx_graph.web.app import create_app

    db = await Database.connect(url)
    sent: list[str] = []
    db.add_listener(sent.append)
    settings = Settings.from_env({}, database_url=url, rate_limit_per_minute=0)
    counts: dict[str, dict[str, int]] = {}
    try:
        for label, compiled in (("odx resolvers", False), ("odx compiled", True)):
            app = create_app(replace(settings, compiled_queries=compiled), database=db)
            if compiled:
                install(app)
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://b") as http:
                for name, (query, variables) in cases.items():
                    sent.clear()
                    await http.post("/graphql", json={"query": query, "variables": variables})
                    counts.setdefault(name, {})[label] = len(sent)
    finally:
        await db.close()
    return counts


async def seed(url: str, homes: int) -> None:
    """Load the demo data into a scratch database."""
    conn = await asyncpg.connect(url)
    try:
        await migrate(conn, migrations_dir())
        await sync_reference_data(conn)
        await demo.load_demo(conn, homes=homes, seed=20251027, as_of=AS_OF)
        await conn.execute("ANALYZE")
    finally:
        await conn.close()


async def pick(url: str) -> dict[str, Any]:
    """The busiest district, a repair and the contractor with most open jobs there."""
    conn = await asyncpg.connect(url)
    try:
        # PostGraphile v4 names this function and the view over it alike; hide the function
        # from it (a smart comment, read by PostGraphile only).
        if await conn.fetchval("SELECT to_regprocedure('awaab_clocks(timestamptz)')"):
            await conn.execute("COMMENT ON FUNCTION awaab_clocks(timestamptz) IS '@omit'")
        district = await conn.fetchval(
            "SELECT postcode_district FROM home GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1"
        )
        contractor = await conn.fetchval(
            "SELECT contractor_id FROM repair WHERE postcode_district = $1 AND is_open"
            " AND contractor_id IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1",
            district,
        )
        return {
            "district": district,
            "repair": await conn.fetchval("SELECT min(id) FROM repair"),
            "contractor": contractor,
            "homes": await conn.fetchval("SELECT count(*) FROM home"),
        }
    finally:
        await conn.close()


async def walk(port: int, query: str, district: str) -> str | None:
    """The cursor after the first DEEP_OFFSET homes of ``district``, walked 100 at a time."""
    after = None
    for _ in range(DEEP_OFFSET // 100):
        body = await post(port, query, {"d": district, "n": 100, "after": after})
        homes = body["data"]["homes"]
        if len(homes["nodes"]) < 100:
            return None
        after = homes["pageInfo"]["endCursor"]
    return after


def cases(picked: dict[str, Any]) -> dict[str, dict[str, tuple[str, dict[str, Any]]]]:
    """Per benchmark query: the query and variables each kind of server gets."""
    d, repair = picked["district"], picked["repair"]
    gid = base64.b64encode(f"Repair:{repair}".encode()).decode()

    def both_pg(query: str, variables: dict[str, Any]) -> dict[str, Any]:
        return {"pg4": (query, variables), "pg5": (query, variables)}

    return {
        "homes x10": {"odx": (HOMES, {"d": d, "n": 10}), **both_pg(PG_HOMES, {"d": d, "n": 10}),
                      "raw": (HOMES, {"d": d, "n": 10})},
        "homes x100": {"odx": (HOMES, {"d": d, "n": 100}),
                       **both_pg(PG_HOMES, {"d": d, "n": 100}), "raw": (HOMES, {"d": d, "n": 100})},
        "contractor jobs": {"odx": (JOBS, {"d": [d], "p": d, "after": None})},
        "node by id": {"odx": (NODE, {"id": gid}), "pg4": (PG4_NODE, {"k": str(repair)}),
                       "pg5": (PG5_NODE, {"k": str(repair)})},
        "nested 3 levels": {"odx": (NESTED, {"d": d}), **both_pg(PG_NESTED, {"d": d})},
        "stats": {"odx": (STATS, {"d": d})},
        "district jobs + lines": {
            "odx": (DISTRICT_JOBS, {"c": base64.b64encode(
                f"Organisation:{picked['contractor']}".encode()).decode(), "d": d}),
            "pg5": (PG_DISTRICT_JOBS, {"c": str(picked["contractor"]), "d": d})},
        "homes beds+years": {"odx": (BEDS_YEARS, BEDS_YEARS_VARS),
                             "pg5": (PG_BEDS_YEARS, BEDS_YEARS_VARS)},
        f"deep page @{DEEP_OFFSET}": {"odx": (DEEP, {"d": d, "after": None}),
                                      "pg5": (PG_DEEP, {"d": d, "after": None})},
    }  # fmt: skip


def servers(
    url: str, args: argparse.Namespace, tmp: Path
) -> dict[str, tuple[str, int, list[str], Path]]:
    """name -> (kind of query it takes, port, command, working directory)."""
    uvicorn = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "--host",
        "127.0.0.1",
        "--workers",
        str(CORES),
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    found = {
        "odx resolvers": ("odx", 18101, [*uvicorn, "--port", "18101",
                                         "_graphql_apps:odx_resolvers"], BENCH),
        "odx compiled": ("odx", 18102, [*uvicorn, "--port", "18102",
                                        "_graphql_apps:odx_compiled"], BENCH),
        "raw SQL": ("raw", 18103, [*uvicorn, "--port", "18103", "_graphql_apps:raw_sql"], BENCH),
    }  # fmt: skip
    v4 = Path(args.postgraphile4) / "node_modules/postgraphile/cli.js"
    if v4.exists():
        found["PostGraphile v4"] = ("pg4", 18104, [
            "node", str(v4), "-c", url, "-s", "public", "-n", "127.0.0.1", "-p", "18104",
            "--disable-graphiql", "--cluster-workers", str(CORES), "--disable-query-log",
            "--max-pool-size", "10"], Path(args.postgraphile4))  # fmt: skip
    v5 = Path(args.postgraphile5) / "node_modules/postgraphile/dist/cli-run.js"
    node22 = Path(args.postgraphile5) / "node_modules/.bin/node"
    presets = ["postgraphile/presets/amber"]
    if (Path(args.postgraphile5) / "node_modules/postgraphile-plugin-connection-filter").exists():
        presets.append("postgraphile-plugin-connection-filter:PostGraphileConnectionFilterPreset")
        # By default v5 filters (and orders) only by indexed columns; bedrooms and year
        # built have no index, and odx-graph filters by them all the same.
        unindexed = tmp / "pgl5-unindexed.cjs"
        unindexed.write_text('module.exports = {disablePlugins: ["PgIndexBehaviorsPlugin"]};\n')
        presets.append(str(unindexed))
    if v5.exists() and node22.exists():
        found["PostGraphile v5"] = ("pg5", 18105, [
            str(node22), str(v5), "-P", ",".join(presets), "-c", url, "-s", "public",
            "-n", "127.0.0.1", "-p", "18105"], Path(args.postgraphile5))  # fmt: skip
    return found


Results = dict[tuple[str, str], list[dict[str, Any]]]


async def bench(url: str, args: argparse.Namespace) -> dict[str, Any]:
    """Start every server on ``url``, check their answers agree and run the wrk rounds."""
    picked = await pick(url)
    db = await Database.connect(url, max_size=2, statement_timeout_ms=0)
    try:
        if args.discard_unpublished:
            discarded = await db.fetchval("SELECT count(*) FROM change_pending")
            await db.execute("TRUNCATE change_pending")
            picked["published"] = f"{discarded:,} noted changes discarded unpublished"
        else:
            published, publish_s = await publish_change_log(db)
            picked["published"] = f"{published:,} versions published first in {publish_s:.0f} s"
    finally:
        await db.close()
    queries = {k: v for k, v in cases(picked).items() if not args.query or k in args.query}
    env = {**os.environ, "ODX_DATABASE_URL": url, "ODX_DEMO": "no",
           "ODX_RATE_LIMIT_PER_MINUTE": "0", "ODX_LOG_LEVEL": "WARNING",
           "ODX_MAX_CONCURRENT_REQUESTS": "64", "ODX_BASE_IRI": "http://127.0.0.1:18101",
           "PYTHONPATH": os.pathsep.join([str(BENCH.parent), str(BENCH)]),
           "GRAPHILE_ENV": "production",
           # No SPARQL store: each odx-graph worker would build one from the whole change
           # log as it starts (minutes of a core each at 100,000 homes), beside the rounds.
           "ODX_SPARQL_STORE": "false"}  # fmt: skip
    notes: list[str] = []
    results: Results = {}
    with (
        tempfile.TemporaryDirectory(prefix="odx-gql-bench-") as tmp,
        contextlib.ExitStack() as stack,
    ):
        live = {}
        # One after another: every odx-graph worker migrates and syncs the code lists as it
        # starts, and all of them at once on a busy machine can pass the statement timeout.
        for name, (kind, port, cmd, cwd) in servers(url, args, Path(tmp)).items():
            if args.server and name not in args.server:
                continue
            stack.enter_context(server(cmd, env, cwd, Path(tmp) / f"{port}.log"))
            if await wait_ready(port):
                live[name] = (kind, port)
            else:
                log = (Path(tmp) / f"{port}.log").read_text()[-400:]
                notes.append(f"{name} did not start: {log!r}")
        await asyncio.sleep(5)
        for name, (_, port) in list(live.items()):
            if not await wait_ready(port, 10):
                log = (Path(tmp) / f"{port}.log").read_text()[-400:]
                notes.append(f"{name} stopped after starting: {log!r}")
                del live[name]
        # Each kind of server pages with its own cursors: walk its pages to the deep one.
        deep = queries.get(f"deep page @{DEEP_OFFSET}", {})
        for kind, walker in (("odx", WALK), ("pg5", PG_WALK)):
            port = next((port for k, port in live.values() if k == kind), None)
            if port is not None and kind in deep:
                try:
                    cursor = await walk(port, walker, picked["district"])
                except httpx.HTTPError as exc:
                    log = (Path(tmp) / f"{port}.log").read_text()[-600:]
                    notes.append(f"walking {kind} pages on {port}: {exc!r}; log ends {log!r}")
                    cursor = None
                if cursor is None:
                    notes.append(
                        f"{picked['district']} has fewer than {DEEP_OFFSET} homes: the deep"
                        f" page on {kind} is the first"
                    )
                deep[kind] = (deep[kind][0], {**deep[kind][1], "after": cursor})
        statements = await count_statements(url, {name: q["odx"] for name, q in queries.items()})
        for qname, by_kind in queries.items():
            reference = None
            for name, (kind, port) in live.items():
                if kind not in by_kind:
                    continue
                query, variables = by_kind[kind]
                try:
                    body = await post(port, query, variables)
                except httpx.HTTPError as exc:
                    log = (Path(tmp) / f"{port}.log").read_text()[-600:]
                    notes.append(f"{qname} on {name}: {exc!r}; its log ends {log!r}")
                    continue
                if "errors" in body:
                    notes.append(f"{qname} on {name}: error {body['errors'][0]['message']!r}")
                    continue
                got = normalise(unwrap_lists(body["data"]))
                if reference is None:
                    reference = got
                elif got != reference:
                    notes.append(f"{qname}: {name} returns different data from {next(iter(live))}")
        for _ in range(args.rounds):
            for qname, by_kind in queries.items():
                for name, (kind, port) in live.items():
                    if kind not in by_kind:
                        continue
                    query, variables = by_kind[kind]
                    payload = json.dumps({"query": query, "variables": variables})
                    try:
                        run = await asyncio.to_thread(
                            run_wrk, port, payload, args.seconds, Path(tmp)
                        )
                    except subprocess.CalledProcessError as exc:
                        log = (Path(tmp) / f"{port}.log").read_text()[-600:]
                        notes.append(f"wrk {qname} on {name}: {exc.stderr!r}; log ends {log!r}")
                        continue
                    results.setdefault((qname, name), []).append(run)
    load = os.getloadavg()
    return {"picked": picked, "queries": queries, "statements": statements,
            "results": results, "notes": notes, "load": load}  # fmt: skip


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--homes", type=int, default=5000, help="homes seeded when no --database")
    parser.add_argument(
        "--database",
        action="append",
        default=[],
        metavar="URL",
        help="an already loaded database to read instead of seeding one (its writes: the "
        "smart comment PostGraphile v4 needs, and publishing its change log); given twice, "
        "both are run one after the other and compared side by side",
    )
    parser.add_argument(
        "--query", action="append", default=[], help="run only these queries (by name)"
    )
    parser.add_argument(
        "--server", action="append", default=[], help="run only these servers (by name)"
    )
    parser.add_argument("--seconds", type=int, default=5, help="per wrk run")
    parser.add_argument(
        "--discard-unpublished",
        action="store_true",
        help="with --database: throw away the changes its change log has noted but not "
        "published instead of publishing them first (hours of a core at a million homes), so "
        "that no server publishes beside the rounds; its event stream then lacks them, so "
        "only for a database loaded to be measured",
    )
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--postgraphile4", default="/tmp/pgl")
    parser.add_argument("--postgraphile5", default="/tmp/pgl5")
    args = parser.parse_args()
    runs = []
    if args.database:
        for url in args.database:
            started = dt.datetime.now(dt.UTC)
            runs.append((started, await bench(url, args)))
    else:
        async with scratch_database() as url:
            started = dt.datetime.now(dt.UTC)
            await seed(url, args.homes)
            runs.append((started, await bench(url, args)))
    for started, run in runs:
        report(args, started, run)
    if len(runs) > 1:
        side_by_side([run for _, run in runs])


def mean_of(runs: list[dict[str, Any]]) -> dict[str, float]:
    """Mean requests/s and latency percentiles over the rounds of one query and server."""
    return {k: sum(r[k] for r in runs) / len(runs) for k in ("rps", "p50", "p95", "p99")}


def report(args: argparse.Namespace, started: dt.datetime, run: dict[str, Any]) -> None:
    """Print the Markdown report of one database."""
    picked, results = run["picked"], run["results"]
    load = " ".join(f"{x:.2f}" for x in run["load"])
    print(
        f"# GraphQL speed, {started:%Y-%m-%d %H:%M} UTC\n\n"
        f"{platform.machine()}, {CORES} cores, Python {platform.python_version()}, "
        f"{picked['homes']} homes, district {picked['district']}, contractor "
        f"{picked['contractor']}, wrk 16 connections, {args.rounds} interleaved rounds of "
        f"{args.seconds} s per query and server; load average at the end {load}. "
        f"Before the servers started, the change log was brought up to date "
        f"({picked['published']}); the odx-graph servers ran with ODX_SPARQL_STORE=false.\n"
    )
    print("| query | server | req/s | p50 ms | p95 ms | p99 ms | errors | SQL/request |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    ratios = []
    for qname in run["queries"]:
        rps: dict[str, float] = {}
        for (q, name), rounds in results.items():
            if q != qname:
                continue
            mean = mean_of(rounds)
            errors = sum(r["errors"] for r in rounds)
            count = run["statements"].get(qname, {}).get(name, "")
            rps[name] = mean["rps"]
            print(
                f"| {qname} | {name} | {mean['rps']:.0f} | {mean['p50']:.1f} | "
                f"{mean['p95']:.1f} | {mean['p99']:.1f} | {errors} | {count} |"
            )
        line = [qname]
        for a, b in (
            ("odx compiled", "odx resolvers"),
            ("odx compiled", "PostGraphile v5"),
            ("odx compiled", "PostGraphile v4"),
            ("odx compiled", "raw SQL"),
        ):
            if rps.get(a) and rps.get(b):
                line.append(f"{a}/{b} {rps[a] / rps[b]:.2f}")
        ratios.append("- " + "; ".join(line))
    print("\nThroughput ratios (same run):\n")
    print("\n".join(ratios))
    if run["notes"]:
        print("\nNotes:\n")
        print("\n".join(f"- {n}" for n in run["notes"]))
    print()


def side_by_side(runs: list[dict[str, Any]]) -> None:
    """Print each query and server at every size, with the p95 ratio of the last to first."""
    sizes = [f"{run['picked']['homes']:,}" for run in runs]
    print(f"# Side by side: {' and '.join(sizes)} homes\n")
    head = " | ".join(f"req/s {s} | p95 ms {s} | compiled/v5 {s}" for s in sizes)
    print(f"| query | server | {head} | p95 {sizes[-1]}/{sizes[0]} |")
    print("| --- | --- |" + " ---: | ---: | ---: |" * len(sizes) + " ---: |")
    for qname in runs[0]["queries"]:
        names = [n for q, n in runs[0]["results"] if q == qname]
        for name in names:
            cells, p95s = [], []
            for run in runs:
                got = run["results"].get((qname, name))
                if not got:
                    cells.append(" | | ")
                    p95s.append(None)
                    continue
                mean = mean_of(got)
                p95s.append(mean["p95"])
                ratio = ""
                mine = run["results"].get((qname, "odx compiled"))
                theirs = run["results"].get((qname, "PostGraphile v5"))
                if name == "odx compiled" and mine and theirs:
                    ratio = f"{mean_of(mine)['rps'] / mean_of(theirs)['rps']:.2f}"
                cells.append(f"{mean['rps']:.0f} | {mean['p95']:.1f} | {ratio}")
            first, last = p95s[0], p95s[-1]
            growth = f"{last / first:.2f}" if first and last else ""
            print(f"| {qname} | {name} | {' | '.join(cells)} | {growth} |")
    print()


if __name__ == "__main__":
    asyncio.run(main())
