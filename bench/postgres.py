"""python -m bench.postgres [--quick] [options]: the quiz bot on PostgreSQL, against itself on SQLite.

Three scenarios in one run, on a PostgreSQL server started from the machine's binaries (tests/postgres) with
durable commits (fsync and synchronous_commit on: comparable to the bot's SQLite synchronous=FULL):

1. The answer burst of bench/burst.py (its machinery: a new round and new members per burst, every click built
   before the timed window, each contender with its own emulator, bursts alternating) for the quiz bot on a
   SQLite file against the same bot on PostgreSQL. Besides the bot's CPU (all threads), the PostgreSQL
   server's CPU over the same window (the postmaster and every child process: backends, WAL writer,
   checkpointer...) is read from /proc, so the CPU per click says where the work went.
2. Two bot processes on one PostgreSQL database, shard 0 and shard 1 of 2 on one emulator, each with a server
   of its own: bursts in both servers at once (clicks interleaved), alternating with bursts of one process
   alone in the same setup. Each process's p99 in the paired bursts is compared with the single process's
   of scenario 1 and with the lone process's; the paired bursts' combined throughput is reported.
3. The leaderboard at a million answers: bench/leaderboard.py generates the SQLite database, the bot's
   copy-db (bot.storage.copy) copies it into PostgreSQL, and `ScoreService.board(guild, member)` is timed on
   PostgreSQL, compared with aggregating the answers there (and with the SQLite file's boards).

Prints a markdown table and writes every figure to bench/results/postgres.json. Exits 1 if a correctness
check failed (not for a missed target).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import math
import os
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
from discord_loopback import DiscordEmulator, InteractionHandle, Message

from bench import burst, leaderboard
from bench.common import (
    CLOCK_TICKS,
    CONSISTENCY_SQL,
    REPO_ROOT,
    OtherLoad,
    cpu_seconds,
    emulator_problems,
    judge_consistency,
    median,
    new_emulator,
)
from bench.machine import describe, summary_line
from bot.core.results import Board
from bot.core.scoring import Standing
from bot.services.scores import PAGE_SIZE, ScoreService
from bot.storage.database import Database
from bot.storage.postgres import PostgresDatabase, to_postgres
from bot.storage.scores import ScoreRepository
from tests.postgres import PostgresServer

SHARDS = 2
THROUGHPUT_RATIO_MIN = 0.8  # PostgreSQL's burst throughput against SQLite's
LEADERBOARD_P99_MAX_MS = 5.0
SIZE_BOUND = frozenset({"postgres_throughput", "postgres_leaderboard_p99"})  # only judged at the default sizes
DEFAULTS = {
    "members": 1000,
    "rounds": 10,
    "shard_rounds": 6,
    "lb_members": 100_000,
    "lb_answers": 1_000_000,
    "lb_rounds": 10,
    "lb_samples": 100,
    "lb_agg_samples": 3,
}
QUICK = {
    "members": 200,
    "rounds": 3,
    "shard_rounds": 2,
    "lb_members": 10_000,
    "lb_answers": 100_000,
    "lb_rounds": 2,
    "lb_samples": 50,
    "lb_agg_samples": 2,
}


# -- the PostgreSQL server's CPU ---------------------------------------------------------------------------------


class ServerCpu:
    """CPU seconds of a PostgreSQL server so far: the postmaster's own and its reaped children's, plus every live
    child's (backends, WAL writer, checkpointer...), from /proc. A backend that exits is counted in the
    postmaster's children's time once reaped, so the sum only grows."""

    def __init__(self, server: PostgresServer) -> None:
        pid_file = server.folder / "data" / "postmaster.pid"
        self.postmaster = int(pid_file.read_text(encoding="ascii").split()[0])

    def seconds(self) -> float:
        ticks = 0
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                with open(f"/proc/{entry.name}/stat", encoding="ascii", errors="replace") as fh:
                    fields = fh.read().rsplit(")", 1)[1].split()
            except OSError:  # gone meanwhile
                continue
            if int(entry.name) == self.postmaster or int(fields[1]) == self.postmaster:
                ticks += sum(int(f) for f in fields[11:15])  # utime, stime, cutime, cstime
        return ticks / CLOCK_TICKS


async def fetch_rows(url: str, sql: str, *args: Any) -> list[tuple]:
    conn = await asyncpg.connect(url)
    try:
        return [tuple(r) for r in await conn.fetch(to_postgres(sql), *args)]
    finally:
        await conn.close()


async def postgres_consistency(url: str) -> tuple[list[str], dict[str, int]]:
    """bench.common's consistency checks (the leaderboard's totals agree with the answers), on PostgreSQL."""
    conn = await asyncpg.connect(url)
    try:
        found = {name: [tuple(r) for r in await conn.fetch(sql)] for name, sql in CONSISTENCY_SQL.items()}
    finally:
        await conn.close()
    return judge_consistency(found)


# -- scenario 1: SQLite against PostgreSQL -----------------------------------------------------------------------


class SqliteQuiz(burst.QuizContender):
    name = "sqlite"
    label = "quiz bot on SQLite (synchronous=FULL)"


class PostgresQuiz(burst.QuizContender):
    """The quiz bot with QUIZBOT_DATABASE_URL; its stored answers are checked through asyncpg after each burst,
    and the server's CPU is read around each timed window."""

    name = "postgres"
    label = "quiz bot on PostgreSQL"

    def __init__(self, workdir: Path, *, spec_check: bool, url: str, server_cpu: ServerCpu, env: dict[str, str]):
        super().__init__(workdir, spec_check=spec_check)
        self.url = url
        self.server_cpu = server_cpu
        self.extra_env = env
        self.server_cpu_s: dict[int, float] = {}  # round -> the server's CPU seconds in its timed window
        self._round = 0
        self._cpu_before = 0.0
        self._concluded: tuple[Message, list[InteractionHandle]] | None = None

    def bot_env(self) -> dict[str, str]:
        return {**super().bot_env(), "QUIZBOT_DATABASE_URL": self.url, **self.extra_env}

    def window_opened(self) -> None:
        self._cpu_before = self.server_cpu.seconds()

    def window_closed(self) -> None:
        self.server_cpu_s[self._round] = self.server_cpu.seconds() - self._cpu_before

    def check_round(self, post: Message, handles: list[InteractionHandle]) -> list[str]:
        return []  # asynchronous on PostgreSQL: stored_problems, after the burst

    async def stored_problems(self, post: Message, handles: list[InteractionHandle]) -> list[str]:
        rows = await fetch_rows(self.url, burst.ROUND_SQL, burst.post_of(handles))
        return self.judge_round(post, handles, rows)

    def conclude(
        self,
        round_no: int,
        post: Message,
        handles: list[InteractionHandle],
        dispatched: list[float],
        followups: dict[str, float],
        bot_cpu: float,
        emu_cpu: float,
    ) -> burst.BurstSample:
        self._concluded = (post, handles)
        return super().conclude(round_no, post, handles, dispatched, followups, bot_cpu, emu_cpu)

    async def burst(self, round_no: int, n: int, remaining: int) -> burst.BurstSample:
        self._round = round_no
        sample = await super().burst(round_no, n, remaining)
        assert self._concluded is not None
        sample.problems += await self.stored_problems(*self._concluded)
        return sample

    async def final_checks_async(self, clicks: int | None = None) -> tuple[list[str], dict[str, Any]]:
        problems, totals = await postgres_consistency(self.url)
        want = self.clicks if clicks is None else clicks
        if totals["answers"] != want:
            problems.insert(0, f"{totals['answers']} answers stored for {want} clicks")
        return problems, totals


