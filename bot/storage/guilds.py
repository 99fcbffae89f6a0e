"""Servers: their settings, when the bot joined or left them, forgetting a member, pruning departed ones."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.core.shards import ALL, ShardSet
from bot.storage.rows import db_time, to_db_time
from bot.storage.seam import Storage
from bot.storage.sql import owned

# Every table keyed by guild, children before parents so foreign keys never block a delete.
GUILD_TABLES = (
    "question_reports",
    "item_sums",
    "item_responses",
    "item_members",
    "reviews",
    "practice_answers",
    "practice_sessions",
    "reminders",
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
    "question_drafts",
    "guilds",
)

# A member's rows in one server (answers last: the tables above refer to them).
MEMBER_TABLES = (
    "question_reports",
    "item_responses",
    "item_members",
    "reviews",
    "practice_answers",
    "practice_sessions",
    "mastered",
    "scores",
    "weekly_scores",
    "question_drafts",
)

# The member's terms leave every response group they are in (migration 0006 says what the sums are).
_FORGET_ITEM_SUMS = """
UPDATE item_sums SET
    members = members - 1, rest_members = rest_members - t.k,
    su = su - t.u, sw = sw - t.w, suu = suu - t.u * t.u, suw = suw - t.u * t.w, sww = sww - t.w * t.w
FROM (
    SELECT r.question_id, r.choice, r.correct, CASE WHEN m.answered > 1 THEN 1 ELSE 0 END AS k,
           CASE WHEN m.answered > 1 THEN CAST(m.correct AS DOUBLE PRECISION) / (m.answered - 1) ELSE 0.0 END AS u,
           CASE WHEN m.answered > 1 THEN CAST(1 AS DOUBLE PRECISION) / (m.answered - 1) ELSE 0.0 END AS w
    FROM item_responses r JOIN item_members m ON m.guild_id = r.guild_id AND m.member_id = r.member_id
    WHERE r.guild_id = ?1 AND r.member_id = ?2
) AS t
WHERE item_sums.guild_id = ?1 AND item_sums.question_id = t.question_id
  AND item_sums.choice = t.choice AND item_sums.correct = t.correct
