"""A moderator's last refused question draft, so "Fix it" reopens the form as they typed it.

Every read and write goes through these three functions. For now the drafts live in a dict on the
client (lost on restart, one per moderator and server); a store behind the services can replace it
here without touching the callers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord

from bot.core.drafts import Draft
from bot.ui.checks import guild_id

if TYPE_CHECKING:
    from bot.ui.client import QuizBot


def _key(interaction: discord.Interaction[QuizBot]) -> tuple[int, int]:
    return guild_id(interaction), interaction.user.id


async def remember(interaction: discord.Interaction[QuizBot], draft: Draft) -> None:
    """Keep the member's refused draft (replacing an older one)."""
    interaction.client.drafts[_key(interaction)] = draft


async def recall(interaction: discord.Interaction[QuizBot]) -> Draft | None:
    """The member's last refused draft in this server, if any."""
    return interaction.client.drafts.get(_key(interaction))


async def forget(interaction: discord.Interaction[QuizBot]) -> None:
    """Drop the member's draft once a question was saved."""
    interaction.client.drafts.pop(_key(interaction), None)
