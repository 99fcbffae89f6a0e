"""The one place where exceptions become replies.

Order: unwrap CommandInvokeError -> QuizError: its message, ephemeral -> failed check: the
moderator sentence -> anything else: logged with ids, and a generic apology.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands

from bot.core.errors import AnswerNotSaved, DailyNotPosted, QuizError, StorageUnavailable
from bot.ui.checks import NEEDS_MODERATOR
from bot.ui.failures import failure_text

if TYPE_CHECKING:
    from bot.ui.client import QuizBot

log = logging.getLogger(__name__)

APOLOGY = "Something went wrong on my side; nothing you did. It has been logged."


@contextlib.contextmanager
def counting_an_answer() -> Iterator[None]:
    """Around an answer's service call: a database outage is worded as the answer not counting."""
    try:
        yield
    except AnswerNotSaved:
        raise
    except StorageUnavailable as exc:
        raise AnswerNotSaved(exc.detail) from exc


async def send_ephemeral(interaction: discord.Interaction[QuizBot], content: str | None = None, **kwargs: Any) -> None:
    """Reply, or follow up when the interaction was already answered or deferred."""
    kwargs.setdefault("allowed_mentions", discord.AllowedMentions.none())
    if interaction.response.is_done():
        if content is not None:  # a follow-up's content is a str or left out, never None
            kwargs["content"] = content
        await interaction.followup.send(ephemeral=True, **kwargs)
    else:
        await interaction.response.send_message(content, ephemeral=True, **kwargs)


async def handle(interaction: discord.Interaction[QuizBot], error: BaseException) -> None:
    """Tell the member what went wrong; log what they cannot fix."""
    if isinstance(error, app_commands.CommandInvokeError):
        error = error.original
    if isinstance(error, StorageUnavailable):
        log.warning("database unreachable while handling interaction %s: %s", interaction.id, error.detail)
        message = error.user_message
    elif isinstance(error, DailyNotPosted):
        message = f"Today's question could not be posted: {failure_text(error.failure)} Fix it and try again."
    elif isinstance(error, QuizError):
        message = error.user_message
    elif isinstance(error, app_commands.CheckFailure):
        message = NEEDS_MODERATOR
    else:
        command = interaction.command.qualified_name if interaction.command else None
        log.error(
            "unhandled error in %s (guild %s, channel %s, user %s)",
            command or (interaction.data or {}).get("custom_id"),
            interaction.guild_id,
            interaction.channel_id,
            interaction.user.id if interaction.user else None,
            exc_info=error,
        )
        message = APOLOGY
    try:
        await send_ephemeral(interaction, message)
    except discord.HTTPException:
        log.warning("could not send an error reply for interaction %s", interaction.id)
