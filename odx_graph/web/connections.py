"""Who may hold a connection, and for how long: the limits that live below HTTP
requests, where uvicorn reads bytes off sockets (nginx's ``client_header_timeout``,
``client_body_timeout``, ``large_client_header_buffers`` and ``limit_conn``).

* **Request heads** must arrive whole within ``header_timeout`` of the connection
  opening (or of the first byte of the next request on a kept-alive connection) and
  within :data:`MAX_HEAD_BYTES`; otherwise ``408`` or ``431`` and the connection closes.
* **Bodies** may pause at most ``body_timeout`` between two pieces, and must keep an
  average of ``body_min_rate`` bytes a second after a first ``body_timeout`` of grace:
  a client sending a byte every few seconds is cut off at about ``body_timeout``
  (``408``), one sending 100 MB over a slow line is not.
* **Connections per client address** (an IPv6 client's /64): at most
  ``per_client``. When a client opens one more, its connection that has waited longest
  for a request to arrive (a trickling body, a half-sent head, an idle kept-alive
  connection) is closed to make room; when all its connections are busy being served,
  the new one is refused. So a client's slow connections cost only that client.

A connection cut off is closed the way nginx's ``lingering_close`` closes one: the answer
goes out followed by the end of the server's side, and what the client still sends is read
and dropped until it closes its side or :data:`LINGER_SECONDS` pass. Closed at once with
bytes unread, the socket would be reset, and a reset can destroy the answer before the
client reads it: the client would see "connection reset", not why. A lingering connection
still holds a socket, so it counts against its client's cap: the client's next connection
closes it at once.

Request slots are taken only after the body has arrived (``middleware.BodyGateMiddleware``),
so none of this holds one.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import time
from collections import Counter
from dataclasses import dataclass
from dataclasses import field
from typing import Any

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from odx_graph.core.config import Settings
from odx_graph.web.throttle import client_key

log = logging.getLogger(__name__)

MAX_HEAD_BYTES = 65_536  # request line and headers together
LINGER_SECONDS = 2.0  # how long a connection cut off still reads and drops what arrives
_SWEEP_EVERY = 1000  # connections admitted between sweeps of closed ones


@dataclass
class ConnectionLimits:
    """The limits of :mod:`odx_graph.web.connections`, and counts of what they did."""

    header_timeout: float
    body_timeout: float
    body_min_rate: float
    per_client: int
    cut: Counter[str] = field(default_factory=Counter)
    _by_client: dict[str, list[GuardedHttpToolsProtocol]] = field(default_factory=dict)
    _admitted: int = 0

    @classmethod
    def from_settings(cls, settings: Settings) -> ConnectionLimits:
        """The limits ``settings`` ask for."""
        return cls(
            header_timeout=settings.header_timeout_ms / 1000,
            body_timeout=settings.body_timeout_ms / 1000,
            body_min_rate=float(settings.body_min_bytes_per_second),
            per_client=settings.max_connections_per_client,
        )

    def open_connections(self, client: str) -> int:
        """Connections of ``client`` still open (WebSockets included)."""
        return len([p for p in self._by_client.get(client, []) if not p.gone])

    def admit(self, protocol: GuardedHttpToolsProtocol) -> bool:
        """Whether a new connection may be served, making room if need be."""
        self._admitted += 1
        if self._admitted % _SWEEP_EVERY == 0:
            self._sweep()
        client = protocol.client_id
        held = [p for p in self._by_client.get(client, []) if p.held]
        if self.per_client:
            # A connection cut off holds its socket while it lingers: the client's next
            # connection closes it at once, so lingering adds at most one to the cap.
            lingering = [p for p in held if p.lingering]
            while lingering and len(held) >= self.per_client:
                answered = lingering.pop(0)
                answered.close_now()
                held.remove(answered)
        open_ = [p for p in held if not p.gone]
        if self.per_client and len(open_) >= self.per_client:
            waiting = [p for p in open_ if p.waiting_since is not None]
            if not waiting:
                held.append(protocol)  # it lingers once refused
                self._by_client[client] = held
                self.cut["refused"] += 1
                return False
            oldest = min(waiting, key=lambda p: p.waiting_since or 0.0)
            self.cut["evicted"] += 1
            oldest.cut("evicted")  # and lingers
        held.append(protocol)
        self._by_client[client] = held
        return True

    def release(self, protocol: GuardedHttpToolsProtocol) -> None:
        """A connection closed."""
        open_ = [p for p in self._by_client.get(protocol.client_id, []) if p is not protocol]
        open_ = [p for p in open_ if p.held]
        if open_:
            self._by_client[protocol.client_id] = open_
        else:
            self._by_client.pop(protocol.client_id, None)

    def _sweep(self) -> None:
        for client in list(self._by_client):
            open_ = [p for p in self._by_client[client] if p.held]
            if open_:
                self._by_client[client] = open_
            else:
                del self._by_client[client]


_STATUS = {
    408: b"HTTP/1.1 408 Request Timeout\r\n",
    431: b"HTTP/1.1 431 Request Header Fields Too Large\r\n",
    503: b"HTTP/1.1 503 Service Unavailable\r\n",
}
_REASONS = {
    "header_timeout": (408, "REQUEST_TIMEOUT", "the request head did not arrive in time"),
    "body_timeout": (408, "REQUEST_TIMEOUT", "the request body arrived too slowly"),
    "head_too_large": (431, "HEADERS_TOO_LARGE", "the request head is too large"),
    "evicted": (408, "REQUEST_TIMEOUT", "too many connections from this address"),
    "refused": (503, "TOO_MANY_CONNECTIONS", "too many connections from this address"),
}


def _error_response(status: int, code: str, message: str) -> bytes:
    body = json.dumps({"errors": [{"message": message, "extensions": {"code": code}}]}).encode()
    return (
        _STATUS[status]
        + b"content-type: application/json\r\nconnection: close\r\n"
        + f"content-length: {len(body)}\r\n\r\n".encode()
        + body
    )


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with the limits of :class:`ConnectionLimits`."""

    def __init__(self, *args: Any, limits: ConnectionLimits, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limits = limits
        self.client_id = "ip:unknown"
        self.closed = False
        self.lingering = False  # cut off: answered, the server's side ended, input dropped
        self._linger_timer: asyncio.TimerHandle | None = None
        self.waiting_since: float | None = None  # waiting for a request to arrive whole
        self._head_timer: asyncio.TimerHandle | None = None
        self._body_timer: asyncio.TimerHandle | None = None
        self._in_body = False
        self._head_bytes = 0  # of the head being received
        self._tail = b""  # the last bytes seen, for a blank line split across reads
        self._body_bytes = 0
        self._body_started = 0.0
        self._body_last = 0.0

    @property
    def gone(self) -> bool:
        """Whether the connection has closed, or only lingers after being cut off (a
        WebSocket it became included)."""
        return self.lingering or not self.held

    @property
    def held(self) -> bool:
        """Whether the connection still holds its socket (lingering included)."""
        return not self.closed and self.transport is not None and not self.transport.is_closing()

    def close_now(self) -> None:
        """Close the socket at once, lingering or not."""
        if self.transport is not None:
            self.transport.abort()

    # -- connection ------------------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        """A client connected: admit it (or refuse it) and start the head's clock."""
        super().connection_made(transport)
        self.client_id = client_key(self.client)
        self.waiting_since = time.monotonic()
        if not self.limits.admit(self):
            self._respond_and_close("refused")
            return
        self._start_head_clock()

    def connection_lost(self, exc: Exception | None) -> None:
        """The connection is gone: forget it."""
        self.closed = True
        self._cancel_timers()
        if self._linger_timer is not None:
            self._linger_timer.cancel()
            self._linger_timer = None
        self.limits.release(self)
        super().connection_lost(exc)

    def handle_websocket_upgrade(self) -> None:
        """A WebSocket is served from now on: it is busy, not waiting."""
        self._cancel_timers()
        self.waiting_since = None
        super().handle_websocket_upgrade()

    def data_received(self, data: bytes) -> None:
        """Bytes arrived: refuse a head growing too large before the parser sees it, then
        parse them (or drop them, once the connection is cut off)."""
        if self.closed or self.lingering:
            return
        if not self._in_body:
            seen = self._tail + data
            end = seen.find(b"\r\n\r\n")
            self._head_bytes += len(data) if end < 0 else max(0, end + 4 - len(self._tail))
            self._tail = seen[-3:]
            if self._head_bytes > MAX_HEAD_BYTES:
                self.cut("head_too_large")
                return
        super().data_received(data)

    # -- parser callbacks ------------------------------------------------------------

    def on_message_begin(self) -> None:
        """A request starts: its head must arrive in time."""
        super().on_message_begin()
        if self.waiting_since is None:
            self.waiting_since = time.monotonic()
        if self._head_timer is None:
            self._start_head_clock()

    def on_headers_complete(self) -> None:
        """The head is here: stop its clock, start the body's if one follows."""
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None
        self._head_bytes = 0
        self._tail = b""
        super().on_headers_complete()
        if self._expects_body():
            self._in_body = True
            now = time.monotonic()
            self._body_started = self._body_last = now
            self._body_bytes = 0
            self._schedule_body_check(now + self.limits.body_timeout)
        else:
            self.waiting_since = None

    def on_body(self, body: bytes) -> None:
        """A piece of the body arrived."""
        self._body_bytes += len(body)
        self._body_last = time.monotonic()
        super().on_body(body)

    def on_message_complete(self) -> None:
        """The whole request is here: it is being served, not waiting."""
        self._in_body = False
        if self._body_timer is not None:
            self._body_timer.cancel()
            self._body_timer = None
        self.waiting_since = None
        super().on_message_complete()

    def on_response_complete(self) -> None:
        """The answer went out: the connection waits for the next request."""
        super().on_response_complete()
        if not self.closed:
            self.waiting_since = time.monotonic()

    # -- limits ----------------------------------------------------------------------

    def _expects_body(self) -> bool:
        for name, value in self.headers or ():
            if name == b"content-length":
                return value.strip() not in (b"", b"0")
            if name == b"transfer-encoding":
                return True
        return False

    def _start_head_clock(self) -> None:
        self._head_timer = self.loop.call_later(
            self.limits.header_timeout, self.cut, "header_timeout"
        )

    def _schedule_body_check(self, when: float) -> None:
        delay = max(0.0, when - time.monotonic())
        self._body_timer = self.loop.call_later(delay, self._check_body)

    def _check_body(self) -> None:
        self._body_timer = None
        if self.closed:
            return
        limits = self.limits
        now = time.monotonic()
        idle_until = self._body_last + limits.body_timeout
        rate_until = self._body_started + limits.body_timeout
        if limits.body_min_rate > 0:
            rate_until += self._body_bytes / limits.body_min_rate
        if now >= min(idle_until, rate_until):
            self.cut("body_timeout")
        else:
            self._schedule_body_check(min(idle_until, rate_until))

    def _cancel_timers(self) -> None:
        for timer in (self._head_timer, self._body_timer):
            if timer is not None:
                timer.cancel()
        self._head_timer = self._body_timer = None

    def cut(self, reason: str) -> None:
        """Close the connection for ``reason``, answering first unless an answer has
        started."""
        if self.gone:
            return
        if reason != "evicted":  # admit() counts those
            self.limits.cut[reason] += 1
        log.info(
            "connection closed: %s",
            reason,
            extra={"client": self.client_id, "reason": reason},
        )
        cycle = self.cycle
        if cycle is not None and not cycle.response_complete:
            cycle.scope.setdefault("state", {})["connection_cut"] = _REASONS[reason][0]
        self._respond_and_close(reason)

    def _respond_and_close(self, reason: str) -> None:
        self._cancel_timers()
        cycle = self.cycle
        # On a kept-alive connection the cycle is the last request's until the next one's
        # head is whole: a next head begun (and cut) is answered though that one is done.
        next_head = cycle is not None and cycle.response_complete and self._head_bytes > 0
        if cycle is None or not cycle.response_started or next_head:
            self.transport.write(_error_response(*_REASONS[reason]))
        self._linger()

    def _linger(self) -> None:
        """End the server's side after what is written, read and drop the rest until the
        client ends its side (asyncio then closes the transport) or the time is up."""
        self.lingering = True
        cycle = self.cycle
        if cycle is not None and not cycle.response_complete:
            # The application sees the client gone and writes nothing more.
            cycle.disconnected = True
            cycle.message_event.set()
        transport = self.transport
        if not transport.can_write_eof():
            transport.close()
            return
        transport.write_eof()
        transport.resume_reading()
        self._linger_timer = self.loop.call_later(LINGER_SECONDS, transport.abort)

    def shutdown(self) -> None:
        """The server is stopping: a connection cut off closes now."""
        if self.lingering:
            self.close_now()
            return
        super().shutdown()


def server_config(app: Any, settings: Settings, limits: ConnectionLimits, **options: Any) -> Any:
    """The uvicorn configuration ``serve`` runs with (tests use it too).

    ``X-Forwarded-For`` is believed only from the proxies named by
    ``ODX_FORWARDED_ALLOW_IPS``: uvicorn would otherwise believe it from loopback, and a
    local client could then pose as any address to the per-address limits."""
    trusted = settings.forwarded_allow_ips.strip()
    return uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        http=functools.partial(GuardedHttpToolsProtocol, limits=limits),  # type: ignore[arg-type]
        log_config=None,
        proxy_headers=bool(trusted),
        forwarded_allow_ips=trusted or None,
        **{"lifespan": "on", "timeout_graceful_shutdown": 20, **options},
    )
