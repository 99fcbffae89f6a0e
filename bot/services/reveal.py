"""Closing a posted question and showing its answer: the same for rounds and daily posts."""

from __future__ import annotations

from bot.core.posts import PostInfo
from bot.services.outbox import OutboxWorker
from bot.services.ports import Clock
from bot.storage.posts import PostRepository


async def close_and_reveal(
    posts: PostRepository, outbox: OutboxWorker, clock: Clock, post: PostInfo, round_total: int | None
) -> bool:
    """Close the post and edit its message to show the answer, the distribution and the explanation.

    Returns False, and shows nothing, when the post was already closed: whoever closed it revealed it.
    The close and the pending reveal are committed together, before the edit, so the distribution shown
    counts every answer accepted and a crash before the edit leaves the reveal to the outbox worker.
    """
    closed = await posts.close_for_reveal(post.id, clock(), round_total)
    if closed is None:
        return False
    await outbox.carry_out(closed.reveal)
    if closed.summary is not None:  # the close ended the round: its summary follows the reveal
        await outbox.carry_out(closed.summary)
    return True
