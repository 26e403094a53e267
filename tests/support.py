"""Helpers for tests that run the real command in a subprocess."""

from __future__ import annotations

import os
from pathlib import Path


def clean_environment(**settings: str) -> dict[str, str]:
    """This process's environment without any ODX_* or PG* variable, plus ``settings``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ODX_", "PG"))}
    env.update(settings)
    return env


def postgres_running(pgdata: Path) -> bool:
    """Whether a postgres process serving ``pgdata`` is still alive."""
    for proc in Path("/proc").iterdir():
        try:
            cmdline = (proc / "cmdline").read_bytes()
        except OSError:
            continue
        if b"postgres" in cmdline and str(pgdata).encode() in cmdline:
            return True
    return False
