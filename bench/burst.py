"""Scenario 1, the answer burst: N distinct members click one open question as fast as the emulator can send.

Three contenders, each its own process against its own loopback emulator for the whole scenario: the null
bot (bench/null_bot.py: a raw gateway connection and one fixed callback per click, no discord.py), whose
throughput is the most the emulator can give any bot; the bare discord.py bot; and the quiz bot. Their bursts
alternate so that drift of the machine falls on all of them. Every quiz-bot burst is on a new round
(`/quiz stop`, then `/quiz trl`) with new members, so a cost that grows with the data or with work left over
from the previous round shows as drift across the bursts, which are reported one by one. Each click is
built before the timed window (its INTERACTION_CREATE payload is the emulator's own, as `emulator.click`
makes it) and all N are then dispatched at once. Latency runs from the emulator dispatching a click to it
receiving the reply (the callback, or the follow-up of a deferred click); throughput is the clicks answered
divided by the time from the first dispatch to the last reply. Each click's 3-second window (from the click
written to the bot's socket to its callback, which Discord enforces) is reported as well.
"""

from __future__ import annotations

import asyncio
import gc
import sqlite3
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from discord_loopback import DiscordEmulator, InteractionHandle, Member, Message
from discord_loopback.interactions import DEADLINE

from bench.common import (
    BARE_ARGV,
    BOT_ENV,
    NULL_ARGV,
    QUIZ_ARGV,
    consistency_problems,
    cpu_seconds,
    emulator_problems,
    median,
    new_emulator,
    percentile,
)
from tests.e2e.quiz import catalog, is_question, is_summary, question_id
from tests.harness import BotProcess

POLL = 0.02
CORRECT, WRONG = "✅ Correct", "❌ Not quite"


def build_click(emu: DiscordEmulator, member: Member, message: Message, custom_id: str) -> InteractionHandle:
    """The interaction `emulator.click` would dispatch, built but not yet sent."""
    if message.component(custom_id) is None:
        raise LookupError(f"no button {custom_id!r} on message {message.id}")
    return InteractionHandle(
        emu,
        type=3,
        member=member,
        channel_id=message.channel_id,
        data={"custom_id": custom_id, "component_type": 2},
        source=message,
    )


def dispatch(emu: DiscordEmulator, ix: InteractionHandle) -> None:
    """Send a built click, exactly as `emulator.click` does once it has built it: to the live session of its
    guild's shard (the only session, for an unsharded bot)."""
    session = emu.session_for(ix.guild_id)
    if session is None:
        raise RuntimeError("no bot session to send the click to")
    emu.interactions[ix.id] = ix
    emu.by_token[ix.token] = ix
    session.dispatch("INTERACTION_CREATE", ix.payload, ix)


FOLLOWUP_ROUTES = {
    ("POST", "/webhooks/{webhook_id}/{webhook_token}"),
    ("PATCH", "/webhooks/{webhook_id}/{webhook_token}/messages/@original"),
}


def _complete(ix: InteractionHandle, now: float) -> bool:
    """Answered (a reply, or a deferral whose follow-up came), or past its 3 s window without a callback."""
    if ix.callback is None:
        return ix.delivered_at is not None and now > ix.delivered_at + DEADLINE + 0.5
    return ix.callback.type != 5 or not ix.loading


async def send_burst(emu: DiscordEmulator, handles: list[InteractionHandle], *, give_up_after: float) -> list[float]:
    """Dispatch every click at once; return when each is answered or has missed its window (or at the limit).

    Returns when each click was dispatched, on the emulator's clock.
    """
    # The emulator keeps every request, message and gateway frame; a full collection of that heap in the
    # middle of a burst would stall whichever bot is being measured. The caller collects before.
    gc.disable()
    try:
        return await _send(emu, handles, give_up_after)
    finally:
        gc.enable()


