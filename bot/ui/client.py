"""QuizBot: the discord.py client, given its services by bot/__main__.py."""

from __future__ import annotations

import gc
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import discord
from discord.ext import commands

from bot.core.shards import ShardSet
from bot.services.container import Services
from bot.services.ports import BackgroundWork
from bot.ui import buttons, endpoint
from bot.ui.publisher import DiscordPublisher
from bot.ui.sync import sync_if_changed
from bot.ui.tree import QuizTree

log = logging.getLogger(__name__)

IdentifyTurn = Callable[[int, int], Awaitable[None]]  # (shard id, max_concurrency): returns when it may identify

GC_YOUNG_THRESHOLD = 50_000

# The feature cogs, loaded in this order by setup_hook; each imports the module that registers
# what clicks on its buttons do, so every handler is in place before the first click.
EXTENSIONS: tuple[str, ...] = ("bot.ui.play.cog", "bot.ui.moderation.cog")


def intents() -> discord.Intents:
    # Slash commands and buttons arrive as interactions: no privileged intent is needed.
    return discord.Intents(guilds=True)


class QuizBot(commands.AutoShardedBot):
    """Auto-sharded so that the gateway URL always comes from GET /gateway/bot.

    ``sync_commands``: sync the application commands at start-up when they changed.
    ``background``: the long-running loops (round runner, daily scheduler, reminders) to start once
    connected and stop on close; the composition root passes none to a process that only logs in to
    sync commands (``python -m bot sync``), which must never post.
    ``publisher`` is the services' way out to Discord: it needs this client, so it is attached here.
    """

    def __init__(
        self,
        services: Services,
        publisher: DiscordPublisher,
        *,
        api_base_url: str | None = None,
        sync_commands: bool = True,
        background: Sequence[BackgroundWork] = (),
        storage: str = "",
        shards: ShardSet | None = None,
        identify_gate: IdentifyTurn | None = None,
    ) -> None:
        sharding: dict[str, Any] = {}
        if shards is not None:  # this process runs some shards of several processes
            sharding = {"shard_count": shards.count, "shard_ids": list(shards.ids)}
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents(),
            allowed_mentions=discord.AllowedMentions.none(),
            help_command=None,
            tree_cls=QuizTree,
            **sharding,
        )
        self.shard_set = shards
        self.identify_gate = identify_gate
        self._max_concurrency: int | None = None
        self.services = services
        self.api_base_url = api_base_url
        self.sync_commands = sync_commands
        self.background = tuple(background)
        self.storage = storage  # what the ready line says about the database
        publisher.attach(self)

    async def setup_hook(self) -> None:
        if self.api_base_url:
            await self._use_discovered_gateway()
        for name in EXTENSIONS:
            await self.load_extension(name)
        if self.sync_commands:
            await sync_if_changed(self)
        for work in self.background:
            await work.start()
        # Everything built so far (modules, the catalog, the command tree) lives as long as the
        # process: keep it out of the collector's scans, which otherwise stall answer bursts.
        gc.collect()
        gc.freeze()
        # Each click allocates a few thousand short-lived objects (its JSON, discord.py's models, the reply):
        # at the default threshold of 700 the youngest generation is collected several times per click.
        # Reference counting frees almost all of them anyway; the collector is only for cycles.
        gc.set_threshold(GC_YOUNG_THRESHOLD, *gc.get_threshold()[1:])

    async def on_interaction(self, interaction: discord.Interaction[QuizBot]) -> None:
        if interaction.type is discord.InteractionType.component:
            await buttons.click(interaction)
        elif interaction.type is discord.InteractionType.modal_submit:
            await buttons.on_form_submit(interaction)

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """With an identify gate, every identify of every process takes its turn in the shared database
        (discord.py's own hook only spaces the identifies of this process)."""
        if self.identify_gate is None:
            await super().before_identify_hook(shard_id, initial=initial)
            return
        if self._max_concurrency is None:
            self._max_concurrency = (await self.fetch_session_start_limits()).max_concurrency
        await self.identify_gate(shard_id or 0, self._max_concurrency)

    async def on_ready(self) -> None:
        # The one line an operator looks for: who the bot is, what it sees, what it stores in.
        user = self.user
        log.info(
            "ready as %s (id %s): %d servers, %s, database %s",
            user,
            user.id if user else "?",
            len(self.guilds),
            self.shard_set or "all shards",
            self.storage or "unknown",
        )

    async def _use_discovered_gateway(self) -> None:
        # AutoShardedClient asks the API for the gateway on first connect, but a non-resumable
        # reconnect falls back to DEFAULT_GATEWAY; point that at the discovered URL as well.
        _shards, url, _limits = await self.http.get_bot_gateway()
        endpoint.use_gateway(url)
        log.info("gateway discovered from the configured API: %s", url)

    async def close(self) -> None:
        for work in self.background:
            await work.close()
        await super().close()
        await self.services.answers.close()
