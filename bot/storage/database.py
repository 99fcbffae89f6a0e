"""The one SQLite connection, its pragmas, reads and write transactions.

This class is the storage seam: repositories use only ``fetch_one``, ``fetch_all``, ``fetch_value``
and ``transaction()``, so a second backend (PostgreSQL) slots in by providing the same four.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Sequence
from pathlib import Path
from typing import Any

import aiosqlite

BUSY_TIMEOUT_MS = 5000


class Database:
    """Owns one aiosqlite connection shared by every coroutine of the process."""

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self.conn = connection
        # All coroutines share one connection, so a multi-statement write must keep others'
        # statements out of its transaction until it commits.
        self._write_lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path) -> Database:
        if str(path) != ":memory:":
            path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: the sqlite3 module never opens transactions on its own;
        # every write transaction is an explicit BEGIN IMMEDIATE below.
        conn = await aiosqlite.connect(path, isolation_level=None)
        conn.row_factory = sqlite3.Row
        await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        await conn.execute("PRAGMA journal_mode = WAL")
        await conn.execute("PRAGMA synchronous = FULL")
        await conn.execute("PRAGMA foreign_keys = ON")
        return cls(conn)

    async def close(self) -> None:
        await self.conn.close()

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """Run the block as one IMMEDIATE transaction; roll back on any error.

        BEGIN, COMMIT and ROLLBACK run to completion even when the task is cancelled meanwhile
        (shutdown, a timed-out caller): the statement runs on the SQLite thread regardless, and
        abandoning it would leave the shared connection inside a transaction for everyone else.
        """
        async with self._write_lock:
            try:
                await _finish(self.conn.execute("BEGIN IMMEDIATE"))
            except asyncio.CancelledError:
                if self.conn.in_transaction:
                    await _finish(self.conn.execute("ROLLBACK"))
                raise
            try:
                yield self.conn
            except BaseException:
                await _finish(self.conn.execute("ROLLBACK"))
                raise
            await _finish(self.conn.execute("COMMIT"))

    async def fetch_one(self, sql: str, args: Sequence[object] = ()) -> sqlite3.Row | None:
        """One row in one round trip to the SQLite thread (a cursor costs three: execute, fetch, close)."""
        rows = await self.conn.execute_fetchall(sql, args)
        return next(iter(rows), None)

    async def fetch_all(self, sql: str, args: Sequence[object] = ()) -> list[sqlite3.Row]:
        """Every row in one round trip to the SQLite thread."""
        return list(await self.conn.execute_fetchall(sql, args))

    async def fetch_value(self, sql: str, args: Sequence[object] = (), default: object = None) -> Any:
        """The first column of the first row, or ``default``."""
        row = await self.fetch_one(sql, args)
        return row[0] if row is not None and row[0] is not None else default

    async def user_version(self) -> int:
        return int(await self.fetch_value("PRAGMA user_version", default=0))


async def _finish(statement: Awaitable[object]) -> None:
    """Await a statement to its end; a cancellation that arrives meanwhile is re-raised afterwards."""
    task = asyncio.ensure_future(statement)
    try:
        await asyncio.shield(task)
    except asyncio.CancelledError:
        await task
        raise
