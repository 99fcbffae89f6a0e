"""SQL of the daily question: schedules, the claimed local days, and the daily posts still open.

A local day is claimed (its ``daily_posts`` row inserted) in the same transaction that picks the
question and creates its ``posts`` row, before anything is sent: the primary key on
(guild_id, local_date) is what makes a second post on the same day impossible.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from bot.core.content import Question
from bot.core.rounds import PostInfo
from bot.storage.database import Database
from bot.storage.repository import _post, from_db_time, to_db_time

# A day that failed before a question was picked (e.g. an empty deck) still needs its row, so that
# the day is not tried again; the column is NOT NULL, so it holds this placeholder.
NO_QUESTION = ""


@dataclass(frozen=True, slots=True)
class DailySchedule:
    guild_id: int
    channel_id: int
    local_time: str
    timezone: str
    deck: str
    role_id: int | None
    enabled: bool
    cycle: int
    last_error: str | None
    last_error_at: datetime | None
    updated_at: datetime  # when a moderator last set it: days whose post time was already past are skipped


@dataclass(frozen=True, slots=True)
class DailyDay:
    """One claimed local day and, once sent, where its message is."""

    guild_id: int
    local_date: date
    cycle: int
    question_id: str
    post_id: int | None
    status: str  # "claimed", "posted" or "failed"
    channel_id: int | None
    message_id: int | None


class DailyRepository:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.conn = db.conn

    # -- schedules ----------------------------------------------------------------------------
    async def schedule(self, guild_id: int) -> DailySchedule | None:
        async with self.conn.execute("SELECT * FROM daily_schedules WHERE guild_id = ?", (guild_id,)) as cur:
            row = await cur.fetchone()
        return _schedule(row) if row else None

    async def enabled_schedules(self) -> list[DailySchedule]:
        async with self.conn.execute("SELECT * FROM daily_schedules WHERE enabled = 1 ORDER BY guild_id") as cur:
            rows = await cur.fetchall()
        return [_schedule(row) for row in rows]

    async def save_schedule(
        self,
        *,
        guild_id: int,
        channel_id: int,
        local_time: str,
        timezone: str,
        deck: str,
        role_id: int | None,
        member_id: int,
        now: datetime,
    ) -> None:
        """Create or replace the schedule and switch it on; the rotation (cycle) carries on."""
        stamp = to_db_time(now)
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO daily_schedules (guild_id, channel_id, local_time, timezone, deck, role_id, enabled,"
                " updated_by, updated_at) VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?)"
                " ON CONFLICT (guild_id) DO UPDATE SET channel_id = excluded.channel_id,"
                " local_time = excluded.local_time, timezone = excluded.timezone, deck = excluded.deck,"
                " role_id = excluded.role_id, enabled = 1, last_error = NULL, last_error_at = NULL,"
                " updated_by = excluded.updated_by, updated_at = excluded.updated_at",
                (guild_id, channel_id, local_time, timezone, deck, role_id, member_id, stamp),
            )

    async def disable(self, guild_id: int, member_id: int, now: datetime) -> bool:
        """Switch the schedule off; False if it was not on."""
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE daily_schedules SET enabled = 0, updated_by = ?, updated_at = ?"
                " WHERE guild_id = ? AND enabled = 1",
                (member_id, to_db_time(now), guild_id),
            )
            return cur.rowcount == 1

    # -- days ---------------------------------------------------------------------------------
    async def last_day(self, guild_id: int) -> date | None:
        """The latest local day claimed, whatever became of it."""
        async with self.conn.execute("SELECT MAX(local_date) FROM daily_posts WHERE guild_id = ?", (guild_id,)) as cur:
            row = await cur.fetchone()
        return date.fromisoformat(row[0]) if row and row[0] else None

    async def day(self, guild_id: int, day: date) -> DailyDay | None:
        async with self.conn.execute(
            _DAY_SELECT + " WHERE d.guild_id = ? AND d.local_date = ?", (guild_id, day.isoformat())
        ) as cur:
            row = await cur.fetchone()
        return _day(row) if row else None

    async def claimed_days(self) -> list[DailyDay]:
        """Days claimed but never confirmed or failed: the process stopped while posting them."""
        async with self.conn.execute(_DAY_SELECT + " WHERE d.status = 'claimed' ORDER BY d.guild_id") as cur:
            rows = await cur.fetchall()
        return [_day(row) for row in rows]

    async def asked_ids(self, guild_id: int, cycle: int) -> set[str]:
        async with self.conn.execute(_ASKED, (guild_id, cycle)) as cur:
            return {row[0] for row in await cur.fetchall()}

    async def claim(
        self,
        *,
        guild_id: int,
        day: date,
        channel_id: int,
        pool: Sequence[Question],
        choose: Callable[[Sequence[Question]], Question],
        opened: datetime,
        closes: datetime,
        retry_failed: bool,
    ) -> PostInfo | None:
        """Claim ``day``, pick an unasked question and create its post; None if the day is taken.

        ``retry_failed`` lets a moderator's "post now" take over a day whose post failed; a day
        that is claimed or posted is never taken twice.
        """
        key = day.isoformat()
        try:
            async with self.db.transaction() as conn:
                async with conn.execute(
                    "SELECT status FROM daily_posts WHERE guild_id = ? AND local_date = ?", (guild_id, key)
                ) as cur:
                    existing = await cur.fetchone()
                if existing is not None and not (retry_failed and existing[0] == "failed"):
                    return None
                async with conn.execute("SELECT cycle FROM daily_schedules WHERE guild_id = ?", (guild_id,)) as cur:
                    row = await cur.fetchone()
                cycle = row[0] if row else 1
                async with conn.execute(_ASKED, (guild_id, cycle)) as cur:
                    asked = {r[0] for r in await cur.fetchall()}
                unasked = [q for q in pool if q.id not in asked]
                if not unasked:  # every question was seen: a fresh rotation begins
                    cycle += 1
                    unasked = list(pool)
                    await conn.execute("UPDATE daily_schedules SET cycle = ? WHERE guild_id = ?", (cycle, guild_id))
                question = choose(unasked)
                cur = await conn.execute(
                    "INSERT INTO posts (guild_id, channel_id, kind, question_id, question, answer, opened_at,"
                    " closes_at) VALUES (?, ?, 'daily', ?, ?, ?, ?, ?)",
                    (
                        guild_id,
                        channel_id,
                        question.id,
                        question.model_dump_json(),
                        question.answer_index,
                        to_db_time(opened),
                        to_db_time(closes),
                    ),
                )
                post_id = cur.lastrowid
                values = (cycle, question.id, post_id, to_db_time(opened), guild_id, key)
                if existing is None:
                    await conn.execute(
                        "INSERT INTO daily_posts (cycle, question_id, post_id, status, claimed_at, guild_id,"
                        " local_date) VALUES (?, ?, ?, 'claimed', ?, ?, ?)",
                        values,
                    )
                else:
                    await conn.execute(
                        "UPDATE daily_posts SET cycle = ?, question_id = ?, post_id = ?, status = 'claimed',"
                        " claimed_at = ? WHERE guild_id = ? AND local_date = ? AND status = 'failed'",
                        values,
                    )
        except sqlite3.IntegrityError:  # another process claimed the day first
            return None
        async with self.conn.execute("SELECT * FROM posts WHERE id = ?", (post_id,)) as cur:
            created = await cur.fetchone()
        assert created is not None
        return _post(created)

    async def confirm(self, guild_id: int, day: date, post_id: int, message_id: int) -> None:
        """Discord has the message: remember it, mark the day posted and clear the last error."""
        async with self.db.transaction() as conn:
            await conn.execute("UPDATE posts SET message_id = ? WHERE id = ?", (message_id, post_id))
            await conn.execute(
                "UPDATE daily_posts SET status = 'posted' WHERE guild_id = ? AND local_date = ? AND post_id = ?",
                (guild_id, day.isoformat(), post_id),
            )
            await conn.execute(
                "UPDATE daily_schedules SET last_error = NULL, last_error_at = NULL WHERE guild_id = ?", (guild_id,)
            )

    async def fail(self, guild_id: int, day: date, post_id: int | None, error: str, now: datetime) -> None:
        """The day's post could not be sent: the day stays used, its post closed, the error kept."""
        stamp = to_db_time(now)
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE daily_posts SET status = 'failed' WHERE guild_id = ? AND local_date = ?",
                (guild_id, day.isoformat()),
            )
            if post_id is not None:
                await conn.execute(
                    "UPDATE posts SET closed_at = ? WHERE id = ? AND closed_at IS NULL", (stamp, post_id)
                )
            await conn.execute(
                "UPDATE daily_schedules SET last_error = ?, last_error_at = ? WHERE guild_id = ?",
                (error, stamp, guild_id),
            )

    async def fail_unclaimed(self, guild_id: int, day: date, error: str, now: datetime) -> None:
        """Use up ``day`` without a question (nothing to ask), so it is not tried again until tomorrow."""
        stamp = to_db_time(now)
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO daily_posts (guild_id, local_date, cycle, question_id, status, claimed_at)"
                " SELECT guild_id, ?, cycle, ?, 'failed', ? FROM daily_schedules WHERE guild_id = ?"
                " ON CONFLICT (guild_id, local_date) DO NOTHING",
                (day.isoformat(), NO_QUESTION, stamp, guild_id),
            )
            await conn.execute(
                "UPDATE daily_schedules SET last_error = ?, last_error_at = ? WHERE guild_id = ?",
                (error, stamp, guild_id),
            )

    # -- open posts ---------------------------------------------------------------------------
    async def open_posts(self, guild_id: int | None = None) -> list[PostInfo]:
        """Daily posts on Discord that have not closed yet, soonest to close first."""
        sql = "SELECT * FROM posts WHERE kind = 'daily' AND closed_at IS NULL AND message_id IS NOT NULL"
        args: tuple[int, ...] = ()
        if guild_id is not None:
            sql += " AND guild_id = ?"
            args = (guild_id,)
        async with self.conn.execute(sql + " ORDER BY closes_at, id", args) as cur:
            rows = await cur.fetchall()
        return [_post(row) for row in rows]


