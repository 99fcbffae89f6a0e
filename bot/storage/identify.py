"""Identify turns: when each rate-limit bucket last identified, shared by every process of the bot."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from bot.storage.rows import from_db_time, to_db_time
from bot.storage.seam import Storage


class IdentifyRepository:
    def __init__(self, db: Storage) -> None:
        self.db = db

    async def take_turn(self, bucket: int, clock: Callable[[], datetime], spacing: timedelta) -> float:
        """Record an identify in ``bucket`` now and return 0.0 if the last one is ``spacing`` old or more;
        else change nothing and return the seconds left to wait. One write transaction: processes take
        turns on it, so two can never both see the bucket free. The time is read once the transaction
        holds the write lock (a wait for it must not count as spacing); a recorded time ahead of this clock
        (another machine's running fast) counts as now, so a fast clock delays a bucket by ``spacing`` at most."""
        async with self.db.transaction() as conn:
            now = clock()
            rows = list(await conn.execute_fetchall("SELECT last_at FROM identify_turns WHERE bucket = ?", (bucket,)))
            last = from_db_time(rows[0][0]) if rows else None
            if last is not None and last > now:
                last = now
            if last is not None and now < last + spacing:
                return (last + spacing - now).total_seconds()
            await conn.execute(
                "INSERT INTO identify_turns (bucket, last_at) VALUES (?, ?)"
                " ON CONFLICT (bucket) DO UPDATE SET last_at = excluded.last_at",
                (bucket, to_db_time(now)),
            )
            return 0.0
