"""The gate every shard's IDENTIFY passes, so that all processes together keep Discord's identify limit."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta

from bot.services.ports import Clock
from bot.storage.identify import IdentifyRepository

# Discord's window is 5 s per bucket; the extra half second covers clocks of different machines that differ a little.
SPACING = timedelta(seconds=5.5)


class IdentifyGate:
    def __init__(
        self,
        turns: IdentifyRepository,
        clock: Clock,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        self.turns = turns
        self.clock = clock
        self.sleep = sleep

    async def wait_turn(self, shard_id: int, max_concurrency: int) -> None:
        """Return once this shard may identify: its bucket (shard_id % max_concurrency) is free."""
        bucket = shard_id % max(1, max_concurrency)
        while (wait := await self.turns.take_turn(bucket, self.clock, SPACING)) > 0:
            await self.sleep(wait)
