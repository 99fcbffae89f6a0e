"""Posts the daily question of every server when it falls due, and closes yesterday's.

Exactly once per local day: the day is claimed in the database, together with its question and
its post row, before anything is sent, and the message id is recorded after sending. A claim that
a crash left unconfirmed is settled on the next pass by looking for the message in the channel
first, so a restart at any moment neither loses the day nor posts it twice. A failed send uses up
the day too (its reason is recorded and shown in status), so the next attempt is the next day's time.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, tzinfo
from typing import Any

from bot.core.content import Question
from bot.core.delivery import Failure
from bot.core.errors import StorageUnavailable, UnknownDeck
from bot.core.posts import PostInfo
from bot.core.results import QuestionToPost
from bot.core.rotation import next_daily
from bot.core.schedule import (
    closes_at,
    due_day,
    local_date,
    next_post_at,
    parse_local_time,
    parse_timezone,
    settled_day,
)
from bot.services.bank import QuestionBank
from bot.services.loop import PassLoop
from bot.services.outbox import OutboxWorker
from bot.services.ports import Clock, Publisher, PublishError
from bot.services.reveal import close_and_reveal
from bot.storage.daily import DailyRepository
from bot.storage.posts import PostRepository
from bot.storage.types import DailySchedule

log = logging.getLogger(__name__)

MAX_SLEEP = 30.0  # seconds: bounds what a missed wake-up or a clock change can cost
MIN_SLEEP = 0.5  # seconds: never spin, even while a due server is busy posting via "post now"
# Servers posted (or closed) at once. Discord allows a bot 50 requests a second in all; at ~100 ms a request,
# a few more than 5 in flight keep that pace, and discord.py's rate-limit handling (the global 429's
# Retry-After) holds the rest back. More would only queue inside discord.py and burn rate-limit answers.
FANOUT = 8


@dataclass(frozen=True, slots=True)
class Outcome:
    """How one attempt at a day's post ended."""

    channel_id: int
    message_id: int | None = None
    failure: Failure | None = None


def when(schedule: DailySchedule) -> tuple[time, tzinfo]:
    return parse_local_time(schedule.local_time), parse_timezone(schedule.timezone)


async def settled(daily: DailyRepository, schedule: DailySchedule) -> date:
    """The latest local day of ``schedule`` that gets no further post (see core.schedule.settled_day)."""
    at, tz = when(schedule)
    return settled_day(schedule.updated_at, at, tz, await daily.last_day(schedule.guild_id))


class Busy(Exception):
    """This process is already posting that server's day."""


