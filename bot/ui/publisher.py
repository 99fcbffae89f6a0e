"""Posting and editing the public quiz messages through discord.py."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord

from bot.core.results import QuestionToPost, Reveal, RoundSummary
from bot.services.rounds import PublishError
from bot.ui import render
from bot.ui.buttons import MUTED, closed_view, question_view

if TYPE_CHECKING:
    from bot.ui.client import QuizBot

log = logging.getLogger(__name__)


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
        except (discord.Forbidden, discord.NotFound) as exc:
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
        except (discord.Forbidden, discord.NotFound) as exc:
            raise PublishError(str(exc)) from exc

    async def post_summary(self, summary: RoundSummary) -> int | None:
        rnd = summary.round
        try:
            message = await self._channel(rnd.channel_id, rnd.guild_id).send(
                embed=render.summary_embed(summary), allowed_mentions=MUTED
            )
        except (discord.Forbidden, discord.NotFound) as exc:
            raise PublishError(str(exc)) from exc
        return message.id