def _sample_line(sample: burst.BurstSample, server_ms: float | None = None) -> str:
    server = f", server CPU {server_ms:.3f} ms/click" if server_ms is not None else ""
    return (
        f"{sample.answered}/{sample.clicks} answered ({sample.deferred} deferred), {sample.throughput:5.0f} clicks/s, "
        f"p50 {sample.p50_ms:5.0f} ms, p99 {sample.p99_ms:5.0f} ms, bot CPU {sample.bot_cpu_ms_per_click:.3f} ms/click"
        f"{server}, emulator {sample.emulator_cores:.2f} cores"
    )


def _server_figures(samples: list[burst.BurstSample], server_s: dict[int, float], name: str) -> dict[str, float]:
    """The server's CPU per click of a contender's bursts, and with the bot's: the CPU each click cost in all."""
    mine = [s for s in samples if s.contender == name]
    server = [server_s[s.round] * 1000 / s.clicks for s in mine if s.round in server_s]
    total = [s.bot_cpu_ms_per_click + server_s[s.round] * 1000 / s.clicks for s in mine if s.round in server_s]
    return {"server_cpu_ms_per_click": median(server), "total_cpu_ms_per_click": median(total)}


async def run_backends(
    *,
    server: PostgresServer,
    members: int,
    rounds: int,
    workdir: Path,
    spec_check: bool = False,
    warmup: int | None = None,
    progress=print,
) -> dict[str, Any]:
    """Scenario 1: alternate bursts of `members` clicks between the quiz bot on SQLite and on PostgreSQL."""
    warmup = members if warmup is None else warmup
    url = await server.fresh_database()
    pg = PostgresQuiz(workdir, spec_check=spec_check, url=url, server_cpu=ServerCpu(server), env={})
    contenders: list[burst.QuizContender] = [SqliteQuiz(workdir, spec_check=spec_check), pg]
    samples: list[burst.BurstSample] = []
    problems: list[str] = []
    stored: dict[str, Any] = {}
    try:
        for c in contenders:
            await c.start()
        if warmup:
            for c in contenders:
                warm = await c.burst(-1, warmup, 0)
                problems += [f"{c.name} warm-up: {p}" for p in warm.problems]
        for r in range(rounds):
            for c in contenders[r % 2 :] + contenders[: r % 2]:  # each goes first as often
                sample = await c.burst(r, members, 0)
                samples.append(sample)
                problems += [f"{c.name} round {r + 1}: {p}" for p in sample.problems]
                server_ms = pg.server_cpu_s[r] * 1000 / members if c is pg else None
                progress(f"  burst {r + 1}/{rounds} {c.name:>8}: {_sample_line(sample, server_ms)}")
        for c in contenders:
            if c.proc is None or not c.proc.running:
                continue
            found, totals = await pg.final_checks_async() if c is pg else c.final_checks()
            problems += [f"{c.name}: {p}" for p in found]
            stored[c.name] = totals
    finally:
        for c in reversed(contenders):
            problems += await c.stop()
    sqlite, postgres = (burst.aggregate(samples, name) for name in ("sqlite", "postgres"))
    postgres.update(_server_figures(samples, pg.server_cpu_s, "postgres"))
    sqlite.update({"server_cpu_ms_per_click": 0.0, "total_cpu_ms_per_click": sqlite["bot_cpu_ms_per_click"]})

    def ratios(key: str) -> list[float]:
        return burst._per_round_ratios(samples, key, of="postgres", to="sqlite")

    return {
        "members": members,
        "rounds": rounds,
        "warmup": warmup,
        "sqlite": sqlite,
        "postgres": postgres,
        "throughput_ratio": median(ratios("throughput")),
        "throughput_ratios": ratios("throughput"),
        "p50_ratio": median(ratios("p50_ms")),
        "p99_ratio": median(ratios("p99_ms")),
        "bot_cpu_ratio": median(ratios("bot_cpu_ms_per_click")),
        "total_cpu_ratio": postgres["total_cpu_ms_per_click"] / sqlite["total_cpu_ms_per_click"]
        if sqlite["total_cpu_ms_per_click"]
        else math.nan,
        "stored": stored,
        "samples": [
            {**s.summary(), **({"server_cpu_s": pg.server_cpu_s.get(s.round)} if s.contender == "postgres" else {})}
            for s in samples
        ],
        "problems": problems,
    }


