"""Apply the numbered SQL files shipped in bot/storage/migrations/ against PRAGMA user_version.

The files are package data, read through importlib.resources, so a built wheel migrates as well
as a checkout does.
"""

from __future__ import annotations

import logging
import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from typing import TYPE_CHECKING

from bot.storage.database import Database

if TYPE_CHECKING:
    from bot.storage.postgres import PostgresDatabase
from bot.storage.ownership import DatabaseLocked, is_locked

log = logging.getLogger(__name__)

_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


class MigrationError(Exception):
    pass


class MigrationInterrupted(MigrationError):
    """A stop was asked for: the database is left at ``version``, the migration in progress rolled back."""

    def __init__(self, version: int, rolled_back: str | None) -> None:
        super().__init__(f"interrupted at schema version {version}")
        self.version = version
        self.rolled_back = rolled_back


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def shipped(backend: str = "sqlite") -> Traversable:
    """The migrations folder inside the installed package (PostgreSQL's translations in its subfolder)."""
    folder = resources.files("bot.storage") / "migrations"
    return folder / "postgres" if backend == "postgresql" else folder


def discover(directory: Traversable | None = None) -> list[Migration]:
    """List migration files in order; refuse gaps, duplicates and stray names."""
    folder = directory if directory is not None else shipped()
    found: dict[int, Traversable] = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".sql"):
            continue
        match = _NAME.match(entry.name)
        if not match:
            raise MigrationError(f"{entry.name}: migration files are named NNNN_reason.sql")
        version = int(match.group(1))
        if version in found:
            raise MigrationError(f"{entry.name}: version {version} also used by {found[version].name}")
        found[version] = entry
    versions = sorted(found)
    if versions != list(range(1, len(versions) + 1)):
        raise MigrationError(f"migration versions must be 1..N without gaps, found {versions}")
    return [Migration(v, found[v].name, found[v].read_text(encoding="utf-8")) for v in versions]


async def apply_migrations(
    db: Database | PostgresDatabase,
    directory: Traversable | None = None,
    *,
    should_stop: Callable[[], bool] = lambda: False,
) -> list[int]:
    """Apply every pending migration, each with its version bump in one transaction.

    ``should_stop`` is asked before each migration; a stop that interrupts one (``Database.interrupt``)
    rolls it back. Either way ``MigrationInterrupted`` says where the database was left.
    """
    if not isinstance(db, Database):  # PostgreSQL
        return await _apply_postgres(db, discover(directory or shipped("postgresql")), should_stop)
    migrations = discover(directory)
    current = await db.user_version()
    if current > len(migrations):
        raise MigrationError(f"the database is at schema version {current}, newer than this code ({len(migrations)})")
    applied: list[int] = []
    for migration in migrations[current:]:
        if should_stop():
            raise MigrationInterrupted(await db.user_version(), None)
        # executescript() commits any open transaction first and leaves the script's own BEGIN
        # open when a statement fails, so the ROLLBACK below is ours to issue. user_version is
        # transactional: it rolls back with the rest.
        script = f"BEGIN IMMEDIATE;\n{migration.sql}\n;PRAGMA user_version = {migration.version};\nCOMMIT;"
        try:
            await db.conn.executescript(script)
        except sqlite3.Error as exc:
            if db.conn.in_transaction:
                await db.conn.execute("ROLLBACK")
            if should_stop():
                raise MigrationInterrupted(await db.user_version(), migration.name) from None
            if is_locked(exc):
                raise DatabaseLocked(db.name) from None
            raise MigrationError(f"{migration.name} failed: {exc}") from exc
        log.info("applied migration %s", migration.name)
        applied.append(migration.version)
    return applied


# Held for the whole run, so two processes started together do not both migrate (the second waits).
_MIGRATE_LOCK = 0x54524C52
_NO_LIMIT_S = 86_400.0  # asyncpg reads timeout=None as "the pool's command_timeout"


async def _apply_postgres(
    db: PostgresDatabase, migrations: list[Migration], should_stop: Callable[[], bool]
) -> list[int]:
    """Each migration and its row in schema_migrations in one transaction (PostgreSQL's DDL is transactional)."""
    import asyncpg

    applied: list[int] = []
    async with db.pool.acquire() as conn:
        # No time limit here: another process's migration may hold the lock, and a migration's backfill may run
        # for minutes on a large database. (The pool resets the setting when the connection goes back.)
        await conn.execute("SET statement_timeout = 0")
        # The lock first: even CREATE TABLE IF NOT EXISTS fails when two processes run it at the same moment.
        await conn.execute("SELECT pg_advisory_lock($1)", _MIGRATE_LOCK, timeout=_NO_LIMIT_S)
        try:
            await conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations"
                " (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
            )
            current = await conn.fetchval("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")
            if current > len(migrations):
                raise MigrationError(
                    f"the database is at schema version {current}, newer than this code ({len(migrations)})"
                )
            for migration in migrations[current:]:
                if should_stop():
                    raise MigrationInterrupted(current, None)
                try:
                    async with conn.transaction():
                        # No arguments: the whole file goes in one round trip.
                        await conn.execute(migration.sql, timeout=_NO_LIMIT_S)
                        await conn.execute(
                            "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
                            migration.version,
                            migration.name,
                        )
                except asyncpg.PostgresError as exc:
                    raise MigrationError(f"{migration.name} failed: {exc}") from exc
                current = migration.version
                log.info("applied migration %s (PostgreSQL)", migration.name)
                applied.append(migration.version)
        finally:
            await conn.execute("SELECT pg_advisory_unlock($1)", _MIGRATE_LOCK)
    return applied
