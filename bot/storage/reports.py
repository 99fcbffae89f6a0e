"""Members' reports of bad questions: one open report per member and question, and how moderators closed them."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from bot.core.content import Question
from bot.core.reports import ReasonCode, Report, ReportStatus
from bot.storage.rows import db_time, from_db_time, to_db_time
from bot.storage.seam import Row, Storage


def report_from_row(row: Row) -> Report:
    return Report(
        id=row["id"],
        guild_id=row["guild_id"],
        member_id=row["member_id"],
        question_id=row["question_id"],
        question=Question.model_validate_json(row["question"]),
        reason=row["reason"],
        details=row["details"],
        status=row["status"],
        created_at=db_time(row["created_at"]),
        updated_at=db_time(row["updated_at"]),
        handled_by=row["handled_by"],
        handled_at=from_db_time(row["handled_at"]),
        post_id=row["post_id"],
        session_id=row["session_id"],
    )


class ReportRepository:
    def __init__(self, db: Storage) -> None:
        self.db = db

    async def save(
        self,
        *,
        guild_id: int,
        member_id: int,
        question: Question,
        post_id: int | None,
        session_id: int | None,
        reason: ReasonCode,
        details: str,
        now: datetime,
    ) -> tuple[Report, bool]:
        """Open a report, or update the member's open one on this question; (report, whether it was updated)."""
        stamp = to_db_time(now)
        async with self.db.transaction() as conn:
            existing = await conn.execute_fetchall(
                "SELECT 1 FROM question_reports WHERE guild_id = ? AND member_id = ? AND question_id = ?"
                " AND status = 'open'",
                (guild_id, member_id, question.id),
            )
            rows = await conn.execute_fetchall(
                "INSERT INTO question_reports (guild_id, member_id, question_id, question, post_id, session_id,"
                " reason, details, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (guild_id, member_id, question_id) WHERE status = 'open' DO UPDATE SET"
                " question = excluded.question, post_id = excluded.post_id, session_id = excluded.session_id,"
                " reason = excluded.reason, details = excluded.details, updated_at = excluded.updated_at"
                " RETURNING *",
                (
                    guild_id,
                    member_id,
                    question.id,
                    question.model_dump_json(),
                    post_id,
                    session_id,
                    reason,
                    details,
                    stamp,
                    stamp,
                ),
            )
        return report_from_row(next(iter(rows))), bool(existing)

    async def open_for(self, guild_id: int, member_id: int, question_id: str) -> Report | None:
        row = await self.db.fetch_one(
            "SELECT * FROM question_reports WHERE guild_id = ? AND member_id = ? AND question_id = ?"
            " AND status = 'open'",
            (guild_id, member_id, question_id),
        )
        return report_from_row(row) if row else None

    async def get(self, guild_id: int, report_id: int) -> Report | None:
        row = await self.db.fetch_one(
            "SELECT * FROM question_reports WHERE guild_id = ? AND id = ?", (guild_id, report_id)
        )
        return report_from_row(row) if row else None

    async def open_page(self, guild_id: int, *, limit: int, offset: int) -> tuple[list[Report], int]:
        """Open reports, newest first; (this page, how many are open)."""
        total = await self.db.fetch_value(
            "SELECT COUNT(*) FROM question_reports WHERE guild_id = ? AND status = 'open'", (guild_id,), 0
        )
        rows = await self.db.fetch_all(
            "SELECT * FROM question_reports WHERE guild_id = ? AND status = 'open'"
            " ORDER BY updated_at DESC, id DESC LIMIT ? OFFSET ?",
            (guild_id, limit, offset),
        )
        return [report_from_row(row) for row in rows], int(total)

    async def open_for_question(self, guild_id: int, question_id: str) -> list[Report]:
        rows = await self.db.fetch_all(
            "SELECT * FROM question_reports WHERE guild_id = ? AND question_id = ? AND status = 'open'"
            " ORDER BY updated_at DESC, id DESC",
            (guild_id, question_id),
        )
        return [report_from_row(row) for row in rows]

    async def open_reasons(self, guild_id: int | None) -> dict[str, Counter[str]]:
        """Per question, how many open reports give each reason (every server when ``guild_id`` is None)."""
        sql = "SELECT question_id, reason, COUNT(*) FROM question_reports WHERE status = 'open'"
        args: tuple[int, ...] = ()
        if guild_id is not None:
            sql += " AND guild_id = ?"
            args = (guild_id,)
        found: dict[str, Counter[str]] = {}
        for question_id, reason, count in await self.db.fetch_all(sql + " GROUP BY question_id, reason", args):
            found.setdefault(question_id, Counter())[reason] = count
        return found

    async def close(self, guild_id: int, report_id: int, status: ReportStatus, by: int, now: datetime) -> bool:
        """Resolve or dismiss an open report; False if it was not open (already handled, or not this server's)."""
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE question_reports SET status = ?, handled_by = ?, handled_at = ?"
                " WHERE guild_id = ? AND id = ? AND status = 'open'",
                (status, by, to_db_time(now), guild_id, report_id),
            )
            return cur.rowcount == 1
