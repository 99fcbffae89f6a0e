"""Scenario 2, the leaderboard at scale: "top 10 plus my rank" in a server with many members and answers.

The database is made by the bot's own migrations and then filled directly (executemany, big transactions)
with rows that agree with each other the way the bot's answer writer keeps them: every answer in `answers`,
the first correct answer of a member to a question in `mastered` and worth one point, running totals in
`scores` and `weekly_scores`, and `score_histogram` counting the members on each points total.

The bot's way is `ScoreService.board(guild, member)` on a `ScoreRepository`, as `/quiz leaderboard` calls it. The
contender computes the same Board by aggregating `answers`. Both run on one connection opened with the bot's
`Database.open`, in alternating blocks of random members, and their results must be identical.
"""

from __future__ import annotations

import asyncio
import math
import random
import sqlite3
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.common import REPO_ROOT, consistency_problems, median, percentile
from bot.catalog import load_catalog
from bot.core.results import Board
from bot.core.scoring import Standing, next_streak, week_of
from bot.services.scores import PAGE_SIZE, ScoreService
from bot.storage.database import Database
from bot.storage.migrate import apply_migrations
from bot.storage.rows import to_db_time
from bot.storage.scores import ScoreRepository
from bot.storage.seam import Reads

GUILD_ID = 1_180_000_000_000_000_001
CHANNEL_ID = 1_180_000_000_000_000_002
START = datetime(2025, 12, 1, 9, 0, tzinfo=UTC)
ANSWERS_PER_POST = 500
POSTS_PER_ROUND = 10
CHUNK = 50_000


@dataclass
class Generated:
    path: Path
    members: list[int]
    answers: int
    posts: int
    seconds: float
    size_mb: float


def _activity(rng: random.Random, members: int, answers: int, posts: int) -> list[int]:
    """Answers per member: long-tailed (a few very active members, many occasional ones), summing to `answers`."""
    mean = answers / members
    sigma = 1.1
    mu = math.log(max(mean, 1.0)) - sigma * sigma / 2
    if not members <= answers <= members * posts:
        raise ValueError(f"{answers} answers cannot be spread over {members} members and {posts} posts")
    counts = [min(posts, max(1, round(rng.lognormvariate(mu, sigma)))) for _ in range(members)]
    diff = answers - sum(counts)
    while diff:
        i = rng.randrange(members)
        if diff > 0 and counts[i] < posts:
            counts[i] += 1
            diff -= 1
        elif diff < 0 and counts[i] > 1:
            counts[i] -= 1
            diff += 1
    return counts


async def generate(path: Path, *, members: int, answers: int, seed: int = 7) -> Generated:
    """A fresh database at `path`, made by the bot's migrations, holding `answers` answers of `members` members."""
    if answers < members:
        raise ValueError("every member needs at least one answer")
    started = time.perf_counter()
    db = await Database.open(path)
    try:
        await apply_migrations(db)
    finally:
        await db.close()
    member_ids, n_posts, size = _fill(path, members=members, answers=answers, seed=seed)
    return Generated(
        path=path,
        members=member_ids,
        answers=answers,
        posts=n_posts,
        seconds=time.perf_counter() - started,
        size_mb=size / 1e6,
    )


