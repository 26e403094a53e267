"""The connection pool: every statement the server runs goes through :class:`Database`.

It turns driver errors into domain errors, applies the statement timeout, and lets tests
count statements (one listener call per statement sent).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from collections.abc import Callable
from collections.abc import Mapping
from collections.abc import Sequence
from contextlib import asynccontextmanager
from typing import Any
from typing import TypeAlias
from typing import TypedDict
from typing import cast

import asyncpg

from odx_graph.core.errors import DatabaseUnavailableError
from odx_graph.core.errors import ErrorCode
from odx_graph.core.errors import InputError
from odx_graph.core.errors import QueryTimeoutError

log = logging.getLogger(__name__)

StatementListener = Callable[[str], None]
READER_ROLE = "odx_reader"  # the open data's reads (migration 0006)
Record: TypeAlias = asyncpg.Record
Connection: TypeAlias = asyncpg.Connection

_UNAVAILABLE = (
    OSError,  # includes refused connections and connect timeouts
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
    asyncpg.ConnectionDoesNotExistError,
    asyncpg.InterfaceError,
    asyncpg.AdminShutdownError,
    asyncpg.TooManyConnectionsError,
)


def is_deadlock(exc: BaseException) -> bool:
    """Whether ``exc`` is PostgreSQL ending a transaction to break a deadlock (nothing it
    wrote is kept; the same work can be tried again)."""
    return isinstance(exc, asyncpg.DeadlockDetectedError)


def translate_error(exc: BaseException) -> Exception:
    """Map a driver exception to the domain error the API reports."""
    if isinstance(exc, asyncpg.QueryCanceledError):
        return QueryTimeoutError("the query took longer than the statement timeout allows")
    if isinstance(exc, asyncpg.DataError):
        # The driver's text names placeholders and Python values: not for clients.
        log.info("value refused by the database", exc_info=exc)
        return InputError("a value is out of range or malformed", code=ErrorCode.BAD_USER_INPUT)
    if isinstance(exc, asyncpg.InternalClientError):
        # Seen when a connection dies mid-statement (a database restart) and the pool
        # resets it on release; the pool then drops it. Logged, as it could be a bug too.
        log.warning("database connection in a broken state", exc_info=exc)
        return DatabaseUnavailableError("the database connection was lost; retry shortly")
    if isinstance(exc, _UNAVAILABLE):
        return DatabaseUnavailableError("the database is unavailable; retry shortly")
    return exc if isinstance(exc, Exception) else RuntimeError(str(exc))


CONNECT_TIMEOUT_MS = 5000  # how long opening a connection may take, unless told


class PoolOptions(TypedDict, total=False):
    """A pool's sizes and how long its statements and connection attempts may take, as
    :meth:`Database.connect` takes them (left out: its defaults)."""

    min_size: int
    max_size: int
    statement_timeout_ms: int
    connect_timeout_ms: int


class SessionConnection(asyncpg.Connection):  # type: ignore[misc]
    """A pooled connection that knows its session role and whether anything but single
    reads ran on it since it was last reset.

    The pool resets a connection (``RESET ALL``, ``UNLISTEN *``, advisory locks, cursors)
    on release only when something could have changed its session; ``RESET ALL`` leaves
    the role alone, so :meth:`Database._acquire` sets or resets it when a connection
    changes hands between the owner and the open data's reader.
    """

    session_role: str | None = None
    role_certain: bool = True
    session_changed: bool = True

    def note_role(self, role: str | None) -> None:
        """Record the role ``SET ROLE`` (or ``RESET ROLE`` for ``None``) left in force."""
        self.session_role = role
        self.role_certain = True

    def forget_role(self) -> None:
        """Record that the role is unknown (a switch was sent and may have been cut off:
        a cancelled request), so the next user sets it whatever it needs."""
        self.role_certain = False

    def note_session_changed(self) -> None:
        """Record that work other than a single read ran: reset on release."""
        self.session_changed = True


async def _reset_if_changed(conn: asyncpg.Connection) -> None:
    """The pool's reset hook (open transactions are rolled back before it runs)."""
    if isinstance(conn, SessionConnection) and not conn.session_changed:
        return
    query = conn.get_reset_query()
    if query:
        await conn.execute(query)
    if isinstance(conn, SessionConnection):
        conn.session_changed = False


