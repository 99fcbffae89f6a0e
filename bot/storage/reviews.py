"""Members' review state (FSRS cards) per server and question: kept with each answer, rebuilt from history."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from fsrs import Scheduler

from bot.core.review import Memory, review
from bot.storage.rows import db_time, from_db_time, to_db_time
from bot.storage.seam import Conn, Row, Storage
from bot.storage.sql import BIGINT, TEXT, values

Key = tuple[int, int, str]  # guild, member, question
# Answers replayed between two looks at a stop request (each look lets the event loop run its signal handlers).
_REPLAY_CHUNK = 5000


class RebuildInterrupted(Exception):
    """A stop was asked for during a rebuild; its transaction was rolled back, so nothing changed."""


_UPSERT = (
    "INSERT INTO reviews (guild_id, member_id, question_id, state, step, stability, difficulty, due, last_review,"
    " reviews, lapses) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (guild_id, member_id, question_id)"
    " DO UPDATE SET state = excluded.state, step = excluded.step, stability = excluded.stability,"
    " difficulty = excluded.difficulty, due = excluded.due, last_review = excluded.last_review,"
    " reviews = excluded.reviews, lapses = excluded.lapses"
)
_BUILT = "reviews_built"
# Every answer ever given, rounds and daily posts and practice alike, in the order they were given.
_HISTORY = (
    "SELECT guild_id, member_id, question_id, correct, answered_at FROM ("
    " SELECT guild_id, member_id, question_id, correct, answered_at, 0 AS source, id FROM answers"
    " UNION ALL"
    " SELECT guild_id, member_id, question_id, correct, answered_at, 1 AS source, id FROM practice_answers"
    ") AS history ORDER BY answered_at, source, id"
)


@dataclass(frozen=True, slots=True)
class Answered:
    """One answer as review state sees it."""

    guild_id: int
    member_id: int
    question_id: str
    correct: bool
    at: datetime


def memory_from_row(row: Row) -> Memory:
    return Memory(
        state=row["state"],
        step=row["step"],
        stability=row["stability"],
        difficulty=row["difficulty"],
        due=db_time(row["due"]),
        last_review=from_db_time(row["last_review"]),
        reviews=row["reviews"],
        lapses=row["lapses"],
    )


def _row(key: Key, m: Memory) -> tuple[object, ...]:
    last = to_db_time(m.last_review) if m.last_review else None
    return (*key, m.state, m.step, m.stability, m.difficulty, to_db_time(m.due), last, m.reviews, m.lapses)


async def remember(conn: Conn, answers: Sequence[Answered], fsrs: Scheduler) -> None:
    """Fold ``answers`` into their review state; the caller holds the transaction that stored them."""
    if not answers:
        return
    keys = sorted({(a.guild_id, a.member_id, a.question_id) for a in answers})
    rows = await conn.execute_fetchall(
        "SELECT * FROM reviews WHERE (guild_id, member_id, question_id)"
        f" IN (VALUES {values(len(keys), BIGINT, BIGINT, TEXT)})",
        [x for key in keys for x in key],
    )
    memories: dict[Key, Memory] = {(r["guild_id"], r["member_id"], r["question_id"]): memory_from_row(r) for r in rows}
    for a in answers:
        key = (a.guild_id, a.member_id, a.question_id)
        memories[key] = review(memories.get(key), a.correct, a.at, fsrs)
    await conn.executemany(_UPSERT, [_row(key, memories[key]) for key in keys])


class ReviewRepository:
    def __init__(self, db: Storage) -> None:
        self.db = db

    async def memories(self, guild_id: int, member_id: int) -> dict[str, Memory]:
        """The member's review state in one server, by question id."""
        rows = await self.db.fetch_all(
            "SELECT * FROM reviews WHERE guild_id = ? AND member_id = ?", (guild_id, member_id)
        )
        return {row["question_id"]: memory_from_row(row) for row in rows}

    async def all(self) -> dict[Key, Memory]:
        rows = await self.db.fetch_all("SELECT * FROM reviews")
        return {(r["guild_id"], r["member_id"], r["question_id"]): memory_from_row(r) for r in rows}

    async def due_by_guild(self, member_id: int, now: datetime) -> dict[int, list[str]]:
        """Question ids due for the member now, per server."""
        rows = await self.db.fetch_all(
            "SELECT guild_id, question_id FROM reviews WHERE member_id = ? AND due <= ? ORDER BY guild_id, due",
            (member_id, to_db_time(now)),
        )
        out: dict[int, list[str]] = {}
        for guild_id, question_id in rows:
            out.setdefault(guild_id, []).append(question_id)
        return out

    async def answer_times(self, guild_id: int, member_id: int) -> list[datetime]:
        """When the member answered anything in the server (rounds, daily questions, practice)."""
        rows = await self.db.fetch_all(
            "SELECT answered_at FROM answers WHERE guild_id = ? AND member_id = ?"
            " UNION ALL SELECT answered_at FROM practice_answers WHERE guild_id = ? AND member_id = ?",
            (guild_id, member_id, guild_id, member_id),
        )
        return [db_time(row[0]) for row in rows]

    async def needs_rebuild(self) -> bool:
        """True until review state was first built from the history (databases older than spaced review)."""
        return await self.db.fetch_value("SELECT value FROM meta WHERE key = ?", (_BUILT,)) is None

    async def has_history(self) -> bool:
        """Whether any answer was ever stored (a round, a daily question or practice)."""
        row = await self.db.fetch_one("SELECT 1 FROM answers UNION ALL SELECT 1 FROM practice_answers LIMIT 1")
        return row is not None

    async def rebuild(self, fsrs: Scheduler, should_stop: Callable[[], bool] = lambda: False) -> int:
        """Replace every review state with the replay of the whole answer history; return how many.

        Reads and writes in one transaction, so no answer can slip in between and be lost, and a stop
        (``should_stop``, looked at every few thousand answers) rolls it all back.
        """
        async with self.db.transaction() as conn:
            memories: dict[Key, Memory] = {}
            history = await conn.execute_fetchall(_HISTORY)
            for n, (guild_id, member_id, question_id, correct, answered_at) in enumerate(history):
                if n % _REPLAY_CHUNK == 0:
                    await asyncio.sleep(0)
                    if should_stop():
                        raise RebuildInterrupted
                key = (guild_id, member_id, question_id)
                memories[key] = review(memories.get(key), bool(correct), db_time(answered_at), fsrs)
            await conn.execute("DELETE FROM reviews")
            await conn.executemany(_UPSERT, [_row(key, m) for key, m in memories.items()])
            await conn.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (_BUILT, str(len(memories))),
            )
        return len(memories)
