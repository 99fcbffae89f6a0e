"""Keyed wake-ups so thousands of concurrent waiters don't all re-check on every change."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Hashable, Iterable
from typing import Any


class Notifier:
    def __init__(self) -> None:
        self._waiters: dict[Hashable, list[asyncio.Future]] = {}
        # Called with the keys of every notification (the playground's live updates listen here).
        self.listeners: list[Callable[[tuple[Hashable, ...]], None]] = []

    def notify(self, *keys: Hashable) -> None:
        for listener in self.listeners:
            listener(keys)
        for key in keys:
            for fut in self._waiters.pop(key, ()):
                if not fut.done():
                    fut.set_result(None)

    async def wait(
        self,
        keys: Iterable[Hashable],
        predicate: Callable[[], Any],
        timeout: float,
        describe: Callable[[], str],
    ) -> Any:
        """Return predicate()'s first truthy value, re-checking whenever one of `keys` is notified."""
        keys = tuple(keys)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            result = predicate()
            if result:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"timed out after {timeout}s waiting for {describe()}")
            fut = loop.create_future()
            for key in keys:
                self._waiters.setdefault(key, []).append(fut)
            try:
                await asyncio.wait_for(fut, remaining)
            except TimeoutError:
                pass
            finally:
                for key in keys:
                    lst = self._waiters.get(key)
                    if lst and fut in lst:
                        lst.remove(fut)
