"""The custom_id grammar of every button the bot posts: quiz:<kind>:<fields>, at most 100 chars.

One table, KINDS, gives each id type its pattern, its builder and its parser, so the three can't
drift apart; build() and parse() only look the type (or the matching pattern) up in it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from bot.core.content import LETTERS
from bot.core.scoring import BoardScope

PREFIX = "quiz"
MAX_LENGTH = 100  # Discord's limit for a custom_id


# Previous and Next may point at the same page (the first or last); the direction keeps their ids
# distinct, as Discord requires within one message.
Direction = Literal["", "p", "n"]
FormMode = Literal["add", "edit"]
ReportAction = Literal["r", "d", "h"]  # Resolve, Dismiss, Hide question


@dataclass(frozen=True, slots=True)
class AnswerId:
    post_id: int
    choice: int


@dataclass(frozen=True, slots=True)
class NextId:
    post_id: int


@dataclass(frozen=True, slots=True)
class BoardId:
    scope: BoardScope
    page: int
    direction: Direction = ""


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
    direction: Direction = ""


@dataclass(frozen=True, slots=True)
class DraftId:
    """Reopen the moderator's last refused draft."""

    mode: FormMode
    target: str  # the deck (add) or the question id (edit)


@dataclass(frozen=True, slots=True)
class QuestionFormId:
    """The moderator's question form: its submit carries what it adds or edits, so it outlives a restart."""

    mode: FormMode
    target: str  # the deck (add) or the question id (edit)


@dataclass(frozen=True, slots=True)
class ForgetId:
    """Confirm deleting one member's data; only that member may press it."""

    member_id: int


@dataclass(frozen=True, slots=True)
class PracticeAnswerId:
    """A letter under a member's private practice question; ``position`` makes stale buttons harmless."""

    session_id: int
    position: int
    choice: int


@dataclass(frozen=True, slots=True)
class PracticeNextId:
    session_id: int
    position: int


@dataclass(frozen=True, slots=True)
class PracticeStopId:
    session_id: int


@dataclass(frozen=True, slots=True)
class ReportId:
    """Report a problem with the question of a round or daily post (under the private answer reply)."""

    post_id: int


@dataclass(frozen=True, slots=True)
class PracticeReportId:
    """Report a problem with the question at ``position`` of a member's practice session."""

    session_id: int
    position: int


@dataclass(frozen=True, slots=True)
class ReportFormId:
    """The report form's own custom_id: it carries its target, so a submit after a restart still lands.

    ``session_id`` 0 means a post (``target`` is the post id); otherwise ``target`` is the position.
    """

    session_id: int
    target: int


@dataclass(frozen=True, slots=True)
class InsightPageId:
    deck: str
    page: int
    direction: Direction = ""


@dataclass(frozen=True, slots=True)
class ReportPageId:
    page: int
    direction: Direction = ""


@dataclass(frozen=True, slots=True)
class ReportActionId:
    """A moderator's Resolve (r), Dismiss (d) or Hide question (h) under one report."""

    report_id: int
    action: ReportAction


ButtonId = (
    AnswerId
    | NextId
    | BoardId
    | RemoveId
    | CancelId
    | ListId
    | DraftId
    | ForgetId
    | PracticeAnswerId
    | PracticeNextId
    | PracticeStopId
    | ReportId
    | PracticeReportId
    | ReportFormId
    | QuestionFormId
    | InsightPageId
    | ReportPageId
    | ReportActionId
)

_SLUG = r"[a-z0-9]+(?:-[a-z0-9]+)*"
_POST = r"[1-9][0-9]{0,18}"
_PAGE = r"[1-9][0-9]{0,6}"


def _dir(direction: Direction) -> str:
    return f":{direction}" if direction else ""


# The patterns admit only these values; the functions turn the matched text into the typed value.
def _direction(m: re.Match[str]) -> Direction:
    return "p" if m["dir"] == "p" else "n" if m["dir"] == "n" else ""


def _mode(m: re.Match[str]) -> FormMode:
    return "edit" if m["mode"] == "edit" else "add"


def _action(m: re.Match[str]) -> ReportAction:
    return "r" if m["action"] == "r" else "d" if m["action"] == "d" else "h"


@dataclass(frozen=True, slots=True)
class Kind:
    pattern: re.Pattern[str]
    build: Callable[[Any], str]
    parse: Callable[[re.Match[str]], ButtonId]


