"""Personal practice: which question a member should see next, deck progress, topic mastery, day streaks."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Literal

from fsrs import Scheduler

from bot.core.content import Question
from bot.core.review import Memory, recall

PickReason = Literal["due", "new"]


@dataclass(frozen=True, slots=True)
class Pick:
    question: Question
    reason: PickReason


@dataclass(frozen=True, slots=True)
class TopicMastery:
    topic: str
    questions: int
    seen: int
    mastery: float  # mean predicted recall now, unseen questions counting as 0


def next_question(
    pool: Sequence[Question],
    memories: Mapping[str, Memory],
    now: datetime,
    fsrs: Scheduler,
    skip: Iterable[str] = (),
) -> Pick | None:
    """Due reviews first (most overdue first), then a never-seen question from the weakest topic.

    ``memories`` holds the member's state by question id; ids outside ``pool`` (another server's
    questions, removed or hidden ones) are never picked. ``skip`` excludes questions already asked
    in this session. None when nothing is due and every question has been seen.
    """
    skipped = set(skip)
    candidates = [q for q in pool if q.id not in skipped]
    due = [q for q in candidates if q.id in memories and memories[q.id].due <= now]
    if due:
        return Pick(min(due, key=lambda q: (memories[q.id].due, q.id)), "due")
    unseen = [q for q in candidates if q.id not in memories]
    if not unseen:
        return None
    weakest = {m.topic: m.mastery for m in mastery_by_topic(pool, memories, now, fsrs)}
    order = {q.id: i for i, q in enumerate(pool)}
    return Pick(min(unseen, key=lambda q: (weakest[q.topic], q.topic, order[q.id])), "new")


def next_due(pool: Sequence[Question], memories: Mapping[str, Memory]) -> datetime | None:
    """When the member's next review falls due, among the pool's questions."""
    ids = {q.id for q in pool}
    return min((m.due for qid, m in memories.items() if qid in ids), default=None)


def due_count(pool: Sequence[Question], memories: Mapping[str, Memory], until: datetime) -> int:
    ids = {q.id for q in pool}
    return sum(1 for qid, m in memories.items() if qid in ids and m.due <= until)


def mastery_by_topic(
    pool: Sequence[Question], memories: Mapping[str, Memory], now: datetime, fsrs: Scheduler
) -> list[TopicMastery]:
    """Per topic of the pool: how many questions, how many seen, and the mean predicted recall now."""
    totals: dict[str, list[float]] = defaultdict(list)
    for q in pool:
        totals[q.topic].append(recall(memories.get(q.id), now, fsrs))
    seen: dict[str, int] = defaultdict(int)
    for q in pool:
        if q.id in memories:
            seen[q.topic] += 1
    return [
        TopicMastery(topic, len(values), seen[topic], sum(values) / len(values))
        for topic, values in sorted(totals.items())
    ]


def day_streak(answered_at: Iterable[datetime], tz: tzinfo, now: datetime) -> int:
    """Local days in a row, ending today or yesterday, with at least one answer of any kind.

    A streak still counts on a day that has no answer yet (it ends only when a whole day is missed).
    """
    days = {moment.astimezone(tz).date() for moment in answered_at}
    today = now.astimezone(tz).date()
    day: date = today if today in days else today - timedelta(days=1)
    streak = 0
    while day in days:
        streak += 1
        day -= timedelta(days=1)
    return streak
