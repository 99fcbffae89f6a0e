"""A moderator's refused question form, kept for a while so it can be reopened exactly as typed."""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime

from bot.core.drafts import Draft
from bot.storage.rows import to_db_time
from bot.storage.seam import Storage


class DraftRepository:
    def __init__(self, db: Storage) -> None:
        self.db = db

    async def keep(self, guild_id: int, member_id: int, draft: Draft, *, now: datetime, expires_at: datetime) -> None:
        """Store the member's draft (one per member and server), dropping every expired one."""
        async with self.db.transaction() as conn:
            await conn.execute("DELETE FROM question_drafts WHERE expires_at <= ?", (to_db_time(now),))
            await conn.execute(
                "INSERT INTO question_drafts (guild_id, member_id, body, expires_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (guild_id, member_id) DO UPDATE SET body = excluded.body,"
                " expires_at = excluded.expires_at",
                (guild_id, member_id, json.dumps(dataclasses.asdict(draft)), to_db_time(expires_at)),
            )

    async def get(self, guild_id: int, member_id: int, now: datetime) -> Draft | None:
        body = await self.db.fetch_value(
            "SELECT body FROM question_drafts WHERE guild_id = ? AND member_id = ? AND expires_at > ?",
            (guild_id, member_id, to_db_time(now)),
        )
        if body is None:
            return None
        fields = {f.name for f in dataclasses.fields(Draft)}
        return Draft(**{k: str(v) for k, v in json.loads(body).items() if k in fields})

    async def drop(self, guild_id: int, member_id: int) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "DELETE FROM question_drafts WHERE guild_id = ? AND member_id = ?", (guild_id, member_id)
            )
