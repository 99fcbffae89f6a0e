"""What the scenarios share: the two contenders' command lines, emulators, statistics and /proc readings."""

from __future__ import annotations

import math
import os
import secrets
import sqlite3
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

from discord_loopback import DiscordEmulator

# Run as `python -m bench…` from the repository root (or under pytest, whose pythonpath is the root), so
# bot/, bench/ and tests/ import as packages; no sys.path edits.
REPO_ROOT = Path(__file__).resolve().parents[1]

QUIZ_ARGV = [sys.executable, "-m", "bot"]
BARE_ARGV = [sys.executable, str(REPO_ROOT / "bench" / "bare_bot.py")]
NULL_ARGV = [sys.executable, str(REPO_ROOT / "bench" / "null_bot.py")]
# Production's default level: DEBUG would log every gateway event and distort every figure.
BOT_ENV = {"QUIZBOT_LOG_LEVEL": "INFO"}
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def make_token() -> str:
    return f"emu.{secrets.token_urlsafe(18)}.{secrets.token_urlsafe(27)}"


async def new_emulator(*, spec_check: bool) -> DiscordEmulator:
    """A started loopback emulator. The OpenAPI check costs the emulator CPU on every request, so the
    benchmark leaves it off; the test suite's small run turns it on."""
    emu = DiscordEmulator(token=make_token(), spec_check=spec_check, bot_name="QuizBot")
    await emu.start()
    return emu


def emulator_problems(emu: DiscordEmulator) -> list[str]:
    """Requests the emulator refused or does not implement (empty when the contender behaved)."""
    try:
        emu.assert_clean(allow_spec=emu.spec is None)
    except AssertionError as exc:
        return [str(exc)]
    return []


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) with linear interpolation; NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    low = math.floor(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def median(values: Sequence[float]) -> float:
    return percentile(values, 50)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and all its threads so far."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def proc_status_kib(pid: int, key: str) -> int:
    """A `kB` field of /proc/<pid>/status, e.g. VmRSS or VmHWM."""
    with open(f"/proc/{pid}/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    raise KeyError(key)


# What `consistency_problems` reads, in SQL that SQLite and PostgreSQL both run (no parameters).
CONSISTENCY_SQL = {
    "answers": "SELECT COUNT(*), COALESCE(SUM(correct), 0), COALESCE(SUM(points), 0), COUNT(DISTINCT member_id)"
    " FROM answers",
    "scores": "SELECT COUNT(*), COALESCE(SUM(answered), 0), COALESCE(SUM(correct), 0), COALESCE(SUM(points), 0)"
    " FROM scores",
    "differing": "SELECT COUNT(*) FROM scores s LEFT JOIN (SELECT guild_id, member_id, COUNT(*) AS n,"
    " SUM(correct) AS c, SUM(points) AS p FROM answers GROUP BY guild_id, member_id) a USING (guild_id, member_id)"
    " WHERE a.n IS NULL OR a.n != s.answered OR a.c != s.correct OR a.p != s.points",
    "histogram": "SELECT guild_id, points, members FROM score_histogram WHERE members != 0 ORDER BY 1, 2",
    "counted": "SELECT guild_id, points, COUNT(*) FROM scores GROUP BY 1, 2 ORDER BY 1, 2",
    "mastered": "SELECT COUNT(*), COALESCE(SUM(CASE WHEN a.points = 1 AND a.correct = 1"
    " AND a.member_id = m.member_id AND a.question_id = m.question_id THEN 1 ELSE 0 END), 0)"
    " FROM mastered m LEFT JOIN answers a ON a.id = m.answer_id",
    "weekly": "SELECT COALESCE(SUM(answered), 0) FROM weekly_scores",
    "orphans": "SELECT COUNT(*) FROM answers a LEFT JOIN posts p ON p.id = a.post_id"
    " WHERE p.id IS NULL OR p.guild_id != a.guild_id OR p.question_id != a.question_id",
}


def consistency_problems(conn: sqlite3.Connection) -> tuple[list[str], dict[str, int]]:
    """Every total the leaderboard reads agrees with the answers table, as the bot's writer keeps them."""
    return judge_consistency({name: conn.execute(sql).fetchall() for name, sql in CONSISTENCY_SQL.items()})


def judge_consistency(found: dict[str, list[tuple]]) -> tuple[list[str], dict[str, int]]:
    """The problems in the rows of CONSISTENCY_SQL's queries (by name), and the answers' totals."""
    ((answers, correct, points, members),) = found["answers"]
    ((rows, s_answered, s_correct, s_points),) = found["scores"]
    ((differing,),) = found["differing"]
    histogram, counted = found["histogram"], found["counted"]
    ((mastered, mastered_points),) = found["mastered"]
    ((weekly,),) = found["weekly"]
    ((orphans,),) = found["orphans"]
    problems = []
    if (rows, s_answered, s_correct, s_points) != (members, answers, correct, points) or differing:
        problems.append(
            f"scores ({rows} members, answered/correct/points {s_answered}/{s_correct}/{s_points}, "
            f"{differing} differing) do not match answers ({members} members, "
            f"{answers}/{correct}/{points})"
        )
    if histogram != counted:
        problems.append("score_histogram does not count the members on each points total")
    if mastered != points or mastered_points != mastered:
        problems.append(
            f"{mastered} mastered rows ({mastered_points} pointing at a point-earning answer) for {points} points"
        )
    if weekly != answers:
        problems.append(f"weekly_scores count {weekly} answers, answers holds {answers}")
    if orphans:
        problems.append(f"{orphans} answers disagree with their post")
    totals = {"answers": answers, "correct": correct, "points": points, "members": members}
    return problems, {k: int(v) for k, v in totals.items()}


class OtherLoad:
    """CPU time the rest of the machine used while a scenario ran: the machine's busy time (/proc/stat) less
    this process's and its finished children's. Large values mean the figures are noisy."""

    def __init__(self) -> None:
        self.wall, self.busy, self.own = time.monotonic(), self._busy(), self._own()

    @staticmethod
    def _busy() -> float:
        with open("/proc/stat", encoding="ascii") as fh:
            fields = [int(x) for x in fh.readline().split()[1:]]
        idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
        return (sum(fields[:8]) - idle) / CLOCK_TICKS

    @staticmethod
    def _own() -> float:
        t = os.times()
        return t.user + t.system + t.children_user + t.children_system

    def result(self) -> dict[str, float]:
        wall = time.monotonic() - self.wall
        other = max(0.0, (self._busy() - self.busy) - (self._own() - self.own))
        return {"seconds": wall, "other_cpu_s": other, "other_cores": other / wall if wall else 0.0}


async def measured(
    label: str, scenario: Awaitable[dict[str, Any]], progress: Callable[[str], object]
) -> dict[str, Any]:
    """Run one scenario after saying what it is, and add to its figures what the rest of the machine used
    meanwhile (the coroutine starts only when awaited here, so the load is measured over the scenario)."""
    progress(label)
    load = OtherLoad()
    figures = await scenario
    other = load.result()
    progress(
        f"  took {other['seconds']:.0f} s; other processes used {other['other_cores']:.2f} of "
        f"{len(os.sched_getaffinity(0))} cores meanwhile"
    )
    figures.update({"seconds": other["seconds"], "other_load": other})
    return figures


def json_safe(value: Any) -> Any:
    """JSON has no NaN (null instead), and its keys are strings."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value
