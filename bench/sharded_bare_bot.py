"""bare_bot.py with manual sharding: one process that owns some shards of the application.

    python bench/sharded_bare_bot.py SHARD_COUNT [SHARD_ID ...]

Without shard ids the process runs every shard (0 .. SHARD_COUNT-1); without arguments at all,
QUIZBOT_SHARD_COUNT and QUIZBOT_SHARD_IDS (comma-separated) are read, and with neither discord.py asks
GET /gateway/bot for the recommended count. Like bare_bot.py it answers /quiz trl with buttons A-D; a click
gets "ok from shards <ids>" (so a test sees which process answered), and /shards tells which guilds this
process can see.

QUIZBOT_IDENTIFY_PACING decides how IDENTIFYs are spaced:
  "discord.py" (default)  the library's own hook: every IDENTIFY but the first waits 5 s;
  "buckets"               one IDENTIFY per rate-limit bucket (shard_id % max_concurrency) per 5 s, with
                          max_concurrency from GET /gateway/bot: shards of different buckets start together;
  "none"                  no waiting at all (breaks the identify rate limit; for the emulator's own tests).
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import signal
import sys

import discord
import discord.gateway
import discord.http
import yarl
from discord import app_commands
from discord.ext import commands

log = logging.getLogger("sharded_bare_bot")
IDENTIFY_WINDOW = 5.0


class AnswerButton(discord.ui.DynamicItem[discord.ui.Button], template=r"quiz:ans:(?P<post>\d+):(?P<letter>[A-E])"):
    def __init__(self, post_id: int, letter: str) -> None:
        super().__init__(discord.ui.Button(label=letter, custom_id=f"quiz:ans:{post_id}:{letter}"))

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item, match: re.Match[str]
    ) -> AnswerButton:
        return cls(int(match["post"]), match["letter"])

    async def callback(self, interaction: discord.Interaction) -> None:
        client = interaction.client
        assert isinstance(client, ShardedBareBot)
        await interaction.response.send_message(f"ok from shards {client.label}", ephemeral=True)


quiz = app_commands.Group(name="quiz", description="TRL quizzes")


@quiz.command(name="trl", description="Post one TRL question")
@app_commands.describe(questions="How many questions")
async def quiz_trl(interaction: discord.Interaction, questions: app_commands.Range[int, 1, 20] = 1) -> None:
    view = discord.ui.View(timeout=None)
    for letter in "ABCD":
        view.add_item(AnswerButton(interaction.id, letter))
    await interaction.response.send_message(f"Question 1 of {questions}: pick one", view=view)


@app_commands.command(name="shards", description="Which shards and guilds this process has")
async def shards(interaction: discord.Interaction) -> None:
    client = interaction.client
    assert isinstance(client, ShardedBareBot)
    guilds = ",".join(str(g.id) for g in sorted(client.guilds, key=lambda g: g.id))
    await interaction.response.send_message(f"shards {client.label} guilds {guilds}", ephemeral=True)


class ShardedBareBot(commands.AutoShardedBot):
    def __init__(self, shard_count: int | None, shard_ids: list[int] | None, pacing: str) -> None:
        # discord.py types shard_ids as a list, but None (the default) means "every shard".
        sharding: dict = {"shard_count": shard_count, "shard_ids": shard_ids}
        super().__init__(command_prefix=commands.when_mentioned, intents=discord.Intents.default(), **sharding)
        self.pacing = pacing
        self.max_concurrency = 1
        self._bucket_last: dict[int, float] = {}

    @property
    def label(self) -> str:
        ids = self.shard_ids if self.shard_ids is not None else range(self.shard_count or 1)
        return ",".join(str(i) for i in ids)

    async def setup_hook(self) -> None:
        if self.pacing == "buckets":
            self.max_concurrency = (await self.fetch_session_start_limits()).max_concurrency
        self.add_dynamic_items(AnswerButton)
        self.tree.add_command(quiz)
        self.tree.add_command(shards)
        await self.tree.sync()

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        if self.pacing == "none":
            return
        if self.pacing != "buckets":
            await super().before_identify_hook(shard_id, initial=initial)
            return
        # Discord allows one IDENTIFY per bucket per 5 s; a bucket is shard_id % max_concurrency.
        bucket = (shard_id or 0) % max(1, self.max_concurrency)
        loop = asyncio.get_running_loop()
        last = self._bucket_last.get(bucket)
        if last is not None and loop.time() - last < IDENTIFY_WINDOW:
            await asyncio.sleep(IDENTIFY_WINDOW - (loop.time() - last) + 0.1)
        self._bucket_last[bucket] = loop.time()
        log.info("shard %s identifies (bucket %s of %s)", shard_id, bucket, self.max_concurrency)


def shard_config(argv: list[str]) -> tuple[int | None, list[int] | None]:
    if argv:
        count, ids = int(argv[0]), [int(a) for a in argv[1:]]
    else:
        raw_count = os.environ.get("QUIZBOT_SHARD_COUNT")
        raw_ids = os.environ.get("QUIZBOT_SHARD_IDS", "")
        count = int(raw_count) if raw_count else None
        ids = [int(i) for i in raw_ids.split(",") if i.strip()]
    if count is None:
        return None, None
    return count, ids or None


async def main() -> None:
    token = os.environ["DISCORD_TOKEN"]
    base_url = os.environ.get("QUIZBOT_API_BASE_URL")
    discord.utils.setup_logging(level=getattr(logging, os.environ.get("QUIZBOT_LOG_LEVEL", "INFO").upper()))
    if base_url:
        # Route builds its URL when created, so the REST base must be set before login.
        discord.http.Route.BASE = base_url.rstrip("/")
    count, ids = shard_config(sys.argv[1:])
    bot = ShardedBareBot(count, ids, os.environ.get("QUIZBOT_IDENTIFY_PACING", "discord.py"))
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, lambda: asyncio.ensure_future(bot.close()))
    async with bot:
        await bot.login(token)
        if base_url:
            # With a shard_count discord.py connects to DEFAULT_GATEWAY (without one it asks /gateway/bot).
            _, gateway_url, _ = await bot.http.get_bot_gateway()
            discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)
        await bot.connect()


if __name__ == "__main__":
    asyncio.run(main())
