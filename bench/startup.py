"""Scenario 3, start-up and memory: from process start to ready with many servers, and resident memory then.

Each contender has its own emulator holding the same number of servers for the whole scenario, and one
untimed start first (the quiz bot's creates its database, applies the migrations and syncs its commands,
as a first deployment does; both warm the OS file cache). Timed starts then alternate between the two.

"Ready" is the moment the emulator has identified the session with READY and written every GUILD_CREATE to
the bot's socket: a click dispatched as soon as the session is ready queues behind them, so the emulator
writing that click marks it. The click (a button the bot does not know, answered with an ephemeral
message by both bots) also gives "first reply": the bot has then processed every GUILD_CREATE and can
serve members. Resident memory (VmRSS, and its peak VmHWM) is read from /proc once that reply has come.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from discord_loopback import DiscordEmulator

from bench.common import BARE_ARGV, BOT_ENV, QUIZ_ARGV, emulator_problems, median, new_emulator, proc_status_kib
from tests.harness import BotProcess

PROBE_BUTTON = "quiz:ans:1:A"  # the bare bot answers it "ok"; the quiz bot: "This question doesn't exist"


@dataclass
class StartSample:
    contender: str
    round: int
    ready_s: float
    first_reply_s: float
    rss_mb: float
    peak_rss_mb: float
    guild_creates: int


class Starter:
    def __init__(self, name: str, argv: list[str], workdir: Path, servers: int, spec_check: bool) -> None:
        self.name = name
        self.argv = argv
        self.workdir = workdir / f"startup-{name}"
        self.servers = servers
        self.spec_check = spec_check
        self.emu: DiscordEmulator | None = None

    async def setup(self) -> None:
        self.emu = await new_emulator(spec_check=self.spec_check)
        for i in range(self.servers):
            guild = self.emu.add_guild(f"Server {i}")
            if i == 0:
                self.guild = guild
        self.member = self.emu.add_member(self.guild.id, "prober")

    async def start_once(self, round_no: int) -> StartSample:
        emu = self.emu
        assert emu is not None
        proc = BotProcess(emu, self.workdir, argv=self.argv, env=BOT_ENV)
        before = emu.session_number
        started = time.monotonic()
        try:
            await proc.start(wait=False)
            await proc.wait_ready(timeout=60, newer_than=before)
            session = emu.session
            assert session is not None and proc.proc is not None
            probe = await emu.click_raw(self.member, self.guild.channel_id, PROBE_BUTTON)
            reply = await probe.reply(timeout=30)
            if not reply.ephemeral:
                raise AssertionError(f"{self.name}: the probe's reply is public: {reply!r}")
            assert probe.delivered_at is not None and probe.callback is not None
            pid = proc.proc.pid
            rss, peak = proc_status_kib(pid, "VmRSS"), proc_status_kib(pid, "VmHWM")
            creates = sum(1 for e in session.log if e.t == "GUILD_CREATE")
            if proc.crashed:
                raise AssertionError(f"{self.name} exited:\n{proc.log_tail()}")
        except BaseException:
            await proc.kill()
            raise
        await proc.stop()
        return StartSample(
            self.name,
            round_no,
            probe.delivered_at - started,
            probe.callback.record.at - started,
            rss / 1024,
            peak / 1024,
            creates,
        )

    async def close(self) -> list[str]:
        if self.emu is None:
            return []
        await self.emu.stop()
        return [f"{self.name}: {p}" for p in emulator_problems(self.emu)]


def aggregate(samples: list[StartSample], name: str) -> dict[str, Any]:
    mine = [s for s in samples if s.contender == name]
    return {
        "rounds": len(mine),
        "ready_s": median([s.ready_s for s in mine]),
        "first_reply_s": median([s.first_reply_s for s in mine]),
        "rss_mb": median([s.rss_mb for s in mine]),
        "max_rss_mb": max(s.rss_mb for s in mine),
        "peak_rss_mb": max(s.peak_rss_mb for s in mine),
    }


def _ratio(samples: list[StartSample], key: str) -> float:
    pairs: dict[int, dict[str, StartSample]] = {}
    for s in samples:
        pairs.setdefault(s.round, {})[s.contender] = s
    return median([getattr(p["quiz"], key) / getattr(p["bare"], key) for p in pairs.values() if len(p) == 2])


async def run(*, servers: int, rounds: int, workdir: Path, spec_check: bool = False, progress=print) -> dict[str, Any]:
    quiz = Starter("quiz", QUIZ_ARGV, workdir, servers, spec_check)
    bare = Starter("bare", BARE_ARGV, workdir, servers, spec_check)
    samples: list[StartSample] = []
    problems: list[str] = []
    try:
        for starter in (bare, quiz):
            await starter.setup()
            await starter.start_once(-1)  # untimed: first deployment, cold caches
        for r in range(rounds):
            for starter in (bare, quiz) if r % 2 == 0 else (quiz, bare):
                sample = await starter.start_once(r)
                samples.append(sample)
                if sample.guild_creates != servers:
                    problems.append(
                        f"{starter.name} round {r + 1}: {sample.guild_creates} GUILD_CREATEs for {servers} servers"
                    )
                progress(
                    f"  start {r + 1}/{rounds} {starter.name:>4}: ready {sample.ready_s:.2f} s, first reply "
                    f"{sample.first_reply_s:.2f} s, RSS {sample.rss_mb:.0f} MB"
                )
    finally:
        problems += await quiz.close()
        problems += await bare.close()
    return {
        "servers": servers,
        "rounds": rounds,
        "bare": aggregate(samples, "bare"),
        "quiz": aggregate(samples, "quiz"),
        "ready_ratio": _ratio(samples, "ready_s"),
        "first_reply_ratio": _ratio(samples, "first_reply_s"),
        "rss_ratio": _ratio(samples, "rss_mb"),
        "samples": [asdict(s) for s in samples],
        "problems": problems,
    }


if __name__ == "__main__":  # a quick manual run: python -m bench.startup
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        print(asyncio.run(run(servers=1000, rounds=2, workdir=Path(tmp))))
