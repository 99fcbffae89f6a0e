"""The two backends copy-db reads and writes, and how each is opened: the source in one read-only snapshot,
the target in one transaction. A side lists its tables and column kinds, reads a table in batches and runs a
query for one row; a target also empties tables, turns its triggers off for the copy and writes batches. The
copy itself, and its checks, are in copy.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

import aiosqlite
import asyncpg

from bot.storage import ownership

# Bookkeeping of the backends themselves, never copied: each target keeps its own.
NOT_COPIED = ("schema_migrations",)

INT, FLOAT, TEXT = "integer", "real", "text"
SQLITE_KINDS = {"INTEGER": INT, "REAL": FLOAT, "TEXT": TEXT}
POSTGRES_KINDS = {
    "bigint": INT,
    "integer": INT,
    "smallint": INT,
    "double precision": FLOAT,
    "real": FLOAT,
    "text": TEXT,
    "character varying": TEXT,
}
# What SQLite's typeof() may say of a value that PostgreSQL takes for a column of each kind without loss.
FITS = {INT: ("integer", "null"), FLOAT: ("real", "integer", "null"), TEXT: ("text", "null")}
PYTHON_TYPES: dict[str, tuple[type, ...]] = {INT: (int,), FLOAT: (float, int), TEXT: (str,)}


class CopyError(Exception):
    """The copy can't be done as asked; the message says why and what to do. Nothing was written."""

    def __init__(self, message: str, *, exit_code: int = 2) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class TargetNotEmpty(CopyError):
    def __init__(self, target: str, rows: dict[str, int]) -> None:
        listed = ", ".join(f"{table} ({count:,})" for table, count in rows.items())
        super().__init__(
            f"{target} is not empty: rows in {listed}; copy-db fills an empty database, and --force replaces "
            "what it holds (in the copy's transaction)"
        )
        self.rows = rows


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# -- the two backends behind one set of calls ----------------------------------------------------------------


class Side(Protocol):
    name: str
    backend: str

    async def tables(self) -> list[str]: ...

    async def columns(self, table: str) -> dict[str, str]: ...

    async def row(self, sql: str) -> tuple[Any, ...]: ...

    def batches(self, table: str, columns: Sequence[str], size: int) -> AsyncGenerator[list[Sequence[Any]], None]: ...


class Target(Side, Protocol):
    async def clear(self, tables: Sequence[str]) -> None: ...

    async def triggers_off(self) -> None: ...

    async def write(self, table: str, columns: Sequence[str], rows: list[Sequence[Any]]) -> None: ...

    async def finish(self, tables: Sequence[str]) -> None: ...


class SqliteSide:
    backend = "sqlite"

    def __init__(self, conn: aiosqlite.Connection, name: str) -> None:
        self.conn = conn
        self.name = name

    async def tables(self) -> list[str]:
        rows = await self.conn.execute_fetchall(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
        )
        return [r[0] for r in rows if r[0] not in NOT_COPIED]

    async def columns(self, table: str) -> dict[str, str]:
        found: dict[str, str] = {}
        for row in await self.conn.execute_fetchall(f"PRAGMA table_info({quote(table)})"):
            declared = str(row[2]).upper()
            if declared not in SQLITE_KINDS:
                raise CopyError(f"{self.name}: {table}.{row[1]} is declared {declared!r}, a type copy-db does not know")
            found[row[1]] = SQLITE_KINDS[declared]
        return found

    async def row(self, sql: str) -> tuple[Any, ...]:
        return tuple(next(iter(await self.conn.execute_fetchall(sql))))

    async def batches(self, table: str, columns: Sequence[str], size: int) -> AsyncGenerator[list[Sequence[Any]], None]:
        cursor = await self.conn.execute(f"SELECT {', '.join(map(quote, columns))} FROM {quote(table)}")
        try:
            while rows := await cursor.fetchmany(size):
                yield list(rows)
        finally:
            await cursor.close()

    async def misfit(self, table: str, kinds: dict[str, str]) -> str | None:
        """The first value PostgreSQL would refuse or change, said with where it is; None when all fit."""
        names = list(kinds)
        wrong = " OR ".join(
            f"typeof({quote(c)}) NOT IN ({', '.join(repr(t) for t in FITS[k])})" for c, k in kinds.items()
        )
        select = ", ".join(f"{quote(c)}, typeof({quote(c)})" for c in names)
        rows = await self.conn.execute_fetchall(f"SELECT {select} FROM {quote(table)} WHERE {wrong} LIMIT 1")
        for row in rows:
            for i, column in enumerate(names):
                value, kind = row[2 * i], row[2 * i + 1]
                if kind not in FITS[kinds[column]]:
                    return f"{table}.{column} holds {value!r} ({kind}) where PostgreSQL expects {kinds[column]}"
        return None


