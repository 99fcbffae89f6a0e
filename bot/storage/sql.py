"""SQL text that both backends read the same way.

Repositories write one dialect: SQLite 3.35+ and PostgreSQL 15 agree on upserts, RETURNING, row values,
FILTER and NULLS FIRST. Where they differ in what they infer, these helpers spell it out.
"""

from __future__ import annotations

from bot.core.shards import ShardSet

BIGINT, INTEGER, TEXT = "BIGINT", "INTEGER", "TEXT"


def values(rows: int, *types: str) -> str:
    """A VALUES list of ``rows`` rows of ``len(types)`` placeholders.

    PostgreSQL types a bare ``?`` inside VALUES as text, so the first row's are cast to the column
    types (the later rows follow the first); SQLite takes the casts as no-ops.
    """
    first = "(" + ", ".join(f"CAST(? AS {t})" for t in types) + ")"
    rest = "(" + ", ".join("?" for _ in types) + ")"
    return ", ".join([first, *[rest] * (rows - 1)])


def owned(shards: ShardSet, column: str = "guild_id") -> str:
    """A condition keeping the rows of this process's servers ("TRUE" when it serves them all).

    The numbers come from the operator's settings, checked as integers, so they are written inline.
    """
    if shards.everything:
        return "TRUE"
    ids = ", ".join(str(int(i)) for i in sorted(set(shards.ids)))
    return f"(({column} >> 22) % {int(shards.count)}) IN ({ids})"
