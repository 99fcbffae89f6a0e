"""Scenario: the daily question at scale. N servers share 09:00 Europe/Berlin; the real DailyScheduler (one
pass, as the loop runs it) posts them through the real DiscordPublisher and discord.py against the emulator
with 100 ms of latency on every request and Discord's global limit of 50 requests a second. Each server also
has yesterday's question open, whose closing edit (the reveal) falls due at the same minute.

The limit sets the floor: N posts cannot all be made in less than N / 50 seconds. Target: the last post within
1.25x that floor (today's posts go first; the N closing edits after them). Reported: the floor, the time to the
last post, p50 and p99 lateness (from 09:00 to the emulator creating the message), the time to the last edit.

Second part: M servers configured, none due: one pass of the loop (and planning the next wake-up) must take
under 10 ms, whatever M, because it reads only what is due, from an index.
"""

from __future__ import annotations

import random
import statistics
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import discord
import discord.http
from discord_loopback import DiscordEmulator
from discord_loopback import messages as emu_messages
from discord_loopback.models import Message

from bench.common import REPO_ROOT, make_token, percentile
from bot.catalog import load_catalog
from bot.core.content import DEFAULT_DECK
from bot.services.container import build
from bot.storage.database import Database
from bot.storage.migrate import apply_migrations
from bot.storage.repositories import Repositories
from bot.storage.rows import to_db_time
from bot.ui import endpoint
from bot.ui.publisher import DiscordPublisher

LIMIT_PER_SECOND = 50
LATENCY = 0.1
FLOOR_FACTOR_MAX = 1.25
IDLE_PASS_MAX_MS = 10.0
ZONE = ZoneInfo("Europe/Berlin")
DAY = date(2026, 6, 1)


def _nine(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 9, 0, tzinfo=ZONE).astimezone(UTC)


async def _schedules(db: Database, guilds: list[tuple[int, int]], *, next_at: datetime | None) -> None:
    set_at = to_db_time(_nine(DAY) - timedelta(days=3))
    async with db.transaction() as conn:
        await conn.executemany(
            "INSERT INTO daily_schedules (guild_id, channel_id, local_time, timezone, deck, updated_by, updated_at,"
            " next_post_at) VALUES (?, ?, '09:00', 'Europe/Berlin', ?, 1, ?, ?)",
            [(g, c, DEFAULT_DECK, set_at, to_db_time(next_at) if next_at else None) for g, c in guilds],
        )


async def _yesterday(db: Database, emu: DiscordEmulator, guilds: list[tuple[int, int]], question: Any) -> None:
    """Yesterday's post, open and on Discord, closing at today's 09:00."""
    opened, closes = _nine(DAY - timedelta(days=1)), _nine(DAY)
    rows = []
    for g, c in guilds:
        msg = Message(
            id=emu.ids.next(), channel_id=c, guild_id=g, author=emu.bot_user_json(), timestamp=emu.clock.iso()
        )
        msg.content = "yesterday's question"
        emu_messages.publish(emu, msg)
        rows.append((g, c, msg.id, question.id, question.model_dump_json(), question.answer_index))
    async with db.transaction() as conn:
        await conn.executemany(
            "INSERT INTO posts (guild_id, channel_id, message_id, kind, question_id, question, answer, opened_at,"
            f" closes_at) VALUES (?, ?, ?, 'daily', ?, ?, ?, '{to_db_time(opened)}', '{to_db_time(closes)}')",
            rows,
        )
        await conn.executemany(
            "INSERT INTO daily_posts (guild_id, local_date, cycle, question_id, post_id, status, claimed_at)"
            " SELECT guild_id, ?, 1, question_id, id, 'posted', opened_at FROM posts WHERE guild_id = ?",
            [((DAY - timedelta(days=1)).isoformat(), g) for g, _ in guilds],
        )


