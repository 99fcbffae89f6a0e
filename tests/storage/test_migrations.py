"""Migrations: fresh database to head, idempotent reruns, and all-or-nothing files."""

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from bot.storage.database import Database
from bot.storage.migrate import MigrationError, apply_migrations, discover, shipped
from bot.storage.ownership import APPLICATION_ID


async def test_fresh_database_reaches_head_and_rerun_applies_nothing(tmp_path):
    """The first start applies every file; the second applies none."""
    db = await Database.open(tmp_path / "sub" / "q.sqlite3")
    try:
        applied = await apply_migrations(db)
        assert applied == list(range(1, len(discover()) + 1))
        assert await db.user_version() == len(discover())
        assert await apply_migrations(db) == []
    finally:
        await db.close()


async def scalar(db: Database, sql: str) -> Any:
    """The first column of the first row `sql` returns."""
    async with db.conn.execute(sql) as cur:
        row = await cur.fetchone()
    assert row is not None, sql
    return row[0]


async def test_connection_pragmas(tmp_path):
    """WAL, foreign keys and a busy timeout are on."""
    db = await Database.open(tmp_path / "q.sqlite3")
    try:
        assert await scalar(db, "PRAGMA journal_mode") == "wal"
        assert await scalar(db, "PRAGMA foreign_keys") == 1
        assert await scalar(db, "PRAGMA busy_timeout") > 0
    finally:
        await db.close()


async def test_a_failing_migration_leaves_the_previous_version(tmp_path):
    """A file that fails half-way rolls back with its version bump."""
    migrations = tmp_path / "migrations"
    migrations.mkdir()
    (migrations / "0001_first.sql").write_text("CREATE TABLE a (x INTEGER);")
    (migrations / "0002_broken.sql").write_text(
        "CREATE TABLE b (y INTEGER);\nINSERT INTO a VALUES (1);\nINSERT INTO nowhere VALUES (1);"
    )
    db = await Database.open(tmp_path / "q.sqlite3")
    try:
        with pytest.raises(MigrationError, match=r"0002_broken\.sql failed"):
            await apply_migrations(db, migrations)
        assert await db.user_version() == 1
        async with db.conn.execute("SELECT name FROM sqlite_master WHERE name = 'b'") as cur:
            assert await cur.fetchone() is None
        assert await scalar(db, "SELECT COUNT(*) FROM a") == 0
        assert not db.conn.in_transaction
    finally:
        await db.close()


@pytest.mark.parametrize(
    ("names", "message"),
    [
        (["0001_a.sql", "0003_c.sql"], "without gaps"),
        (["0001_a.sql", "0001_b.sql"], "also used"),
        (["1_a.sql"], "NNNN_reason"),
    ],
)
def test_discover_refuses_bad_numbering(tmp_path, names, message):
    """Gaps, duplicates and stray names are refused before anything runs."""
    for name in names:
        (tmp_path / name).write_text("SELECT 1;")
    with pytest.raises(MigrationError, match=message):
        discover(tmp_path)


def test_migration_files_have_a_header_comment():
    """Every shipped migration opens with a comment saying what it changes and why."""
    for path in (p for p in shipped().iterdir() if p.name.endswith(".sql")):
        assert path.read_text().startswith("-- "), path.name


async def test_a_newer_database_is_refused(tmp_path):
    """Code older than the database does not touch it."""
    path = tmp_path / "q.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        conn.execute("PRAGMA user_version = 999")
    db = await Database.open(path)
    try:
        with pytest.raises(MigrationError, match="newer than this code"):
            await apply_migrations(db)
    finally:
        await db.close()


ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "db" / "release-1.sql"


async def test_upgrading_a_first_release_database_keeps_every_answer_and_score(tmp_path):
    """A database made by the first released schema migrates to head with all its data intact.

    While migrations/ holds only 0001 the upgrade applies nothing; from 0002 on this is the guard that
    a new migration keeps every answer and score of existing servers.
    """
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.executescript(FIXTURE.read_text())
        before = {
            t: conn.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall()
            for t in ("answers", "scores", "mastered", "posts", "rounds")
        }
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    assert len(before["answers"]) == 60
    db = await Database.open(path)
    try:
        await apply_migrations(db)
        assert await db.user_version() == len(discover())
    finally:
        await db.close()
    with sqlite3.connect(path) as conn:
        for table, rows in before.items():
            # Later migrations may add columns at the end; the original ones must be unchanged.
            after = conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall()
            assert [r[: len(rows[0])] for r in after] == rows, table


def _slow_migration_dir(tmp_path: Path) -> Path:
    migrations = tmp_path / "migrations"
    migrations.mkdir()
    (migrations / "0001_first.sql").write_text("CREATE TABLE a (x INTEGER);")
    (migrations / "0002_big.sql").write_text(
        "CREATE TABLE big (n INTEGER, pad TEXT);\n"
        "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 3000000)"
        " INSERT INTO big SELECT n, hex(randomblob(16)) FROM c;\n"
    )
    return migrations