async def _send(emu: DiscordEmulator, handles: list[InteractionHandle], give_up_after: float) -> list[float]:
    dispatched = []
    for ix in handles:
        dispatched.append(emu.clock.mono())
        dispatch(emu, ix)
    deadline = time.monotonic() + give_up_after
    pending = handles
    while pending and time.monotonic() < deadline:
        await asyncio.sleep(POLL)
        now = emu.clock.mono()
        pending = [ix for ix in pending if not _complete(ix, now)]
    return dispatched


def reply_times(emu: DiscordEmulator, first_request: int) -> dict[str, float]:
    """Interaction token -> when the first follow-up filling a deferred reply reached the emulator."""
    out: dict[str, float] = {}
    for record in emu.requests[first_request:]:
        if record.status == 200 and (record.method, record.route) in FOLLOWUP_ROUTES:
            token = record.path.split("/")[5]  # /api/v10/webhooks/<application>/<token>[/messages/@original]
            out.setdefault(token, record.at)
    return out


@dataclass
class BurstSample:
    """One burst. Latency runs from the emulator dispatching a click to it receiving the member's reply: the
    callback, or for a deferred click (callback type 5) the follow-up that fills it in. The window figures run
    from the click written to the bot's socket to its callback, the span Discord allows 3 s for."""

    contender: str
    round: int
    clicks: int
    answered: int
    deferred: int
    seconds: float
    throughput: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    window_p99_ms: float
    window_max_ms: float
    bot_cpu_ms_per_click: float
    emulator_cpu_ms_per_click: float
    emulator_cores: float  # the emulator's CPU over the burst's wall time: near 1.0, it is the bottleneck
    problems: list[str] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list, repr=False)

    def summary(self) -> dict[str, Any]:
        out = asdict(self)
        out.pop("latencies_ms")
        return out


def measure(
    contender: str,
    round_no: int,
    handles: list[InteractionHandle],
    dispatched: list[float],
    followups: dict[str, float],
    bot_cpu: float,
    emu_cpu: float,
) -> BurstSample:
    windows, latencies, last, deferred = [], [], [], 0
    for ix, sent in zip(handles, dispatched, strict=True):
        if ix.callback is None or ix.delivered_at is None:
            continue
        windows.append((ix.callback.record.at - ix.delivered_at) * 1000)
        if ix.callback.type == 5:
            deferred += 1
            at = followups.get(ix.token)
        else:
            at = ix.callback.record.at
        if at is not None:
            latencies.append((at - sent) * 1000)
            last.append(at)
    seconds = max(last) - min(dispatched) if last else float("nan")
    n = len(handles)
    return BurstSample(
        contender=contender,
        round=round_no,
        clicks=n,
        answered=len(latencies),
        deferred=deferred,
        seconds=seconds,
        throughput=len(latencies) / seconds if last and seconds > 0 else 0.0,
        p50_ms=percentile(latencies, 50),
        p95_ms=percentile(latencies, 95),
        p99_ms=percentile(latencies, 99),
        max_ms=max(latencies, default=float("nan")),
        window_p99_ms=percentile(windows, 99),
        window_max_ms=max(windows, default=float("nan")),
        bot_cpu_ms_per_click=bot_cpu * 1000 / n,
        emulator_cpu_ms_per_click=emu_cpu * 1000 / n,
        emulator_cores=emu_cpu / seconds if last and seconds > 0 else float("nan"),
        latencies_ms=latencies,
    )


