"""A minimal discord.py bot: /quiz trl posts buttons A-D, and any quiz:ans:<id>:<letter> click gets "ok".

It is the benchmark's bare contender and the emulator's own test client. Configuration comes from the
environment: DISCORD_TOKEN, and QUIZBOT_API_BASE_URL to point REST and the gateway at a loopback server.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import signal

import discord
import discord.gateway
import discord.http
import yarl
from discord import app_commands
from discord.ext import commands

log = logging.getLogger("bare_bot")


class AnswerButton(discord.ui.DynamicItem[discord.ui.Button], template=r"quiz:ans:(?P<post>\d+):(?P<letter>[A-E])"):
    def __init__(self, post_id: int, letter: str) -> None:
        super().__init__(discord.ui.Button(label=letter, custom_id=f"quiz:ans:{post_id}:{letter}"))

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item, match: re.Match[str]
    ) -> AnswerButton:
        return cls(int(match["post"]), match["letter"])

    async def callback(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message("ok", ephemeral=True)


quiz = app_commands.Group(name="quiz", description="TRL quizzes")


@quiz.command(name="trl", description="Post one TRL question")
@app_commands.describe(questions="How many questions")
async def quiz_trl(interaction: discord.Interaction, questions: app_commands.Range[int, 1, 20] = 1) -> None:
    view = discord.ui.View(timeout=None)
    for letter in "ABCD":
        view.add_item(AnswerButton(interaction.id, letter))
    await interaction.response.send_message(f"Question 1 of {questions}: pick one", view=view)


class BareBot(commands.AutoShardedBot):
    def __init__(self) -> None:
        super().__init__(command_prefix=commands.when_mentioned, intents=discord.Intents.default())

    async def setup_hook(self) -> None:
        self.add_dynamic_items(AnswerButton)
        self.tree.add_command(quiz)
        await self.tree.sync()


async def main() -> None:
    token = os.environ["DISCORD_TOKEN"]
    base_url = os.environ.get("QUIZBOT_API_BASE_URL")
    discord.utils.setup_logging(level=getattr(logging, os.environ.get("QUIZBOT_LOG_LEVEL", "INFO").upper()))
    if base_url:
        # Route builds its URL when created, so the REST base must be set before login.
        discord.http.Route.BASE = base_url.rstrip("/")
    bot = BareBot()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, lambda: asyncio.ensure_future(bot.close()))
    async with bot:
        await bot.login(token)
        if base_url:
            # A re-IDENTIFY after INVALID_SESSION goes to DEFAULT_GATEWAY, so it must be loopback too.
            _, gateway_url, _ = await bot.http.get_bot_gateway()
            discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)
        await bot.connect()


if __name__ == "__main__":
    asyncio.run(main())
