"""Leaderboards: pages of the all-time and weekly boards, ranks, and a member's totals."""

from __future__ import annotations

from bot.core.scoring import Standing
from bot.storage.seam import Reads
from bot.storage.types import MemberTotals


class ScoreRepository:
    """Boards and stats shown to members read committed data only (``db.committed``): never an answer batch
    that may still roll back. The answer writer reads through its own transaction (``ConnectionReads``)."""

    def __init__(self, read: Reads) -> None:
        self.read = read

    async def page(self, guild_id: int, week: str | None, limit: int, offset: int) -> list[Standing]:
        """A page of the board (all time, or one ISO week), best first, with shared ranks for ties."""
        if week is None:
            sql = (
                "SELECT member_id, points, correct, answered FROM scores WHERE guild_id = ?"
                " ORDER BY points DESC, correct DESC, member_id LIMIT ? OFFSET ?"
            )
            args: tuple[object, ...] = (guild_id, limit, offset)
        else:
            sql = (
                "SELECT member_id, points, correct, answered FROM weekly_scores WHERE guild_id = ? AND week = ?"
                " ORDER BY points DESC, correct DESC, member_id LIMIT ? OFFSET ?"
            )
            args = (guild_id, week, limit, offset)
        rows = await self.read.fetch_all(sql, args)
        if not rows:
            return []
        above = await self.members_above(guild_id, week, [row[1] for row in rows])
        return [
            Standing(1 + above[points], member_id, points, correct, answered)
            for member_id, points, correct, answered in rows
        ]

    async def members_above(self, guild_id: int, week: str | None, points: list[int]) -> dict[int, int]:
        """For each points total, how many members of the board have more."""
        if week is None:
            # The histogram has one row per distinct total, so this is cheap for any server size.
            histogram = await self.read.fetch_all(
                "SELECT points, members FROM score_histogram WHERE guild_id = ? AND points > ? AND members > 0",
                (guild_id, min(points)),
            )
            return {p: sum(n for q, n in histogram if q > p) for p in set(points)}
        out: dict[int, int] = {}
        for p in set(points):
            out[p] = await self.read.fetch_value(
                "SELECT COUNT(*) FROM weekly_scores WHERE guild_id = ? AND week = ? AND points > ?",
                (guild_id, week, p),
                default=0,
            )
        return out

    async def count(self, guild_id: int, week: str | None) -> int:
        if week is None:
            sql, args = "SELECT COALESCE(SUM(members), 0) FROM score_histogram WHERE guild_id = ?", (guild_id,)
        else:
            sql, args = "SELECT COUNT(*) FROM weekly_scores WHERE guild_id = ? AND week = ?", (guild_id, week)
        return await self.read.fetch_value(sql, args, default=0)

    async def standing(self, guild_id: int, member_id: int, week: str | None) -> Standing | None:
        if week is None:
            sql = "SELECT points, correct, answered FROM scores WHERE guild_id = ? AND member_id = ?"
            args: tuple[object, ...] = (guild_id, member_id)
        else:
            sql = (
                "SELECT points, correct, answered FROM weekly_scores WHERE guild_id = ? AND week = ? AND member_id = ?"
            )
            args = (guild_id, week, member_id)
        row = await self.read.fetch_one(sql, args)
        if row is None:
            return None
        above = await self.members_above(guild_id, week, [row[0]])
        return Standing(1 + above[row[0]], member_id, row[0], row[1], row[2])

    async def totals(self, guild_id: int, member_id: int) -> MemberTotals | None:
        row = await self.read.fetch_one(
            "SELECT answered, correct, points, best_streak FROM scores WHERE guild_id = ? AND member_id = ?",
            (guild_id, member_id),
        )
        return MemberTotals(*row) if row else None
