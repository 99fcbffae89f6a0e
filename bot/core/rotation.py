"""The daily question's rotation: no question repeats until the server has seen the whole pool."""

from __future__ import annotations

import random
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from bot.core.content import Question


@dataclass(frozen=True, slots=True)
class NextDaily:
    question: Question
    cycle: int  # the rotation the question belongs to; one more than before when the pool was used up


def next_daily(pool: Sequence[Question], asked: Collection[str], cycle: int, rng: random.Random) -> NextDaily:
    """Pick an unasked question of ``cycle``; when every one was asked, a fresh rotation begins.

    ``asked`` holds the ids asked in ``cycle``; ids no longer in the pool (removed, hidden) don't count.
    """
    if not pool:
        raise ValueError("the pool is empty")
    unasked = [q for q in pool if q.id not in asked]
    if not unasked:
        return NextDaily(rng.choice(list(pool)), cycle + 1)
    return NextDaily(rng.choice(unasked), cycle)


def remaining_in_rotation(pool: Sequence[Question], asked: Collection[str]) -> int:
    """Questions of the pool not yet asked in the current rotation."""
    return sum(1 for q in pool if q.id not in asked)
