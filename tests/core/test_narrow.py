"""Narrowing a round to one topic and difficulty, and picking its questions."""

import random
from typing import Literal

import pytest

from bot.core.content import Question
from bot.core.rounds import narrow, pick_questions, topic_sizes


def q(qid: str, topic: str, difficulty: Literal["easy", "medium", "hard"]) -> Question:
    return Question(
        id=qid, topic=topic, difficulty=difficulty, prompt="?", choices=["a", "b"], answer="A", explanation="e"
    )


POOL = [q("a", "grpo", "easy"), q("b", "grpo", "hard"), q("c", "dpo", "hard"), q("d", "sft", "medium")]


@pytest.mark.parametrize(
    ("topic", "difficulty", "ids"),
    [
        (None, None, ["a", "b", "c", "d"]),
        ("grpo", None, ["a", "b"]),
        (None, "hard", ["b", "c"]),
        ("grpo", "hard", ["b"]),
        ("sft", "hard", []),
        ("nope", None, []),
    ],
)
def test_narrow(topic, difficulty, ids):
    """Either filter may be left out; both together intersect."""
    assert [x.id for x in narrow(POOL, topic, difficulty)] == ids


def test_topic_sizes_biggest_first_then_by_name():
    """Autocomplete shows the biggest topics first."""
    assert list(topic_sizes(POOL).items()) == [("grpo", 2), ("dpo", 1), ("sft", 1)]


BIG = [q(f"q{i}", "grpo", "easy") for i in range(15)]


@pytest.mark.parametrize(
    ("pool", "count", "expected"),
    [
        (BIG, None, 10),  # no count: the whole pool up to ten
        (BIG, 25, 15),  # more than the pool: the pool
        (BIG, 3, 3),
        (POOL, None, 4),
        ([], 5, 0),
    ],
)
def test_pick_questions_takes_count_without_repeats(pool, count, expected):
    picked = pick_questions(pool, count, random.Random(7))
    assert len(picked) == expected
    assert len({p.id for p in picked}) == expected  # never the same question twice
    assert {p.id for p in picked} <= {p.id for p in pool}
