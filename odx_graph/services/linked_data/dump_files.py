"""Dumps kept as files, one per data version and name, so that a download can resume
with a range request.

A dump is made by streaming from the database; the first download of a data version
writes what it sends to a file as well. Once that file is complete it *is* the dump of
that version: later requests are served from it, with a strong ``ETag`` naming the
version, and may ask for byte ranges. A newer data version gets a new file; the older
one is removed when the newer is complete. The files live in a temporary directory
deleted with the process.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path


class DumpFiles:
    """The directory of complete dump files, by data version (``tag``) and name."""

    def __init__(self) -> None:
        self._directory = tempfile.TemporaryDirectory(prefix="odx-dumps-")
        self.root = Path(self._directory.name)

    def close(self) -> None:
        """Delete every file."""
        self._directory.cleanup()

    def path(self, tag: str, name: str) -> Path:
        """Where the dump ``name`` (``nt.gz``...) of data version ``tag`` is kept."""
        return self.root / f"{tag}.{name}"

    def complete(self, tag: str, name: str) -> Path | None:
        """The complete file of ``name`` at ``tag``, if there is one."""
        path = self.path(tag, name)
        return path if path.is_file() else None

    async def kept(self, chunks: AsyncIterator[bytes], tag: str, name: str) -> AsyncIterator[bytes]:
        """Pass ``chunks`` through, writing them to a file that becomes the dump of
        ``tag`` when the stream ends (a stream cut short leaves nothing)."""
        handle, temporary = tempfile.mkstemp(dir=self.root, prefix=".partial-")
        finished = False
        try:
            with os.fdopen(handle, "wb") as file:
                async for chunk in chunks:
                    file.write(chunk)
                    yield chunk
            finished = True
        finally:
            if finished and not self.path(tag, name).exists():
                os.replace(temporary, self.path(tag, name))
                for old in self.root.glob(f"*.{name}"):
                    if old.name != self.path(tag, name).name:
                        with contextlib.suppress(FileNotFoundError):
                            old.unlink()
            else:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(temporary)
