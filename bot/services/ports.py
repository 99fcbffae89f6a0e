"""What services need from the outside world, as protocols the Discord layer implements."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from bot.core.delivery import Failure
from bot.core.results import QuestionToPost, ReminderMessage, Reveal, RoundSummary

Clock = Callable[[], datetime]


class PublishError(Exception):
    """The Discord layer could not post or edit (channel gone, no permission, Discord or network down)."""

    def __init__(self, failure: Failure) -> None:
        super().__init__(f"{failure.code} (channel {failure.channel_id}): {failure.detail or ''}".rstrip(": "))
        self.failure = failure


class Publisher(Protocol):
    """Posts and edits the public quiz messages."""

    async def post_question(self, item: QuestionToPost) -> int:
        """Send the question; return the message id."""
        ...

    async def show_reveal(self, reveal: Reveal) -> None:
        """Edit the question's message to show the answer and the distribution."""
        ...

    async def post_summary(self, summary: RoundSummary) -> int | None:
        """Send the end-of-round summary; return its message id."""
        ...

    async def post_daily(self, item: QuestionToPost, role_id: int | None) -> int:
        """Send the daily question, pinging ``role_id`` (and nobody else) if given; return the message id."""
        ...

    async def find_question_message(self, channel_id: int, guild_id: int, post_id: int) -> int | None:
        """The id of a recent message of the bot in the channel with this post's answer buttons, if any."""
        ...

    async def find_summary_message(self, channel_id: int, guild_id: int, round_id: int) -> int | None:
        """The id of a recent message of the bot in the channel with this round's summary, if any."""
        ...

    async def send_reminder(self, message: ReminderMessage) -> None:
        """Send the member a direct message about their due reviews; "forbidden" when they refuse DMs."""
        ...


class BackgroundWork(Protocol):
    """A long-running loop the composition root starts once the client is connected, and stops at exit."""

    async def start(self) -> None: ...

    async def close(self) -> None: ...
