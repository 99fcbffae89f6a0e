"""The services the Discord layer is given and the loops the composition root runs, wired in one place.

``build`` only connects objects (no I/O), so bot/__main__.py and the tests wire the same graph.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from bot.catalog import Catalog
from bot.core.review import scheduler
from bot.services.answers import AnswerService
from bot.services.bank import QuestionBank
from bot.services.daily import DailyService
from bot.services.daily_scheduler import DailyScheduler
from bot.services.guilds import GuildService
from bot.services.insights import InsightService
from bot.services.outbox import OutboxWorker
from bot.services.ports import BackgroundWork, Clock, Publisher
from bot.services.practice import PracticeService
from bot.services.progress import ProgressService
from bot.services.questions import QuestionService
from bot.services.reminders import ReminderScheduler, ReminderService
from bot.services.reports import ReportService
from bot.services.round_runner import RoundRunner
from bot.services.rounds import RoundService
from bot.services.scores import ScoreService
from bot.storage.repositories import Repositories


@dataclass(frozen=True)
class Services:
    answers: AnswerService
    rounds: RoundService
    scores: ScoreService
    guilds: GuildService
    bank: QuestionBank
    questions: QuestionService
    daily: DailyService
    practice: PracticeService
    progress: ProgressService
    reminders: ReminderService
    insights: InsightService
    reports: ReportService


@dataclass(frozen=True)
class Workers:
    """Long-running loops: started once the client is connected, closed when it stops."""

    rounds: RoundRunner
    daily: DailyScheduler
    reminders: ReminderScheduler
    outbox: OutboxWorker

    def all(self) -> tuple[BackgroundWork, ...]:
        return (self.outbox, self.rounds, self.daily, self.reminders)


def build(
    repos: Repositories, catalog: Catalog, publisher: Publisher, clock: Clock, rng: random.Random | None = None
) -> tuple[Services, Workers]:
    rng = rng or random.Random()
    fsrs = scheduler()
    bank = QuestionBank(catalog, repos.questions)
    scores = ScoreService(repos.scores, clock)
    outbox = OutboxWorker(repos.outbox, repos.posts, repos.rounds, scores, publisher, clock)
    workers = Workers(
        rounds=RoundRunner(repos.rounds, repos.posts, scores, publisher, clock, outbox),
        daily=DailyScheduler(repos.daily, repos.posts, bank, publisher, clock, rng, outbox),
        reminders=ReminderScheduler(repos.reminders, repos.reviews, repos.daily, repos.rounds, bank, publisher, clock),
        outbox=outbox,
    )
    questions = QuestionService(repos.questions, repos.drafts, bank, clock)
    services = Services(
        answers=AnswerService(repos.posts, repos.rounds, repos.answers, clock),
        rounds=RoundService(repos.rounds, repos.posts, bank, workers.rounds, clock, rng),
        scores=scores,
        guilds=GuildService(repos.guilds, repos.meta, clock),
        bank=bank,
        questions=questions,
        daily=DailyService(repos.daily, bank, workers.daily, clock),
        practice=PracticeService(repos.practice, repos.reviews, bank, clock, fsrs),
        progress=ProgressService(repos.reviews, repos.practice, repos.daily, bank, clock, fsrs),
        reminders=ReminderService(repos.reminders, workers.reminders, clock),
        insights=InsightService(repos.items, repos.reports, bank, clock),
        reports=ReportService(repos.reports, repos.posts, repos.practice, bank, questions, clock),
    )
    return services, workers
