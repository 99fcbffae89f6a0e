"""Members report a bad question; moderators resolve, dismiss, or hide the question at once."""

from __future__ import annotations

import math

from bot.core.errors import InvalidButton, QuizError
from bot.core.reports import DETAILS_MAX, Report, ReportStatus, ReportTarget, reason_code
from bot.services.bank import QuestionBank
from bot.services.ports import Clock
from bot.services.questions import QuestionService
from bot.storage.posts import PostRepository
from bot.storage.practice import PracticeRepository
from bot.storage.reports import ReportRepository

PAGE = 4  # one row of buttons each, and a row for paging
GONE = "That question can't be found any more (the button may be from another server or too old). Nothing was sent."


class ReportService:
    def __init__(
        self,
        reports: ReportRepository,
        posts: PostRepository,
        practice: PracticeRepository,
        bank: QuestionBank,
        questions: QuestionService,
        clock: Clock,
    ) -> None:
        self.reports = reports
        self.posts = posts
        self.practice = practice
        self.bank = bank
        self.questions = questions
        self.clock = clock

    async def post_target(self, *, guild_id: int | None, member_id: int, post_id: int) -> ReportTarget:
        """The question of a round or daily post, as it was asked; only from the post's own server."""
        post = await self.posts.get(post_id)
        if post is None or guild_id is None or post.guild_id != guild_id:
            raise InvalidButton(GONE)
        existing = await self.reports.open_for(guild_id, member_id, post.question.id)
        return ReportTarget(post.question, post.id, None, existing)

    async def practice_target(
        self, *, guild_id: int | None, member_id: int, session_id: int, position: int
    ) -> ReportTarget:
        """The question a member practised at ``position`` of their own session (nobody else's)."""
        session = await self.practice.get(session_id)
        if session is None or guild_id is None or session.guild_id != guild_id or session.member_id != member_id:
            raise InvalidButton(GONE)
        question = session.question if session.position == position else None
        if question is None:
            # The member went on: the session holds the next question now; the answer row names this one.
            question_id = await self.practice.question_at(session_id, position)
            found = self.bank.builtin(question_id) if question_id else None
            if question_id and found is None:
                found = await self.bank.repo.custom(guild_id, question_id, include_removed=True)
            question = found
        if question is None:
            raise InvalidButton(GONE)
        existing = await self.reports.open_for(guild_id, member_id, question.id)
        return ReportTarget(question, None, session_id, existing)

    async def submit(
        self, *, guild_id: int, member_id: int, target: ReportTarget, reason: str, details: str
    ) -> tuple[Report, bool]:
        """Store the report (or update the member's open one); (report, whether an open one was updated)."""
        code = reason_code(reason)
        if code is None:
            raise QuizError("Please pick a reason from the list. Nothing was sent.")
        return await self.reports.save(
            guild_id=guild_id,
            member_id=member_id,
            question=target.question,
            post_id=target.post_id,
            session_id=target.session_id,
            reason=code,
            details=details.strip()[:DETAILS_MAX],
            now=self.clock(),
        )

    async def open_page(self, guild_id: int, page: int) -> tuple[list[Report], int, int, int]:
        """Open reports newest first; (this page, page number, pages, how many are open)."""
        _, total = await self.reports.open_page(guild_id, limit=0, offset=0)
        pages = max(1, math.ceil(total / PAGE))
        page = min(max(1, page), pages)
        rows, total = await self.reports.open_page(guild_id, limit=PAGE, offset=(page - 1) * PAGE)
        return rows, page, pages, total

    async def close(self, *, guild_id: int, report_id: int, moderator_id: int, status: ReportStatus) -> Report:
        """Resolve (fixed) or dismiss a report of this server, recording who and when."""
        report = await self.reports.get(guild_id, report_id)
        if report is None:
            raise InvalidButton("There is no such report in this server. Nothing was changed.")
        if not await self.reports.close(guild_id, report_id, status, moderator_id, self.clock()):
            raise QuizError(f"Report {report_id} was already {report.status}. Nothing was changed.")
        closed = await self.reports.get(guild_id, report_id)
        assert closed is not None
        return closed

    async def hide(self, *, guild_id: int, report_id: int, moderator_id: int) -> tuple[Report, bool]:
        """Hide the reported question in this server at once (the question stays reported until closed)."""
        report = await self.reports.get(guild_id, report_id)
        if report is None:
            raise InvalidButton("There is no such report in this server. Nothing was changed.")
        changed = await self.questions.set_hidden(
            guild_id=guild_id, member_id=moderator_id, question_id=report.question_id, hidden=True
        )
        return report, changed
