"""The interaction window: answering within Discord's 3 seconds even when the work is slow.

(Not to be confused with a question's deadline, the time it closes, which bot/core computes.)
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable
from typing import TYPE_CHECKING, TypeVar

import discord

if TYPE_CHECKING:
    from bot.ui.client import QuizBot

T = TypeVar("T")

# Discord drops an interaction not acknowledged within 3 s of its creation. Work still running this
# long after the interaction was created is deferred first, leaving room for a slow network or a
# retried request; never later than DEFER_AFTER after the handler started, whatever the clocks say.
DEFER_BY_AGE = 2.0
# 1.8 s rather than less: a deferral costs a second request (the deferral, then the follow-up), and under a
# burst of thousands of clicks deferring early doubled the requests exactly when they were scarcest (the old
# benchmark's 2,000-click bursts deferred half the clicks at 1.2 s). The age rule above still defers any click
# that has waited 2.0 s since Discord created it.
DEFER_AFTER = 1.8


async def in_time(
    interaction: discord.Interaction[QuizBot], work: Awaitable[T], *, ephemeral: bool = True, update: bool = False
) -> T:
    """Await ``work``; if it is slow, acknowledge the interaction first so the reply can follow later.

    The reply is then sent as a follow-up, which ``send_ephemeral`` and ``followup.send`` do on
    their own once ``interaction.response.is_done()``. With ``update`` (a click whose reply edits its
    own message) the deferral promises an edit of that message instead of a new one. A timer rather
    than a task per call: this wraps every answer click, the hottest path of the bot.
    """
    loop = asyncio.get_running_loop()
    deferral: asyncio.Task[object] | None = None

    def defer() -> None:
        nonlocal deferral
        if not interaction.response.is_done():
            deferral = loop.create_task(interaction.response.defer(ephemeral=ephemeral, thinking=not update))

    age = (discord.utils.utcnow() - interaction.created_at).total_seconds()
    timer = loop.call_later(min(DEFER_AFTER, max(0.0, DEFER_BY_AGE - age)), defer)
    try:
        return await work
    finally:
        timer.cancel()
        if deferral is not None:
            # The reply must follow the deferral, never race it; a failed deferral is left to the
            # reply's own error handling.
            with contextlib.suppress(discord.HTTPException):
                await deferral
