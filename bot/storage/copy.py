"""Copying a deployment between backends: a SQLite file into PostgreSQL, or PostgreSQL into a SQLite file.

The source is only read, in ONE consistent snapshot (SQLite: one read transaction on a read-only connection;
PostgreSQL: one REPEATABLE READ READ ONLY transaction), and must be at this code's schema version. The target
is migrated to that version, must then hold no rows (``force`` empties it), and is filled in ONE transaction,
table by table, parents before children, in batches (a million answers are never in memory at once). Before
that transaction commits, the row count of every table and the score totals are compared with the source's
snapshot: any difference rolls the copy back. So a failure, a difference or a Ctrl-C leaves the target as it
was (migrated, at most).

The derived tables kept by triggers (item_responses, item_members, item_sums: migrations 0004 and 0006) are
copied as they are, with the triggers off during the copy so nothing is derived twice: on PostgreSQL by
``session_replication_role = replica`` (or, for an owner who is not a superuser, ``ALTER TABLE ... DISABLE
TRIGGER USER``), on SQLite by dropping the triggers and creating them again, all inside the copy's
transaction. PostgreSQL's identity sequences are moved past the copied ids.

Values are checked against the target's column types: PostgreSQL's are strict, SQLite's dynamic, so a SQLite
source going to PostgreSQL is first searched for a value of the wrong type (text in an INTEGER column, a
fraction in a count) and refused with where it is, rather than truncated or half-copied.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import time
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg

from bot.storage import ownership
from bot.storage.copy_backends import (
    CopyError,
    PostgresSide,
    PostgresTarget,
    Side,
    SqliteSide,
    SqliteTarget,
    Target,
    quote,
)
from bot.storage.guilds import GUILD_TABLES

BATCH_ROWS = 5_000
PROGRESS_EVERY_S = 2.0

# Every table of the schema, parents before children (foreign keys never point later in this list): the
# guild tables in the reverse of their deletion order, then those not keyed by guild. A table the schema has
# and this list lacks stops the copy (a new migration must say where its table goes); a table listed here
# that the schema lacks (identify_turns before migration 0007) is not copied.
COPY_ORDER: tuple[str, ...] = ("meta", *reversed(GUILD_TABLES), "outbox", "identify_turns")

# The score totals compared besides every table's row count: (label, table, expression).
TOTALS = (
    ("answers: SUM(points)", "answers", "COALESCE(SUM(points), 0)"),
    ("scores: SUM(points)", "scores", "COALESCE(SUM(points), 0)"),
    ("scores: SUM(correct)", "scores", "COALESCE(SUM(correct), 0)"),
    ("scores: SUM(answered)", "scores", "COALESCE(SUM(answered), 0)"),
)


class TargetNotEmpty(CopyError):
    def __init__(self, target: str, rows: dict[str, int]) -> None:
        listed = ", ".join(f"{table} ({count:,})" for table, count in rows.items())
        super().__init__(
            f"{target} is not empty: rows in {listed}; copy-db fills an empty database, and --force replaces "
            "what it holds (in the copy's transaction)"
        )
        self.rows = rows


class CopyMismatch(CopyError):
    """The target's figures differ from the source's snapshot: the copy was rolled back."""

    def __init__(self, target: str, comparison: Comparison) -> None:
        differs = "; ".join(f"{c.name}: source {c.source:,}, target {c.target:,}" for c in comparison.differences)
        super().__init__(
            f"the copy does not match the source ({differs}); it was rolled back, {target} holds what it held before",
            exit_code=1,
        )
        self.comparison = comparison


@dataclass(frozen=True)
class Check:
    name: str
    source: int
    target: int

    @property
    def ok(self) -> bool:
        return self.source == self.target


@dataclass(frozen=True)
class Comparison:
    checks: tuple[Check, ...]

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    @property
    def differences(self) -> list[Check]:
        return [c for c in self.checks if not c.ok]

    def lines(self) -> list[str]:
        width = max(len(c.name) for c in self.checks)
        lines = [f"{'':<{width}}  {'source':>12}  {'target':>12}"]
        for c in self.checks:
            mark = "" if c.ok else "  <- differs"
            lines.append(f"{c.name:<{width}}  {c.source:>12,}  {c.target:>12,}{mark}")
        n = len(self.checks)
        lines.append(f"all {n} figures match" if self.ok else f"{len(self.differences)} of {n} figures differ")
        return lines


@dataclass(frozen=True)
class Copied:
    table: str
    rows: int
    seconds: float


@dataclass
class CopyReport:
    source: str
    target: str
    tables: list[Copied]
    comparison: Comparison
    seconds: float

    @property
    def rows(self) -> int:
        return sum(t.rows for t in self.tables)


@dataclass
class Progress:
    """Where a copy is, for the operator: ``say`` gets progress lines; ``committed`` turns True at the end."""

    say: Callable[[str], None] = lambda line: None
    committed: bool = False
    stage: str = "opening the databases"
    last_said: float = field(default=0.0, repr=False)


def describe(spec: str) -> str:
    """How messages name a source or target: a path as given, a URL without its password."""
    from bot.storage.postgres import is_postgres_url, redacted

    return redacted(spec) if is_postgres_url(spec) else spec


# -- opening: the source's snapshot, the target's transaction -------------------------------------------------


def _is_url(spec: str) -> bool:
    from bot.storage.postgres import is_postgres_url

    return is_postgres_url(spec)


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
    if _is_url(spec):
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

    sqlite_db = await Database.open(Path(spec), newest=newest, create=False, read_only=True)
    try:
        version = await sqlite_db.user_version()
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

    if _is_url(spec):
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
    from bot.storage.database import Database

    sqlite_db = await Database.open(Path(spec), newest=newest)
    try:
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
    finally:
        await sqlite_db.close()


# -- the copy -------------------------------------------------------------------------------------------------


async def _schema(side: Side) -> dict[str, dict[str, str]]:
    """{table: {column: kind}} of every table, in COPY_ORDER; an unknown table stops the copy."""
    tables = await side.tables()
    unknown = sorted(set(tables) - set(COPY_ORDER))
    if unknown:
        raise CopyError(
            f"{side.name} has table(s) copy-db does not know: {', '.join(unknown)}; refusing rather than leaving "
            "them behind (bot/storage/copy.py COPY_ORDER must list every table)"
        )
    return {t: await side.columns(t) for t in COPY_ORDER if t in tables}


def _same_schema(source: Side, schema: dict[str, dict[str, str]], target: Side, other: dict[str, dict[str, str]]):
    if list(schema) != list(other):
        raise CopyError(
            f"{source.name} has the tables {', '.join(schema)} but {target.name} has {', '.join(other)}, "
            "at the same schema version"
        )
    for table, columns in schema.items():
        if set(columns) != set(other[table]):
            raise CopyError(
                f"{table} has the columns {', '.join(columns)} in {source.name} but {', '.join(other[table])} "
                f"in {target.name}"
            )


async def counts(side: Side, tables: Sequence[str]) -> dict[str, int]:
    return {t: int((await side.row(f"SELECT COUNT(*) FROM {quote(t)}"))[0]) for t in tables}


async def figures(side: Side, tables: Sequence[str]) -> dict[str, int]:
    """Every table's row count and the score totals, as the comparison names them."""
    found = {f"{t} rows": n for t, n in (await counts(side, tables)).items()}
    for label, table, expression in TOTALS:
        found[label] = int((await side.row(f"SELECT {expression} FROM {quote(table)}"))[0])
    return found


