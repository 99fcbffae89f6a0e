"""Members' opt-in review reminders: when to send, the last day one went out, and why one stopped."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from bot.core.results import Reminder, StoppedReason
from bot.core.shards import ALL, ShardSet
from bot.storage.rows import to_db_time
from bot.storage.seam import Row, Storage
from bot.storage.sql import owned


def reminder_from_row(row: Row) -> Reminder:
    sent = row["last_sent_on"]
    return Reminder(
        member_id=row["member_id"],
        guild_id=row["guild_id"],
        local_time=row["local_time"],
        timezone=row["timezone"],
        enabled=bool(row["enabled"]),
        last_sent_on=date.fromisoformat(sent) if sent else None,
        stopped_reason="dm_closed" if row["stopped_reason"] == "dm_closed" else None,
    )


class ReminderRepository:
    def __init__(self, db: Storage, shards: ShardSet = ALL) -> None:
        self.db = db
        self.mine = owned(shards)  # the scans of background loops keep to this process's servers

    async def get(self, member_id: int) -> Reminder | None:
        row = await self.db.fetch_one("SELECT * FROM reminders WHERE member_id = ?", (member_id,))
        return reminder_from_row(row) if row else None

    async def enabled(self) -> list[Reminder]:
        rows = await self.db.fetch_all(f"SELECT * FROM reminders WHERE enabled = 1 AND {self.mine} ORDER BY member_id")
        return [reminder_from_row(row) for row in rows]

    async def turn_on(self, member_id: int, guild_id: int, local_time: str, timezone: str, now: datetime) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO reminders (member_id, guild_id, local_time, timezone, enabled, updated_at)"
                " VALUES (?, ?, ?, ?, 1, ?) ON CONFLICT (member_id) DO UPDATE SET guild_id = excluded.guild_id,"
                " local_time = excluded.local_time, timezone = excluded.timezone, enabled = 1,"
                " stopped_reason = NULL, updated_at = excluded.updated_at",
                (member_id, guild_id, local_time, timezone, to_db_time(now)),
            )

    async def turn_off(self, member_id: int, now: datetime, reason: StoppedReason | None = None) -> bool:
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE reminders SET enabled = 0, stopped_reason = ?, updated_at = ?"
                " WHERE member_id = ? AND enabled = 1",
                (reason, to_db_time(now), member_id),
            )
            return cur.rowcount == 1

    async def claim_day(self, member_id: int, day: date, now: datetime, spacing: timedelta) -> bool:
        """Mark ``day`` (the member's local date) as reminded at ``now``; False if that day already was, or the
        last reminder went out less than ``spacing`` ago (never two a day, whatever the timezone did)."""
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE reminders SET last_sent_on = ?, last_sent_at = ? WHERE member_id = ? AND enabled = 1"
                " AND (last_sent_on IS NULL OR last_sent_on < ?) AND (last_sent_at IS NULL OR last_sent_at <= ?)",
                (day.isoformat(), to_db_time(now), member_id, day.isoformat(), to_db_time(now - spacing)),
            )
            return cur.rowcount == 1