async def test_sigkill_during_a_migration_leaves_the_old_or_the_new_version(tmp_path):
    """A process killed mid-migration leaves the database at 1 (without the table) or 2 (with all rows)."""
    import asyncio
    import signal
    import sys

    migrations = _slow_migration_dir(tmp_path)
    path = tmp_path / "q.sqlite3"
    script = (
        "import asyncio, sys; from pathlib import Path\n"
        "from bot.storage.database import Database\n"
        "from bot.storage.migrate import apply_migrations\n"
        "async def main():\n"
        f"    db = await Database.open(Path({str(path)!r}))\n"
        f"    await apply_migrations(db, Path({str(migrations)!r}))\n"
        "asyncio.run(main())\n"
    )
    proc = await asyncio.create_subprocess_exec(sys.executable, "-c", script, cwd=ROOT)
    for _ in range(200):  # wait until 0002 is being written: the WAL grows past a few pages
        wal = path.with_name(path.name + "-wal")
        if wal.exists() and wal.stat().st_size > 2_000_000:
            break
        await asyncio.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    await proc.wait()
    assert proc.returncode == -signal.SIGKILL, "the migration finished before it could be killed"
    with sqlite3.connect(path) as conn:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        if version == 1:
            assert "big" not in tables
        else:
            assert version == 2 and conn.execute("SELECT COUNT(*) FROM big").fetchone() == (3000000,)
    assert version == 1  # killed mid-way: the old version, never in between


async def test_0002_turns_stored_sentences_into_failure_codes(tmp_path):
    """Errors release 1 stored as English text become codes (with the schedule's channel) on upgrade."""
    path = tmp_path / "old.sqlite3"
    sentences = {
        1: "I'm not allowed to post in <#10>; give me View Channel, Send Messages, Embed Links and Read Message "
        "History there.",
        2: "The channel <#10> no longer exists or I can't see it; choose another with /quiz-admin daily set.",
        3: "The bot stopped while posting that day's question, and the day was over when it came back.",
        4: "The “trl” deck has no questions this server can be asked.",
        5: "Posting failed unexpectedly (it has been logged); I'll try again at the next day's time.",
        6: None,
    }
    with sqlite3.connect(path) as conn:
        conn.executescript(FIXTURE.read_text())
        conn.execute("DELETE FROM daily_schedules")
        for guild, text in sentences.items():
            conn.execute(
                "INSERT INTO daily_schedules (guild_id, channel_id, local_time, timezone, deck, updated_by,"
                " updated_at, last_error, last_error_at) VALUES (?, 10, '09:00', 'UTC', 'trl', 1,"
                " '2026-11-24T00:00:00+00:00', ?, ?)",
                (guild, text, text and "2026-11-24T09:00:00+00:00"),
            )
    db = await Database.open(path)
    try:
        await apply_migrations(db)
    finally:
        await db.close()
    with sqlite3.connect(path) as conn:
        rows = conn.execute(
            "SELECT guild_id, last_error_code, last_error_channel_id FROM daily_schedules ORDER BY guild_id"
        ).fetchall()
        columns = {r[1] for r in conn.execute("PRAGMA table_info(daily_schedules)")}
    assert rows == [
        (1, "forbidden", 10),
        (2, "gone", 10),
        (3, "interrupted", 10),
        (4, "empty_deck", 10),
        (5, "unexpected", 10),
        (6, None, None),
    ]
    assert "last_error" not in columns  # no English text is stored any more


def test_migrate_builds_review_state_for_a_first_release_database(tmp_path):
    """`python -m bot migrate` on a release-1 database keeps every answer and gives every (member, question)
    answered its review state, replayed from the history."""
    import os
    import subprocess
    import sys

    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.executescript(FIXTURE.read_text())
        answers = conn.execute("SELECT * FROM answers ORDER BY id").fetchall()
        pairs = set(conn.execute("SELECT DISTINCT guild_id, member_id, question_id FROM answers").fetchall())
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "QUIZBOT_"))}
    env.update(QUIZBOT_DATABASE=str(path), PYTHONPATH=str(ROOT))
    result = subprocess.run(
        [sys.executable, "-m", "bot", "migrate"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT * FROM answers ORDER BY id").fetchall() == answers
        built = conn.execute("SELECT guild_id, member_id, question_id, reviews FROM reviews").fetchall()
        grouped = "SELECT guild_id, member_id, question_id, COUNT(*) FROM answers GROUP BY 1, 2, 3"
        counts = {(g, m, q): n for g, m, q, n in conn.execute(grouped).fetchall()}
    assert {(g, m, q) for g, m, q, _ in built} == pairs
    assert all(n == counts[(g, m, q)] for g, m, q, n in built)
