"""A moderator's last refused question draft, so "Fix it" reopens the form as they typed it.

The draft is kept in the database (one per moderator and server, for a day), so "Fix it" works
after a restart and whichever process gets the click.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord

from bot.core.drafts import Draft
from bot.ui.checks import guild_id

if TYPE_CHECKING:
    from bot.ui.client import QuizBot


async def remember(interaction: discord.Interaction[QuizBot], draft: Draft) -> None:
    """Keep the member's refused draft (replacing an older one)."""
    await interaction.client.services.questions.keep_draft(
        guild_id=guild_id(interaction), member_id=interaction.user.id, draft=draft
    )


async def recall(interaction: discord.Interaction[QuizBot]) -> Draft | None:
    """The member's last refused draft in this server, if any."""
    return await interaction.client.services.questions.refused_draft(
        guild_id=guild_id(interaction), member_id=interaction.user.id
    )


async def forget(interaction: discord.Interaction[QuizBot]) -> None:
    """Drop the member's draft once a question was saved."""
    await interaction.client.services.questions.drop_draft(
        guild_id=guild_id(interaction), member_id=interaction.user.id
    )
