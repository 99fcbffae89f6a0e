"""Boards read committed data only: they never see a batch that may still roll back (on either backend)."""

from __future__ import annotations

from bot.storage.repositories import Repositories
from bot.storage.seam import ConnectionReads


async def test_the_board_does_not_see_an_uncommitted_batch(db):
    """While a write transaction holds new points, the board (committed reads) shows none; after commit it does."""
    repos = Repositories.over(db)
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO scores (guild_id, member_id, points, correct, answered, last_answer_at)"
            " VALUES (1, 2, 10, 1, 1, '2026-01-01')"
        )
        assert await repos.scores.page(1, None, 10, 0) == []
        assert await ConnectionReads(conn).fetch_value("SELECT COUNT(*) FROM scores") == 1  # the writer sees its own
    assert [s.member_id for s in await repos.scores.page(1, None, 10, 0)] == [2]
