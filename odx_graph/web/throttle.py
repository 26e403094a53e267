"""Rate limits, applied before anything that costs: before a body is read, before a
request slot is taken and before a key is looked up in the database.

* Each caller has a token bucket of ``per_minute`` requests a minute, in bursts of up to
  ``burst``: a key is known by a hash of the whole key (a random secret cannot spend
  someone else's bucket), the public by its client address (an IPv6 client by its /64
  network, which one subscriber usually gets whole).
* Triple Pattern Fragments (``/fragments``) have buckets of their own, ``FRAGMENTS_PER_REQUEST``
  times as large: a fragment is one bounded look-up of at most a page of triples, and a
  TPF client such as Comunica asks for them by the thousand to answer one SPARQL query,
  which the request limit would cut off after its burst. Fragments and other requests
  do not spend each other's buckets. The fragment buckets are counted per process
  (``ODX_RATE_LIMIT_SHARE_MS`` shares the request buckets only).
* Until a key has been seen to work, its requests count as its address's. Looking it
  up costs a database query, so each address may present at most ``lookups_per_minute``
  such keys a minute; beyond that they get ``429`` without a look-up. A key found
  unknown or revoked is remembered for a minute and refused again without one. A key
  that worked is remembered as verified (not as authorised: every request still has its
  key checked), which gives it a bucket of its own, exempts it from the look-up budget
  and lets it use the request slots kept for keys (``ConcurrencyLimitMiddleware``).

Everything is kept in bounded, least-recently-used tables: memory stays the same however
many addresses or keys call.
"""

from __future__ import annotations

import functools
import hashlib
import ipaddress
import math
import time
from collections import OrderedDict
from typing import Any

from starlette.types import ASGIApp
from starlette.types import Receive
from starlette.types import Scope
from starlette.types import Send

from odx_graph.core.errors import ErrorCode
from odx_graph.core.errors import InputError
from odx_graph.core.errors import UnauthenticatedError
from odx_graph.services.credentials import looks_like_key
from odx_graph.web.middleware import send_error

EXEMPT = frozenset({"/healthz", "/readyz", "/metrics"})
FRAGMENTS = "/fragments"
FRAGMENTS_PER_REQUEST = 10  # fragments a caller may ask for per request of its limit
_MAX_ENTRIES = 100_000  # per table: bounded memory however many callers
VERIFIED_FOR = 600.0  # seconds a key that worked stays exempt from the look-up budget
REFUSED_FOR = 60.0  # seconds a key found bad is refused without a look-up


class RateLimiter:
    """Token buckets: ``per_minute`` requests a minute, in bursts of up to ``burst``."""

    def __init__(self, per_minute: int, burst: int | None = None) -> None:
        self.capacity = float(min(burst, per_minute) if burst else per_minute)
        self.rate = per_minute / 60.0
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        # Shared with other processes (web.shared_limits): what was spent here since the
        # last exchange, by bucket name, and what others spent not yet taken here.
        self.sharing = False
        self._spent: dict[str, int] = {}
        self._owed: OrderedDict[str, tuple[float, float]] = OrderedDict()  # name: (n, since)

    def take(self, who: str, now: float | None = None) -> float:
        """Spend one token of ``who``'s bucket: 0 when allowed, else seconds to wait."""
        if self.capacity <= 0:
            return 0.0
        now = time.monotonic() if now is None else now
        tokens, then = self._buckets.pop(who, (self.capacity, now))
        tokens = min(self.capacity, tokens + (now - then) * self.rate)
        if self._owed:
            owed, since = self._owed.pop(bucket_name(who), (0.0, now))
            # Owed since ``since``: the bucket has been refilling since then too.
            owed = max(0.0, owed - max(0.0, now - since) * self.rate)
            tokens = max(-self.capacity, tokens - owed)
        if tokens >= 1:
            self._buckets[who] = (tokens - 1, now)
            wait = 0.0
            if self.sharing:
                name = bucket_name(who)
                self._spent[name] = self._spent.get(name, 0) + 1
        else:
            self._buckets[who] = (tokens, now)
            wait = (1 - tokens) / self.rate
        while len(self._buckets) > _MAX_ENTRIES:
            self._buckets.popitem(last=False)
        return wait

    def spent_since_last(self) -> dict[str, int]:
        """Requests let through per bucket name since the last call (sharing only)."""
        spent, self._spent = self._spent, {}
        return spent

    def owe(self, spent_elsewhere: dict[str, int], now: float | None = None) -> None:
        """Take what other processes let through from the same callers' buckets here, on
        their next request (so a caller's limit holds across processes)."""
        now = time.monotonic() if now is None else now
        for name, count in spent_elsewhere.items():
            owed, since = self._owed.pop(name, (0.0, now))
            owed = max(0.0, owed - max(0.0, now - since) * self.rate)
            self._owed[name] = (owed + count, now)
        while len(self._owed) > _MAX_ENTRIES:
            self._owed.popitem(last=False)