"""


@dataclass(frozen=True)
class Departed:
    """A server the bot was removed from, and how many answers its members gave there."""

    guild_id: int
    left_at: datetime
    answers: int


class GuildRepository:
    def __init__(self, db: Storage, shards: ShardSet = ALL) -> None:
        self.db = db
        self.mine = owned(shards)  # a shard process sees only its servers: it may judge only those absent

    async def mod_role(self, guild_id: int) -> int | None:
        return await self.db.fetch_value("SELECT mod_role_id FROM guilds WHERE guild_id = ?", (guild_id,))

    async def set_mod_role(self, guild_id: int, role_id: int | None, now: datetime) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO guilds (guild_id, mod_role_id, joined_at) VALUES (?, ?, ?)"
                " ON CONFLICT (guild_id) DO UPDATE SET mod_role_id = excluded.mod_role_id",
                (guild_id, role_id, to_db_time(now)),
            )

    async def forget_member(self, guild_id: int, member_id: int) -> int:
        """Delete a member's answers and scores in one server; return how many answers were removed."""
        async with self.db.transaction() as conn:
            rows = await conn.execute_fetchall(
                "SELECT points FROM scores WHERE guild_id = ? AND member_id = ?", (guild_id, member_id)
            )
            for (points,) in rows:
                await conn.execute(
                    "UPDATE score_histogram SET members = members - 1 WHERE guild_id = ? AND points = ?",
                    (guild_id, points),
                )
            await conn.execute(_FORGET_ITEM_SUMS, (guild_id, member_id))
            await conn.execute("DELETE FROM item_sums WHERE guild_id = ? AND members = 0", (guild_id,))
            for table in MEMBER_TABLES:
                await conn.execute(f"DELETE FROM {table} WHERE guild_id = ? AND member_id = ?", (guild_id, member_id))
            # A reminder is the member's own, across servers: forgetting them anywhere turns it off for good.
            await conn.execute("DELETE FROM reminders WHERE member_id = ?", (member_id,))
            cur = await conn.execute("DELETE FROM answers WHERE guild_id = ? AND member_id = ?", (guild_id, member_id))
            return cur.rowcount

    async def mark(self, guild_id: int, *, present: bool, now: datetime) -> None:
        """Remember when the bot joined or left a server (pruning counts from the leaving)."""
        stamp = to_db_time(now)
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO guilds (guild_id, joined_at, left_at) VALUES (?, ?, ?) ON CONFLICT (guild_id) DO UPDATE"
                " SET left_at = excluded.left_at",
                (guild_id, stamp, None if present else stamp),
            )

    async def reconcile(self, present: set[int], now: datetime) -> int:
        """After connecting: servers present are marked joined, servers with data but absent are marked left.

        Covers a removal while the bot was offline, when Discord sends no event for it. Returns how
        many servers were newly marked as left.
        """
        stamp = to_db_time(now)
        async with self.db.transaction() as conn:
            await conn.executemany(
                "INSERT INTO guilds (guild_id, joined_at) VALUES (?, ?)"
                " ON CONFLICT (guild_id) DO UPDATE SET left_at = NULL",
                [(guild_id, stamp) for guild_id in present],
            )
            known = await conn.execute_fetchall(
                "SELECT guild_id FROM (SELECT guild_id FROM guilds WHERE left_at IS NULL"
                " UNION SELECT guild_id FROM posts UNION SELECT guild_id FROM custom_questions"
                f" UNION SELECT guild_id FROM daily_schedules) AS known WHERE {self.mine}"
            )
            gone = [(row[0], stamp, stamp) for row in known if row[0] not in present]
            await conn.executemany(
                "INSERT INTO guilds (guild_id, joined_at, left_at) VALUES (?, ?, ?) ON CONFLICT (guild_id) DO UPDATE"
                " SET left_at = COALESCE(guilds.left_at, excluded.left_at)",
                gone,
            )
        return len(gone)

    async def departed(self, left_before: datetime) -> list[Departed]:
        """Servers the bot left before ``left_before``, oldest departure first, with their answer counts."""
        rows = await self.db.fetch_all(
            "SELECT guild_id, left_at, (SELECT COUNT(*) FROM answers WHERE answers.guild_id = guilds.guild_id)"
            " FROM guilds WHERE left_at IS NOT NULL AND left_at < ? ORDER BY left_at, guild_id",
            (to_db_time(left_before),),
        )
        return [Departed(guild_id, db_time(left_at), answers) for guild_id, left_at, answers in rows]

    async def delete_guild(self, guild_id: int) -> int:
        """Delete every row of one server in one transaction; return how many answers went with it."""
        async with self.db.transaction() as conn:
            (count,) = next(
                iter(await conn.execute_fetchall("SELECT COUNT(*) FROM answers WHERE guild_id = ?", (guild_id,)))
            )
            # The outbox has no guild column: its items go through their post's or round's server, first,
            # as they refer to both (an item can be left when the server's shard process was stopped).
            await conn.execute(
                "DELETE FROM outbox WHERE post_id IN (SELECT id FROM posts WHERE guild_id = ?)"
                " OR round_id IN (SELECT id FROM rounds WHERE guild_id = ?)",
                (guild_id, guild_id),
            )
            for table in GUILD_TABLES:
                await conn.execute(f"DELETE FROM {table} WHERE guild_id = ?", (guild_id,))
        return count

    async def prune(self, left_before: datetime) -> dict[int, int]:
        """Delete every row of servers the bot left before ``left_before``; {guild_id: answers removed}."""
        return {d.guild_id: await self.delete_guild(d.guild_id) for d in await self.departed(left_before)}
