"""The daily rotation: no repeat until the whole pool was asked, then a new rotation."""

import random
from datetime import UTC, datetime, time, timedelta, timezone

import pytest

from bot.core.content import Question
from bot.core.rotation import next_daily, remaining_in_rotation
from bot.core.schedule import settled_day
from bot.core.scoring import week_of


def q(qid: str) -> Question:
    return Question(id=qid, prompt="?", choices=["a", "b"], answer="A", explanation="because")


POOL = [q("a"), q("b"), q("c")]


@pytest.mark.parametrize(
    ("asked", "cycle", "allowed", "next_cycle"),
    [
        (set(), 1, {"a", "b", "c"}, 1),  # nothing asked yet
        ({"a"}, 1, {"b", "c"}, 1),  # never a repeat within a rotation
        ({"a", "b"}, 4, {"c"}, 4),  # the last unasked one
        ({"a", "b", "c"}, 2, {"a", "b", "c"}, 3),  # all asked: a fresh rotation starts
        ({"a", "b", "c", "gone"}, 1, {"a", "b", "c"}, 2),  # ids no longer in the pool don't count
        ({"gone"}, 1, {"a", "b", "c"}, 1),
    ],
)
def test_next_daily(asked, cycle, allowed, next_cycle):
    """Whatever the seed, the pick is unasked in its rotation, and the rotation advances only when used up."""
    for seed in range(20):
        picked = next_daily(POOL, asked, cycle, random.Random(seed))
        assert picked.question.id in allowed
        assert picked.cycle == next_cycle


def test_next_daily_refuses_an_empty_pool():
    """There is nothing to pick from: the caller records an empty deck instead."""
    with pytest.raises(ValueError, match="empty"):
        next_daily([], set(), 1, random.Random(0))


@pytest.mark.parametrize(("asked", "left"), [(set(), 3), ({"a"}, 2), ({"a", "b", "c"}, 0), ({"x"}, 3)])
def test_remaining_in_rotation(asked, left):
    """Status counts only pool questions not yet asked."""
    assert remaining_in_rotation(POOL, asked) == left


BERLIN = timezone(timedelta(hours=1))
NINE = time(9, 0)


@pytest.mark.parametrize(
    ("set_at", "last", "settled"),
    [
        (datetime(2026, 11, 25, 7, 0, tzinfo=UTC), None, "2026-11-24"),  # set before 09:00: today still due
        (datetime(2026, 11, 25, 11, 0, tzinfo=UTC), None, "2026-11-25"),  # set after 09:00: tomorrow first
        (datetime(2026, 11, 25, 7, 0, tzinfo=UTC), "2026-11-27", "2026-11-27"),  # a later claim wins
        (datetime(2026, 11, 25, 11, 0, tzinfo=UTC), "2026-11-20", "2026-11-25"),
    ],
)
def test_settled_day(set_at, last, settled):
    """The last local day that gets no further post."""
    from datetime import date

    last_day = date.fromisoformat(last) if last else None
    assert settled_day(set_at, NINE, BERLIN, last_day).isoformat() == settled


@pytest.mark.parametrize(
    ("moment", "week"),
    [
        (datetime(2026, 11, 30, 0, 0, tzinfo=UTC), "2026-W49"),
        (datetime(2026, 11, 29, 23, 59, tzinfo=UTC), "2026-W48"),
        (datetime(2027, 1, 1, 12, 0, tzinfo=UTC), "2026-W53"),  # ISO years differ from calendar years
        (datetime(2026, 11, 30, 0, 30, tzinfo=timezone(timedelta(hours=2))), "2026-W48"),  # counted in UTC
    ],
)
def test_week_of(moment, week):
    """The weekly board's week is the ISO week of the moment in UTC."""
    assert week_of(moment) == week
