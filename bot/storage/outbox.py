"""The outbox: Discord calls a closed post or an ended round still owes (a reveal edit, a round summary).

Rows are written in the same transaction as the close (``PostRepository.close_for_reveal``,
``RoundRepository.end``), so a crash between the close and the Discord call loses nothing: the outbox
worker carries out what is left at its next start.
"""

from __future__ import annotations

from datetime import datetime

from bot.core.shards import ALL, ShardSet
from bot.storage.rows import db_time, from_db_time, to_db_time
from bot.storage.seam import Row, Storage
from bot.storage.sql import owned
from bot.storage.types import OutboxItem

_SELECT = "SELECT id, kind, post_id, round_id, round_total, attempts, created_at FROM outbox"
# An item's server, through its post or its round (a summary has no post).
_GUILD = (
    "COALESCE((SELECT guild_id FROM posts WHERE posts.id = outbox.post_id),"
    " (SELECT guild_id FROM rounds WHERE rounds.id = outbox.round_id))"
)


def _item(r: Row) -> OutboxItem:
    return OutboxItem(r[0], r[1], r[2], r[3], r[4], r[5], db_time(r[6]))


class OutboxRepository:
    def __init__(self, db: Storage, shards: ShardSet = ALL) -> None:
        self.db = db
        self.mine = owned(shards, _GUILD)  # the scans of background loops keep to this process's servers

    async def get(self, item_id: int) -> OutboxItem | None:
        row = await self.db.fetch_one(_SELECT + " WHERE id = ?", (item_id,))
        return _item(row) if row else None

    async def due(self, now: datetime, limit: int = 100) -> list[OutboxItem]:
        """Items whose time has come, oldest first."""
        rows = await self.db.fetch_all(
            _SELECT + f" WHERE not_before <= ? AND {self.mine} ORDER BY not_before, id LIMIT ?",
            (to_db_time(now), limit),
        )
        return [_item(row) for row in rows]

    async def next_at(self) -> datetime | None:
        return from_db_time(await self.db.fetch_value(f"SELECT MIN(not_before) FROM outbox WHERE {self.mine}"))

    async def retry_at(self, item_id: int, when: datetime) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE outbox SET attempts = attempts + 1, not_before = ? WHERE id = ?", (to_db_time(when), item_id)
            )

    async def done(self, item_id: int) -> None:
        async with self.db.transaction() as conn:
            await conn.execute("DELETE FROM outbox WHERE id = ?", (item_id,))
