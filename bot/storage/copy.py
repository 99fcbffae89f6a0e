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
import time
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.storage.copy_backends import (
    CopyError,
    Side,
    SqliteSide,
    Target,
    TargetNotEmpty,
    check_spec,
    check_target,
    counts,
    is_url,
    quote,
    source_snapshot,
    target_transaction,
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
    """How messages name a source or target: a path as given, a URL (any URL) without its password."""
    from bot.storage.postgres import redacted

    return redacted(spec) if "://" in spec else spec


def check_specs(source: str, target: str) -> None:
    """Refuse a SOURCE or TARGET that can't be right (a URL of another kind, a bad port...) before anything."""
    check_spec(source, "SOURCE")
    check_spec(target, "TARGET")


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

    check_specs(source, target)
    progress = progress or Progress()
    started = time.perf_counter()
    newest = len(discover())
    if _same(source, target):
        raise CopyError(f"the source and the target are the same database ({describe(source)})")
    await check_target(target, newest, force=force)
    progress.stage = "reading the source"
    async with source_snapshot(source, newest) as src:
        schema = await _schema(src)
        tables = list(schema)
        source_figures = await figures(src, tables)
        if is_url(target) and isinstance(src, SqliteSide):
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

    check_specs(source, target)
    newest = len(discover())
    async with source_snapshot(source, newest) as src, source_snapshot(target, newest) as tgt:
        schema = await _schema(src)
        _same_schema(src, schema, tgt, await _schema(tgt))
        return compare(await figures(src, list(schema)), await figures(tgt, list(schema)))


def _same(source: str, target: str) -> bool:
    if is_url(source) or is_url(target):
        return source == target
    with contextlib.suppress(OSError):
        return Path(source).resolve() == Path(target).resolve()
    return source == target
