"""Rounds: created with their question snapshots, advanced post by post, ended, and their standings."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from bot.core.content import Question
from bot.core.posts import PostInfo
from bot.core.rounds import RoundInfo, RoundStatus
from bot.core.scoring import Standing
from bot.core.shards import ALL, ShardSet
from bot.storage.rows import post_from_row, round_from_row, to_db_time
from bot.storage.seam import Storage
from bot.storage.sql import owned


class RoundRepository:
    def __init__(self, db: Storage, shards: ShardSet = ALL) -> None:
        self.db = db
        self.mine = owned(shards)  # the scans of background loops keep to this process's servers

    async def last_channel(self, guild_id: int) -> int | None:
        """The channel of the server's latest round, if it ever played one."""
        value = await self.db.fetch_value(
            "SELECT channel_id FROM rounds WHERE guild_id = ? ORDER BY id DESC LIMIT 1", (guild_id,)
        )
        return int(value) if value is not None else None

    async def create(
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
                inserted = await conn.execute_fetchall(
                    "INSERT INTO rounds (guild_id, channel_id, started_by, deck, questions, total, seconds,"
                    " started_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
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
                round_id: int = next(iter(inserted))[0]
        except self.db.conflict:  # the channel's one running round (a unique index)
            return None
        return await self.get(round_id)

    async def get(self, round_id: int) -> RoundInfo | None:
        row = await self.db.fetch_one("SELECT * FROM rounds WHERE id = ?", (round_id,))
        return round_from_row(row) if row else None

    async def question(self, round_id: int, index: int) -> Question | None:
        """The round's question at 0-based ``index``, as snapshotted when the round started."""
        text = await self.db.fetch_value("SELECT questions FROM rounds WHERE id = ?", (round_id,))
        if text is None:
            return None
        snapshots = json.loads(text)
        return Question.model_validate(snapshots[index], strict=False) if index < len(snapshots) else None

    async def request_stop(self, round_id: int, member_id: int) -> bool:
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE rounds SET stop_requested_by = ? WHERE id = ? AND status = 'running'"
                " AND stop_requested_by IS NULL",
                (member_id, round_id),
            )
            return cur.rowcount == 1

    async def running_in(self, channel_id: int) -> RoundInfo | None:
        row = await self.db.fetch_one("SELECT * FROM rounds WHERE channel_id = ? AND status = 'running'", (channel_id,))
        return round_from_row(row) if row else None

    async def running(self) -> list[RoundInfo]:
        rows = await self.db.fetch_all(f"SELECT * FROM rounds WHERE status = 'running' AND {self.mine} ORDER BY id")
        return [round_from_row(r) for r in rows]

    async def end(self, round_id: int, status: RoundStatus, now: datetime) -> bool:
        """Mark a running round finished or stopped; False if it had already ended."""
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE rounds SET status = ?, ended_at = ? WHERE id = ? AND status = 'running'",
                (status, to_db_time(now), round_id),
            )
            return cur.rowcount == 1

    async def end_with_summary(self, round_id: int, status: RoundStatus, now: datetime) -> int | None:
        """End a running round and record its summary in the outbox, in one transaction; return the
        outbox item, or None if the round had already ended."""
        stamp = to_db_time(now)
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE rounds SET status = ?, ended_at = ? WHERE id = ? AND status = 'running'",
                (status, stamp, round_id),
            )
            if cur.rowcount != 1:
                return None
            rows = await conn.execute_fetchall(
                "INSERT INTO outbox (kind, round_id, not_before, created_at) VALUES ('summary', ?, ?, ?) RETURNING id",
                (round_id, stamp, stamp),
            )
            return int(next(iter(rows))[0])

    async def set_summary_message(self, round_id: int, message_id: int) -> None:
        async with self.db.transaction() as conn:
            await conn.execute("UPDATE rounds SET summary_message_id = ? WHERE id = ?", (message_id, round_id))

    async def add_post(self, rnd: RoundInfo, question: Question, now: datetime, closes_at: datetime) -> PostInfo:
        """Insert the round's next post and advance its position, in one transaction."""
        async with self.db.transaction() as conn:
            position = rnd.position + 1
            rows = await conn.execute_fetchall(
                "INSERT INTO posts (guild_id, channel_id, kind, round_id, position, question_id, question,"
                " answer, opened_at, closes_at) VALUES (?, ?, 'round', ?, ?, ?, ?, ?, ?, ?) RETURNING *",
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
        return post_from_row(next(iter(rows)))

    async def current_post(self, rnd: RoundInfo) -> PostInfo | None:
        row = await self.db.fetch_one("SELECT * FROM posts WHERE round_id = ? AND position = ?", (rnd.id, rnd.position))
        return post_from_row(row) if row else None

    async def standings(self, round_id: int, limit: int) -> list[Standing]:
        """The round's best members by correct answers, with shared ranks for ties."""
        rows = await self.db.fetch_all(
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
