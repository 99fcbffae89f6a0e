"""The PostgreSQL benchmark's second scenario: two shard processes bursting on one database at once
(bench/postgres.py).
"""

from __future__ import annotations

import gc
import math
import time
from pathlib import Path
from typing import Any

from discord_loopback import DiscordEmulator

from bench import burst
from bench.burst import sample_line
from bench.common import (
    cpu_seconds,
    emulator_problems,
    median,
    new_emulator,
)
from bench.pg_burst import PostgresQuiz, ServerCpu, fetch_rows
from tests.postgres import PostgresServer

SHARDS = 2


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
                    progress(f"  round {r + 1}/{rounds} {sample.contender:>13}: {sample_line(sample, server_ms)}")
                    continue
                samples, both = await paired_burst(emu, pair, r, members, server_cpu)
                paired += samples
                combined.append(both)
                for sample in samples:
                    problems += [f"{sample.contender} paired, round {r + 1}: {p}" for p in sample.problems]
                    progress(f"  round {r + 1}/{rounds} {sample.contender + ' paired':>13}: {sample_line(sample)}")
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
