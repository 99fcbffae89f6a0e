"""Data-safety operations: online backup, forgetting a member, pruning servers that left."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

from bot.storage.database import Database
from bot.storage.repository import to_db_time

# Every table keyed by guild, children before parents so foreign keys never block a delete.
GUILD_TABLES = (
    "mastered",
    "answers",
    "daily_posts",
    "posts",
    "rounds",
    "weekly_scores",
    "scores",
    "score_histogram",
    "custom_questions",
    "hidden_questions",
    "daily_schedules",
    "guilds",
)


def backup(source: Path, target: Path) -> int:
    """Copy the live database with SQLite's online backup API; return the copy's schema version.

    The backup reads a consistent snapshot even while the bot writes (WAL), and never blocks it for
    long: pages are copied in steps.
    """
    if not source.exists():
        raise FileNotFoundError(f"no database at {source}")
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        raise FileExistsError(f"{target} exists; choose a new file")
    with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as src, sqlite3.connect(target) as dst:
        src.backup(dst, pages=1024)
        dst.execute("PRAGMA journal_mode = DELETE")  # a self-contained single file
        (check,) = dst.execute("PRAGMA integrity_check").fetchone()
        if check != "ok":
            raise sqlite3.DatabaseError(f"the copy failed its integrity check: {check}")
        (version,) = dst.execute("PRAGMA user_version").fetchone()
    return int(version)


async def forget_member(db: Database, guild_id: int, member_id: int) -> int:
    """Delete a member's answers and scores in one server; return how many answers were removed."""
    async with db.transaction() as conn:
        async with conn.execute(
            "SELECT points FROM scores WHERE guild_id = ? AND member_id = ?", (guild_id, member_id)
        ) as cur:
            row = await cur.fetchone()
        if row is not None:
            await conn.execute(
                "UPDATE score_histogram SET members = members - 1 WHERE guild_id = ? AND points = ?",
                (guild_id, row[0]),
            )
        for table in ("mastered", "scores", "weekly_scores"):
            await conn.execute(f"DELETE FROM {table} WHERE guild_id = ? AND member_id = ?", (guild_id, member_id))
        cur = await conn.execute("DELETE FROM answers WHERE guild_id = ? AND member_id = ?", (guild_id, member_id))
        return cur.rowcount


async def mark_guild(db: Database, guild_id: int, *, present: bool, now: datetime) -> None:
    """Remember when the bot joined or left a server (pruning counts from the leaving)."""
    stamp = to_db_time(now)
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO guilds (guild_id, joined_at, left_at) VALUES (?, ?, ?) ON CONFLICT (guild_id) DO UPDATE"
            " SET left_at = excluded.left_at",
            (guild_id, stamp, None if present else stamp),
        )


async def reconcile_guilds(db: Database, present: set[int], now: datetime) -> int:
    """After connecting: servers present are marked joined, servers with data but absent are marked left.

    Covers a removal while the bot was offline, when Discord sends no event for it. Returns how
    many servers were newly marked as left.
    """
    stamp = to_db_time(now)
    async with db.transaction() as conn:
        await conn.executemany(
            "INSERT INTO guilds (guild_id, joined_at) VALUES (?, ?)"
            " ON CONFLICT (guild_id) DO UPDATE SET left_at = NULL",
            [(guild_id, stamp) for guild_id in present],
        )
        known = await conn.execute_fetchall(
            "SELECT guild_id FROM guilds WHERE left_at IS NULL UNION SELECT guild_id FROM posts"
            " UNION SELECT guild_id FROM custom_questions UNION SELECT guild_id FROM daily_schedules"
        )
        gone = [(row[0], stamp, stamp) for row in known if row[0] not in present]
        await conn.executemany(
            "INSERT INTO guilds (guild_id, joined_at, left_at) VALUES (?, ?, ?) ON CONFLICT (guild_id) DO UPDATE"
            " SET left_at = COALESCE(guilds.left_at, excluded.left_at)",
            gone,
        )
    return len(gone)


async def prune_guilds(db: Database, left_before: datetime) -> dict[int, int]:
    """Delete every row of servers the bot left before ``left_before``; {guild_id: answers removed}."""
    async with db.conn.execute(
        "SELECT guild_id FROM guilds WHERE left_at IS NOT NULL AND left_at < ?", (to_db_time(left_before),)
    ) as cur:
        guilds = [row[0] for row in await cur.fetchall()]
    removed: dict[int, int] = {}
    for guild_id in guilds:
        async with db.transaction() as conn:
            async with conn.execute("SELECT COUNT(*) FROM answers WHERE guild_id = ?", (guild_id,)) as cur:
                (count,) = await cur.fetchone() or (0,)
            for table in GUILD_TABLES:
                await conn.execute(f"DELETE FROM {table} WHERE guild_id = ?", (guild_id,))
        removed[guild_id] = count
    return removed
