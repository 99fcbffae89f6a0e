"""Spaced review of each member's questions with FSRS (py-fsrs): the rating rule and the scheduler's settings.

The answer history is the source of truth; a member's review state per question is a cache of
replaying that history through ``review`` (``python -m bot rebuild-reviews`` does exactly that).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from fsrs import Card, Rating, Scheduler, State

# A chat bot meets its members about once a day, so minute-level learning steps could never be
# honoured: with none, FSRS schedules a new question's miss for the next day and a first success two
# days out. A question the member knew and then missed comes back the next day too (one day-long
# relearning step) instead of after the days its old stability would give.
DESIRED_RETENTION = 0.9
RELEARNING_STEPS = (timedelta(days=1),)
# TRL releases every two weeks and the deck is re-dated against new releases; a fact unseen for
# more than half a year has likely changed, so no question waits longer than that to come back.
MAXIMUM_INTERVAL_DAYS = 180

ReviewState = Literal["learning", "review", "relearning"]


def scheduler() -> Scheduler:
    """The one FSRS configuration of the bot. No fuzzing: a review state rebuilt from the history
    must equal the one kept answer by answer."""
    return Scheduler(
        desired_retention=DESIRED_RETENTION,
        learning_steps=(),
        relearning_steps=RELEARNING_STEPS,
        maximum_interval=MAXIMUM_INTERVAL_DAYS,
        enable_fuzzing=False,
    )


def rating_for(correct: bool) -> Rating:
    """Wrong → Again (the only failing grade), right → Good.

    Never Hard for a wrong answer: FSRS reads Hard as a pass, and intervals would grow for facts
    the member got wrong. Easy is not used either: a four-option question can be guessed.
    """
    return Rating.Good if correct else Rating.Again


@dataclass(frozen=True, slots=True)
class Memory:
    """A member's review state for one question in one server (an FSRS card, plus our own counters)."""

    state: int  # fsrs.State value
    step: int | None
    stability: float | None
    difficulty: float | None
    due: datetime
    last_review: datetime | None
    reviews: int
    lapses: int

    def card(self) -> Card:
        return Card(
            card_id=0,
            state=State(self.state),
            step=self.step,
            stability=self.stability,
            difficulty=self.difficulty,
            due=self.due,
            last_review=self.last_review,
        )


def new_memory(now: datetime) -> Memory:
    return Memory(int(State.Learning), 0, None, None, now, None, 0, 0)


def review(memory: Memory | None, correct: bool, at: datetime, fsrs: Scheduler) -> Memory:
    """The state after one answer given at ``at`` (an aware datetime)."""
    at = at.astimezone(UTC)
    before = memory or new_memory(at)
    if before.last_review is not None and at < before.last_review:
        # Two answers to one question a few milliseconds apart (a round's batch and a practice click) can be
        # stored out of order; FSRS must never see time running backwards, so the later-stored one counts
        # as given at the same moment.
        at = before.last_review
    card, _log = fsrs.review_card(before.card(), rating_for(correct), review_datetime=at)
    return Memory(
        state=int(card.state),
        step=card.step,
        stability=card.stability,
        difficulty=card.difficulty,
        due=card.due,
        last_review=card.last_review,
        reviews=before.reviews + 1,
        lapses=before.lapses + (0 if correct else 1),
    )


def recall(memory: Memory | None, now: datetime, fsrs: Scheduler) -> float:
    """Predicted probability of recalling the answer now (0 for a question never answered)."""
    if memory is None:
        return 0.0
    return float(fsrs.get_card_retrievability(memory.card(), current_datetime=now.astimezone(UTC)))
