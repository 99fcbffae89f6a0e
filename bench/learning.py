"""Scenario: the learner's paths at scale. Choosing a member's next practice question in a server of 10,000
members and 1,000,000 answers (the member has seen the whole deck: the worst case, mastery over every topic is
computed and nothing is due), rebuilding review state from that history, and drawing the progress chart.

Each figure stands beside its target: choosing p99 under 10 ms, the chart under 200 ms.
"""

from __future__ import annotations

import asyncio
import random
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.common import REPO_ROOT, median, percentile
from bench.leaderboard import GUILD_ID, fresh_path, generate
from bot.catalog import load_catalog
from bot.charts import mastery_png
from bot.core.content import DEFAULT_DECK
from bot.core.review import scheduler
from bot.services.bank import QuestionBank
from bot.services.practice import PracticeService
from bot.services.progress import ProgressService
from bot.storage.database import Database
from bot.storage.repositories import Repositories
from bot.storage.rows import to_db_time

PICK_P99_MAX_MS = 10.0
CHART_MAX_MS = 200.0


async def _whole_deck_seen(db: Database, members: list[int], question_ids: list[str], due: datetime) -> None:
    """Give each sampled member a review of every question, due later: they have seen the whole deck."""
    async with db.transaction() as conn:
        await conn.executemany(
            "INSERT INTO reviews (guild_id, member_id, question_id, state, step, stability, difficulty, due,"
            " last_review, reviews, lapses) VALUES (?, ?, ?, 2, NULL, 5.0, 5.0, ?, ?, 1, 0)"
            " ON CONFLICT (guild_id, member_id, question_id) DO UPDATE SET due = excluded.due",
            [
                (GUILD_ID, m, q, to_db_time(due), to_db_time(due - timedelta(days=5)))
                for m in members
                for q in question_ids
            ],
        )


async def run(*, members: int, answers: int, samples: int, workdir: Path, progress=print) -> dict[str, Any]:
    path = fresh_path(workdir / "learning.sqlite3")
    gen = await generate(path, members=members, answers=answers)
    progress(f"  generated {gen.answers:,} answers of {members:,} members in {gen.seconds:.1f} s")
    catalog = load_catalog(REPO_ROOT / "content")
    now = datetime.now(UTC)
    db = await Database.open(path)
    try:
        repos = Repositories.over(db)
        started = time.perf_counter()
        built = await repos.reviews.rebuild(scheduler())
        rebuild_s = time.perf_counter() - started
        progress(f"  rebuilt review state for {built:,} (member, question) pairs in {rebuild_s:.1f} s")
        bank = QuestionBank(catalog, repos.questions)
        pool = await bank.pool(GUILD_ID, DEFAULT_DECK)
        rng = random.Random(5)
        sample = rng.sample(gen.members, min(samples, len(gen.members)))
        await _whole_deck_seen(db, sample, [q.id for q in pool], now + timedelta(days=3))
        practice = PracticeService(repos.practice, repos.reviews, bank, lambda: now, scheduler())
        progress_service = ProgressService(repos.reviews, repos.practice, repos.daily, bank, lambda: now, scheduler())
        await practice.start(guild_id=GUILD_ID, member_id=sample[0], deck=DEFAULT_DECK)  # warm caches
        problems: list[str] = []
        pairs = await db.fetch_value("SELECT COUNT(*) FROM (SELECT DISTINCT member_id, question_id FROM answers) AS p")
        if built != pairs:
            problems.append(f"rebuild-reviews built {built:,} review states for {pairs:,} answered pairs")
        pick_ms: list[float] = []
        for member in sample:
            t0 = time.perf_counter()
            step = await practice.start(guild_id=GUILD_ID, member_id=member, deck=DEFAULT_DECK)
            pick_ms.append((time.perf_counter() - t0) * 1000)
            if not getattr(step, "nothing_to_do", False):
                problems.append(f"member {member} has seen the whole deck, yet practice offered {step}")
        report = await progress_service.progress(guild_id=GUILD_ID, member_id=sample[0], deck=DEFAULT_DECK)
        if report.completed > len(pool) or len(report.topics) != len({q.topic for q in pool}):
            problems.append(f"progress reports {report.completed} completed over {len(report.topics)} topics")
    finally:
        await db.close()
    t0 = time.perf_counter()
    await asyncio.to_thread(mastery_png, report.topics, "TRL · mastery by topic")
    first_chart_ms = (time.perf_counter() - t0) * 1000
    chart_ms = []
    for _ in range(20):
        t0 = time.perf_counter()
        png = await asyncio.to_thread(mastery_png, report.topics, "TRL · mastery by topic")
        chart_ms.append((time.perf_counter() - t0) * 1000)
    if png[:8] != b"\x89PNG\r\n\x1a\n":
        problems.append("the progress chart is not a PNG")
    progress(
        f"  next question (whole deck seen): p50 {median(pick_ms):.2f} ms, p99 {percentile(pick_ms, 99):.2f} ms; "
        f"chart p50 {median(chart_ms):.0f} ms (first, importing matplotlib: {first_chart_ms:.0f} ms), {len(png):,} B"
    )
    return {
        "members": members,
        "answers": answers,
        "reviews_built": built,
        "rebuild_seconds": rebuild_s,
        "pick": {"samples": len(pick_ms), "p50_ms": median(pick_ms), "p99_ms": percentile(pick_ms, 99)},
        "chart": {"p50_ms": median(chart_ms), "max_ms": max(chart_ms), "first_ms": first_chart_ms, "bytes": len(png)},
        "problems": problems,
    }
