"""What every long-running loop shares: one task, passes that say when the next is due, and a wake-up."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime, timedelta

from bot.core.errors import StorageUnavailable
from bot.services.ports import Clock

log = logging.getLogger(__name__)


class PassLoop:
    """Runs ``step()`` over and over in one task: after each pass it sleeps until the time the pass
    returned (None: ``max_sleep``), bounded by ``min_sleep`` and ``max_sleep``, or until ``wake()``.

    A pass that raises is logged and retried after ``max_sleep``; the loop itself never dies of it.
    """

    name = "loop"
    min_sleep = 0.05  # seconds: never spin
    max_sleep = 30.0  # seconds: bounds what a missed wake-up or a clock change can cost
    storage_retry = 5.0  # seconds between passes while the database is unreachable

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._task: asyncio.Task[None] | None = None
        self._wakeup = asyncio.Event()

    async def step(self) -> datetime | None:
        """One pass; return when the next one is due."""
        raise NotImplementedError

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=self.name)
            self._task.add_done_callback(self._stopped)

    async def close(self) -> None:
        task = self._task
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    def wake(self) -> None:
        """Run a pass now (something changed)."""
        self._wakeup.set()

    def _stopped(self, task: asyncio.Task[None]) -> None:
        self._task = None
        if not task.cancelled() and task.exception() is not None:
            log.error("the %s loop stopped with an error", self.name, exc_info=task.exception())

    async def _run(self) -> None:
        while True:
            self._wakeup.clear()  # before the pass, so a change during it triggers another pass
            try:
                next_at = await self.step()
            except StorageUnavailable as exc:  # a database restart: say so in one line, look again soon
                log.warning("%s pass: %s; trying again in %g s", self.name, exc.detail, self.storage_retry)
                next_at = self.clock() + timedelta(seconds=self.storage_retry)
            except Exception:
                log.exception("%s pass failed; trying again shortly", self.name)
                next_at = None
            delay = self.max_sleep if next_at is None else (next_at - self.clock()).total_seconds()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), timeout=min(max(delay, self.min_sleep), self.max_sleep))
