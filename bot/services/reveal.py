"""Closing a posted question and showing its answer: the same for rounds and daily posts."""

from __future__ import annotations

import logging

from bot.core.posts import PostInfo
from bot.core.results import Reveal
from bot.services.ports import Clock, Publisher, PublishError
from bot.storage.posts import PostRepository

log = logging.getLogger(__name__)


async def close_and_reveal(
    posts: PostRepository, publisher: Publisher, clock: Clock, post: PostInfo, round_total: int | None
) -> bool:
    """Close the post, then edit its message to show the answer, the distribution and the explanation.

    Returns False, and shows nothing, when the post was already closed: whoever closed it revealed it.
    The close is committed before the edit, so the distribution shown counts every answer accepted.
    """
    if not await posts.close(post.id, clock()):
        return False
    closed = await posts.get(post.id) or post
    counts = await posts.choice_counts(post)
    try:
        await publisher.show_reveal(Reveal(post=closed, counts=counts, round_total=round_total))
    except PublishError as exc:
        log.warning("could not reveal post %s: %s", post.id, exc)
    return True
