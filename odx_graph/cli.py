"""The ``odx-graph`` command line: serve, migrate, demo, export, import, backup..."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import decimal
import sys
import time
from collections.abc import Callable
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING
from typing import Any
from zoneinfo import ZoneInfo

from odx_graph import __version__
from odx_graph.core.config import DemoMode
from odx_graph.core.config import LogFormat
from odx_graph.core.config import Settings
from odx_graph.core.errors import InputError
from odx_graph.core.errors import OdxError
from odx_graph.core.logs import configure_logging

if TYPE_CHECKING:
    from odx_graph.services.importing.progress import Progress
    from odx_graph.services.importing.service import ImportReport


ROLES = ["landlord", "contractor", "local-authority"]  # organisation-kind codes


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="odx-graph",
        description="Open housing-data graph server. Settings come from ODX_* environment "
        "variables (see docs/configuration.md); options here override them.",
    )
    parser.add_argument("--version", action="version", version=f"odx-graph {__version__}")
    parser.add_argument(
        "--log-format",
        choices=[f.value for f in LogFormat],
        help="log lines as text for a person, or JSON for a log collector (ODX_LOG_FORMAT; "
        "default auto: text on a terminal, JSON otherwise)",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser(
        "serve", help="run the server (embedded database and demo data unless configured)"
    )
    serve.add_argument("--host", help="interface to listen on (ODX_HOST)")
    serve.add_argument("--port", type=int, help="port to listen on (ODX_PORT)")
    serve.add_argument(
        "--demo",
        choices=[m.value for m in DemoMode],
        help="load the demo dataset into an empty database (ODX_DEMO)",
    )

    migrate = commands.add_parser("migrate", help="apply pending database migrations")
    migrate.add_argument(
        "--check",
        action="store_true",
        help="change nothing; exit 1 if migrations are pending or altered",
    )

    demo = commands.add_parser("demo", help="load the demo dataset into an empty database")
    demo.add_argument(
        "--homes", type=int, default=None, help="number of homes (ODX_DEMO_HOMES, default 5000)"
    )
    demo.add_argument("--seed", type=int, default=None, help="random seed (ODX_DEMO_SEED)")

    export = commands.add_parser(
        "export",
        help="write the open dataset as RDF, or a landlord's work orders as HACT JSON",
        description="RDF (nt, ttl, jsonld): the open dataset, streamed. hact: the work orders "
        "of the landlord given with --as, in the HACT/UKHDS v3.3 standard (RaiseRepair, "
        "JobStatusUpdate, WorkOrderComplete), as one JSON array or, with --lines, JSON Lines.",
    )
    export.add_argument(
        "--format",
        choices=["nt", "ttl", "jsonld", "hact"],
        default="nt",
        help="N-Triples (default), Turtle, JSON-LD, or HACT work orders",
    )
    export.add_argument("--gzip", action="store_true", help="gzip the output")
    export.add_argument("-o", "--output", help="file to write (default: standard output)")
    hact = export.add_argument_group("hact: which work orders")
    hact.add_argument(
        "--as",
        dest="organisation",
        metavar="ORG",
        help="the landlord whose work orders to send (required for hact)",
    )
    hact.add_argument("--contractor", metavar="ORG", help="only those assigned to ORG")
    hact.add_argument(
        "--status",
        action="append",
        default=[],
        metavar="CODE",
        help="only those in this status (repeat for several)",
    )
    hact.add_argument("--open", action="store_true", help="only open repairs")
    hact.add_argument(
        "--reported-since",
        metavar="DATE",
        type=dt.date.fromisoformat,
        help="only those reported on or after DATE (YYYY-MM-DD)",
    )
    hact.add_argument(
        "--postcode",
        metavar="PREFIX",
        help="only homes in this postcode area, district, sector or unit",
    )
    hact.add_argument("--lines", action="store_true", help="JSON Lines: one object per line")

    schema = commands.add_parser("schema", help="print the GraphQL schema (SDL)")
    schema.add_argument(
        "--sql",
        action="store_true",
        help="print the database schema after every migration instead (migrations/schema.sql)",
    )

    imp = commands.add_parser(
        "import", help="import a file (CSV template, HACT JSON, EPC export, Turtle, JSON-LD)"
    )
    imp.add_argument("path", metavar="PATH", help="file to import")
    imp.add_argument(
        "--format", required=True, metavar="FORMAT", help="one of: " + ", ".join(_formats())
    )
    imp.add_argument(
        "--as",
        dest="organisation",
        required=True,
        metavar="ORG",
        help="the organisation supplying the file: its id, registration number or exact name",
    )
    imp.add_argument(
        "--dry-run", action="store_true", help="check and count everything, write nothing"
    )
    imp.add_argument(
        "--skip-invalid",
        action="store_true",
        help="import the valid records and keep the others' problems with the import",
    )
    imp.add_argument("--report", metavar="FILE.json", help="also write the report as JSON")

    org = commands.add_parser("organisation", help="add, change, merge or list organisations")
    org_commands = org.add_subparsers(dest="org_command", required=True, metavar="ACTION")
    add = org_commands.add_parser(
        "add",
        help="register an organisation (its name must be new) with one or more roles",
        description="Register an organisation. A council that owns homes is a local "
        "authority and a landlord: give both roles (--role local-authority --role landlord).",
    )
    add.add_argument("name", metavar="NAME")
    add.add_argument(
        "--role",
        action="append",
        choices=ROLES,
        default=[],
        help="a role it plays; repeat for several (the first is its main kind)",
    )
    add.add_argument("--kind", choices=ROLES, help="its main role (same as a first --role)")
    add.add_argument("--registration", help="Regulator of Social Housing registration number")
    update = org_commands.add_parser(
        "update", help="rename an organisation, change its registration number or roles"
    )
    update.add_argument("organisation", metavar="ORG", help="its id, registration number or name")
    update.add_argument("--name", help="a new name (must not be another organisation's)")
    update.add_argument("--registration", help="registration number ('' to clear it)")
    update.add_argument("--website", help="web site ('' to clear it)")
    update.add_argument("--add-role", action="append", choices=ROLES, default=[], metavar="ROLE")
    update.add_argument("--remove-role", action="append", choices=ROLES, default=[], metavar="ROLE")
    update.add_argument("--kind", choices=ROLES, help="its main role")
    merge = org_commands.add_parser(
        "merge",
        help="merge one organisation into another (references, homes, repairs, imports move)",
        description="Merge FROM into INTO: everything FROM holds or allocated moves to INTO, "
        "records both knew by the same reference become one, and FROM is removed.",
    )
    merge.add_argument("source", metavar="FROM", help="the organisation that goes")
    merge.add_argument("--into", required=True, metavar="INTO", help="the one that stays")
    org_commands.add_parser("list", help="list organisations")

    keys = commands.add_parser("keys", help="create, list or revoke API keys")
    key_commands = keys.add_subparsers(dest="key_command", required=True, metavar="ACTION")
    create = key_commands.add_parser("create", help="create a key (shown once)")
    create.add_argument(
        "--tier",
        required=True,
        choices=["resident", "contractor", "provider", "regulator", "admin"],
    )
    create.add_argument("--organisation", type=int, help="organisation id the key acts for")
    create.add_argument("--home", help="the home of a resident token: its id or global ID")
    create.add_argument(
        "--expires-in-days",
        type=int,
        help="days until the key stops working (resident tokens: ODX_RESIDENT_TOKEN_DAYS "
        "by default; other keys do not expire unless given)",
    )
    create.add_argument("--name", required=True, help="what the key is for, e.g. 'repairs app'")
    key_commands.add_parser("list", help="list keys (never the keys themselves)")
    revoke = key_commands.add_parser("revoke", help="revoke a key")
    revoke.add_argument("id", type=int, metavar="ID")

    model = commands.add_parser(
        "model",
        help="train, back-test and apply the prediction models",
        description="Glass-box scorecards for damp and mould risk per home and failure risk "
        "per component (docs/predictive.md). A score informs a person's decision; it never "
        "makes one.",
    )
    model_commands = model.add_subparsers(dest="model_command", required=True, metavar="ACTION")
    for action, text in (
        ("train", "train on the latest full year and record the next version of each model"),
        ("evaluate", "back-test: train on the year before last, measure on the last year"),
        ("score", "score every home (component) with the newest model; kept with its version"),
        ("list", "list the recorded models"),
        ("provenance", "print the models' provenance (PROV-O) as Turtle"),
    ):
        sub = model_commands.add_parser(action, help=text)
        sub.add_argument(
            "--kind",
            choices=["damp-mould", "component-failure"],
            action="append",
            help="which model (repeat for both; default both)",
        )
        sub.add_argument(
            "--as-of",
            type=dt.date.fromisoformat,
            metavar="DATE",
            help="the day to work from (YYYY-MM-DD; default today)",
        )
        if action == "evaluate":
            sub.add_argument(
                "--landlord",
                metavar="ORG",
                help="measure on this landlord's homes only (training stays pooled)",
            )

    plan = commands.add_parser(
        "plan",
        help="export the proactive work list, or turn it (or the replacement forecast) into "
        "planned works",
    )
    plan_commands = plan.add_subparsers(dest="plan_command", required=True, metavar="ACTION")
    export_plan = plan_commands.add_parser(
        "export", help="write a landlord's proactive work list as CSV"
    )
    export_plan.add_argument("--landlord", required=True, metavar="ORG", help="the landlord")
    export_plan.add_argument("--limit", type=int, default=100, help="most items (default 100)")
    export_plan.add_argument("-o", "--output", help="file to write (default: standard output)")
    these = plan_commands.add_parser(
        "these", help="add planned works to a programme from the proactive list or the forecast"
    )
    these.add_argument("--key", required=True, help="the landlord's API key (audited as it)")
    these.add_argument("--programme", required=True, type=int, help="the programme's id")
    these.add_argument(
        "--source", required=True, choices=["proactive-work", "replacement-forecast"]
    )
    these.add_argument(
        "--date", required=True, type=dt.date.fromisoformat, help="planned date, YYYY-MM-DD"
    )
    these.add_argument("--component-type", help="only this component type (forecast: needed)")
    these.add_argument("--limit", type=int, default=50, help="most works to plan (1-500)")
    these.add_argument("--estimate", type=decimal.Decimal, help="estimated cost of each, GBP")

    templates = commands.add_parser("template", help="write a blank CSV import template")
    templates.add_argument(
        "name",
        choices=_templates(),
        metavar="NAME",
        help="the template: " + ", ".join(_templates()),
    )
    templates.add_argument("-o", "--output", help="file to write (default: standard output)")
    templates.add_argument(
        "--describe",
        action="store_true",
        help="print the template's columns (type, bounds, required, description, example) "
        "and rules as Markdown instead",
    )

    follow = commands.add_parser(
        "follow",
        help="keep a local Oxigraph store equal to a server's open graph through its change feed",
    )
    follow.add_argument(
        "server", metavar="URL", help="the server's base IRI, e.g. https://odx.example"
    )
    follow.add_argument(
        "directory",
        metavar="DIR",
        help="the store's directory (made if new; resumes where it stopped)",
    )
    follow.add_argument(
        "--forever", action="store_true", help="at the last page, poll it instead of stopping"
    )
    follow.add_argument(
        "--poll", type=float, default=5.0, help="seconds between polls of the last page (default 5)"
    )

    backup = commands.add_parser(
        "backup", help="write the database to a pg_dump custom-format archive"
    )
    backup.add_argument("file", metavar="FILE", help="archive to write")
    backup.add_argument("--force", action="store_true", help="replace FILE if it exists")

    restore = commands.add_parser("restore", help="restore a backup into the database")
    restore.add_argument("file", metavar="FILE", help="archive written by odx-graph backup")
    restore.add_argument(
        "--force",
        action="store_true",
        help="restore into a database that holds tables, dropping and replacing them",
    )
    return parser


def _serve(settings: Settings) -> int:
    import uvicorn

    from odx_graph.web.app import create_app
    from odx_graph.web.connections import ConnectionLimits
    from odx_graph.web.connections import server_config

    app = create_app(settings)
    limits = ConnectionLimits.from_settings(settings)
    app.state.connection_limits = limits
    server = uvicorn.Server(server_config(app, settings, limits))
    server.run()
    return 0 if server.started else 3


async def _migrate(settings: Settings, check: bool) -> int:
    from odx_graph.core.vocab import migrations_dir
    from odx_graph.services.startup import open_database
    from odx_graph.store.migrations import migrate
    from odx_graph.store.migrations import migration_status

    async with open_database(settings) as db, db.connection() as conn:
        if check:
            status = await migration_status(conn, migrations_dir())
            for migration in status.pending:
                print(f"pending: {migration.version:04d}_{migration.name}")
            print(f"{len(status.applied)} applied, {len(status.pending)} pending")
            return 1 if status.pending else 0
        applied = await migrate(conn, migrations_dir())
        for migration in applied:
            print(f"applied: {migration.version:04d}_{migration.name}")
        print(f"{len(applied)} migration(s) applied; the database is up to date")
    return 0


async def _demo(settings: Settings, homes: int | None, seed: int | None) -> int:
    from odx_graph.core.vocab import migrations_dir
    from odx_graph.services import demo
    from odx_graph.services.refdata import sync_reference_data
    from odx_graph.services.startup import open_database
    from odx_graph.store.migrations import migrate

    total = homes or settings.demo_homes
    progress = _progress_printer(total)
    async with open_database(settings) as db, db.connection() as conn:
        await migrate(conn, migrations_dir())
        await sync_reference_data(conn)
        summary = await demo.load_demo(
            conn,
            homes=total,
            seed=seed or settings.demo_seed,
            as_of=dt.date.today(),
            progress=progress,
            steps=_step_printer(),
        )
    print()
    for table, count in summary.counts.items():
        print(f"{table:>22}: {count:,}")
    return 0


async def _export_hact(settings: Settings, args: argparse.Namespace) -> int:
    import gzip

    from odx_graph.core.postcodes import parse_postcode_query
    from odx_graph.services import hact_export
    from odx_graph.services import organisations
    from odx_graph.services.startup import open_database

    if not args.organisation:
        raise InputError("give the landlord whose work orders to export: --as ORG")
    async with open_database(settings) as db:
        async with db.connection() as conn:
            landlord = await organisations.resolve(conn, args.organisation, "as")
            contractor = (
                await organisations.resolve(conn, args.contractor, "contractor")
                if args.contractor
                else None
            )
        since = args.reported_since
        selection = hact_export.Selection(
            landlord_id=landlord.id,
            contractor_id=contractor.id if contractor else None,
            statuses=tuple(args.status),
            open_only=args.open,
            reported_since=(
                dt.datetime.combine(since, dt.time(), ZoneInfo("Europe/London")) if since else None
            ),
            postcode_prefix=parse_postcode_query(args.postcode).value if args.postcode else None,
        )
        summary = hact_export.ExportSummary()
        raw = open(args.output, "wb") if args.output else sys.stdout.buffer  # noqa: SIM115, ASYNC230
        target: Any = gzip.GzipFile(fileobj=raw, mode="wb") if args.gzip else raw
        try:
            first = True
            if not args.lines:
                target.write(b"[")
            async for kind, value in hact_export.export(db, selection, summary, private=True):
                text = hact_export.dumps({kind: value})
                if args.lines:
                    target.write(text.encode() + b"\n")
                else:
                    target.write((b"" if first else b",") + b"\n" + text.encode())
                first = False
            if not args.lines:
                target.write(b"\n]\n")
        finally:
            if args.gzip:
                target.close()
            if args.output:
                raw.close()
            else:
                raw.flush()
    shown = 10  # the first few, then how many more: a big export can leave out thousands
    for repair_id, reason in summary.left_out[:shown]:
        print(f"odx-graph: repair {repair_id} left out: {reason}", file=sys.stderr)
    if len(summary.left_out) > shown:
        print(f"odx-graph: ... and {len(summary.left_out) - shown:,} more", file=sys.stderr)
    print(
        f"exported {summary.repairs} work order(s) of {landlord.name} as {summary.objects} "
        f"HACT object(s); {len(summary.left_out)} left out",
        file=sys.stderr,
    )
    return 0


async def _export(settings: Settings, fmt: str, compress: bool, output: str | None) -> int:
    from odx_graph.core.access import PUBLIC
    from odx_graph.core.vocab import migrations_dir
    from odx_graph.services.linked_data.dataset import DUMP_FORMATS
    from odx_graph.services.linked_data.dataset import dump
    from odx_graph.services.linked_data.dataset import gzipped
    from odx_graph.services.startup import open_database
    from odx_graph.store.migrations import migration_status

    async with open_database(settings) as db:
        async with db.connection() as conn:
            status = await migration_status(conn, migrations_dir())
        if status.pending:
            print(
                "odx-graph: the database is not migrated; run: odx-graph migrate", file=sys.stderr
            )
            return 2
        chunks = dump(db, settings, PUBLIC, DUMP_FORMATS[fmt])
        if compress:
            chunks = gzipped(chunks)
        target = open(output, "wb") if output else sys.stdout.buffer  # noqa: SIM115, ASYNC230
        try:
            async for chunk in chunks:
                target.write(chunk)
        finally:
            if output:
                target.close()
            else:
                target.flush()
    return 0


async def _backup(settings: Settings, file: str, force: bool) -> int:
    from pathlib import Path

    from odx_graph.services.startup import open_database
    from odx_graph.store.backup import backup_database
    from odx_graph.store.backup import check_target

    target = Path(file)
    check_target(target, force=force)  # before starting a database for nothing
    async with open_database(settings) as db:
        size = await backup_database(db, target, force=force)
    print(f"backed up the database to {target} ({size:,} bytes)")
    return 0


async def _restore(settings: Settings, file: str, force: bool) -> int:
    from pathlib import Path

    from odx_graph.core.vocab import migrations_dir
    from odx_graph.services.startup import open_database
    from odx_graph.store.backup import inspect_archive
    from odx_graph.store.backup import restore_database
    from odx_graph.store.migrations import migration_status

    archive = await inspect_archive(Path(file))
    async with open_database(settings) as db:
        await restore_database(db, archive, force=force)
        async with db.connection() as conn:
            status = await migration_status(conn, migrations_dir())
    print(
        f"restored {archive.path} ({archive.entries} archive entries, "
        f"dumped from PostgreSQL {archive.dumped_from})"
    )
    if status.pending:
        for migration in status.pending:
            print(f"pending: {migration.version:04d}_{migration.name}")
        print(
            f"{len(status.pending)} migration(s) pending: run odx-graph migrate "
            "(odx-graph serve applies them when it starts)"
        )
    else:
        print("no migrations pending; the database is up to date")
    return 0


async def _model(settings: Settings, args: argparse.Namespace) -> int:
    import dataclasses

    from odx_graph.core.vocab import migrations_dir
    from odx_graph.services import organisations
    from odx_graph.services.prediction import models
    from odx_graph.services.prediction import report
    from odx_graph.services.prediction.features import ModelKind
    from odx_graph.services.startup import open_database
    from odx_graph.store import predictions
    from odx_graph.store.migrations import migrate

    # Training reads every home at once: statements may take minutes, not seconds.
    settings = dataclasses.replace(
        settings, statement_timeout_ms=max(settings.statement_timeout_ms, 1_800_000)
    )
    kinds = [ModelKind(k) for k in dict.fromkeys(args.kind or [k.value for k in ModelKind])]
    today = args.as_of or dt.date.today()
    async with open_database(settings) as db:
        async with db.connection() as conn:
            await migrate(conn, migrations_dir())
        if args.model_command == "list":
            sys.stdout.write(report.models_text(await predictions.models(db)))
            return 0
        if args.model_command == "provenance":
            from odx_graph.services.prediction.provenance import provenance_turtle

            sys.stdout.write(provenance_turtle(await predictions.models(db), settings.base_iri))
            return 0
        landlord = None
        if getattr(args, "landlord", None):
            async with db.connection() as conn:
                landlord = (await organisations.resolve(conn, args.landlord, "landlord")).id
        for kind in kinds:
            if args.model_command == "evaluate":
                evaluation = await models.evaluate(db, kind, today, landlord)
                sys.stdout.write(report.evaluation_markdown(evaluation) + "\n")
            elif args.model_command == "train":
                trained = await models.train(db, kind, today)
                sys.stdout.write(report.models_text([trained]))
            else:
                used, count = await models.score(db, kind, today)
                print(f"{kind.value}: {count:,} scored with version {used['version']}")
    return 0


async def _plan(settings: Settings, args: argparse.Namespace) -> int:
    from odx_graph.core.access import Principal
    from odx_graph.core.access import Tier
    from odx_graph.services import organisations
    from odx_graph.services import writes
    from odx_graph.services.credentials import authenticate
    from odx_graph.services.credentials import bearer
    from odx_graph.services.planning import proactive_work_csv
    from odx_graph.services.startup import open_database
    from odx_graph.store import planned_works

    async with open_database(settings) as db:
        if args.plan_command == "export":
            async with db.connection() as conn:
                landlord = (await organisations.resolve(conn, args.landlord, "landlord")).id
            text = await proactive_work_csv(db, Principal(Tier.ADMIN), landlord, args.limit)
            if args.output:
                from pathlib import Path

                await asyncio.to_thread(Path(args.output).write_text, text, encoding="utf-8")
            else:
                sys.stdout.write(text)
            return 0
        principal = await authenticate(db, bearer(args.key))
        written = await writes.plan_these(
            db,
            principal,
            programme_id=args.programme,
            source=args.source,
            planned_date=args.date,
            component_type=args.component_type,
            limit=args.limit,
            estimated_cost_each=args.estimate,
        )
        added = await planned_works.works_in_programme(db, written.key)
        print(f"programme {written.key} now has {added} planned works")
    return 0


def _formats() -> list[str]:
    from odx_graph.services.importing.import_formats import FORMATS

    return sorted(FORMATS)


def _templates() -> list[str]:
    from odx_graph.services.importing.import_formats import CSV_TEMPLATES

    return sorted(CSV_TEMPLATES)


def _import(settings: Settings, args: argparse.Namespace) -> int:
    from pathlib import Path

    from odx_graph.services.importing.progress import bar

    path = Path(args.path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        print(f"odx-graph: cannot read {path}: {exc.strerror}", file=sys.stderr)
        return 2
    interactive = sys.stderr.isatty()

    def progress(stage: str, done: int, total: int) -> None:
        if interactive:
            line = f"{path.name}: {bar(stage, done, total)}"
            print(f"\r  {line}\033[K", end="", file=sys.stderr, flush=True)

    report = asyncio.run(_run_import(settings, args, data, path.name, progress))
    if interactive:
        print("\r\033[K", end="", file=sys.stderr)
    sys.stdout.write(report.as_text())
    if args.report:
        Path(args.report).write_text(report.as_json(), encoding="utf-8")
    if report.written or (report.dry_run and report.ok):
        return 0 if report.ok else 1
    return 1


async def _run_import(
    settings: Settings,
    args: argparse.Namespace,
    data: bytes,
    name: str,
    progress: Progress,
) -> ImportReport:
    from odx_graph.core.vocab import migrations_dir
    from odx_graph.services.importing.service import run_import
    from odx_graph.services.linked_data.rdf_input import set_statement_limit
    from odx_graph.services.refdata import sync_reference_data
    from odx_graph.services.startup import open_database
    from odx_graph.store.migrations import migrate

    set_statement_limit(settings.import_max_rdf_statements)
    async with open_database(settings) as db:
        async with db.connection() as conn:
            await migrate(conn, migrations_dir())
            await sync_reference_data(conn)
        return await run_import(
            db,
            data,
            fmt=args.format,
            file_name=name,
            organisation=args.organisation,
            dry_run=args.dry_run,
            skip_invalid=args.skip_invalid,
            progress=progress,
        )


async def _organisation(settings: Settings, args: argparse.Namespace) -> int:
    from odx_graph.core.vocab import migrations_dir
    from odx_graph.services import organisations
    from odx_graph.services.refdata import sync_reference_data
    from odx_graph.services.startup import open_database
    from odx_graph.store import organisations as repo
    from odx_graph.store.migrations import migrate

    async with open_database(settings) as db, db.connection() as conn:
        await migrate(conn, migrations_dir())
        await sync_reference_data(conn)  # the organisation kinds
        if args.org_command == "list":
            for org in await repo.list_organisations(conn):
                number = org.registration_number or "-"
                played = ",".join(org.roles)
                print(f"{org.id:>6}  {played:<28} {number:<8} {org.name}")
            return 0
        async with conn.transaction():
            if args.org_command == "add":
                roles = list(dict.fromkeys([*([args.kind] if args.kind else []), *args.role]))
                if not roles:
                    raise InputError("give its roles: --role landlord (repeat for several)")
                added = await organisations.add(conn, args.name, roles, args.registration)
                print(f"added organisation {added.id}: {added.name} ({', '.join(added.roles)})")
            elif args.org_command == "update":
                target = await organisations.resolve(conn, args.organisation, "organisation")
                change = organisations.Change(
                    name=args.name,
                    registration_number=args.registration,
                    website=args.website,
                    add_roles=tuple(args.add_role),
                    remove_roles=tuple(args.remove_role),
                    kind=args.kind,
                )
                done = await organisations.update(conn, target.id, change)
                print(f"organisation {done.id}: {done.name} ({', '.join(done.roles)})")
            else:
                source = await organisations.resolve(conn, args.source, "from")
                target = await organisations.resolve(conn, args.into, "into")
                summary = await organisations.merge(conn, source.id, target.id)
                print(f"{source.name} (organisation {source.id}) " + summary.as_text())
    return 0


async def _keys(settings: Settings, args: argparse.Namespace) -> int:
    from odx_graph.core.access import Tier
    from odx_graph.core.errors import InputError
    from odx_graph.core.vocab import migrations_dir
    from odx_graph.services.credentials import create_key
    from odx_graph.services.refdata import sync_reference_data
    from odx_graph.services.startup import open_database
    from odx_graph.store import keys as repo
    from odx_graph.store.migrations import migrate

    async with open_database(settings) as db, db.connection() as conn:
        await migrate(conn, migrations_dir())
        await sync_reference_data(conn)
        if args.key_command == "create":
            tier = Tier(args.tier)
            days = args.expires_in_days
            if days is None and tier is Tier.RESIDENT:
                days = settings.resident_token_days
            if days is not None and days < 1:
                raise InputError("--expires-in-days must be at least 1", field="expires")
            expires = dt.datetime.now(dt.UTC) + dt.timedelta(days=days) if days else None
            key_id, key = await create_key(
                conn,
                tier=tier,
                name=args.name,
                organisation_id=args.organisation,
                home_id=_home_key(args.home),
                expires_at=expires,
            )
            until = f", expires {expires:%Y-%m-%d %H:%M} UTC" if expires else ""
            print(
                f"created key {key_id} ({args.tier}{until}); it is shown this once, keep it safe:"
            )
            print(key)
            return 0
        if args.key_command == "revoke":
            if not await repo.revoke_key(conn, args.id):
                print(f"odx-graph: no active key {args.id}", file=sys.stderr)
                return 2
            print(f"revoked key {args.id}")
            return 0
        now = dt.datetime.now(dt.UTC)
        for stored in await repo.list_keys(conn):
            expired = stored.expires_at is not None and stored.expires_at <= now
            state = "revoked" if stored.revoked_at else "expired" if expired else "active"
            used = f"{stored.last_used_at:%Y-%m-%d %H:%M}" if stored.last_used_at else "never"
            owner = stored.organisation_id or stored.home_id or "-"
            print(
                f"{stored.id:>5}  odx_{stored.prefix}_...  {stored.tier:<10} {owner!s:<8} "
                f"{state:<8} last used {used}  {stored.name}"
            )
    return 0


def _follow(args: argparse.Namespace) -> int:
    import httpx

    from odx_graph.services.linked_data.follower import follow

    versions = things = pages = 0
    started = time.monotonic()
    position = 0
    with httpx.Client(timeout=60.0, follow_redirects=True) as client:
        try:
            for applied in follow(
                client,
                args.server,
                Path(args.directory),
                forever=args.forever,
                poll_seconds=args.poll,
            ):
                pages += 1
                versions += applied.versions
                things += applied.things
                position = applied.position
                if args.forever and applied.versions:
                    print(f"at {position:,}: {applied.versions:,} new versions", flush=True)
        except httpx.HTTPError as exc:
            raise InputError(f"could not read the feed: {exc}") from None
    seconds = time.monotonic() - started
    print(
        f"followed {versions:,} versions ({things:,} graphs written or removed) over "
        f"{pages:,} pages in {seconds:.1f} s; at position {position:,}"
    )
    return 0


def _home_key(value: str | None) -> int | None:
    """A home given on the command line by its id or its global ID."""
    from odx_graph.core.ids import decode_int_id

    if value is None:
        return None
    text = value.strip()
    return int(text) if text.isdigit() else decode_int_id(text, "Home", field="home")


def _template(name: str, output: str | None, describe: bool = False) -> int:
    from odx_graph.services.importing.import_formats import blank_template
    from odx_graph.services.importing.templates import template_markdown

    data = template_markdown(name).encode() if describe else blank_template(name)
    if output:
        with open(output, "wb") as target:
            target.write(data)
    else:
        sys.stdout.buffer.write(data)
    return 0


def _progress_printer(homes: int) -> Callable[[str, int], None]:
    """A demo load's progress by homes loaded out of `homes`: a bar with the time left on a
    terminal's standard error, a log line at every tenth otherwise."""
    import logging

    from odx_graph.services.importing.progress import bar

    log = logging.getLogger("odx_graph.services.demo")

    interactive = sys.stderr.isatty()
    started = time.monotonic()
    # Homes of finished chunks (a chunk's homes come before its components and repairs, so
    # a chunk counts when the next one's homes arrive), homes seen, tenths reported.
    done = [0, 0, 0]

    def report(table: str, rows: int) -> None:
        if table == "home":
            done[0], done[1] = done[1], rows
        loaded = done[0]
        if homes <= 0 or loaded <= 0:
            return
        elapsed = time.monotonic() - started
        left = int(elapsed * (homes - loaded) / loaded)
        line = f"{bar('loading the demo', loaded, homes)} homes, about {left // 60}:{left % 60:02d}"
        line += " left"
        if interactive:
            print(f"\r{line}  ", end="", file=sys.stderr, flush=True)
        elif (tenth := 10 * loaded // homes) > done[2]:
            done[2] = tenth
            log.info(
                "loading the demo",
                extra={"homes": loaded, "of": homes, "seconds_left": left},
            )

    return report


def _step_printer() -> Callable[[str, float], None]:
    """Each step of a demo load after its rows, with its time: a line on a terminal's
    standard error, a log line otherwise."""
    import logging

    log = logging.getLogger("odx_graph.services.demo")
    interactive = sys.stderr.isatty()

    def report(step: str, seconds: float) -> None:
        if interactive:
            print(f"\n{step}: {seconds:.1f} s", end="", file=sys.stderr, flush=True)
        else:
            log.info("demo step done", extra={"step": step, "seconds": round(seconds, 1)})

    return report


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        overrides = {k: getattr(args, k, None) for k in ("host", "port")}
        if getattr(args, "demo", None) is not None and args.command == "serve":
            overrides["demo"] = DemoMode(args.demo)
        if args.log_format is not None:
            overrides["log_format"] = LogFormat(args.log_format)
        settings = Settings.from_env(**overrides)
        configure_logging(settings.log_level, settings.log_format)
        if args.command == "serve":
            return _serve(settings)
        if args.command == "migrate":
            return asyncio.run(_migrate(settings, args.check))
        if args.command == "demo":
            return asyncio.run(_demo(settings, args.homes, args.seed))
        if args.command == "export" and args.format == "hact":
            return asyncio.run(_export_hact(settings, args))
        if args.command == "export":
            return asyncio.run(_export(settings, args.format, args.gzip, args.output))
        if args.command == "backup":
            return asyncio.run(_backup(settings, args.file, args.force))
        if args.command == "follow":
            return _follow(args)
        if args.command == "restore":
            return asyncio.run(_restore(settings, args.file, args.force))
        if args.command == "import":
            return _import(settings, args)
        if args.command == "organisation":
            return asyncio.run(_organisation(settings, args))
        if args.command == "keys":
            return asyncio.run(_keys(settings, args))
        if args.command == "model":
            return asyncio.run(_model(settings, args))
        if args.command == "template":
            return _template(args.name, args.output, args.describe)
        if args.command == "plan":
            return asyncio.run(_plan(settings, args))
        if args.command == "schema" and args.sql:
            from odx_graph.store.schema_sql import current_schema

            sys.stdout.write(asyncio.run(current_schema()))
            return 0
        if args.command == "schema":
            from odx_graph.api.schema import schema_sdl

            sys.stdout.write(schema_sdl())
            return 0
    except OdxError as exc:
        print(f"odx-graph: {exc.message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 2
