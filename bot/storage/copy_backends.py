"""The two backends copy-db reads and writes, behind one set of calls: SQLite through aiosqlite, PostgreSQL
through asyncpg. A side lists its tables and column kinds, reads a table in batches and runs a query for one
row; a target also empties tables, turns its triggers off for the copy and writes batches (see copy.py).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Sequence
from typing import Any, Protocol

import aiosqlite
import asyncpg

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