# -- scenario 2: two shard processes on one PostgreSQL database ------------------------------------------------


class ShardQuiz(PostgresQuiz):
    """One of two bot processes (shard `shard` of SHARDS) on one emulator, with a server on its shard."""

    def __init__(
        self, workdir: Path, *, emu: DiscordEmulator, shard: int, url: str, server_cpu: ServerCpu, spec_check: bool
    ) -> None:
        env = {"QUIZBOT_SHARD_COUNT": str(SHARDS), "QUIZBOT_SHARD_IDS": str(shard)}
        super().__init__(workdir, spec_check=spec_check, url=url, server_cpu=server_cpu, env=env)
        self.name = f"shard{shard}"
        self.shard = shard
        self.emu = emu
        self.guild = emu.add_guild(f"Shard {shard} server", channel_name="quiz", shard=(shard, SHARDS))

    async def start(self) -> None:
        """Start the process without waiting: the two identify in turns (see ShardPair.start)."""
        assert self.emu is not None
        self.proc = burst.BotProcess(self.emu, self.workdir / self.name, argv=self.argv, env=self.bot_env())
        await self.proc.start(wait=False)
        self.starter = self.emu.add_member(self.guild.id, "starter")
        self.seen = set()
        self.post = None

    async def stop(self) -> list[str]:
        problems = []
        if self.proc is not None:
            crashed = self.proc.crashed
            await self.proc.stop()
            if crashed:
                problems.append(f"{self.name}: the bot exited by itself:\n{self.proc.log_tail()}")
        return problems


def _combined(parts: list[tuple[list[float], burst.BurstSample]]) -> dict[str, float]:
    """Clicks answered per second over both bursts: from the first click dispatched to the last reply."""
    start = min(min(d) for d, _ in parts)
    ends = [min(d) + s.seconds for d, s in parts if s.answered]
    answered = sum(s.answered for _, s in parts)
    seconds = max(ends) - start if ends else math.nan
    return {"answered": answered, "seconds": seconds, "throughput": answered / seconds if ends else 0.0}


