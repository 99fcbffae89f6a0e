"""Domain errors: each carries the sentence the member is shown."""

from __future__ import annotations


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


class UnknownQuestion(QuizError):
    pass


class InvalidButton(QuizError):
    pass


class InvalidContent(QuizError):
    pass
