"""Why a post could not go out, as codes: the database stores reasons, the Discord layer words them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

FailureCode = Literal[
    "forbidden",  # the bot may not post or read in the channel
    "gone",  # the channel no longer exists or the bot can't see it
    "discord",  # Discord refused or failed the request after its own retries
    "network",  # Discord could not be reached
    "empty_deck",  # the deck has no question this server can be asked
    "unknown_deck",  # the schedule names a deck that no longer exists
    "interrupted",  # the bot stopped while posting and the local day was over when it came back
    "unexpected",  # a bug: logged with its traceback
]
FAILURE_CODES: frozenset[str] = frozenset(get_args(FailureCode))


@dataclass(frozen=True, slots=True)
class Failure:
    """A failed post: the reason, where, and a short technical detail (an HTTP status, a deck name)."""

    code: FailureCode
    channel_id: int | None = None
    detail: str | None = None
