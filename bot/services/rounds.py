"""Round use cases: start a round, move it on, stop it. The round runner does the posting."""

from __future__ import annotations

import random

from bot.core.content import Difficulty
from bot.core.errors import (
    NoRoundRunning,
    NotAllowed,
    QuestionClosed,
    QuizError,
    RoundAlreadyRunning,
    UnknownTopic,
)
from bot.core.rounds import RoundInfo, narrow, pick_questions, topic_sizes
from bot.services.bank import QuestionBank
from bot.services.ports import Clock
from bot.services.round_runner import RoundRunner
from bot.storage.posts import PostRepository
from bot.storage.rounds import RoundRepository


class RoundService:
    def __init__(
        self,
        rounds: RoundRepository,
        posts: PostRepository,
        bank: QuestionBank,
        runner: RoundRunner,
        clock: Clock,
        rng: random.Random,
    ) -> None:
        self.rounds = rounds
        self.posts = posts
        self.bank = bank
        self.runner = runner
        self.clock = clock
        self.rng = rng

    async def start(
        self,
        *,
        guild_id: int,
        channel_id: int,
        member_id: int,
        deck: str,
        count: int | None,
        seconds: int,
        topic: str | None = None,
        difficulty: Difficulty | None = None,
    ) -> RoundInfo:
        """Start a round in the channel (of one topic and difficulty, if given), or explain why not."""
        running = await self.rounds.running_in(channel_id)
        if running is not None:
            raise RoundAlreadyRunning(await self._where(running))
        pool = await self.bank.pool(guild_id, deck)
        if not pool:
            raise QuizError(f"The “{deck}” deck has no questions this server can be asked.")
        sizes = topic_sizes(pool)
        if topic is not None and topic not in sizes:
            known = ", ".join(sizes)
            raise UnknownTopic(f"The “{deck}” deck has no topic “{topic}”. Topics: {known}. Nothing was started.")
        chosen = narrow(pool, topic, difficulty)
        if not chosen:
            raise QuizError(
                f"No {difficulty} question in topic “{topic}”: its {sizes[topic or '']} question(s) are of other "
                "difficulties. Pick another difficulty, or leave it out. Nothing was started."
                if topic is not None
                else f"The “{deck}” deck has no {difficulty} question this server can be asked. Nothing was started."
            )
        questions = pick_questions(chosen, count, self.rng)
        rnd = await self.rounds.create(
            guild_id=guild_id,
            channel_id=channel_id,
            started_by=member_id,
            deck=deck,
            questions=questions,
            seconds=seconds,
            now=self.clock(),
        )
        if rnd is None:  # another start won the race for this channel
            running = await self.rounds.running_in(channel_id)
            raise RoundAlreadyRunning(await self._where(running) if running else "A round is already running here.")
        self.runner.launch(rnd)
        return rnd

    async def topics(self, guild_id: int, deck: str) -> dict[str, int]:
        """The deck's topics in this server with their number of questions, biggest first."""
        return topic_sizes(await self.bank.pool(guild_id, deck))

    async def skip(self, *, post_id: int, guild_id: int | None, member_id: int, is_moderator: bool) -> None:
        """Close the round's open question now (the starter or a moderator)."""
        post = await self.posts.get(post_id)
        if post is None or post.guild_id != guild_id or post.round_id is None:
            raise QuizError("This button doesn't belong to a round in this server.")
        rnd = await self.rounds.get(post.round_id)
        if rnd is None or rnd.status != "running" or post.closed_at is not None or rnd.position != post.position:
            raise QuestionClosed("This question has already closed.")
        if member_id != rnd.started_by and not is_moderator:
            raise NotAllowed("Only the member who started this round or a moderator can move it on.")
        await self.posts.shorten(post.id, self.clock())
        self.runner.wake(rnd.id)

    async def stop(self, *, channel_id: int, member_id: int, is_moderator: bool) -> RoundInfo:
        """Ask the channel's round to end with its summary."""
        rnd = await self.rounds.running_in(channel_id)
        if rnd is None:
            raise NoRoundRunning("No round is running in this channel.")
        if member_id != rnd.started_by and not is_moderator:
            raise NotAllowed("Only the member who started this round or a moderator can stop it.")
        await self.rounds.request_stop(rnd.id, member_id)
        current = await self.rounds.current_post(rnd)
        if current is not None:
            await self.posts.shorten(current.id, self.clock())
        self.runner.wake_or_launch(rnd)
        return rnd

    async def _where(self, rnd: RoundInfo) -> str:
        current = await self.rounds.current_post(rnd) if rnd.position else None
        text = f"A round is already running in <#{rnd.channel_id}>"
        if current is not None and current.message_id is not None:
            link = f"https://discord.com/channels/{rnd.guild_id}/{rnd.channel_id}/{current.message_id}"
            text += f" — question {current.position} / {rnd.total}: {link}"
        return text + ". Answer along, or use /quiz stop to end it."
