"""Migrations: fresh database to head, idempotent reruns, and all-or-nothing files."""

import sqlite3
from pathlib import Path

import pytest

from bot.storage.database import Database
from bot.storage.migrate import MIGRATIONS_DIR, MigrationError, apply_migrations, discover


async def test_fresh_database_reaches_head_and_rerun_applies_nothing(tmp_path):
    """The first start applies every file; the second applies none."""
    db = await Database.open(tmp_path / "sub" / "q.sqlite3")
    try:
        applied = await apply_migrations(db)
        assert applied == list(range(1, len(discover()) + 1))
        assert await db.user_version() == len(discover())
        assert await apply_migrations(db) == []
    finally:
        await db.close()


async def test_connection_pragmas(tmp_path):
    """WAL, foreign keys and a busy timeout are on."""
    db = await Database.open(tmp_path / "q.sqlite3")
    try:
        async with db.conn.execute("PRAGMA journal_mode") as cur:
            assert (await cur.fetchone())[0] == "wal"
        async with db.conn.execute("PRAGMA foreign_keys") as cur:
            assert (await cur.fetchone())[0] == 1
        async with db.conn.execute("PRAGMA busy_timeout") as cur:
            assert (await cur.fetchone())[0] > 0
    finally:
        await db.close()


async def test_a_failing_migration_leaves_the_previous_version(tmp_path):
    """A file that fails half-way rolls back with its version bump."""
    migrations = tmp_path / "migrations"
    migrations.mkdir()
    (migrations / "0001_first.sql").write_text("CREATE TABLE a (x INTEGER);")
    (migrations / "0002_broken.sql").write_text(
        "CREATE TABLE b (y INTEGER);\nINSERT INTO a VALUES (1);\nINSERT INTO nowhere VALUES (1);"
    )
    db = await Database.open(tmp_path / "q.sqlite3")
    try:
        with pytest.raises(MigrationError, match=r"0002_broken\.sql failed"):
            await apply_migrations(db, migrations)
        assert await db.user_version() == 1
        async with db.conn.execute("SELECT name FROM sqlite_master WHERE name = 'b'") as cur:
            assert await cur.fetchone() is None
        async with db.conn.execute("SELECT COUNT(*) FROM a") as cur:
            assert (await cur.fetchone())[0] == 0
        assert not db.conn.in_transaction
    finally:
        await db.close()


@pytest.mark.parametrize(
    ("names", "message"),
    [(["0001_a.sql", "0003_c.sql"], "without gaps"), (["0001_a.sql", "0001_b.sql"], "also used"),
     (["1_a.sql"], "NNNN_reason")],
)
def test_discover_refuses_bad_numbering(tmp_path, names, message):
    """Gaps, duplicates and stray names are refused before anything runs."""
    for name in names:
        (tmp_path / name).write_text("SELECT 1;")
    with pytest.raises(MigrationError, match=message):
        discover(tmp_path)


def test_migration_files_have_a_header_comment():
    """Every shipped migration opens with a comment saying what it changes and why."""
    for path in Path(MIGRATIONS_DIR).glob("*.sql"):
        assert path.read_text().startswith("-- "), path.name


async def test_a_newer_database_is_refused(tmp_path):
    """Code older than the database does not touch it."""
    path = tmp_path / "q.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 999")
    db = await Database.open(path)
    try:
        with pytest.raises(MigrationError, match="newer than this code"):
            await apply_migrations(db)
    finally:
        await db.close()
