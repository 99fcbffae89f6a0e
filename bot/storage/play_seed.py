"""What `python -m bot play --database` needs of a copy: the ids its most active server's data is under."""

from __future__ import annotations

from dataclasses import dataclass

from bot.storage.seam import Reads

# Where a server's activity shows, most telling first: answers given, then rounds, a daily question, questions.
_ACTIVITY = (
    "SELECT guild_id, SUM(answered) FROM scores GROUP BY guild_id",
    "SELECT guild_id, COUNT(*) FROM rounds GROUP BY guild_id",
    "SELECT guild_id, COUNT(*) FROM daily_schedules GROUP BY guild_id",
    "SELECT guild_id, COUNT(*) FROM custom_questions GROUP BY guild_id",
)


@dataclass(frozen=True, slots=True)
class ServerIds:
    guild_id: int
    round_channels: tuple[int, ...]  # where its rounds ran, the latest first
    daily_channels: tuple[int, ...]
    member_ids: tuple[int, ...]  # most points first


async def most_active_server(db: Reads, members: int) -> ServerIds | None:
    """The server with the most answers (else rounds, a daily question, questions of its own), or None."""
    guild_id: int | None = None
    for query in _ACTIVITY:
        row = await db.fetch_one(f"{query} ORDER BY 2 DESC, 1 LIMIT 1")
        if row is not None and row[0] is not None:
            guild_id = int(row[0])
            break
    if guild_id is None:
        return None
    rounds = await db.fetch_all(
        "SELECT channel_id FROM rounds WHERE guild_id = ? GROUP BY channel_id ORDER BY MAX(id) DESC", (guild_id,)
    )
    daily = await db.fetch_all("SELECT channel_id FROM daily_schedules WHERE guild_id = ?", (guild_id,))
    top = await db.fetch_all(
        "SELECT member_id FROM scores WHERE guild_id = ? ORDER BY points DESC, correct DESC, member_id LIMIT ?",
        (guild_id, members),
    )
    return ServerIds(
        guild_id,
        tuple(int(r[0]) for r in rounds),
        tuple(int(r[0]) for r in daily),
        tuple(int(r[0]) for r in top),
    )