async def paired_burst(
    emu: DiscordEmulator, pair: list[ShardQuiz], round_no: int, n: int, server_cpu: ServerCpu
) -> tuple[list[burst.BurstSample], dict[str, float]]:
    """`n` clicks in each process's server, dispatched interleaved in one go; one sample per process."""
    prepared = [await c.prepare(round_no, n, 0) for c in pair]
    interleaved = [ix for clicks in zip(*(h for _, h in prepared), strict=True) for ix in clicks]
    pids = [c.proc.proc.pid for c in pair if c.proc is not None and c.proc.proc is not None]
    first_request = len(emu.requests)
    gc.collect()  # not inside the timed window: see burst.send_burst
    srv, emu_cpu, bots = server_cpu.seconds(), time.process_time(), [cpu_seconds(pid) for pid in pids]
    dispatched = await burst.send_burst(emu, interleaved, give_up_after=60 + len(interleaved) / 100)
    bots = [cpu_seconds(pid) - before for pid, before in zip(pids, bots, strict=True)]
    emu_cpu, srv = time.process_time() - emu_cpu, server_cpu.seconds() - srv
    followups = burst.reply_times(emu, first_request)
    samples, parts = [], []
    for k, (c, (post, handles)) in enumerate(zip(pair, prepared, strict=True)):
        mine = dispatched[k :: len(pair)]
        # The emulator served both: each burst is charged its share of the emulator's CPU.
        sample = c.conclude(round_no, post, handles, mine, followups, bots[k], emu_cpu / len(pair))
        sample.problems += await c.stored_problems(post, handles)
        samples.append(sample)
        parts.append((mine, sample))
    combined = _combined(parts)
    clicks = len(interleaved)
    combined.update(
        {
            "round": round_no,
            "clicks": clicks,
            "server_cpu_ms_per_click": srv * 1000 / clicks,
            "bot_cpu_ms_per_click": sum(bots) * 1000 / clicks,
            "emulator_cores": emu_cpu / combined["seconds"] if combined["seconds"] else math.nan,
        }
    )
    return samples, combined


async def run_shards(
    *,
    server: PostgresServer,
    members: int,
    rounds: int,
    workdir: Path,
    spec_check: bool = False,
    warmup: int | None = None,
    progress=print,
) -> dict[str, Any]:
    """Scenario 2: each round, a burst of `members` clicks in both processes' servers at once, and one in a
    single process's server alone (shard 0, 1, 0... in turn), the two in alternating order."""
    warmup = members if warmup is None else warmup
    url = await server.fresh_database()
    server_cpu = ServerCpu(server)
    emu = await new_emulator(spec_check=spec_check)
    pair = [
        ShardQuiz(workdir, emu=emu, shard=s, url=url, server_cpu=server_cpu, spec_check=spec_check)
        for s in range(SHARDS)
    ]
    paired: list[burst.BurstSample] = []
    alone: list[burst.BurstSample] = []
    combined: list[dict[str, float]] = []
    alone_server_ms: list[float] = []
    problems: list[str] = []
    stored: dict[str, Any] = {}
    try:
        for c in pair:
            await c.start()
        await emu.wait_for_shards([(s, SHARDS) for s in range(SHARDS)], timeout=90)
        await emu.wait_for_commands({"quiz"}, timeout=30)
        if warmup:
            warm, _ = await paired_burst(emu, pair, -1, warmup, server_cpu)
            problems += [f"{s.contender} warm-up: {p}" for s in warm for p in s.problems]
        for r in range(rounds):
            lone = pair[r % SHARDS]
            for step in ("alone", "paired") if r % 2 == 0 else ("paired", "alone"):
                if step == "alone":
                    sample = await lone.burst(r, members, 0)
                    sample.contender = f"{lone.name} alone"
                    alone.append(sample)
                    server_ms = lone.server_cpu_s[r] * 1000 / members
                    alone_server_ms.append(server_ms)
                    problems += [f"{sample.contender} round {r + 1}: {p}" for p in sample.problems]
                    progress(f"  round {r + 1}/{rounds} {sample.contender:>13}: {_sample_line(sample, server_ms)}")
                    continue
                samples, both = await paired_burst(emu, pair, r, members, server_cpu)
                paired += samples
                combined.append(both)
                for sample in samples:
                    problems += [f"{sample.contender} paired, round {r + 1}: {p}" for p in sample.problems]
                    progress(f"  round {r + 1}/{rounds} {sample.contender + ' paired':>13}: {_sample_line(sample)}")
                progress(
                    f"  round {r + 1}/{rounds}      combined: {both['answered']}/{both['clicks']} answered, "
                    f"{both['throughput']:5.0f} clicks/s, server CPU {both['server_cpu_ms_per_click']:.3f} ms/click, "
                    f"emulator {both['emulator_cores']:.2f} cores"
                )
        clicks = sum(c.clicks for c in pair)
        found, stored = await pair[0].final_checks_async(clicks)
        problems += found
        by_guild = dict(await fetch_rows(url, "SELECT guild_id, COUNT(*) FROM answers GROUP BY guild_id"))
        stored["by_server"] = {c.name: by_guild.get(c.guild.id, 0) for c in pair}
        for c in pair:
            if stored["by_server"][c.name] != c.clicks:
                problems.append(f"{c.name}: {stored['by_server'][c.name]} answers stored for {c.clicks} clicks")
        # Each process's session was given only its own server's clicks.
        for c in pair:
            sent = emu.sent_dispatches("INTERACTION_CREATE", shard=(c.shard, SHARDS))
            guilds = {int(d["d"]["guild_id"]) for d in sent if d["d"]["type"] == 3}
            if guilds - {c.guild.id}:
                problems.append(f"{c.name}'s session was sent clicks of other servers: {sorted(guilds)}")
    finally:
        for c in pair:
            problems += await c.stop()
        await emu.stop()
        problems += emulator_problems(emu)
    per_process = {c.name: _latency_figures([s for s in paired if s.contender == c.name]) for c in pair}
    lone_figures = _latency_figures(alone)
    lone_figures["server_cpu_ms_per_click"] = median(alone_server_ms)
    return {
        "members": members,
        "rounds": rounds,
        "warmup": warmup,
        "paired": per_process,
        "alone": lone_figures,
        "combined": {
            "throughput": median([c["throughput"] for c in combined]),
            "throughputs": [c["throughput"] for c in combined],
            "server_cpu_ms_per_click": median([c["server_cpu_ms_per_click"] for c in combined]),
            "bot_cpu_ms_per_click": median([c["bot_cpu_ms_per_click"] for c in combined]),
            "emulator_cores": median([c["emulator_cores"] for c in combined]),
            "answered": sum(int(c["answered"]) for c in combined),
            "clicks": sum(int(c["clicks"]) for c in combined),
        },
        "stored": stored,
        "samples": [s.summary() for s in [*paired, *alone]],
        "rounds_combined": combined,
        "problems": problems,
    }


