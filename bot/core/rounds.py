"""Round rules that need no I/O: choosing questions and what a round looks like."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from bot.core.content import Difficulty, Question

DEFAULT_QUESTIONS = 10
MIN_SECONDS, MAX_SECONDS, DEFAULT_SECONDS = 10, 300, 30
MAX_QUESTIONS = 25

RoundStatus = Literal["running", "finished", "stopped"]


def pick_questions(pool: Sequence[Question], count: int | None, rng: random.Random) -> list[Question]:
    """Shuffle once and take ``count`` (default: the whole pool up to 10) without repeats."""
    wanted = min(len(pool), count if count is not None else DEFAULT_QUESTIONS)
    return rng.sample(list(pool), wanted)


def narrow(pool: Sequence[Question], topic: str | None, difficulty: Difficulty | None) -> list[Question]:
    """The pool's questions of ``topic`` and ``difficulty`` (either left out: any)."""
    return [
        q for q in pool if (topic is None or q.topic == topic) and (difficulty is None or q.difficulty == difficulty)
    ]


def topic_sizes(pool: Sequence[Question]) -> dict[str, int]:
    """How many questions each topic of the pool has, biggest first."""
    sizes: dict[str, int] = {}
    for q in pool:
        sizes[q.topic] = sizes.get(q.topic, 0) + 1
    return dict(sorted(sizes.items(), key=lambda item: (-item[1], item[0])))


def ending(position: int, total: int, stop_requested: bool) -> RoundStatus | None:
    """How a running round ends once its current question closes: stopped when someone asked for it,
    finished after its last question; None while it goes on."""
    if stop_requested:
        return "stopped"
    return "finished" if position >= total else None


def deadline(now: datetime, seconds: int) -> datetime:
    return now + timedelta(seconds=seconds)


@dataclass(frozen=True, slots=True)
class RoundInfo:
    """A round as stored: where it runs, who started it and how far it got."""

    id: int
    guild_id: int
    channel_id: int
    started_by: int
    deck: str
    total: int
    seconds: int
    position: int
    status: RoundStatus
    stop_requested_by: int | None
    summary_message_id: int | None = None  # once its summary is posted and recorded

    @property
    def finished_posting(self) -> bool:
        return self.position >= self.total
