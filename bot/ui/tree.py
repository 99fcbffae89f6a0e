"""The application command tree: its errors go through the one shared handler."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot.ui import errors

if TYPE_CHECKING:
    from bot.ui.client import QuizBot


class QuizTree(app_commands.CommandTree["QuizBot"]):
    async def on_error(self, interaction: discord.Interaction[QuizBot], error: app_commands.AppCommandError) -> None:
        await errors.handle(interaction, error)
