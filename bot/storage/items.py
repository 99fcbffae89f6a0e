"""Item analysis from the first-response tables (migration 0004): sums per question, choice and grade.

A member's rest score (accuracy on the other questions they answered) is computed in SQL from their
first-answer totals, and only sums leave the database: a question answered by thousands of members
comes back as a handful of rows.
"""

from __future__ import annotations

from bot.core.item_analysis import ResponseGroup
from bot.storage.database import Database

# Accuracy on the other questions; NULL for a member who answered only this one.
_REST = "CASE WHEN m.answered > 1 THEN CAST(m.correct - r.correct AS REAL) / (m.answered - 1) END"

_GROUP_SUMS = "r.choice, r.correct, COUNT(*), COUNT(rest), TOTAL(rest), TOTAL(rest * rest)"


class ItemRepository:
    """Reads only, on the database's read-only connection: the deck overview reads every first answer of a
    server (seconds at a million answers), and on its own aiosqlite thread it never holds up the writer,
    so members' answers keep committing while a moderator looks at insights."""

    def __init__(self, db: Database) -> None:
        self.db = db.committed

    async def groups(self, guild_id: int, question_id: str) -> list[ResponseGroup]:
        rows = await self.db.fetch_all(
            f"SELECT {_GROUP_SUMS} FROM (SELECT r.choice, r.correct, {_REST} AS rest"
            " FROM item_responses r JOIN item_members m ON m.guild_id = r.guild_id AND m.member_id = r.member_id"
            " WHERE r.guild_id = ? AND r.question_id = ?) AS r GROUP BY r.choice, r.correct",
            (guild_id, question_id),
        )
        return [ResponseGroup(row[0], bool(row[1]), row[2], row[3], row[4], row[5]) for row in rows]

    async def top_rest_sum(self, guild_id: int, question_id: str, count: int) -> float:
        """The sum of the ``count`` highest rest scores among the question's members (for the efficiency)."""
        return float(
            await self.db.fetch_value(
                f"SELECT TOTAL(rest) FROM (SELECT {_REST} AS rest FROM item_responses r"
                " JOIN item_members m ON m.guild_id = r.guild_id AND m.member_id = r.member_id"
                " WHERE r.guild_id = ? AND r.question_id = ? AND m.answered > 1 ORDER BY rest DESC LIMIT ?)",
                (guild_id, question_id, count),
                0.0,
            )
        )

    async def all_groups(self, guild_id: int | None) -> dict[str, list[ResponseGroup]]:
        """Every question's groups in one pass, in one server or (None) across all of them.

        Built-in questions keep their ids everywhere, so across servers their groups add up; each
        member's rest score still comes from their own server.
        """
        where, args = ("WHERE m.guild_id = ?", (guild_id,)) if guild_id is not None else ("", ())
        rows = await self.db.fetch_all(
            f"SELECT r.question_id, {_GROUP_SUMS} FROM (SELECT r.question_id, r.choice, r.correct, {_REST} AS rest"
            " FROM item_members m JOIN item_responses r ON r.guild_id = m.guild_id AND r.member_id = m.member_id"
            f" {where}) AS r GROUP BY r.question_id, r.choice, r.correct",
            args,
        )
        found: dict[str, list[ResponseGroup]] = {}
        for row in rows:
            found.setdefault(row[0], []).append(ResponseGroup(row[1], bool(row[2]), row[3], row[4], row[5], row[6]))
        return found
