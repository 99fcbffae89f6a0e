"""Recording a member's answer exactly once, then everything their reply shows."""

from __future__ import annotations

import asyncio
from collections import OrderedDict

from bot.core.content import letter
from bot.core.errors import AlreadyAnswered, InvalidButton, QuestionClosed, UnknownQuestion
from bot.core.posts import PostInfo
from bot.core.results import AnswerResult, Board
from bot.services.ports import Clock
from bot.storage.answers import AnswerWriter
from bot.storage.posts import PostRepository
from bot.storage.rounds import RoundRepository

POST_CACHE_SIZE = 4096
REPLY_BOARD_TOP = 5  # leaderboard lines in each member's private reply


class AnswerService:
    def __init__(self, posts: PostRepository, rounds: RoundRepository, writer: AnswerWriter, clock: Clock) -> None:
        self.posts = posts
        self.rounds = rounds
        self.writer = writer
        self.clock = clock
        # A post's question snapshot never changes and its deadline only moves earlier, so a cached
        # copy is safe for everything but the final open check, which the writer makes in SQL.
        self._posts: OrderedDict[int, asyncio.Future[tuple[PostInfo, int | None] | None]] = OrderedDict()

    async def _post(self, post_id: int) -> tuple[PostInfo, int | None] | None:
        # The first clicks of a burst all arrive before any lookup returns: they share one lookup
        # (the future stands in the cache) instead of each reading the post.
        cached = self._posts.get(post_id)
        if cached is None:
            cached = asyncio.ensure_future(self._load(post_id))
            self._posts[post_id] = cached
            if len(self._posts) > POST_CACHE_SIZE:
                self._posts.popitem(last=False)
        else:
            self._posts.move_to_end(post_id)
        try:
            found = await asyncio.shield(cached)
        except Exception:
            self._posts.pop(post_id, None)
            raise
        if found is None:
            self._posts.pop(post_id, None)  # a forged id must not fill the cache
        return found

    async def _load(self, post_id: int) -> tuple[PostInfo, int | None] | None:
        post = await self.posts.get(post_id)
        if post is None:
            return None
        total = None
        if post.round_id is not None:
            rnd = await self.rounds.get(post.round_id)
            total = rnd.total if rnd else None
        return post, total

    async def answer(self, *, post_id: int, guild_id: int | None, member_id: int, choice: int) -> AnswerResult:
        """Commit the answer, then build the feedback; refusals raise QuizError subclasses."""
        found = await self._post(post_id)
        if found is None:
            raise UnknownQuestion("This question doesn't exist (any more). Nothing was recorded.")
        post, round_total = found
        if guild_id != post.guild_id:
            raise InvalidButton("This button belongs to a quiz in another server. Nothing was recorded.")
        if not 0 <= choice < len(post.question.choices):
            raise InvalidButton("That choice isn't part of this question. Nothing was recorded.")
        closed = QuestionClosed(f"This question is closed — the answer was {letter(post.question.answer_index)}.")
        now = self.clock()
        if now >= post.closes_at:
            raise closed
        stored = await self.writer.record(post, member_id, choice, now, board_top=REPLY_BOARD_TOP)
        if stored.status == "closed":
            raise closed
        if stored.status == "duplicate":
            raise AlreadyAnswered(f"You already answered {letter(stored.choice)} — only your first answer counts.")
        progress = None
        if stored.progress is not None:
            answered, correct = stored.progress
            progress = (answered, correct, round_total or answered)
        board = Board(scope="all", rows=stored.top, page=1, pages=1, me=stored.me)
        return AnswerResult(
            post=post, choice=choice, correct=stored.correct, points=stored.points, progress=progress, board=board
        )

    async def close(self) -> None:
        await self.writer.close()
