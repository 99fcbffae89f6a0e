"""The PostgreSQL side of the seam: writers of several processes take turns, and a slow statement is cut off."""

import asyncio

import pytest

from bot.core.errors import StorageUnavailable
from bot.storage.postgres import PostgresDatabase, redacted, to_postgres


def test_placeholders_become_numbered_and_quoted_text_is_left_alone():
    assert to_postgres("SELECT ? , '?' , ?") == "SELECT $1 , '?' , $2"
    assert to_postgres("WHERE a = ?1 AND b = ?2 OR a = ?1") == "WHERE a = $1 AND b = $2 OR a = $1"
    assert to_postgres("SELECT 'it''s ?', ?") == "SELECT 'it''s ?', $1"


def test_a_url_is_shown_without_its_password():
    assert redacted("postgresql://bot:s3cret@db:5432/quiz") == "postgresql://bot:***@db:5432/quiz"
    assert redacted("postgresql://bot@db/quiz") == "postgresql://bot@db/quiz"


async def test_a_writer_waits_for_another_process_longer_than_the_statement_timeout(postgres_server):
    """Two processes (two pools): the second one's write waits for the first one's long transaction instead of
    being cancelled by the statement timeout; a statement that is itself too slow is still cut off."""
    url = await postgres_server.fresh_database()
    first = await PostgresDatabase.open(url, statement_timeout_ms=300)
    second = await PostgresDatabase.open(url, statement_timeout_ms=300)
    try:
        holding = asyncio.Event()

        async def long_transaction() -> None:
            async with first.transaction() as conn:
                await conn.execute("INSERT INTO meta (key, value) VALUES ('a', '1')")
                holding.set()
                await asyncio.sleep(1.0)  # three statement timeouts, in the client, with the lock held

        async def waiting_writer() -> None:
            await holding.wait()
            async with second.transaction() as conn:
                await conn.execute("INSERT INTO meta (key, value) VALUES ('b', '2')")

        await asyncio.gather(long_transaction(), waiting_writer())
        assert [r[0] for r in await second.fetch_all("SELECT key FROM meta ORDER BY key")] == ["a", "b"]
        with pytest.raises(StorageUnavailable):
            async with second.transaction() as conn:
                await conn.execute("SELECT pg_sleep(1)")
    finally:
        await first.close()
        await second.close()
