"""SQL for moderators' questions: adding, editing, removing, hiding, listing with answer rates."""

from __future__ import annotations

from datetime import datetime

from bot.core.content import Question
from bot.storage.rows import to_db_time
from bot.storage.seam import Storage
from bot.storage.types import AnswerRate


class QuestionRepository:
    def __init__(self, db: Storage) -> None:
        self.db = db

    async def hidden_question_ids(self, guild_id: int) -> set[str]:
        rows = await self.db.fetch_all("SELECT question_id FROM hidden_questions WHERE guild_id = ?", (guild_id,))
        return {row[0] for row in rows}

    async def custom_questions(self, guild_id: int, deck: str) -> list[Question]:
        rows = await self.db.fetch_all(
            "SELECT body FROM custom_questions WHERE guild_id = ? AND deck = ? AND removed_at IS NULL"
            " ORDER BY created_at, id",
            (guild_id, deck),
        )
        return [Question.model_validate_json(row[0]) for row in rows]

    async def custom(self, guild_id: int, question_id: str, *, include_removed: bool = False) -> Question | None:
        sql = "SELECT body FROM custom_questions WHERE guild_id = ? AND id = ?"
        if not include_removed:
            sql += " AND removed_at IS NULL"
        row = await self.db.fetch_one(sql, (guild_id, question_id))
        return Question.model_validate_json(row[0]) if row else None

    async def custom_deck(self, guild_id: int, question_id: str) -> str | None:
        return await self.db.fetch_value(
            "SELECT deck FROM custom_questions WHERE guild_id = ? AND id = ? AND removed_at IS NULL",
            (guild_id, question_id),
        )

    async def next_custom_number(self, guild_id: int) -> int:
        """One more than the highest custom-N this server ever had, removed or imported ones included."""
        highest = await self.db.fetch_value(
            "SELECT MAX(CAST(substr(id, 8) AS BIGINT)) FROM custom_questions WHERE guild_id = ?"
            " AND substr(id, 1, 7) = 'custom-' AND length(id) BETWEEN 8 AND 25"
            " AND ltrim(substr(id, 8), '0123456789') = ''",
            (guild_id,),
            default=0,
        )
        return int(highest) + 1

    async def insert_new(self, guild_id: int, deck: str, question: Question, member_id: int, now: datetime) -> bool:
        """Insert a new question; False (and nothing changed) if the server already has that id."""
        stamp = to_db_time(now)
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "INSERT INTO custom_questions (guild_id, id, deck, body, created_by, created_at, updated_by,"
                " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (guild_id, id) DO NOTHING",
                (guild_id, question.id, deck, question.model_dump_json(), member_id, stamp, member_id, stamp),
            )
            return cur.rowcount == 1

    async def save_many(
        self, guild_id: int, deck: str, questions: list[Question], member_id: int, now: datetime
    ) -> tuple[int, int]:
        """Insert new questions and update existing ones in one transaction; (added, updated)."""
        added = updated = 0
        stamp = to_db_time(now)
        async with self.db.transaction() as conn:
            for question in questions:
                cur = await conn.execute(
                    "UPDATE custom_questions SET body = ?, deck = ?, revision = revision + 1, updated_by = ?,"
                    " updated_at = ?, removed_at = NULL WHERE guild_id = ? AND id = ?",
                    (question.model_dump_json(), deck, member_id, stamp, guild_id, question.id),
                )
                if cur.rowcount:
                    updated += 1
                    continue
                await conn.execute(
                    "INSERT INTO custom_questions (guild_id, id, deck, body, created_by, created_at, updated_by,"
                    " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (guild_id, question.id, deck, question.model_dump_json(), member_id, stamp, member_id, stamp),
                )
                added += 1
        return added, updated

    async def remove(self, guild_id: int, question_id: str, now: datetime) -> bool:
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE custom_questions SET removed_at = ? WHERE guild_id = ? AND id = ? AND removed_at IS NULL",
                (to_db_time(now), guild_id, question_id),
            )
            return cur.rowcount == 1

    async def set_hidden(self, guild_id: int, question_id: str, hidden: bool, member_id: int, now: datetime) -> bool:
        async with self.db.transaction() as conn:
            if hidden:
                cur = await conn.execute(
                    "INSERT INTO hidden_questions (guild_id, question_id, hidden_by, hidden_at) VALUES (?, ?, ?, ?)"
                    " ON CONFLICT DO NOTHING",
                    (guild_id, question_id, member_id, to_db_time(now)),
                )
            else:
                cur = await conn.execute(
                    "DELETE FROM hidden_questions WHERE guild_id = ? AND question_id = ?", (guild_id, question_id)
                )
            return cur.rowcount == 1

    async def answer_rates(self, guild_id: int) -> dict[str, AnswerRate]:
        rows = await self.db.fetch_all(
            "SELECT question_id, COUNT(*), SUM(correct) FROM answers WHERE guild_id = ? GROUP BY question_id",
            (guild_id,),
        )
        return {row[0]: AnswerRate(row[1], row[2] or 0) for row in rows}
