"""Which SQLite files the bot may change: its own, and nothing else.

A database made by this bot carries a marker in its header, ``PRAGMA application_id = APPLICATION_ID``,
written when the file is created. Release 1 wrote no marker: its databases (application_id 0, a
user_version of 1 or more and every table of 0001_initial.sql) are recognised and get the marker on
their next open. A missing or empty file becomes ours. Anything else is refused before a byte of it is
written: this module only reads, the SQLite part through a read-only connection.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from bot.files import nearest_existing, writable

# "TRLQ" in ASCII (1414679633). Fixed for good: changing it would disown every existing database.
APPLICATION_ID = 0x54524C51

RELEASE_1_TABLES = frozenset(
    {
        "meta",
        "guilds",
        "custom_questions",
        "hidden_questions",
        "rounds",
        "posts",
        "answers",
        "mastered",
        "scores",
        "score_histogram",
        "weekly_scores",
        "daily_schedules",
        "daily_posts",
    }
)

SQLITE_MAGIC = b"SQLite format 3\x00"
LOCK_WAIT_S = 5.0


class DatabaseProblem(Exception):
    """The database can't be used as it is; the message names it, says what is wrong and what to do.

    ``exit_code`` follows the command line's rule: 2 when the operator must change a setting or a file,
    1 when the world failed (a lock held elsewhere, a full disk) and a retry may work.
    """

    def __init__(self, message: str, *, exit_code: int = 2) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class DatabaseMissing(DatabaseProblem, FileNotFoundError):
    """A command that needs existing data (prune, backup) found no file."""


class DatabaseLocked(DatabaseProblem):
    def __init__(self, name: str) -> None:
        super().__init__(
            f"{name} is locked by another process (waited {LOCK_WAIT_S:g} s); stop whatever else is using it "
            "(a second bot, a migrate, an sqlite3 shell) and try again",
            exit_code=1,
        )


class FileState(Enum):
    MISSING = "missing"
    EMPTY = "empty"
    PRESENT = "present"


class Claim(Enum):
    NEW = "new"  # missing, empty, or an SQLite file with nothing in it: it becomes ours
    OURS = "ours"
    RELEASE_1 = "release 1"  # ours, from before the marker existed


@dataclass(frozen=True)
class Found:
    application_id: int
    user_version: int
    tables: frozenset[str]
    objects: int  # tables, indexes, views and triggers


def label(path: Path | str, setting: str | None) -> str:
    """How messages name the database: with the setting it came from, when there is one."""
    return f"{setting}={path}" if setting else str(path)


def sqlite_uri(path: Path, mode: str) -> str:
    """A URI that opens ``path`` in ``mode`` (ro, rw, rwc): rw never creates a file that vanished meanwhile."""
    return f"{path.absolute().as_uri()}?mode={mode}"


def check_file(path: Path, name: str, *, write: bool = True, create: bool = True) -> FileState:
    """Refuse what SQLite can't use or shouldn't write, before any connection; say what the file is."""
    try:
        return _check_file(path, name, write=write, create=create)
    except DatabaseProblem:
        raise
    except OSError as exc:  # a name too long, a loop of links, a folder we may not look into
        raise DatabaseProblem(f"{name} cannot be used ({exc.strerror}); check the path") from None


def _check_file(path: Path, name: str, *, write: bool, create: bool) -> FileState:
    if path.is_dir():
        raise DatabaseProblem(f"{name} is a folder; name a file in it, such as {path / 'quizbot.sqlite3'}")
    if not path.exists():
        if not create:
            raise DatabaseMissing(f"{name} does not exist; check the path")
        _check_creatable(path, name)
        return FileState.MISSING
    if not path.is_file():
        raise DatabaseProblem(f"{name} is not a regular file; name a database file")
    try:
        with path.open("rb") as file:
            head = file.read(20)
    except OSError as exc:
        raise DatabaseProblem(f"{name} cannot be read ({exc.strerror}); check its permissions") from None
    if head and head[: len(SQLITE_MAGIC)] != SQLITE_MAGIC:
        raise DatabaseProblem(f"{name} is not an SQLite database (no SQLite header); name the bot's database file")
    _refuse_stray_wal(path, head, name)
    if write:
        _check_writable(path, name)
    return FileState.PRESENT if head else FileState.EMPTY


def _refuse_stray_wal(path: Path, head: bytes, name: str) -> None:
    """A file in rollback-journal mode (header bytes 18-19 are 1, as a backup is written) with a -wal beside it:
    the -wal is left from the file this one replaced, and SQLite would replay it into the restored copy."""
    wal = path.with_name(path.name + "-wal")
    if len(head) == 20 and head[18] == head[19] == 1 and wal.is_file() and wal.stat().st_size > 0:
        raise DatabaseProblem(
            f"{name} has a {wal.name} beside it that is not its own ({name} is not in WAL mode: restored from a "
            f"backup?); move {wal.name} and {path.name}-shm out of the folder, then start again"
        )


def _check_creatable(path: Path, name: str) -> None:
    folder = nearest_existing(path.parent)
    if not folder.is_dir():
        raise DatabaseProblem(f"{name} cannot be created: {folder} is a file, not a folder")
    if not writable(folder):
        raise DatabaseProblem(
            f"{name} cannot be created: the folder {folder} is read-only for this user; "
            "make it writable or choose another path"
        )


def _check_writable(path: Path, name: str) -> None:
    if not writable(path):
        raise DatabaseProblem(
            f"{name} is read-only for this user; make the file writable (chmod u+w, or chown it to the user "
            "running the bot)"
        )
    folder = path.absolute().parent
    if not writable(folder):
        raise DatabaseProblem(
            f"{name} is in a read-only folder ({folder}); SQLite writes its -wal and -shm files beside the "
            "database, so make the folder writable"
        )


def inspect(path: Path, name: str) -> Found:
    """Read the marker, the schema version and the table names through a read-only connection."""
    try:
        conn = sqlite3.connect(sqlite_uri(path, "ro"), uri=True, timeout=LOCK_WAIT_S)
        try:
            (application_id,) = conn.execute("PRAGMA application_id").fetchone()
            (user_version,) = conn.execute("PRAGMA user_version").fetchone()
            rows = conn.execute("SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'").fetchall()
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise translate(exc, name) from None
    tables = frozenset(row[1] for row in rows if row[0] == "table")
    return Found(int(application_id), int(user_version), tables, len(rows))


def judge(found: Found, name: str, setting: str | None, newest: int | None) -> Claim:
    """Ours, release 1's, or empty; anything else is refused with what to do."""
    elsewhere = f"point {setting} at another file" if setting else "use another file"
    if found.application_id == APPLICATION_ID:
        _refuse_newer(found, name, newest)
        return Claim.OURS
    if found.application_id != 0:
        raise DatabaseProblem(
            f"{name} belongs to another application (application_id {found.application_id:#x}, this bot's is "
            f"{APPLICATION_ID:#x}); {elsewhere}"
        )
    if found.objects == 0 and found.user_version == 0:
        return Claim.NEW
    if found.user_version >= 1 and found.tables >= RELEASE_1_TABLES:
        _refuse_newer(found, name, newest)
        return Claim.RELEASE_1
    raise DatabaseProblem(f"{name} is not a database of this bot ({_describe(found)}); {elsewhere}")


