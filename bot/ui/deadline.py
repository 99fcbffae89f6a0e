"""Answering inside Discord's 3-second window even when the work is slow."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

import discord

T = TypeVar("T")

# Discord drops an interaction not acknowledged within 3 s. Work that has not finished after this
# long is deferred first, leaving room for a slow network or a retried request.
DEFER_AFTER = 1.2


async def in_time(interaction: discord.Interaction, work: Awaitable[T], *, ephemeral: bool = True) -> T:
    """Await ``work``; if it is slow, acknowledge the interaction first so the reply can follow later.

    The reply is then sent as a follow-up, which ``send_ephemeral`` and ``followup.send`` do on
    their own once ``interaction.response.is_done()``.
    """
    task = asyncio.ensure_future(work)
    done, _ = await asyncio.wait({task}, timeout=DEFER_AFTER)
    if not done and not interaction.response.is_done():
        await interaction.response.defer(ephemeral=ephemeral, thinking=True)
    return await task
