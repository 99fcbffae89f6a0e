"""The PostgreSQL benchmark's first scenario: the answer burst on SQLite against PostgreSQL (bench/postgres.py), and
the PostgreSQL server's CPU read from /proc.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import asyncpg
from discord_loopback import InteractionHandle, Message

from bench import burst
from bench.common import (
    CLOCK_TICKS,
    CONSISTENCY_SQL,
    judge_consistency,
    median,
)
from bot.storage.postgres import to_postgres
from tests.postgres import PostgresServer

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
        samples, problems = await burst.alternate(
            contenders,
            members=members,
            rounds=rounds,
            warmup=warmup,
            progress=progress,
            server_ms=lambda c, r: pg.server_cpu_s[r] * 1000 / members if c is pg else None,
        )
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
        return burst.per_round_ratios(samples, key, of="postgres", to="sqlite")

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
