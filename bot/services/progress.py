"""A member's progress over a deck: completed questions, reviews due, topic mastery and their day streak."""

from __future__ import annotations

from datetime import UTC, tzinfo

from fsrs import Scheduler

from bot.core.errors import UnknownDeck
from bot.core.practice import day_streak, due_count, mastery_by_topic, next_due
from bot.core.results import Progress
from bot.core.schedule import parse_timezone
from bot.services.bank import QuestionBank
from bot.services.ports import Clock
from bot.storage.daily import DailyRepository
from bot.storage.practice import PracticeRepository
from bot.storage.reviews import ReviewRepository


class ProgressService:
    def __init__(
        self,
        reviews: ReviewRepository,
        practice: PracticeRepository,
        daily: DailyRepository,
        bank: QuestionBank,
        clock: Clock,
        fsrs: Scheduler,
    ) -> None:
        self.reviews = reviews
        self.practice = practice
        self.daily = daily
        self.bank = bank
        self.clock = clock
        self.fsrs = fsrs

    async def progress(self, *, guild_id: int, member_id: int, deck: str) -> Progress:
        pool = await self.bank.pool(guild_id, deck)
        if not pool:
            raise UnknownDeck(f"The “{deck}” deck has no questions this server can be asked.")
        now = self.clock()
        memories = await self.reviews.memories(guild_id, member_id)
        ids = {q.id for q in pool}
        completed = len(ids & await self.practice.completed(guild_id, member_id))
        return Progress(
            deck=deck,
            title=self.bank.title(deck),
            completed=completed,
            total=len(pool),
            due_now=due_count(pool, memories, now),
            topics=tuple(mastery_by_topic(pool, memories, now, self.fsrs)),
            day_streak=day_streak(
                await self.reviews.answer_times(guild_id, member_id), await self._zone(guild_id), now
            ),
            next_due=next_due(pool, memories),
        )

    async def _zone(self, guild_id: int) -> tzinfo:
        """The server's daily-question timezone: its members' day; UTC where none is set."""
        schedule = await self.daily.schedule(guild_id)
        return parse_timezone(schedule.timezone) if schedule is not None else UTC
