"""What the scenarios share: the two contenders' command lines, emulators, statistics and /proc readings."""

from __future__ import annotations

import math
import os
import secrets
import sys
from collections.abc import Sequence
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # tests/ is a namespace package next to bench/
    sys.path.insert(0, str(REPO_ROOT))

from tests.emulator import DiscordEmulator  # noqa: E402

QUIZ_ARGV = [sys.executable, "-m", "bot"]
BARE_ARGV = [sys.executable, str(REPO_ROOT / "bench" / "bare_bot.py")]
# Production's default level: DEBUG would log every gateway event and distort every figure.
BOT_ENV = {"QUIZBOT_LOG_LEVEL": "INFO"}
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def make_token() -> str:
    return f"emu.{secrets.token_urlsafe(18)}.{secrets.token_urlsafe(27)}"


async def new_emulator(*, spec_check: bool) -> DiscordEmulator:
    """A started loopback emulator. The OpenAPI check costs the emulator CPU on every request, so the
    benchmark leaves it off; the test suite's small run turns it on."""
    emu = DiscordEmulator(token=make_token(), spec_check=spec_check)
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
