"""Where an interaction comes from and who may use it: the server, and who counts as a moderator
(Manage Server, or the role the server configured)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot.core.errors import QuizError

if TYPE_CHECKING:
    from bot.ui.client import QuizBot

NEEDS_MODERATOR = "This needs the Manage Server permission or the server's quiz-moderator role. Nothing was changed."


def guild_id(interaction: discord.Interaction[QuizBot]) -> int:
    """The server the interaction came from; refused in direct messages."""
    if interaction.guild_id is None:
        raise QuizError("Quizzes run in servers, not in direct messages.")
    return interaction.guild_id


def is_moderator(interaction: discord.Interaction[QuizBot], mod_role_id: int | None) -> bool:
    """Decide from the interaction's resolved permissions and roles, never from a cache."""
    permissions = interaction.permissions
    if permissions.manage_guild or permissions.administrator:
        return True
    member = interaction.user
    if mod_role_id is None or not isinstance(member, discord.Member):
        return False
    return any(role.id == mod_role_id for role in member.roles)


async def moderator(interaction: discord.Interaction[QuizBot]) -> bool:
    """Whether the member may moderate the quiz in this server (Manage Server or the quiz-moderator role)."""
    if interaction.guild_id is None:
        return False
    return is_moderator(interaction, await interaction.client.services.guilds.mod_role(interaction.guild_id))


class ModeratorGroup(app_commands.Group):
    """A /quiz-admin subgroup: every command in it is checked here, whatever Discord shows."""

    def __init__(self, bot: QuizBot) -> None:
        super().__init__()
        self.bot = bot

    async def interaction_check(self, interaction: discord.Interaction[QuizBot]) -> bool:
        # False becomes a CheckFailure, which the tree's error handler answers; anything raised
        # here would escape the handler and leave the member with "interaction failed".
        return await moderator(interaction)
