"""QuizBot: the discord.py client, given its services by bot/__main__.py."""

from __future__ import annotations

import gc
import logging

import discord
from discord.ext import commands

from bot.core.drafts import Draft
from bot.services.container import Services
from bot.ui import endpoint
from bot.ui.buttons import QuizButton
from bot.ui.publisher import DiscordPublisher
from bot.ui.sync import sync_if_changed
from bot.ui.tree import QuizTree

log = logging.getLogger(__name__)

# The feature cogs, loaded in this order by setup_hook; each imports the module that registers
# what clicks on its buttons do, so every handler is in place before the first click.
EXTENSIONS: tuple[str, ...] = ("bot.ui.play.cog", "bot.ui.moderation.cog")


def intents() -> discord.Intents:
    # Slash commands and buttons arrive as interactions: no privileged intent is needed.
    return discord.Intents(guilds=True)


class QuizBot(commands.AutoShardedBot):
    """Auto-sharded so that the gateway URL always comes from GET /gateway/bot.

    ``sync_commands``: sync the application commands at start-up when they changed.
    ``background_work``: resume running rounds and start the daily-question loop; off in a process
    that only logs in to sync commands (``python -m bot sync``), which must never post.
    ``sync_on_start`` is the former single switch for both, still accepted: it sets both options.
    """

    def __init__(
        self,
        services: Services,
        *,
        api_base_url: str | None = None,
        sync_commands: bool = True,
        background_work: bool = True,
        sync_on_start: bool | None = None,
    ) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents(),
            allowed_mentions=discord.AllowedMentions.none(),
            help_command=None,
            tree_cls=QuizTree,
        )
        self.services = services
        # Read and written only through bot/ui/moderation/drafts.py.
        self.drafts: dict[tuple[int, int], Draft] = {}
        self.api_base_url = api_base_url
        if sync_on_start is not None:
            sync_commands = background_work = sync_on_start
        self.sync_commands = sync_commands
        self.background_work = background_work
        services.rounds.bind(DiscordPublisher(self))
        services.daily.bind(DiscordPublisher(self))

    async def setup_hook(self) -> None:
        if self.api_base_url:
            await self._use_discovered_gateway()
        for name in EXTENSIONS:
            await self.load_extension(name)
        self.add_dynamic_items(QuizButton)
        if self.sync_commands:
            await sync_if_changed(self)
        if self.background_work:
            resumed = await self.services.rounds.resume()
            if resumed:
                log.info("resuming %d running round(s)", resumed)
            self.services.daily.start()
        # Everything built so far (modules, the catalog, the command tree) lives as long as the
        # process: keep it out of the collector's scans, which otherwise stall answer bursts.
        gc.collect()
        gc.freeze()

    async def _use_discovered_gateway(self) -> None:
        # AutoShardedClient asks the API for the gateway on first connect, but a non-resumable
        # reconnect falls back to DEFAULT_GATEWAY; point that at the discovered URL as well.
        _shards, url, _limits = await self.http.get_bot_gateway()
        endpoint.use_gateway(url)
        log.info("gateway discovered from the configured API: %s", url)

    async def close(self) -> None:
        await self.services.rounds.close()
        await self.services.daily.close()
        await super().close()
        await self.services.answers.close()
