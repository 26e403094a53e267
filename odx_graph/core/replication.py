"""Streaming replication arithmetic: write-ahead log positions (LSNs) and replica lag.

No I/O: :mod:`odx_graph.store.replicas` measures, this module reasons. A position is
PostgreSQL's ``pg_lsn`` text (``16/B374D848``, two hexadecimal halves of a 64-bit byte
offset) or that offset as an integer.

Lag is measured in time, not bytes: the primary's position is sampled at every health
check, and a replica's lag is how long ago the primary first held something the replica
has not replayed yet (0 when it has replayed everything the primary had at the last
sample). This stays 0 on an idle primary, unlike "now minus the last replayed
transaction's time", and it is exact to one check interval.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass
from dataclasses import field

_LSN = re.compile(r"^([0-9A-Fa-f]{1,8})/([0-9A-Fa-f]{1,8})$")


def parse_lsn(text: str | None) -> int | None:
    """The byte offset of a ``pg_lsn`` text such as ``0/3000148``; ``None`` if malformed."""
    if text is None:
        return None
    match = _LSN.match(text.strip())
    if match is None:
        return None
    return (int(match.group(1), 16) << 32) | int(match.group(2), 16)


def format_lsn(value: int) -> str:
    """The ``pg_lsn`` text of a byte offset (the inverse of :func:`parse_lsn`)."""
    return f"{value >> 32:X}/{value & 0xFFFFFFFF:X}"


@dataclass
class LagClock:
    """The primary's positions over time, to turn a replica's position into a lag.

    ``record`` keeps the first time each new primary position was seen; samples older
    than ``window`` seconds are dropped, so a replica behind all of them is reported
    ``window`` seconds behind (a lower bound, above any sensible maximum lag).
    """

    window: float = 60.0
    _samples: deque[tuple[float, int]] = field(default_factory=deque)

    def record(self, now: float, primary: int) -> None:
        """Note that the primary was at ``primary`` at time ``now`` (monotonic seconds)."""
        if not self._samples or self._samples[-1][1] < primary:
            self._samples.append((now, primary))
        while len(self._samples) > 1 and self._samples[0][0] < now - self.window:
            self._samples.popleft()

    def lag(self, now: float, replayed: int) -> float:
        """Seconds a replica that has replayed up to ``replayed`` is behind at ``now``."""
        for seen, position in self._samples:
            if position > replayed:
                return max(0.0, now - seen)
        return 0.0

    @property
    def primary(self) -> int | None:
        """The primary's latest sampled position."""
        return self._samples[-1][1] if self._samples else None


def in_rotation(reachable: bool, standby: bool, lag: float, max_lag: float) -> bool:
    """Whether a replica serves reads: it answers, it is a standby (not promoted into a
    second primary) and it is at most ``max_lag`` seconds behind."""
    return reachable and standby and lag <= max_lag
