"""Live rounds: start, run question by question, skip ahead, stop, and resume after a restart."""

from __future__ import annotations

import asyncio
import logging
import random

from bot.core.errors import NoRoundRunning, NotAllowed, QuestionClosed, QuizError, RoundAlreadyRunning
from bot.core.results import QuestionToPost, RoundSummary
from bot.core.rounds import PostInfo, RoundInfo, deadline, pick_questions
from bot.services.bank import QuestionBank
from bot.services.ports import Clock, Publisher, PublishError
from bot.services.reveal import close_and_reveal
from bot.services.scores import ScoreService
from bot.storage.repository import Repository

log = logging.getLogger(__name__)

SUMMARY_TOP = 5


class RoundService:
    def __init__(
        self, repo: Repository, bank: QuestionBank, scores: ScoreService, clock: Clock, rng: random.Random
    ) -> None:
        self.repo = repo
        self.bank = bank
        self.scores = scores
        self.clock = clock
        self.rng = rng
        self.publisher: Publisher | None = None
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._wakeups: dict[int, asyncio.Event] = {}

    def bind(self, publisher: Publisher) -> None:
        self.publisher = publisher

    # -- commands -------------------------------------------------------------------------------
    async def start(
        self, *, guild_id: int, channel_id: int, member_id: int, deck: str, count: int | None, seconds: int
    ) -> RoundInfo:
        """Start a round in the channel, or explain why not."""
        running = await self.repo.running_round(channel_id)
        if running is not None:
            raise RoundAlreadyRunning(await self._where(running))
        pool = await self.bank.pool(guild_id, deck)
        if not pool:
            raise QuizError(f"The “{deck}” deck has no questions this server can be asked.")
        questions = pick_questions(pool, count, self.rng)
        rnd = await self.repo.create_round(
            guild_id=guild_id,
            channel_id=channel_id,
            started_by=member_id,
            deck=deck,
            questions=questions,
            seconds=seconds,
            now=self.clock(),
        )
        if rnd is None:  # another start won the race for this channel
            running = await self.repo.running_round(channel_id)
            raise RoundAlreadyRunning(await self._where(running) if running else "A round is already running here.")
        self._launch(rnd)
        return rnd

    async def skip(self, *, post_id: int, guild_id: int | None, member_id: int, is_moderator: bool) -> None:
        """Close the round's open question now (the starter or a moderator)."""
        post = await self.repo.get_post(post_id)
        if post is None or post.guild_id != guild_id or post.round_id is None:
            raise QuizError("This button doesn't belong to a round in this server.")
        rnd = await self.repo.get_round(post.round_id)
        if rnd is None or rnd.status != "running" or post.closed_at is not None or rnd.position != post.position:
            raise QuestionClosed("This question has already closed.")
        if member_id != rnd.started_by and not is_moderator:
            raise NotAllowed("Only the member who started this round or a moderator can move it on.")
        await self.repo.shorten_post(post.id, self.clock())
        self._wake(rnd.id)

    async def stop(self, *, channel_id: int, member_id: int, is_moderator: bool) -> RoundInfo:
        """Ask the channel's round to end with its summary."""
        rnd = await self.repo.running_round(channel_id)
        if rnd is None:
            raise NoRoundRunning("No round is running in this channel.")
        if member_id != rnd.started_by and not is_moderator:
            raise NotAllowed("Only the member who started this round or a moderator can stop it.")
        await self.repo.request_stop(rnd.id, member_id)
        current = await self.repo.round_current_post(rnd)
        if current is not None:
            await self.repo.shorten_post(current.id, self.clock())
        if rnd.id in self._tasks:
            self._wake(rnd.id)
        else:
            self._launch(rnd)
        return rnd

    async def resume(self) -> int:
        """Carry on every round that was running when the process stopped."""
        rounds = await self.repo.running_rounds()
        for rnd in rounds:
            if rnd.id not in self._tasks:
                self._launch(rnd)
        return len(rounds)

    async def close(self) -> None:
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    # -- the runner -----------------------------------------------------------------------------
    def _launch(self, rnd: RoundInfo) -> None:
        self._wakeups[rnd.id] = asyncio.Event()
        task = asyncio.create_task(self._run(rnd.id), name=f"round-{rnd.id}")
        self._tasks[rnd.id] = task
        task.add_done_callback(lambda t, rid=rnd.id: self._forget(rid, t))

    def _forget(self, round_id: int, task: asyncio.Task[None]) -> None:
        self._tasks.pop(round_id, None)
        self._wakeups.pop(round_id, None)
        if not task.cancelled() and task.exception() is not None:
            log.error("round %s stopped with an error", round_id, exc_info=task.exception())

    def _wake(self, round_id: int) -> None:
        event = self._wakeups.get(round_id)
        if event is not None:
            event.set()

    async def _run(self, round_id: int) -> None:
        try:
            await self._run_steps(round_id)
        except Exception:
            # A round that cannot go on must not keep its channel blocked until the next restart.
            log.exception("round %s failed; ending it", round_id)
            await self.repo.end_round(round_id, "stopped", self.clock())

    async def _run_steps(self, round_id: int) -> None:
        while True:
            rnd = await self.repo.get_round(round_id)
            if rnd is None or rnd.status != "running":
                return
            post = await self.repo.round_current_post(rnd) if rnd.position else None
            if post is None or post.closed_at is not None:
                if rnd.finished_posting or rnd.stop_requested_by is not None:
                    await self._finish(rnd)
                    return
                post = await self._post_next(rnd)
            elif post.message_id is None:
                # The process stopped between storing the post and recording Discord's answer: the
                # question may be in the channel already, so look before sending it again.
                await self._republish(post, rnd)
            if post is None:
                await self._finish(rnd)
                return
            await self._wait_for_close(rnd.id, post.id)
            await self._close(post, rnd)

    async def _post_next(self, rnd: RoundInfo) -> PostInfo | None:
        question = await self.repo.round_question(rnd.id, rnd.position)
        if question is None:
            return None
        now = self.clock()
        post = await self.repo.create_round_post(rnd, question, now, deadline(now, rnd.seconds))
        try:
            await self._publish(post, rnd)
        except PublishError:
            log.warning("round %s: cannot post in channel %s; ending it", rnd.id, rnd.channel_id)
            await self.repo.close_post(post.id, self.clock())
            await self.repo.end_round(rnd.id, "stopped", self.clock())
            return None
        return post

    async def _publish(self, post: PostInfo, rnd: RoundInfo) -> None:
        assert self.publisher is not None
        message_id = await self.publisher.post_question(
            QuestionToPost(post=post, question=post.question, number=post.position, total=rnd.total)
        )
        await self.repo.set_post_message(post.id, message_id)

    async def _republish(self, post: PostInfo, rnd: RoundInfo) -> None:
        assert self.publisher is not None
        try:
            found = await self.publisher.find_question_message(post.channel_id, post.guild_id, post.id)
        except PublishError:
            found = None  # history unreadable: sending again is better than a question nobody sees
        if found is not None:
            await self.repo.set_post_message(post.id, found)
        else:
            await self._publish(post, rnd)

    async def _wait_for_close(self, round_id: int, post_id: int) -> None:
        event = self._wakeups[round_id]
        while True:
            post = await self.repo.get_post(post_id)
            if post is None or post.closed_at is not None:
                return
            remaining = (post.closes_at - self.clock()).total_seconds()
            if remaining <= 0:
                return
            event.clear()
            try:
                await asyncio.wait_for(event.wait(), timeout=remaining)
            except TimeoutError:
                return

    async def _close(self, post: PostInfo, rnd: RoundInfo) -> None:
        assert self.publisher is not None
        await close_and_reveal(self.repo, self.publisher, self.clock, post, rnd.total)

    async def _finish(self, rnd: RoundInfo) -> None:
        stopped = rnd.stop_requested_by is not None or not rnd.finished_posting
        if not await self.repo.end_round(rnd.id, "stopped" if stopped else "finished", self.clock()):
            return
        summary = RoundSummary(
            round=rnd,
            top=tuple(await self.repo.round_standings(rnd.id, SUMMARY_TOP)),
            asked=rnd.position,
            board=await self.scores.board(rnd.guild_id, 0),
            stopped=stopped,
        )
        assert self.publisher is not None
        try:
            message_id = await self.publisher.post_summary(summary)
        except PublishError:
            log.warning("round %s: could not post its summary", rnd.id)
            return
        if message_id is not None:
            await self.repo.set_summary_message(rnd.id, message_id)

    async def _where(self, rnd: RoundInfo) -> str:
        current = await self.repo.round_current_post(rnd) if rnd.position else None
        text = f"A round is already running in <#{rnd.channel_id}>"
        if current is not None and current.message_id is not None:
            link = f"https://discord.com/channels/{rnd.guild_id}/{rnd.channel_id}/{current.message_id}"
            text += f" — question {current.position} / {rnd.total}: {link}"
        return text + ". Answer along, or use /quiz stop to end it."