KINDS: dict[type, Kind] = {
    AnswerId: Kind(
        re.compile(rf"{PREFIX}:ans:(?P<post>{_POST}):(?P<choice>[A-E])"),
        lambda b: f"{PREFIX}:ans:{b.post_id}:{LETTERS[b.choice]}",
        lambda m: AnswerId(int(m["post"]), LETTERS.index(m["choice"])),
    ),
    NextId: Kind(
        re.compile(rf"{PREFIX}:next:(?P<post>{_POST})"),
        lambda b: f"{PREFIX}:next:{b.post_id}",
        lambda m: NextId(int(m["post"])),
    ),
    BoardId: Kind(
        re.compile(rf"{PREFIX}:lb:(?P<scope>all|week):(?P<page>{_PAGE})(?::(?P<dir>[pn]))?"),
        lambda b: f"{PREFIX}:lb:{b.scope}:{b.page}{_dir(b.direction)}",
        lambda m: BoardId("week" if m["scope"] == "week" else "all", int(m["page"]), _direction(m)),
    ),
    RemoveId: Kind(
        re.compile(rf"{PREFIX}:qrm:(?P<question>{_SLUG})"),
        lambda b: f"{PREFIX}:qrm:{b.question_id}",
        lambda m: RemoveId(m["question"]),
    ),
    CancelId: Kind(
        re.compile(rf"{PREFIX}:cancel"),
        lambda _b: f"{PREFIX}:cancel",
        lambda _m: CancelId(),
    ),
    ForgetId: Kind(
        re.compile(rf"{PREFIX}:forget:(?P<member>[1-9][0-9]{{0,19}})"),
        lambda b: f"{PREFIX}:forget:{b.member_id}",
        lambda m: ForgetId(int(m["member"])),
    ),
    ListId: Kind(
        re.compile(rf"{PREFIX}:ql:(?P<deck>{_SLUG}):(?P<page>{_PAGE})(?::(?P<dir>[pn]))?"),
        lambda b: f"{PREFIX}:ql:{b.deck}:{b.page}{_dir(b.direction)}",
        lambda m: ListId(m["deck"], int(m["page"]), _direction(m)),
    ),
    QuestionFormId: Kind(
        re.compile(rf"{PREFIX}:qform:(?P<mode>add|edit):(?P<target>{_SLUG})"),
        lambda b: f"{PREFIX}:qform:{b.mode}:{b.target}",
        lambda m: QuestionFormId(_mode(m), m["target"]),
    ),
    DraftId: Kind(
        re.compile(rf"{PREFIX}:draft:(?P<mode>add|edit):(?P<target>{_SLUG})"),
        lambda b: f"{PREFIX}:draft:{b.mode}:{b.target}",
        lambda m: DraftId(_mode(m), m["target"]),
    ),
    PracticeAnswerId: Kind(
        re.compile(rf"{PREFIX}:pa:(?P<session>{_POST}):(?P<pos>{_PAGE}):(?P<choice>[A-E])"),
        lambda b: f"{PREFIX}:pa:{b.session_id}:{b.position}:{LETTERS[b.choice]}",
        lambda m: PracticeAnswerId(int(m["session"]), int(m["pos"]), LETTERS.index(m["choice"])),
    ),
    PracticeNextId: Kind(
        re.compile(rf"{PREFIX}:pn:(?P<session>{_POST}):(?P<pos>{_PAGE})"),
        lambda b: f"{PREFIX}:pn:{b.session_id}:{b.position}",
        lambda m: PracticeNextId(int(m["session"]), int(m["pos"])),
    ),
    PracticeStopId: Kind(
        re.compile(rf"{PREFIX}:ps:(?P<session>{_POST})"),
        lambda b: f"{PREFIX}:ps:{b.session_id}",
        lambda m: PracticeStopId(int(m["session"])),
    ),
    ReportId: Kind(
        re.compile(rf"{PREFIX}:rep:(?P<post>{_POST})"),
        lambda b: f"{PREFIX}:rep:{b.post_id}",
        lambda m: ReportId(int(m["post"])),
    ),
    PracticeReportId: Kind(
        re.compile(rf"{PREFIX}:rpp:(?P<session>{_POST}):(?P<pos>{_PAGE})"),
        lambda b: f"{PREFIX}:rpp:{b.session_id}:{b.position}",
        lambda m: PracticeReportId(int(m["session"]), int(m["pos"])),
    ),
    ReportFormId: Kind(
        re.compile(rf"{PREFIX}:rf:(?P<session>0|{_POST}):(?P<target>{_POST})"),
        lambda b: f"{PREFIX}:rf:{b.session_id}:{b.target}",
        lambda m: ReportFormId(int(m["session"]), int(m["target"])),
    ),
    InsightPageId: Kind(
        re.compile(rf"{PREFIX}:ins:(?P<deck>{_SLUG}):(?P<page>{_PAGE})(?::(?P<dir>[pn]))?"),
        lambda b: f"{PREFIX}:ins:{b.deck}:{b.page}{_dir(b.direction)}",
        lambda m: InsightPageId(m["deck"], int(m["page"]), _direction(m)),
    ),
    ReportPageId: Kind(
        re.compile(rf"{PREFIX}:rpl:(?P<page>{_PAGE})(?::(?P<dir>[pn]))?"),
        lambda b: f"{PREFIX}:rpl:{b.page}{_dir(b.direction)}",
        lambda m: ReportPageId(int(m["page"]), _direction(m)),
    ),
    ReportActionId: Kind(
        re.compile(rf"{PREFIX}:rpa:(?P<report>{_POST}):(?P<action>[rdh])"),
        lambda b: f"{PREFIX}:rpa:{b.report_id}:{b.action}",
        lambda m: ReportActionId(int(m["report"]), _action(m)),
    ),
}


def build(button: ButtonId) -> str:
    """The custom_id of a button."""
    return KINDS[type(button)].build(button)


def parse(custom_id: str) -> ButtonId | None:
    """Parse a custom_id this bot could have made; None for anything else."""
    for kind in KINDS.values():
        match = kind.pattern.fullmatch(custom_id)
        if match is not None:
            return kind.parse(match)
    return None


def answer_prefix(post_id: int) -> str:
    """What the custom_id of every answer button of one post starts with."""
    return build(AnswerId(post_id, 0))[: -len(LETTERS[0])]
