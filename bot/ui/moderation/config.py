"""/quiz-admin config …: server settings for the quiz."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot.core.errors import NotAllowed
from bot.ui.checks import ModeratorGroup, guild_id
from bot.ui.errors import send_ephemeral

if TYPE_CHECKING:
    from bot.ui.client import QuizBot


class ConfigCommands(ModeratorGroup, name="config", description="Server settings for the quiz"):
    @app_commands.command(name="mod-role", description="Set (or clear) the role whose members may moderate the quiz")
    @app_commands.describe(role="Leave empty to clear; Manage Server always counts")
    async def mod_role(self, interaction: discord.Interaction[QuizBot], role: discord.Role | None = None) -> None:
        if not interaction.permissions.manage_guild:
            raise NotAllowed("Only members with Manage Server can choose the moderator role. Nothing was changed.")
        await self.bot.services.guilds.set_mod_role(guild_id(interaction), role.id if role else None)
        await send_ephemeral(
            interaction,
            f"Quiz moderators: Manage Server and <@&{role.id}>."
            if role
            else "Quiz moderators: members with Manage Server.",
        )
