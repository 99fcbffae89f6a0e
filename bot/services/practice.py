"""Personal practice: due reviews first, then new questions from the weakest topic, one at a time.

Practice teaches and never competes: its answers go to their own history table and update review
state, never points, ranks, weekly boards or the leaderboard's streaks.
"""

from __future__ import annotations

from datetime import timedelta

from fsrs import Scheduler

from bot.core.content import Question
from bot.core.errors import AlreadyAnswered, InvalidButton, SessionEnded, UnknownDeck
from bot.core.practice import due_count, next_due, next_question
from bot.core.results import PracticeCounts, PracticeFeedback, PracticeQuestion, PracticeSummary
from bot.services.bank import QuestionBank
from bot.services.ports import Clock
from bot.storage.practice import PracticeRepository
from bot.storage.reviews import ReviewRepository
from bot.storage.types import PracticeSession

ENDED = "This practice session has ended (you stopped it, or started a newer one). Start again with /quiz practice."


def counts(session: PracticeSession) -> PracticeCounts:
    return PracticeCounts(session.reviewed, session.reviewed_right, session.fresh, session.fresh_right)


class PracticeService:
    def __init__(
        self,
        practice: PracticeRepository,
        reviews: ReviewRepository,
        bank: QuestionBank,
        clock: Clock,
        fsrs: Scheduler,
    ) -> None:
        self.practice = practice
        self.reviews = reviews
        self.bank = bank
        self.clock = clock
        self.fsrs = fsrs

    async def start(self, *, guild_id: int, member_id: int, deck: str) -> PracticeQuestion | PracticeSummary:
        """Open a session (replacing the member's open one here) and show its first question."""
        pool = await self._pool(guild_id, deck)
        memories = await self.reviews.memories(guild_id, member_id)
        now = self.clock()
        if next_question(pool, memories, now, self.fsrs) is None:
            # Nothing due and nothing new: say when reviews fall due, without opening a session.
            empty = PracticeCounts(0, 0, 0, 0)
            return PracticeSummary(
                empty, next_due(pool, memories), due_count(pool, memories, now + timedelta(days=1)), True
            )
        session_id = await self.practice.open(guild_id, member_id, deck, now)
        return await self._advance(session_id, 0, guild_id, member_id, pool)

    async def answer(
        self, *, session_id: int, position: int, guild_id: int | None, member_id: int, choice: int
    ) -> PracticeFeedback:
        session = await self._session(session_id, guild_id, member_id)
        if position != session.position or session.question is None:
            raise AlreadyAnswered("That question is behind you: only your first answer counts.")
        if not 0 <= choice < len(session.question.choices):
            raise InvalidButton("That choice isn't part of this question. Nothing was recorded.")
        recorded = await self.practice.answer(session_id, position, choice, self.clock())
        if recorded is None:
            earlier = await self.practice.answered(session_id, position)
            if earlier is None:
                raise SessionEnded(ENDED)
            raise AlreadyAnswered("You already answered this one; only your first answer counts.")
        return PracticeFeedback(
            session_id=session_id,
            position=position,
            question=recorded.question,
            choice=choice,
            correct=recorded.correct,
            reason=session.reason or "new",
            counts=counts(recorded.session),
        )

    async def next(
        self, *, session_id: int, position: int, guild_id: int | None, member_id: int
    ) -> PracticeQuestion | PracticeSummary:
        session = await self._session(session_id, guild_id, member_id)
        if position != session.position:
            raise AlreadyAnswered("You've moved on already; use the newest message of this session.")
        pool = await self._pool(session.guild_id, session.deck)
        return await self._advance(session_id, position, session.guild_id, member_id, pool)

    async def stop(self, *, session_id: int, guild_id: int | None, member_id: int) -> PracticeSummary:
        session = await self._session(session_id, guild_id, member_id)
        await self.practice.end(session_id, self.clock())
        pool = await self._pool(session.guild_id, session.deck)
        return await self._summary(session, pool, nothing_to_do=False)

    async def _advance(
        self, session_id: int, position: int, guild_id: int, member_id: int, pool: list[Question]
    ) -> PracticeQuestion | PracticeSummary:
        memories = await self.reviews.memories(guild_id, member_id)
        asked = await self.practice.asked(session_id)
        pick = next_question(pool, memories, self.clock(), self.fsrs, skip=asked)
        session = await self.practice.get(session_id)
        if session is None:
            raise SessionEnded(ENDED)
        if pick is None:
            await self.practice.end(session_id, self.clock())
            return await self._summary(session, pool, nothing_to_do=position == 0)
        if not await self.practice.show(session_id, position, pick.question, pick.reason):
            raise AlreadyAnswered("You've moved on already; use the newest message of this session.")
        return PracticeQuestion(session_id, position + 1, pick.question, pick.reason, counts(session))

    async def _summary(self, session: PracticeSession, pool: list[Question], *, nothing_to_do: bool) -> PracticeSummary:
        memories = await self.reviews.memories(session.guild_id, session.member_id)
        now = self.clock()
        return PracticeSummary(
            counts=counts(session),
            next_due=next_due(pool, memories),
            due_within_day=due_count(pool, memories, now + timedelta(days=1)),
            nothing_to_do=nothing_to_do,
        )

    async def _session(self, session_id: int, guild_id: int | None, member_id: int) -> PracticeSession:
        session = await self.practice.get(session_id)
        if session is None or session.guild_id != guild_id or session.member_id != member_id:
            raise InvalidButton("This practice session isn't yours. Start your own with /quiz practice.")
        if session.ended_at is not None:
            raise SessionEnded(ENDED)
        return session

    async def _pool(self, guild_id: int, deck: str) -> list[Question]:
        pool = await self.bank.pool(guild_id, deck)
        if not pool:
            raise UnknownDeck(f"The “{deck}” deck has no questions this server can be asked.")
        return pool
