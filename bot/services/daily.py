"""The daily question's moderator use cases: set it up, turn it off, see its status, post today's now.

Posting itself, on time and exactly once per local day, is the daily scheduler's job.
"""

from __future__ import annotations

from bot.core.delivery import Failure
from bot.core.errors import DailyNotPosted, QuizError, UnknownDeck
from bot.core.results import DailyPosted, DailyStatus
from bot.core.rotation import remaining_in_rotation
from bot.core.schedule import local_date, next_post_at, parse_local_time, parse_timezone
from bot.services.bank import QuestionBank
from bot.services.daily_scheduler import Busy, DailyScheduler, settled, when
from bot.services.ports import Clock
from bot.storage.daily import DailyRepository

LOW_ON_QUESTIONS = 3  # status warns below this many unasked questions
BUSY = "Today's question is being posted right now; check the channel in a moment."


def _link(guild_id: int, channel_id: int, message_id: int) -> str:
    return f"https://discord.com/channels/{guild_id}/{channel_id}/{message_id}"


class DailyService:
    def __init__(self, daily: DailyRepository, bank: QuestionBank, scheduler: DailyScheduler, clock: Clock) -> None:
        self.daily = daily
        self.bank = bank
        self.scheduler = scheduler
        self.clock = clock

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
        if not await self.bank.pool(guild_id, deck):  # an unknown deck explains itself
            raise QuizError(f"The “{deck}” deck has no questions this server can be asked.")
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
        self.scheduler.wake()
        return await self.status(guild_id)

    async def off(self, *, guild_id: int, member_id: int) -> bool:
        """Stop posting; an open daily question still closes (and reveals) at its time."""
        changed = await self.daily.disable(guild_id, member_id, self.clock())
        self.scheduler.wake()
        return changed

    async def status(self, guild_id: int) -> DailyStatus:
        schedule = await self.daily.schedule(guild_id)
        if schedule is None:
            return DailyStatus(configured=False)
        at, tz = when(schedule)
        now = self.clock()
        next_at = next_post_at(now, at, tz, await settled(self.daily, schedule)) if schedule.enabled else None
        try:
            pool = await self.bank.pool(guild_id, schedule.deck)
        except UnknownDeck:
            pool = []  # the deck is gone; the post will record why
        remaining = remaining_in_rotation(pool, await self.daily.asked_ids(guild_id, schedule.cycle))
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
            pool_size=len(pool),
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
        try:
            outcome = await self.scheduler.post_today(schedule)
        except Busy:
            raise QuizError(BUSY) from None
        if outcome is None:  # posted already, here or by another process
            today = local_date(self.clock(), when(schedule)[1])
            existing = await self.daily.day(guild_id, today)
            if existing is None or existing.status != "posted" or not existing.channel_id or not existing.message_id:
                raise QuizError(BUSY)
            return DailyPosted(existing.channel_id, _link(guild_id, existing.channel_id, existing.message_id), True)
        if outcome.failure is not None or outcome.message_id is None:
            raise DailyNotPosted(outcome.failure or Failure("unexpected", outcome.channel_id))
        return DailyPosted(outcome.channel_id, _link(guild_id, outcome.channel_id, outcome.message_id), False)
