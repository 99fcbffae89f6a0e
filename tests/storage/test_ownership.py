"""Only our own databases are changed: the marker, release 1's databases, and refusals that write nothing."""

import contextlib
import sqlite3
from pathlib import Path

import pytest

from bot.storage.backup import BackupInterrupted, TargetExists, backup
from bot.storage.database import Database
from bot.storage.migrate import apply_migrations, discover
from bot.storage.ownership import APPLICATION_ID, DatabaseProblem

ROOT = Path(__file__).resolve().parents[2]
RELEASE_1 = ROOT / "tests" / "fixtures" / "db" / "release-1.sql"


def header(path: Path) -> tuple[int, int, str]:
    with contextlib.closing(sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)) as conn:
        return (
            conn.execute("PRAGMA application_id").fetchone()[0],
            conn.execute("PRAGMA user_version").fetchone()[0],
            conn.execute("PRAGMA journal_mode").fetchone()[0],
        )


async def migrated(path: Path) -> None:
    db = await Database.open(path, newest=len(discover()))
    try:
        await apply_migrations(db)
    finally:
        await db.close()


@pytest.mark.parametrize("start", ["missing", "empty file"])
async def test_a_new_or_empty_file_becomes_ours(tmp_path, start, caplog):
    """The marker is written at creation, with a warning naming the path in case it was mistyped."""
    path = tmp_path / "q.sqlite3"
    if start == "empty file":
        path.touch()
    await migrated(path)
    assert header(path) == (APPLICATION_ID, len(discover()), "wal")
    assert f"{path}" in caplog.text and "new, empty database" in caplog.text


async def test_a_release_1_database_is_recognised_and_marked(tmp_path):
    """Release 1 wrote no marker: its schema version and tables identify it, and it is marked on open."""
    path = tmp_path / "old.sqlite3"
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.executescript(RELEASE_1.read_text(encoding="utf-8"))
    assert header(path)[:2] == (0, 1)
    await migrated(path)
    assert header(path)[:2] == (APPLICATION_ID, len(discover()))


@pytest.mark.parametrize(
    ("make", "says"),
    [
        ("CREATE TABLE a (x); CREATE TABLE meta (k);", "not a database of this bot (no marker, 2 table(s)"),
        ("PRAGMA user_version = 3;", "not a database of this bot (no marker, user_version 3)"),
        ("PRAGMA application_id = 7; CREATE TABLE a (x);", "belongs to another application"),
        (f"PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = 99;", "newer than this bot's"),
    ],
)
async def test_a_refused_file_is_left_exactly_as_it_was(tmp_path, make, says):
    """Refused before any write: the bytes are the same, no WAL switch, no -wal or -shm beside it."""
    path = tmp_path / "theirs.sqlite3"
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.executescript(make)
    before = path.read_bytes()
    with pytest.raises(DatabaseProblem, match=says.replace("(", r"\(").replace(")", r"\)")):
        await Database.open(path, setting="QUIZBOT_DATABASE", newest=len(discover()))
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["theirs.sqlite3"]


async def test_a_read_only_open_writes_nothing(tmp_path):
    """read_only (prune --dry-run): the file keeps its bytes, even an unmarked release-1 database."""
    path = tmp_path / "old.sqlite3"
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.executescript(RELEASE_1.read_text(encoding="utf-8"))
    before = path.read_bytes()
    db = await Database.open(path, read_only=True)
    try:
        assert await db.user_version() == 1
    finally:
        await db.close()
    assert path.read_bytes() == before


async def test_backup_is_marked_verified_and_never_overwrites(tmp_path):
    """The copy is a single checked file with the marker; a second backup to the same name is refused."""
    source, target = tmp_path / "q.sqlite3", tmp_path / "b" / "copy.sqlite3"
    await migrated(source)
    assert backup(source, target) == len(discover())
    assert header(target) == (APPLICATION_ID, len(discover()), "delete")
    with pytest.raises(TargetExists):
        backup(source, target)
    assert sorted(p.name for p in target.parent.iterdir()) == ["copy.sqlite3"]


def test_a_backup_stopped_half_way_leaves_nothing(tmp_path):
    """A stop during the copy removes the partial copy; nothing appears under the target's name."""
    source = tmp_path / "q.sqlite3"
    with contextlib.closing(sqlite3.connect(source)) as conn:
        conn.executescript(RELEASE_1.read_text(encoding="utf-8"))
        conn.execute("CREATE TABLE pad AS SELECT randomblob(4000) AS b FROM answers, answers")  # ~15 MB
        conn.commit()
    asked = []
    with pytest.raises(BackupInterrupted):
        backup(source, tmp_path / "out" / "copy.sqlite3", should_stop=lambda: asked.append(1) or len(asked) > 1)
    assert list((tmp_path / "out").iterdir()) == []