def compare(source: dict[str, int], target: dict[str, int]) -> Comparison:
    return Comparison(tuple(Check(name, source[name], target.get(name, -1)) for name in source))


async def _ahead(batches: AsyncGenerator[list[Sequence[Any]], None]) -> AsyncIterator[list[Sequence[Any]]]:
    """The batches, the next one read while the caller writes the current one."""

    async def following() -> list[Sequence[Any]] | None:
        return await anext(batches, None)

    pending = asyncio.ensure_future(following())
    try:
        while (batch := await pending) is not None:
            pending = asyncio.ensure_future(following())
            yield batch
    finally:
        if not pending.done():
            pending.cancel()
            with contextlib.suppress(BaseException):
                await pending
        await batches.aclose()


async def _copy_table(
    source: Side, target: Target, table: str, columns: list[str], total: int, size: int, progress: Progress
) -> Copied:
    started = time.perf_counter()
    done = 0
    progress.last_said = started
    async for rows in _ahead(source.batches(table, columns, size)):
        await target.write(table, columns, rows)
        done += len(rows)
        now = time.perf_counter()
        if now - progress.last_said >= PROGRESS_EVERY_S:
            progress.last_said = now
            progress.say(f"  {table}: {done:,} of {total:,} rows, {done / (now - started):,.0f} rows/s")
    seconds = time.perf_counter() - started
    rate = f", {done / seconds:,.0f} rows/s" if done and seconds > 0 else ""
    progress.say(f"copied {table}: {done:,} rows in {seconds:.1f} s{rate}")
    return Copied(table, done, seconds)


