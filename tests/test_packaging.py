"""The built wheel is complete: installed on its own, away from the checkout, it migrates a database."""

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _uv() -> str:
    # `uv run` names its own binary in UV; a plain `pytest` finds it on PATH.
    found = os.environ.get("UV") or shutil.which("uv")
    if found is None:
        pytest.fail("this test needs uv: run the suite with `python3 -m uv run --locked pytest` (see README)")
    return found


@pytest.mark.timeout(300)
def test_the_wheel_ships_its_migrations_and_migrates_outside_the_checkout(tmp_path):
    """uv build → fresh venv → `python -m bot migrate` from a folder outside the repository."""
    uv = _uv()
    dist = tmp_path / "dist"
    subprocess.run([uv, "build", "--wheel", "--out-dir", str(dist), str(ROOT)], check=True, capture_output=True)
    (wheel,) = dist.glob("trl_quiz_bot-*.whl")
    venv = tmp_path / "venv"
    subprocess.run([uv, "venv", "--python", sys.executable, str(venv)], check=True, capture_output=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [uv, "pip", "install", "--python", str(python), str(wheel)], check=True, capture_output=True, cwd=tmp_path
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    database = elsewhere / "quiz.sqlite3"
    env = {"PATH": os.environ.get("PATH", ""), "QUIZBOT_DATABASE": str(database), "HOME": str(tmp_path)}
    result = subprocess.run(
        [str(python), "-m", "bot", "migrate"], cwd=elsewhere, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    shipped = sorted(p.name for p in (ROOT / "bot" / "storage" / "migrations").glob("*.sql"))
    assert f"schema version {len(shipped)}" in result.stdout
    with sqlite3.connect(database) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == len(shipped)
        assert conn.execute("SELECT COUNT(*) FROM sqlite_master WHERE name = 'question_drafts'").fetchone()[0] == 1
