"""The daily question: schedules, the claimed local days, and recording how each day's post went.

A local day is claimed (its ``daily_posts`` row inserted) in the same transaction that picks the
question and creates its ``posts`` row, before anything is sent: the primary key on
(guild_id, local_date) is what makes a second post on the same day impossible.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from bot.core.content import Question
from bot.core.delivery import Failure
from bot.core.posts import PostInfo
from bot.core.rotation import NextDaily
from bot.core.shards import ALL, ShardSet
from bot.storage.rows import day_from_row, from_db_time, post_from_row, schedule_from_row, to_db_time
from bot.storage.seam import Conn, Row, Storage
from bot.storage.sql import owned
from bot.storage.types import DailyDay, DailySchedule

# A day that failed before a question was picked (e.g. an empty deck) still needs its row, so that
# the day is not tried again; the column is NOT NULL, so it holds this placeholder.
NO_QUESTION = ""

_ASKED = "SELECT question_id FROM daily_posts WHERE guild_id = ? AND cycle = ? AND status IN ('claimed', 'posted')"
_DAY_SELECT = (
    "SELECT d.guild_id, d.local_date, d.cycle, d.question_id, d.post_id, d.status, p.channel_id, p.message_id"
    " FROM daily_posts d LEFT JOIN posts p ON p.id = d.post_id"
)
_SET_ERROR = (
    "UPDATE daily_schedules SET last_error_code = ?, last_error_channel_id = ?, last_error_detail = ?,"
    " last_error_at = ? WHERE guild_id = ?"
)


def _error_args(failure: Failure | None, stamp: str | None, guild_id: int) -> tuple[object, ...]:
    if failure is None:
        return (None, None, None, None, guild_id)
    return (failure.code, failure.channel_id, failure.detail, stamp, guild_id)


class DailyRepository:
    def __init__(self, db: Storage, shards: ShardSet = ALL) -> None:
        self.db = db
        self.mine = owned(shards)  # the scans of background loops keep to this process's servers
        self.mine_days = owned(shards, "d.guild_id")

    # -- schedules ----------------------------------------------------------------------------
    async def schedule(self, guild_id: int) -> DailySchedule | None:
        row = await self.db.fetch_one("SELECT * FROM daily_schedules WHERE guild_id = ?", (guild_id,))
        return schedule_from_row(row) if row else None

    async def due_schedules(self, now: datetime) -> list[DailySchedule]:
        """Enabled schedules whose next post time has come, or is not worked out yet (an index range)."""
        rows = await self.db.fetch_all(
            "SELECT * FROM daily_schedules WHERE enabled = 1 AND (next_post_at <= ? OR next_post_at IS NULL)"
            f" AND {self.mine} ORDER BY next_post_at NULLS FIRST, guild_id",
            (to_db_time(now),),
        )
        return [schedule_from_row(row) for row in rows]

    async def next_due(self) -> datetime | None:
        """The soonest next post time of an enabled schedule (one index lookup)."""
        return from_db_time(
            await self.db.fetch_value(
                f"SELECT MIN(next_post_at) FROM daily_schedules WHERE enabled = 1 AND {self.mine}"
            )
        )

    async def set_next(self, guild_id: int, at: datetime) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE daily_schedules SET next_post_at = ? WHERE guild_id = ?", (to_db_time(at), guild_id)
            )

    async def enabled_schedules(self) -> list[DailySchedule]:
        rows = await self.db.fetch_all("SELECT * FROM daily_schedules WHERE enabled = 1 ORDER BY guild_id")
        return [schedule_from_row(row) for row in rows]

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
                " role_id = excluded.role_id, enabled = 1, last_error_code = NULL, last_error_channel_id = NULL,"
                " last_error_detail = NULL, last_error_at = NULL, next_post_at = NULL,"
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
        text = await self.db.fetch_value("SELECT MAX(local_date) FROM daily_posts WHERE guild_id = ?", (guild_id,))
        return date.fromisoformat(text) if text else None

    async def day(self, guild_id: int, day: date) -> DailyDay | None:
        row = await self.db.fetch_one(
            _DAY_SELECT + " WHERE d.guild_id = ? AND d.local_date = ?", (guild_id, day.isoformat())
        )
        return day_from_row(row) if row else None

    async def claimed_days(self) -> list[DailyDay]:
        """Days claimed but never confirmed or failed: the process stopped while posting them."""
        rows = await self.db.fetch_all(
            _DAY_SELECT + f" WHERE d.status = 'claimed' AND {self.mine_days} ORDER BY d.guild_id"
        )
        return [day_from_row(row) for row in rows]

    async def asked_ids(self, guild_id: int, cycle: int) -> set[str]:
        return {row[0] for row in await self.db.fetch_all(_ASKED, (guild_id, cycle))}

    async def claim(
        self,
        *,
        guild_id: int,
        day: date,
        channel_id: int,
        choose: Callable[[set[str], int], NextDaily],
        opened: datetime,
        closes: datetime,
        retry_failed: bool,
        next_at: datetime | None = None,
    ) -> PostInfo | None:
        """Claim ``day``, store the question ``choose`` picks and create its post; None if the day is taken.

        ``choose`` gets the ids already asked in the current rotation and the rotation's number (the
        rule itself is core.rotation's); it runs inside the claim's transaction, so two processes can
        never pick for the same day. ``retry_failed`` lets a moderator's "post now" take over a day
        whose post failed; a day that is claimed or posted is never taken twice.
        """
        key = day.isoformat()
        try:
            async with self.db.transaction() as conn:
                existing = next(
                    iter(
                        await conn.execute_fetchall(
                            "SELECT status FROM daily_posts WHERE guild_id = ? AND local_date = ?", (guild_id, key)
                        )
                    ),
                    None,
                )
                if existing is not None and not (retry_failed and existing[0] == "failed"):
                    return None
                cycles = await conn.execute_fetchall(
                    "SELECT cycle FROM daily_schedules WHERE guild_id = ?", (guild_id,)
                )
                cycle = next(iter(cycles))[0] if cycles else 1
                asked = {r[0] for r in await conn.execute_fetchall(_ASKED, (guild_id, cycle))}
                picked = choose(asked, cycle)
                if picked.cycle != cycle:
                    await conn.execute(
                        "UPDATE daily_schedules SET cycle = ? WHERE guild_id = ?", (picked.cycle, guild_id)
                    )
                created = await _insert_post(conn, guild_id, channel_id, picked.question, opened, closes)
                if next_at is not None:  # the schedule's next post, kept with the claim
                    await conn.execute(
                        "UPDATE daily_schedules SET next_post_at = ? WHERE guild_id = ?",
                        (to_db_time(next_at), guild_id),
                    )
                values = (picked.cycle, picked.question.id, created["id"], to_db_time(opened), guild_id, key)
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
        except self.db.conflict:  # another process claimed the day first
            return None
        return post_from_row(created)

    async def confirm(self, guild_id: int, day: date, post_id: int, message_id: int) -> None:
        """Discord has the message: remember it, mark the day posted and clear the last error."""
        async with self.db.transaction() as conn:
            await conn.execute("UPDATE posts SET message_id = ? WHERE id = ?", (message_id, post_id))
            await conn.execute(
                "UPDATE daily_posts SET status = 'posted' WHERE guild_id = ? AND local_date = ? AND post_id = ?",
                (guild_id, day.isoformat(), post_id),
            )
            await conn.execute(_SET_ERROR, _error_args(None, None, guild_id))

    async def reopen(self, guild_id: int, day: date, post_id: int, message_id: int) -> None:
        """A post recorded as failed was on Discord after all (its send timed out): it is the day's post."""
        async with self.db.transaction() as conn:
            await conn.execute("UPDATE posts SET message_id = ?, closed_at = NULL WHERE id = ?", (message_id, post_id))
            await conn.execute(
                "UPDATE daily_posts SET status = 'posted' WHERE guild_id = ? AND local_date = ? AND post_id = ?",
                (guild_id, day.isoformat(), post_id),
            )
            await conn.execute(_SET_ERROR, _error_args(None, None, guild_id))

    async def fail(self, guild_id: int, day: date, post_id: int | None, failure: Failure, now: datetime) -> None:
        """The day's post could not be sent: the day stays used, its post closed, the reason kept."""
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
            await conn.execute(_SET_ERROR, _error_args(failure, stamp, guild_id))

    async def fail_unclaimed(self, guild_id: int, day: date, failure: Failure, now: datetime) -> None:
        """Use up ``day`` without a question (nothing to ask), so it is not tried again until tomorrow."""
        stamp = to_db_time(now)
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO daily_posts (guild_id, local_date, cycle, question_id, status, claimed_at)"
                " SELECT guild_id, ?, cycle, ?, 'failed', ? FROM daily_schedules WHERE guild_id = ?"
                " ON CONFLICT (guild_id, local_date) DO NOTHING",
                (day.isoformat(), NO_QUESTION, stamp, guild_id),
            )
            await conn.execute(_SET_ERROR, _error_args(failure, stamp, guild_id))


async def _insert_post(
    conn: Conn,
    guild_id: int,
    channel_id: int,
    question: Question,
    opened: datetime,
    closes: datetime,
) -> Row:
    rows = await conn.execute_fetchall(
        "INSERT INTO posts (guild_id, channel_id, kind, question_id, question, answer, opened_at, closes_at)"
        " VALUES (?, ?, 'daily', ?, ?, ?, ?, ?) RETURNING *",
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
    return next(iter(rows))