class Contender:
    """One bot process with its own emulator and server."""

    name = ""
    label = ""
    argv: ClassVar[list[str]] = []

    def __init__(self, workdir: Path, *, spec_check: bool) -> None:
        self.workdir = workdir
        self.spec_check = spec_check
        self.emu: DiscordEmulator | None = None
        self.proc: BotProcess | None = None
        self.clicks = 0

    async def start(self) -> None:
        self.emu = await new_emulator(spec_check=self.spec_check)
        self.guild = self.emu.add_guild("Bench")
        self.proc = BotProcess(self.emu, self.workdir / self.name, argv=self.argv, env=self.bot_env())
        await self.proc.start(timeout=60)
        await self.emu.wait_for_commands({"quiz"}, timeout=30)

    def bot_env(self) -> dict[str, str]:
        """The bot process's environment beyond the emulator's (a subclass may add its database's URL)."""
        return dict(BOT_ENV)

    async def stop(self) -> list[str]:
        problems = []
        if self.proc is not None:
            crashed = self.proc.crashed
            await self.proc.stop()
            if crashed:
                problems.append(f"{self.name}: the bot exited by itself:\n{self.proc.log_tail()}")
        if self.emu is not None:
            await self.emu.stop()
            problems += [f"{self.name}: {p}" for p in emulator_problems(self.emu)]
        return problems

    async def open_question(self, remaining: int) -> tuple[Message, list[str]]:
        """A question open for answers and the custom_ids of its answer buttons."""
        raise NotImplementedError

    def reply_problem(self, ix: InteractionHandle, post: Message) -> str | None:
        """Why the click's reply is not what the member should see, or None."""
        cb = ix.callback
        if cb is None:
            return f"no accepted callback for {ix!r} (rejected: {ix.rejected_callbacks})"
        if cb.type not in (4, 5) or ix.original_id is None:
            return f"callback type {cb.type} shows the member no reply"
        if cb.type == 5 and ix.loading:
            return f"deferred, and the reply never followed: {ix!r}"
        message = ix.emu.messages[ix.original_id]
        if not message.ephemeral:
            return f"the reply is public: {message!r}"
        return self.wrong_reply(ix, post, message)

    def wrong_reply(self, ix: InteractionHandle, post: Message, reply: Message) -> str | None:
        raise NotImplementedError

    def check_round(self, post: Message, handles: list[InteractionHandle]) -> list[str]:
        return []

    def final_checks(self) -> tuple[list[str], dict[str, Any]]:
        return [], {}

    def window_opened(self) -> None:
        """Just before a timed burst's first click: a subclass may take readings of its own (a database's CPU)."""

    def window_closed(self) -> None:
        """Just after the burst's last reply (or its time limit), with the bot's and emulator's CPU readings."""

    async def prepare(self, round_no: int, n: int, remaining: int) -> tuple[Message, list[InteractionHandle]]:
        """A question open for answers and `n` clicks on it by new members, built but not sent."""
        assert self.emu is not None
        emu = self.emu
        post, custom_ids = await self.open_question(remaining)
        await asyncio.sleep(0.2)  # the new question's own bookkeeping in the bot, outside the timed window
        tag = "w" if round_no < 0 else str(round_no)
        members = [emu.add_member(self.guild.id, f"{self.name}{tag}-{i}") for i in range(n)]
        return post, [build_click(emu, m, post, custom_ids[i % len(custom_ids)]) for i, m in enumerate(members)]

    def conclude(
        self,
        round_no: int,
        post: Message,
        handles: list[InteractionHandle],
        dispatched: list[float],
        followups: dict[str, float],
        bot_cpu: float,
        emu_cpu: float,
    ) -> BurstSample:
        """The burst's figures, and what went wrong with its replies or what the bot stored."""
        assert self.proc is not None
        n = len(handles)
        self.clicks += n
        sample = measure(self.name, round_no, handles, dispatched, followups, bot_cpu, emu_cpu)
        wrong = [p for p in (self.reply_problem(ix, post) for ix in handles) if p]
        if wrong:
            sample.problems.append(f"{len(wrong)} of {n} clicks not answered as expected, e.g. {wrong[0]}")
        sample.problems += self.check_round(post, handles)
        if self.proc.crashed:
            sample.problems.append(f"the bot exited:\n{self.proc.log_tail()}")
        return sample

    async def burst(self, round_no: int, n: int, remaining: int) -> BurstSample:
        assert self.emu is not None and self.proc is not None and self.proc.proc is not None
        emu = self.emu
        post, handles = await self.prepare(round_no, n, remaining)
        pid = self.proc.proc.pid
        first_request = len(emu.requests)
        gc.collect()  # not inside the timed window: see send_burst
        self.window_opened()
        bot_cpu, emu_cpu = cpu_seconds(pid), time.process_time()
        dispatched = await send_burst(emu, handles, give_up_after=60 + n / 100)
        bot_cpu, emu_cpu = cpu_seconds(pid) - bot_cpu, time.process_time() - emu_cpu
        self.window_closed()
        followups = reply_times(emu, first_request)
        return self.conclude(round_no, post, handles, dispatched, followups, bot_cpu, emu_cpu)


