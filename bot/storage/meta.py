"""The bot's own bookkeeping: small key/value facts such as the hash of the last command sync."""

from __future__ import annotations

from bot.storage.seam import Storage


class MetaRepository:
    def __init__(self, db: Storage) -> None:
        self.db = db

    async def get(self, key: str) -> str | None:
        return await self.db.fetch_value("SELECT value FROM meta WHERE key = ?", (key,))

    async def set(self, key: str, value: str) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )
