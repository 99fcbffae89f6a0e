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


ButtonId = AnswerId | NextId | BoardId

_PATTERNS: list[tuple[re.Pattern[str], type]] = [
    (re.compile(r"quiz:ans:(?P<post>[1-9][0-9]{0,18}):(?P<choice>[A-E])"), AnswerId),
    (re.compile(r"quiz:next:(?P<post>[1-9][0-9]{0,18})"), NextId),
    (re.compile(r"quiz:lb:(?P<scope>all|week):(?P<page>[1-9][0-9]{0,6})"), BoardId),
]


def answer_id(post_id: int, choice: int) -> str:
    return f"{PREFIX}:ans:{post_id}:{LETTERS[choice]}"


def next_id(post_id: int) -> str:
    return f"{PREFIX}:next:{post_id}"


def board_id(scope: str, page: int) -> str:
    return f"{PREFIX}:lb:{scope}:{page}"


def parse(custom_id: str) -> ButtonId | None:
    """Parse a custom_id this bot could have made; None for anything else."""
    for pattern, kind in _PATTERNS:
        match = pattern.fullmatch(custom_id)
        if match is None:
            continue
        if kind is AnswerId:
            return AnswerId(int(match["post"]), LETTERS.index(match["choice"]))
        if kind is NextId:
            return NextId(int(match["post"]))
        return BoardId(match["scope"], int(match["page"]))
    return None
