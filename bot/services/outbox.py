"""Carries out what closing owes Discord: a closed post's reveal edit and an ended round's summary.

The close records the item in the outbox in its own transaction (see bot/storage/outbox.py); the closer
then asks this worker to carry it out at once (``carry_out``), and the worker's loop retries what failed
with a backoff, and at start picks up whatever a crash left. A message or channel that is gone (or that
the bot may no longer use) drops the item with a log line: there is nothing left to edit.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

from bot.core.results import Reveal, RoundSummary
from bot.services.loop import PassLoop
from bot.services.ports import Clock, Publisher, PublishError
from bot.services.scores import ScoreService
from bot.storage.outbox import OutboxRepository
from bot.storage.posts import PostRepository
from bot.storage.rounds import RoundRepository
from bot.storage.types import OutboxItem

log = logging.getLogger(__name__)

SUMMARY_TOP = 5
MAX_SLEEP = 30.0  # seconds between looks at the outbox when nothing is scheduled sooner
BACKOFF_FIRST = 2.0  # seconds before the first retry; doubled each time
BACKOFF_MAX = 300.0
MAX_ATTEMPTS = 10  # then the item is dropped with a log line
DROP = frozenset({"gone", "forbidden"})  # the message or channel is gone, or closed to the bot


class OutboxWorker(PassLoop):
    name = "outbox"
    max_sleep = MAX_SLEEP

    def __init__(
        self,
        outbox: OutboxRepository,
        posts: PostRepository,
        rounds: RoundRepository,
        scores: ScoreService,
        publisher: Publisher,
        clock: Clock,
    ) -> None:
        self.outbox = outbox
        self.posts = posts
        self.rounds = rounds
        self.scores = scores
        self.publisher = publisher
        super().__init__(clock)
        self._inflight: set[int] = set()
        self._started = clock()  # items older than this process may have reached Discord before it began

    async def step(self) -> datetime | None:
        return await self.pass_once()

    async def pass_once(self) -> datetime | None:
        """Carry out every item whose time has come; return when the next one is due."""
        while True:
            items = [item for item in await self.outbox.due(self.clock()) if item.id not in self._inflight]
            if not items:
                break
            await asyncio.gather(*(self.carry_out(item.id) for item in items))
        return await self.outbox.next_at()

    # -- one item -------------------------------------------------------------------------------
    async def carry_out(self, item_id: int) -> bool:
        """Carry out one item now; True when it is done (or dropped), False when it waits for a retry."""
        if item_id in self._inflight:
            return False
        self._inflight.add(item_id)
        try:
            item = await self.outbox.get(item_id)
            if item is None:
                return True  # done meanwhile
            try:
                await self._carry(item)
            except PublishError as exc:
                return await self._failed(item, exc)
            except Exception:
                log.exception("outbox: %s %s failed unexpectedly", item.kind, item.post_id or item.round_id)
                await self.outbox.retry_at(item.id, self._backoff(item))
                return False
            await self.outbox.done(item.id)
            return True
        finally:
            self._inflight.discard(item_id)

    async def _carry(self, item: OutboxItem) -> None:
        if item.kind == "reveal" and item.post_id is not None:
            post = await self.posts.get(item.post_id)
            if post is None or post.message_id is None:
                return  # never reached Discord: nothing to edit
            counts = await self.posts.choice_counts(post)
            await self.publisher.show_reveal(Reveal(post=post, counts=counts, round_total=item.round_total))
        elif item.kind == "summary" and item.round_id is not None:
            rnd = await self.rounds.get(item.round_id)
            if rnd is None or rnd.summary_message_id is not None:
                return  # gone, or posted and recorded before a crash kept the item
            if item.attempts > 0 or item.created_at < self._started:
                # An earlier try may have reached Discord (a crash or a timeout after the send); its nonce
                # only guards for minutes, so look in the channel before sending again.
                found = await self.publisher.find_summary_message(rnd.channel_id, rnd.guild_id, rnd.id)
                if found is not None:
                    await self.rounds.set_summary_message(rnd.id, found)
                    return
            summary = RoundSummary(
                round=rnd,
                top=tuple(await self.rounds.standings(rnd.id, SUMMARY_TOP)),
                asked=rnd.position,
                board=await self.scores.board(rnd.guild_id, 0),
                stopped=rnd.status == "stopped",
            )
            message_id = await self.publisher.post_summary(summary)
            if message_id is not None:
                await self.rounds.set_summary_message(rnd.id, message_id)

    async def _failed(self, item: OutboxItem, exc: PublishError) -> bool:
        what = (
            f"{item.kind} of {'post ' + str(item.post_id) if item.kind == 'reveal' else 'round ' + str(item.round_id)}"
        )
        if exc.failure.code in DROP or item.attempts + 1 >= MAX_ATTEMPTS:
            log.warning("outbox: dropping the %s after %d attempt(s): %s", what, item.attempts + 1, exc)
            await self.outbox.done(item.id)
            return True
        when = self._backoff(item)
        log.warning("outbox: the %s failed (%s); retrying at %s", what, exc, when.isoformat())
        await self.outbox.retry_at(item.id, when)
        self.wake()
        return False

    def _backoff(self, item: OutboxItem) -> datetime:
        return self.clock() + timedelta(seconds=min(BACKOFF_FIRST * 2**item.attempts, BACKOFF_MAX))
