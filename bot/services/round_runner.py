"""Runs every live round: posts each question, waits for it to close, reveals it, then sums the round up.

One task per round. All state lives in the database, so ``start()`` after a restart carries on every
round that was running, looking in the channel before re-posting a question that may be there already.
"""

from __future__ import annotations

import asyncio
import logging

from bot.core.errors import StorageUnavailable
from bot.core.posts import PostInfo
from bot.core.results import QuestionToPost
from bot.core.rounds import RoundInfo, deadline
from bot.services.outbox import OutboxWorker
from bot.services.ports import Clock, Publisher, PublishError
from bot.services.reveal import close_and_reveal
from bot.services.scores import ScoreService
from bot.storage.posts import PostRepository
from bot.storage.rounds import RoundRepository

log = logging.getLogger(__name__)

STORAGE_RETRY_S = 5.0


class RoundRunner:
    def __init__(
        self,
        rounds: RoundRepository,
        posts: PostRepository,
        scores: ScoreService,
        publisher: Publisher,
        clock: Clock,
        outbox: OutboxWorker,
    ) -> None:
        self.outbox = outbox
        self.rounds = rounds
        self.posts = posts
        self.scores = scores
        self.publisher = publisher
        self.clock = clock
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._wakeups: dict[int, asyncio.Event] = {}

    async def start(self) -> None:
        resumed = await self.resume()
        if resumed:
            log.info("resuming %d running round(s)", resumed)

    async def resume(self) -> int:
        """Carry on every round that was running when the process stopped; return how many."""
        rounds = await self.rounds.running()
        for rnd in rounds:
            if rnd.id not in self._tasks:
                self.launch(rnd)
        return len(rounds)

    async def close(self) -> None:
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def launch(self, rnd: RoundInfo) -> None:
        self._wakeups[rnd.id] = asyncio.Event()
        task = asyncio.create_task(self._run(rnd.id), name=f"round-{rnd.id}")
        self._tasks[rnd.id] = task
        task.add_done_callback(lambda t, rid=rnd.id: self._forget(rid, t))

    def wake(self, round_id: int) -> None:
        """Re-read the round now: its question was shortened or a stop was asked for."""
        event = self._wakeups.get(round_id)
        if event is not None:
            event.set()

    def wake_or_launch(self, rnd: RoundInfo) -> None:
        if rnd.id in self._tasks:
            self.wake(rnd.id)
        else:
            self.launch(rnd)

    def _forget(self, round_id: int, task: asyncio.Task[None]) -> None:
        self._tasks.pop(round_id, None)
        self._wakeups.pop(round_id, None)
        if not task.cancelled() and task.exception() is not None:
            log.error("round %s stopped with an error", round_id, exc_info=task.exception())

    async def _run(self, round_id: int) -> None:
        while True:
            try:
                await self._run_steps(round_id)
                return
            except StorageUnavailable as exc:
                # A database restart: the steps read the round's state afresh, so they can simply run again.
                log.warning("round %s: %s; carrying on in %g s", round_id, exc.detail, STORAGE_RETRY_S)
                await asyncio.sleep(STORAGE_RETRY_S)
            except Exception:
                # A round that cannot go on must not keep its channel blocked until the next restart.
                log.exception("round %s failed; ending it", round_id)
                await self.rounds.end(round_id, "stopped", self.clock())
                return

    async def _run_steps(self, round_id: int) -> None:
        while True:
            rnd = await self.rounds.get(round_id)
            if rnd is None or rnd.status != "running":
                return
            post = await self.rounds.current_post(rnd) if rnd.position else None
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
            await close_and_reveal(self.posts, self.outbox, self.clock, post, rnd.total)

    async def _post_next(self, rnd: RoundInfo) -> PostInfo | None:
        question = await self.rounds.question(rnd.id, rnd.position)
        if question is None:
            return None
        now = self.clock()
        post = await self.rounds.add_post(rnd, question, now, deadline(now, rnd.seconds))
        try:
            await self._publish(post, rnd)
        except PublishError:
            log.warning("round %s: cannot post in channel %s; ending it", rnd.id, rnd.channel_id)
            await self.posts.close(post.id, self.clock())
            await self.rounds.end(rnd.id, "stopped", self.clock())
            return None
        return post

    async def _publish(self, post: PostInfo, rnd: RoundInfo) -> None:
        message_id = await self.publisher.post_question(
            QuestionToPost(post=post, question=post.question, number=post.position, total=rnd.total)
        )
        await self.posts.set_message(post.id, message_id)

    async def _republish(self, post: PostInfo, rnd: RoundInfo) -> None:
        try:
            found = await self.publisher.find_question_message(post.channel_id, post.guild_id, post.id)
        except PublishError:
            found = None  # history unreadable: sending again is better than a question nobody sees
        if found is not None:
            await self.posts.set_message(post.id, found)
        else:
            await self._publish(post, rnd)

    async def _wait_for_close(self, round_id: int, post_id: int) -> None:
        event = self._wakeups[round_id]
        while True:
            post = await self.posts.get(post_id)
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

    async def _finish(self, rnd: RoundInfo) -> None:
        """End the round; its summary is recorded with the end and posted by the outbox worker."""
        stopped = rnd.stop_requested_by is not None or not rnd.finished_posting
        item = await self.rounds.end_with_summary(rnd.id, "stopped" if stopped else "finished", self.clock())
        if item is not None:
            await self.outbox.carry_out(item)
