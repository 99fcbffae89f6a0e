"""The services the Discord layer is given, built once in bot/__main__.py."""

from __future__ import annotations

from dataclasses import dataclass

from bot.services.answers import AnswerService
from bot.services.bank import QuestionBank
from bot.services.daily import DailyService
from bot.services.guilds import GuildService
from bot.services.questions import QuestionService
from bot.services.rounds import RoundService
from bot.services.scores import ScoreService


@dataclass(frozen=True)
class Services:
    answers: AnswerService
    rounds: RoundService
    scores: ScoreService
    guilds: GuildService
    bank: QuestionBank
    questions: QuestionService
    daily: DailyService
