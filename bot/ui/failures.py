"""Why a post could not go out, in words: the database keeps the reason's code, this module says it."""

from __future__ import annotations

from bot.core.delivery import Failure


def _where(failure: Failure) -> str:
    return f"<#{failure.channel_id}>" if failure.channel_id else "the channel"


def failure_text(failure: Failure) -> str:
    """One or two sentences a moderator can act on."""
    where = _where(failure)
    match failure.code:
        case "forbidden":
            return (
                f"I'm not allowed to post in {where}; give me View Channel, Send Messages, Embed Links "
                "and Read Message History there."
            )
        case "gone":
            return f"The channel {where} no longer exists or I can't see it; choose another with /quiz-admin daily set."
        case "discord":
            detail = f" ({failure.detail})" if failure.detail else ""
            return f"Discord did not take the post{detail}."
        case "network":
            return "I couldn't reach Discord to post it."
        case "empty_deck":
            return f"The “{failure.detail}” deck has no questions this server can be asked; add or unhide some."
        case "unknown_deck":
            return f"There is no deck called “{failure.detail}” any more; choose another with /quiz-admin daily set."
        case "interrupted":
            return "The bot stopped while posting that day's question, and the day was over when it came back."
        case "unexpected":
            return "Posting failed unexpectedly (it has been logged)."
