"""Slow clients against a real server on loopback: a trickled body or head holds no request
slot and is cut off in bounded time, while other clients are served; one address's
connections are capped, its slowest making room for its next."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from odx_graph.store.db import Database
from odx_graph.web import connections
from odx_graph.web.connections import ConnectionLimits
from tests.support import served_app
from tests.support import subscribe

QUERY = {"query": "{ priorities { code } }"}
ATTACKER = "127.0.0.2"  # another loopback address: a different client to the server
FAST = {"header_timeout_ms": 1500, "body_timeout_ms": 1500, "rate_limit_per_minute": 0}


@contextlib.asynccontextmanager
async def _server(db: Database, **settings: Any) -> AsyncIterator[str]:
    async with served_app(db, **{**FAST, **settings}) as (address, _):
        yield address


async def _open(address: str, source: str = ATTACKER) -> tuple[Any, Any]:
    host, port = address.split(":")
    return await asyncio.open_connection(host, int(port), local_addr=(source, 0))


async def _trickle_body(address: str, stop: asyncio.Event) -> bytes:
    """POST /graphql announcing 500,000 bytes and sending one every 0.3 s; returns what
    the server answered before it closed the connection."""
    reader, writer = await _open(address)
    writer.write(
        b"POST /graphql HTTP/1.1\r\nHost: odx\r\nContent-Type: application/json\r\n"
        b"Content-Length: 500000\r\n\r\n{"
    )
    answer = asyncio.ensure_future(reader.read())
    try:
        while not answer.done() and not stop.is_set():
            with contextlib.suppress(ConnectionError):
                writer.write(b" ")
                await writer.drain()
            await asyncio.wait({answer}, timeout=0.3)
        if stop.is_set() and not answer.done():
            answer.cancel()
            return b""
        return await asyncio.wait_for(answer, 10)
    finally:
        writer.close()


async def _trickle_head(address: str) -> bytes:
    reader, writer = await _open(address)
    writer.write(b"GET /graphql HTTP/1.1\r\nHost: odx\r\nX-Slow: ")
    answer = asyncio.ensure_future(reader.read())
    try:
        while not answer.done():
            with contextlib.suppress(ConnectionError):
                writer.write(b"a")
                await writer.drain()
            await asyncio.wait({answer}, timeout=0.3)
        return await asyncio.wait_for(answer, 10)
    finally:
        writer.close()


async def test_slow_bodies_hold_no_slot_and_are_cut_off(seeded_db: Database) -> None:
    # Two request slots and a short queue: before, six trickling bodies held every slot
    # and everyone else got 503 for as long as they trickled.
    async with _server(
        seeded_db, max_concurrent_requests=2, max_queued_requests=1, queue_timeout_ms=300
    ) as address:
        stop = asyncio.Event()
        attackers = [asyncio.ensure_future(_trickle_body(address, stop)) for _ in range(6)]
        await asyncio.sleep(0.5)  # every attacker is connected and trickling
        async with httpx.AsyncClient(base_url=f"http://{address}", timeout=10) as http:
            statuses = []
            for _ in range(8):
                statuses.append((await http.post("/graphql", json=QUERY)).status_code)
                await asyncio.sleep(0.05)
        assert statuses == [200] * 8
        try:
            answers = await asyncio.wait_for(asyncio.gather(*attackers), 20)
        finally:
            stop.set()
        for answer in answers:
            assert answer.startswith(b"HTTP/1.1 408"), answer[:80]
            assert b"REQUEST_TIMEOUT" in answer


async def test_slow_and_silent_heads_are_cut_off(seeded_db: Database) -> None:
    async with _server(seeded_db) as address:
        answer = await asyncio.wait_for(_trickle_head(address), 20)
        assert answer.startswith(b"HTTP/1.1 408"), answer[:80]
        reader, writer = await _open(address)  # connects and says nothing
        try:
            silent = await asyncio.wait_for(reader.read(), 20)
        finally:
            writer.close()
        assert silent.startswith(b"HTTP/1.1 408")


async def test_a_huge_head_is_refused(seeded_db: Database) -> None:
    async with _server(seeded_db) as address:
        reader, writer = await _open(address)
        try:
            writer.write(b"GET /healthz HTTP/1.1\r\nHost: odx\r\n")
            for n in range(100):
                writer.write(f"X-Pad-{n}: {'a' * 1000}\r\n".encode())
            writer.write(b"\r\n")
            with contextlib.suppress(ConnectionError):
                await writer.drain()
            answer = await asyncio.wait_for(reader.read(), 10)
        finally:
            writer.close()
        assert answer.startswith(b"HTTP/1.1 431"), answer[:80]


async def test_a_clients_slow_connections_make_room_for_its_next(seeded_db: Database) -> None:
    async with _server(seeded_db, max_connections_per_client=3, body_timeout_ms=20_000) as address:
        stop = asyncio.Event()
        slow = [asyncio.ensure_future(_trickle_body(address, stop)) for _ in range(3)]
        await asyncio.sleep(0.5)
        transport = httpx.AsyncHTTPTransport(local_address=ATTACKER)
        try:
            async with httpx.AsyncClient(
                base_url=f"http://{address}", transport=transport, timeout=10
            ) as same_address:
                assert (await same_address.post("/graphql", json=QUERY)).status_code == 200
            async with httpx.AsyncClient(base_url=f"http://{address}", timeout=10) as other:
                assert (await other.post("/graphql", json=QUERY)).status_code == 200
            # The oldest trickling connection was closed to make room, with a 408.
            first = await asyncio.wait_for(slow[0], 10)
            assert first.startswith(b"HTTP/1.1 408")
            assert not any(task.done() for task in slow[1:])
        finally:
            stop.set()
            await asyncio.gather(*slow, return_exceptions=True)


async def test_websockets_that_closed_leave_room(seeded_db: Database) -> None:
    subscription = 'subscription { repairUpdated(postcodeDistrict: "LS9") { id } }'
    async with _server(seeded_db, max_connections_per_client=2) as address:
        for _ in range(5):  # more than the cap, one after the other
            ws = await subscribe(address, subscription, {})
            await ws.close()
        await asyncio.sleep(0.2)
        async with httpx.AsyncClient(base_url=f"http://{address}", timeout=10) as http:
            answers = await asyncio.gather(*(http.post("/graphql", json=QUERY) for _ in range(2)))
        assert [a.status_code for a in answers] == [200, 200]


async def _read_to_end(sock: socket.socket) -> bytes:
    """Everything ``sock`` receives until the server closes its side; a reset raises."""
    loop = asyncio.get_running_loop()
    received = b""
    while chunk := await asyncio.wait_for(loop.sock_recv(sock, 65_536), 10):
        received += chunk
    return received


async def test_a_refused_connection_gets_its_answer_whatever_it_sent(
    seeded_db: Database,
) -> None:
    # A client at its cap sends a whole request before the server has even accepted the
    # connection. Closed with those bytes unread, the socket was reset, and a reset can
    # destroy the 503 before the client reads it: the client saw "connection reset", not
    # why. Now the server half-closes, reads and drops what still comes, then closes.
    subscription = 'subscription { repairUpdated(postcodeDistrict: "LS9") { id } }'
    async with _server(seeded_db, max_connections_per_client=1) as address:
        ws = await subscribe(address, subscription, {})  # busy: the client's one connection
        try:
            host, port = address.split(":")
            for _ in range(3):
                # Blocking calls, so the request is sent before the server's loop runs.
                with socket.create_connection((host, int(port)), timeout=10) as sock:
                    sock.sendall(
                        b"POST /graphql HTTP/1.1\r\nHost: odx\r\nContent-Type: application/json"
                        b"\r\nContent-Length: 40000\r\n\r\n" + b" " * 40_000
                    )
                    sock.setblocking(False)
                    answer = await _read_to_end(sock)
                assert answer.startswith(b"HTTP/1.1 503"), answer[:80]
                assert b"TOO_MANY_CONNECTIONS" in answer
        finally:
            await ws.close()


async def test_a_cut_connection_lingers_only_so_long(
    seeded_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A client that goes on sending after its answer, and never closes, is dropped once
    # the lingering time is up: reading its bytes is not a way to hold a connection.
    monkeypatch.setattr(connections, "LINGER_SECONDS", 0.5)
    async with _server(seeded_db, header_timeout_ms=300) as address:
        host, port = address.split(":")
        with socket.create_connection((host, int(port)), timeout=10) as sock:
            sock.sendall(b"GET /graphql HTTP/1.1\r\nHost: odx\r\n")  # and no more
            sock.setblocking(False)
            answer = await _read_to_end(sock)
            assert answer.startswith(b"HTTP/1.1 408"), answer[:80]
            ended = time.monotonic()
            reset: OSError | None = None
            while reset is None and time.monotonic() - ended < 10:
                try:  # reset by the server: writing fails
                    sock.send(b"X-More: a\r\n")
                except (BrokenPipeError, ConnectionResetError) as error:
                    reset = error
                await asyncio.sleep(0.05)
            assert reset is not None
            assert time.monotonic() - ended < 5


async def test_a_slow_head_on_a_kept_alive_connection_is_answered(
    seeded_db: Database,
) -> None:
    # After one request was answered, the next one's head trickles in too slowly: the
    # client is told why (408), as on a new connection, rather than just closed.
    async with _server(seeded_db, header_timeout_ms=500) as address:
        host, port = address.split(":")
        with socket.create_connection((host, int(port)), timeout=10) as sock:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: odx\r\n\r\n")
            await asyncio.sleep(0.2)
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: odx\r\n")  # and no more
            sock.setblocking(False)
            answer = await _read_to_end(sock)
    first, _, second = answer.partition(b"HTTP/1.1 408")
    assert first.startswith(b"HTTP/1.1 200") and b"REQUEST_TIMEOUT" in second, answer


async def _still_held(sock: socket.socket) -> bool:
    """Whether the server still holds ``sock``'s other end (reading and dropping what
    comes), rather than having closed it: a closed end answers bytes with a reset."""
    for _ in range(3):
        try:
            sock.send(b"X-More: a\r\n")
        except (BrokenPipeError, ConnectionResetError):
            return False
        await asyncio.sleep(0.05)
    return True


async def test_lingering_connections_count_against_the_clients_cap(
    seeded_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each connection cut off stays open a while, reading and dropping: uncounted, a
    # client refused again and again made the server hold as many sockets as it could
    # open in that while, whatever its cap. Its next connection closes one that lingers.
    monkeypatch.setattr(connections, "LINGER_SECONDS", 10.0)
    subscription = 'subscription { repairUpdated(postcodeDistrict: "LS9") { id } }'
    async with _server(seeded_db, max_connections_per_client=1) as address:
        ws = await subscribe(address, subscription, {})  # busy: the client's one connection
        host, port = address.split(":")
        refused: list[socket.socket] = []
        try:
            for _ in range(4):
                sock = socket.create_connection((host, int(port)), timeout=10)
                refused.append(sock)
                sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: odx\r\n\r\n")
                sock.setblocking(False)
                assert (await _read_to_end(sock)).startswith(b"HTTP/1.1 503")
            held = [await _still_held(sock) for sock in refused]
            assert held == [False, False, False, True]
        finally:
            for sock in refused:
                sock.close()
            await ws.close()


class _Fake:
    """Just enough of a connection for :meth:`ConnectionLimits.admit`."""

    def __init__(self, client: str, waiting_since: float | None) -> None:
        self.client_id = client
        self.waiting_since = waiting_since
        self.closed = False
        self.lingering = False
        self.reasons: list[str] = []

    @property
    def gone(self) -> bool:
        return self.closed or self.lingering

    @property
    def held(self) -> bool:
        return not self.closed

    def close_now(self) -> None:
        self.closed = True

    def cut(self, reason: str) -> None:
        self.reasons.append(reason)
        self.closed = True


@pytest.mark.parametrize("per_client", [1, 3])
def test_the_cap_is_exact_and_evicts_only_the_longest_waiting(per_client: int) -> None:
    limits = ConnectionLimits(
        header_timeout=1, body_timeout=1, body_min_rate=1, per_client=per_client
    )
    now = time.monotonic()
    held = [_Fake("ip:a", now - 10 + n) for n in range(per_client)]
    for connection in held:
        assert limits.admit(connection)  # type: ignore[arg-type]
    assert limits.open_connections("ip:a") == per_client
    assert limits.admit(_Fake("ip:b", now))  # type: ignore[arg-type]  # another client
    newcomer = _Fake("ip:a", now)
    assert limits.admit(newcomer)  # type: ignore[arg-type]
    assert held[0].reasons == ["evicted"] and all(not c.reasons for c in held[1:])
    assert limits.open_connections("ip:a") == per_client
    # When every connection is busy being served, the next one is refused.
    for connection in [*held[1:], newcomer]:
        connection.waiting_since = None
    refused = _Fake("ip:a", now)
    assert not limits.admit(refused)  # type: ignore[arg-type]
    refused.lingering = True  # answered, as the server does with one refused
    assert limits.cut == {"evicted": 1, "refused": 1}
    assert limits.open_connections("ip:a") == per_client


def test_loopback_aliases_reach_the_server() -> None:
    # The tests above rely on 127.0.0.2 being a loopback address of this machine.
    with socket.socket() as sock:
        sock.bind((ATTACKER, 0))
