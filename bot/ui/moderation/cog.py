"""/quiz-admin: the moderators' top-level command, grouping question, config and daily.

Discord hides a command through default permissions only at the top level, so the moderator
commands live under their own top-level group rather than under /quiz; each subgroup also checks
every call itself, because server admins can override what Discord hides.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.ui.moderation.config import ConfigCommands
from bot.ui.moderation.daily import DailyCommands
from bot.ui.moderation.quality import COMMANDS as QUALITY_COMMANDS
from bot.ui.moderation.questions import QuestionCommands

if TYPE_CHECKING:
    from bot.ui.client import QuizBot


class AdminCog(commands.Cog):
    def __init__(self, bot: QuizBot) -> None:
        self.bot = bot
        self.group = app_commands.Group(
            name="quiz-admin",
            description="Moderators: questions and settings for the TRL quiz",
            default_permissions=discord.Permissions(manage_guild=True),
            guild_only=True,
        )
        for subgroup in (QuestionCommands(bot), ConfigCommands(bot), DailyCommands(bot)):
            self.group.add_command(subgroup)
        for command in QUALITY_COMMANDS:
            self.group.add_command(command)

    async def cog_load(self) -> None:
        self.bot.tree.add_command(self.group)

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.group.name)


async def setup(bot: QuizBot) -> None:
    await bot.add_cog(AdminCog(bot))