class BareContender(Contender):
    name = "bare"
    label = "bare discord.py bot (bench/bare_bot.py)"
    argv = BARE_ARGV

    async def start(self) -> None:
        await super().start()
        assert self.emu is not None
        asker = self.emu.add_member(self.guild.id, "asker")
        ix = await self.emu.run_command(asker, self.guild.channel_id, "quiz trl", {"questions": 1})
        self.post = await ix.reply(timeout=10)

    async def open_question(self, remaining: int) -> tuple[Message, list[str]]:
        return self.post, [b.custom_id for b in self.post.buttons if b.custom_id]

    def wrong_reply(self, ix: InteractionHandle, post: Message, reply: Message) -> str | None:
        return None if reply.text == "ok" else f"unexpected reply {reply!r}"


class NullContender(BareContender):
    name = "null"
    label = "null bot: raw gateway, one fixed callback per click (bench/null_bot.py)"
    argv = NULL_ARGV


ROUND_SQL = "SELECT member_id, correct FROM answers WHERE post_id = ?"


def post_of(handles: list[InteractionHandle]) -> int:
    """The post the clicks answer (quiz:ans:<post>:<letter>)."""
    return int(handles[0].data["custom_id"].split(":")[2])


class QuizContender(Contender):
    name = "quiz"
    label = "quiz bot (python -m bot)"
    argv = QUIZ_ARGV

    async def start(self) -> None:
        await super().start()
        assert self.emu is not None
        self.starter = self.emu.add_member(self.guild.id, "starter")
        self.seen: set[int] = set()
        self.post: Message | None = None

    @property
    def db_path(self) -> Path:
        assert self.proc is not None
        return self.proc.db_path

    async def open_question(self, remaining: int) -> tuple[Message, list[str]]:
        """A new round for every burst, as members meet the bot: stop the last one, start the next."""
        emu, channel = self.emu, self.guild.channel_id
        assert emu is not None
        if self.post is not None:
            await (await emu.run_command(self.starter, channel, "quiz stop", {})).response()
            summary = await emu.wait_for_message(channel, lambda m: is_summary(m) and m.id not in self.seen, timeout=30)
            self.seen.add(summary.id)
        ix = await emu.run_command(self.starter, channel, "quiz trl", {"questions": 1, "seconds": 300})
        await ix.response()
        post = await emu.wait_for_message(channel, lambda m: is_question(m) and m.id not in self.seen, timeout=30)
        self.seen.add(post.id)
        self.post = post
        return post, [b.custom_id for b in post.buttons if b.custom_id and b.custom_id.startswith("quiz:ans:")]

    def _right(self, post: Message) -> str:
        question = catalog().question(question_id(post))
        assert question is not None
        return question.answer

    def wrong_reply(self, ix: InteractionHandle, post: Message, reply: Message) -> str | None:
        clicked = ix.data["custom_id"].rsplit(":", 1)[1]
        expected = CORRECT if clicked == self._right(post) else WRONG
        title = reply.embeds[0].get("title", "") if reply.embeds else reply.text
        return None if title.startswith(expected) else f"reply {title!r} to a click on {clicked}"

    def _rows(self, sql: str, args: tuple = ()) -> list[tuple]:
        with sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True) as conn:
            return conn.execute(sql, args).fetchall()

    def check_round(self, post: Message, handles: list[InteractionHandle]) -> list[str]:
        post_id = post_of(handles)
        return self.judge_round(post, handles, self._rows(ROUND_SQL, (post_id,)))

    def judge_round(self, post: Message, handles: list[InteractionHandle], rows: list[tuple]) -> list[str]:
        """Problems with the answers stored for the round's clicks: `rows` are ROUND_SQL's (member_id, correct)."""
        post_id = post_of(handles)
        right = self._right(post)
        members = {ix.member.id for ix in handles}
        want_correct = sum(ix.data["custom_id"].endswith(":" + right) for ix in handles)
        stored = {m for m, _ in rows}
        count, correct = len(rows), sum(c for _, c in rows)
        problems = []
        if count != len(handles) or stored != members:
            problems.append(
                f"post {post_id}: {count} answers stored for {len(handles)} clicks "
                f"({len(members - stored)} members missing)"
            )
        if correct != want_correct:
            problems.append(f"post {post_id}: {correct} correct answers stored, {want_correct} expected")
        return problems

    def final_checks(self) -> tuple[list[str], dict[str, Any]]:
        """The stored answers add up to the clicks, and every total the leaderboard reads matches them."""
        with sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True) as conn:
            problems, totals = consistency_problems(conn)
        if totals["answers"] != self.clicks:
            problems.insert(0, f"{totals['answers']} answers stored for {self.clicks} clicks")
        return problems, totals


