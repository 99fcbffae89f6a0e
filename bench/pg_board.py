"""The PostgreSQL benchmark's third scenario: the leaderboard at a million answers (bench/postgres.py)."""

from __future__ import annotations

import random
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg

from bench import leaderboard
from bench.pg_burst import postgres_consistency
from bot.services.scores import ScoreService
from bot.storage.database import Database
from bot.storage.postgres import PostgresDatabase
from bot.storage.scores import ScoreRepository
from tests.postgres import PostgresServer

# -- scenario 3: the leaderboard at a million answers ---------------------------------------------------------


async def copy_into(path: Path, url: str) -> dict[str, Any]:
    """The SQLite file copied into the (empty) PostgreSQL database by the bot's own copy-db."""
    from bot.storage.copy import copy_database

    report = await copy_database(str(path), url)
    return {"seconds": report.seconds, "rows": report.rows, "figures_match": report.comparison.ok}


async def same_as_sqlite(path: Path, url: str, members: Sequence[int]) -> tuple[int, list[str]]:
    """The bot's boards on the SQLite file and on its PostgreSQL copy, for the given members."""
    lite = await Database.open(path)
    pg = await PostgresDatabase.open(url, pool_size=1)
    differ: list[str] = []
    try:
        clock = lambda: datetime.now(UTC)  # noqa: E731
        a, b = ScoreService(ScoreRepository(lite), clock=clock), ScoreService(ScoreRepository(pg), clock=clock)
        for member in members:
            mine, theirs = await a.board(leaderboard.GUILD_ID, member), await b.board(leaderboard.GUILD_ID, member)
            if mine != theirs:
                differ.append(f"member {member}: SQLite {mine} != PostgreSQL {theirs}")
    finally:
        await pg.close()
        await lite.close()
    return len(members), differ


async def run_leaderboard(
    *,
    server: PostgresServer,
    members: int,
    answers: int,
    rounds: int,
    bot_per_round: int,
    agg_per_round: int,
    workdir: Path,
    progress=print,
) -> dict[str, Any]:
    """Scenario 3: bench/leaderboard.py's database, copied into PostgreSQL, its board timed there."""
    path = leaderboard.fresh_path(workdir / "leaderboard.sqlite3")
    gen = await leaderboard.generate(path, members=members, answers=answers)
    progress(f"  generated {gen.answers:,} answers of {members:,} members in SQLite in {gen.seconds:.1f} s")
    url = await server.fresh_database(migrated=False)
    copied = await copy_into(path, url)
    progress(f"  copied {copied['rows']:,} rows into PostgreSQL with copy-db in {copied['seconds']:.1f} s")
    started = time.perf_counter()
    # As autovacuum would within a minute of the copy: the planner's statistics of the new tables.
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("ANALYZE")
        size_mb = await conn.fetchval("SELECT pg_database_size(current_database())") / 1e6
    finally:
        await conn.close()
    inconsistent, totals = await postgres_consistency(url)
    lite_problems, lite_totals = leaderboard.check(path)
    if lite_totals != totals:
        inconsistent.append(f"PostgreSQL holds {totals}, the SQLite file {lite_totals}")
    progress(
        f"  analyzed and checked its totals in {time.perf_counter() - started:.1f} s: "
        f"{'consistent' if not inconsistent + lite_problems else '; '.join(inconsistent + lite_problems)}"
    )
    result = await leaderboard.measure(
        path,
        gen.members,
        rounds=rounds,
        bot_per_round=bot_per_round,
        agg_per_round=agg_per_round,
        extra_members=(42,),
        progress=progress,
        open_db=lambda: PostgresDatabase.open(url, pool_size=1),
    )
    checked = [*random.Random(5).sample(gen.members, min(len(gen.members), 50)), 42]
    compared, differ = await same_as_sqlite(path, url, checked)
    result["problems"] = inconsistent + lite_problems + result["problems"] + differ[:3]
    if differ:
        result["problems"].append(f"{len(differ)} of {compared} boards differ between SQLite and PostgreSQL")
    result.update(
        {
            "members": members,
            "answers": answers,
            "posts": gen.posts,
            "stored": totals,
            "generate_seconds": gen.seconds,
            "copy": copied,
            "database_mb": size_mb,
            "sqlite_compared": compared,
            "sqlite_mismatches": len(differ),
        }
    )
    return result
