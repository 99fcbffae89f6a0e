"""Turning rows into core types, and times into the database's text form (ISO-8601 UTC)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.core.content import Question
from bot.core.delivery import FAILURE_CODES, Failure
from bot.core.posts import PostInfo
from bot.core.rounds import RoundInfo
from bot.storage.seam import Row
from bot.storage.types import DailyDay, DailySchedule


def to_db_time(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def from_db_time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def db_time(text: str) -> datetime:
    """A NOT NULL time column."""
    return datetime.fromisoformat(text)


def round_from_row(row: Row) -> RoundInfo:
    return RoundInfo(
        id=row["id"],
        guild_id=row["guild_id"],
        channel_id=row["channel_id"],
        started_by=row["started_by"],
        deck=row["deck"],
        total=row["total"],
        seconds=row["seconds"],
        position=row["position"],
        status=row["status"],
        stop_requested_by=row["stop_requested_by"],
        summary_message_id=row["summary_message_id"],
    )


def post_from_row(row: Row) -> PostInfo:
    return PostInfo(
        id=row["id"],
        guild_id=row["guild_id"],
        channel_id=row["channel_id"],
        message_id=row["message_id"],
        kind=row["kind"],
        round_id=row["round_id"],
        position=row["position"],
        question=Question.model_validate_json(row["question"]),
        opened_at=db_time(row["opened_at"]),
        closes_at=db_time(row["closes_at"]),
        closed_at=from_db_time(row["closed_at"]),
    )


def failure_from_row(row: Row) -> Failure | None:
    code = row["last_error_code"]
    if code is None:
        return None
    channel = row["last_error_channel_id"]
    return Failure(code if code in FAILURE_CODES else "unexpected", channel, row["last_error_detail"])


def schedule_from_row(row: Row) -> DailySchedule:
    return DailySchedule(
        guild_id=row["guild_id"],
        channel_id=row["channel_id"],
        local_time=row["local_time"],
        timezone=row["timezone"],
        deck=row["deck"],
        role_id=row["role_id"],
        enabled=bool(row["enabled"]),
        cycle=row["cycle"],
        last_error=failure_from_row(row),
        last_error_at=from_db_time(row["last_error_at"]),
        updated_at=db_time(row["updated_at"]),
    )


def day_from_row(row: Row) -> DailyDay:
    return DailyDay(
        guild_id=row["guild_id"],
        local_date=date.fromisoformat(row["local_date"]),
        cycle=row["cycle"],
        question_id=row["question_id"],
        post_id=row["post_id"],
        status=row["status"],
        channel_id=row["channel_id"],
        message_id=row["message_id"],
    )
