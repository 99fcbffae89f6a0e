"""Item analysis from the first-response tables: sums per question, choice and grade.

The sums of members' rest scores (accuracy on the other questions they answered) are kept up to date
by the triggers of migration 0006, so a question answered by thousands of members, or a whole deck,
is a handful of rows; only the discriminative efficiency's top rest scores join the member totals.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.core.item_analysis import ResponseGroup
from bot.storage.seam import Storage

# Accuracy on the other questions; NULL for a member who answered only this one.
_REST = "CASE WHEN m.answered > 1 THEN CAST(m.correct - r.correct AS DOUBLE PRECISION) / (m.answered - 1) END"

_SUMS = "correct, members, rest_members, su, sw, suu, suw, sww"


class ItemRepository:
    """Reads only, on the database's read-only connection: on its own aiosqlite thread a moderator's look
    at insights (the top rest scores of a question read each of its members) never holds up the writer."""

    def __init__(self, db: Storage) -> None:
        self.db = db.committed

    async def groups(self, guild_id: int, question_id: str) -> list[ResponseGroup]:
        rows = await self.db.fetch_all(
            f"SELECT choice, {_SUMS} FROM item_sums WHERE guild_id = ? AND question_id = ?",
            (guild_id, question_id),
        )
        return [_group(row[0], row[1:]) for row in rows]

    async def top_rest_sum(self, guild_id: int, question_id: str, count: int) -> float:
        """The sum of the ``count`` highest rest scores among the question's members (for the efficiency)."""
        return float(
            await self.db.fetch_value(
                f"SELECT COALESCE(SUM(rest), 0.0) FROM (SELECT {_REST} AS rest FROM item_responses r"
                " JOIN item_members m ON m.guild_id = r.guild_id AND m.member_id = r.member_id"
                " WHERE r.guild_id = ? AND r.question_id = ? AND m.answered > 1 ORDER BY rest DESC LIMIT ?) AS top",
                (guild_id, question_id, count),
                0.0,
            )
        )

    async def all_groups(self, guild_id: int | None) -> dict[str, list[ResponseGroup]]:
        """Every question's groups in one pass, in one server or (None) across all of them.

        Built-in questions keep their ids everywhere, so across servers their groups add up; each
        member's rest score still comes from their own server.
        """
        if guild_id is not None:
            rows = await self.db.fetch_all(
                f"SELECT question_id, choice, {_SUMS} FROM item_sums WHERE guild_id = ?", (guild_id,)
            )
        else:
            rows = await self.db.fetch_all(
                "SELECT question_id, choice, correct, SUM(members), SUM(rest_members), SUM(su), SUM(sw), SUM(suu),"
                " SUM(suw), SUM(sww) FROM item_sums GROUP BY question_id, choice, correct"
            )
        found: dict[str, list[ResponseGroup]] = {}
        for row in rows:
            found.setdefault(row[0], []).append(_group(row[1], row[2:]))
        return found


def _group(choice: int, row: Sequence[Any]) -> ResponseGroup:
    """A group from its stored sums: graded c, the rest scores u - c*w add up as below (see migration 0006)."""
    correct, members, rest_members, su, sw, suu, suw, sww = row
    if not rest_members:  # nothing but rounding left of sums whose every term was taken out again
        return ResponseGroup(choice, bool(correct), members, 0, 0.0, 0.0)
    c = 1.0 if correct else 0.0
    return ResponseGroup(
        choice, bool(correct), members, rest_members, su - c * sw, max(0.0, suu - 2 * c * suw + c * sww)
    )