class SqliteTarget(SqliteSide):
    def __init__(self, conn: aiosqlite.Connection, name: str) -> None:
        super().__init__(conn, name)
        self._triggers: list[tuple[str, str]] = []

    async def clear(self, tables: Sequence[str]) -> None:
        for table in reversed(tables):  # children first: foreign keys are on
            await self.conn.execute(f"DELETE FROM {quote(table)}")

    async def triggers_off(self) -> None:
        # SQLite cannot disable a trigger: drop them, and create them again from their own text in finish().
        rows = await self.conn.execute_fetchall("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
        self._triggers = [(r[0], r[1]) for r in rows]
        for name, _sql in self._triggers:
            await self.conn.execute(f"DROP TRIGGER {quote(name)}")

    async def write(self, table: str, columns: Sequence[str], rows: list[Sequence[Any]]) -> None:
        marks = ", ".join("?" * len(columns))
        await self.conn.executemany(
            f"INSERT INTO {quote(table)} ({', '.join(map(quote, columns))}) VALUES ({marks})", rows
        )

    async def finish(self, tables: Sequence[str]) -> None:
        for _name, sql in self._triggers:
            await self.conn.execute(sql)
        # Rowid tables continue after their largest id by themselves (no AUTOINCREMENT in this schema).


class PostgresSide:
    backend = "postgresql"

    def __init__(self, conn: Any, name: str) -> None:
        self.conn = conn  # an asyncpg connection (or pool proxy) inside a transaction
        self.name = name

    async def tables(self) -> list[str]:
        rows = await self.conn.fetch(
            "SELECT table_name FROM information_schema.tables"
            " WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
        )
        return [r[0] for r in rows if r[0] not in NOT_COPIED]

    async def columns(self, table: str) -> dict[str, str]:
        found: dict[str, str] = {}
        rows = await self.conn.fetch(
            "SELECT column_name, data_type FROM information_schema.columns"
            " WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
            table,
        )
        for name, data_type in rows:
            if data_type not in POSTGRES_KINDS:
                raise CopyError(f"{self.name}: {table}.{name} is {data_type!r}, a type copy-db does not know")
            found[name] = POSTGRES_KINDS[data_type]
        return found

    async def row(self, sql: str) -> tuple[Any, ...]:
        return tuple(await self.conn.fetchrow(sql))

    async def batches(self, table: str, columns: Sequence[str], size: int) -> AsyncGenerator[list[Sequence[Any]], None]:
        cursor = await self.conn.cursor(f"SELECT {', '.join(map(quote, columns))} FROM {quote(table)}")
        while rows := await cursor.fetch(size):
            yield [tuple(r) for r in rows]


class PostgresTarget(PostgresSide):
    def __init__(self, conn: Any, name: str) -> None:
        super().__init__(conn, name)
        self._disabled: list[str] = []

    async def clear(self, tables: Sequence[str]) -> None:
        await self.conn.execute(f"TRUNCATE {', '.join(map(quote, tables))}")

    async def triggers_off(self) -> None:
        try:
            async with self.conn.transaction():  # a savepoint: a refusal must not abort the copy's transaction
                # Neither user triggers nor foreign-key checks fire until the transaction ends.
                await self.conn.execute("SET LOCAL session_replication_role = replica")
            return
        except asyncpg.exceptions.InsufficientPrivilegeError:
            pass
        # Not a superuser: the tables' owner may still switch their triggers off, inside this transaction.
        rows = await self.conn.fetch(
            "SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
            " JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE NOT t.tgisinternal AND n.nspname = current_schema() ORDER BY 1"
        )
        self._disabled = [r[0] for r in rows]
        for table in self._disabled:
            try:
                await self.conn.execute(f"ALTER TABLE {quote(table)} DISABLE TRIGGER USER")
            except asyncpg.exceptions.InsufficientPrivilegeError:
                raise CopyError(
                    f"{self.name}: this user may neither set session_replication_role nor switch off the triggers "
                    f"of {table} (which would derive its rows twice); connect as the tables' owner or a superuser"
                ) from None

    async def write(self, table: str, columns: Sequence[str], rows: list[Sequence[Any]]) -> None:
        try:
            await self.conn.copy_records_to_table(table, records=rows, columns=list(columns))
        except (TypeError, ValueError, OverflowError, asyncpg.exceptions.DataError) as exc:
            raise CopyError(f"{self.name}: {table}: {misfit_in(table, columns, rows) or exc}", exit_code=1) from exc

    async def finish(self, tables: Sequence[str]) -> None:
        for table in self._disabled:
            await self.conn.execute(f"ALTER TABLE {quote(table)} ENABLE TRIGGER USER")
        # Identity columns: the next generated id follows the largest copied one.
        rows = await self.conn.fetch(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema()"
            " AND (is_identity = 'YES' OR column_default LIKE 'nextval(%')"
        )
        for table, column in rows:
            await self.conn.execute(
                f"SELECT setval(pg_get_serial_sequence($1, $2), COALESCE(MAX({quote(column)}), 0) + 1, false)"
                f" FROM {quote(table)}",
                quote(table),
                column,
            )


def misfit_in(table: str, columns: Sequence[str], rows: list[Sequence[Any]]) -> str | None:
    """A batch PostgreSQL refused: the first value that is not an int, float or str (for the message)."""
    for row in rows:
        for column, value in zip(columns, row, strict=True):
            if value is not None and not isinstance(value, int | float | str):
                return f"{table}.{column} holds {value!r} ({type(value).__name__})"
    return None


async def counts(side: Side, tables: Sequence[str]) -> dict[str, int]:
    return {t: int((await side.row(f"SELECT COUNT(*) FROM {quote(t)}"))[0]) for t in tables}


# -- opening: the source's snapshot, the target's transaction -------------------------------------------------


def is_url(spec: str) -> bool:
    from bot.storage.postgres import is_postgres_url

    return is_postgres_url(spec)


def check_spec(spec: str, role: str) -> None:
    """Refuse a SOURCE or TARGET that cannot be what the operator meant, before anything is opened or created.

    Whatever has a ``://`` is a URL and must be a PostgreSQL one (it would otherwise become a folder tree
    named after it, password included); the rest is a SQLite file, whose name the file system must accept.
    """
    from bot.settings import path_problem
    from bot.storage.postgres import is_postgres_url, redacted, url_problem

    if "://" in spec:
        if not is_postgres_url(spec):
            raise CopyError(
                f"{role} {redacted(spec)} is a URL but not a PostgreSQL one: name a postgresql:// (or postgres://) "
                "URL, or a SQLite file by its path"
            )
        problem = url_problem(spec)
        if problem:
            raise CopyError(f"{role} {redacted(spec)} {problem}")
        return
    if not spec.strip():
        raise CopyError(f"{role} is blank: name a SQLite file or a postgresql:// URL")
    problem = path_problem(Path(spec))
    if problem:
        raise CopyError(f"{role} {spec} {problem}")


def _out_of_date(name: str, version: int, newest: int) -> CopyError:
    if version > newest:
        return CopyError(
            f"{name} is at schema version {version}, newer than this bot's ({newest}): copy it with the release "
            "that wrote it"
        )
    return CopyError(
        f"{name} is at schema version {version}, this bot's is {newest}: run `python -m bot migrate` on it first "
        "(copy-db only reads the source, and copies a database of the current schema)"
    )


async def _open_postgres(url: str):
    from bot.core.errors import StorageUnavailable
    from bot.storage.postgres import PostgresDatabase

    try:
        return await PostgresDatabase.open(url, pool_size=2)
    except StorageUnavailable as exc:
        raise CopyError(f"{exc}; is the server running?", exit_code=1) from None


@contextlib.asynccontextmanager
async def source_snapshot(spec: str, newest: int) -> AsyncIterator[SqliteSide | PostgresSide]:
    """The source, read-only, inside one transaction whose reads all see the same moment."""
    if is_url(spec):
        db = await _open_postgres(spec)
        try:
            version = await db.user_version()
            if version != newest:
                raise _out_of_date(db.name, version, newest)
            async with db.pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
                await conn.execute("SET LOCAL statement_timeout = 0")
                await conn.execute("SET LOCAL idle_in_transaction_session_timeout = 0")
                yield PostgresSide(conn, db.name)
        finally:
            await db.close()
        return
    from bot.storage.database import Database

    _refuse_nothing_to_copy(Path(spec))
    sqlite_db = await Database.open(Path(spec), newest=newest, create=False, read_only=True)
    try:
        version = await sqlite_db.user_version()
        if version == 0:
            raise CopyError(f"the source {sqlite_db.name} is an empty database (no tables): nothing to copy")
        if version != newest:
            raise _out_of_date(sqlite_db.name, version, newest)
        conn = sqlite_db.conn
        conn.row_factory = None  # plain tuples: the fastest rows the sqlite3 module makes
        await conn.execute("BEGIN")  # deferred: the snapshot is taken by the first read, kept until the end
        try:
            yield SqliteSide(conn, sqlite_db.name)
        finally:
            with contextlib.suppress(sqlite3.Error):
                await conn.execute("ROLLBACK")
    finally:
        await sqlite_db.close()


def _refuse_nothing_to_copy(path: Path) -> None:
    """A SQLite source that is missing or empty: refused before the database code would call it new."""
    if not path.exists():
        raise CopyError(f"the source {path} does not exist: nothing to copy; check the path")
    with contextlib.suppress(OSError):  # unreadable: opening it says what is wrong, in its own words
        if path.is_file() and path.stat().st_size == 0:
            raise CopyError(f"the source {path} is an empty file: nothing to copy; check the path")


def _hold_target(path: Path, name: str):
    """The flock a running bot holds on its SQLite file, taken for the copy: a bot cannot start meanwhile, and
    a bot running on ``path`` refuses the copy (whose --force would replace its data underneath it)."""
    from bot.storage.single_process import SqliteInUse, hold

    try:
        return hold(path, name)
    except SqliteInUse:
        pid = _flock_holder(path)
        raise CopyError(
            f"{name} is in use by a running bot{f' (pid {pid})' if pid else ''}; stop it first, then copy",
            exit_code=1,
        ) from None


def _hold_if_present(path: Path, name: str):
    """The lock of an existing file (see _hold_target); None for a file the copy will create."""
    return _hold_target(path, name) if path.exists() else None


def _flock_holder(path: Path) -> int | None:
    """The process holding an flock on ``path``, from /proc/locks (Linux); None when it can't be told."""
    try:
        st = path.stat()
        with open("/proc/locks", encoding="ascii") as locks:
            lines = locks.read().splitlines()
    except OSError:
        return None
    # "1: FLOCK  ADVISORY  WRITE 14131 fe:00:2351210 0 EOF": the pid, then major:minor (hex):inode.
    wanted = f"{os.major(st.st_dev):02x}:{os.minor(st.st_dev):02x}:{st.st_ino}"
    for line in lines:
        fields = line.split()
        if len(fields) >= 6 and fields[1] == "FLOCK" and fields[5] == wanted and fields[4].isdigit():
            return int(fields[4]) or None
    return None


def _rows_before_opening(path: Path, name: str, newest: int) -> dict[str, int]:
    """The rows a SQLite target holds, read before the bot's code opens it for writing (which would switch it
    to WAL and mark it): a refused target stays byte for byte as it was. Refusals of the file itself (not
    this bot's, a newer schema) are raised here as opening it would; anything else is left to that opening."""
    state = ownership.check_file(path, name, write=False, create=True)
    if state is not ownership.FileState.PRESENT:
        return {}
    ownership.judge(ownership.inspect(path, name), name, None, newest)
    try:
        # Read-write, only reading: closing it removes the -wal and -shm a WAL database gets on opening,
        # which a read-only connection would leave behind.
        conn = sqlite3.connect(ownership.sqlite_uri(path, "rw"), uri=True, timeout=ownership.LOCK_WAIT_S)
    except sqlite3.Error:
        return {}
    try:
        conn.execute("PRAGMA query_only = ON")
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
            )
            if r[0] not in NOT_COPIED
        ]
        found = {t: int(conn.execute(f"SELECT COUNT(*) FROM {quote(t)}").fetchone()[0]) for t in tables}
    except sqlite3.Error:
        return {}
    finally:
        conn.close()
    return {t: n for t, n in found.items() if n}


