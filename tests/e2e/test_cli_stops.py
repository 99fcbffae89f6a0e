"""Commands that could run long end promptly: a stop while review state is built (rolled back, and said), and a
Discord API that takes the connection but never answers."""

from __future__ import annotations

import contextlib
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.__main__ import LOGIN_TIMEOUT_S
from tests.e2e.test_cli_misuse import (
    MAX_LINES,
    MINI_CONTENT,
    SIGNAL_TO_EXIT_S,
    clean_env,
    ours_at_head,
    start,
    stop_and_wait,
    wait_for,
)

ANSWERS = 150_000  # long enough to replay (seconds) that a signal lands in the middle


@pytest.fixture(scope="module")
def long_history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database at the head schema with a long practice history and its review state already built."""
    path = tmp_path_factory.mktemp("history") / "quiz.sqlite3"
    ours_at_head(path)
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute(
            f"WITH RECURSIVE i(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM i WHERE n < {ANSWERS})"
            " INSERT INTO practice_answers (session_id, position, guild_id, member_id, question_id, choice, correct,"
            " answered_at) SELECT 1, n, 1, n % 5000, 'q' || (n % 40), 0, n % 3 = 0,"
            " '2026-11-0' || (1 + n % 9) || 'T12:00:00.000000+00:00' FROM i"
        )
        conn.execute("INSERT INTO meta (key, value) VALUES ('reviews_built', '0')")
        conn.commit()
    return path


def reviews(path: Path) -> tuple[int, str | None]:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        count = conn.execute("SELECT COUNT(*) FROM reviews").fetchone()[0]
        built = conn.execute("SELECT value FROM meta WHERE key = 'reviews_built'").fetchone()
    return count, built[0] if built else None


def logged(proc, line: str):
    seen: list[str] = []

    def check() -> bool:
        seen.append(proc.stdout.readline())
        return line in seen[-1]

    return check


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_stopped_rebuild_rolls_back_and_says_so(sig: signal.Signals, long_history: Path, tmp_path: Path):
    path = tmp_path / "quiz.sqlite3"
    shutil.copy(long_history, path)
    before = reviews(path)
    proc = start(["rebuild-reviews"], tmp_path, path)
    wait_for(logged(proc, "rebuilding review state"), proc, "the rebuild start")
    output, took = stop_and_wait(proc, sig)
    assert proc.returncode == 128 + sig, output
    assert took < SIGNAL_TO_EXIT_S
    assert "Traceback" not in output and len(output.strip().splitlines()) <= MAX_LINES, output
    assert f"interrupted by {sig.name} while rebuilding review state; that was rolled back" in output
    assert reviews(path) == before


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_stop_while_building_review_state_at_first_open_is_prompt(sig, long_history: Path, tmp_path: Path):
    """A database from before spaced review builds its review state once, at its first open; a stop then is
    obeyed within seconds, rolls the build back, and the next start builds it."""
    path = tmp_path / "quiz.sqlite3"
    shutil.copy(long_history, path)
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute("DELETE FROM meta WHERE key = 'reviews_built'")
        conn.commit()
    proc = start(["migrate"], tmp_path, path)
    wait_for(logged(proc, "building review state from the answer history"), proc, "the build start")
    output, took = stop_and_wait(proc, sig)
    assert proc.returncode == 128 + sig, output
    assert took < SIGNAL_TO_EXIT_S
    assert f"interrupted by {sig.name} while building review state" in output, output
    assert "has none yet; the next start builds it" in output and "Traceback" not in output
    assert reviews(path) == (0, None)


@pytest.fixture
def silent_api():
    """An API that takes the connection and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    try:
        yield listener.getsockname()[1]
    finally:
        listener.close()


def test_an_api_that_never_answers_ends_the_bot_with_one_line(silent_api, tmp_path: Path):
    """Not five minutes of silence (aiohttp's default): the login gives up after its own limit and says so, so a
    container's restart policy can act. (`sync` logs in through the same code.)"""
    env = clean_env(
        DISCORD_TOKEN="emu.x.y",
        QUIZBOT_DATABASE=str(tmp_path / "quiz.sqlite3"),
        QUIZBOT_API_BASE_URL=f"http://127.0.0.1:{silent_api}",
        QUIZBOT_CONTENT_DIR=str(MINI_CONTENT),
    )
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=90
    )
    took = time.monotonic() - started
    assert result.returncode == 1, result.stderr
    assert f"did not answer within {LOGIN_TIMEOUT_S:g} s" in result.stderr and "Traceback" not in result.stderr
    assert took < LOGIN_TIMEOUT_S + 15
