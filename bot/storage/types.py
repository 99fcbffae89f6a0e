"""What repositories return beyond the core types: stored records and write outcomes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from bot.core.content import Question
from bot.core.delivery import Failure
from bot.core.practice import PickReason
from bot.core.scoring import Standing

DayStatus = Literal["claimed", "posted", "failed"]
AnswerStatus = Literal["inserted", "duplicate", "closed"]


@dataclass(frozen=True, slots=True)
class Closed:
    """What closing a post left in the outbox: its reveal edit, and its round's summary if the close ended it."""

    reveal: int
    summary: int | None


@dataclass(frozen=True, slots=True)
class DailySchedule:
    guild_id: int
    channel_id: int
    local_time: str
    timezone: str
    deck: str
    role_id: int | None
    enabled: bool
    cycle: int
    last_error: Failure | None
    last_error_at: datetime | None
    updated_at: datetime  # when a moderator last set it: days whose post time was already past are skipped


@dataclass(frozen=True, slots=True)
class OutboxItem:
    """A Discord call a close still owes: the reveal edit of ``post_id``, or the summary of ``round_id``."""

    id: int
    kind: Literal["reveal", "summary"]
    post_id: int | None
    round_id: int | None
    round_total: int | None
    attempts: int
    created_at: datetime


@dataclass(frozen=True, slots=True)
class DailyDay:
    """One claimed local day and, once sent, where its message is."""

    guild_id: int
    local_date: date
    cycle: int
    question_id: str
    post_id: int | None
    status: DayStatus
    channel_id: int | None
    message_id: int | None


@dataclass(frozen=True, slots=True)
class StoredAnswer:
    """The outcome of one click, and for a new answer what the member's reply shows."""

    status: AnswerStatus
    choice: int
    correct: bool
    points: int
    top: tuple[Standing, ...] = ()
    me: Standing | None = None
    progress: tuple[int, int] | None = None  # answered, correct in the post's round


@dataclass(frozen=True, slots=True)
class AnswerRate:
    answered: int
    correct: int


@dataclass(frozen=True, slots=True)
class MemberTotals:
    answered: int
    correct: int
    points: int
    best_streak: int


@dataclass(frozen=True, slots=True)
class PracticeSession:
    id: int
    guild_id: int
    member_id: int
    deck: str
    position: int  # the number of the current question (0 before the first)
    question: Question | None  # the current question's snapshot
    reason: PickReason | None
    ended_at: datetime | None
    reviewed: int
    reviewed_right: int
    fresh: int
    fresh_right: int


@dataclass(frozen=True, slots=True)
class PracticeAnswer:
    session: PracticeSession  # with its counts after this answer
    question: Question
    choice: int
    correct: bool
