"""Item analysis the way Moodle's quiz statistics do it, adapted to a deck without fixed tests.

Every figure is computed on each member's first answer to a question (Moodle counts first attempts
only: later ones are no longer a fair measure). A member's "rest score" is their accuracy on the
*other* questions they answered, since members answer different subsets of the deck; Moodle's
discrimination index is then the correlation between being right here and that rest score (the
corrected point-biserial), and each option gets its own point-biserial the same way.

The storage layer hands over sums per (choice, right) group rather than one row per member, so a
question answered by thousands of members is a handful of rows; ``groups_from_members`` builds the
same sums from per-member rows for tests and small tables.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from bot.core.content import LETTERS

# Below this many first answers the figures are shown but not judged (our choice: Moodle states no minimum).
MIN_ANSWERS = 30
# Moodle's question bank says "Needs checking: very likely" under a discrimination index of 30 %.
LOW_DISCRIMINATION = 0.30
# A distractor chosen by fewer than 5 % does no work (Tarrant, Ware & Mohammed 2009).
IDLE_DISTRACTOR = 0.05

FlagCode = Literal[
    "negative_discrimination",
    "low_discrimination",
    "worse_than_guessing",
    "idle_distractor",
    "attractive_distractor",
]

FLAG_TEXT: dict[FlagCode, str] = {
    "negative_discrimination": "strong members get this wrong: check the key or the wording",
    "low_discrimination": "needs checking: it barely separates strong from weak members",
    "worse_than_guessing": "answered worse than guessing",
    "idle_distractor": "this distractor does no work",
    "attractive_distractor": "attracts strong members: check the key",
}

# How much each flag pushes a question up the "needs attention" list; an open report weighs like a
# strong flag, since a member took the trouble to say what is wrong.
SEVERITY: dict[FlagCode, int] = {
    "negative_discrimination": 4,
    "attractive_distractor": 3,
    "worse_than_guessing": 3,
    "low_discrimination": 2,
    "idle_distractor": 1,
}
REPORT_WEIGHT = 3


@dataclass(frozen=True, slots=True)
class ResponseGroup:
    """The members who gave one response to a question: the same choice, graded the same way.

    ``rest_members`` of them answered other questions too; ``rest_sum`` and ``rest_sq_sum`` add up
    their rest scores (accuracy on the other questions, 0..1) and the squares of those.
    """

    choice: int
    correct: bool
    members: int
    rest_members: int
    rest_sum: float
    rest_sq_sum: float


@dataclass(frozen=True, slots=True)
class MemberResponse:
    """One member's first answer to the question, with their record on the other questions."""

    choice: int
    correct: bool
    other_answered: int
    other_correct: int

    @property
    def rest(self) -> float | None:
        return self.other_correct / self.other_answered if self.other_answered else None


@dataclass(frozen=True, slots=True)
class OptionStats:
    choice: int
    key: bool
    count: int
    share: float | None  # of all first answers
    point_biserial: float | None


@dataclass(frozen=True, slots=True)
class Flag:
    code: FlagCode
    choice: int | None = None  # the distractor meant, for the distractor flags


@dataclass(frozen=True, slots=True)
class ItemStats:
    question_id: str
    choices: int
    key: int
    answered: int
    right: int
    facility: float | None  # share right, 0..1
    discrimination: float | None  # corrected point-biserial, -1..1
    efficiency: float | None  # discrimination relative to the largest the marginals allow
    options: tuple[OptionStats, ...]

    @property
    def chance(self) -> float:
        """The score of a member who guesses (Moodle's random guess score for one right answer of k)."""
        return 1 / self.choices

    @property
    def judged(self) -> bool:
        return self.answered >= MIN_ANSWERS


def groups_from_members(responses: Iterable[MemberResponse]) -> list[ResponseGroup]:
    """Sum per-member rows into the groups ``analyse`` takes."""
    sums: dict[tuple[int, bool], list[float]] = {}
    for r in responses:
        row = sums.setdefault((r.choice, r.correct), [0, 0, 0.0, 0.0])
        row[0] += 1
        rest = r.rest
        if rest is not None:
            row[1] += 1
            row[2] += rest
            row[3] += rest * rest
    return [
        ResponseGroup(choice, correct, int(row[0]), int(row[1]), row[2], row[3])
        for (choice, correct), row in sorted(sums.items())
    ]