def _fill(path: Path, *, members: int, answers: int, seed: int) -> tuple[list[int], int, int]:
    """Insert the rows; return the member ids, the number of posts and the file's size."""
    rng = random.Random(seed)
    questions = [q for qs in load_catalog(REPO_ROOT / "content").decks.values() for q in qs]
    # Enough posts that even a small server's members can give all their answers (one per post each).
    n_posts = max(math.ceil(answers / ANSWERS_PER_POST), math.ceil(2 * answers / members))
    # A question every 4 hours; each open for 30 s; rounds of ten.
    post_rows, post_info = [], []
    round_rows = []
    for p in range(1, n_posts + 1):
        question = questions[(p * 7) % len(questions)]
        opened = START + timedelta(hours=4 * p)
        round_id = (p - 1) // POSTS_PER_ROUND + 1
        if (p - 1) % POSTS_PER_ROUND == 0:
            size = min(POSTS_PER_ROUND, n_posts - p + 1)
            picked = [questions[(q * 7) % len(questions)] for q in range(p, p + size)]
            round_rows.append(
                (
                    round_id,
                    GUILD_ID,
                    CHANNEL_ID,
                    1,
                    "trl",
                    "[" + ",".join(q.model_dump_json() for q in picked) + "]",
                    size,
                    30,
                    size,
                    "finished",
                    to_db_time(opened),
                    to_db_time(opened + timedelta(hours=40)),
                )
            )
        closes = opened + timedelta(seconds=30)
        post_rows.append(
            (
                p,
                GUILD_ID,
                CHANNEL_ID,
                10_000_000 + p,
                "round",
                round_id,
                (p - 1) % POSTS_PER_ROUND + 1,
                question.id,
                question.model_dump_json(),
                question.answer_index,
                to_db_time(opened),
                to_db_time(closes),
                to_db_time(closes),
            )
        )
        stamps = [to_db_time(opened + timedelta(seconds=s + 0.25)) for s in range(29)]
        post_info.append((question.id, question.answer_index, len(question.choices), stamps, week_of(opened)))

    member_ids = sorted(rng.sample(range(100_000_000_000_000_000, 999_999_999_999_999_999), members))
    counts = _activity(rng, members, answers, n_posts)

    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -500000")
    conn.execute("PRAGMA foreign_keys = ON")
    try:
        conn.execute("BEGIN")
        conn.execute("INSERT INTO guilds (guild_id, joined_at) VALUES (?, ?)", (GUILD_ID, to_db_time(START)))
        conn.executemany(
            "INSERT INTO rounds (id, guild_id, channel_id, started_by, deck, questions, total, seconds,"
            " position, status, started_at, ended_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            round_rows,
        )
        conn.executemany(
            "INSERT INTO posts (id, guild_id, channel_id, message_id, kind, round_id, position,"
            " question_id, question, answer, opened_at, closes_at, closed_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            post_rows,
        )
        answer_rows: list[tuple] = []
        mastered_rows: list[tuple] = []
        score_rows: list[tuple] = []
        weekly_rows: list[tuple] = []
        histogram: dict[int, int] = defaultdict(int)
        answer_id = 0
        post_range = range(1, n_posts + 1)

        def flush() -> None:
            conn.executemany(
                "INSERT INTO answers (id, post_id, guild_id, member_id, question_id, choice, correct,"
                " points, answered_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                answer_rows,
            )
            conn.executemany(
                "INSERT INTO mastered (guild_id, member_id, question_id, answer_id) VALUES (?, ?, ?, ?)", mastered_rows
            )
            conn.executemany(
                "INSERT INTO scores (guild_id, member_id, answered, correct, points, streak,"
                " best_streak, last_answer_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                score_rows,
            )
            conn.executemany(
                "INSERT INTO weekly_scores (guild_id, week, member_id, answered, correct, points)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                weekly_rows,
            )
            for rows in (answer_rows, mastered_rows, score_rows, weekly_rows):
                rows.clear()

        for member_id, count in zip(member_ids, counts, strict=True):
            skill = rng.uniform(0.25, 0.95)
            mastered: set[str] = set()
            streak = best = n_correct = n_points = 0
            weeks: dict[str, list[int]] = {}
            stamp = ""
            for post_id in sorted(rng.sample(post_range, count)):
                question_id, right, n_choices, stamps, week = post_info[post_id - 1]
                if rng.random() < skill:
                    choice = right
                else:
                    choice = rng.randrange(n_choices - 1)
                    choice += choice >= right
                correct = choice == right
                points = 1 if correct and question_id not in mastered else 0
                answer_id += 1
                stamp = stamps[member_id % 29]
                answer_rows.append(
                    (answer_id, post_id, GUILD_ID, member_id, question_id, choice, int(correct), points, stamp)
                )
                if points:
                    mastered.add(question_id)
                    mastered_rows.append((GUILD_ID, member_id, question_id, answer_id))
                streak = next_streak(streak, correct)
                best = max(best, streak)
                n_correct += correct
                n_points += points
                w = weeks.setdefault(week, [0, 0, 0])
                w[0] += 1
                w[1] += correct
                w[2] += points
            score_rows.append((GUILD_ID, member_id, count, n_correct, n_points, streak, best, stamp))
            weekly_rows.extend((GUILD_ID, week, member_id, *w) for week, w in weeks.items())
            histogram[n_points] += 1
            if len(answer_rows) >= CHUNK:
                flush()
        flush()
        conn.executemany(
            "INSERT INTO score_histogram (guild_id, points, members) VALUES (?, ?, ?)",
            [(GUILD_ID, p, n) for p, n in sorted(histogram.items())],
        )
        conn.execute("COMMIT")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    return member_ids, n_posts, path.stat().st_size


