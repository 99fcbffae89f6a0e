"""The command line as an operator meets it, with no Discord involved."""

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from bot.storage.migrate import discover

ROOT = Path(__file__).resolve().parents[2]


def run(args, tmp_path, **env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "QUIZBOT_"))}
    clean.update(PYTHONPATH=str(ROOT), **env)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], cwd=tmp_path, env=clean, capture_output=True, text=True, timeout=60
    )


def test_missing_token_exits_2_with_one_clear_line(tmp_path):
    """Without DISCORD_TOKEN the bot says what to set, in one line, and exits 2."""
    result = run([], tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "DISCORD_TOKEN" in lines[0]
    assert "Traceback" not in result.stderr + result.stdout


def test_migrate_creates_the_database_folder_and_prints_the_version(tmp_path):
    """migrate applies the schema to a new file in a new folder; a rerun applies nothing."""
    db = tmp_path / "nested" / "quiz.sqlite3"
    first = run(["migrate"], tmp_path, QUIZBOT_DATABASE=str(db))
    shipped = len(discover())
    assert first.returncode == 0 and f"schema version {shipped}" in first.stdout
    second = run(["migrate"], tmp_path, QUIZBOT_DATABASE=str(db))
    assert second.returncode == 0 and "applied migration" not in second.stdout


def test_check_content_reports_every_error_and_fails(tmp_path):
    """check-content names each broken file's problems and exits non-zero."""
    (tmp_path / "bad.yaml").write_text("deck: trl\nquestions:\n  - id: x\n    prompt: yes\n")
    (tmp_path / "worse.yaml").write_text("deck: [\n")
    result = run(["check-content", str(tmp_path)], tmp_path)
    assert result.returncode == 1
    assert "bad.yaml: question 1 (id 'x'): prompt: Input should be a valid string (got True" in result.stdout
    assert "bad.yaml: question 1 (id 'x'): choices: Field required" in result.stdout
    assert "worse.yaml: not valid YAML" in result.stdout


def test_the_token_is_never_logged(tmp_path):
    """A run that fails to reach Discord logs nothing containing the token."""
    token = "sekrit-token-value-123"
    result = run(
        [],
        tmp_path,
        DISCORD_TOKEN=token,
        QUIZBOT_API_BASE_URL="http://127.0.0.1:9/api/v10",
        QUIZBOT_CONTENT_DIR=str(ROOT / "tests" / "fixtures" / "content"),
        QUIZBOT_LOG_LEVEL="DEBUG",
        QUIZBOT_DATABASE=str(tmp_path / "q.sqlite3"),
    )
    assert result.returncode == 1
    assert "cannot reach http://127.0.0.1:9/api/v10" in result.stderr
    assert "Traceback" not in result.stderr
    assert token not in result.stdout + result.stderr


def test_rebuild_reviews_restores_the_review_state_from_the_history(tmp_path):
    """A spoiled review cache comes back from the answers exactly as migrate first built it."""
    db = tmp_path / "quiz.sqlite3"
    with sqlite3.connect(db) as conn:
        conn.executescript((ROOT / "tests" / "fixtures" / "db" / "release-1.sql").read_text())
    assert run(["migrate"], tmp_path, QUIZBOT_DATABASE=str(db)).returncode == 0
    state = (
        "SELECT guild_id, member_id, question_id, state, stability, difficulty, due, reviews FROM reviews"
        " ORDER BY guild_id, member_id, question_id"
    )
    with sqlite3.connect(db) as conn:
        built = conn.execute(state).fetchall()
        conn.execute("UPDATE reviews SET due = '2000-01-01T00:00:00.000000+00:00', stability = 0.1")
    assert built
    result = run(["rebuild-reviews"], tmp_path, QUIZBOT_DATABASE=str(db))
    assert result.returncode == 0, result.stderr
    assert f"rebuilt review state for {len(built)} (member, question) pairs" in result.stdout
    with sqlite3.connect(db) as conn:
        assert conn.execute(state).fetchall() == built
