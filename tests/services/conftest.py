"""Services against the real repository on a temporary SQLite file, with a clock the test moves."""

import asyncio
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.catalog import load_catalog
from bot.core.delivery import Failure, FailureCode
from bot.core.shards import ALL
from bot.services.container import Services, Workers, build
from bot.services.ports import PublishError
from bot.storage.repositories import Repositories

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "content"


class FakeClock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class SimulatedCrash(BaseException):
    """The process dying mid-call: nothing in the bot catches it, as nothing survives a real crash."""


class RecordingPublisher:
    """Stands in for Discord at the service boundary and remembers what it was asked to show."""

    # Reached through the instance: pytest imports this file as "conftest", so a test importing it by
    # its package path would get a different class.
    Crash = SimulatedCrash

    def __init__(self) -> None:
        self.questions = []
        self.reveals = []
        self.summaries = []
        self.changed = asyncio.Event()
        self._next_id = 1000
        self.sent = {}  # post id -> message id of every round question "in the channel"
        # The daily question: what was sent (item, role_id, message_id), and how to misbehave.
        self.daily = []
        self.daily_attempts = []
        self.failing_channels = {}  # channel id -> the failure code to raise
        self.crash_after_send = False  # True: the message is sent, then the process "dies"
        # Steps of a post's life at which the process "dies": "before-post", "after-post", "before-reveal",
        # "after-reveal", "after-summary" (before the call is made, or once Discord has done it).
        self.crash_at: set[str] = set()
        self.reveal_failures: list[FailureCode] = []  # failure codes the next reveal edits raise, one per call
        self.summary_lookups = []
        self.crashes: list[str] = []  # the steps at which the process "died", in order
        self.lookups = []
        self.reminders = []  # ReminderMessage sent
        self.closed_dms = set()  # member ids refusing direct messages

    def _crash(self, step):
        if step in self.crash_at:
            self.crash_at.discard(step)
            self.crashes.append(step)
            self.changed.set()
            raise SimulatedCrash(step)

    async def post_question(self, item):
        self._crash("before-post")
        self.questions.append(item)
        self.changed.set()
        self._next_id += 1
        self.sent[item.post.id] = self._next_id
        self._crash("after-post")
        return self._next_id

    async def show_reveal(self, reveal):
        self._crash("before-reveal")
        if self.reveal_failures:
            code = self.reveal_failures.pop(0)
            raise PublishError(Failure(code, reveal.post.channel_id))
        self.reveals.append(reveal)
        self.changed.set()
        self._crash("after-reveal")

    async def post_summary(self, summary):
        self.summaries.append(summary)
        self.changed.set()
        self._crash("after-summary")
        return 900_000 + summary.round.id

    async def find_summary_message(self, channel_id, guild_id, round_id):
        self.summary_lookups.append(round_id)
        found = [s for s in self.summaries if s.round.id == round_id and s.round.channel_id == channel_id]
        return 900_000 + round_id if found else None

    async def post_daily(self, item, role_id):
        self.daily_attempts.append(item)
        if item.post.channel_id in self.failing_channels:
            raise PublishError(Failure(self.failing_channels[item.post.channel_id], item.post.channel_id))
        self._next_id += 1
        self.daily.append((item, role_id, self._next_id))
        self.changed.set()
        if self.crash_after_send:
            raise SimulatedCrash
        return self._next_id

    async def find_question_message(self, channel_id, guild_id, post_id):
        self.lookups.append(post_id)
        if post_id in self.sent:
            return self.sent[post_id]
        for item, _, message_id in self.daily:
            if item.post.id == post_id and item.post.channel_id == channel_id:
                return message_id
        return None

    async def send_reminder(self, message):
        if message.member_id in self.closed_dms:
            raise PublishError(Failure("forbidden", None, "50007"))
        self.reminders.append(message)

    async def wait(self, predicate, timeout=5.0):
        async def loop():
            while not predicate(self):
                self.changed.clear()
                await self.changed.wait()

        await asyncio.wait_for(loop(), timeout)


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def publisher():
    return RecordingPublisher()


def wire(db, clock, publisher, seed=7, shards=ALL) -> tuple[Services, Workers]:
    """The services and loops of one process over ``db``, as bot/__main__.py builds them."""
    return build(Repositories.over(db, shards), load_catalog(FIXTURES), publisher, clock, random.Random(seed))


@pytest.fixture
async def wired(db, clock, publisher):
    services, workers = wire(db, clock, publisher)
    yield services, workers
    await workers.rounds.close()
    await workers.daily.close()
    await services.answers.close()


@pytest.fixture
def services(wired) -> Services:
    return wired[0]


@pytest.fixture
def workers(wired) -> Workers:
    return wired[1]