def _describe(found: Found) -> str:
    parts = ["no marker"]
    if found.tables:
        parts.append(f"{len(found.tables)} table(s) of its own: {', '.join(sorted(found.tables)[:3])}")
        if len(found.tables) > 3:
            parts[-1] += ", …"
    if found.user_version:
        parts.append(f"user_version {found.user_version}")
    return ", ".join(parts)


def _refuse_newer(found: Found, name: str, newest: int | None) -> None:
    if newest is not None and found.user_version > newest:
        raise DatabaseProblem(
            f"{name} is at schema version {found.user_version}, newer than this bot's ({newest}); upgrade the bot "
            "to the release that wrote it, or restore the backup taken before that upgrade"
        )


def is_locked(exc: BaseException) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    return code in {sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED} or "database is locked" in str(exc)


def translate(exc: sqlite3.Error, name: str) -> DatabaseProblem:
    """An SQLite error met while opening or migrating, as a message naming the database."""
    text = str(exc)
    if is_locked(exc):
        return DatabaseLocked(name)
    if "readonly" in text or "read-only" in text:
        return DatabaseProblem(f"{name} is read-only ({text}); make the file and its folder writable")
    if "disk is full" in text:
        return DatabaseProblem(f"{name}: the disk is full; free some space and try again", exit_code=1)
    if isinstance(exc, sqlite3.DatabaseError) and not isinstance(exc, sqlite3.OperationalError):
        return DatabaseProblem(f"{name} is damaged or not a database ({text}); restore a backup")
    return DatabaseProblem(f"{name}: SQLite failed ({text})", exit_code=1)