async def _refuse_rows_before_migrating(side: Side, force: bool) -> None:
    """A target with rows is refused before its migration: a refused copy changes nothing at all."""
    if force:
        return
    present = {t: n for t, n in (await counts(side, await side.tables())).items() if n}
    if present:
        raise TargetNotEmpty(side.name, present)


@contextlib.asynccontextmanager
async def target_transaction(
    spec: str, newest: int, *, force: bool = False, committed: Callable[[], object] = lambda: None
) -> AsyncIterator[SqliteTarget | PostgresTarget]:
    """The target at the current schema, inside one write transaction that commits when the block ends (then
    ``committed`` is called, before the connections close)."""
    from bot.storage.migrate import MigrationError, apply_migrations

    if is_url(spec):
        from bot.storage.postgres import WRITE_LOCK

        db = await _open_postgres(spec)
        try:
            if await db.user_version() < newest:
                async with db.pool.acquire() as conn:
                    await _refuse_rows_before_migrating(PostgresSide(conn, db.name), force)
            try:
                await apply_migrations(db)
            except MigrationError as exc:
                raise CopyError(f"{db.name}: {exc}", exit_code=1) from None
            try:
                async with db.pool.acquire() as conn, conn.transaction():
                    await conn.execute("SET LOCAL statement_timeout = 0")
                    await conn.execute("SET LOCAL idle_in_transaction_session_timeout = 0")
                    # The bot's writers take this lock for every transaction: none can write meanwhile.
                    await conn.execute("SELECT pg_advisory_xact_lock($1)", WRITE_LOCK)
                    yield PostgresTarget(conn, db.name)
                committed()
            except asyncpg.exceptions.PostgresError as exc:
                raise CopyError(f"{db.name} refused the copy ({exc}); it was rolled back", exit_code=1) from None
        finally:
            await db.close()
        return
    async with _sqlite_target(Path(spec), newest, force=force) as sqlite_db:
        sqlite_db.conn.row_factory = None
        if await sqlite_db.user_version() < newest:
            await _refuse_rows_before_migrating(SqliteSide(sqlite_db.conn, sqlite_db.name), force)
        try:
            await apply_migrations(sqlite_db)
        except MigrationError as exc:
            raise CopyError(f"{sqlite_db.name}: {exc}", exit_code=1) from None
        try:
            async with sqlite_db.transaction() as conn:
                yield SqliteTarget(conn, sqlite_db.name)
            committed()
        except sqlite3.OperationalError as exc:  # locked by another process, the disk full...
            raise ownership.translate(exc, sqlite_db.name) from None
        except sqlite3.IntegrityError as exc:
            raise CopyError(f"{sqlite_db.name} refused the copy ({exc}); it was rolled back", exit_code=1) from None


