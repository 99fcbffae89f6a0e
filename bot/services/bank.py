"""Which questions a server can be asked: built-in decks less hidden ones, plus its own."""

from __future__ import annotations

from bot.catalog import Catalog
from bot.core.content import Question
from bot.core.errors import UnknownDeck
from bot.storage.questions import QuestionRepository


class QuestionBank:
    def __init__(self, catalog: Catalog, repo: QuestionRepository) -> None:
        self.catalog = catalog
        self.repo = repo

    def deck_names(self) -> list[str]:
        return self.catalog.deck_names

    async def pool(self, guild_id: int, deck: str) -> list[Question]:
        """Questions of ``deck`` this server may be asked, built-in first."""
        builtin = self.catalog.deck(deck)
        custom = await self.repo.custom_questions(guild_id, deck)
        if builtin is None and not custom:
            known = ", ".join(self.catalog.deck_names) or "none"
            raise UnknownDeck(f"There is no deck called “{deck}”. Decks: {known}.")
        hidden = await self.repo.hidden_question_ids(guild_id)
        return [q for q in builtin or () if q.id not in hidden] + custom

    def title(self, deck: str) -> str:
        """The deck's display name ("Hugging Face TRL"), or its slug."""
        return self.catalog.titles.get(deck, deck)

    def builtin(self, question_id: str) -> Question | None:
        return self.catalog.question(question_id)
