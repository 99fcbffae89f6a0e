"""Scoring rules: a point for a first correct answer only; shares add up to 100."""

import pytest

from bot.core.scoring import next_streak, percentages, points_for


@pytest.mark.parametrize(
    ("correct", "first", "points"), [(True, True, 1), (True, False, 0), (False, True, 0), (False, False, 0)]
)
def test_points_only_for_first_correct_answer(correct, first, points):
    """Only the first correct answer to a question earns a point."""
    assert points_for(correct, first) == points


@pytest.mark.parametrize(
    ("counts", "shares"),
    [([1, 1, 1], [34, 33, 33]), ([0, 0], [0, 0]), ([3, 1], [75, 25]), ([1, 0, 0, 0], [100, 0, 0, 0])],
)
def test_percentages_add_up(counts, shares):
    """Shares are whole numbers that sum to 100 whenever anyone answered."""
    assert percentages(counts) == shares


def test_streak_resets_on_a_wrong_answer():
    """A wrong answer ends the streak."""
    assert next_streak(next_streak(0, True), True) == 2
    assert next_streak(5, False) == 0
