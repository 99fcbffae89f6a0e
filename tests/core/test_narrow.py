"""Narrowing a round to one topic and difficulty."""

from typing import Literal

import pytest

from bot.core.content import Question
from bot.core.rounds import narrow, topic_sizes


def q(qid: str, topic: str, difficulty: Literal["easy", "medium", "hard"]) -> Question:
    return Question(id=qid, topic=topic, difficulty=difficulty, prompt="?", choices=["a", "b"], answer="A",
                    explanation="e")  # fmt: skip


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