async def fan_out(*, servers: int, workdir: Path, progress=print) -> dict[str, Any]:
    emu = DiscordEmulator(token=make_token(), spec_check=False, global_rate_limit=LIMIT_PER_SECOND, latency=LATENCY)
    await emu.start()
    path = workdir / "daily.sqlite3"
    path.unlink(missing_ok=True)
    db = await Database.open(path)
    client = discord.Client(intents=discord.Intents.none())
    base = discord.http.Route.BASE  # put back afterwards: the process may go on to talk to someone else
    try:
        await apply_migrations(db)
        guilds = [(g.id, g.channel_id) for g in (emu.add_guild(f"S{i}") for i in range(servers))]
        catalog = load_catalog(REPO_ROOT / "content")
        repos = Repositories.over(db)
        await _schedules(db, guilds, next_at=None)
        await _yesterday(db, emu, guilds, catalog.decks[DEFAULT_DECK][0])
        endpoint.point_at(emu.api_base_url)
        await client.login(emu.token)
        publisher = DiscordPublisher()
        publisher.attach(client)
        t0 = time.monotonic()
        due_at = _nine(DAY)
        _, workers = build(repos, catalog, publisher, lambda: due_at + timedelta(seconds=time.monotonic() - t0))
        emu.requests.clear()
        started = time.monotonic()
        await workers.daily.tick()
        pass_s = time.monotonic() - started
        posts = [r.at - t0 for r in emu.requests if r.method == "POST" and r.status == 200 and "/messages" in r.path]
        edits = [r.at - t0 for r in emu.requests if r.method == "PATCH" and r.status == 200]
        posted = await db.fetch_value(
            "SELECT COUNT(*) FROM daily_posts WHERE status = 'posted' AND local_date = ?", (DAY.isoformat(),)
        )
        pending = await db.fetch_value("SELECT COUNT(*) FROM outbox", default=0)
    finally:
        discord.http.Route.BASE = base
        await client.close()
        await db.close()
        await emu.stop()
    floor = servers / LIMIT_PER_SECOND
    last = max(posts, default=float("nan"))
    problems = []
    if len(posts) != servers or posted != servers:
        problems.append(f"{len(posts)} posts made and {posted} recorded for {servers} servers")
    if len(edits) != servers or pending:
        problems.append(f"{len(edits)} closing edits for {servers} servers, {pending} left in the outbox")
    missed = []  # targets, not correctness: a loaded machine misses them without anything being wrong
    if not last <= FLOOR_FACTOR_MAX * floor:
        missed.append(f"last post {last:.1f} s after 09:00, over {FLOOR_FACTOR_MAX} x the floor of {floor:.1f} s")
    rate_limited = len(emu.rate_limited)
    progress(
        f"  {servers:,} servers due at 09:00: floor {floor:.1f} s, last post {last:.1f} s, lateness p50 "
        f"{statistics.median(posts):.1f} s p99 {percentile(posts, 99):.1f} s; last closing edit "
        f"{max(edits, default=float('nan')):.1f} s; {rate_limited} global 429s"
    )
    return {
        "servers": servers,
        "limit_per_second": LIMIT_PER_SECOND,
        "latency_ms": LATENCY * 1000,
        "floor_s": floor,
        "last_post_s": last,
        "lateness_p50_s": statistics.median(posts) if posts else None,
        "lateness_p99_s": percentile(posts, 99),
        "last_edit_s": max(edits, default=None),
        "pass_s": pass_s,
        "global_429s": rate_limited,
        "problems": problems,
        "missed": missed,
    }


async def idle(*, servers: int, workdir: Path, samples: int = 50, progress=print) -> dict[str, Any]:
    """Servers configured, none due: time one pass and the planning of the next wake-up."""
    path = workdir / "daily-idle.sqlite3"
    path.unlink(missing_ok=True)
    db = await Database.open(path)
    try:
        await apply_migrations(db)
        now = _nine(DAY) - timedelta(hours=1)
        rng = random.Random(3)
        guilds = [(10**17 + i, 10**17 + servers + i) for i in range(servers)]
        set_at = to_db_time(now - timedelta(days=3))
        async with db.transaction() as conn:
            await conn.executemany(
                "INSERT INTO daily_schedules (guild_id, channel_id, local_time, timezone, deck, updated_by,"
                " updated_at, next_post_at) VALUES (?, ?, '09:00', 'Europe/Berlin', ?, 1, ?, ?)",
                [
                    (g, c, DEFAULT_DECK, set_at, to_db_time(now + timedelta(minutes=rng.randint(1, 1440))))
                    for g, c in guilds
                ],
            )
        catalog = load_catalog(REPO_ROOT / "content")
        _, workers = build(Repositories.over(db), catalog, DiscordPublisher(), lambda: now)
        await workers.daily.tick()  # warm
        ms = []
        for _ in range(samples):
            t = time.perf_counter()
            await workers.daily.tick()
            ms.append((time.perf_counter() - t) * 1000)
    finally:
        await db.close()
    missed = []
    if percentile(ms, 99) >= IDLE_PASS_MAX_MS:
        missed.append(f"a pass with nothing due took {percentile(ms, 99):.1f} ms (p99) over {IDLE_PASS_MAX_MS} ms")
    progress(
        f"  {servers:,} servers, none due: one pass p50 {statistics.median(ms):.2f} ms, p99 {percentile(ms, 99):.2f} ms"
    )
    return {
        "servers": servers,
        "pass_p50_ms": statistics.median(ms),
        "pass_p99_ms": percentile(ms, 99),
        "problems": [],
        "missed": missed,
    }


async def run(*, servers: int, idle_servers: int, workdir: Path, progress=print) -> dict[str, Any]:
    due = await fan_out(servers=servers, workdir=workdir, progress=progress)
    quiet = await idle(servers=idle_servers, workdir=workdir, progress=progress)
    return {
        "due": due,
        "idle": quiet,
        "problems": due["problems"] + quiet["problems"],
        "missed": due["missed"] + quiet["missed"],
    }
