"""Backup, forgetting a member and pruning departed servers, on a real SQLite file."""

import asyncio
import sqlite3
from datetime import timedelta

import pytest

from bot.core.results import PracticeQuestion
from bot.storage import backup as maintenance
from bot.storage.guilds import GUILD_TABLES
from tests.services.test_rounds import first_post, start

GUILD, OTHER = 1, 2


async def play(services, publisher, members, guild=GUILD, channel=10):
    await start(services, count=1, channel=channel, guild=guild)
    post = await first_post(publisher, len(publisher.questions) + 1)
    for member in members:
        await services.answers.answer(
            post_id=post.id, guild_id=guild, member_id=member, choice=post.question.answer_index
        )
    return post


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)  # a backup copies the SQLite file
async def test_backup_while_writing_is_consistent(services, publisher, db, tmp_path):
    """A backup taken during a stream of answers opens cleanly and holds a consistent prefix."""
    post = await play(services, publisher, [])
    source = tmp_path / "quiz.sqlite3"

    async def writer():
        for member in range(500, 700):
            await services.answers.answer(post_id=post.id, guild_id=GUILD, member_id=member, choice=0)

    task = asyncio.create_task(writer())
    await asyncio.sleep(0.05)
    target = tmp_path / "copy" / "backup.sqlite3"
    version = await asyncio.to_thread(maintenance.backup, source, target)
    await task
    assert version >= 1
    with sqlite3.connect(target) as copy:
        answers = copy.execute("SELECT COUNT(*) FROM answers").fetchone()[0]
        answered = copy.execute("SELECT COALESCE(SUM(answered), 0) FROM scores").fetchone()[0]
    assert answers == answered  # totals and rows from the same snapshot
    with pytest.raises(FileExistsError):
        maintenance.backup(source, target)


async def test_forget_member_removes_only_that_member_in_that_server(services, publisher, db):
    """The member's rows go; others' rows and the ranks of the rest stay right."""
    await play(services, publisher, [101, 102])
    await play(services, publisher, [101], guild=OTHER, channel=11)
    removed = await services.guilds.forget_member(GUILD, 101)
    assert removed == 1
    board = await services.scores.board(GUILD, 102)
    assert [r.member_id for r in board.rows] == [102] and board.me.rank == 1
    assert (await services.scores.stats(OTHER, 101)).answered == 1
    assert await db.fetch_value("SELECT COUNT(*) FROM mastered WHERE member_id = 101 AND guild_id = ?", (GUILD,)) == 0


async def test_prune_removes_servers_that_left_long_ago(services, publisher, db, clock, workers):
    """Only servers gone for longer than the window lose their data."""
    await play(services, publisher, [101])
    await play(services, publisher, [201], guild=OTHER, channel=11)
    await workers.rounds.close()
    await services.guilds.reconcile({OTHER})  # GUILD removed the bot while it was offline
    async with db.transaction() as conn:  # an edit still owed when the bot left (its shard process was down)
        await conn.execute(
            "INSERT INTO outbox (kind, post_id, round_id, not_before, created_at)"
            " SELECT 'reveal', id, round_id, '2026-01-01', '2026-01-01' FROM posts WHERE guild_id = ?",
            (GUILD,),
        )
    step = await services.practice.start(guild_id=GUILD, member_id=101, deck="trl")  # practice and a reminder
    assert isinstance(step, PracticeQuestion)
    await services.practice.answer(
        session_id=step.session_id, position=step.position, guild_id=GUILD, member_id=101, choice=0
    )
    await services.reminders.turn_on(member_id=101, guild_id=GUILD, time_text="19:00", timezone="UTC")
    learning = ("reviews", "practice_sessions", "practice_answers", "reminders")
    for table in learning:
        assert await db.fetch_value(f"SELECT COUNT(*) FROM {table} WHERE guild_id = ?", (GUILD,)) >= 1, table
    clock.advance(timedelta(days=31).total_seconds())
    assert await services.guilds.prune(days=60) == {}
    assert await services.guilds.prune(days=30) == {GUILD: 1}
    for table in GUILD_TABLES:
        assert await db.fetch_value(f"SELECT COUNT(*) FROM {table} WHERE guild_id = ?", (GUILD,)) == 0, table
    assert await db.fetch_value("SELECT COUNT(*) FROM outbox") == 0
    assert (await services.scores.stats(OTHER, 201)).answered == 1


def test_backup_of_a_missing_database_says_so(tmp_path):
    """No source file: a clear error, nothing written."""
    with pytest.raises(FileNotFoundError):
        maintenance.backup(tmp_path / "nope.sqlite3", tmp_path / "out.sqlite3")
    assert not (tmp_path / "out.sqlite3").exists()
