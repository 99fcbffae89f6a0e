"""Question-quality insights at scale: one question's item analysis, the deck overview and its chart.

A server with 100,000 members and 1,000,000 answers to the built-in TRL deck, made by the bot's own
migrations and filled with plain inserts into `posts` and `answers` (the migration's triggers keep the
first-response tables, as they do for the bot). Members have an ability; each question a difficulty,
and a few are broken on purpose (a wrong key, two right answers, a distractor nobody picks), so the
flags have something to find. Then it times what a moderator waits for, through the bot's services:

    python3 -m uv run --locked python -m bench.insights            # 100,000 members, 1,000,000 answers
    python3 -m uv run --locked python -m bench.insights --quick    # 5,000 members, 50,000 answers

Targets: one question p99 < 50 ms, the deck overview < 1 s, the chart < 200 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import random
import sqlite3
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.common import REPO_ROOT, median, percentile
from bot.catalog import load_catalog
from bot.charts import insights_png
from bot.services.bank import QuestionBank
from bot.services.insights import InsightService
from bot.storage.database import Database
from bot.storage.items import ItemRepository
from bot.storage.migrate import apply_migrations
from bot.storage.questions import QuestionRepository
from bot.storage.reports import ReportRepository
from bot.storage.rows import to_db_time
from bot.ui.moderation.quality import chart_points

GUILD_ID = 1_180_000_000_000_000_001
START = datetime(2025, 12, 1, 9, 0, tzinfo=UTC)


def _choice(rng: random.Random, broken: str | None, key: int, width: int, knows: bool) -> int:
    wrong = [c for c in range(width) if c != key]
    if broken == "wrong_key":  # those who know pick the real answer, which the key calls wrong
        return wrong[0] if knows else rng.randrange(width)
    if broken == "two_right":
        return rng.choice((key, wrong[0])) if knows else rng.randrange(width)
    if broken == "idle":  # the last distractor is absurd: nobody picks it
        return key if knows else rng.choice([c for c in range(width) if c != wrong[-1]])
    return key if knows else rng.randrange(width)


def fill(path: Path, members: int, answers: int, seed: int = 7) -> tuple[list[str], dict[str, str]]:
    rng = random.Random(seed)
    questions = list(load_catalog(REPO_ROOT / "content").deck("trl") or ())
    broken: dict[str, str] = dict(
        zip((q.id for q in rng.sample(questions, 3)), ("wrong_key", "two_right", "idle"), strict=True)
    )
    difficulty = {q.id: rng.uniform(-1.0, 0.8) for q in questions}
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -500000")
    conn.execute("BEGIN")
    stamp = to_db_time(START)
    for p, q in enumerate(questions, start=1):
        conn.execute(
            "INSERT INTO posts (id, guild_id, channel_id, kind, question_id, question, answer, opened_at, closes_at)"
            " VALUES (?, ?, 1, 'round', ?, ?, ?, ?, ?)",
            (p, GUILD_ID, q.id, q.model_dump_json(), q.answer_index, stamp, stamp),
        )
    per_member = answers / members
    rows: list[tuple[object, ...]] = []
    written = 0
    for m in range(members):
        ability = rng.gauss(0, 1)
        left = answers - written
        count = left if m == members - 1 else max(1, min(len(questions), round(rng.expovariate(1 / per_member))))
        count = min(count, len(questions), left - (members - m - 1))
        for p in rng.sample(range(1, len(questions) + 1), count):
            q = questions[p - 1]
            knows = rng.random() < 1 / (1 + math.exp(-1.7 * (ability - difficulty[q.id])))
            choice = _choice(rng, broken.get(q.id), q.answer_index, len(q.choices), knows)
            when = to_db_time(START + timedelta(seconds=written))
            rows.append((p, GUILD_ID, 10**17 + m, q.id, choice, int(choice == q.answer_index), 0, when))
            written += 1
        if len(rows) >= 50_000:
            conn.executemany(
                "INSERT INTO answers (post_id, guild_id, member_id, question_id, choice, correct, points,"
                " answered_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            rows.clear()
    conn.executemany(
        "INSERT INTO answers (post_id, guild_id, member_id, question_id, choice, correct, points, answered_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    conn.execute("COMMIT")
    conn.execute("ANALYZE")
    conn.close()
    return [q.id for q in questions], broken


async def measure(members: int, answers: int, samples: int, workdir: Path) -> dict[str, float]:
    path = workdir / "insights.sqlite3"
    db = await Database.open(path)
    await apply_migrations(db)
    await db.close()
    began = time.perf_counter()
    question_ids, broken = await asyncio.to_thread(fill, path, members, answers)
    stored = sqlite3.connect(path).execute("SELECT COUNT(*) FROM answers").fetchone()[0]
    print(f"  generated {stored:,} answers of {members:,} members in {time.perf_counter() - began:.1f} s")
    db = await Database.open(path)
    try:
        catalog = load_catalog(REPO_ROOT / "content")
        now = [datetime.now(UTC)]
        service = InsightService(
            ItemRepository(db), ReportRepository(db), QuestionBank(catalog, QuestionRepository(db)), lambda: now[0]
        )
        rng = random.Random(1)
        one: list[float] = []
        for _ in range(samples):
            qid = rng.choice(question_ids)
            t = time.perf_counter()
            await service.question(GUILD_ID, qid)
            one.append(1000 * (time.perf_counter() - t))
        deck: list[float] = []  # every look reads the kept sums afresh (migration 0006): no cache
        for page in (1, 1, 1, 2, 3):
            t = time.perf_counter()
            overview = await service.deck(GUILD_ID, "trl", page=page)
            deck.append(1000 * (time.perf_counter() - t))
        chart: list[float] = []
        points = chart_points(overview)
        for _ in range(5):
            t = time.perf_counter()
            png = await asyncio.to_thread(insights_png, points, "trl: facility against discrimination")
            chart.append(1000 * (time.perf_counter() - t))
        flagged = {r.question.id for r in overview.rows if r.flags}
        found = sorted(q for q in broken if q in flagged)
        print(f"  broken on purpose: {broken}; flagged among them: {found}; flagged in all: {len(flagged)}")
        print(f"  chart: {len(png):,} bytes, {len(points)} points")
    finally:
        await db.close()
    return {
        "one_p50_ms": median(one),
        "one_p99_ms": percentile(one, 99),
        "deck_median_ms": median(deck),
        "deck_max_ms": max(deck),
        "chart_median_ms": median(chart[1:]),  # the first render also imports matplotlib
        "chart_first_ms": chart[0],
        "broken_found": float(len(found)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.insights")
    parser.add_argument("--quick", action="store_true", help="5,000 members and 50,000 answers")
    args = parser.parse_args()
    members, answers = (5_000, 50_000) if args.quick else (100_000, 1_000_000)
    with tempfile.TemporaryDirectory() as tmp:
        figures = asyncio.run(measure(members, answers, 200, Path(tmp)))
    checks = [
        ("one question p99", figures["one_p99_ms"], 50.0),
        ("deck overview (slowest of 5, the first included)", figures["deck_max_ms"], 1000.0),
        ("chart (median, after the first)", figures["chart_median_ms"], 200.0),
    ]
    print(f"Insights: {members:,} members, {answers:,} answers")
    print(f"  one question p50 {figures['one_p50_ms']:.1f} ms, p99 {figures['one_p99_ms']:.1f} ms (200 samples)")
    print(f"  deck overview: median {figures['deck_median_ms']:.1f} ms, slowest {figures['deck_max_ms']:.1f} ms")
    print(
        f"  chart median {figures['chart_median_ms']:.0f} ms (first, with matplotlib's import: "
        f"{figures['chart_first_ms']:.0f} ms)"
    )
    for name, value, target in checks:
        print(f"  {name}: {value:.1f} ms, target < {target:.0f} ms: {'PASS' if value < target else 'FAIL'}")


if __name__ == "__main__":
    main()
