"""What services hand to the Discord layer to render."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.content import Question
from bot.core.rounds import PostInfo, RoundInfo
from bot.core.scoring import Standing


@dataclass(frozen=True, slots=True)
class Board:
    """A page of a server leaderboard, plus the viewer's own line."""

    scope: str  # "all" or "week"
    rows: tuple[Standing, ...]
    page: int
    pages: int
    me: Standing | None


@dataclass(frozen=True, slots=True)
class AnswerResult:
    post: PostInfo
    choice: int
    correct: bool
    points: int
    progress: tuple[int, int, int] | None  # answered, correct, total questions of the round
    board: Board


@dataclass(frozen=True, slots=True)
class Reveal:
    """A closed question: what was right and how the members chose."""

    post: PostInfo
    counts: tuple[int, ...]
    round_total: int | None


@dataclass(frozen=True, slots=True)
class RoundSummary:
    round: RoundInfo
    top: tuple[Standing, ...]  # ranked by correct answers within this round
    asked: int
    board: Board
    stopped: bool


@dataclass(frozen=True, slots=True)
class MemberStats:
    member_id: int
    answered: int
    correct: int
    points: int
    best_streak: int
    rank: int | None


@dataclass(frozen=True, slots=True)
class QuestionToPost:
    """A question about to be posted: the post row exists, the message not yet."""

    post: PostInfo
    question: Question
    number: int | None
    total: int | None


@dataclass(frozen=True, slots=True)
class ListedQuestion:
    id: str
    prompt: str
    builtin: bool
    hidden: bool
    answered: int
    correct: int


@dataclass(frozen=True, slots=True)
class QuestionPage:
    deck: str
    rows: tuple[ListedQuestion, ...]
    page: int
    pages: int
    total: int