async def check_target(spec: str, newest: int, *, force: bool) -> None:
    """The refusals of a SQLite target that need no source, made before the source is read: a bot running on
    it, rows without --force. ``target_transaction`` makes them again, under the lock it holds for the copy."""
    if is_url(spec):
        return
    path = Path(spec)
    lock = _hold_if_present(path, spec)
    if lock is not None:
        lock.release()
    if not force:
        present = await asyncio.to_thread(_rows_before_opening, path, spec, newest)
        if present:
            raise TargetNotEmpty(spec, present)


@contextlib.asynccontextmanager
async def _sqlite_target(path: Path, newest: int, *, force: bool):
    """The SQLite target opened for writing, under the running bot's lock, once the refusals that can be made
    without writing were made (a bot on it, rows without --force)."""
    from bot.storage.database import Database

    name = str(path)
    lock = _hold_if_present(path, name)
    try:
        if not force:
            present = await asyncio.to_thread(_rows_before_opening, path, name, newest)
            if present:
                raise TargetNotEmpty(name, present)
        sqlite_db = await Database.open(path, newest=newest)
        try:
            if lock is None:  # a new file: it exists now, and no bot may start on it during the copy
                lock = _hold_target(path, name)
            yield sqlite_db
        finally:
            await sqlite_db.close()
    finally:
        if lock is not None:  # after the connections closed: closing a descriptor drops SQLite's POSIX locks
            lock.release()
