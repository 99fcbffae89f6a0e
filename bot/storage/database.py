"""The one SQLite connection, its pragmas, reads and write transactions.

SQLite's side of the storage seam (storage/seam.py); PostgreSQL's is storage/postgres.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Sequence
from pathlib import Path
from typing import Any

import aiosqlite

from bot.storage import ownership
from bot.storage.ownership import Claim, DatabaseProblem, FileState
from bot.storage.seam import ConnectionReads, Reads, Row

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000


class Database:
    """Owns the one writer connection shared by every coroutine of the process, and a read-only one."""

    backend = "sqlite"

    def __init__(
        self,
        connection: aiosqlite.Connection,
        *,
        name: str = "the database",
        reader: aiosqlite.Connection | None = None,
    ) -> None:
        self.conn = connection
        self._reader = reader
        # Committed data only (a database in memory or opened read-only has no second connection: its own).
        self._reads = ConnectionReads(connection)
        self.committed: Reads = ConnectionReads(reader) if reader is not None else self
        self.name = name  # how messages name this database, e.g. QUIZBOT_DATABASE=data/quizbot.sqlite3
        # What a write that broke a unique constraint raises (repositories catch it by this name).
        self.conflict: tuple[type[Exception], ...] = (sqlite3.IntegrityError,)
        # All coroutines share one connection, so a multi-statement write must keep others'
        # statements out of its transaction until it commits.
        self._write_lock = asyncio.Lock()

    @classmethod
    async def open(
        cls,
        path: Path,
        *,
        setting: str | None = None,
        newest: int | None = None,
        create: bool = True,
        read_only: bool = False,
    ) -> Database:
        """Open the bot's database; refuse anything else before a byte of it is written.

        ``setting`` names where the path came from, for messages; a database above schema version
        ``newest`` is refused; ``create=False`` refuses a missing file; ``read_only`` writes nothing at
        all (no marker, no WAL switch). Problems raise ``DatabaseProblem`` with what to do.
        """
        if str(path) == ":memory:":
            return await cls._connect(":memory:", name=":memory:", claim=Claim.NEW, read_only=False)
        name = ownership.label(path, setting)
        state = ownership.check_file(path, name, write=not read_only, create=create and not read_only)
        claim = Claim.NEW
        if state is FileState.PRESENT:
            claim = ownership.judge(await asyncio.to_thread(ownership.inspect, path, name), name, setting, newest)
        if state is FileState.MISSING:
            log.warning(
                "%s does not exist yet: creating a new, empty database (check the path if you expected data)", name
            )
            _make_folder(path, name)
        elif state is FileState.EMPTY and not create:  # as a missing file is for these commands
            raise ownership.DatabaseMissing(f"{name} is an empty file, not a database yet; check the path")
        elif state is FileState.EMPTY:
            log.warning(
                "%s is an empty file: making it a new, empty database (check the path if you expected data)", name
            )
        mode = "ro" if read_only else "rwc" if state is FileState.MISSING else "rw"
        db = await cls._connect(ownership.sqlite_uri(path, mode), name=name, claim=claim, read_only=read_only)
        if not read_only:
            try:
                await db._open_reader(ownership.sqlite_uri(path, "ro"))
            except BaseException:
                await db.close()
                raise
        if claim is Claim.RELEASE_1 and not read_only:
            log.info("%s was made by release 1 of the bot: marked it as this bot's database", name)
        return db

    @classmethod
    async def _connect(cls, uri: str, *, name: str, claim: Claim, read_only: bool) -> Database:
        # isolation_level=None: the sqlite3 module never opens transactions on its own;
        # every write transaction is an explicit BEGIN IMMEDIATE below.
        try:
            conn = await aiosqlite.connect(uri, uri=True, isolation_level=None)
        except sqlite3.Error as exc:
            raise ownership.translate(exc, name) from None
        # Every failure from here on closes the connection: its worker thread would otherwise keep the
        # process alive after the error, a hung command instead of an exit.
        try:
            conn.row_factory = sqlite3.Row
            await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            if not read_only:
                if claim is not Claim.OURS:
                    await conn.execute(f"PRAGMA application_id = {ownership.APPLICATION_ID}")
                await conn.execute("PRAGMA journal_mode = WAL")
                await conn.execute("PRAGMA synchronous = FULL")
            await conn.execute("PRAGMA foreign_keys = ON")
        except BaseException as exc:
            await conn.close()
            if isinstance(exc, sqlite3.Error):
                raise ownership.translate(exc, name) from None
            raise
        return cls(conn, name=name)

    async def _open_reader(self, uri: str) -> None:
        # Boards and stats must never see a batch that may still roll back, so a file the writer could open
        # but a reader cannot is refused rather than read through the writer.
        try:
            reader = await aiosqlite.connect(uri, uri=True, isolation_level=None)
        except sqlite3.Error as exc:
            raise ownership.translate(exc, self.name) from None
        reader.row_factory = sqlite3.Row
        try:
            await reader.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        except BaseException:
            await reader.close()
            raise
        self._reader = reader
        self.committed = ConnectionReads(reader)

    async def close(self) -> None:
        if self._reader is not None:
            await self._reader.close()
        await self.conn.close()

    async def interrupt(self) -> None:
        """Abort the statement running on the SQLite thread now (it fails with "interrupted")."""
        with contextlib.suppress(ValueError):  # already closed: nothing is running
            await self.conn.interrupt()

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

    # On the writer connection, so a read inside ``transaction()`` sees the batch written so far.
    async def fetch_one(self, sql: str, args: Sequence[object] = ()) -> Row | None:
        return await self._reads.fetch_one(sql, args)

    async def fetch_all(self, sql: str, args: Sequence[object] = ()) -> list[Row]:
        return await self._reads.fetch_all(sql, args)

    async def fetch_value(self, sql: str, args: Sequence[object] = (), default: object = None) -> Any:
        return await self._reads.fetch_value(sql, args, default)

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


def _make_folder(path: Path, name: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DatabaseProblem(f"{name}: cannot create its folder {path.parent} ({exc.strerror})") from None
