"""Apply numbered SQL files from migrations/ against PRAGMA user_version."""

from __future__ import annotations

import logging
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from bot.storage.database import Database

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"
_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


class MigrationError(Exception):
    pass


@dataclass(frozen=True)
class Migration:
    version: int
    path: Path


def discover(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """List migration files in order; refuse gaps, duplicates and stray names."""
    found: dict[int, Path] = {}
    for path in sorted(directory.glob("*.sql")):
        match = _NAME.match(path.name)
        if not match:
            raise MigrationError(f"{path.name}: migration files are named NNNN_reason.sql")
        version = int(match.group(1))
        if version in found:
            raise MigrationError(f"{path.name}: version {version} also used by {found[version].name}")
        found[version] = path
    versions = sorted(found)
    if versions != list(range(1, len(versions) + 1)):
        raise MigrationError(f"migration versions must be 1..N without gaps, found {versions}")
    return [Migration(v, found[v]) for v in versions]


async def apply_migrations(db: Database, directory: Path = MIGRATIONS_DIR) -> list[int]:
    """Apply every pending migration, each with its version bump in one transaction."""
    migrations = discover(directory)
    current = await db.user_version()
    if current > len(migrations):
        raise MigrationError(f"the database is at schema version {current}, newer than this code ({len(migrations)})")
    applied = []
    for migration in migrations[current:]:
        sql = migration.path.read_text(encoding="utf-8")
        # executescript() commits any open transaction first and leaves the script's own BEGIN
        # open when a statement fails, so the ROLLBACK below is ours to issue. user_version is
        # transactional: it rolls back with the rest.
        script = f"BEGIN IMMEDIATE;\n{sql}\n;PRAGMA user_version = {migration.version};\nCOMMIT;"
        try:
            await db.conn.executescript(script)
        except sqlite3.Error as exc:
            if db.conn.in_transaction:
                await db.conn.execute("ROLLBACK")
            raise MigrationError(f"{migration.path.name} failed: {exc}") from exc
        log.info("applied migration %s", migration.path.name)
        applied.append(migration.version)
    return applied
