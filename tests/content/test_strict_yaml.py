"""Content input is strict: a key given twice is an error naming the file, the line and the key."""

import pytest

from bot.catalog import ContentError, load_files, parse_deck

TWICE = """\
deck: trl
questions:
  - id: q-one
    prompt: "Which trainer?"
    choices: ["SFTTrainer", "DPOTrainer"]
    answer: "A"
    answer: "B"
"""


def test_a_repeated_key_is_refused_with_its_line_and_name():
    """YAML would keep the last value (the answer silently becomes B); we refuse the file instead."""
    with pytest.raises(ContentError) as caught:
        parse_deck(TWICE, "decks/trl.yaml")
    assert caught.value.problems == [
        "decks/trl.yaml: not valid YAML: duplicate key 'answer' (first given at line 6) at line 7, column 5"
    ]


def test_a_repeated_top_level_key_is_refused(tmp_path):
    """The same holds at every level, and load_files reports it like any other problem."""
    path = tmp_path / "deck.yaml"
    path.write_text("deck: trl\ndeck: other\nquestions: []\n", encoding="utf-8")
    decks, problems = load_files([path])
    assert decks == [] and problems == [
        f"{path}: not valid YAML: duplicate key 'deck' (first given at line 1) at line 2, column 1"
    ]


def test_the_same_key_in_two_mappings_is_fine():
    """Each question has its own 'id' and 'answer': only repeats within one mapping are refused."""
    question = '  - id: {}\n    prompt: "Which?"\n    choices: ["a", "b"]\n    answer: "A"\n    explanation: "So."\n'
    text = "deck: trl\nquestions:\n" + question.format("q-one") + question.format("q-two")
    assert [q.id for q in parse_deck(text, "x.yaml").questions] == ["q-one", "q-two"]