def fresh_path(path: Path) -> Path:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return path


def check(path: Path) -> tuple[list[str], dict[str, int]]:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        return consistency_problems(conn)


# -- the two ways to answer "top 10 plus my rank" ---------------------------------------------------------------


async def board_by_aggregation(db: Reads, guild_id: int, member_id: int, size: int = PAGE_SIZE) -> Board:
    """Page 1 of the all-time board and the member's line, computed from the answers table alone (the same SQL
    on SQLite and on PostgreSQL)."""
    top = [
        tuple(r)
        for r in await db.fetch_all(
            "SELECT member_id, SUM(points) AS p, SUM(correct) AS c, COUNT(*) AS n FROM answers WHERE guild_id = ?"
            " GROUP BY member_id ORDER BY p DESC, c DESC, member_id LIMIT ?",
            (guild_id, size),
        )
    ]
    rows: list[Standing] = []
    for i, (mid, points, correct, answered) in enumerate(top):
        # Everyone with more points is listed before the first row with these points.
        above = next(j for j in range(i + 1) if top[j][1] == points)
        rows.append(Standing(1 + above, mid, points, correct, answered))
    mine = await db.fetch_one(
        "SELECT SUM(points), SUM(correct), COUNT(*) FROM answers WHERE guild_id = ? AND member_id = ?",
        (guild_id, member_id),
    )
    assert mine is not None
    points, correct, answered = mine
    counted = await db.fetch_one(
        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN p > ? THEN 1 ELSE 0 END), 0) FROM"
        " (SELECT SUM(points) AS p FROM answers WHERE guild_id = ? GROUP BY member_id) AS totals",
        (points if answered else -1, guild_id),
    )
    assert counted is not None
    total, above = counted
    me = Standing(1 + above, member_id, points, correct, answered) if answered else None
    return Board(scope="all", rows=tuple(rows), page=1, pages=max(1, math.ceil(total / size)), me=me)


async def _timed(fn: Callable, *args: Any) -> tuple[float, Any]:
    started = time.perf_counter()
    result = await fn(*args)
    return (time.perf_counter() - started) * 1000, result


