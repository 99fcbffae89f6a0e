"""Posted questions of rounds and daily posts alike: their message, closing, and the answers' spread."""

from __future__ import annotations

from datetime import datetime

from bot.core.posts import PostInfo
from bot.core.rounds import ending
from bot.core.shards import ALL, ShardSet
from bot.storage.rows import from_db_time, post_from_row, to_db_time
from bot.storage.seam import ConnectionReads, Storage
from bot.storage.sql import owned
from bot.storage.types import Closed


class PostRepository:
    def __init__(self, db: Storage, shards: ShardSet = ALL) -> None:
        self.db = db
        self.mine = owned(shards)  # the scans of background loops keep to this process's servers

    async def get(self, post_id: int) -> PostInfo | None:
        row = await self.db.fetch_one("SELECT * FROM posts WHERE id = ?", (post_id,))
        return post_from_row(row) if row else None

    async def set_message(self, post_id: int, message_id: int) -> None:
        async with self.db.transaction() as conn:
            await conn.execute("UPDATE posts SET message_id = ? WHERE id = ?", (message_id, post_id))

    async def close(self, post_id: int, now: datetime) -> bool:
        """Close an open post; False if it was already closed."""
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE posts SET closed_at = ? WHERE id = ? AND closed_at IS NULL", (to_db_time(now), post_id)
            )
            return cur.rowcount == 1

    async def close_for_reveal(self, post_id: int, now: datetime, round_total: int | None) -> Closed | None:
        """Close an open post and record its reveal edit in the outbox, in one transaction; when that close
        ends its round (the last question, or a stop was asked for), the round's end and its summary are
        recorded in the same transaction. None if the post was already closed (whoever closed it owes them)."""
        stamp = to_db_time(now)
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE posts SET closed_at = ? WHERE id = ? AND closed_at IS NULL", (stamp, post_id)
            )
            if cur.rowcount != 1:
                return None
            rows = await conn.execute_fetchall(
                "INSERT INTO outbox (kind, post_id, round_id, round_total, not_before, created_at)"
                " SELECT 'reveal', id, round_id, ?, ?, ? FROM posts WHERE id = ? RETURNING id, round_id",
                (round_total, stamp, stamp, post_id),
            )
            reveal, round_id = next(iter(rows))
            rnd = await ConnectionReads(conn).fetch_one(
                "SELECT position, total, stop_requested_by FROM rounds WHERE id = ? AND status = 'running'",
                (round_id,),
            )
            status = ending(rnd[0], rnd[1], rnd[2] is not None) if rnd is not None else None
            if status is None:
                return Closed(int(reveal), None)
            await conn.execute("UPDATE rounds SET status = ?, ended_at = ? WHERE id = ?", (status, stamp, round_id))
            rows = await conn.execute_fetchall(
                "INSERT INTO outbox (kind, round_id, not_before, created_at) VALUES ('summary', ?, ?, ?) RETURNING id",
                (round_id, stamp, stamp),
            )
            return Closed(int(reveal), int(next(iter(rows))[0]))

    async def expired_daily(self, now: datetime) -> list[PostInfo]:
        """Open daily posts whose time is up, soonest first (an index range: cheap with many servers)."""
        rows = await self.db.fetch_all(
            "SELECT * FROM posts WHERE kind = 'daily' AND closed_at IS NULL AND closes_at <= ?"
            f" AND message_id IS NOT NULL AND {self.mine} ORDER BY closes_at, id",
            (to_db_time(now),),
        )
        return [post_from_row(row) for row in rows]

    async def next_daily_close(self) -> datetime | None:
        """When the next open daily post closes."""
        return from_db_time(
            await self.db.fetch_value(
                "SELECT MIN(closes_at) FROM posts WHERE kind = 'daily' AND closed_at IS NULL AND message_id IS NOT NULL"
                f" AND {self.mine}"
            )
        )

    async def shorten(self, post_id: int, closes_at: datetime) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE posts SET closes_at = ? WHERE id = ? AND closed_at IS NULL AND closes_at > ?",
                (to_db_time(closes_at), post_id, to_db_time(closes_at)),
            )

    async def choice_counts(self, post: PostInfo) -> tuple[int, ...]:
        counts = [0] * len(post.question.choices)
        rows = await self.db.fetch_all(
            "SELECT choice, COUNT(*) FROM answers WHERE post_id = ? GROUP BY choice", (post.id,)
        )
        for choice, n in rows:
            if 0 <= choice < len(counts):
                counts[choice] = n
        return tuple(counts)

    async def open_daily(self, guild_id: int | None = None) -> list[PostInfo]:
        """Daily posts on Discord that have not closed yet, soonest to close first."""
        sql = "SELECT * FROM posts WHERE kind = 'daily' AND closed_at IS NULL AND message_id IS NOT NULL"
        args: tuple[int, ...] = ()
        if guild_id is not None:
            sql += " AND guild_id = ?"
            args = (guild_id,)
        rows = await self.db.fetch_all(sql + " ORDER BY closes_at, id", args)
        return [post_from_row(row) for row in rows]
