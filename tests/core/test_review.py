"""Spaced review: the rating rule, FSRS scheduling on a fixed clock, and what practice picks next."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from fsrs import Rating

from bot.core.content import Question
from bot.core.practice import day_streak, due_count, mastery_by_topic, next_due, next_question
from bot.core.review import MAXIMUM_INTERVAL_DAYS, rating_for, recall, review, scheduler

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
FSRS = scheduler()


def q(qid: str, topic: str = "general") -> Question:
    return Question(id=qid, topic=topic, prompt="?", choices=["a", "b"], answer="A", explanation="e")


@pytest.mark.parametrize(("correct", "rating"), [(True, Rating.Good), (False, Rating.Again)])
def test_rating_rule(correct, rating):
    """Right is Good and wrong is Again: never Hard for a miss, never Easy for a guessable pick."""
    assert rating_for(correct) is rating


def test_a_miss_comes_back_within_a_day():
    """No minute-level steps: a first miss is due the next day, not in a minute."""
    memory = review(None, False, T0, FSRS)
    assert timedelta(hours=1) < memory.due - T0 <= timedelta(days=1)
    assert (memory.reviews, memory.lapses) == (1, 1)


def test_an_answer_stored_out_of_order_never_turns_the_clock_back():
    """A round's batch may store an answer given a moment before a practice answer already stored: it counts
    as given at the same moment, so the state is what two answers at one time give."""
    later = review(review(None, True, T0, FSRS), True, T0 + timedelta(days=3), FSRS)
    out_of_order = review(later, False, T0 + timedelta(days=3) - timedelta(milliseconds=5), FSRS)
    at_the_same_time = review(later, False, T0 + timedelta(days=3), FSRS)
    assert out_of_order == at_the_same_time
    assert out_of_order.last_review == T0 + timedelta(days=3)


def test_right_answers_move_it_out_further_each_time():
    """Each success grows the interval; a later miss brings it back within a day."""
    memory = review(None, True, T0, FSRS)
    intervals = []
    at = T0
    for _ in range(4):
        intervals.append(memory.due - at)
        at = memory.due
        memory = review(memory, True, at, FSRS)
    assert intervals == sorted(intervals) and len(set(intervals)) == 4
    assert intervals[0] >= timedelta(days=1)
    missed = review(memory, False, memory.due, FSRS)
    assert missed.due - memory.due <= timedelta(days=1)
    assert missed.lapses == 1 and missed.reviews == 6


def test_no_interval_exceeds_the_maximum():
    """However long the streak of successes, the next review is at most the maximum interval away."""
    memory = review(None, True, T0, FSRS)
    for _ in range(30):
        at = memory.due
        memory = review(memory, True, at, FSRS)
        assert memory.due - at <= timedelta(days=MAXIMUM_INTERVAL_DAYS)


def test_recall_is_zero_before_any_answer_and_about_the_target_when_due():
    """Retrievability: 0 for unseen, ~0.9 at the due date (the desired retention)."""
    assert recall(None, T0, FSRS) == 0.0
    memory = review(review(None, True, T0, FSRS), True, T0 + timedelta(days=2), FSRS)
    assert recall(memory, memory.due, FSRS) == pytest.approx(0.9, abs=0.02)


def test_the_same_answers_give_the_same_state():
    """Deterministic (no fuzzing): a state rebuilt from the history equals the one kept incrementally."""
    answers = [(False, T0), (True, T0 + timedelta(days=1)), (True, T0 + timedelta(days=4))]
    first = second = None
    for correct, at in answers:
        first = review(first, correct, at, FSRS)
        second = review(second, correct, at, FSRS)
    assert first == second


POOL = [q("a1", "alpha"), q("a2", "alpha"), q("b1", "beta"), q("b2", "beta"), q("c1", "gamma")]


def test_due_reviews_come_first_most_overdue_first():
    """Two due questions: the one due longer ago is picked; not-yet-due ones wait."""
    now = T0 + timedelta(days=10)
    memories = {
        "a1": review(None, False, T0 + timedelta(days=5), FSRS),  # due day 6
        "b1": review(None, False, T0 + timedelta(days=2), FSRS),  # due day 3: more overdue
        "c1": review(None, True, T0 + timedelta(days=9), FSRS),  # not due yet
    }
    pick = next_question(POOL, memories, now, FSRS)
    assert pick is not None and (pick.question.id, pick.reason) == ("b1", "due")
    pick = next_question(POOL, memories, now, FSRS, skip={"b1"})
    assert pick is not None and (pick.question.id, pick.reason) == ("a1", "due")


def test_then_a_new_question_from_the_weakest_topic():
    """Nothing due: an unseen question of the topic with the lowest mean recall."""
    now = T0 + timedelta(days=1)
    memories = {
        "a1": review(None, True, T0, FSRS),  # alpha: one of two known
        "b1": review(None, True, T0, FSRS),
        "b2": review(None, True, T0, FSRS),  # beta: both known
    }
    pick = next_question(POOL, memories, now, FSRS)
    assert pick is not None and (pick.question.id, pick.reason) == ("c1", "new")  # gamma: nothing known
    pick = next_question(POOL, memories, now, FSRS, skip={"c1"})
    assert pick is not None and pick.question.id == "a2"


def test_nothing_left_says_when_the_next_review_is():
    """All seen, none due: no pick, and the next due time of the pool's questions."""
    memories = {x.id: review(None, True, T0, FSRS) for x in POOL}
    assert next_question(POOL, memories, T0 + timedelta(hours=1), FSRS) is None
    assert next_due(POOL, memories) == min(m.due for m in memories.values())


def test_never_a_question_outside_the_pool():
    """Review state of questions not in this server's pool (hidden, removed, elsewhere) is ignored."""
    memories = {"elsewhere": review(None, False, T0, FSRS)}
    pick = next_question(POOL[:1], memories, T0 + timedelta(days=5), FSRS)
    assert pick is not None and pick.question.id == "a1"
    assert due_count(POOL[:1], memories, T0 + timedelta(days=5)) == 0
    assert next_due(POOL[:1], memories) is None


def test_mastery_counts_unseen_as_zero():
    """Mean predicted recall per topic, with unseen questions at 0."""
    memories = {"a1": review(None, True, T0, FSRS)}
    by_topic = {m.topic: m for m in mastery_by_topic(POOL, memories, T0, FSRS)}
    assert by_topic["alpha"].seen == 1 and by_topic["alpha"].questions == 2
    assert by_topic["alpha"].mastery == pytest.approx(recall(memories["a1"], T0, FSRS) / 2)
    assert by_topic["beta"].mastery == 0.0


BERLIN = timezone(timedelta(hours=1))


@pytest.mark.parametrize(
    ("days_ago", "streak"),
    [
        ([0, 1, 2], 3),
        ([1, 2], 2),  # today not answered yet: the streak still stands
        ([0, 2, 3], 1),  # a missed day breaks it
        ([2, 3], 0),
        ([], 0),
    ],
)
def test_day_streak(days_ago, streak):
    """Local days in a row with an answer, ending today or yesterday."""
    now = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    times = [now - timedelta(days=d) for d in days_ago]
    assert day_streak(times, BERLIN, now) == streak


def test_day_streak_uses_local_days():
    """23:30 UTC is already the next day in Berlin."""
    now = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    times = [datetime(2026, 11, 29, 23, 30, tzinfo=UTC), datetime(2026, 11, 29, 0, 30, tzinfo=UTC)]
    assert day_streak(times, BERLIN, now) == 2
    assert day_streak(times, UTC, now) == 1
