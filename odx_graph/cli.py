"""The ``odx-graph`` command line: serve, migrate, demo, export, import, backup..."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from odx_graph import __version__
from odx_graph.config import DemoMode, Settings
from odx_graph.errors import OdxError
from odx_graph.logs import configure_logging

if TYPE_CHECKING:
    from odx_graph.importing.progress import Progress
    from odx_graph.importing.service import ImportReport


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="odx-graph",
        description="Open housing-data graph server. Settings come from ODX_* environment "
        "variables (see docs/configuration.md); options here override them.",
    )
    parser.add_argument("--version", action="version", version=f"odx-graph {__version__}")
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

    export = commands.add_parser("export", help="write the open dataset as RDF (streamed)")
    export.add_argument(
        "--format",
        choices=["nt", "ttl", "jsonld"],
        default="nt",
        help="N-Triples (default), Turtle or JSON-LD",
    )
    export.add_argument("--gzip", action="store_true", help="gzip the output")
    export.add_argument("-o", "--output", help="file to write (default: standard output)")

    commands.add_parser("schema", help="print the GraphQL schema (SDL)")

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

    org = commands.add_parser("organisation", help="add or list organisations")
    org_commands = org.add_subparsers(dest="org_command", required=True, metavar="ACTION")
    add = org_commands.add_parser("add", help="add a landlord, contractor or local authority")
    add.add_argument("name", metavar="NAME")
    add.add_argument("--kind", required=True, choices=["landlord", "contractor", "local-authority"])
    add.add_argument("--registration", help="Regulator of Social Housing registration number")
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
    create.add_argument("--home", type=int, help="home id (resident tokens)")
    create.add_argument("--name", required=True, help="what the key is for, e.g. 'repairs app'")
    key_commands.add_parser("list", help="list keys (never the keys themselves)")
    revoke = key_commands.add_parser("revoke", help="revoke a key")
    revoke.add_argument("id", type=int, metavar="ID")

    templates = commands.add_parser("template", help="write a blank CSV import template")
    templates.add_argument("name", choices=_templates(), metavar="NAME", help="template name")
    templates.add_argument("-o", "--output", help="file to write (default: standard output)")

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

    from odx_graph.app import create_app
    from odx_graph.connections import ConnectionLimits, server_config

    app = create_app(settings)
    limits = ConnectionLimits.from_settings(settings)
    app.state.connection_limits = limits
    server = uvicorn.Server(server_config(app, settings, limits))
    server.run()
    return 0 if server.started else 3


async def _migrate(settings: Settings, check: bool) -> int:
    from odx_graph.migrations import migrate, migration_status
    from odx_graph.runtime import open_database
    from odx_graph.vocab import migrations_dir

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
    from odx_graph import demo
    from odx_graph.migrations import migrate
    from odx_graph.refdata import sync_reference_data
    from odx_graph.runtime import open_database
    from odx_graph.vocab import migrations_dir

    progress = _progress_printer()
    async with open_database(settings) as db, db.connection() as conn:
        await migrate(conn, migrations_dir())
        await sync_reference_data(conn)
        summary = await demo.load_demo(
            conn,
            homes=homes or settings.demo_homes,
            seed=seed or settings.demo_seed,
            as_of=dt.date.today(),
            progress=progress,
        )
    print()
    for table, count in summary.counts.items():
        print(f"{table:>22}: {count:,}")
    return 0


async def _export(settings: Settings, fmt: str, compress: bool, output: str | None) -> int:
    from odx_graph.access import PUBLIC
    from odx_graph.linked_data import DUMP_FORMATS, dump, gzipped
    from odx_graph.migrations import migration_status
    from odx_graph.runtime import open_database
    from odx_graph.vocab import migrations_dir

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

    from odx_graph.backup import backup_database, check_target
    from odx_graph.runtime import open_database

    target = Path(file)
    check_target(target, force=force)  # before starting a database for nothing
    async with open_database(settings) as db:
        size = await backup_database(db, target, force=force)
    print(f"backed up the database to {target} ({size:,} bytes)")
    return 0


async def _restore(settings: Settings, file: str, force: bool) -> int:
    from pathlib import Path

    from odx_graph.backup import inspect_archive, restore_database
    from odx_graph.migrations import migration_status
    from odx_graph.runtime import open_database
    from odx_graph.vocab import migrations_dir

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


def _formats() -> list[str]:
    from odx_graph.importing.formats import FORMATS

    return sorted(FORMATS)


def _templates() -> list[str]:
    from odx_graph.importing.formats import CSV_TEMPLATES

    return sorted(CSV_TEMPLATES)


def _import(settings: Settings, args: argparse.Namespace) -> int:
    from pathlib import Path

    from odx_graph.importing.progress import bar

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
    from odx_graph.importing.service import run_import
    from odx_graph.migrations import migrate
    from odx_graph.rdf_input import set_statement_limit
    from odx_graph.refdata import sync_reference_data
    from odx_graph.runtime import open_database
    from odx_graph.vocab import migrations_dir

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
    from odx_graph.migrations import migrate
    from odx_graph.refdata import sync_reference_data
    from odx_graph.repo import imports as repo
    from odx_graph.runtime import open_database
    from odx_graph.vocab import migrations_dir

    async with open_database(settings) as db, db.connection() as conn:
        await migrate(conn, migrations_dir())
        await sync_reference_data(conn)  # the organisation kinds
        if args.org_command == "add":
            key = await repo.create_organisation(
                conn, args.name, args.kind, args.registration or None
            )
            print(f"added organisation {key}: {args.name} ({args.kind})")
            return 0
        for org in await repo.list_organisations(conn):
            number = org.registration_number or "-"
            print(f"{org.id:>6}  {org.kind:<16} {number:<8} {org.name}")
    return 0


async def _keys(settings: Settings, args: argparse.Namespace) -> int:
    from odx_graph.access import Tier
    from odx_graph.credentials import create_key
    from odx_graph.migrations import migrate
    from odx_graph.refdata import sync_reference_data
    from odx_graph.repo import keys as repo
    from odx_graph.runtime import open_database
    from odx_graph.vocab import migrations_dir

    async with open_database(settings) as db, db.connection() as conn:
        await migrate(conn, migrations_dir())
        await sync_reference_data(conn)
        if args.key_command == "create":
            key_id, key = await create_key(
                conn,
                tier=Tier(args.tier),
                name=args.name,
                organisation_id=args.organisation,
                home_id=args.home,
            )
            print(f"created key {key_id} ({args.tier}); it is shown this once, keep it safe:")
            print(key)
            return 0
        if args.key_command == "revoke":
            if not await repo.revoke_key(conn, args.id):
                print(f"odx-graph: no active key {args.id}", file=sys.stderr)
                return 2
            print(f"revoked key {args.id}")
            return 0
        for stored in await repo.list_keys(conn):
            state = "revoked" if stored.revoked_at else "active"
            used = f"{stored.last_used_at:%Y-%m-%d %H:%M}" if stored.last_used_at else "never"
            owner = stored.organisation_id or stored.home_id or "-"
            print(
                f"{stored.id:>5}  odx_{stored.prefix}_...  {stored.tier:<10} {owner!s:<8} "
                f"{state:<8} last used {used}  {stored.name}"
            )
    return 0


def _template(name: str, output: str | None) -> int:
    from odx_graph.importing.formats import blank_template

    data = blank_template(name)
    if output:
        with open(output, "wb") as target:
            target.write(data)
    else:
        sys.stdout.buffer.write(data)
    return 0


def _progress_printer() -> Callable[[str, int], None]:
    interactive = sys.stderr.isatty()

    def report(table: str, rows: int) -> None:
        if interactive:
            print(f"\r  loading {table}: {rows:,} rows   ", end="", file=sys.stderr, flush=True)

    return report


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        overrides = {k: getattr(args, k, None) for k in ("host", "port")}
        if getattr(args, "demo", None) is not None and args.command == "serve":
            overrides["demo"] = DemoMode(args.demo)
        settings = Settings.from_env(**overrides)
        configure_logging(settings.log_level, settings.log_format)
        if args.command == "serve":
            return _serve(settings)
        if args.command == "migrate":
            return asyncio.run(_migrate(settings, args.check))
        if args.command == "demo":
            return asyncio.run(_demo(settings, args.homes, args.seed))
        if args.command == "export":
            return asyncio.run(_export(settings, args.format, args.gzip, args.output))
        if args.command == "backup":
            return asyncio.run(_backup(settings, args.file, args.force))
        if args.command == "restore":
            return asyncio.run(_restore(settings, args.file, args.force))
        if args.command == "import":
            return _import(settings, args)
        if args.command == "organisation":
            return asyncio.run(_organisation(settings, args))
        if args.command == "keys":
            return asyncio.run(_keys(settings, args))
        if args.command == "template":
            return _template(args.name, args.output)
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
