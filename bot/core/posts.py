"""A posted question (in a round or as the daily question) with the snapshot it is graded against."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from bot.core.content import Question

PostKind = Literal["round", "daily"]


@dataclass(frozen=True, slots=True)
class PostInfo:
    """A posted question with the snapshot it was graded against."""

    id: int
    guild_id: int
    channel_id: int
    message_id: int | None
    kind: PostKind
    round_id: int | None
    position: int | None
    question: Question
    opened_at: datetime
    closes_at: datetime
    closed_at: datetime | None
