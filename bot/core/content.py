"""Content models: a deck of multiple-choice questions, as written in YAML and by moderators."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from bot.core.checks import Check

LETTERS = "ABCDE"
# The deck a command uses when the member names none.
DEFAULT_DECK = "trl"
SLUG_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"

# Discord renders the prompt in an embed description (4096) and each choice in a field value (1024);
# these limits leave room for the header, letters and the reveal marks added around them.
PROMPT_MAX = 1000
CHOICE_MAX = 200
EXPLANATION_MAX = 1000
MIN_CHOICES = 2
MAX_CHOICES = 5

Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN, max_length=64)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Difficulty = Literal["easy", "medium", "hard"]


class _Strict(BaseModel):
    # strict=True refuses YAML 1.1's coercions (yes -> True, 1.0 -> float) instead of silently
    # turning them back into text; the author gets an error asking to quote the value.
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Question(_Strict):
    """One multiple-choice question with its explanation and provenance."""

    id: Slug
    topic: Slug = "general"
    difficulty: Difficulty = "medium"
    kind: Literal["recall", "understanding", "scenario"] | None = None
    prompt: Annotated[Text, StringConstraints(max_length=PROMPT_MAX)]
    choices: list[Annotated[Text, StringConstraints(max_length=CHOICE_MAX)]] = Field(
        min_length=MIN_CHOICES, max_length=MAX_CHOICES
    )
    answer: Annotated[str, StringConstraints(pattern=r"^[A-E]$")]
    explanation: Annotated[Text, StringConstraints(max_length=EXPLANATION_MAX)]
    trl_version: Annotated[str, StringConstraints(pattern=r"^\d+\.\d+(\.\d+)?$")] | None = None
    source: Annotated[Text, StringConstraints(max_length=300)] | None = None
    # Facts a machine verifies against the TRL release (python -m bot verify-content); built-in decks only.
    checks: list[Check] = Field(default_factory=list[Check], max_length=10)

    @field_validator("choices")
    @classmethod
    def _distinct_choices(cls, choices: list[str]) -> list[str]:
        seen: set[str] = set()
        for choice in choices:
            key = _normalise(choice)
            if key in seen:
                raise ValueError(f"choices must be distinct; {choice!r} appears twice")
            seen.add(key)
        return choices

    @model_validator(mode="after")
    def _answer_in_range(self) -> Question:
        if self.answer_index >= len(self.choices):
            last = LETTERS[len(self.choices) - 1]
            raise ValueError(
                f"answer {self.answer!r} is out of range: there are {len(self.choices)} choices (A-{last})"
            )
        return self

    @property
    def answer_index(self) -> int:
        return LETTERS.index(self.answer)


class Deck(_Strict):
    """A content file: a named deck and its questions."""

    deck: Slug
    title: Annotated[Text, StringConstraints(max_length=100)] | None = None
    questions: list[Question] = Field(min_length=1)


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


def letter(index: int) -> str:
    """Return the letter shown for the choice at ``index``."""
    return LETTERS[index]