def _latency_figures(samples: list[burst.BurstSample]) -> dict[str, Any]:
    return {
        "bursts": len(samples),
        "throughput": median([s.throughput for s in samples]),
        "p50_ms": median([s.p50_ms for s in samples]),
        "p99_ms": median([s.p99_ms for s in samples]),
        "max_ms": max((s.max_ms for s in samples), default=math.nan),
        "window_max_ms": max((s.window_max_ms for s in samples), default=math.nan),
        "bot_cpu_ms_per_click": median([s.bot_cpu_ms_per_click for s in samples]),
        "answered": sum(s.answered for s in samples),
        "clicks": sum(s.clicks for s in samples),
    }


# -- scenario 3: the leaderboard at a million answers ---------------------------------------------------------


async def board_by_aggregation(db: PostgresDatabase, guild_id: int, member_id: int, size: int = PAGE_SIZE) -> Board:
    """bench.leaderboard.board_by_aggregation on PostgreSQL: the board computed from the answers table alone."""
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
        aggregate=board_by_aggregation,
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


# -- the run, its table and its JSON -----------------------------------------------------------------------------


def _n(value: Any, digits: int = 0) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:,.{digits}f}"


def _ratio(a: float, b: float) -> float:
    return a / b if b and not math.isnan(b) else math.nan