async def copy_database(
    source: str,
    target: str,
    *,
    force: bool = False,
    batch_rows: int | None = None,
    progress: Progress | None = None,
) -> CopyReport:
    """Copy every table of ``source`` into ``target`` (a SQLite path or a postgresql:// URL each); see the module.

    Raises CopyError (TargetNotEmpty, CopyMismatch...) with nothing written to the target but, at most, its
    migration to the current schema.
    """
    from bot.storage.migrate import discover

    progress = progress or Progress()
    started = time.perf_counter()
    newest = len(discover())
    if _same(source, target):
        raise CopyError(f"the source and the target are the same database ({describe(source)})")
    progress.stage = "reading the source"
    async with source_snapshot(source, newest) as src:
        schema = await _schema(src)
        tables = list(schema)
        source_figures = await figures(src, tables)
        if _is_url(target) and isinstance(src, SqliteSide):
            progress.stage = "checking the source's values"
            for table in tables:
                problem = await src.misfit(table, schema[table])
                if problem:
                    raise CopyError(f"{src.name}: {problem}; correct that row first", exit_code=1)
        progress.stage = "migrating the target"

        def done() -> None:
            progress.committed = True
            progress.stage = "closing the databases"

        async with target_transaction(target, newest, force=force, committed=done) as tgt:
            progress.stage = "copying"
            target_schema = await _schema(tgt)
            _same_schema(src, schema, tgt, target_schema)
            present = {t: n for t, n in (await counts(tgt, tables)).items() if n}
            if present and not force:
                raise TargetNotEmpty(tgt.name, present)
            if present:
                progress.say(f"emptying {tgt.name} first (--force): {sum(present.values()):,} rows")
                await tgt.clear(tables)
            await tgt.triggers_off()
            copied = []
            for table in tables:
                columns = list(target_schema[table])
                total = source_figures[f"{table} rows"]
                copied.append(await _copy_table(src, tgt, table, columns, total, batch_rows or BATCH_ROWS, progress))
            await tgt.finish(tables)
            progress.stage = "comparing"
            comparison = compare(source_figures, await figures(tgt, tables))
            if not comparison.ok:
                raise CopyMismatch(tgt.name, comparison)
            progress.stage = "committing"
    return CopyReport(describe(source), describe(target), copied, comparison, time.perf_counter() - started)


async def compare_databases(source: str, target: str) -> Comparison:
    """Both databases' figures, each read in one snapshot (neither is written)."""
    from bot.storage.migrate import discover

    newest = len(discover())
    async with source_snapshot(source, newest) as src, source_snapshot(target, newest) as tgt:
        schema = await _schema(src)
        _same_schema(src, schema, tgt, await _schema(tgt))
        return compare(await figures(src, list(schema)), await figures(tgt, list(schema)))


def _same(source: str, target: str) -> bool:
    if _is_url(source) or _is_url(target):
        return source == target
    with contextlib.suppress(OSError):
        return Path(source).resolve() == Path(target).resolve()
    return source == target
