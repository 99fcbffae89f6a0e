"""PostgreSQL through asyncpg: the same calls as the SQLite ``Database``, for several processes on one server.

Repositories write ``?`` placeholders; they become ``$n`` here, once per statement text. Every write
transaction first takes one transaction-level advisory lock, so writers take turns across every process
as they do on one SQLite file: each repository's read-then-write (a score histogram, a daily claim) was
written for one writer at a time and stays right without a second reading of each. Reads need no lock:
outside a transaction each sees what was committed.

A server that goes away (a restart, a network cut) fails the calls in flight with ``StorageUnavailable``:
nothing is reported as saved that was not. The pool replaces connections the server closed, so once it
is back the next call works without a restart of the bot.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import re
from collections.abc import AsyncIterator, Iterable, Sequence
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit, urlunsplit

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from bot.core.errors import StorageUnavailable

log = logging.getLogger(__name__)

WRITE_LOCK = 0x54524C51  # "TRLQ": the advisory lock every write transaction holds until it ends
STATEMENT_TIMEOUT_MS = 10_000  # a statement stuck this long is cancelled by the server
CONNECT_TIMEOUT_S = 5.0
POOL_SIZE = 8

# A quoted literal (skipped) or a placeholder: ?, or ?NNN for a numbered one used more than once.
_TOKEN = re.compile(r"'(?:[^']|'')*'|\?(\d*)")

# What a lost or refused connection raises: socket errors, asyncpg's own, and the server's "not now" family.
_UNAVAILABLE: tuple[type[BaseException], ...] = (
    OSError,
    asyncio.TimeoutError,
    asyncpg.exceptions.InterfaceError,
    asyncpg.exceptions.PostgresConnectionError,  # class 08
    asyncpg.exceptions.OperatorInterventionError,  # class 57: admin shutdown, cannot connect now, timeouts
    asyncpg.exceptions.InsufficientResourcesError,  # class 53: too many connections, disk full
    asyncpg.exceptions.InternalClientError,  # a pooled connection the server dropped, caught mid-protocol
    asyncpg.exceptions.ReadOnlySQLTransactionError,  # a failover left us on a standby
    asyncpg.exceptions.IdleInTransactionSessionTimeoutError,
)
# Waiting for the write lock is not a slow statement: other processes' transactions (a prune of a large
# server) may hold it for longer than STATEMENT_TIMEOUT_MS. The wait gets its own bound, in one round trip.
LOCK_WAIT_S = 60


def _take_write_lock(statement_timeout_ms: int) -> str:
    return (
        f"SET LOCAL statement_timeout = 0; SET LOCAL lock_timeout = '{LOCK_WAIT_S}s';"
        f" SELECT pg_advisory_xact_lock({WRITE_LOCK});"
        f" SET LOCAL lock_timeout = 0; SET LOCAL statement_timeout = {int(statement_timeout_ms)}"
    )


@functools.lru_cache(maxsize=4096)
def to_postgres(sql: str) -> str:
    """``?`` placeholders as ``$1``, ``$2``... and ``?3`` as ``$3``; text inside quotes is left alone."""
    count = 0

    def replace(match: re.Match[str]) -> str:
        nonlocal count
        token = match.group(0)
        if token.startswith("'"):
            return token
        if match.group(1):
            return "$" + match.group(1)
        count += 1
        return f"${count}"

    return _TOKEN.sub(replace, sql)


def redacted(url: str) -> str:
    """The URL without its password (after user: or as ?password=), for messages and logs."""
    url = _QUERY_PASSWORD.sub(r"\1***", url)
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:  # not even a URL (an unclosed [ of an IPv6 address): mask whatever is before the @
        return _USERINFO_PASSWORD.sub(r"\1***@", url, count=1)
    if password is None:
        return url
    netloc = parts.netloc.replace(f":{password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


# scheme://user:password@ ; the password runs to the last @ before the path, as urlsplit reads it.
_USERINFO_PASSWORD = re.compile(r"^([^:/?#]*://[^:/?#@]*:)[^/?#]*@")
_QUERY_PASSWORD = re.compile(r"([?&]password=)[^&#]*", re.IGNORECASE)

SCHEMES = ("postgresql", "postgres")
# libpq's names, which asyncpg takes (also with _ for -).
SSL_MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
MAX_PORT = 65535


def is_postgres_url(value: str) -> bool:
    """A postgresql:// or postgres:// URL, the scheme in any case (as asyncpg reads it)."""
    scheme, sep, _rest = value.partition("://")
    return bool(sep) and scheme.lower() in SCHEMES