def targets(results: dict[str, Any]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    backends = results.get("backends")
    if backends:
        value = backends["throughput_ratio"]
        out["postgres_throughput"] = {
            "target": f"≥ {THROUGHPUT_RATIO_MIN}× SQLite",
            "value": value,
            "pass": value >= THROUGHPUT_RATIO_MIN,
        }
    board = results.get("leaderboard")
    if board:
        value = board["bot"]["p99_ms"]
        out["postgres_leaderboard_p99"] = {
            "target": f"< {LEADERBOARD_P99_MAX_MS:g} ms",
            "value": value,
            "pass": value < LEADERBOARD_P99_MAX_MS,
        }
        out["postgres_leaderboard_identical"] = {
            "target": "identical boards",
            "value": board["mismatches"] + board["sqlite_mismatches"],
            "pass": board["mismatches"] + board["sqlite_mismatches"] == 0,
        }
    return out


def _verdict(results: dict[str, Any], key: str) -> str:
    target = results["targets"].get(key)
    if target is None:
        return ""
    verdict = "PASS" if target["pass"] else "MISS"
    size_bound = results["quick"] and key in SIZE_BOUND
    return f"{target['target']}: **{verdict}**" + (" (--quick: sizes too small to judge)" if size_bound else "")


def markdown(results: dict[str, Any]) -> str:
    lines = [
        f"PostgreSQL {results['postgres_version']} ({results['postgres_settings']}) · "
        f"{summary_line(results['machine'])}",
        "",
    ]
    b = results.get("backends")
    if b:
        lite, pg = b["sqlite"], b["postgres"]
        lines += [
            f"| Answer burst: {b['members']:,} members × {b['rounds']} bursts | SQLite | PostgreSQL "
            "| PostgreSQL / SQLite | Target |",
            "|---|---:|---:|---:|---|",
            f"| throughput (answered clicks/s) | {_n(lite['throughput'])} | {_n(pg['throughput'])} "
            f"| {_n(b['throughput_ratio'], 2)} | {_verdict(results, 'postgres_throughput')} |",
            f"| p50 reply latency (ms) | {_n(lite['p50_ms'])} | {_n(pg['p50_ms'])} | {_n(b['p50_ratio'], 2)} | |",
            f"| p99 reply latency (ms) | {_n(lite['p99_ms'])} | {_n(pg['p99_ms'])} | {_n(b['p99_ratio'], 2)} | |",
            f"| bot CPU per click, all threads (ms) | {_n(lite['bot_cpu_ms_per_click'], 3)} "
            f"| {_n(pg['bot_cpu_ms_per_click'], 3)} | {_n(b['bot_cpu_ratio'], 2)} | |",
            f"| PostgreSQL server CPU per click (ms) | – | {_n(pg['server_cpu_ms_per_click'], 3)} | | |",
            f"| bot + server CPU per click (ms) | {_n(lite['total_cpu_ms_per_click'], 3)} "
            f"| {_n(pg['total_cpu_ms_per_click'], 3)} | {_n(b['total_cpu_ratio'], 2)} | |",
            f"| emulator's CPU in the burst (cores) | {_n(lite['emulator_cores'], 2)} "
            f"| {_n(pg['emulator_cores'], 2)} | | near 1.0: the emulator is the ceiling |",
            f"| drift (last third / first third) | {_n(lite['drift'], 2)} | {_n(pg['drift'], 2)} | | |",
            f"| clicks answered | {lite['answered']:,}/{lite['clicks']:,} | {pg['answered']:,}/{pg['clicks']:,} "
            "| | every one |",
            "",
        ]
    s = results.get("shards")
    if s:
        single = (b or {}).get("postgres", {})
        alone = s["alone"]
        lines += [
            f"| Two shard processes on PostgreSQL: {s['members']:,} clicks in each one's server at once "
            f"× {s['rounds']} | p50 (ms) | p99 (ms) | p99 / single process | p99 / one process alone |",
            "|---|---:|---:|---:|---:|",
        ]
        for name, fig in s["paired"].items():
            lines.append(
                f"| {name} (shard {name[-1]} of {SHARDS}), both bursting | {_n(fig['p50_ms'])} | {_n(fig['p99_ms'])} "
                f"| {_n(_ratio(fig['p99_ms'], single.get('p99_ms', math.nan)), 2)} "
                f"| {_n(_ratio(fig['p99_ms'], alone['p99_ms']), 2)} |"
            )
        lines += [
            f"| one shard process bursting alone (same setup) | {_n(alone['p50_ms'])} | {_n(alone['p99_ms'])} "
            f"| {_n(_ratio(alone['p99_ms'], single.get('p99_ms', math.nan)), 2)} | 1.00 |",
            f"| single process (scenario 1, PostgreSQL) | {_n(single.get('p50_ms'))} | {_n(single.get('p99_ms'))} "
            "| 1.00 | |",
            "",
            "| Two shard processes: throughput | clicks/s | / single process | bot CPU per click (ms) "
            "| server CPU per click (ms) | emulator (cores) |",
            "|---|---:|---:|---:|---:|---:|",
            f"| combined, both bursting ({s['combined']['answered']:,}/{s['combined']['clicks']:,} answered) "
            f"| {_n(s['combined']['throughput'])} "
            f"| {_n(_ratio(s['combined']['throughput'], single.get('throughput', math.nan)), 2)} "
            f"| {_n(s['combined']['bot_cpu_ms_per_click'], 3)} | {_n(s['combined']['server_cpu_ms_per_click'], 3)} "
            f"| {_n(s['combined']['emulator_cores'], 2)} |",
            f"| one shard process alone | {_n(alone['throughput'])} "
            f"| {_n(_ratio(alone['throughput'], single.get('throughput', math.nan)), 2)} "
            f"| {_n(alone['bot_cpu_ms_per_click'], 3)} | {_n(alone['server_cpu_ms_per_click'], 3)} | |",
            "",
        ]
    lb = results.get("leaderboard")
    if lb:
        lines += [
            f"| Leaderboard on PostgreSQL: {lb['members']:,} members, {lb['answers']:,} answers | p50 (ms) "
            "| p99 (ms) | max (ms) | Target |",
            "|---|---:|---:|---:|---|",
            f"| `ScoreService.board(guild, member)` ({lb['bot']['samples']} calls) | {_n(lb['bot']['p50_ms'], 2)} "
            f"| {_n(lb['bot']['p99_ms'], 2)} | {_n(lb['bot']['max_ms'], 2)} "
            f"| {_verdict(results, 'postgres_leaderboard_p99')} |",
            f"| aggregating the answers table ({lb['aggregation']['samples']} calls) "
            f"| {_n(lb['aggregation']['p50_ms'], 1)} | {_n(lb['aggregation']['p99_ms'], 1)} "
            f"| {_n(lb['aggregation']['max_ms'], 1)} | |",
            f"| boards identical: to aggregation {lb['compared'] - lb['mismatches']}/{lb['compared']}, "
            f"to SQLite {lb['sqlite_compared'] - lb['sqlite_mismatches']}/{lb['sqlite_compared']} | | | "
            f"| {_verdict(results, 'postgres_leaderboard_identical')} |",
            "",
            f"Leaderboard data: generated in SQLite in {lb['generate_seconds']:.0f} s, copied by copy-db "
            f"({lb['copy']['rows']:,} rows) in {lb['copy']['seconds']:.0f} s, "
            f"{lb['database_mb']:.0f} MB in PostgreSQL.",
        ]
    loads = [
        f"{name} {results[name]['other_load']['other_cores']:.2f}"
        for name in ("backends", "shards", "leaderboard")
        if name in results
    ]
    lines.append(
        f"Other processes' load meanwhile (cores of {results['machine']['nproc']}): {', '.join(loads)}; "
        f"the whole run took {results['seconds']:.0f} s."
    )
    return "\n".join(lines)


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.postgres", description=(__doc__ or "").split("\n\n")[0])
    p.add_argument(
        "--quick",
        action="store_true",
        help=f"small sizes, for a check in under a minute ({', '.join(f'{k}={v:,}' for k, v in QUICK.items())})",
    )
    p.add_argument("--members", type=int, help="clicks per burst, in each server (default 1,000)")
    p.add_argument("--rounds", type=int, help="bursts per backend in scenario 1 (default 10)")
    p.add_argument("--shard-rounds", type=int, help="rounds of scenario 2, each a paired and a lone burst (default 6)")
    p.add_argument("--lb-members", type=int, help="members of the leaderboard's server (default 100,000)")
    p.add_argument("--lb-answers", type=int, help="stored answers (default 1,000,000)")
    p.add_argument("--lb-rounds", type=int, help="rounds of timed boards (default 10)")
    p.add_argument("--lb-samples", type=int, help="boards timed per round (default 100)")
    p.add_argument("--lb-agg-samples", type=int, help="of those, also aggregated per round (default 3)")
    p.add_argument(
        "--json",
        type=Path,
        default=REPO_ROOT / "bench" / "results" / "postgres.json",
        help="where to write the results (default: bench/results/postgres.json)",
    )
    p.add_argument("--workdir", type=Path, help="keep databases and bot logs here (default: a temporary folder)")
    p.add_argument("--spec-check", action="store_true", help="check every request against Discord's OpenAPI spec")
    args = p.parse_args(argv)
    for key, value in (QUICK if args.quick else DEFAULTS).items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    for key in DEFAULTS:
        if getattr(args, key) < 1:
            p.error(f"--{key.replace('_', '-')} must be at least 1")
    if args.lb_answers < args.lb_members:
        p.error("--lb-answers must be at least --lb-members (every member has answered)")
    args.lb_agg_samples = max(1, min(args.lb_agg_samples, args.lb_samples))
    return args


def progress(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def clean(value: Any) -> Any:
    """JSON has no NaN: write null."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean(v) for v in value]
    return value


async def server_facts(server: PostgresServer) -> tuple[str, str]:
    conn = await asyncpg.connect(server.url())
    try:
        version = await conn.fetchval("SHOW server_version")
        settings = [
            f"{name}={await conn.fetchval(f'SHOW {name}')}"
            for name in ("fsync", "synchronous_commit", "full_page_writes")
        ]
    finally:
        await conn.close()
    return str(version), ", ".join(settings)


async def run(
    *,
    server: PostgresServer,
    workdir: Path,
    members: int,
    rounds: int,
    shard_rounds: int,
    lb_members: int,
    lb_answers: int,
    lb_rounds: int,
    lb_samples: int,
    lb_agg_samples: int,
    warmup: int | None = None,
    quick: bool = False,
    spec_check: bool = False,
    progress=print,
) -> dict[str, Any]:
    """The three scenarios on `server` (its migrated template built: tests.postgres.build_template)."""
    started = time.monotonic()
    version, settings = await server_facts(server)
    results: dict[str, Any] = {
        "machine": describe(),
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "quick": quick,
        "postgres_version": version,
        "postgres_settings": settings,
        "config": {
            "members": members,
            "rounds": rounds,
            "shard_rounds": shard_rounds,
            "lb_members": lb_members,
            "lb_answers": lb_answers,
            "lb_rounds": lb_rounds,
            "lb_samples": lb_samples,
            "lb_agg_samples": lb_agg_samples,
        },
    }
    progress(f"machine: {summary_line(results['machine'])}; PostgreSQL {version} ({settings})")

    def load_figures(load: OtherLoad) -> dict[str, Any]:
        figures = load.result()
        progress(
            f"  took {figures['seconds']:.0f} s; other processes used {figures['other_cores']:.2f} cores meanwhile"
        )
        return {"seconds": figures["seconds"], "other_load": figures}

    progress(f"answer burst: {members:,} members × {rounds} bursts, quiz bot on SQLite vs on PostgreSQL")
    load = OtherLoad()
    results["backends"] = await run_backends(
        server=server,
        members=members,
        rounds=rounds,
        workdir=workdir,
        spec_check=spec_check,
        warmup=warmup,
        progress=progress,
    )
    results["backends"].update(load_figures(load))
    progress(f"two shard processes: {members:,} clicks in each one's server at once × {shard_rounds}, and alone")
    load = OtherLoad()
    results["shards"] = await run_shards(
        server=server,
        members=members,
        rounds=shard_rounds,
        workdir=workdir,
        spec_check=spec_check,
        warmup=warmup,
        progress=progress,
    )
    results["shards"].update(load_figures(load))
    progress(f"leaderboard: {lb_members:,} members, {lb_answers:,} answers, on PostgreSQL")
    load = OtherLoad()
    results["leaderboard"] = await run_leaderboard(
        server=server,
        members=lb_members,
        answers=lb_answers,
        rounds=lb_rounds,
        bot_per_round=lb_samples,
        agg_per_round=lb_agg_samples,
        workdir=workdir,
        progress=progress,
    )
    results["leaderboard"].update(load_figures(load))
    results["targets"] = targets(results)
    results["seconds"] = time.monotonic() - started
    return results


async def _accepting(server: PostgresServer, within_s: float = 60) -> None:
    """Wait for a server still starting up (pg_ctl's own wait has been seen to give up early on a busy machine)."""
    deadline = time.monotonic() + within_s
    while True:
        try:
            conn = await asyncpg.connect(server.url())
        except (OSError, asyncpg.exceptions.CannotConnectNowError):
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.2)
            continue
        await conn.close()
        return


@contextlib.asynccontextmanager
async def durable_server():
    """A PostgreSQL server of its own, commits flushed to disk, with the bot's migrated template."""
    from tests import postgres

    server = postgres.start_server(durable=True)
    try:
        await _accepting(server)
        await postgres.build_template(server)
        yield server
    finally:
        postgres.remove(server)


async def _main(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    async with durable_server() as server:
        return await run(
            server=server,
            workdir=workdir,
            members=args.members,
            rounds=args.rounds,
            shard_rounds=args.shard_rounds,
            lb_members=args.lb_members,
            lb_answers=args.lb_answers,
            lb_rounds=args.lb_rounds,
            lb_samples=args.lb_samples,
            lb_agg_samples=args.lb_agg_samples,
            quick=args.quick,
            spec_check=args.spec_check,
            progress=progress,
        )


def problems_of(results: dict[str, Any]) -> list[str]:
    return [f"{name}: {p}" for name in ("backends", "shards", "leaderboard") for p in results.get(name, {})["problems"]]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="quizbot-bench-pg-"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        results = asyncio.run(_main(args, workdir))
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(clean(results), indent=2) + "\n", encoding="utf-8")
    print(markdown(results))
    problems = problems_of(results)
    for problem in problems:
        print(f"\nproblem: {problem}", file=sys.stderr)
    for key, target in results["targets"].items():
        if not target["pass"]:
            print(f"\ntarget missed: {key}: {target['target']} (got {_n(target['value'], 2)})", file=sys.stderr)
    print(f"\nResults written to {args.json}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