def _point_biserial(n: int, total: float, total_sq: float, n1: int, sum1: float) -> float | None:
    """Pearson's r between a 0/1 indicator (true for n1 of n, whose rest scores add to sum1) and the rest score.

    None when it is undefined: fewer than two members, everyone on the same side, or all rest scores equal.
    """
    if n < 2 or n1 in (0, n):
        return None
    var_rest = (total_sq - total * total / n) / (n - 1)
    if var_rest <= 1e-12:
        return None
    var_ind = n1 * (n - n1) / (n * (n - 1))
    cov = (sum1 - n1 * total / n) / (n - 1)
    return max(-1.0, min(1.0, cov / math.sqrt(var_ind * var_rest)))


def analyse(
    question_id: str,
    choices: int,
    key: int,
    groups: Sequence[ResponseGroup],
    top_rest_sum: float | None = None,
) -> ItemStats:
    """Facility, discrimination and the analysis of responses for one question.

    ``top_rest_sum`` is the sum of the k largest rest scores, k being the members with a rest score
    who got it right; with it, Moodle's discriminative efficiency is computed too (the covariance
    over the largest covariance those marginals allow, i.e. both sorted and paired).
    """
    answered = sum(g.members for g in groups)
    right = sum(g.members for g in groups if g.correct)
    n = sum(g.rest_members for g in groups)
    total = sum(g.rest_sum for g in groups)
    total_sq = sum(g.rest_sq_sum for g in groups)
    n_right = sum(g.rest_members for g in groups if g.correct)
    sum_right = sum(g.rest_sum for g in groups if g.correct)
    discrimination = _point_biserial(n, total, total_sq, n_right, sum_right)
    efficiency = None
    if discrimination is not None and top_rest_sum is not None:
        cov_max = top_rest_sum - n_right * total / n
        if cov_max > 1e-12:
            efficiency = max(-1.0, min(1.0, (sum_right - n_right * total / n) / cov_max))
    width = max([choices, *(g.choice + 1 for g in groups)])
    options: list[OptionStats] = []
    for choice in range(width):
        mine = [g for g in groups if g.choice == choice]
        count = sum(g.members for g in mine)
        options.append(
            OptionStats(
                choice=choice,
                key=choice == key,
                count=count,
                share=count / answered if answered else None,
                point_biserial=_point_biserial(
                    n, total, total_sq, sum(g.rest_members for g in mine), sum(g.rest_sum for g in mine)
                ),
            )
        )
    return ItemStats(
        question_id=question_id,
        choices=choices,
        key=key,
        answered=answered,
        right=right,
        facility=right / answered if answered else None,
        discrimination=discrimination,
        efficiency=efficiency,
        options=tuple(options),
    )


def flags(stats: ItemStats) -> tuple[Flag, ...]:
    """What a moderator should look at; nothing below MIN_ANSWERS first answers (too few to judge)."""
    if not stats.judged:
        return ()
    found: list[Flag] = []
    d = stats.discrimination
    if d is not None and d < 0:
        found.append(Flag("negative_discrimination"))
    elif d is not None and d < LOW_DISCRIMINATION:
        found.append(Flag("low_discrimination"))
    if stats.facility is not None and stats.facility <= stats.chance:
        found.append(Flag("worse_than_guessing"))
    for option in stats.options:
        if option.key or option.choice >= stats.choices:
            continue
        if option.share is not None and option.share < IDLE_DISTRACTOR:
            found.append(Flag("idle_distractor", option.choice))
        if option.point_biserial is not None and option.point_biserial > 0:
            found.append(Flag("attractive_distractor", option.choice))
    return tuple(found)


def describe(flag: Flag) -> str:
    """The flag in plain words, naming the distractor it is about."""
    text = FLAG_TEXT[flag.code]
    return f"{LETTERS[flag.choice]}: {text}" if flag.choice is not None else text


def severity(found: Sequence[Flag], open_reports: int) -> int:
    """How urgently a question needs a moderator: its flags plus its open reports; 0 means it is fine."""
    return sum(SEVERITY[f.code] for f in found) + REPORT_WEIGHT * open_reports
