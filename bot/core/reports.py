"""Members' reports of a bad question: the reasons they can pick, and a stored report."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from bot.core.content import Question

ReasonCode = Literal["wrong_key", "two_right", "outdated", "unclear", "typo", "other"]
ReportStatus = Literal["open", "resolved", "dismissed"]

# In the order the form lists them; the codes are stored, the words shown.
REASONS: dict[ReasonCode, str] = {
    "wrong_key": "The answer key is wrong",
    "two_right": "More than one answer is right",
    "outdated": "Out of date for current TRL",
    "unclear": "Unclear wording",
    "typo": "Typo",
    "other": "Other",
}
DETAILS_MAX = 500


def reason_code(value: str) -> ReasonCode | None:
    """The reason a form sent, if it is one of ours (a forged submit can send anything)."""
    for code in REASONS:
        if code == value:
            return code
    return None


@dataclass(frozen=True, slots=True)
class Report:
    id: int
    guild_id: int
    member_id: int
    question_id: str
    question: Question  # as the member saw it
    reason: ReasonCode
    details: str
    status: ReportStatus
    created_at: datetime
    updated_at: datetime
    handled_by: int | None
    handled_at: datetime | None
    post_id: int | None = None
    session_id: int | None = None


@dataclass(frozen=True, slots=True)
class ReportTarget:
    """What a Report button points at: the question as the member was shown it, and where."""

    question: Question
    post_id: int | None
    session_id: int | None
    existing: Report | None  # the member's open report on this question, to fill the form in
