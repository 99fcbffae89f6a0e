"""The custom_id grammar of every button the bot posts: quiz:<kind>:<fields>, at most 100 chars."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core.content import LETTERS

PREFIX = "quiz"


@dataclass(frozen=True, slots=True)
class AnswerId:
    post_id: int
    choice: int


@dataclass(frozen=True, slots=True)
class NextId:
    post_id: int


@dataclass(frozen=True, slots=True)
class BoardId:
    scope: str
    page: int


@dataclass(frozen=True, slots=True)
class RemoveId:
    question_id: str


@dataclass(frozen=True, slots=True)
class CancelId:
    pass


@dataclass(frozen=True, slots=True)
class ListId:
    deck: str
    page: int


@dataclass(frozen=True, slots=True)
class DraftId:
    """Reopen the moderator's last refused draft."""

    mode: str  # "add" or "edit"
    target: str  # the deck (add) or the question id (edit)


@dataclass(frozen=True, slots=True)
class ForgetId:
    """Confirm deleting one member's data; only that member may press it."""

    member_id: int


ButtonId = AnswerId | NextId | BoardId | RemoveId | CancelId | ListId | DraftId | ForgetId
_SLUG = r"[a-z0-9]+(?:-[a-z0-9]+)*"

_PATTERNS: list[tuple[re.Pattern[str], type]] = [
    (re.compile(r"quiz:ans:(?P<post>[1-9][0-9]{0,18}):(?P<choice>[A-E])"), AnswerId),
    (re.compile(r"quiz:next:(?P<post>[1-9][0-9]{0,18})"), NextId),
    (re.compile(r"quiz:lb:(?P<scope>all|week):(?P<page>[1-9][0-9]{0,6})(?::[pn])?"), BoardId),
    (re.compile(rf"quiz:qrm:(?P<question>{_SLUG})"), RemoveId),
    (re.compile(r"quiz:cancel"), CancelId),
    (re.compile(r"quiz:forget:(?P<member>[1-9][0-9]{0,19})"), ForgetId),
    (re.compile(rf"quiz:ql:(?P<deck>{_SLUG}):(?P<page>[1-9][0-9]{{0,6}})(?::[pn])?"), ListId),
    (re.compile(rf"quiz:draft:(?P<mode>add|edit):(?P<target>{_SLUG})"), DraftId),
]


def answer_id(post_id: int, choice: int) -> str:
    return f"{PREFIX}:ans:{post_id}:{LETTERS[choice]}"


def next_id(post_id: int) -> str:
    return f"{PREFIX}:next:{post_id}"


def board_id(scope: str, page: int, direction: str = "") -> str:
    # Previous and Next may point at the same page (the first or last); the direction keeps
    # their ids distinct, as Discord requires within one message.
    return f"{PREFIX}:lb:{scope}:{page}" + (f":{direction}" if direction else "")


def remove_id(question_id: str) -> str:
    return f"{PREFIX}:qrm:{question_id}"


CANCEL = f"{PREFIX}:cancel"


def forget_id(member_id: int) -> str:
    return f"{PREFIX}:forget:{member_id}"


def list_id(deck: str, page: int, direction: str = "") -> str:
    return f"{PREFIX}:ql:{deck}:{page}" + (f":{direction}" if direction else "")


def draft_id(mode: str, target: str) -> str:
    return f"{PREFIX}:draft:{mode}:{target}"


def parse(custom_id: str) -> ButtonId | None:
    """Parse a custom_id this bot could have made; None for anything else."""
    for pattern, kind in _PATTERNS:
        match = pattern.fullmatch(custom_id)
        if match is None:
            continue
        fields = match.groupdict()
        if kind is AnswerId:
            return AnswerId(int(fields["post"]), LETTERS.index(fields["choice"]))
        if kind in (NextId,):
            return NextId(int(fields["post"]))
        if kind is BoardId:
            return BoardId(fields["scope"], int(fields["page"]))
        if kind is RemoveId:
            return RemoveId(fields["question"])
        if kind is ListId:
            return ListId(fields["deck"], int(fields["page"]))
        if kind is DraftId:
            return DraftId(fields["mode"], fields["target"])
        if kind is ForgetId:
            return ForgetId(int(fields["member"]))
        return CancelId()
    return None
