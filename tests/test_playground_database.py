"""`python -m bot play --database`: the copy it makes (nothing written beside the original), the ids it reads
from the copy, and the emulator taking those ids (a guild, its channel and its members kept from elsewhere)."""

from __future__ import annotations

import asyncio
import hashlib
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from discord_loopback import DiscordEmulator

from bot.catalog import load_catalog
from bot.play_database import PlayError, Seed, copy_database, read_seed
from bot.storage.database import Database
from bot.storage.migrate import apply_migrations
from bot.storage.repositories import Repositories
from tests.harness import REPO_ROOT

# Ids as a real Discord would have made them (2023): the play session's own are made now, so they never clash.
GUILD = 1_100_000_000_000_000_001
CHANNEL = 1_100_000_000_000_000_002
MEMBERS = (1_100_000_000_000_001_111, 1_100_000_000_000_002_222, 1_100_000_000_000_003_333, 1_100_000_000_000_004_444)
OTHER_GUILD = 1_100_000_000_000_000_009  # a quieter server in the same database


async def seed_database(path: Path) -> dict[int, int]:
    """A bot database with one finished round written by the bot's own storage code: in GUILD/CHANNEL four
    members answer two questions (the first right twice, the next right once, the others never), and one
    member answers once in OTHER_GUILD. Returns each GUILD member's points."""
    db = await Database.open(path)
    try:
        await apply_migrations(db)
        repos = Repositories.over(db)
        deck = load_catalog(REPO_ROOT / "content").deck("trl")
        assert deck is not None
        questions = list(deck[:2])
        now = datetime.now(UTC) - timedelta(hours=1)
        for guild, channel, members in ((GUILD, CHANNEL, MEMBERS), (OTHER_GUILD, CHANNEL + 7, MEMBERS[:1])):
            rnd = await repos.rounds.create(
                guild_id=guild,
                channel_id=channel,
                started_by=members[0],
                deck="trl",
                questions=questions if guild == GUILD else questions[:1],
                seconds=10,
                now=now,
            )
            assert rnd is not None
            for number, question in enumerate(questions if guild == GUILD else questions[:1]):
                post = await repos.rounds.add_post(rnd, question, now, now + timedelta(seconds=10))
                current = await repos.rounds.get(rnd.id)
                assert current is not None
                rnd = current
                for rank, member in enumerate(members):
                    right = rank == 0 or (rank == 1 and number == 0)
                    choice = question.answer_index if right else (question.answer_index + 1) % len(question.choices)
                    await repos.answers.record(post, member, choice, now + timedelta(seconds=rank), board_top=5)
                await repos.posts.close(post.id, now + timedelta(seconds=10))
            await repos.rounds.end(rnd.id, "finished", now + timedelta(seconds=30))
        await repos.answers.close()
        rows = await db.fetch_all("SELECT member_id, points FROM scores WHERE guild_id = ?", (GUILD,))
    finally:
        await db.close()
    return {int(r[0]): int(r[1]) for r in rows}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_seed_is_the_most_active_server_its_channel_and_its_best_members(tmp_path):
    original = tmp_path / "mine" / "quiz.sqlite3"
    original.parent.mkdir()
    points = asyncio.run(seed_database(original))
    assert sorted(points.values(), reverse=True)[:2] != [0, 0]
    digest = sha256(original)
    before = sorted(p.name for p in original.parent.iterdir())

    seed = asyncio.run(copy_database(original, tmp_path / "copy.sqlite3"))

    assert seed.guild_id == GUILD and seed.channel_id == CHANNEL and seed.channels == ()
    assert seed.member_ids[:2] == (MEMBERS[0], MEMBERS[1])  # by points
    assert set(seed.member_ids) == set(MEMBERS)
    assert sha256(original) == digest
    assert sorted(p.name for p in original.parent.iterdir()) == before == ["quiz.sqlite3"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["copy.sqlite3", "mine"]  # one self-contained file


def test_a_database_a_bot_is_writing_is_copied_with_its_wal_and_nothing_is_added_beside_it(tmp_path):
    """A WAL database whose newest rows are only in its -wal (a running bot): the copy has them, and the folder
    of the original gets no new file (a read-only SQLite connection there would create -shm)."""
    original = tmp_path / "mine" / "quiz.sqlite3"
    original.parent.mkdir()
    asyncio.run(seed_database(original))
    writer = sqlite3.connect(original, isolation_level=None)
    try:
        writer.execute("PRAGMA journal_mode = WAL")
        writer.execute("PRAGMA wal_autocheckpoint = 0")
        writer.execute(
            "INSERT INTO scores (guild_id, member_id, answered, correct, points, last_answer_at)"
            " VALUES (?, 42, 100, 100, 10000, '2026-01-01T00:00:00Z')",
            (GUILD,),
        )
        present = sorted(p.name for p in original.parent.iterdir())
        assert "quiz.sqlite3-wal" in present
        states = {p.name: (p.stat().st_size, p.stat().st_mtime_ns) for p in original.parent.iterdir()}

        seed = asyncio.run(copy_database(original, tmp_path / "copy.sqlite3"))

        assert seed.member_ids[0] == 42  # the row only the -wal holds
        assert {p.name: (p.stat().st_size, p.stat().st_mtime_ns) for p in original.parent.iterdir()} == states
    finally:
        writer.close()


@pytest.mark.parametrize(
    ("content", "error"),
    [
        (b"", "empty file"),
        (b"deck: trl\nquestions: []\n", "not an SQLite database"),
        (b"SQLite format 3\x00" + b"\x00" * 200, "damaged or not a database"),
    ],
)
def test_a_file_that_is_not_a_bot_database_is_refused_in_one_line(tmp_path, content, error):
    bad = tmp_path / "bad.sqlite3"
    bad.write_bytes(content)
    with pytest.raises(PlayError) as refused:
        asyncio.run(copy_database(bad, tmp_path / "copy.sqlite3"))
    assert error in str(refused.value) and "\n" not in str(refused.value)
    assert refused.value.exit_code == 2
    assert bad.read_bytes() == content


def test_another_applications_database_is_refused(tmp_path):
    other = tmp_path / "other.sqlite3"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE notes (x)")
    conn.commit()
    conn.close()
    with pytest.raises(PlayError, match="not a database of this bot"):
        asyncio.run(copy_database(other, tmp_path / "copy.sqlite3"))


def test_the_daily_channel_and_other_round_channels_come_too(tmp_path):
    original = tmp_path / "quiz.sqlite3"
    asyncio.run(seed_database(original))
    conn = sqlite3.connect(original)
    with conn:
        conn.execute(
            "INSERT INTO rounds (guild_id, channel_id, started_by, deck, questions, total, seconds, status, started_at)"
            " VALUES (?, 555, 1, 'trl', '[]', 0, 10, 'finished', '2020-01-01T00:00:00Z')",
            (GUILD,),
        )
        conn.execute(
            "INSERT INTO daily_schedules (guild_id, channel_id, local_time, timezone, deck, updated_by, updated_at)"
            " VALUES (?, 777, '09:00', 'UTC', 'trl', 1, '2020-01-01T00:00:00Z')",
            (GUILD,),
        )
    conn.close()
    seed = asyncio.run(read_seed(original))
    assert seed.channel_id == 555  # the latest round's channel is #quiz
    assert seed.channels == ((CHANNEL, "rounds-0002"), (777, "daily"))


def test_a_database_without_data_seeds_nothing(tmp_path):
    async def fresh() -> None:
        db = await Database.open(tmp_path / "fresh.sqlite3")
        await apply_migrations(db)
        await db.close()

    asyncio.run(fresh())
    assert asyncio.run(read_seed(tmp_path / "fresh.sqlite3")) == Seed()


async def test_the_emulator_takes_a_guild_channel_and_member_ids_kept_from_elsewhere():
    async with DiscordEmulator(token="t") as emu:
        guild = emu.add_guild("Kept", channel_name="quiz", guild_id=GUILD, channel_id=CHANNEL)
        assert guild.id == GUILD and guild.channel_id == CHANNEL and emu.channels[CHANNEL].guild_id == GUILD
        member = emu.add_member(GUILD, "Alice", member_id=MEMBERS[0])
        assert member.id == MEMBERS[0] and guild.members[MEMBERS[0]] is member
        assert emu.add_channel(GUILD, "daily", channel_id=CHANNEL + 1) == CHANNEL + 1
        with pytest.raises(ValueError, match="already exists"):
            emu.add_channel(GUILD, "again", channel_id=CHANNEL)
        made = emu.add_member(GUILD, "New")
        assert made.id not in (GUILD, CHANNEL, *MEMBERS)
        with pytest.raises(ValueError, match="already a member"):
            emu.add_member(GUILD, "Again", member_id=MEMBERS[0])
        with pytest.raises(ValueError, match="already exists"):
            emu.add_guild("Twice", guild_id=GUILD)
        with pytest.raises(ValueError, match="already exists"):
            emu.add_guild("Same channel", channel_id=CHANNEL)
        with pytest.raises(ValueError, match="positive"):
            emu.add_guild("Zero", guild_id=0)
        # a later id is still new, even after an id from the future was kept
        future = emu.ids.next() + (1 << 40)
        emu.add_member(GUILD, "Future", member_id=future)
        assert emu.ids.next() > future
