"""Moderators' question management: add, edit, remove, hide, list, import and export."""

from __future__ import annotations

import math
from datetime import timedelta

from bot.catalog import ContentError, dump_deck, parse_deck
from bot.core.content import DEFAULT_DECK, Deck, Question
from bot.core.drafts import Draft, validate_draft
from bot.core.errors import InvalidContent, InvalidDraft, QuizError, UnknownDeck, UnknownQuestion
from bot.core.results import ListedQuestion, QuestionPage
from bot.services.bank import QuestionBank
from bot.services.ports import Clock
from bot.storage.drafts import DraftRepository
from bot.storage.questions import QuestionRepository

MAX_IMPORT_BYTES = 256_000
LIST_PAGE = 10
DRAFT_KEPT_FOR = timedelta(hours=24)


class QuestionService:
    def __init__(self, repo: QuestionRepository, drafts: DraftRepository, bank: QuestionBank, clock: Clock) -> None:
        self.repo = repo
        self.drafts = drafts
        self.bank = bank
        self.clock = clock

    # -- a refused form, kept so "Fix it" reopens it as typed (also after a restart) ------------
    async def keep_draft(self, *, guild_id: int, member_id: int, draft: Draft) -> None:
        now = self.clock()
        await self.drafts.keep(guild_id, member_id, draft, now=now, expires_at=now + DRAFT_KEPT_FOR)

    async def refused_draft(self, *, guild_id: int, member_id: int) -> Draft | None:
        return await self.drafts.get(guild_id, member_id, self.clock())

    async def drop_draft(self, *, guild_id: int, member_id: int) -> None:
        await self.drafts.drop(guild_id, member_id)

    def topics(self) -> list[str]:
        """The topics of the built-in decks, for the question form's list."""
        found = {q.topic for deck in self.bank.deck_names() for q in self.bank.catalog.deck(deck) or ()}
        return sorted(found | {"general"})

    def check_deck(self, deck: str) -> None:
        if deck not in self.bank.deck_names():
            known = ", ".join(self.bank.deck_names())
            raise UnknownDeck(f"There is no deck called “{deck}”. Decks: {known}.")

    async def add(self, *, guild_id: int, member_id: int, deck: str, draft: Draft) -> Question:
        """Validate the draft and store it as a new question of this server."""
        self.check_deck(deck)
        for _attempt in range(5):
            number = await self.repo.next_custom_number(guild_id)
            question, problems = validate_draft(draft, f"custom-{number}")
            if question is None:
                raise InvalidDraft(problems, draft)
            # Insert only: a concurrent add (or an import) that took this id first makes us pick the next.
            if await self.repo.insert_new(guild_id, deck, question, member_id, self.clock()):
                return question
        raise QuizError("Too many questions were added at the same moment; please submit again.")

    async def editable(self, guild_id: int, question_id: str) -> Question:
        """The server's own question, for the edit modal; built-in ones are refused with advice."""
        question = await self.repo.custom(guild_id, question_id)
        if question is not None:
            return question
        if self.bank.builtin(question_id) is not None:
            raise QuizError(
                f"“{question_id}” is a built-in question and can't be edited here. "
                "Hide it with /quiz-admin question hide and add your own version."
            )
        raise UnknownQuestion(f"This server has no question “{question_id}”. See /quiz-admin question list.")

    async def edit(self, *, guild_id: int, member_id: int, question_id: str, draft: Draft) -> tuple[Question, str]:
        """Save a new revision of the server's question; (question, its deck)."""
        await self.editable(guild_id, question_id)
        deck = await self.repo.custom_deck(guild_id, question_id) or DEFAULT_DECK
        question, problems = validate_draft(draft, question_id)
        if question is None:
            raise InvalidDraft(problems, draft)
        await self.repo.save_many(guild_id, deck, [question], member_id, self.clock())
        return question, deck

    async def remove(self, *, guild_id: int, question_id: str) -> Question:
        question = await self.editable(guild_id, question_id)
        await self.repo.remove(guild_id, question_id, self.clock())
        return question

    async def set_hidden(self, *, guild_id: int, member_id: int, question_id: str, hidden: bool) -> bool:
        """Hide or show a built-in question in this server; False if nothing changed."""
        if self.bank.builtin(question_id) is None:
            if await self.repo.custom(guild_id, question_id) is not None:
                raise QuizError("That is one of this server's own questions: remove it instead of hiding it.")
            raise UnknownQuestion(f"There is no built-in question “{question_id}”.")
        return await self.repo.set_hidden(guild_id, question_id, hidden, member_id, self.clock())

    async def listing(self, *, guild_id: int, deck: str, page: int) -> QuestionPage:
        self.check_deck(deck)
        builtin = self.bank.catalog.deck(deck) or ()
        custom = await self.repo.custom_questions(guild_id, deck)
        hidden = await self.repo.hidden_question_ids(guild_id)
        rates = await self.repo.answer_rates(guild_id)
        rows = [
            ListedQuestion(
                id=q.id,
                prompt=q.prompt,
                builtin=is_builtin,
                hidden=q.id in hidden,
                answered=rates[q.id].answered if q.id in rates else 0,
                correct=rates[q.id].correct if q.id in rates else 0,
            )
            for is_builtin, questions in ((False, custom), (True, builtin))
            for q in questions
        ]
        pages = max(1, math.ceil(len(rows) / LIST_PAGE))
        page = min(max(1, page), pages)
        start = (page - 1) * LIST_PAGE
        return QuestionPage(deck, tuple(rows[start : start + LIST_PAGE]), page, pages, len(rows))

    async def import_yaml(self, *, guild_id: int, member_id: int, data: bytes, filename: str) -> tuple[int, int]:
        """Import a deck file all-or-nothing; (added, updated)."""
        if len(data) > MAX_IMPORT_BYTES:
            raise InvalidContent(
                f"{filename} is {len(data) // 1000} kB; imports are limited to {MAX_IMPORT_BYTES // 1000} kB."
            )
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidContent(f"{filename} is not UTF-8 text.") from None
        try:
            deck = parse_deck(text, filename)
        except ContentError as exc:
            raise InvalidContent("\n".join(exc.problems)) from None
        self.check_deck(deck.deck)
        problems: list[str] = []
        for index, question in enumerate(deck.questions):
            if question.checks:
                problems.append(
                    f"{filename}: question {index + 1} (id {question.id!r}): checks: only the built-in decks carry "
                    "fact checks; remove the field"
                )
            if self.bank.builtin(question.id) is not None:
                problems.append(
                    f"{filename}: question {index + 1} (id {question.id!r}): id: belongs to a built-in question; "
                    "give your question its own id"
                )
        seen: set[str] = set()
        for index, question in enumerate(deck.questions):
            if question.id in seen:
                problems.append(f"{filename}: question {index + 1} (id {question.id!r}): id: appears twice")
            seen.add(question.id)
        if problems:
            raise InvalidContent("\n".join(problems))
        return await self.repo.save_many(guild_id, deck.deck, list(deck.questions), member_id, self.clock())

    async def export_yaml(self, *, guild_id: int, deck: str) -> tuple[str, int]:
        """This server's own questions of ``deck`` as a content file; (text, count)."""
        self.check_deck(deck)
        custom = await self.repo.custom_questions(guild_id, deck)
        if not custom:
            raise QuizError(f"This server has no questions of its own in “{deck}” yet; nothing to export.")
        return dump_deck(Deck(deck=deck, questions=custom)), len(custom)