_ASKED = "SELECT question_id FROM daily_posts WHERE guild_id = ? AND cycle = ? AND status IN ('claimed', 'posted')"
_DAY_SELECT = (
    "SELECT d.guild_id, d.local_date, d.cycle, d.question_id, d.post_id, d.status, p.channel_id, p.message_id"
    " FROM daily_posts d LEFT JOIN posts p ON p.id = d.post_id"
)


def _schedule(row: sqlite3.Row) -> DailySchedule:
    updated = from_db_time(row["updated_at"])
    assert updated is not None
    return DailySchedule(
        guild_id=row["guild_id"],
        channel_id=row["channel_id"],
        local_time=row["local_time"],
        timezone=row["timezone"],
        deck=row["deck"],
        role_id=row["role_id"],
        enabled=bool(row["enabled"]),
        cycle=row["cycle"],
        last_error=row["last_error"],
        last_error_at=from_db_time(row["last_error_at"]),
        updated_at=updated,
    )


def _day(row: sqlite3.Row) -> DailyDay:
    return DailyDay(
        guild_id=row["guild_id"],
        local_date=date.fromisoformat(row["local_date"]),
        cycle=row["cycle"],
        question_id=row["question_id"],
        post_id=row["post_id"],
        status=row["status"],
        channel_id=row["channel_id"],
        message_id=row["message_id"],
    )
