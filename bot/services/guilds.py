"""Per-server settings and the bot's own bookkeeping (command sync state)."""

from __future__ import annotations

from bot.services.ports import Clock
from bot.storage.repository import Repository

COMMAND_HASH_KEY = "command_sync_hash"


class GuildService:
    def __init__(self, repo: Repository, clock: Clock) -> None:
        self.repo = repo
        self.clock = clock

    async def mod_role(self, guild_id: int) -> int | None:
        return await self.repo.mod_role(guild_id)

    async def set_mod_role(self, guild_id: int, role_id: int | None) -> None:
        await self.repo.set_mod_role(guild_id, role_id, self.clock())

    async def synced_hash(self) -> str | None:
        return await self.repo.meta_get(COMMAND_HASH_KEY)

    async def remember_synced_hash(self, digest: str) -> None:
        await self.repo.meta_set(COMMAND_HASH_KEY, digest)
