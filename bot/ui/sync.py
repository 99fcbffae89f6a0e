"""Sync application commands only when they differ from what was last synced."""

from __future__ import annotations

import hashlib
import json
import logging
from typing import TYPE_CHECKING

import discord

if TYPE_CHECKING:
    from bot.ui.client import QuizBot

log = logging.getLogger(__name__)


def command_digest(bot: QuizBot, application_id: int | None) -> str:
    payload = sorted((cmd.to_dict(bot.tree) for cmd in bot.tree.get_commands()), key=lambda c: c["name"])
    text = json.dumps({"application": application_id, "commands": payload}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


async def sync_if_changed(bot: QuizBot) -> bool:
    """Sync globally when the command payload changed since the last sync; return whether it did."""
    digest = command_digest(bot, bot.application_id)
    if digest == await bot.services.guilds.synced_hash():
        log.info("application commands unchanged; no sync needed")
        return False
    synced = await bot.tree.sync()
    await bot.services.guilds.remember_synced_hash(digest)
    log.info("synced %d application commands", len(synced))
    return True


async def force_sync(bot: QuizBot, guild_id: int | None) -> int:
    """Sync now, globally or to one guild (copying the global commands there)."""
    if guild_id is None:
        synced = await bot.tree.sync()
        await bot.services.guilds.remember_synced_hash(command_digest(bot, bot.application_id))
        return len(synced)
    guild = discord.Object(id=guild_id)
    bot.tree.copy_global_to(guild=guild)
    return len(await bot.tree.sync(guild=guild))