class Database:
    """A pool plus statement listeners. Create with :meth:`connect`."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        dsn: str,
        acquire_timeout: float = 5.0,
        role: str | None = None,
        listeners: list[StatementListener] | None = None,
    ) -> None:
        self.pool = pool
        self.dsn = dsn
        self.acquire_timeout = acquire_timeout
        self.role = role
        self._listeners: list[StatementListener] = [] if listeners is None else listeners
        # Called when a statement finds the server unreachable (a read replica leaves the
        # rotation at once, store.replicas).
        self.on_unavailable: Callable[[], None] | None = None

    def with_role(self, role: str | None) -> Database:
        """The same pool, each statement running as ``role`` (a second wall: the open
        data's reads run as ``odx_reader``, which cannot read private columns), or as the
        pool's own user for ``None``."""
        same = Database(self.pool, self.dsn, self.acquire_timeout, role, self._listeners)
        same.on_unavailable = self.on_unavailable
        return same

    def _failed(self, exc: BaseException) -> Exception:
        error = translate_error(exc)
        if isinstance(error, DatabaseUnavailableError) and self.on_unavailable is not None:
            self.on_unavailable()
        return error

    @asynccontextmanager
    async def _acquire(self, *, keeps_session: bool = False) -> AsyncIterator[Connection]:
        # Waiting for a free connection is bounded too: a pool held by slow streams gives
        # a quick retryable error, not a hang.
        async with self.pool.acquire(timeout=self.acquire_timeout) as conn:
            session = cast(SessionConnection, conn)
            if not keeps_session:
                session.note_session_changed()
            if not session.role_certain or session.session_role != self.role:
                # Switched only when it differs: connections mostly serve one kind of
                # caller, so the usual read costs no SET ROLE round trips. Until the
                # switch is confirmed the role counts as unknown: a request cancelled
                # mid-switch must not leave the next one guessing.
                session.forget_role()
                if self.role is None:
                    await conn.execute("RESET ROLE")
                else:
                    await conn.execute(f"SET ROLE {quote_ident(self.role)}")
                session.note_role(self.role)
            yield conn

    @classmethod
    async def connect(
        cls,
        dsn: str,
        *,
        min_size: int = 1,
        max_size: int = 10,
        statement_timeout_ms: int = 5000,
        connect_timeout_ms: int = CONNECT_TIMEOUT_MS,
        planned_replacement_months: int = 12,
    ) -> Database:
        """Open a pool on ``dsn`` with UTC sessions and the statement timeout set, and the
        window within which a planned replacement makes a repair due for it (migration
        0025) in ``odx.planned_replacement_months``.

        Broken connections (a database restart) are dropped by the pool and replaced on
        the next use; opening one gives up after ``connect_timeout_ms``, so an outage
        turns into quick, retryable errors rather than hanging requests.
        """
        try:
            pool = await asyncpg.create_pool(
                dsn,
                connection_class=SessionConnection,
                reset=_reset_if_changed,
                min_size=min_size,
                max_size=max_size,
                timeout=connect_timeout_ms / 1000,
                server_settings={
                    "application_name": "odx-graph",
                    "statement_timeout": str(statement_timeout_ms),
                    "TimeZone": "UTC",
                    # Short analytic queries on estimated row counts: compiling them costs
                    # seconds and saves milliseconds.
                    "jit": "off",
                    "odx.planned_replacement_months": str(planned_replacement_months),
                },
            )
        except Exception as exc:
            raise translate_error(exc) from exc
        return cls(pool, dsn, acquire_timeout=connect_timeout_ms / 1000)

    async def close(self) -> None:
        """Close every connection, waiting for those in use."""
        await self.pool.close()

    def add_listener(self, listener: StatementListener) -> None:
        """Call ``listener(sql)`` for every statement sent from now on."""
        self._listeners.append(listener)

    def remove_listener(self, listener: StatementListener) -> None:
        """Stop calling ``listener``."""
        self._listeners.remove(listener)

    def _notify(self, sql: str) -> None:
        for listener in self._listeners:
            listener(sql)

    async def fetch(self, sql: str, *args: Any) -> list[Record]:
        """Run a query and return all rows."""
        rows: list[Record] = await self._run("fetch", sql, args)
        return rows

    async def fetchrow(self, sql: str, *args: Any) -> Record | None:
        """Run a query and return its first row, if any."""
        return await self._run("fetchrow", sql, args)

    async def fetchval(self, sql: str, *args: Any) -> Any:
        """Run a query and return the first column of its first row."""
        return await self._run("fetchval", sql, args)

    async def execute(self, sql: str, *args: Any) -> str:
        """Run a statement and return its status tag."""
        status: str = await self._run("execute", sql, args)
        return status

    async def fetch_with(self, local: Mapping[str, str], sql: str, *args: Any) -> list[Record]:
        """Run a read-only query with session settings ``local`` (``work_mem``...) in force
        for it alone, and return all rows."""
        [rows] = await self.fetch_together(local, [(sql, args)])
        return rows

    async def fetch_together(
        self,
        local: Mapping[str, str],
        statements: Sequence[tuple[str, Sequence[Any]]],
        then: Callable[[list[list[Record]]], Sequence[tuple[str, Sequence[Any]]]] | None = None,
    ) -> list[list[Record]]:
        """Run read-only queries (each ``(sql, args)``) in one transaction, all reading one
        snapshot of the data (repeatable read), with session settings ``local`` in force
        for them alone; the rows of each, in order. With ``then``, the queries it gives
        from those rows run next, in the same snapshot, and their rows follow."""
        for sql, _ in statements:
            self._notify(sql)
        isolation = "repeatable_read" if len(statements) > 1 or then is not None else None
        try:
            async with (
                self._acquire(keeps_session=True) as conn,
                conn.transaction(isolation=isolation, readonly=True),
            ):
                if local:
                    # All the settings in one round trip.
                    calls = ", ".join(
                        f"set_config(${2 * i + 1}, ${2 * i + 2}, true)" for i in range(len(local))
                    )
                    await conn.execute(f"SELECT {calls}", *(v for kv in local.items() for v in kv))
                found = [await conn.fetch(sql, *args) for sql, args in statements]
                for sql, args in then(found) if then is not None else ():
                    self._notify(sql)
                    found.append(await conn.fetch(sql, *args))
                return found
        except Exception as exc:
            raise self._failed(exc) from exc

    async def _run(self, method: str, sql: str, args: tuple[Any, ...]) -> Any:
        self._notify(sql)
        try:
            async with self._acquire(keeps_session=method != "execute") as conn:
                return await getattr(conn, method)(sql, *args)
        except Exception as exc:
            raise self._failed(exc) from exc

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[Connection]:
        """A pooled connection for multi-statement work (migrations, bulk loads, dumps)."""
        try:
            async with self._acquire() as conn:
                yield conn
        except (asyncpg.PostgresError, *_UNAVAILABLE) as exc:
            raise self._failed(exc) from exc

    def pool_sizes(self) -> tuple[int, int]:
        """``(in use, idle)`` connections of the pool."""
        size, idle = self.pool.get_size(), self.pool.get_idle_size()
        return size - idle, idle

    async def ping(self) -> bool:
        """True when the database answers a trivial query."""
        try:
            return bool(await self.pool.fetchval("SELECT 1"))
        except Exception:
            log.warning("database ping failed", exc_info=True)
            return False


async def connect_once(dsn: str | None) -> Connection:
    """A single connection outside any pool (administration, tests). ``None`` uses PG* vars."""
    try:
        return await asyncpg.connect(dsn)
    except Exception as exc:
        raise translate_error(exc) from exc


def quote_ident(name: str) -> str:
    """Quote an SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def quote_literal(value: str) -> str:
    """Quote an SQL string literal (standard_conforming_strings is on in every supported PG)."""
    return "'" + value.replace("'", "''") + "'"


def placeholders(values: Sequence[Any], start: int = 1) -> list[str]:
    """``$n`` placeholders for ``values`` starting at ``start``."""
    return [f"${i}" for i in range(start, start + len(values))]


async def ensure_database(admin_dsn: str, name: str) -> None:
    """Create database ``name`` through ``admin_dsn`` unless it exists."""
    conn = await connect_once(admin_dsn)
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            await conn.execute(f"CREATE DATABASE {quote_ident(name)}")
    finally:
        await conn.close()
