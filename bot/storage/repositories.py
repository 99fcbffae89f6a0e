"""Every repository over one database, built the same way: the storage half of the composition root."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.review import scheduler
from bot.core.shards import ALL, ShardSet
from bot.storage.answers import AnswerWriter
from bot.storage.daily import DailyRepository
from bot.storage.drafts import DraftRepository
from bot.storage.guilds import GuildRepository
from bot.storage.items import ItemRepository
from bot.storage.meta import MetaRepository
from bot.storage.outbox import OutboxRepository
from bot.storage.posts import PostRepository
from bot.storage.practice import PracticeRepository
from bot.storage.questions import QuestionRepository
from bot.storage.reminders import ReminderRepository
from bot.storage.reports import ReportRepository
from bot.storage.reviews import ReviewRepository
from bot.storage.rounds import RoundRepository
from bot.storage.scores import ScoreRepository
from bot.storage.seam import Storage


@dataclass(frozen=True)
class Repositories:
    meta: MetaRepository
    guilds: GuildRepository
    rounds: RoundRepository
    posts: PostRepository
    scores: ScoreRepository
    answers: AnswerWriter
    questions: QuestionRepository
    drafts: DraftRepository
    daily: DailyRepository
    reviews: ReviewRepository
    practice: PracticeRepository
    reminders: ReminderRepository
    items: ItemRepository
    reports: ReportRepository
    outbox: OutboxRepository

    @classmethod
    def over(cls, db: Storage, shards: ShardSet = ALL) -> Repositories:
        """Every repository over ``db``; the background loops' scans keep to ``shards``' servers."""
        fsrs = scheduler()
        return cls(
            meta=MetaRepository(db),
            guilds=GuildRepository(db, shards),
            rounds=RoundRepository(db, shards),
            posts=PostRepository(db, shards),
            scores=ScoreRepository(db.committed),
            answers=AnswerWriter(db, fsrs),
            questions=QuestionRepository(db),
            drafts=DraftRepository(db),
            daily=DailyRepository(db, shards),
            reviews=ReviewRepository(db),
            practice=PracticeRepository(db, fsrs),
            reminders=ReminderRepository(db, shards),
            items=ItemRepository(db),
            reports=ReportRepository(db),
            outbox=OutboxRepository(db, shards),
        )
