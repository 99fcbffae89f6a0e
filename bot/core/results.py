"""What services hand to the Discord layer to render."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from bot.core.content import Question
from bot.core.delivery import Failure
from bot.core.posts import PostInfo
from bot.core.practice import PickReason, TopicMastery
from bot.core.rounds import RoundInfo
from bot.core.scoring import BoardScope, Standing


@dataclass(frozen=True, slots=True)
class Board:
    """A page of a server leaderboard, plus the viewer's own line."""

    scope: BoardScope
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


@dataclass(frozen=True, slots=True)
class DailyStatus:
    """A server's daily-question settings and what happens next, for moderators."""

    configured: bool
    enabled: bool = False
    channel_id: int | None = None
    local_time: str | None = None  # HH:MM in ``timezone``
    timezone: str | None = None  # IANA name
    deck: str | None = None
    role_id: int | None = None
    next_post_at: datetime | None = None  # UTC; None while off
    next_post_local: datetime | None = None  # the same instant in the server's zone
    remaining: int = 0  # questions of the deck not yet asked in this rotation
    pool_size: int = 0
    low_on_questions: bool = False
    today_link: str | None = None  # today's post, once it is up
    last_error: Failure | None = None
    last_error_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class DailyPosted:
    """What /quiz-admin daily now did: posted today's question, or found it already up."""

    channel_id: int
    link: str
    already: bool


@dataclass(frozen=True, slots=True)
class PracticeCounts:
    reviewed: int
    reviewed_right: int
    fresh: int
    fresh_right: int


@dataclass(frozen=True, slots=True)
class PracticeQuestion:
    """The question a member's private practice shows now."""

    session_id: int
    position: int
    question: Question
    reason: PickReason
    counts: PracticeCounts


@dataclass(frozen=True, slots=True)
class PracticeFeedback:
    session_id: int
    position: int
    question: Question
    choice: int
    correct: bool
    reason: PickReason
    counts: PracticeCounts


@dataclass(frozen=True, slots=True)
class PracticeSummary:
    """The end of a session (or nothing to practise): what was done and when reviews fall due next."""

    counts: PracticeCounts
    next_due: datetime | None
    due_within_day: int  # reviews falling due in the next 24 hours
    nothing_to_do: bool  # nothing was due and every question has been seen


@dataclass(frozen=True, slots=True)
class Progress:
    """A member's own progress over a deck in one server."""

    deck: str
    title: str
    completed: int  # answered right at least once, in any kind of play
    total: int
    due_now: int
    topics: tuple[TopicMastery, ...]
    day_streak: int
    next_due: datetime | None


@dataclass(frozen=True, slots=True)
class DueReviews:
    guild_id: int
    count: int
    channel_id: int | None  # the server's quiz channel, when one is known


@dataclass(frozen=True, slots=True)
class ReminderMessage:
    member_id: int
    due: tuple[DueReviews, ...]


# Why reminders turned themselves off: Discord refused the direct message (the member closed their DMs).
StoppedReason = Literal["dm_closed"]


@dataclass(frozen=True, slots=True)
class Reminder:
    """A member's review-reminder settings."""

    member_id: int
    guild_id: int
    local_time: str
    timezone: str
    enabled: bool
    last_sent_on: date | None
    stopped_reason: StoppedReason | None