class DailyScheduler(PassLoop):
    name = "daily-questions"
    min_sleep = MIN_SLEEP
    max_sleep = MAX_SLEEP

    def __init__(
        self,
        daily: DailyRepository,
        posts: PostRepository,
        bank: QuestionBank,
        publisher: Publisher,
        clock: Clock,
        rng: random.Random,
        outbox: OutboxWorker,
        *,
        fanout: int = FANOUT,
    ) -> None:
        self.outbox = outbox
        self.fanout = fanout
        self.daily = daily
        self.posts = posts
        self.bank = bank
        self.publisher = publisher
        super().__init__(clock)
        self.rng = rng
        # Servers whose day is being claimed or sent in this process: the loop and "post now" never both work on one.
        self._busy: set[int] = set()

    async def step(self) -> datetime | None:
        return await self.tick()

    # -- one pass -------------------------------------------------------------------------------
    async def tick(self) -> datetime | None:
        """One pass: settle interrupted posts, post where due, then close expired ones; return the next event.

        Only what is due is read (schedules by their indexed next post time, open posts by their closing
        time), so a pass with nothing to do costs the same with ten servers or ten thousand. Due servers
        are posted concurrently, at most ``fanout`` at a time, all of today's posts before yesterday's
        closing edits: a member sees the new question first, and the old one's answers stay accepted
        until its closing time anyway.
        """
        for day in await self.daily.claimed_days():
            try:
                await self._recover(day.guild_id, day.post_id, day.local_date)
            except Exception:
                log.exception("daily: could not settle the interrupted post of guild %s", day.guild_id)
        due = await self.daily.due_schedules(self.clock())
        if due:
            await self._bounded([self._post_if_due(schedule) for schedule in due], "pass failed for guild")
        expired = await self.posts.expired_daily(self.clock())
        if expired:
            await self._bounded([self._close(post) for post in expired], "could not close a post of guild")
        return await self.next_event()

    async def next_event(self) -> datetime | None:
        """The next post or close time: two index lookups."""
        upcoming = [at for at in (await self.daily.next_due(), await self.posts.next_daily_close()) if at]
        return min(upcoming, default=None)

    async def _bounded(self, jobs: list[Coroutine[Any, Any, object]], what: str) -> None:
        """Run the jobs, ``fanout`` at a time; one server's trouble never keeps the others from theirs."""
        gate = asyncio.Semaphore(self.fanout)

        async def one(job: Coroutine[Any, Any, object]) -> None:
            async with gate:
                try:
                    await job
                except Exception:
                    log.exception("daily: %s", what)

        await asyncio.gather(*(one(job) for job in jobs))

    async def _post_if_due(self, schedule: DailySchedule) -> None:
        at, tz = when(schedule)
        last = await settled(self.daily, schedule)
        day = due_day(self.clock(), at, tz, last)
        if day is not None and self._hold(schedule.guild_id):
            try:
                next_at = next_post_at(self.clock(), at, tz, day)
                if await self._claim_and_send(schedule, day, retry_failed=False, next_at=next_at, close_first=False):
                    return  # the claim stored the next post time
            finally:
                self._release(schedule.guild_id)
        await self.daily.set_next(
            schedule.guild_id, next_post_at(self.clock(), at, tz, await settled(self.daily, schedule))
        )

    # -- a moderator's "post now" -----------------------------------------------------------------
    async def post_today(self, schedule: DailySchedule) -> Outcome | None:
        """Post today's question now; None when today's is already up (here or by another process).

        Raises Busy while this process is posting that server's day.
        """
        today = local_date(self.clock(), when(schedule)[1])
        if not self._hold(schedule.guild_id):
            raise Busy
        try:
            existing = await self.daily.day(schedule.guild_id, today)
            if existing is not None and existing.status == "claimed" and existing.post_id is not None:
                post = await self.posts.get(existing.post_id)
                return await self._deliver(schedule, post, today, look_first=True) if post else None
            if existing is not None and existing.status == "failed" and existing.post_id is not None:
                channel_id = existing.channel_id or schedule.channel_id
                found = await self._sent_after_all(channel_id, existing.post_id, guild_id=schedule.guild_id)
                if found is not None:  # the send that "failed" (timed out) had reached Discord: that is today's
                    await self.daily.reopen(schedule.guild_id, today, existing.post_id, found)
                    return Outcome(channel_id, found)
            if existing is None or existing.status == "failed":
                return await self._claim_and_send(schedule, today, retry_failed=True)
            return None
        finally:
            self._release(schedule.guild_id)

    async def _sent_after_all(self, channel_id: int, post_id: int, *, guild_id: int) -> int | None:
        """The message of a post whose send was recorded as failed, if Discord had created it after all."""
        try:
            return await self.publisher.find_question_message(channel_id, guild_id, post_id)
        except PublishError:
            return None

    # -- posting ------------------------------------------------------------------------------
    def _hold(self, guild_id: int) -> bool:
        if guild_id in self._busy:
            return False
        self._busy.add(guild_id)
        return True

    def _release(self, guild_id: int) -> None:
        self._busy.discard(guild_id)

    async def _pool(self, schedule: DailySchedule) -> Sequence[Question] | Failure:
        try:
            pool = await self.bank.pool(schedule.guild_id, schedule.deck)
        except UnknownDeck:
            return Failure("unknown_deck", schedule.channel_id, schedule.deck)
        return pool or Failure("empty_deck", schedule.channel_id, schedule.deck)

    async def _claim_and_send(
        self,
        schedule: DailySchedule,
        day: date,
        *,
        retry_failed: bool,
        next_at: datetime | None = None,
        close_first: bool = True,
    ) -> Outcome | None:
        """Claim ``day`` (storing the schedule's ``next_at`` with it) and send its question; None if the
        day was already taken. ``close_first`` closes the open post before sending (a moderator's "post
        now"); the loop closes expired posts after all of a pass's posts instead."""
        guild_id = schedule.guild_id
        pool = await self._pool(schedule)
        if isinstance(pool, Failure):
            await self.daily.fail_unclaimed(guild_id, day, pool, self.clock())
            return None if next_at is not None else Outcome(schedule.channel_id, failure=pool)
        at, tz = when(schedule)
        now = self.clock()
        post = await self.daily.claim(
            guild_id=guild_id,
            day=day,
            channel_id=schedule.channel_id,
            choose=lambda asked, cycle: next_daily(pool, asked, cycle, self.rng),
            opened=now,
            closes=closes_at(now, at, tz, day),
            retry_failed=retry_failed,
            next_at=next_at,
        )
        if post is None:
            return None
        return await self._deliver(schedule, post, day, look_first=False, close_first=close_first)

    async def _recover(self, guild_id: int, post_id: int | None, day: date) -> None:
        if not self._hold(guild_id):
            return  # being posted by this process right now
        try:
            schedule = await self.daily.schedule(guild_id)
            post = await self.posts.get(post_id) if post_id is not None else None
            if schedule is None or post is None:
                failure = Failure("interrupted", schedule.channel_id if schedule else None)
                await self.daily.fail(guild_id, day, post_id, failure, self.clock())
                return
            await self._deliver(schedule, post, day, look_first=True)
        finally:
            self._release(guild_id)

    async def _deliver(
        self, schedule: DailySchedule, post: PostInfo, day: date, *, look_first: bool, close_first: bool = True
    ) -> Outcome:
        """Send the claimed post (after looking for it first when a crash may have sent it) and record it."""
        guild_id = schedule.guild_id
        try:
            if look_first:
                found = await self.publisher.find_question_message(post.channel_id, guild_id, post.id)
                if found is not None:
                    await self.daily.confirm(guild_id, day, post.id, found)
                    return Outcome(post.channel_id, found)
                if day != local_date(self.clock(), when(schedule)[1]):
                    return await self._fail(guild_id, day, post, Failure("interrupted", post.channel_id))
            if close_first:
                await self._close_open(guild_id)  # yesterday's question closes as today's appears
            message_id = await self.publisher.post_daily(
                QuestionToPost(post=post, question=post.question, number=None, total=None), schedule.role_id
            )
        except PublishError as exc:
            log.warning("daily: guild %s channel %s: %s", guild_id, post.channel_id, exc)
            return await self._fail(guild_id, day, post, exc.failure)
        except StorageUnavailable:
            # Not the day's fault: it stays claimed, and the next pass looks for the post before sending it.
            raise
        except Exception:
            log.exception("daily: posting failed for guild %s", guild_id)
            return await self._fail(guild_id, day, post, Failure("unexpected", post.channel_id))
        await self.daily.confirm(guild_id, day, post.id, message_id)
        log.info("daily: posted %s for guild %s (%s)", post.question.id, guild_id, day.isoformat())
        return Outcome(post.channel_id, message_id)

    async def _fail(self, guild_id: int, day: date, post: PostInfo, failure: Failure) -> Outcome:
        await self.daily.fail(guild_id, day, post.id, failure, self.clock())
        return Outcome(post.channel_id, failure=failure)

    async def _close_open(self, guild_id: int) -> None:
        for post in await self.posts.open_daily(guild_id):
            try:  # a reveal that fails must not cost today's post
                await self._close(post)
            except StorageUnavailable:
                raise
            except Exception:
                log.exception("daily: could not close post %s", post.id)

    async def _close(self, post: PostInfo) -> None:
        """Close the post and edit its message to show the answer, the distribution and the explanation."""
        await close_and_reveal(self.posts, self.outbox, self.clock, post, None)
