"""Every SQL statement of the bot: one method per use case, rows turned into core types."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime

from bot.core.content import Question
from bot.core.rounds import PostInfo, RoundInfo
from bot.core.scoring import Standing, iso_week
from bot.storage.database import Database


def to_db_time(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def from_db_time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def week_of(moment: datetime) -> str:
    year, week, _ = moment.astimezone(UTC).isocalendar()
    return iso_week(year, week)


class Repository:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.conn = db.conn

    # -- meta ---------------------------------------------------------------------------------
    async def meta_get(self, key: str) -> str | None:
        row = await self.db.fetch_one("SELECT value FROM meta WHERE key = ?", (key,))
        return row[0] if row else None

    async def meta_set(self, key: str, value: str) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    # -- guilds -------------------------------------------------------------------------------
    async def mod_role(self, guild_id: int) -> int | None:
        row = await self.db.fetch_one("SELECT mod_role_id FROM guilds WHERE guild_id = ?", (guild_id,))
        return row[0] if row else None

    async def set_mod_role(self, guild_id: int, role_id: int | None, now: datetime) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO guilds (guild_id, mod_role_id, joined_at) VALUES (?, ?, ?)"
                " ON CONFLICT (guild_id) DO UPDATE SET mod_role_id = excluded.mod_role_id",
                (guild_id, role_id, to_db_time(now)),
            )

    # -- rounds -------------------------------------------------------------------------------
    async def create_round(
        self,
        *,
        guild_id: int,
        channel_id: int,
        started_by: int,
        deck: str,
        questions: Sequence[Question],
        seconds: int,
        now: datetime,
    ) -> RoundInfo | None:
        """Insert a running round; None if the channel already has one."""
        try:
            async with self.db.transaction() as conn:
                cur = await conn.execute(
                    "INSERT INTO rounds (guild_id, channel_id, started_by, deck, questions, total, seconds,"
                    " started_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        guild_id,
                        channel_id,
                        started_by,
                        deck,
                        json.dumps([q.model_dump(mode="json") for q in questions]),
                        len(questions),
                        seconds,
                        to_db_time(now),
                    ),
                )
                round_id = cur.lastrowid
        except sqlite3.IntegrityError:
            return None
        assert round_id is not None
        return await self.get_round(round_id)

    async def get_round(self, round_id: int) -> RoundInfo | None:
        row = await self.db.fetch_one("SELECT * FROM rounds WHERE id = ?", (round_id,))
        return _round(row) if row else None

    async def round_question(self, round_id: int, index: int) -> Question | None:
        """The round's question at 0-based ``index``, as snapshotted when the round started."""
        row = await self.db.fetch_one("SELECT questions FROM rounds WHERE id = ?", (round_id,))
        if row is None:
            return None
        snapshots = json.loads(row[0])
        return Question.model_validate(snapshots[index], strict=False) if index < len(snapshots) else None

    async def request_stop(self, round_id: int, member_id: int) -> bool:
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE rounds SET stop_requested_by = ? WHERE id = ? AND status = 'running'"
                " AND stop_requested_by IS NULL",
                (member_id, round_id),
            )
            return cur.rowcount == 1

    async def running_round(self, channel_id: int) -> RoundInfo | None:
        row = await self.db.fetch_one("SELECT * FROM rounds WHERE channel_id = ? AND status = 'running'", (channel_id,))
        return _round(row) if row else None

    async def running_rounds(self) -> list[RoundInfo]:
        rows = await self.conn.execute_fetchall("SELECT * FROM rounds WHERE status = 'running' ORDER BY id")
        return [_round(r) for r in rows]

    async def end_round(self, round_id: int, status: str, now: datetime) -> bool:
        """Mark a running round finished or stopped; False if it had already ended."""
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE rounds SET status = ?, ended_at = ? WHERE id = ? AND status = 'running'",
                (status, to_db_time(now), round_id),
            )
            return cur.rowcount == 1

    async def set_summary_message(self, round_id: int, message_id: int) -> None:
        async with self.db.transaction() as conn:
            await conn.execute("UPDATE rounds SET summary_message_id = ? WHERE id = ?", (message_id, round_id))

    # -- posts --------------------------------------------------------------------------------
    async def create_round_post(
        self, rnd: RoundInfo, question: Question, now: datetime, closes_at: datetime
    ) -> PostInfo:
        """Insert the round's next post and advance its position, in one transaction."""
        async with self.db.transaction() as conn:
            position = rnd.position + 1
            cur = await conn.execute(
                "INSERT INTO posts (guild_id, channel_id, kind, round_id, position, question_id, question,"
                " answer, opened_at, closes_at) VALUES (?, ?, 'round', ?, ?, ?, ?, ?, ?, ?)",
                (
                    rnd.guild_id,
                    rnd.channel_id,
                    rnd.id,
                    position,
                    question.id,
                    question.model_dump_json(),
                    question.answer_index,
                    to_db_time(now),
                    to_db_time(closes_at),
                ),
            )
            await conn.execute("UPDATE rounds SET position = ? WHERE id = ?", (position, rnd.id))
            post_id = cur.lastrowid
        assert post_id is not None
        post = await self.get_post(post_id)
        assert post is not None
        return post

    async def set_post_message(self, post_id: int, message_id: int) -> None:
        async with self.db.transaction() as conn:
            await conn.execute("UPDATE posts SET message_id = ? WHERE id = ?", (message_id, post_id))

    async def get_post(self, post_id: int) -> PostInfo | None:
        row = await self.db.fetch_one("SELECT * FROM posts WHERE id = ?", (post_id,))
        return _post(row) if row else None

    async def round_current_post(self, rnd: RoundInfo) -> PostInfo | None:
        row = await self.db.fetch_one("SELECT * FROM posts WHERE round_id = ? AND position = ?", (rnd.id, rnd.position))
        return _post(row) if row else None

    async def close_post(self, post_id: int, now: datetime) -> bool:
        """Close an open post; False if it was already closed."""
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE posts SET closed_at = ? WHERE id = ? AND closed_at IS NULL", (to_db_time(now), post_id)
            )
            return cur.rowcount == 1

    async def shorten_post(self, post_id: int, closes_at: datetime) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE posts SET closes_at = MIN(closes_at, ?) WHERE id = ? AND closed_at IS NULL",
                (to_db_time(closes_at), post_id),
            )

    async def choice_counts(self, post: PostInfo) -> tuple[int, ...]:
        counts = [0] * len(post.question.choices)
        async with self.conn.execute(
            "SELECT choice, COUNT(*) FROM answers WHERE post_id = ? GROUP BY choice", (post.id,)
        ) as cur:
            async for choice, n in cur:
                if 0 <= choice < len(counts):
                    counts[choice] = n
        return tuple(counts)

    # -- answers ------------------------------------------------------------------------------
    async def round_standings(self, round_id: int, limit: int) -> list[Standing]:
        rows = await self.conn.execute_fetchall(
            "SELECT a.member_id, SUM(a.correct) AS c, COUNT(*) AS n, SUM(a.points) AS pts"
            " FROM answers a JOIN posts p ON p.id = a.post_id WHERE p.round_id = ?"
            " GROUP BY a.member_id ORDER BY c DESC, n ASC, MIN(a.id) ASC LIMIT ?",
            (round_id, limit),
        )
        standings: list[Standing] = []
        for i, (member_id, correct, answered, points) in enumerate(rows):
            previous = standings[-1] if standings else None
            rank = previous.rank if previous and previous.correct == correct else i + 1
            standings.append(Standing(rank, member_id, points, correct, answered))
        return standings

    # -- leaderboard --------------------------------------------------------------------------
    async def board_rows(self, guild_id: int, week: str | None, limit: int, offset: int) -> list[Standing]:
        """A page of the board (all time, or one ISO week), best first, with shared ranks for ties."""
        if week is None:
            sql = (
                "SELECT member_id, points, correct, answered FROM scores WHERE guild_id = ?"
                " ORDER BY points DESC, correct DESC, member_id LIMIT ? OFFSET ?"
            )
            args: tuple[object, ...] = (guild_id, limit, offset)
        else:
            sql = (
                "SELECT member_id, points, correct, answered FROM weekly_scores WHERE guild_id = ? AND week = ?"
                " ORDER BY points DESC, correct DESC, member_id LIMIT ? OFFSET ?"
            )
            args = (guild_id, week, limit, offset)
        rows = await self.conn.execute_fetchall(sql, args)
        if not rows:
            return []
        above = await self.members_above(guild_id, week, [row[1] for row in rows])
        return [
            Standing(1 + above[points], member_id, points, correct, answered)
            for member_id, points, correct, answered in rows
        ]

    async def members_above(self, guild_id: int, week: str | None, points: list[int]) -> dict[int, int]:
        """For each points total, how many members of the board have more."""
        if week is None:
            # The histogram has one row per distinct total, so this is cheap for any server size.
            histogram = await self.conn.execute_fetchall(
                "SELECT points, members FROM score_histogram WHERE guild_id = ? AND points > ? AND members > 0",
                (guild_id, min(points)),
            )
            return {p: sum(n for q, n in histogram if q > p) for p in set(points)}
        out = {}
        for p in set(points):
            row = await self.db.fetch_one(
                "SELECT COUNT(*) FROM weekly_scores WHERE guild_id = ? AND week = ? AND points > ?", (guild_id, week, p)
            )
            out[p] = row[0] if row else 0
        return out

    async def board_count(self, guild_id: int, week: str | None) -> int:
        if week is None:
            sql, args = "SELECT COALESCE(SUM(members), 0) FROM score_histogram WHERE guild_id = ?", (guild_id,)
        else:
            sql, args = "SELECT COUNT(*) FROM weekly_scores WHERE guild_id = ? AND week = ?", (guild_id, week)
        row = await self.db.fetch_one(sql, args)
        return row[0] if row else 0

    async def standing(self, guild_id: int, member_id: int, week: str | None) -> Standing | None:
        if week is None:
            sql = "SELECT points, correct, answered FROM scores WHERE guild_id = ? AND member_id = ?"
            args: tuple[object, ...] = (guild_id, member_id)
        else:
            sql = (
                "SELECT points, correct, answered FROM weekly_scores WHERE guild_id = ? AND week = ? AND member_id = ?"
            )
            args = (guild_id, week, member_id)
        row = await self.db.fetch_one(sql, args)
        if row is None:
            return None
        above = await self.members_above(guild_id, week, [row[0]])
        return Standing(1 + above[row[0]], member_id, row[0], row[1], row[2])

    async def member_totals(self, guild_id: int, member_id: int) -> sqlite3.Row | None:
        async with self.conn.execute(
            "SELECT answered, correct, points, best_streak FROM scores WHERE guild_id = ? AND member_id = ?",
            (guild_id, member_id),
        ) as cur:
            return await cur.fetchone()


def _round(row: sqlite3.Row) -> RoundInfo:
    return RoundInfo(
        id=row["id"],
        guild_id=row["guild_id"],
        channel_id=row["channel_id"],
        started_by=row["started_by"],
        deck=row["deck"],
        total=row["total"],
        seconds=row["seconds"],
        position=row["position"],
        status=row["status"],
        stop_requested_by=row["stop_requested_by"],
    )


def _post(row: sqlite3.Row) -> PostInfo:
    opened = from_db_time(row["opened_at"])
    closes = from_db_time(row["closes_at"])
    assert opened is not None and closes is not None
    return PostInfo(
        id=row["id"],
        guild_id=row["guild_id"],
        channel_id=row["channel_id"],
        message_id=row["message_id"],
        kind=row["kind"],
        round_id=row["round_id"],
        position=row["position"],
        question=Question.model_validate_json(row["question"]),
        opened_at=opened,
        closes_at=closes,
        closed_at=from_db_time(row["closed_at"]),
    )
