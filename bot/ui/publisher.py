"""Posting and editing the public quiz messages through discord.py: the services' publishing port."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from typing import Any

import aiohttp
import discord

from bot.core.delivery import Failure
from bot.core.results import QuestionToPost, ReminderMessage, Reveal, RoundSummary
from bot.services.ports import PublishError
from bot.ui import ids
from bot.ui.buttons import MUTED
from bot.ui.learning.render import reminder_text
from bot.ui.play import render
from bot.ui.play.views import closed_view, question_view

log = logging.getLogger(__name__)

# What sending can raise once discord.py has done its own retries: a missing channel or permission, a
# server error that outlasted the retries, or the network. Each becomes PublishError, which the
# services record instead of letting a round or the daily loop die.
SEND_FAILURES = (discord.HTTPException, aiohttp.ClientError, TimeoutError, OSError)


def failure(exc: BaseException, channel_id: int | None) -> PublishError:
    """What went wrong, as a reason code the services store (the Discord layer words it later)."""
    # Discord's numeric error code (50013, 10003…), never its English text: the database keeps parameters.
    if isinstance(exc, discord.Forbidden):
        return PublishError(Failure("forbidden", channel_id, str(exc.code) if exc.code else None))
    if isinstance(exc, discord.NotFound):
        return PublishError(Failure("gone", channel_id, str(exc.code) if exc.code else None))
    if isinstance(exc, discord.HTTPException):
        return PublishError(Failure("discord", channel_id, f"HTTP {exc.status}"))
    return PublishError(Failure("network", channel_id, type(exc).__name__))


# A send that Discord has not answered within this many seconds is sent again with the same nonce: Discord
# (enforce_nonce, which discord.py 2.7.1 sets whenever a nonce is given) returns the message the first
# attempt created, if it did, instead of a second one.
SEND_TIMEOUT = 10.0
SEND_ATTEMPTS = 3


def nonce(kind: str, *parts: int) -> str:
    """A deterministic nonce of at most 25 characters (Discord's limit) for one bot message."""
    digest = hashlib.blake2b(":".join(map(str, parts)).encode(), digest_size=12).hexdigest()
    return kind[:1] + digest


async def send_once(channel: discord.abc.Messageable, key: str, **fields: Any) -> discord.Message:
    """Send with the nonce ``key``; a timed-out attempt is repeated with the same nonce, so it is one message."""
    for attempt in range(1, SEND_ATTEMPTS + 1):
        try:
            return await asyncio.wait_for(channel.send(nonce=key, **fields), SEND_TIMEOUT)
        except TimeoutError:
            if attempt == SEND_ATTEMPTS:
                raise
            log.warning("a send timed out after %.0f s; sending again with the same nonce", SEND_TIMEOUT)
    raise AssertionError("unreachable")


class DiscordPublisher:
    """Built before the client (the services need it), attached to the client once it exists."""

    def __init__(self) -> None:
        self._bot: discord.Client | None = None

    def attach(self, bot: discord.Client) -> None:
        """Only the client's REST side is used, so any logged-in client will do (the benchmark's is plain)."""
        self._bot = bot

    @property
    def bot(self) -> discord.Client:
        if self._bot is None:
            raise RuntimeError("the publisher is used before the client attached it")
        return self._bot

    def _channel(self, channel_id: int, guild_id: int) -> discord.PartialMessageable:
        return self.bot.get_partial_messageable(channel_id, guild_id=guild_id)

    async def post_question(self, item: QuestionToPost) -> int:
        post = item.post
        view = question_view(post.id, len(item.question.choices), round_post=post.kind == "round")
        try:
            message = await send_once(
                self._channel(post.channel_id, post.guild_id),
                nonce("question", post.guild_id, post.channel_id, post.id),
                embed=render.question_embed(item),
                view=view,
                allowed_mentions=MUTED,
            )
        except SEND_FAILURES as exc:
            raise failure(exc, post.channel_id) from exc
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
            raise failure(exc, post.channel_id) from exc

    async def post_summary(self, summary: RoundSummary) -> int | None:
        rnd = summary.round
        try:
            message = await send_once(
                self._channel(rnd.channel_id, rnd.guild_id),
                nonce("summary", rnd.guild_id, rnd.channel_id, rnd.id),
                embed=render.summary_embed(summary),
                allowed_mentions=MUTED,
            )
        except SEND_FAILURES as exc:
            raise failure(exc, rnd.channel_id) from exc
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
            message = await send_once(
                self._channel(post.channel_id, post.guild_id),
                nonce("daily", post.guild_id, post.channel_id, post.id),
                content=render.daily_ping(role_id),
                embed=render.question_embed(item),
                view=question_view(post.id, len(item.question.choices), round_post=False),
                allowed_mentions=mentions,
            )
        except SEND_FAILURES as exc:
            raise failure(exc, post.channel_id) from exc
        return message.id

    async def find_question_message(self, channel_id: int, guild_id: int, post_id: int) -> int | None:
        prefix = ids.answer_prefix(post_id)  # "quiz:ans:<post_id>:"
        me = self.bot.user.id if self.bot.user else None
        try:
            async for message in self._channel(channel_id, guild_id).history(limit=HISTORY_LIMIT):
                if message.author.id == me and any(cid.startswith(prefix) for cid in _custom_ids(message)):
                    return message.id
        except SEND_FAILURES as exc:
            raise failure(exc, channel_id) from exc
        return None

    async def find_summary_message(self, channel_id: int, guild_id: int, round_id: int) -> int | None:
        mark = render.summary_mark(round_id)
        me = self.bot.user.id if self.bot.user else None
        try:
            async for message in self._channel(channel_id, guild_id).history(limit=HISTORY_LIMIT):
                if message.author.id == me and any((e.footer.text or "").startswith(mark) for e in message.embeds):
                    return message.id
        except SEND_FAILURES as exc:
            raise failure(exc, channel_id) from exc
        return None

    async def send_reminder(self, message: ReminderMessage) -> None:
        try:
            channel = await self.bot.create_dm(discord.Object(message.member_id))
            await channel.send(reminder_text(message, self.bot.get_guild), allowed_mentions=MUTED)
        except SEND_FAILURES as exc:
            raise failure(exc, None) from exc


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
