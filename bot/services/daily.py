"""The daily question: moderators' settings, one post per server per local day, and closing it.

Exactly once per local day: the day is claimed in the database, together with its question and
its post row, before anything is sent, and the message id is recorded after sending. A claim that
a crash left unconfirmed is settled on the next pass by looking for the message in the channel
first, so a restart at any moment neither loses the day nor posts it twice. A failed send uses up
the day too (it is recorded and shown in status), so the next attempt is the next day's time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from bot.core.content import Question
from bot.core.errors import QuizError
from bot.core.results import DailyPosted, DailyStatus, QuestionToPost
from bot.core.rounds import PostInfo
from bot.core.schedule import (
    closes_at,
    due_day,
    local_date,
    next_post_at,
    parse_local_time,
    parse_timezone,
    post_time_on,
)
from bot.services.bank import QuestionBank
from bot.services.ports import Clock, Publisher, PublishError
from bot.services.reveal import close_and_reveal
from bot.storage.daily import DailyRepository, DailySchedule
from bot.storage.repository import Repository

log = logging.getLogger(__name__)

LOW_ON_QUESTIONS = 3  # status warns below this many unasked questions
MAX_SLEEP = 30.0  # seconds: bounds what a missed wake-up or a clock change can cost
MIN_SLEEP = 0.5  # seconds: never spin, even while a due server is busy posting via /now
BUSY = "Today's question is being posted right now; check the channel in a moment."
INTERRUPTED = "The bot stopped while posting that day's question, and the day was over when it came back."
UNEXPECTED = "Posting failed unexpectedly (it has been logged); I'll try again at the next day's time."


@dataclass(frozen=True, slots=True)
class _Outcome:
    channel_id: int
    message_id: int | None = None
    error: str | None = None


def _when(schedule: DailySchedule) -> tuple[time, tzinfo]:
    return parse_local_time(schedule.local_time), parse_timezone(schedule.timezone)


def _link(guild_id: int, channel_id: int, message_id: int) -> str:
    return f"https://discord.com/channels/{guild_id}/{channel_id}/{message_id}"


class DailyService:
    def __init__(
        self, repo: Repository, daily: DailyRepository, bank: QuestionBank, clock: Clock, rng: random.Random
    ) -> None:
        self.repo = repo
        self.daily = daily
        self.bank = bank
        self.clock = clock
        self.rng = rng
        self.publisher: Publisher | None = None
        self._task: asyncio.Task[None] | None = None
        self._wakeup = asyncio.Event()
        # Servers whose day is being claimed or sent in this process: the loop and /now never both work on one.
        self._busy: set[int] = set()

    def bind(self, publisher: Publisher) -> None:
        self.publisher = publisher

    # -- moderator commands -----------------------------------------------------------------------
    async def set(
        self,
        *,
        guild_id: int,
        member_id: int,
        channel_id: int,
        time_text: str,
        timezone: str,
        deck: str,
        role_id: int | None,
    ) -> DailyStatus:
        """Validate and store the schedule; the first post is the next time of day after now."""
        try:
            at = parse_local_time(time_text)
            zone = parse_timezone(timezone)
        except ValueError as exc:
            raise QuizError(f"{exc} Nothing was changed.") from None
        await self._pool(guild_id, deck)
        await self.daily.save_schedule(
            guild_id=guild_id,
            channel_id=channel_id,
            local_time=at.strftime("%H:%M"),
            timezone=zone.key,
            deck=deck,
            role_id=role_id,
            member_id=member_id,
            now=self.clock(),
        )
        self.wake()
        return await self.status(guild_id)

    async def off(self, *, guild_id: int, member_id: int) -> bool:
        """Stop posting; an open daily question still closes (and reveals) at its time."""
        changed = await self.daily.disable(guild_id, member_id, self.clock())
        self.wake()
        return changed

    async def status(self, guild_id: int) -> DailyStatus:
        schedule = await self.daily.schedule(guild_id)
        if schedule is None:
            return DailyStatus(configured=False)
        at, tz = _when(schedule)
        now = self.clock()
        next_at = next_post_at(now, at, tz, await self._floor(schedule, at, tz)) if schedule.enabled else None
        try:
            pool_ids = [q.id for q in await self._pool(guild_id, schedule.deck)]
        except QuizError:
            pool_ids = []  # the deck is gone or empty; the post will record why
        asked = await self.daily.asked_ids(guild_id, schedule.cycle)
        remaining = sum(1 for qid in pool_ids if qid not in asked)
        today = await self.daily.day(guild_id, local_date(now, tz))
        link = None
        if today is not None and today.status == "posted" and today.channel_id and today.message_id:
            link = _link(guild_id, today.channel_id, today.message_id)
        return DailyStatus(
            configured=True,
            enabled=schedule.enabled,
            channel_id=schedule.channel_id,
            local_time=schedule.local_time,
            timezone=schedule.timezone,
            deck=schedule.deck,
            role_id=schedule.role_id,
            next_post_at=next_at,
            next_post_local=next_at.astimezone(tz) if next_at else None,
            remaining=remaining,
            pool_size=len(pool_ids),
            low_on_questions=remaining < LOW_ON_QUESTIONS,
            today_link=link,
            last_error=schedule.last_error,
            last_error_at=schedule.last_error_at,
        )

    async def post_now(self, *, guild_id: int) -> DailyPosted:
        """Post today's question now; it counts as today's, so the scheduled time posts nothing more."""
        schedule = await self.daily.schedule(guild_id)
        if schedule is None or not schedule.enabled:
            raise QuizError("The daily question is off here. Turn it on with /quiz-admin daily set first.")
        _, tz = _when(schedule)
        today = local_date(self.clock(), tz)
        if not self._hold(guild_id):
            raise QuizError(BUSY)
        try:
            existing = await self.daily.day(guild_id, today)
            if existing is not None and existing.status == "claimed" and existing.post_id is not None:
                post = await self.repo.get_post(existing.post_id)
                outcome = await self._deliver(schedule, post, today, look_first=True) if post else None
            elif existing is None or existing.status == "failed":
                outcome = await self._claim_and_send(schedule, today, retry_failed=True)
            else:
                outcome = None
        finally:
            self._release(guild_id)
        if outcome is None:  # posted already, here or by another process
            existing = await self.daily.day(guild_id, today)
            if existing is None or existing.status != "posted" or not existing.channel_id or not existing.message_id:
                raise QuizError(BUSY)
            return DailyPosted(existing.channel_id, _link(guild_id, existing.channel_id, existing.message_id), True)
        if outcome.error is not None or outcome.message_id is None:
            raise QuizError(f"Today's question could not be posted: {outcome.error} Fix it and try again.")
        return DailyPosted(outcome.channel_id, _link(guild_id, outcome.channel_id, outcome.message_id), False)

    # -- the loop -----------------------------------------------------------------------------
    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="daily-questions")
            self._task.add_done_callback(self._stopped)

    async def close(self) -> None:
        task = self._task
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    def wake(self) -> None:
        """Re-plan now: a schedule changed."""
        self._wakeup.set()

    def _stopped(self, task: asyncio.Task[None]) -> None:
        self._task = None
        if not task.cancelled() and task.exception() is not None:
            log.error("the daily-question loop stopped with an error", exc_info=task.exception())

    async def _run(self) -> None:
        while True:
            self._wakeup.clear()  # before the pass, so a change during it triggers another pass
            try:
                next_at = await self.tick()
            except Exception:
                log.exception("daily-question pass failed; trying again shortly")
                next_at = None
            delay = MAX_SLEEP if next_at is None else (next_at - self.clock()).total_seconds()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), timeout=min(max(delay, MIN_SLEEP), MAX_SLEEP))

    async def tick(self) -> datetime | None:
        """One pass: settle interrupted posts, close expired ones, post where due; return the next event."""
        for day in await self.daily.claimed_days():
            try:
                await self._recover(day.guild_id, day.post_id, day.local_date)
            except Exception:
                log.exception("daily: could not settle the interrupted post of guild %s", day.guild_id)
        upcoming: list[datetime] = []
        for post in await self.daily.open_posts():
            if post.closes_at > self.clock():
                upcoming.append(post.closes_at)
                continue
            try:
                await self._close(post)
            except Exception:
                log.exception("daily: could not close post %s", post.id)
        for schedule in await self.daily.enabled_schedules():
            try:  # one server's trouble never keeps the others from their post
                upcoming.append(await self._post_if_due(schedule))
            except Exception:
                log.exception("daily: pass failed for guild %s", schedule.guild_id)
        return min(upcoming, default=None)

    async def _post_if_due(self, schedule: DailySchedule) -> datetime:
        at, tz = _when(schedule)
        floor = await self._floor(schedule, at, tz)
        day = due_day(self.clock(), at, tz, floor)
        if day is not None and self._hold(schedule.guild_id):
            try:
                await self._claim_and_send(schedule, day, retry_failed=False)
            finally:
                self._release(schedule.guild_id)
            floor = await self._floor(schedule, at, tz)
        return next_post_at(self.clock(), at, tz, floor)

    async def _floor(self, schedule: DailySchedule, at: time, tz: tzinfo) -> date:
        """The latest local day that gets no (further) post: the last one claimed, or the day the
        schedule was set if its time had already passed, so setting 09:00 at noon waits for tomorrow."""
        set_day = local_date(schedule.updated_at, tz)
        floor = set_day if post_time_on(set_day, at, tz) <= schedule.updated_at else set_day - timedelta(days=1)
        last = await self.daily.last_day(schedule.guild_id)
        return max(floor, last) if last is not None else floor

    # -- posting ------------------------------------------------------------------------------
    def _hold(self, guild_id: int) -> bool:
        if guild_id in self._busy:
            return False
        self._busy.add(guild_id)
        return True

    def _release(self, guild_id: int) -> None:
        self._busy.discard(guild_id)

    async def _pool(self, guild_id: int, deck: str) -> list[Question]:
        pool = await self.bank.pool(guild_id, deck)  # UnknownDeck explains itself
        if not pool:
            raise QuizError(f"The “{deck}” deck has no questions this server can be asked.")
        return pool

    async def _claim_and_send(self, schedule: DailySchedule, day: date, *, retry_failed: bool) -> _Outcome | None:
        """Claim ``day`` and send its question; None if the day was already taken."""
        guild_id = schedule.guild_id
        try:
            pool = await self._pool(guild_id, schedule.deck)
        except QuizError as exc:
            await self.daily.fail_unclaimed(guild_id, day, exc.user_message, self.clock())
            return _Outcome(schedule.channel_id, error=exc.user_message)
        at, tz = _when(schedule)
        now = self.clock()
        post = await self.daily.claim(
            guild_id=guild_id,
            day=day,
            channel_id=schedule.channel_id,
            pool=pool,
            choose=self.rng.choice,
            opened=now,
            closes=closes_at(now, at, tz, day),
            retry_failed=retry_failed,
        )
        if post is None:
            return None
        return await self._deliver(schedule, post, day, look_first=False)

    async def _recover(self, guild_id: int, post_id: int | None, day: date) -> None:
        if not self._hold(guild_id):
            return  # being posted by this process right now
        try:
            schedule = await self.daily.schedule(guild_id)
            post = await self.repo.get_post(post_id) if post_id is not None else None
            if schedule is None or post is None:
                await self.daily.fail(guild_id, day, post_id, INTERRUPTED, self.clock())
                return
            await self._deliver(schedule, post, day, look_first=True)
        finally:
            self._release(guild_id)

    async def _deliver(self, schedule: DailySchedule, post: PostInfo, day: date, *, look_first: bool) -> _Outcome:
        """Send the claimed post (after looking for it first when a crash may have sent it) and record it."""
        assert self.publisher is not None, "bind() a publisher first"
        guild_id = schedule.guild_id
        try:
            if look_first:
                found = await self.publisher.find_question_message(post.channel_id, guild_id, post.id)
                if found is not None:
                    await self.daily.confirm(guild_id, day, post.id, found)
                    return _Outcome(post.channel_id, found)
                if day != local_date(self.clock(), _when(schedule)[1]):
                    return await self._fail(guild_id, day, post, INTERRUPTED)
            await self._close_open(guild_id)  # yesterday's question closes as today's appears
            message_id = await self.publisher.post_daily(
                QuestionToPost(post=post, question=post.question, number=None, total=None), schedule.role_id
            )
        except PublishError as exc:
            log.warning("daily: guild %s channel %s: %s", guild_id, post.channel_id, exc)
            return await self._fail(guild_id, day, post, str(exc))
        except Exception:
            log.exception("daily: posting failed for guild %s", guild_id)
            return await self._fail(guild_id, day, post, UNEXPECTED)
        await self.daily.confirm(guild_id, day, post.id, message_id)
        log.info("daily: posted %s for guild %s (%s)", post.question.id, guild_id, day.isoformat())
        return _Outcome(post.channel_id, message_id)

    async def _fail(self, guild_id: int, day: date, post: PostInfo, error: str) -> _Outcome:
        await self.daily.fail(guild_id, day, post.id, error, self.clock())
        return _Outcome(post.channel_id, error=error)

    async def _close_open(self, guild_id: int) -> None:
        for post in await self.daily.open_posts(guild_id):
            try:  # a reveal that fails must not cost today's post
                await self._close(post)
            except Exception:
                log.exception("daily: could not close post %s", post.id)

    async def _close(self, post: PostInfo) -> None:
        """Close the post and edit its message to show the answer, the distribution and the explanation."""
        assert self.publisher is not None
        await close_and_reveal(self.repo, self.publisher, self.clock, post, None)
