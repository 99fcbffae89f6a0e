"""Recording a member's answer exactly once, then everything their reply shows."""

from __future__ import annotations

from bot.core.content import letter
from bot.core.errors import AlreadyAnswered, InvalidButton, QuestionClosed, UnknownQuestion
from bot.core.results import AnswerResult
from bot.services.ports import Clock
from bot.services.scores import ScoreService
from bot.storage.repository import Repository


class AnswerService:
    def __init__(self, repo: Repository, scores: ScoreService, clock: Clock) -> None:
        self.repo = repo
        self.scores = scores
        self.clock = clock

    async def answer(self, *, post_id: int, guild_id: int | None, member_id: int, choice: int) -> AnswerResult:
        """Commit the answer, then build the feedback; refusals raise QuizError subclasses."""
        post = await self.repo.get_post(post_id)
        if post is None:
            raise UnknownQuestion("This question doesn't exist (any more). Nothing was recorded.")
        if guild_id != post.guild_id:
            raise InvalidButton("This button belongs to a quiz in another server. Nothing was recorded.")
        if not 0 <= choice < len(post.question.choices):
            raise InvalidButton("That choice isn't part of this question. Nothing was recorded.")
        now = self.clock()
        if not post.is_open(now):
            right = letter(post.question.answer_index)
            raise QuestionClosed(f"This question is closed — the answer was {right}.")
        stored = await self.repo.record_answer(post, member_id, choice, now)
        if stored.status == "closed":
            right = letter(post.question.answer_index)
            raise QuestionClosed(f"This question is closed — the answer was {right}.")
        if stored.status == "duplicate":
            raise AlreadyAnswered(
                f"You already answered {letter(stored.choice)} — only your first answer counts."
            )
        progress = None
        if post.round_id is not None:
            rnd = await self.repo.get_round(post.round_id)
            answered, correct = await self.repo.member_round_progress(post.round_id, member_id)
            progress = (answered, correct, rnd.total if rnd else answered)
        board = await self.scores.snippet(guild_id, member_id)
        return AnswerResult(
            post=post, choice=choice, correct=stored.correct, points=stored.points, progress=progress,
            board=board,
        )
