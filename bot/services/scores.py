"""Leaderboards and member statistics for one server."""

from __future__ import annotations

import math

from bot.core.results import Board, MemberStats
from bot.core.scoring import BoardScope, week_of
from bot.services.ports import Clock
from bot.storage.scores import ScoreRepository

PAGE_SIZE = 10


class ScoreService:
    def __init__(self, scores: ScoreRepository, clock: Clock) -> None:
        self.scores = scores
        self.clock = clock

    async def board(
        self, guild_id: int, member_id: int, *, scope: BoardScope = "all", page: int = 1, size: int = PAGE_SIZE
    ) -> Board:
        """One page of the server's board (all time or this week) and the viewer's own line."""
        week = week_of(self.clock()) if scope == "week" else None
        total = await self.scores.count(guild_id, week)
        pages = max(1, math.ceil(total / size))
        page = min(max(1, page), pages)
        rows = await self.scores.page(guild_id, week, size, (page - 1) * size)
        me = await self.scores.standing(guild_id, member_id, week)
        return Board(scope=scope, rows=tuple(rows), page=page, pages=pages, me=me)

    async def stats(self, guild_id: int, member_id: int) -> MemberStats:
        totals = await self.scores.totals(guild_id, member_id)
        if totals is None:
            return MemberStats(member_id, 0, 0, 0, 0, None)
        standing = await self.scores.standing(guild_id, member_id, None)
        return MemberStats(
            member_id=member_id,
            answered=totals.answered,
            correct=totals.correct,
            points=totals.points,
            best_streak=totals.best_streak,
            rank=standing.rank if standing else None,
        )