async def measure(
    path: Path,
    members: list[int],
    *,
    rounds: int,
    bot_per_round: int,
    agg_per_round: int,
    extra_members: tuple[int, ...] = (),
    seed: int = 11,
    progress=print,
    open_db: Callable[[], Awaitable[Any]] | None = None,
) -> dict[str, Any]:
    """Alternate blocks of the bot's board and the aggregation for random members; compare their results.

    `open_db` opens another database than the SQLite file at `path` (PostgreSQL: bench/pg_board.py).
    """
    rng = random.Random(seed)
    db = await (open_db() if open_db is not None else Database.open(path))
    bot_ms: list[float] = []
    agg_ms: list[float] = []
    compared = mismatches = 0
    examples: list[str] = []
    try:
        scores = ScoreService(ScoreRepository(db), clock=lambda: datetime.now(UTC))
        # One untimed call of each warms the connection and the OS page cache alike.
        await scores.board(GUILD_ID, members[0])
        await board_by_aggregation(db, GUILD_ID, members[0])
        for r in range(rounds):
            sample = [rng.choice(members) for _ in range(bot_per_round)]
            checked = sample[:agg_per_round] + (list(extra_members) if r == 0 else [])
            blocks = ("bot", "agg") if r % 2 == 0 else ("agg", "bot")
            expected: dict[int, Board] = {}
            got: dict[int, Board] = {}
            for block in blocks:
                if block == "bot":
                    for member in sample + (list(extra_members) if r == 0 else []):
                        ms, board = await _timed(scores.board, GUILD_ID, member)
                        bot_ms.append(ms)
                        expected[member] = board
                else:
                    for member in checked:
                        ms, board = await _timed(board_by_aggregation, db, GUILD_ID, member)
                        agg_ms.append(ms)
                        got[member] = board
            for member in checked:
                compared += 1
                if expected[member] != got[member]:
                    mismatches += 1
                    if len(examples) < 3:
                        examples.append(f"member {member}: bot {expected[member]} != aggregation {got[member]}")
            progress(
                f"  leaderboard round {r + 1}/{rounds}: bot p50 {median(bot_ms):.2f} ms, "
                f"aggregation p50 {median(agg_ms):.0f} ms"
            )
    finally:
        await db.close()
    result = {
        "bot": {
            "samples": len(bot_ms),
            "p50_ms": median(bot_ms),
            "p99_ms": percentile(bot_ms, 99),
            "max_ms": max(bot_ms),
        },
        "aggregation": {
            "samples": len(agg_ms),
            "p50_ms": median(agg_ms),
            "p99_ms": percentile(agg_ms, 99),
            "max_ms": max(agg_ms),
        },
        "compared": compared,
        "mismatches": mismatches,
        "problems": examples + ([f"{mismatches} of {compared} boards differ"] if mismatches else []),
    }
    result["speedup_p50"] = result["aggregation"]["p50_ms"] / result["bot"]["p50_ms"]
    result["speedup_p99"] = result["aggregation"]["p99_ms"] / result["bot"]["p99_ms"]
    return result


async def run(
    *, members: int, answers: int, rounds: int, bot_per_round: int, agg_per_round: int, workdir: Path, progress=print
) -> dict[str, Any]:
    path = fresh_path(workdir / "leaderboard.sqlite3")
    gen = await generate(path, members=members, answers=answers)
    progress(
        f"  generated {gen.answers:,} answers of {members:,} members on {gen.posts:,} posts "
        f"in {gen.seconds:.1f} s ({gen.size_mb:.0f} MB)"
    )
    started = time.perf_counter()
    inconsistent, totals = check(path)
    progress(
        f"  checked its totals in {time.perf_counter() - started:.1f} s: "
        f"{'consistent' if not inconsistent else '; '.join(inconsistent)}"
    )
    # A member who never answered has no line: both ways must agree on that too.
    result = await measure(
        path,
        gen.members,
        rounds=rounds,
        bot_per_round=bot_per_round,
        agg_per_round=agg_per_round,
        extra_members=(42,),
        progress=progress,
    )
    result["problems"] = inconsistent + result["problems"]
    result.update(
        {
            "members": members,
            "answers": answers,
            "posts": gen.posts,
            "stored": totals,
            "generate_seconds": gen.seconds,
            "database_mb": gen.size_mb,
        }
    )
    return result


if __name__ == "__main__":  # a quick manual run: python -m bench.leaderboard
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        print(
            asyncio.run(
                run(members=100_000, answers=1_000_000, rounds=4, bot_per_round=100, agg_per_round=2, workdir=Path(tmp))
            )
        )
