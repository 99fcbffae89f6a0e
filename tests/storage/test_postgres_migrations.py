"""PostgreSQL's migration files are twins of SQLite's: the same versions and the same tables and columns."""

import asyncio
import sqlite3
from importlib import resources

import asyncpg

from bot.storage.database import Database
from bot.storage.migrate import apply_migrations, discover, shipped
from bot.storage.postgres import PostgresDatabase


def test_every_migration_has_a_postgresql_twin_of_the_same_name():
    assert [m.name for m in discover(shipped("postgresql"))] == [m.name for m in discover()]
    assert (resources.files("bot.storage") / "migrations" / "postgres").is_dir()


async def test_both_backends_end_with_the_same_tables_and_columns(postgres_server, tmp_path):
    sqlite_db = await Database.open(tmp_path / "s.sqlite3")
    await apply_migrations(sqlite_db)
    await sqlite_db.close()
    with sqlite3.connect(tmp_path / "s.sqlite3") as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        on_sqlite = {
            (t, c[1]) for t in tables if not t.startswith("sqlite_") for c in conn.execute(f"PRAGMA table_info({t})")
        }
    url = await postgres_server.fresh_database(migrated=False)
    pg = await PostgresDatabase.open(url)
    try:
        await apply_migrations(pg)
        assert await pg.user_version() == len(discover())
        rows = await pg.fetch_all(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public'"
        )
    finally:
        await pg.close()
    on_postgres = {(r[0], r[1]) for r in rows if r[0] != "schema_migrations"}
    assert on_postgres == on_sqlite, on_postgres ^ on_sqlite


async def test_two_processes_migrating_an_empty_database_at_once_both_succeed_once(postgres_server):
    """Shard processes start together: one migrates, the other waits for it and applies nothing."""
    url = await postgres_server.fresh_database(migrated=False)
    first, second = await PostgresDatabase.open(url), await PostgresDatabase.open(url)
    try:
        applied = await asyncio.gather(apply_migrations(first), apply_migrations(second))
    finally:
        await first.close()
        await second.close()
    assert sorted(len(a) for a in applied) == [0, len(discover())]
    conn = await asyncpg.connect(url)
    try:
        assert await conn.fetchval("SELECT COUNT(*) FROM schema_migrations") == len(discover())
    finally:
        await conn.close()
