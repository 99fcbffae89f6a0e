"""Question quality for moderators and the deck's maintainers: item analysis of first answers, with reports."""

from __future__ import annotations

import csv
import io
import math
from collections import Counter
from collections.abc import Sequence
from datetime import datetime

from bot.core.content import LETTERS, Question
from bot.core.errors import UnknownQuestion
from bot.core.insights import DeckInsight, InsightRow, QuestionInsight
from bot.core.item_analysis import ItemStats, ResponseGroup, analyse, describe, flags, severity
from bot.services.bank import QuestionBank
from bot.services.ports import Clock
from bot.storage.items import ItemRepository
from bot.storage.reports import ReportRepository

PAGE = 8


class InsightService:
    def __init__(self, items: ItemRepository, reports: ReportRepository, bank: QuestionBank, clock: Clock) -> None:
        self.items = items
        self.reports = reports
        self.bank = bank
        self.clock = clock

    async def _question(self, guild_id: int, question_id: str) -> Question | None:
        return self.bank.builtin(question_id) or await self.bank.repo.custom(
            guild_id, question_id, include_removed=True
        )

    async def question(self, guild_id: int, question_id: str) -> QuestionInsight:
        """One question in this server: figures, per-option analysis, flags and open reports."""
        question = await self._question(guild_id, question_id)
        if question is None:
            raise UnknownQuestion(f"There is no question “{question_id}” here. See /quiz-admin question list.")
        groups = await self.items.groups(guild_id, question.id)
        k = sum(g.rest_members for g in groups if g.correct)
        top = await self.items.top_rest_sum(guild_id, question.id, k) if k else None
        stats = analyse(question.id, len(question.choices), question.answer_index, groups, top)
        reports = await self.reports.open_for_question(guild_id, question.id)
        hidden = question.id in await self.bank.repo.hidden_question_ids(guild_id)
        return QuestionInsight(question, stats, flags(stats), tuple(reports), hidden)

    async def deck(self, guild_id: int, deck: str, page: int = 1) -> DeckInsight:
        """Every question of the deck in this server (built-in, hidden ones included, and its own), worst first."""
        builtin = list(self.bank.catalog.deck(deck) or ())
        custom = await self.bank.repo.custom_questions(guild_id, deck)
        if not builtin and not custom:
            self._unknown_deck(deck)
        hidden = await self.bank.repo.hidden_question_ids(guild_id)
        groups = await self.items.all_groups(guild_id)
        rows = _rows([*builtin, *custom], groups, await self.reports.open_reasons(guild_id), hidden)
        return _page(deck, rows, page, self.clock())

    async def across_servers(self, deck: str) -> DeckInsight:
        """The deck's built-in questions with every server's first answers: their ids are the same everywhere."""
        builtin = list(self.bank.catalog.deck(deck) or ())
        if not builtin:
            self._unknown_deck(deck)
        groups = await self.items.all_groups(None)
        rows = _rows(builtin, groups, await self.reports.open_reasons(None), set())
        return _page(deck, rows, 1, self.clock(), size=len(rows) or 1)

    def _unknown_deck(self, deck: str) -> None:
        known = ", ".join(self.bank.deck_names()) or "none"
        raise UnknownQuestion(f"There is no deck called “{deck}”. Decks: {known}.")


def _rows(
    questions: Sequence[Question],
    groups: dict[str, list[ResponseGroup]],
    reasons: dict[str, Counter[str]],
    hidden: set[str],
) -> list[InsightRow]:
    rows: list[InsightRow] = []
    for q in questions:
        stats = analyse(q.id, len(q.choices), q.answer_index, groups.get(q.id, []))
        found = flags(stats)
        counts = reasons.get(q.id, Counter[str]())
        rows.append(InsightRow(q, stats, found, counts, q.id in hidden, severity(found, sum(counts.values()))))
    # Worst first; among equals the least discriminating, then by id so the order is stable.
    rows.sort(key=lambda r: (-r.severity, _sortable(r.stats.discrimination), r.question.id))
    return rows


def _sortable(value: float | None) -> float:
    return math.inf if value is None else value


def _page(deck: str, rows: list[InsightRow], page: int, as_of: datetime, size: int = PAGE) -> DeckInsight:
    needing = [r for r in rows if r.severity > 0]
    pages = max(1, math.ceil(len(needing) / size))
    page = min(max(1, page), pages)
    start = (page - 1) * size
    return DeckInsight(deck, tuple(rows), tuple(needing[start : start + size]), page, pages, len(needing), as_of)


def _figure(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


def to_csv(rows: Sequence[InsightRow]) -> str:
    """One row per question, one column per figure, for the people who maintain the deck."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    option_columns = [f"{letter}_{what}" for letter in LETTERS for what in ("count", "share", "pbis")]
    writer.writerow(
        [
            "question_id",
            "topic",
            "choices",
            "key",
            "answered",
            "right",
            "facility",
            "discrimination",
            *option_columns,
            "flags",
            "open_reports",
            "hidden",
        ]
    )
    for row in rows:
        s: ItemStats = row.stats
        options: list[str] = []
        for i in range(len(LETTERS)):
            if i < len(s.options) and i < s.choices:
                o = s.options[i]
                options += [str(o.count), _figure(o.share), _figure(o.point_biserial)]
            else:
                options += ["", "", ""]
        writer.writerow(
            [
                row.question.id,
                row.question.topic,
                s.choices,
                LETTERS[s.key],
                s.answered,
                s.right,
                _figure(s.facility),
                _figure(s.discrimination),
                *options,
                "; ".join(describe(f) for f in row.flags),
                row.open_reports,
                int(row.hidden),
            ]
        )
    return out.getvalue()