def url_problem(url: str) -> str | None:
    """What asyncpg would refuse or misread in ``url``, said without the password; None when it looks right.

    Checked: the scheme, the port(s), sslmode, and that a host and a database are named (in the URL or in its
    ``host=`` / ``dbname=`` parameters). A URL passing these may still name a server that is not there.
    """
    if not is_postgres_url(url):
        return "must be a PostgreSQL URL such as postgresql://quizbot:secret@127.0.0.1:5432/quizbot"
    try:
        parts = urlsplit(url)
        query = parse_qs(parts.query, strict_parsing=True) if parts.query else {}
    except ValueError as exc:
        return f"cannot be read as a URL ({exc})"
    params = {key: values[-1] for key, values in query.items()}
    # As asyncpg reads it: the user and password end at the first @, hosts are separated by commas.
    hostspec = parts.netloc.partition("@")[2] if "@" in parts.netloc else parts.netloc
    hosts: list[str] = []
    ports = [p for p in params.get("port", "").split(",") if p]
    for spec in hostspec.split(",") if hostspec else []:
        if spec.startswith("["):
            host, bracket, port = spec[1:].partition("]")
            if not bracket or (port and not port.startswith(":")):
                return f"has a malformed IPv6 host {spec!r} (write it as [address]:port)"
            port = port[1:]
        else:
            host, _, port = spec.partition(":")
        hosts.append(unquote(host))
        if port:
            ports.append(unquote(port))
    for port in ports:
        if not (port.isascii() and port.isdigit() and 1 <= int(port) <= MAX_PORT):
            return f"has the port {port!r}, which is not a number from 1 to {MAX_PORT}"
    if not any(hosts) and not params.get("host"):
        return "names no host; write postgresql://user:password@HOST:5432/database"
    if not unquote(parts.path.lstrip("/")) and not params.get("dbname") and not params.get("database"):
        return "names no database; write postgresql://user:password@host:5432/DATABASE"
    sslmode = params.get("sslmode")
    if sslmode is not None and sslmode.replace("_", "-") not in SSL_MODES:
        return f"has sslmode={sslmode!r}; use one of {', '.join(SSL_MODES)}"
    return None


def _masked(text: str, url: str) -> str:
    """``text`` (an error message about ``url``) with the URL's password, if it shows, masked."""
    try:
        password = urlsplit(url).password
    except ValueError:
        password = None
    return text.replace(password, "***") if password else text


class Cursor:
    """What ``execute`` returns: the number of rows the statement changed."""

    __slots__ = ("rowcount",)

    def __init__(self, rowcount: int) -> None:
        self.rowcount = rowcount


def _rowcount(status: str) -> int:
    # "INSERT 0 3", "UPDATE 2", "DELETE 0", "SELECT 1": the count is the last word.
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else -1


class Connection:
    """One pooled connection inside a transaction, with the calls repositories make on SQLite's."""

    def __init__(self, conn: PoolConnectionProxy) -> None:
        self._conn = conn

    async def execute(self, sql: str, args: Sequence[object] = ()) -> Cursor:
        return Cursor(_rowcount(await self._conn.execute(to_postgres(sql), *args)))

    async def execute_fetchall(self, sql: str, args: Sequence[object] = ()) -> list[asyncpg.Record]:
        return await self._conn.fetch(to_postgres(sql), *args)

    async def executemany(self, sql: str, rows: Iterable[Sequence[object]]) -> None:
        rows = list(rows)
        if rows:
            await self._conn.executemany(to_postgres(sql), rows)

    @property
    def raw(self) -> PoolConnectionProxy:
        return self._conn


