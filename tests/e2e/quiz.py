"""Helpers for end-to-end tests: read the bot's posts as a member would, and the database as an auditor."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

from bot.catalog import load_catalog

ROOT = Path(__file__).resolve().parents[2]
_CATALOG = None


def catalog():
    global _CATALOG
    if _CATALOG is None:
        _CATALOG = load_catalog(ROOT / "content")
    return _CATALOG


def question_id(message) -> str:
    """The question id the bot prints at the end of every question's footer."""
    footer = message.embeds[0]["footer"]["text"]
    return footer.rsplit("·", 1)[1].strip()


def right_letter(message) -> str:
    question = catalog().question(question_id(message))
    assert question is not None, question_id(message)
    return question.answer


def wrong_letter(message) -> str:
    return "A" if right_letter(message) != "A" else "B"


def answer_button(message, letter: str) -> str:
    for button in message.buttons:
        if button.custom_id.startswith("quiz:ans:") and button.custom_id.endswith(":" + letter):
            return button.custom_id
    raise AssertionError(f"no button {letter} on message {message.id}: {message.buttons}")


def next_button(message) -> str:
    for button in message.buttons:
        if button.custom_id.startswith("quiz:next:"):
            return button.custom_id
    raise AssertionError(f"no Next button on message {message.id}")


def is_question(message, number: int | None = None) -> bool:
    if not message.embeds:
        return False
    title = message.embeds[0].get("title", "")
    if number is None:
        return title.startswith("TRL · Question") and "closed" not in title
    return re.match(rf"TRL · Question {number} / \d+$", title) is not None


def is_summary(message) -> bool:
    return bool(message.embeds) and message.embeds[0].get("title", "").startswith("TRL round")


def db_rows(db_path: Path, sql: str, args: tuple = ()) -> list[tuple]:
    """Read the bot's database from outside the bot, the way an operator would audit it."""
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as conn:
        return conn.execute(sql, args).fetchall()


def pings(emulator) -> list[str]:
    """Every message body the bot sent whose text could ping someone (no allowed_mentions, or one that allows)."""
    found = []
    for record in emulator.requests:
        if record.method not in {"POST", "PATCH"} or not isinstance(record.body, dict):
            continue
        body = record.body.get("data", record.body) if "callback" in record.path else record.body
        if not isinstance(body, dict) or not body.get("content"):
            continue
        allowed = body.get("allowed_mentions")
        if (
            allowed is None
            or allowed.get("parse")
            or allowed.get("users")
            or allowed.get("roles")
            or allowed.get("replied_user")
        ):
            found.append(f"{record.method} {record.path}: {allowed!r}: {body['content'][:80]!r}")
    return found
