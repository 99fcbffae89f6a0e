"""Which servers a process serves when the bot runs as several shard processes.

Discord puts a server on shard ``(guild_id >> 22) % shard_count``; a process runs some of the shards and
owns their servers: their clicks reach it alone, and its background loops (rounds, daily questions,
reminders, pending edits) work only on them, so no two processes ever post the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ShardSet:
    count: int = 1
    ids: tuple[int, ...] = (0,)

    def __post_init__(self) -> None:
        if self.count < 1 or not self.ids or any(not 0 <= i < self.count for i in self.ids):
            raise ValueError(f"shards {self.ids} of {self.count}: ids must be from 0 to count - 1")

    @property
    def everything(self) -> bool:
        return len(set(self.ids)) == self.count

    def owns(self, guild_id: int) -> bool:
        return shard_of(guild_id, self.count) in self.ids

    def __str__(self) -> str:
        return "all shards" if self.count == 1 else f"shards {','.join(map(str, self.ids))} of {self.count}"


def shard_of(guild_id: int, count: int) -> int:
    return (guild_id >> 22) % count


ALL = ShardSet()
