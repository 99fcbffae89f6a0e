"""A question as a moderator typed it in the modal, and its validation into a Question."""

from __future__ import annotations

import re
from dataclasses import dataclass

from pydantic import ValidationError

from bot.core.content import CHOICE_MAX, EXPLANATION_MAX, LETTERS, MAX_CHOICES, MIN_CHOICES, PROMPT_MAX, Question

FIELD_NAMES = {
    "prompt": "Question",
    "choices": "Choices",
    "answer": "Correct letter",
    "explanation": "Explanation",
    "topic": "Topic",
    "id": "Id",
}


@dataclass(frozen=True, slots=True)
class Draft:
    """The modal's raw text, kept so a refused draft can be shown and reopened as typed."""

    prompt: str
    choices: str
    answer: str
    explanation: str
    topic: str = ""

    def choice_list(self) -> list[str]:
        return [line.strip() for line in self.choices.splitlines() if line.strip()]


def draft_from_question(question: Question) -> Draft:
    return Draft(
        prompt=question.prompt,
        choices="\n".join(question.choices),
        answer=question.answer,
        explanation=question.explanation,
        topic="" if question.topic == "general" else question.topic,
    )


def validate_draft(draft: Draft, question_id: str) -> tuple[Question | None, list[str]]:
    """Return the question, or every problem found, each naming the modal field."""
    problems: list[str] = []
    choices = draft.choice_list()
    if not MIN_CHOICES <= len(choices) <= MAX_CHOICES:
        problems.append(f"Choices: write {MIN_CHOICES} to {MAX_CHOICES} choices, one per line (found {len(choices)}).")
    answer = draft.answer.strip().upper().rstrip(".)")
    if not re.fullmatch(r"[A-E]", answer):
        problems.append(f"Correct letter: write one letter, A to {LETTERS[max(len(choices), 1) - 1]}.")
    data = {
        "id": question_id,
        "prompt": draft.prompt.strip(),
        "choices": choices,
        "answer": answer,
        "explanation": draft.explanation.strip(),
    }
    if draft.topic.strip():
        data["topic"] = draft.topic.strip().lower()
    try:
        return Question.model_validate(data), []
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            loc = error["loc"]
            field = FIELD_NAMES.get(str(loc[0]), str(loc[0])) if loc else "Question"
            if loc and loc[0] in {"choices", "answer"} and problems:
                continue  # already explained above in the moderator's terms
            message = error["msg"]
            if loc and loc[0] == "choices" and len(loc) > 1 and isinstance(loc[1], int):
                field = f"Choices, line {loc[1] + 1}"
            message = _friendly(message, str(loc[0]) if loc else "")
            problems.append(f"{field}: {message}.")
        return None, problems


def _friendly(message: str, field: str) -> str:
    limits = {"prompt": PROMPT_MAX, "choices": CHOICE_MAX, "explanation": EXPLANATION_MAX}
    if "at most" in message and field in limits:
        return f"{message.rstrip('.')} (limit {limits[field]} characters so the post fits Discord's limits)"
    if message.startswith("Value error, "):
        return message.removeprefix("Value error, ")
    return message