class PostgresDatabase:
    """A pool of connections to one PostgreSQL database."""

    backend = "postgresql"

    def __init__(self, pool: asyncpg.Pool, *, name: str, statement_timeout_ms: int = STATEMENT_TIMEOUT_MS) -> None:
        self.pool = pool
        self.name = name  # the URL without its password
        self.committed = self  # outside a transaction every read sees committed data only
        self.conflict: tuple[type[Exception], ...] = (asyncpg.exceptions.UniqueViolationError,)
        self._write_lock = asyncio.Lock()  # this process's writers queue here, not on the server
        self._take_write_lock = _take_write_lock(statement_timeout_ms)

    @classmethod
    async def open(
        cls, url: str, *, pool_size: int = POOL_SIZE, statement_timeout_ms: int = STATEMENT_TIMEOUT_MS
    ) -> PostgresDatabase:
        name = redacted(url)
        try:
            pool = await asyncpg.create_pool(
                url,
                min_size=1,
                max_size=pool_size,
                timeout=CONNECT_TIMEOUT_S,
                command_timeout=statement_timeout_ms / 1000 + 5,
                server_settings={
                    "application_name": "trl-quiz-bot",
                    "statement_timeout": str(statement_timeout_ms),
                    "idle_in_transaction_session_timeout": str(6 * statement_timeout_ms),
                },
            )
        except (asyncpg.exceptions.ClientConfigurationError, ValueError) as exc:
            # The URL itself (a port that is not a number, an unknown sslmode): no server was asked. Before
            # _UNAVAILABLE, which holds InterfaceError, ClientConfigurationError's parent.
            from bot.storage.ownership import DatabaseProblem

            raise DatabaseProblem(f"{name} is not a usable PostgreSQL URL: {_masked(str(exc), url)}") from None
        except _UNAVAILABLE as exc:
            raise StorageUnavailable(f"{name} is unreachable: {exc}") from None
        except asyncpg.exceptions.PostgresError as exc:  # a wrong password, a database that does not exist
            from bot.storage.ownership import DatabaseProblem

            raise DatabaseProblem(f"{name}: {exc}") from None
        return cls(pool, name=name, statement_timeout_ms=statement_timeout_ms)

    async def close(self) -> None:
        with contextlib.suppress(*_UNAVAILABLE):
            await asyncio.wait_for(self.pool.close(), timeout=10)

    async def interrupt(self) -> None:
        """Cancel what runs now: closing the pool ends every statement in flight."""
        self.pool.terminate()

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[Connection]:
        """The block as one transaction holding the write lock; rolled back on any error."""
        async with self._write_lock:
            try:
                async with self.pool.acquire() as conn, conn.transaction():
                    await conn.execute(self._take_write_lock, timeout=LOCK_WAIT_S + 5)
                    yield Connection(conn)
            except _UNAVAILABLE as exc:
                raise StorageUnavailable(f"{self.name}: {type(exc).__name__}: {exc}") from exc

    async def fetch_one(self, sql: str, args: Sequence[object] = ()) -> asyncpg.Record | None:
        try:
            return await self.pool.fetchrow(to_postgres(sql), *args)
        except _UNAVAILABLE as exc:
            raise StorageUnavailable(f"{self.name}: {type(exc).__name__}: {exc}") from exc

    async def fetch_all(self, sql: str, args: Sequence[object] = ()) -> list[asyncpg.Record]:
        try:
            return await self.pool.fetch(to_postgres(sql), *args)
        except _UNAVAILABLE as exc:
            raise StorageUnavailable(f"{self.name}: {type(exc).__name__}: {exc}") from exc

    async def fetch_value(self, sql: str, args: Sequence[object] = (), default: object = None) -> Any:
        row = await self.fetch_one(sql, args)
        return row[0] if row is not None and row[0] is not None else default

    async def user_version(self) -> int:
        """The schema version: the highest migration recorded (0 for an empty database)."""
        exists = await self.fetch_value("SELECT to_regclass('schema_migrations') IS NOT NULL", default=False)
        if not exists:
            return 0
        return int(await self.fetch_value("SELECT MAX(version) FROM schema_migrations", default=0))
