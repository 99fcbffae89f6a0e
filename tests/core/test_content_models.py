"""The content models accept good questions and refuse bad ones with the field named."""

import pytest
from pydantic import ValidationError

from bot.core.content import Question


def good(**changes):
    data = {
        "id": "q-one",
        "prompt": "Which trainer?",
        "choices": ["SFTTrainer", "DPOTrainer"],
        "answer": "B",
        "explanation": "Because.",
    }
    data.update(changes)
    return data


def test_a_valid_question_knows_its_answer_index():
    """The answer letter maps to the index of the choice."""
    assert Question.model_validate(good()).answer_index == 1


@pytest.mark.parametrize(
    ("changes", "field", "fragment"),
    [
        ({"choices": ["only one"]}, "choices", "at least 2"),
        ({"choices": ["a", "b", "c", "d", "e", "f"]}, "choices", "at most 5"),
        ({"choices": ["Same", " same "]}, "choices", "distinct"),
        ({"answer": "C"}, None, "out of range"),
        ({"answer": "F"}, "answer", "pattern"),
        ({"explanation": "   "}, "explanation", "at least 1"),
        ({"prompt": "x" * 1001}, "prompt", "at most 1000"),
        ({"choices": ["a", True]}, "choices.1", "valid string"),
        ({"id": "Not A Slug"}, "id", "pattern"),
        ({"colour": "red"}, "colour", "Extra inputs"),
        ({"difficulty": "trivial"}, "difficulty", "easy"),
    ],
)
def test_bad_questions_are_refused_naming_the_field(changes, field, fragment):
    """Each bad input fails with an error located at its field."""
    with pytest.raises(ValidationError) as info:
        Question.model_validate(good(**changes))
    errors = info.value.errors()
    locs = [".".join(map(str, e["loc"])) for e in errors]
    if field is not None:
        assert field in locs, locs
    assert any(fragment in e["msg"] for e in errors), errors


def test_yaml_booleans_are_not_coerced_into_text():
    """A bare yes (a bool after YAML parsing) is refused rather than turned into 'True'."""
    with pytest.raises(ValidationError):
        Question.model_validate(good(prompt=True))
