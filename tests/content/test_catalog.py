"""Loading content files: safe YAML, every problem reported with file, question and field."""

import json
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.catalog import ContentError, load_catalog, parse_deck
from bot.core.content import Deck

ROOT = Path(__file__).resolve().parents[2]

VALID = """
deck: trl
questions:
  - id: q-one
    prompt: "Which trainer?"
    choices: ["SFTTrainer", "DPOTrainer"]
    answer: A
    explanation: "Because."
"""


def test_shipped_content_loads():
    """Every file under content/ validates and the trl deck has questions."""
    catalog = load_catalog(ROOT / "content")
    assert len(catalog.deck("trl") or ()) >= 5


def test_shipped_content_passes_the_linter(capsys):
    """check-content exits 0 on the shipped deck (as CI runs it)."""
    assert main(["check-content"]) == 0, capsys.readouterr().out


def test_committed_json_schema_is_current():
    """content/deck.schema.json equals what the models generate now (run python -m bot schema)."""
    committed = json.loads((ROOT / "content" / "deck.schema.json").read_text())
    assert committed == Deck.model_json_schema()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("deck: trl\nquestions: [", "f.yaml: not valid YAML"),
        ("- just\n- a list\n", "expected a mapping"),
        (
            VALID.replace('["SFTTrainer", "DPOTrainer"]', '["SFTTrainer", yes]'),
            "question 1 (id 'q-one'): choices.B: Input should be a valid string (got True; quote the value",
        ),
        (VALID.replace("answer: A", "answer: C"), "question 1 (id 'q-one'): Value error, answer 'C' is out of range"),
        (VALID + "    hint: nope\n", "question 1 (id 'q-one'): hint: unknown field"),
        (VALID.replace('explanation: "Because."', 'explanation: ""'), "question 1 (id 'q-one'): explanation:"),
        ("a: &x [1, 2]\nb: *x\n", "anchors and aliases"),
        ("deck: trl\nquestions:\n  - prompt: 'no id'\n", "question 1: id: Field required"),
    ],
)
def test_malformed_content_names_file_question_and_field(text, expected):
    """Each malformed document yields a message with its location."""
    with pytest.raises(ContentError) as info:
        parse_deck(text, "f.yaml")
    assert any(expected in problem for problem in info.value.problems), info.value.problems


def test_billion_laughs_is_refused_quickly():
    """Nested anchors are refused before anything expands."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 9):
        prev, cur = chr(ord("a") + i - 1), chr(ord("a") + i)
        lines.append(f"{cur}: &{cur} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]")
    with pytest.raises(ContentError, match="anchors and aliases"):
        parse_deck("\n".join(lines), "bomb.yaml")


def test_every_problem_of_every_file_is_collected(tmp_path):
    """Two broken files give problems for both, not just the first."""
    (tmp_path / "a.yaml").write_text(VALID.replace("answer: A", "answer: Z").replace("q-one", "q-zero"))
    (tmp_path / "b.yaml").write_text(VALID.replace("Which", "What"))
    (tmp_path / "c.yaml").write_text(VALID.replace("Which", "Whom"))  # duplicate id q-one
    with pytest.raises(ContentError) as info:
        load_catalog(tmp_path)
    text = "\n".join(info.value.problems)
    assert "a.yaml: question 1 (id 'q-zero'): answer" in text
    assert "c.yaml: question 1 (id 'q-one'): id: duplicate id, already used in" in text
