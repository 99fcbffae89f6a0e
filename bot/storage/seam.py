"""The storage seam: what repositories may call on a database, whichever backend is behind it.

``Database`` (SQLite through aiosqlite) and ``PostgresDatabase`` (asyncpg) both provide it; a row is
whatever the driver returns (``sqlite3.Row`` or ``asyncpg.Record``), read by position or column name.
"""

from __future__ import annotations

from collections.abc import Awaitable, Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol

Row = Any  # sqlite3.Row or asyncpg.Record: row[0], row["column"]


class Conn(Protocol):
    """A connection inside a write transaction."""

    def execute(self, sql: str, args: Sequence[Any] = ..., /) -> Awaitable[Any]: ...

    def execute_fetchall(self, sql: str, args: Sequence[Any] = ..., /) -> Awaitable[Iterable[Row]]: ...

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]], /) -> Awaitable[Any]: ...


class Reads(Protocol):
    async def fetch_one(self, sql: str, args: Sequence[object] = ()) -> Row | None: ...

    async def fetch_all(self, sql: str, args: Sequence[object] = ()) -> list[Row]: ...

    async def fetch_value(self, sql: str, args: Sequence[object] = (), default: object = None) -> Any: ...


class ConnectionReads:
    """Reads through one connection, each in one round trip (a cursor would cost three on aiosqlite's thread):
    a write transaction's own (they see what it wrote so far), or SQLite's read-only connection (it sees
    committed data only)."""

    def __init__(self, conn: Conn) -> None:
        self.conn = conn

    async def fetch_one(self, sql: str, args: Sequence[object] = ()) -> Row | None:
        return next(iter(await self.conn.execute_fetchall(sql, args)), None)

    async def fetch_all(self, sql: str, args: Sequence[object] = ()) -> list[Row]:
        return list(await self.conn.execute_fetchall(sql, args))

    async def fetch_value(self, sql: str, args: Sequence[object] = (), default: object = None) -> Any:
        row = await self.fetch_one(sql, args)
        return row[0] if row is not None and row[0] is not None else default


class Storage(Reads, Protocol):
    name: str
    backend: str  # "sqlite" or "postgresql"
    conflict: tuple[type[Exception], ...]  # what a broken unique constraint raises

    @property
    def committed(self) -> Reads: ...  # reads that never see a write transaction still in progress

    def transaction(self) -> AbstractAsyncContextManager[Conn]: ...

    async def close(self) -> None: ...

    async def interrupt(self) -> None: ...

    async def user_version(self) -> int: ...