def bucket_name(who: str) -> str:
    """How a bucket is named outside the process: a hash, so that neither a key's
    fingerprint nor a client address is written anywhere."""
    return hashlib.blake2b(who.encode(), digest_size=12).hexdigest()


class _Expiring:
    """A bounded set whose members expire ``ttl`` seconds after they were added."""

    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._until: OrderedDict[str, float] = OrderedDict()

    def add(self, member: str) -> None:
        self._until.pop(member, None)
        self._until[member] = time.monotonic() + self.ttl
        while len(self._until) > _MAX_ENTRIES:
            self._until.popitem(last=False)

    def discard(self, member: str) -> None:
        self._until.pop(member, None)

    def __contains__(self, member: object) -> bool:
        until = self._until.get(str(member))
        if until is None:
            return False
        if until < time.monotonic():
            del self._until[str(member)]
            return False
        return True


def client_key(client: Any) -> str:
    """Who a client address is for limits: the address, or the /64 network of an IPv6
    address (an IPv4 address mapped into IPv6 counts as itself)."""
    host = client[0] if client else ""
    # Every request asks (twice: its limits, then its context); parsing an address each
    # time cost more than any other step of a request's own Python on the way to its
    # statement. Only what could be an address is kept (the longest IPv6 text is 45).
    return _kept_host_key(host) if len(host) <= 45 else _host_key(host)


def _host_key(host: str) -> str:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return f"ip:{host or 'unknown'}"
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return f"ip:{address.ipv4_mapped}"
        return f"ip:{ipaddress.ip_network(f'{address}/64', strict=False)}"
    return f"ip:{address}"


_kept_host_key = functools.lru_cache(maxsize=4096)(_host_key)


def key_fingerprint(authorization: str) -> str:
    """A short stable name for the credentials of an ``Authorization`` header."""
    return hashlib.sha256(authorization.strip().encode("utf-8", "replace")).hexdigest()[:32]


class Throttle:
    """The rate limiter's state, shared with the authentication that reports what it
    found (see the module docs)."""

    def __init__(self, per_minute: int, burst: int, lookups_per_minute: int) -> None:
        self.requests = RateLimiter(per_minute, burst)
        self.fragments = RateLimiter(
            per_minute * FRAGMENTS_PER_REQUEST, burst * FRAGMENTS_PER_REQUEST
        )
        self.lookups = RateLimiter(lookups_per_minute) if per_minute else RateLimiter(0)
        self.verified = _Expiring(VERIFIED_FOR)
        self.refused = _Expiring(REFUSED_FOR)
        self.on_refused: Any = None  # a labelled counter (metrics), told every refusal

    def count(self, reason: str) -> None:
        """Count a request refused for ``reason``."""
        if self.on_refused is not None:
            self.on_refused.labels(reason).inc()

    def note_verified(self, fingerprint: str) -> None:
        """The key worked: no look-up budget for it from now on, for a while."""
        self.verified.add(fingerprint)
        self.refused.discard(fingerprint)

    def note_refused(self, fingerprint: str) -> None:
        """The key is unknown, revoked or malformed: refuse it without a look-up."""
        self.refused.add(fingerprint)
        self.verified.discard(fingerprint)


