"""Personal practice sessions: the open session per member, its current question, and its answers."""

from __future__ import annotations

from datetime import datetime

from fsrs import Scheduler

from bot.core.content import Question
from bot.core.practice import PickReason
from bot.storage.reviews import Answered, remember
from bot.storage.rows import from_db_time, to_db_time
from bot.storage.seam import Row, Storage
from bot.storage.types import PracticeAnswer, PracticeSession


def session_from_row(row: Row) -> PracticeSession:
    body = row["question"]
    return PracticeSession(
        id=row["id"],
        guild_id=row["guild_id"],
        member_id=row["member_id"],
        deck=row["deck"],
        position=row["position"],
        question=Question.model_validate_json(body) if body else None,
        reason=row["reason"],
        ended_at=from_db_time(row["ended_at"]),
        reviewed=row["reviewed"],
        reviewed_right=row["reviewed_right"],
        fresh=row["fresh"],
        fresh_right=row["fresh_right"],
    )


class PracticeRepository:
    def __init__(self, db: Storage, fsrs: Scheduler) -> None:
        self.db = db
        self.fsrs = fsrs

    async def open(self, guild_id: int, member_id: int, deck: str, now: datetime) -> int:
        """Start a session, ending the member's open one in this server (one at a time: a second
        window replaces the first instead of both counting the same question)."""
        stamp = to_db_time(now)
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE practice_sessions SET ended_at = ? WHERE guild_id = ? AND member_id = ? AND ended_at IS NULL",
                (stamp, guild_id, member_id),
            )
            rows = await conn.execute_fetchall(
                "INSERT INTO practice_sessions (guild_id, member_id, deck, started_at) VALUES (?, ?, ?, ?)"
                " RETURNING id",
                (guild_id, member_id, deck, stamp),
            )
        return int(next(iter(rows))[0])

    async def get(self, session_id: int) -> PracticeSession | None:
        row = await self.db.fetch_one("SELECT * FROM practice_sessions WHERE id = ?", (session_id,))
        return session_from_row(row) if row else None

    async def asked(self, session_id: int) -> set[str]:
        rows = await self.db.fetch_all("SELECT question_id FROM practice_answers WHERE session_id = ?", (session_id,))
        return {row[0] for row in rows}

    async def show(self, session_id: int, after: int, question: Question, reason: PickReason) -> bool:
        """Make ``question`` the session's next one, if the session is still open at position ``after``
        (two clicks on Next show one question, not two)."""
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE practice_sessions SET position = position + 1, question = ?, reason = ?"
                " WHERE id = ? AND ended_at IS NULL AND position = ?",
                (question.model_dump_json(), reason, session_id, after),
            )
            return cur.rowcount == 1

    async def answer(self, session_id: int, position: int, choice: int, now: datetime) -> PracticeAnswer | None:
        """Record the answer to the session's current question once, with its review update and the
        session's counts, in one transaction; None if this position was answered already (or is stale)."""
        async with self.db.transaction() as conn:
            found = await conn.execute_fetchall(
                "SELECT * FROM practice_sessions WHERE id = ? AND ended_at IS NULL AND position = ?",
                (session_id, position),
            )
            if not found:
                return None
            session = session_from_row(next(iter(found)))
            question = session.question
            if question is None:
                return None
            correct = choice == question.answer_index
            inserted = await conn.execute_fetchall(
                "INSERT INTO practice_answers (session_id, position, guild_id, member_id, question_id, choice,"
                " correct, answered_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (session_id, position) DO NOTHING RETURNING id",
                (
                    session_id,
                    position,
                    session.guild_id,
                    session.member_id,
                    question.id,
                    choice,
                    int(correct),
                    to_db_time(now),
                ),
            )
            if not inserted:
                return None
            column = "reviewed" if session.reason == "due" else "fresh"
            await conn.execute(
                f"UPDATE practice_sessions SET {column} = {column} + 1, {column}_right = {column}_right + ?"
                " WHERE id = ?",
                (int(correct), session_id),
            )
            await remember(conn, [Answered(session.guild_id, session.member_id, question.id, correct, now)], self.fsrs)
            after = await conn.execute_fetchall("SELECT * FROM practice_sessions WHERE id = ?", (session_id,))
        return PracticeAnswer(session_from_row(next(iter(after))), question, choice, correct)

    async def answered(self, session_id: int, position: int) -> int | None:
        """The choice recorded for ``position`` of the session, if any."""
        return await self.db.fetch_value(
            "SELECT choice FROM practice_answers WHERE session_id = ? AND position = ?", (session_id, position)
        )

    async def end(self, session_id: int, now: datetime) -> bool:
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE practice_sessions SET ended_at = ? WHERE id = ? AND ended_at IS NULL",
                (to_db_time(now), session_id),
            )
            return cur.rowcount == 1

    async def completed(self, guild_id: int, member_id: int) -> set[str]:
        """Question ids the member answered right at least once in the server, in any kind of play."""
        rows = await self.db.fetch_all(
            "SELECT question_id FROM answers WHERE guild_id = ? AND member_id = ? AND correct = 1"
            " UNION SELECT question_id FROM practice_answers WHERE guild_id = ? AND member_id = ? AND correct = 1",
            (guild_id, member_id, guild_id, member_id),
        )
        return {row[0] for row in rows}

    async def question_at(self, session_id: int, position: int) -> str | None:
        """The id of the question answered at ``position`` of the session, if it was answered."""
        return await self.db.fetch_value(
            "SELECT question_id FROM practice_answers WHERE session_id = ? AND position = ?", (session_id, position)
        )
