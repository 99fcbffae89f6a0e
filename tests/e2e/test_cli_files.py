"""Database files the bot must not use as they are: a stray -wal beside a restored backup, a FIFO, damaged pages."""

from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.e2e.test_cli_misuse import MINI_CONTENT, TIME_LIMIT_S, clean_env, ours_at_head


def run(args: list[str], tmp_path: Path, database: Path) -> subprocess.CompletedProcess[str]:
    env = clean_env(
        QUIZBOT_DATABASE=str(database),
        QUIZBOT_CONTENT_DIR=str(MINI_CONTENT),
        DISCORD_TOKEN="emu.x.y",
        QUIZBOT_API_BASE_URL="http://127.0.0.1:9",
    )
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIME_LIMIT_S,
    )


def digest(*paths: Path) -> list[str]:
    return [hashlib.sha256(p.read_bytes()).hexdigest() for p in paths]


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    output = (result.stdout + result.stderr).strip()
    assert "Traceback" not in output and len(output.splitlines()) <= 2, output
    return output


def test_a_restored_backup_with_an_old_wal_beside_it_is_refused_untouched(tmp_path: Path):
    """SQLite would replay the old -wal into the restored file; the bot refuses and says which files to move."""
    path = tmp_path / "quiz.sqlite3"
    ours_at_head(path)  # closed in rollback-journal mode, as a backup is written
    wal = tmp_path / "quiz.sqlite3-wal"
    wal.write_bytes(b"\x37\x7f\x06\x82" + os.urandom(4092))
    before = digest(path, wal)
    for verb in (["migrate"], ["prune", "--dry-run"], ["run"]):
        result = run(verb, tmp_path, path)
        assert result.returncode == 2, result
        assert "quiz.sqlite3-wal beside it that is not its own" in one_line(result)
    assert digest(path, wal) == before


def test_a_fifo_named_as_the_database_is_refused_not_waited_on(tmp_path: Path):
    path = tmp_path / "quiz.sqlite3"
    os.mkfifo(path)
    for verb in (["run"], ["migrate"]):
        result = run(verb, tmp_path, path)
        assert result.returncode == 2 and "is not a regular file" in one_line(result), result


def test_damaged_pages_are_named_with_what_to_do(tmp_path: Path):
    """A good header and schema over broken pages: one line naming the file and the backup to restore."""
    path = tmp_path / "quiz.sqlite3"
    ours_at_head(path)
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute(
            "WITH RECURSIVE i(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM i WHERE n < 20000)"
            " INSERT INTO practice_answers (session_id, position, guild_id, member_id, question_id, choice, correct,"
            " answered_at) SELECT 1, n, 1, n, 'q', 0, 1, '2026-11-01T12:00:00.000000+00:00' FROM i"
        )
        conn.commit()
        page = conn.execute("PRAGMA page_size").fetchone()[0]
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
    with path.open("r+b") as file:  # scribble over the last pages: practice_answers' rows
        for n in range(pages - 20, pages - 2):
            file.seek(n * page)
            file.write(b"\xff" * page)
    result = run(["rebuild-reviews"], tmp_path, path)
    output = one_line(result)
    assert result.returncode == 2, output
    assert f"QUIZBOT_DATABASE={path} is damaged" in output and "restore the latest backup" in output


def test_a_file_name_too_long_for_the_file_system_is_one_line(tmp_path: Path):
    path = tmp_path / "quiz.sqlite3"
    ours_at_head(path)
    long = tmp_path / ("x" * 300 + ".sqlite3")
    result = run(["backup", str(long)], tmp_path, path)
    assert result.returncode == 2 and "cannot be written (File name too long)" in one_line(result), result
    result = run(["migrate"], tmp_path, tmp_path / ("y" * 300))  # the setting is checked when it loads
    assert result.returncode == 2 and "a name can have at most 255" in one_line(result), result


def test_an_empty_file_is_refused_where_a_missing_one_is(tmp_path: Path):
    """prune, rebuild-reviews and insights never create a database: an empty file is no more one than a missing one."""
    path = tmp_path / "quiz.sqlite3"
    path.write_bytes(b"")
    for verb in (["prune"], ["rebuild-reviews"], ["insights"]):
        result = run(verb, tmp_path, path)
        assert result.returncode == 2 and "is an empty file, not a database yet" in one_line(result), result
        assert path.read_bytes() == b""