class KeyGate:
    """The :class:`Throttle`'s rules for a key given after the request's head, in a
    WebSocket's ``connection_init`` (``api.websocket``), as for one in the header: a key
    known to be bad is refused without a look-up, one not yet seen to work spends its
    address's look-up budget, and what the look-up finds is remembered."""

    def __init__(self, throttle: Throttle, address: str) -> None:
        self.throttle = throttle
        self.address = address

    def before_lookup(self, authorization: str) -> None:
        """Raise :class:`UnauthenticatedError` for a key known to be bad, or
        :class:`InputError` (``RATE_LIMITED``) when the address has tried too many keys;
        otherwise return, and the key may be looked up."""
        throttle = self.throttle
        fingerprint = key_fingerprint(authorization)
        if fingerprint in throttle.refused:
            raise UnauthenticatedError("unknown API key")
        if (
            fingerprint not in throttle.verified
            and looks_like_key(authorization)
            and throttle.lookups.take(self.address)
        ):
            throttle.count("key_lookups")
            raise InputError(
                "too many keys tried from this address; slow down", code=ErrorCode.RATE_LIMITED
            )

    def found(self, authorization: str, works: bool) -> None:
        """What the look-up of ``authorization`` found."""
        fingerprint = key_fingerprint(authorization)
        if works:
            self.throttle.note_verified(fingerprint)
        else:
            self.throttle.note_refused(fingerprint)


def header(scope: Scope, name: bytes) -> str | None:
    """The value of request header ``name`` (lower case), if given."""
    for key, value in scope.get("headers", []):
        if key == name:
            return bytes(value).decode("latin-1")
    return None


class CallerMiddleware:
    """An ASGI middleware about the caller of every HTTP request and WebSocket handshake,
    :meth:`called` by each; health checks, metrics and other calls pass straight through."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI call."""
        if scope["type"] not in ("http", "websocket") or scope["path"] in EXEMPT:
            await self.app(scope, receive, send)
            return
        await self.called(scope, receive, send)

    async def called(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle a caller's request or handshake (by default, pass it on)."""
        await self.app(scope, receive, send)


class RateLimitMiddleware(CallerMiddleware):
    """Applies the :class:`Throttle` to every HTTP request and WebSocket handshake (health
    checks and metrics aside). Leaves ``key_fingerprint`` and ``key_verified`` in
    ``scope["state"]`` for the layers inside."""

    def __init__(self, app: ASGIApp, *, throttle: Throttle) -> None:
        super().__init__(app)
        self.throttle = throttle

    async def called(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Spend from the caller's bucket, refusing a key known bad or one too many."""
        throttle = self.throttle
        authorization = header(scope, b"authorization")
        state = scope.setdefault("state", {})
        address = client_key(scope.get("client"))
        who = address
        if authorization:
            fingerprint = key_fingerprint(authorization)
            state["key_fingerprint"] = fingerprint
            if fingerprint in throttle.refused:  # known bad: no look-up, the address pays
                if not await self._spend(scope, send, address):
                    return
                if scope["type"] == "websocket":
                    # Closed with a reason once open (``api.websocket``), still unlooked-up.
                    state["auth_error"] = UnauthenticatedError("unknown API key")
                    await self.app(scope, receive, send)
                    return
                await refuse(scope, send, 401, ErrorCode.UNAUTHENTICATED, "unknown API key")
                return
            verified = fingerprint in throttle.verified
            state["key_verified"] = verified
            if verified:  # until a key has worked, its requests count as its address's
                who = f"key:{fingerprint}"
            elif looks_like_key(authorization) and throttle.lookups.take(address):
                throttle.count("key_lookups")
                await refuse(
                    scope,
                    send,
                    429,
                    ErrorCode.RATE_LIMITED,
                    "too many keys tried from this address; slow down",
                    retry_after=60,
                )
                return
        if await self._spend(scope, send, who):
            await self.app(scope, receive, send)

    async def _spend(self, scope: Scope, send: Send, who: str) -> bool:
        """Take one request from ``who``'s bucket (its fragment bucket for a fragment);
        answer ``429`` and say no when empty."""
        throttle = self.throttle
        limiter = throttle.fragments if scope["path"] == FRAGMENTS else throttle.requests
        wait = limiter.take(who)
        if wait <= 0:
            return True
        self.throttle.count("rate_limited")
        await refuse(
            scope,
            send,
            429,
            ErrorCode.RATE_LIMITED,
            "too many requests; slow down",
            retry_after=math.ceil(wait),
        )
        return False


async def refuse(
    scope: Scope, send: Send, status: int, code: ErrorCode, message: str, retry_after: int = 0
) -> None:
    """Answer at once with the one error shape (or close a WebSocket handshake)."""
    if scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": 4000 + status})
        return
    headers = []
    if status == 401:
        headers.append((b"www-authenticate", b'Bearer realm="odx-graph"'))
    if retry_after:
        headers.append((b"retry-after", str(retry_after).encode()))
    await send_error(send, status, code.value, message, headers)
