"""Per-server settings, members' data on request, and the bot's own bookkeeping."""

from __future__ import annotations

from datetime import timedelta

from bot.services.ports import Clock
from bot.storage.guilds import Departed, GuildRepository
from bot.storage.meta import MetaRepository

COMMAND_HASH_KEY = "command_sync_hash"


class GuildService:
    def __init__(self, guilds: GuildRepository, meta: MetaRepository, clock: Clock) -> None:
        self.guilds = guilds
        self.meta = meta
        self.clock = clock

    async def mod_role(self, guild_id: int) -> int | None:
        return await self.guilds.mod_role(guild_id)

    async def set_mod_role(self, guild_id: int, role_id: int | None) -> None:
        await self.guilds.set_mod_role(guild_id, role_id, self.clock())

    async def synced_hash(self) -> str | None:
        return await self.meta.get(COMMAND_HASH_KEY)

    async def remember_synced_hash(self, digest: str) -> None:
        await self.meta.set(COMMAND_HASH_KEY, digest)

    async def forget_member(self, guild_id: int, member_id: int) -> int:
        """Delete the member's answers and scores in this server; return the number of answers removed."""
        return await self.guilds.forget_member(guild_id, member_id)

    async def joined(self, guild_id: int) -> None:
        await self.guilds.mark(guild_id, present=True, now=self.clock())

    async def left(self, guild_id: int) -> None:
        await self.guilds.mark(guild_id, present=False, now=self.clock())

    async def reconcile(self, present: set[int]) -> int:
        return await self.guilds.reconcile(present, self.clock())

    async def prune(self, days: int) -> dict[int, int]:
        """Remove the data of servers the bot left more than ``days`` days ago."""
        return await self.guilds.prune(self.clock() - timedelta(days=days))

    async def departed(self, days: int) -> list[Departed]:
        """The servers ``prune(days)`` would remove, changing nothing."""
        return await self.guilds.departed(self.clock() - timedelta(days=days))

    async def prune_one(self, guild_id: int) -> int:
        """Remove one departed server's data (all of it or, if interrupted, none); return its answers removed."""
        return await self.guilds.delete_guild(guild_id)
