"""Domain errors: each carries the sentence the member is shown."""

from __future__ import annotations

from bot.core.delivery import Failure
from bot.core.drafts import Draft


class QuizError(Exception):
    """A refusal with a message meant for the member who asked."""

    def __init__(self, user_message: str) -> None:
        super().__init__(user_message)
        self.user_message = user_message


class RoundAlreadyRunning(QuizError):
    pass


class NoRoundRunning(QuizError):
    pass


class NotAllowed(QuizError):
    pass


class QuestionClosed(QuizError):
    pass


class AlreadyAnswered(QuizError):
    pass


class UnknownDeck(QuizError):
    pass


class UnknownTopic(QuizError):
    pass


class UnknownQuestion(QuizError):
    pass


class InvalidButton(QuizError):
    pass


class InvalidContent(QuizError):
    pass


class DailyNotPosted(QuizError):
    """A moderator's "post now" failed; the Discord layer words ``failure`` for them."""

    def __init__(self, failure: Failure) -> None:
        super().__init__("Today's question could not be posted.")
        self.failure = failure


class InvalidDraft(QuizError):
    """A question form with problems; carries the draft so it can be reopened as typed."""

    def __init__(self, problems: list[str], draft: Draft) -> None:
        super().__init__("\n".join(f"• {p}" for p in problems))
        self.problems = problems
        self.draft = draft


class SessionEnded(QuizError):
    pass


class StorageUnavailable(QuizError):
    """The database cannot be reached (a PostgreSQL restart, a network cut): nothing was saved.

    ``detail`` is for the log; the member sees only that it did not count and that a retry will work.
    """

    MESSAGE = (
        "I couldn't save that: the quiz database is unreachable right now, so nothing was counted. "
        "Please try again in a minute."
    )

    def __init__(self, detail: str) -> None:
        super().__init__(self.MESSAGE)
        self.detail = detail

    def __str__(self) -> str:
        return self.detail


class AnswerNotSaved(StorageUnavailable):
    """An answer click while the database is unreachable: the member must know it did not count."""

    MESSAGE = (
        "I couldn't save your answer: the quiz database is unreachable right now, so it was not counted. "
        "Please click again in a minute."
    )
