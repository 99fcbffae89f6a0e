"""Posting and editing the public quiz messages through discord.py: the services' publishing port."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import aiohttp
import discord

from bot.core.results import QuestionToPost, Reveal, RoundSummary
from bot.services.ports import PublishError
from bot.ui import ids
from bot.ui.buttons import MUTED
from bot.ui.moderation.render import daily_cannot_post
from bot.ui.play import render
from bot.ui.play.views import closed_view, question_view

if TYPE_CHECKING:
    from bot.ui.client import QuizBot

log = logging.getLogger(__name__)

# What sending can raise once discord.py has done its own retries: a missing channel or permission, a
# server error that outlasted the retries, or the network. Each becomes PublishError, which the
# services record instead of letting a round or the daily loop die.
SEND_FAILURES = (discord.HTTPException, aiohttp.ClientError, TimeoutError, OSError)


class DiscordPublisher:
    def __init__(self, bot: QuizBot) -> None:
        self.bot = bot

    def _channel(self, channel_id: int, guild_id: int) -> discord.PartialMessageable:
        return self.bot.get_partial_messageable(channel_id, guild_id=guild_id)

    async def post_question(self, item: QuestionToPost) -> int:
        post = item.post
        view = question_view(post.id, len(item.question.choices), round_post=post.kind == "round")
        try:
            message = await self._channel(post.channel_id, post.guild_id).send(
                embed=render.question_embed(item), view=view, allowed_mentions=MUTED
            )
        except SEND_FAILURES as exc:
            raise PublishError(str(exc)) from exc
        return message.id

    async def show_reveal(self, reveal: Reveal) -> None:
        post = reveal.post
        if post.message_id is None:
            return
        message = self._channel(post.channel_id, post.guild_id).get_partial_message(post.message_id)
        try:
            await message.edit(
                embed=render.reveal_embed(reveal),
                view=closed_view(post.id, len(post.question.choices), post.question.answer_index),
                allowed_mentions=MUTED,
            )
        except SEND_FAILURES as exc:
            raise PublishError(str(exc)) from exc

    async def post_summary(self, summary: RoundSummary) -> int | None:
        rnd = summary.round
        try:
            message = await self._channel(rnd.channel_id, rnd.guild_id).send(
                embed=render.summary_embed(summary), allowed_mentions=MUTED
            )
        except SEND_FAILURES as exc:
            raise PublishError(str(exc)) from exc
        return message.id

    # -- the daily question ---------------------------------------------------------------------
    async def post_daily(self, item: QuestionToPost, role_id: int | None) -> int:
        post = item.post
        # The role ping is opt-in and the only mention allowed: never everyone, users or other roles.
        mentions = (
            MUTED
            if role_id is None
            else discord.AllowedMentions(
                everyone=False, users=False, replied_user=False, roles=[discord.Object(role_id)]
            )
        )
        try:
            message = await self._channel(post.channel_id, post.guild_id).send(
                content=render.daily_ping(role_id),
                embed=render.question_embed(item),
                view=question_view(post.id, len(item.question.choices), round_post=False),
                allowed_mentions=mentions,
            )
        except discord.Forbidden as exc:
            raise PublishError(daily_cannot_post(post.channel_id, gone=False)) from exc
        except discord.NotFound as exc:
            raise PublishError(daily_cannot_post(post.channel_id, gone=True)) from exc
        except SEND_FAILURES as exc:
            raise PublishError(f"Discord did not take the post ({exc}); next try at the next day's time.") from exc
        return message.id

    async def find_question_message(self, channel_id: int, guild_id: int, post_id: int) -> int | None:
        prefix = ids.answer_prefix(post_id)  # "quiz:ans:<post_id>:"
        me = self.bot.user.id if self.bot.user else None
        try:
            async for message in self._channel(channel_id, guild_id).history(limit=HISTORY_LIMIT):
                if message.author.id == me and any(cid.startswith(prefix) for cid in _custom_ids(message)):
                    return message.id
        except discord.Forbidden as exc:
            raise PublishError(daily_cannot_post(channel_id, gone=False)) from exc
        except discord.NotFound as exc:
            raise PublishError(daily_cannot_post(channel_id, gone=True)) from exc
        except SEND_FAILURES as exc:
            raise PublishError(f"Could not read the channel's recent messages ({exc}).") from exc
        return None


# A post interrupted by a crash is looked for among this many of the channel's latest messages.
HISTORY_LIMIT = 50


def _custom_ids(message: discord.Message) -> list[str]:
    found: list[str] = []
    stack: list[object] = list(message.components)
    while stack:
        component = stack.pop()
        custom_id = getattr(component, "custom_id", None)
        if isinstance(custom_id, str):
            found.append(custom_id)
        stack.extend(getattr(component, "children", None) or ())
    return found
