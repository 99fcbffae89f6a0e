"""The scoring rule, ranks and the streak arithmetic, with no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

POINTS_PER_NEW_CORRECT = 1


def points_for(correct: bool, first_correct_for_question: bool) -> int:
    """One point for the first correct answer a member gives to a question in a server.

    Speed earns nothing and a wrong answer costs nothing, so learners are never punished for
    trying; answering a question you already got right earns nothing, so replaying cannot farm.
    """
    return POINTS_PER_NEW_CORRECT if correct and first_correct_for_question else 0


def next_streak(streak: int, correct: bool) -> int:
    return streak + 1 if correct else 0


def accuracy(correct: int, answered: int) -> float:
    return correct / answered if answered else 0.0


@dataclass(frozen=True, slots=True)
class Standing:
    """One member's line on a leaderboard."""

    rank: int
    member_id: int
    points: int
    correct: int
    answered: int


def percentages(counts: list[int]) -> list[int]:
    """Whole-number shares of ``counts`` that add up to 100 (largest remainder), or zeros."""
    total = sum(counts)
    if not total:
        return [0] * len(counts)
    raw = [c * 100 / total for c in counts]
    floors = [int(r) for r in raw]
    missing = 100 - sum(floors)
    order = sorted(range(len(counts)), key=lambda i: raw[i] - floors[i], reverse=True)
    for i in order[:missing]:
        floors[i] += 1
    return floors


def iso_week(year: int, week: int) -> str:
    return f"{year}-W{week:02d}"


def week_of(moment: datetime) -> str:
    """The ISO week (UTC) a moment counts towards on the weekly board."""
    year, week, _ = moment.astimezone(UTC).isocalendar()
    return iso_week(year, week)


BoardScope = Literal["all", "week"]
