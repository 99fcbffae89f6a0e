"""Opt-in review reminders: members' settings, and the loop that sends at most one direct message a day."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot.core.content import DEFAULT_DECK
from bot.core.errors import QuizError
from bot.core.results import DueReviews, Reminder, ReminderMessage
from bot.core.schedule import local_date, parse_local_time, parse_timezone, post_time_on
from bot.services.bank import QuestionBank
from bot.services.loop import PassLoop
from bot.services.ports import Clock, Publisher, PublishError
from bot.storage.daily import DailyRepository
from bot.storage.reminders import ReminderRepository
from bot.storage.reviews import ReviewRepository
from bot.storage.rounds import RoundRepository

log = logging.getLogger(__name__)

PASS_EVERY = 60.0  # seconds: a reminder goes out within a minute of its time
# Never two reminders closer than this, even when a member moves theirs to a timezone far ahead (their local
# date then turns over early); 20 hours rather than 24 lets a member move their time earlier by a few hours.
MIN_SPACING = timedelta(hours=20)


class ReminderService:
    def __init__(self, reminders: ReminderRepository, scheduler: ReminderScheduler, clock: Clock) -> None:
        self.reminders = reminders
        self.scheduler = scheduler
        self.clock = clock

    async def turn_on(self, *, member_id: int, guild_id: int, time_text: str, timezone: str) -> Reminder:
        try:
            at = parse_local_time(time_text)
            zone = parse_timezone(timezone)
        except ValueError as exc:
            raise QuizError(f"{exc} Nothing was changed.") from None
        await self.reminders.turn_on(member_id, guild_id, at.strftime("%H:%M"), zone.key, self.clock())
        self.scheduler.wake()
        reminder = await self.reminders.get(member_id)
        assert reminder is not None  # just written
        return reminder

    async def turn_off(self, *, member_id: int) -> bool:
        return await self.reminders.turn_off(member_id, self.clock())

    async def status(self, *, member_id: int) -> Reminder | None:
        return await self.reminders.get(member_id)


class ReminderScheduler(PassLoop):
    """Sends each member's reminder at their local time, only when a review is due, never twice a day."""

    name = "review-reminders"
    max_sleep = PASS_EVERY

    def __init__(
        self,
        reminders: ReminderRepository,
        reviews: ReviewRepository,
        daily: DailyRepository,
        rounds: RoundRepository,
        bank: QuestionBank,
        publisher: Publisher,
        clock: Clock,
    ) -> None:
        self.reminders = reminders
        self.reviews = reviews
        self.daily = daily
        self.rounds = rounds
        self.bank = bank
        self.publisher = publisher
        super().__init__(clock)

    async def step(self) -> datetime | None:
        await self.tick()
        return None  # the next look is in a minute: a reminder's time is a member's, not an event stored here

    async def tick(self) -> int:
        """Send every reminder that is due now; return how many went out."""
        sent = 0
        for reminder in await self.reminders.enabled():
            try:
                sent += await self._remind(reminder)
            except Exception:
                log.exception("reminder for member %s failed", reminder.member_id)
        return sent

    async def _remind(self, reminder: Reminder) -> int:
        now = self.clock()
        zone = parse_timezone(reminder.timezone)
        today = local_date(now, zone)
        if reminder.last_sent_on is not None and reminder.last_sent_on >= today:
            return 0
        if now < post_time_on(today, parse_local_time(reminder.local_time), zone):
            return 0
        due = await self._due(reminder.member_id, now)
        if not due or not await self.reminders.claim_day(reminder.member_id, today, now, MIN_SPACING):
            return 0
        try:
            await self.publisher.send_reminder(ReminderMessage(reminder.member_id, due))
        except PublishError as exc:
            if exc.failure.code == "forbidden":
                # Closed DMs: stop for good (the member sees why in /quiz remind), rather than try daily.
                await self.reminders.turn_off(reminder.member_id, self.clock(), reason="dm_closed")
                log.info("member %s refuses direct messages: reminders turned off", reminder.member_id)
            else:
                log.warning("reminder for member %s not sent: %s", reminder.member_id, exc)
            return 0
        return 1

    async def _due(self, member_id: int, now: datetime) -> tuple[DueReviews, ...]:
        due: list[DueReviews] = []
        for guild_id, ids in (await self.reviews.due_by_guild(member_id, now)).items():
            schedule = await self.daily.schedule(guild_id)
            pool = {q.id for q in await self.bank.pool(guild_id, schedule.deck if schedule else DEFAULT_DECK)}
            count = sum(1 for qid in ids if qid in pool)  # hidden or removed questions wait for nobody
            if count:
                # The daily question's channel, or else where the server last played a round.
                channel = schedule.channel_id if schedule else await self.rounds.last_channel(guild_id)
                due.append(DueReviews(guild_id, count, channel))
        return tuple(due)
