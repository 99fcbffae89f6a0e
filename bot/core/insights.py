"""What moderators are shown about question quality: one question in depth, or the deck's worst first."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from bot.core.content import Question
from bot.core.item_analysis import Flag, ItemStats
from bot.core.reports import Report


@dataclass(frozen=True, slots=True)
class QuestionInsight:
    question: Question
    stats: ItemStats
    flags: tuple[Flag, ...]
    reports: tuple[Report, ...]  # open ones, newest first
    hidden: bool


@dataclass(frozen=True, slots=True)
class InsightRow:
    """One question of the deck overview (and one line of the CSV)."""

    question: Question
    stats: ItemStats
    flags: tuple[Flag, ...]
    reports: Counter[str]  # open reports per reason code
    hidden: bool
    severity: int

    @property
    def open_reports(self) -> int:
        return sum(self.reports.values())


@dataclass(frozen=True, slots=True)
class DeckInsight:
    deck: str
    rows: tuple[InsightRow, ...]  # every question of the deck, worst first
    attention: tuple[InsightRow, ...]  # this page of the questions that need attention
    page: int
    pages: int
    needing: int  # how many need attention in all
    as_of: datetime  # when the figures were read