def per_round_ratios(samples: list[BurstSample], key: str, of: str = "quiz", to: str = "bare") -> list[float]:
    by_round: dict[int, dict[str, BurstSample]] = {}
    for s in samples:
        by_round.setdefault(s.round, {})[s.contender] = s
    out = []
    for pair in by_round.values():
        if of in pair and to in pair and getattr(pair[to], key):
            out.append(getattr(pair[of], key) / getattr(pair[to], key))
    return out


def drift(samples: list[BurstSample], name: str) -> float:
    """Throughput of the last third of a contender's bursts over the first third's (1.0: no drift)."""
    mine = [s.throughput for s in samples if s.contender == name]
    third = max(1, len(mine) // 3)
    first, last = median(mine[:third]), median(mine[-third:])
    return last / first if first else float("nan")


def aggregate(samples: list[BurstSample], name: str) -> dict[str, Any]:
    mine = [s for s in samples if s.contender == name]
    pooled = [x for s in mine for x in s.latencies_ms]
    return {
        "rounds": len(mine),
        "throughput": median([s.throughput for s in mine]),
        "p50_ms": median([s.p50_ms for s in mine]),
        "p95_ms": median([s.p95_ms for s in mine]),
        "p99_ms": median([s.p99_ms for s in mine]),
        "pooled_p99_ms": percentile(pooled, 99),
        "max_ms": max((s.max_ms for s in mine), default=float("nan")),
        "window_p99_ms": median([s.window_p99_ms for s in mine]),
        "window_max_ms": max((s.window_max_ms for s in mine), default=float("nan")),
        "deferred": sum(s.deferred for s in mine),
        "bot_cpu_ms_per_click": median([s.bot_cpu_ms_per_click for s in mine]),
        "emulator_cpu_ms_per_click": median([s.emulator_cpu_ms_per_click for s in mine]),
        "emulator_cores": median([s.emulator_cores for s in mine]),
        "throughputs": [s.throughput for s in mine],
        "drift": drift(samples, name),
        "answered": sum(s.answered for s in mine),
        "clicks": sum(s.clicks for s in mine),
    }


CEILING_MARGIN = 0.8  # a contender at 80 % of the null bot's throughput is near the emulator's ceiling


def sample_line(sample: BurstSample, server_ms: float | None = None) -> str:
    """One burst's figures, as progress prints them (with a database server's CPU when there is one)."""
    server = f", server CPU {server_ms:.3f} ms/click" if server_ms is not None else ""
    return (
        f"{sample.answered}/{sample.clicks} answered ({sample.deferred} deferred), {sample.throughput:5.0f} clicks/s, "
        f"p50 {sample.p50_ms:5.0f} ms, p99 {sample.p99_ms:5.0f} ms, bot CPU {sample.bot_cpu_ms_per_click:.3f} ms/click"
        f"{server}, emulator {sample.emulator_cpu_ms_per_click:.3f} ms/click ({sample.emulator_cores:.2f} cores)"
    )


async def alternate(
    contenders: Sequence[Contender],
    *,
    members: int,
    rounds: int,
    warmup: int,
    progress: Callable[[str], object],
    server_ms: Callable[[Contender, int], float | None] = lambda c, r: None,
) -> tuple[list[BurstSample], list[str]]:
    """An untimed warm-up burst each, then ``rounds`` bursts each, the first to go rotating so each goes first
    as often: the samples, and what went wrong."""
    samples: list[BurstSample] = []
    problems: list[str] = []
    if warmup:
        for c in contenders:
            warm = await c.burst(-1, warmup, 0)
            problems += [f"{c.name} warm-up: {p}" for p in warm.problems]
    for r in range(rounds):
        k = r % len(contenders)
        for c in [*contenders[k:], *contenders[:k]]:
            sample = await c.burst(r, members, 0)
            samples.append(sample)
            problems += [f"{c.name} round {r + 1}: {p}" for p in sample.problems]
            progress(f"  burst {r + 1}/{rounds} {c.name:>8}: {sample_line(sample, server_ms(c, r))}")
    return samples, problems


async def run(
    *,
    members: int,
    rounds: int,
    workdir: Path,
    spec_check: bool = False,
    warmup: int | None = None,
    progress=print,
) -> dict[str, Any]:
    """Alternate bursts of `members` clicks between the null, bare and quiz bots, `rounds` each.

    Each contender first gets one untimed burst of `warmup` clicks (default: as many as a timed one): the
    first burst of a process also pays for imports, caches and opening its pool of HTTP connections.
    """
    warmup = members if warmup is None else warmup
    contenders: list[Contender] = [
        NullContender(workdir, spec_check=spec_check),
        BareContender(workdir, spec_check=spec_check),
        QuizContender(workdir, spec_check=spec_check),
    ]
    quiz = contenders[-1]
    assert isinstance(quiz, QuizContender)
    samples: list[BurstSample] = []
    problems: list[str] = []
    totals: dict[str, Any] = {}
    try:
        for c in contenders:
            await c.start()
        samples, problems = await alternate(
            contenders, members=members, rounds=rounds, warmup=warmup, progress=progress
        )
        if quiz.proc is not None and quiz.proc.running:
            final, totals = quiz.final_checks()
            problems += [f"quiz: {p}" for p in final]
    finally:
        for c in reversed(contenders):
            problems += await c.stop()
    null, bare, mine = (aggregate(samples, name) for name in ("null", "bare", "quiz"))
    ceiling = null["throughput"]
    near_ceiling = [
        name
        for name, agg in (("bare", bare), ("quiz", mine))
        if ceiling and agg["throughput"] >= CEILING_MARGIN * ceiling
    ]
    return {
        "members": members,
        "rounds": rounds,
        "null": null,
        "bare": bare,
        "quiz": mine,
        "ceiling": ceiling,
        "bare_of_ceiling": bare["throughput"] / ceiling if ceiling else float("nan"),
        "near_ceiling": near_ceiling,
        "throughput_ratio": median(per_round_ratios(samples, "throughput")),
        "p99_ratio": median(per_round_ratios(samples, "p99_ms")),
        "cpu_ratio": median(per_round_ratios(samples, "bot_cpu_ms_per_click")),
        "throughput_ratios": per_round_ratios(samples, "throughput"),
        "p99_ratios": per_round_ratios(samples, "p99_ms"),
        "stored": totals,
        "warmup": warmup,
        "samples": [s.summary() for s in samples],
        "problems": problems,
    }
