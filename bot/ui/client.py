"""QuizBot: the discord.py client, given its services by bot/__main__.py."""

from __future__ import annotations

import gc
import logging

import discord
import yarl
from discord.ext import commands

from bot.core.drafts import Draft
from bot.services.container import Services
from bot.ui import errors
from bot.ui.buttons import QuizButton
from bot.ui.cogs import EXTENSIONS
from bot.ui.publisher import DiscordPublisher
from bot.ui.sync import sync_if_changed

log = logging.getLogger(__name__)


def intents() -> discord.Intents:
    # Slash commands and buttons arrive as interactions: no privileged intent is needed.
    return discord.Intents(guilds=True)


class QuizBot(commands.AutoShardedBot):
    """Auto-sharded so that the gateway URL always comes from GET /gateway/bot."""

    def __init__(self, services: Services, *, api_base_url: str | None = None, sync_on_start: bool = True):
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents(),
            allowed_mentions=discord.AllowedMentions.none(),
            help_command=None,
        )
        self.services = services
        # A moderator's last refused question draft, so "Fix it" reopens the form as typed.
        self.drafts: dict[tuple[int, int], Draft] = {}
        self.api_base_url = api_base_url
        self.sync_on_start = sync_on_start
        services.rounds.bind(DiscordPublisher(self))
        services.daily.bind(DiscordPublisher(self))

    async def setup_hook(self) -> None:
        if self.api_base_url:
            await self._use_discovered_gateway()
        for name in EXTENSIONS:
            await self.load_extension(name)
        self.add_dynamic_items(QuizButton)
        self.tree.on_error = errors.handle  # type: ignore[assignment]
        if self.sync_on_start:
            await sync_if_changed(self)
            resumed = await self.services.rounds.resume()
            if resumed:
                log.info("resuming %d running round(s)", resumed)
            # Not in `python -m bot sync`: that process only logs in to sync and must never post.
            self.services.daily.start()
        # Everything built so far (modules, the catalog, the command tree) lives as long as the
        # process: keep it out of the collector's scans, which otherwise stall answer bursts.
        gc.collect()
        gc.freeze()

    async def _use_discovered_gateway(self) -> None:
        # AutoShardedClient asks the API for the gateway on first connect, but a non-resumable
        # reconnect falls back to DEFAULT_GATEWAY; point that at the discovered URL as well.
        _shards, url, _limits = await self.http.get_bot_gateway()
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(url)
        log.info("gateway discovered from the configured API: %s", url)

    async def close(self) -> None:
        await self.services.rounds.close()
        await self.services.daily.close()
        await super().close()
        await self.services.answers.close()
