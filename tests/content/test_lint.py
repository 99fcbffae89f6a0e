"""The content linter flags what a reviewer would, on deliberately broken decks."""

from pathlib import Path

import pytest

from bot.core.content import Deck
from bot.lint import lint


def question(i: int, **changes) -> dict:
    data = {
        "id": f"q-{i}",
        "prompt": f"Distinct prompt number {i} about topic {'abcdefghijklmnopqrstuvwxyz'[i % 26] * (i + 3)}?",
        "choices": ["alpha", "bravo", "charlie", "delta"],
        "answer": "ABCD"[i % 4],
        "explanation": "Because the source says so.",
        "trl_version": "1.16.0",
        "source": "trl/trainer/sft_config.py",
    }
    data.update(changes)
    return data


def deck(*questions: dict) -> list[tuple[Path, Deck]]:
    return [(Path("d.yaml"), Deck.model_validate({"deck": "trl", "questions": list(questions)}))]


def test_a_clean_deck_has_no_problems():
    """Balanced letters, sources and versions present: nothing to report."""
    assert lint(deck(*(question(i) for i in range(8)))) == []


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"trl_version": None}, "trl_version: missing"),
        ({"source": None}, "source: missing"),
        ({"explanation": "x" * 700}, "explanation: 700 characters"),
        ({"choices": ["a" * 150, "b", "c", "d"], "answer": "A"}, "correct choice is much longer"),
    ],
)
def test_single_question_problems(changes, expected):
    """Each broken field is reported with the file, the question and the field."""
    problems = lint(deck(question(0, **changes)))
    assert any(p.startswith("d.yaml: question 1 (id 'q-0')") and expected in p for p in problems), problems


def test_near_duplicate_prompts_are_flagged():
    """Two prompts that differ by a word are reported."""
    a = question(0, prompt="What does packing=True do in SFTTrainer?")
    b = question(1, prompt="What does packing=True do in the SFTTrainer?")
    assert any("nearly the same as 'q-0'" in p for p in lint(deck(a, b)))


def test_unbalanced_letters_are_flagged():
    """A deck where one letter is right in over 35% of questions is reported."""
    questions = [question(i, answer="A") for i in range(5)] + [question(i) for i in range(5, 10)]
    problems = lint(deck(*questions))
    assert any("answer A is correct in 6 of 10 questions (60%)" in p for p in problems), problems


def test_the_shipped_deck_spreads_its_letters_and_topics():
    """The TRL deck has at least 40 questions, no letter above 35%, and every required topic."""
    from bot.catalog import load_catalog

    questions = load_catalog(Path(__file__).resolve().parents[2] / "content").deck("trl")
    assert questions is not None
    assert len(questions) >= 40
    for letter in "ABCD":
        assert sum(q.answer == letter for q in questions) / len(questions) <= 0.35
    topics = {q.topic for q in questions}
    required = {
        "trl-basics",
        "datasets",
        "sft",
        "packing",
        "reward-modeling",
        "ppo",
        "rloo",
        "grpo",
        "kl-penalty",
        "dpo",
        "kto",
        "orpo-cpo-simpo",
        "peft",
        "cli",
        "scaling",
    }
    assert required <= topics, required - topics
    assert {q.difficulty for q in questions} == {"easy", "medium", "hard"}
    assert all(q.trl_version and q.source for q in questions)
    seeds = [q.id for q in questions[:5]]
    assert seeds == [
        "seed-01-trl-purpose",
        "seed-02-reward-model-role",
        "seed-03-dpo-dataset-format",
        "seed-04-kl-penalty-purpose",
        "seed-05-sft-packing",
    ]
    packing = next(q for q in questions if q.id == "seed-05-sft-packing")
    assert "ConstantLengthDataset" not in packing.choices[packing.answer_index]
